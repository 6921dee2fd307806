package opencv

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // header checks before OpenCV decodes
	_ "image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"
)

// Largest picture DecodeImage accepts. OpenCV 4.6's imdecode checks the
// size outside its exception handler and allocates the full picture
// unguarded: a header claiming a huge size aborts the whole process. So
// every header is read in Go first, and only formats Go can check reach
// OpenCV.
const (
	MaxImageSide   = 10000
	MaxImagePixels = 40_000_000
)

// checkImageHeader reads the format and size of an encoded picture and
// refuses what OpenCV must not see: unknown formats and huge sizes.
func checkImageHeader(data []byte) (w, h int, format string, err error) {
	if len(data) >= 2 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6' {
		w, h, err = pnmHeader(data)
		format = "pnm"
	} else {
		var cfg image.Config
		cfg, format, err = image.DecodeConfig(bytes.NewReader(data))
		w, h = cfg.Width, cfg.Height
		if err != nil {
			if errors.Is(err, image.ErrFormat) {
				return 0, 0, "", errors.New("not a JPEG, PNG, BMP, WebP or PNM picture")
			}
			return 0, 0, format, fmt.Errorf("%s header: %v", format, err)
		}
	}
	if err != nil {
		return 0, 0, format, err
	}
	if w <= 0 || h <= 0 || w > MaxImageSide || h > MaxImageSide || w*h > MaxImagePixels {
		return w, h, format, fmt.Errorf("%s of %dx%d: want at most %dx%d and %d pixels", format, w, h, MaxImageSide, MaxImageSide, MaxImagePixels)
	}
	return w, h, format, nil
}

// pnmHeader parses the header of a PBM/PGM/PPM picture (P1..P6): magic,
// width, height and (except for bitmaps) the maximum value, separated by
// white space, with '#' comments.
func pnmHeader(data []byte) (w, h int, err error) {
	i := 2
	field := func() (int, error) {
		for i < len(data) {
			switch c := data[i]; {
			case c == '#':
				for i < len(data) && data[i] != '\n' && data[i] != '\r' {
					i++
				}
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
				i++
			default:
				goto digits
			}
		}
		return 0, errors.New("pnm header: truncated")
	digits:
		n, start := 0, i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			if n > 1<<24 {
				return 0, errors.New("pnm header: number too large")
			}
			n = 10*n + int(data[i]-'0')
			i++
		}
		if i == start {
			return 0, fmt.Errorf("pnm header: unexpected byte %q", data[i])
		}
		return n, nil
	}
	if w, err = field(); err != nil {
		return 0, 0, err
	}
	if h, err = field(); err != nil {
		return 0, 0, err
	}
	if data[1] != '1' && data[1] != '4' {
		maxv, err := field()
		if err != nil {
			return 0, 0, err
		}
		if maxv < 1 || maxv > 65535 {
			return 0, 0, fmt.Errorf("pnm header: maximum value %d", maxv)
		}
	}
	return w, h, nil
}
