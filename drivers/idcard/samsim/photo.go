package samsim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"

	"github.com/hbzk/kiosk/device/idcard"
)

// The simulator's chip photo: the real WLT format is proprietary, so the
// simulated cards carry their 102x126 photo in the same 1024 bytes as
//
//	"SWLT" | version 2 | flags (bit 0: colour) | JPEG quality | length (2, big-endian) | JPEG | zeros
//
// where JPEG is a baseline JPEG written by Go's encoder with its
// quantisation and Huffman tables (DQT, DHT) taken out: they are the
// standard ones for that quality, about 570 bytes the decoder puts back.
// That leaves some 1000 bytes for the picture itself. The photo is stored
// at the highest quality that fits, in colour unless colour costs more than
// ColourPenalty quality steps against greyscale or falls below
// MinColourQuality (colour is subsampled 4:2:0, so it costs only ~3 steps
// on a typical face: quality 14 colour against 17 greyscale).
var photoMagic = []byte("SWLT\x02")

const photoHeader = 9

// MinColourQuality is the lowest JPEG quality at which a colour photo is
// kept; ColourPenalty how many quality steps colour may cost.
const (
	MinColourQuality = 10
	ColourPenalty    = 4
)

// ErrNotSimPhoto: the bytes are not in the simulator's photo format (a real
// card's WLT photo, for instance).
var ErrNotSimPhoto = errors.New("samsim: not a simulator photo (no SWLT header)")

// PhotoInfo says how a photo was encoded.
type PhotoInfo struct {
	Quality int
	Colour  bool
	// JPEGBytes is the size of the stored (table-less) JPEG.
	JPEGBytes int
}

// EncodePhoto encodes a 102x126 image into 1024 bytes.
func EncodePhoto(img image.Image) ([]byte, PhotoInfo, error) {
	if b := img.Bounds(); b.Dx() != idcard.PhotoWidth || b.Dy() != idcard.PhotoHeight {
		return nil, PhotoInfo{}, fmt.Errorf("samsim: photo is %dx%d, want %dx%d", b.Dx(), b.Dy(), idcard.PhotoWidth, idcard.PhotoHeight)
	}
	room := idcard.PhotoSize - photoHeader
	best := func(src image.Image, lowest int) ([]byte, int) {
		// Binary search of the highest quality that fits (the size grows
		// with the quality).
		lo, hi := lowest, 100
		var out []byte
		q := 0
		for lo <= hi {
			mid := (lo + hi) / 2
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: mid}); err != nil {
				return nil, 0
			}
			short, err := stripTables(buf.Bytes())
			if err == nil && len(short) <= room {
				out, q = short, mid
				lo = mid + 1
			} else {
				hi = mid - 1
			}
		}
		return out, q
	}
	gray := image.NewGray(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			gray.Set(x, y, color.GrayModel.Convert(img.At(x, y)))
		}
	}
	info := PhotoInfo{}
	data, q := best(gray, 1)
	if cdata, cq := best(img, max(MinColourQuality, q-ColourPenalty)); cdata != nil {
		info.Colour, data, q = true, cdata, cq
	}
	if data == nil {
		return nil, PhotoInfo{}, fmt.Errorf("samsim: photo does not fit %d bytes even as greyscale at quality 1", room)
	}
	info.Quality, info.JPEGBytes = q, len(data)
	out := make([]byte, idcard.PhotoSize)
	copy(out, photoMagic)
	if info.Colour {
		out[5] = 1
	}
	out[6] = byte(q)
	binary.BigEndian.PutUint16(out[7:], uint16(len(data)))
	copy(out[photoHeader:], data)
	return out, info, nil
}

// segments splits a JPEG up to its SOS marker: it returns the header
// segments (marker and payload) and the offset of SOS.
func segments(j []byte) (segs [][]byte, sos int, err error) {
	if len(j) < 4 || j[0] != 0xFF || j[1] != 0xD8 {
		return nil, 0, errors.New("no JPEG SOI marker")
	}
	i := 2
	for {
		if i+4 > len(j) || j[i] != 0xFF {
			return nil, 0, errors.New("JPEG segment structure broken")
		}
		if j[i+1] == 0xDA {
			return segs, i, nil
		}
		n := int(binary.BigEndian.Uint16(j[i+2:]))
		if n < 2 || i+2+n > len(j) {
			return nil, 0, errors.New("JPEG segment length out of range")
		}
		segs = append(segs, j[i:i+2+n])
		i += 2 + n
	}
}

// stripTables removes the DQT and DHT segments.
func stripTables(j []byte) ([]byte, error) {
	segs, sos, err := segments(j)
	if err != nil {
		return nil, err
	}
	out := []byte{0xFF, 0xD8}
	for _, s := range segs {
		if s[1] != 0xDB && s[1] != 0xC4 {
			out = append(out, s...)
		}
	}
	return append(out, j[sos:]...), nil
}

// tables returns the DQT and DHT segments Go's encoder writes for a quality.
func tables(colour bool, quality int) ([]byte, error) {
	var img image.Image = image.NewGray(image.Rect(0, 0, 8, 8))
	if colour {
		img = image.NewRGBA(image.Rect(0, 0, 8, 8))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	segs, _, err := segments(buf.Bytes())
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, s := range segs {
		if s[1] == 0xDB || s[1] == 0xC4 {
			out = append(out, s...)
		}
	}
	return out, nil
}

// Decoder decodes the simulator's photos; it implements idcard.PhotoDecoder.
type Decoder struct{}

var _ idcard.PhotoDecoder = Decoder{}

// DecodePhoto decodes 1024 bytes made by EncodePhoto.
func (Decoder) DecodePhoto(wlt []byte) (image.Image, error) {
	if len(wlt) != idcard.PhotoSize {
		return nil, fmt.Errorf("samsim: photo is %d bytes, want %d", len(wlt), idcard.PhotoSize)
	}
	if !bytes.Equal(wlt[:len(photoMagic)], photoMagic) {
		return nil, ErrNotSimPhoto
	}
	colour, q := wlt[5]&1 == 1, int(wlt[6])
	if wlt[5]&^1 != 0 || q < 1 || q > 100 {
		return nil, fmt.Errorf("samsim: photo: flags %02X quality %d out of range", wlt[5], q)
	}
	n := int(binary.BigEndian.Uint16(wlt[7:]))
	if n < 4 || n > idcard.PhotoSize-photoHeader {
		return nil, fmt.Errorf("samsim: photo: JPEG length %d out of range", n)
	}
	body := wlt[photoHeader : photoHeader+n]
	if body[0] != 0xFF || body[1] != 0xD8 {
		return nil, errors.New("samsim: photo: no JPEG SOI marker")
	}
	t, err := tables(colour, q)
	if err != nil {
		return nil, fmt.Errorf("samsim: photo: tables: %w", err)
	}
	full := make([]byte, 0, len(t)+n)
	full = append(full, body[:2]...)
	full = append(full, t...)
	full = append(full, body[2:]...)
	// Check the size before decoding: a damaged SOF segment may announce
	// a picture of gigabytes (found by FuzzDecodePhoto).
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(full))
	if err != nil {
		return nil, fmt.Errorf("samsim: photo: %w", err)
	}
	if cfg.Width != idcard.PhotoWidth || cfg.Height != idcard.PhotoHeight {
		return nil, fmt.Errorf("samsim: photo is %dx%d, want %dx%d", cfg.Width, cfg.Height, idcard.PhotoWidth, idcard.PhotoHeight)
	}
	img, err := jpeg.Decode(bytes.NewReader(full))
	if err != nil {
		return nil, fmt.Errorf("samsim: photo: %w", err)
	}
	if b := img.Bounds(); b.Dx() != idcard.PhotoWidth || b.Dy() != idcard.PhotoHeight {
		return nil, fmt.Errorf("samsim: photo is %dx%d, want %dx%d", b.Dx(), b.Dy(), idcard.PhotoWidth, idcard.PhotoHeight)
	}
	return img, nil
}

// AreaResize scales the crop r of src to w x h by area averaging (each
// output pixel is the mean of the source area it covers).
func AreaResize(src image.Image, r image.Rectangle, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	sx := float64(r.Dx()) / float64(w)
	sy := float64(r.Dy()) / float64(h)
	for y := 0; y < h; y++ {
		y0, y1 := float64(r.Min.Y)+float64(y)*sy, float64(r.Min.Y)+float64(y+1)*sy
		for x := 0; x < w; x++ {
			x0, x1 := float64(r.Min.X)+float64(x)*sx, float64(r.Min.X)+float64(x+1)*sx
			var acc [4]float64
			var area float64
			for yy := int(y0); float64(yy) < y1; yy++ {
				wy := min(y1, float64(yy+1)) - max(y0, float64(yy))
				for xx := int(x0); float64(xx) < x1; xx++ {
					wx := min(x1, float64(xx+1)) - max(x0, float64(xx))
					cr, cg, cb, ca := src.At(xx, yy).RGBA()
					wgt := wx * wy
					acc[0] += wgt * float64(cr)
					acc[1] += wgt * float64(cg)
					acc[2] += wgt * float64(cb)
					acc[3] += wgt * float64(ca)
					area += wgt
				}
			}
			i := dst.PixOffset(x, y)
			for c := 0; c < 4; c++ {
				dst.Pix[i+c] = uint8(acc[c]/area/257 + 0.5)
			}
		}
	}
	return dst
}
