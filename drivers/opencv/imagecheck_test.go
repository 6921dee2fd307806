package opencv

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/device/face"
)

func TestCheckImageHeader(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		w, h int
		err  string
	}{
		{"pgm", "P5\n92 112\n255\n", 92, 112, ""},
		{"pgm comment", "P5 # made by hand\n 4\t3 # size\n255\n", 4, 3, ""},
		{"pbm no maxval", "P4\n8 2\n\x00\x00", 8, 2, ""},
		{"pnm huge (a crash found by fuzzing)", "P5\n4345675\n012 4\n25\x8489abcdef", 0, 0, "at most"},
		{"pnm enormous number", "P6\n99999999999999999999 1\n255\n", 0, 0, "too large"},
		{"pnm truncated", "P5\n92", 0, 0, "truncated"},
		{"pnm bad byte", "P5\n92 x\n", 0, 0, "unexpected"},
		{"pnm maxval", "P5\n2 2\n0\n", 0, 0, "maximum value"},
		{"pnm zero size", "P5\n0 5\n255\n", 0, 0, "at most"},
		{"png huge", hugePNG(), 0, 0, "at most"},
		{"tiff", "II*\x00\x08\x00\x00\x00", 0, 0, "not a JPEG"},
		{"text", "hello", 0, 0, "not a JPEG"},
		{"empty", "", 0, 0, "not a JPEG"},
	} {
		w, h, _, err := checkImageHeader([]byte(tc.data))
		if tc.err == "" {
			if err != nil || w != tc.w || h != tc.h {
				t.Errorf("%s: %dx%d %v, want %dx%d", tc.name, w, h, err, tc.w, tc.h)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v, want error with %q", tc.name, err, tc.err)
		}
		if _, err := DecodeImage([]byte(tc.data)); !errors.Is(err, face.ErrBadImage) {
			t.Errorf("%s: DecodeImage: %v, want ErrBadImage", tc.name, err)
		}
	}
	// Real files pass with their sizes.
	for _, p := range []string{"images/face.jpg", "images/gocvlogo.png", "contrib/att_faces/s1/1.pgm", "images/sample.webp"} {
		data, err := os.ReadFile(gocvImage(t, p))
		if err != nil {
			t.Fatal(err)
		}
		w, h, _, err := checkImageHeader(data)
		f, derr := DecodeImage(data)
		if err != nil || derr != nil || w != f.Width || h != f.Height {
			t.Errorf("%s: header %dx%d %v, decoded %dx%d %v", p, w, h, err, f.Width, f.Height, derr)
		}
	}
}

// hugePNG is a PNG header claiming 65536 x 65536 pixels, with a valid CRC.
func hugePNG() string {
	ihdr := []byte("IHDR\x00\x01\x00\x00\x00\x01\x00\x00\x08\x02\x00\x00\x00")
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d")
	b = append(b, ihdr...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
	return string(b)
}
