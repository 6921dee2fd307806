package camsim

import (
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // photo formats the simulator reads
	_ "image/png"
	"math"
	"os"
	"time"

	xdraw "golang.org/x/image/draw"
)

// Still is a scene of one photo on a plain background that drifts and sways
// by a few pixels, slowly, like a person standing still.
type Still struct {
	photo *image.RGBA
	w, h  int
}

// NewStill scales photo to 3/4 of the frame height and centres it.
func NewStill(photo image.Image, w, h int) *Still {
	b := photo.Bounds()
	ph := h * 3 / 4
	pw := b.Dx() * ph / max(1, b.Dy())
	if pw > w*3/4 {
		pw = w * 3 / 4
		ph = b.Dy() * pw / max(1, b.Dx())
	}
	scaled := image.NewRGBA(image.Rect(0, 0, max(1, pw), max(1, ph)))
	xdraw.CatmullRom.Scale(scaled, scaled.Rect, photo, b, draw.Src, nil)
	return &Still{photo: scaled, w: w, h: h}
}

// LoadStill reads a PNG or JPEG photo for a Still scene.
func LoadStill(path string, w, h int) (*Still, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("camsim: photo: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("camsim: photo %s: %w", path, err)
	}
	return NewStill(img, w, h), nil
}

// Offset is where the photo's top-left corner is at time t: centred, with
// two slow incommensurate sways of a few pixels.
func (s *Still) Offset(t time.Duration) image.Point {
	sec := t.Seconds()
	dx := 6 * math.Sin(2*math.Pi*sec/3.7)
	dy := 3*math.Sin(2*math.Pi*sec/2.9) + 1.5*math.Sin(2*math.Pi*sec/1.3)
	return image.Pt((s.w-s.photo.Rect.Dx())/2+int(math.Round(dx)), (s.h-s.photo.Rect.Dy())/2+int(math.Round(dy)))
}

// Render draws the background and the photo at its place at time t.
func (s *Still) Render(dst *image.RGBA, _ uint64, t time.Duration) {
	draw.Draw(dst, dst.Rect, image.NewUniform(Background), image.Point{}, draw.Src)
	off := s.Offset(t)
	draw.Draw(dst, s.photo.Rect.Add(off), s.photo, image.Point{}, draw.Over)
}
