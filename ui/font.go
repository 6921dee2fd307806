package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
)

// DefaultFontPath is the CJK font the kiosk uses unless configured otherwise
// ([paths] font in kiosk.toml). Debian package: fonts-wqy-microhei.
const DefaultFontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

// ErrFontMissing is returned (wrapped) by LoadFont when the font file does
// not exist.
var ErrFontMissing = errors.New("font file missing")

// Font is a parsed font and its faces by pixel size. A Font is not safe for
// concurrent use (nor is the Renderer that owns it).
type Font struct {
	path  string
	font  *opentype.Font
	faces map[int]font.Face
}

// LoadFont reads a TrueType/OpenType font or collection (.ttc: the first
// font of the collection is used). A missing file gives an error naming the
// path and the Debian package to install.
func LoadFont(path string) (*Font, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ui: load font %s: %w (install the Debian package fonts-wqy-microhei, or set [paths] font in kiosk.toml to a CJK TTF/TTC/OTF file)", path, ErrFontMissing)
	}
	if err != nil {
		return nil, fmt.Errorf("ui: load font %s: %w", path, err)
	}
	f, err := ParseFont(data)
	if err != nil {
		return nil, fmt.Errorf("ui: load font %s: %w", path, err)
	}
	f.path = path
	return f, nil
}

// ParseFont parses font data: a collection (ttcf; its first font is used)
// or a single TrueType/OpenType font.
func ParseFont(data []byte) (*Font, error) {
	sf, err := extractFont(data, 0)
	if err != nil {
		return nil, fmt.Errorf("parse font: %w", err)
	}
	of, err := opentype.Parse(sf)
	if err != nil {
		return nil, fmt.Errorf("parse font: %w", err)
	}
	f := &Font{font: of, faces: map[int]font.Face{}}
	// A CJK font must draw both scripts the screens use.
	fc, err := f.face(20)
	if err != nil {
		return nil, err
	}
	for _, r := range []rune{'身', 'A'} {
		if _, ok := fc.GlyphAdvance(r); !ok {
			return nil, fmt.Errorf("parse font: no glyph for %q (a CJK font with Latin letters is needed, e.g. fonts-wqy-microhei)", r)
		}
	}
	return f, nil
}

// extractFont returns font index of a collection, or the font itself, as a
// stand-alone sfnt file whose tables all start on 4-byte boundaries.
// golang.org/x/image/font/sfnt refuses unaligned tables, and Debian's
// wqy-microhei.ttc has them (its tables are shared between the two fonts of
// the collection at odd offsets). Table checksums are kept as they were
// (sfnt ignores them).
func extractFont(data []byte, index int) ([]byte, error) {
	u16 := func(o int) int { return int(data[o])<<8 | int(data[o+1]) }
	u32 := func(o int) int64 {
		return int64(data[o])<<24 | int64(data[o+1])<<16 | int64(data[o+2])<<8 | int64(data[o+3])
	}
	if len(data) < 12 {
		return nil, errors.New("too short for a font")
	}
	off := int64(0)
	if string(data[:4]) == "ttcf" {
		n := u32(8)
		if int64(index) >= n || 12+4*(int64(index)+1) > int64(len(data)) {
			return nil, fmt.Errorf("collection has %d fonts, no font %d", n, index)
		}
		off = u32(12 + 4*index)
	}
	if off+12 > int64(len(data)) {
		return nil, fmt.Errorf("font offset %d beyond the end (%d bytes)", off, len(data))
	}
	o := int(off)
	numTables := u16(o + 4)
	dir := o + 12
	if int64(dir)+16*int64(numTables) > int64(len(data)) {
		return nil, fmt.Errorf("table directory of %d tables beyond the end", numTables)
	}
	hdr := 12 + 16*numTables
	out := make([]byte, hdr, len(data))
	copy(out, data[o:o+12])
	for i := 0; i < numTables; i++ {
		rec := dir + 16*i
		to, tl := u32(rec+8), u32(rec+12)
		if to+tl > int64(len(data)) {
			return nil, fmt.Errorf("table %q at %d+%d beyond the end (%d bytes)", data[rec:rec+4], to, tl, len(data))
		}
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		no := len(out)
		out = append(out, data[to:to+tl]...)
		r := 12 + 16*i
		copy(out[r:r+8], data[rec:rec+8]) // tag, checksum
		out[r+8], out[r+9], out[r+10], out[r+11] = byte(no>>24), byte(no>>16), byte(no>>8), byte(no)
		copy(out[r+12:r+16], data[rec+12:rec+16])
	}
	return out, nil
}

// Path is the file the font was loaded from ("" when parsed from memory).
func (f *Font) Path() string { return f.path }

// face returns the face of px pixels (rounded), cached.
func (f *Font) face(px int) (font.Face, error) {
	if px < 4 {
		px = 4
	}
	if fc, ok := f.faces[px]; ok {
		return fc, nil
	}
	fc, err := opentype.NewFace(f.font, &opentype.FaceOptions{Size: float64(px), DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("ui: font face %dpx: %w", px, err)
	}
	f.faces[px] = fc
	return fc, nil
}

// mustFace is face for sizes already known to work (the font parsed at 20px,
// and opentype.NewFace fails only on invalid options).
func (f *Font) mustFace(px float64) font.Face {
	fc, err := f.face(int(math.Round(px)))
	if err != nil {
		panic(err)
	}
	return fc
}
