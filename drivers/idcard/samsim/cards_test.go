package samsim

import (
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/idcard"
)

func TestPhotoRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src, err := PhotoSpec{File: writeFace(t, dir)}.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	wlt, info, err := EncodePhoto(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(wlt) != idcard.PhotoSize || info.Quality < 1 || info.JPEGBytes > idcard.PhotoSize-photoHeader {
		t.Fatalf("encoded %d bytes, %+v", len(wlt), info)
	}
	img, err := Decoder{}.DecodePhoto(wlt)
	if err != nil {
		t.Fatal(err)
	}
	// The decoded photo is close to the source (mean absolute difference
	// of the grey level).
	var sum float64
	for y := 0; y < idcard.PhotoHeight; y++ {
		for x := 0; x < idcard.PhotoWidth; x++ {
			a, _, _, _ := src.At(x, y).RGBA()
			b, _, _, _ := img.At(x, y).RGBA()
			if !info.Colour {
				a = grey(src.At(x, y).RGBA())
				b = grey(img.At(x, y).RGBA())
			}
			sum += math.Abs(float64(a>>8) - float64(b>>8))
		}
	}
	if mad := sum / (idcard.PhotoWidth * idcard.PhotoHeight); mad > 12 {
		t.Errorf("mean difference %.1f grey levels (quality %d)", mad, info.Quality)
	}
	if _, _, err := EncodePhoto(image.NewRGBA(image.Rect(0, 0, 10, 10))); err == nil {
		t.Error("10x10 photo: no error")
	}
}

func grey(r, g, b, _ uint32) uint32 { return (19595*r + 38470*g + 7471*b + 1<<15) >> 16 }

func photoCases(t testing.TB) []struct {
	name string
	wlt  []byte
	want error
} {
	dir := t.TempDir()
	src, _ := PhotoSpec{File: writeFace(t, dir)}.Load(dir)
	good, _, _ := EncodePhoto(src)
	mod := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	return []struct {
		name string
		wlt  []byte
		want error
	}{
		{"good", good, nil},
		{"short", good[:100], nil},
		{"real WLT", mod(func(b []byte) { copy(b, "WLT\x00\x00") }), ErrNotSimPhoto},
		{"bad quality", mod(func(b []byte) { b[6] = 0 }), nil},
		{"bad flags", mod(func(b []byte) { b[5] = 4 }), nil},
		{"length too long", mod(func(b []byte) { b[7], b[8] = 0xFF, 0xFF }), nil},
		{"length short", mod(func(b []byte) { b[7], b[8] = 0, 40 }), nil},
		{"no SOI", mod(func(b []byte) { b[photoHeader] = 0 }), nil},
		// SOF0 (the first segment after SOI) announcing 30000x30000.
		{"huge dimensions", mod(func(b []byte) {
			sof := photoHeader + 2
			if b[sof] != 0xFF || b[sof+1] != 0xC0 {
				panic("SOF0 not first")
			}
			b[sof+5], b[sof+6], b[sof+7], b[sof+8] = 0x75, 0x30, 0x75, 0x30
		}), nil},
		{"scan damaged", mod(func(b []byte) {
			for i := photoHeader + 30; i < photoHeader+60; i++ {
				b[i] = 0xFF
			}
		}), nil},
	}
}

func TestDecodePhotoErrors(t *testing.T) {
	for i, tc := range photoCases(t) {
		_, err := Decoder{}.DecodePhoto(tc.wlt)
		if i == 0 {
			if err != nil {
				t.Errorf("good: %v", err)
			}
			continue
		}
		if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), "samsim: ") {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func FuzzDecodePhoto(f *testing.F) {
	for _, tc := range photoCases(f) {
		f.Add(tc.wlt)
	}
	f.Fuzz(func(t *testing.T, wlt []byte) {
		img, err := Decoder{}.DecodePhoto(wlt)
		if err == nil && (img.Bounds().Dx() != idcard.PhotoWidth || img.Bounds().Dy() != idcard.PhotoHeight) {
			t.Fatalf("decoded %v", img.Bounds())
		}
	})
}

func TestLoadCardsErrors(t *testing.T) {
	dir := t.TempDir()
	writeFace(t, dir)
	base := strings.SplitN(testCards, "[[card]]", 3)[1] // the resident card
	for _, tc := range []struct {
		name, toml, want string
	}{
		{"empty", "", "no [[card]]"},
		{"syntax", "[[card]\n", "cards.toml:1"},
		{"unknown key", "[[card]]" + base + "colour = 1\n", "colour"},
		{"bad type", "[[card]]" + strings.Replace(base, `"resident"`, `"passport"`, 2), "passport"},
		{"bad sex", "[[card]]" + strings.Replace(base, `"female"`, `"f"`, 1), "sex"},
		{"bad date", "[[card]]" + strings.Replace(base, `"1992-03-15"`, `"1992-02-30"`, 1), "birth"},
		{"bad nation", "[[card]]" + strings.Replace(base, `"01"`, `"60"`, 1), "nation"},
		{"name too long", "[[card]]" + strings.Replace(base, `"张晓雯"`, `"`+strings.Repeat("名", 16)+`"`, 1), "too long"},
		{"photo missing", "[[card]]" + strings.Replace(base, `"face.png"`, `"nope.png"`, 1), "nope.png"},
		{"crop outside", "[[card]]" + strings.Replace(base, `[0, 0, 200, 240]`, `[50, 0, 200, 240]`, 1), "outside"},
		{"crop shape", "[[card]]" + strings.Replace(base, `[0, 0, 200, 240]`, `[0, 0]`, 1), "crop"},
	} {
		p := filepath.Join(dir, "cards.toml")
		os.WriteFile(p, []byte(tc.toml), 0o644)
		_, err := LoadCards(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "samsim: ") {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := LoadCards(filepath.Join(dir, "absent.toml")); err == nil {
		t.Error("absent file: no error")
	}
}

// TestShippedCards checks sim/cards.toml: the cards the demo relies on.
func TestShippedCards(t *testing.T) {
	const astronaut = "/usr/lib/python3/dist-packages/imageio/resources/images/astronaut.png"
	if _, err := os.Stat(astronaut); err != nil {
		t.Skip("astronaut.png absent: apt install python3-imageio")
	}
	cards, err := LoadCards("../../../sim/cards.toml")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) *clocktest.Fake {
		tm, _ := time.Parse("2006-01-02", s)
		return clocktest.New(tm.Add(12 * time.Hour))
	}
	var valid, expired, hmt, foreign, badDigit int
	for _, sc := range cards {
		c := sc.Card
		ok2026, ok2030 := c.Check(at("2026-01-01")) == nil, c.Check(at("2030-12-31")) == nil
		switch {
		case c.Type == idcard.Resident && ok2026 && ok2030:
			valid++
		case c.Type == idcard.Resident && errors.Is(c.Check(at("2026-06-01")), idcard.ErrExpired):
			expired++
		case errors.Is(c.Check(at("2026-06-01")), idcard.ErrIDChecksum):
			badDigit++
		}
		switch c.Type {
		case idcard.HMTPermit:
			hmt++
		case idcard.ForeignPermanent:
			foreign++
		}
		if sc.Photo.Quality < 10 {
			t.Errorf("%s: photo quality %d", sc.Label, sc.Photo.Quality)
		}
		t.Logf("%s: photo quality %d colour %v, %d bytes", sc.Label, sc.Photo.Quality, sc.Photo.Colour, sc.Photo.JPEGBytes)
	}
	if valid < 1 || expired < 1 || hmt < 1 || foreign < 1 || badDigit < 1 {
		t.Errorf("valid %d expired %d hmt %d foreign %d bad digit %d", valid, expired, hmt, foreign, badDigit)
	}
}
