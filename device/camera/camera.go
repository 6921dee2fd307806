// Package camera is the kiosk's view of a camera: a source of timestamped
// frames of a fixed size. Backends (V4L2 devices, video files, folders of
// images, the simulator) register themselves in Backends under their scheme
// and are opened from a "scheme:argument" string (see package hw).
//
// Frames hold packed 8-bit BGR pixels, the layout OpenCV works in, so the
// face engine copies them into its buffers without conversion; Frame.Image
// and Frame.ToRGBA give the pure-Go UI what it draws.
package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"time"

	"github.com/hbzk/kiosk/device/hw"
)

// Camera is a source of frames.
type Camera interface {
	// Next waits for and returns the next frame. The frame belongs to the
	// caller. It fails with an error wrapping ErrGone when the device went
	// away (and could not be reopened before ctx ended), ErrEnd when a
	// finite source (file, folder) has no more frames, ErrClosed after
	// Close, or ctx's error.
	Next(ctx context.Context) (Frame, error)
	// Size is the frame size in pixels.
	Size() (width, height int)
	// Close releases the device. Next fails with ErrClosed afterwards.
	Close() error
}

// Backends opens cameras by scheme: "v4l2", "file", "dir", "sim".
var Backends = hw.NewRegistry[Camera]("camera")

var (
	// ErrGone means the camera was unplugged or stopped delivering frames.
	ErrGone = errors.New("camera gone")
	// ErrEnd means a finite source has delivered all its frames.
	ErrEnd = errors.New("end of frames")
	// ErrClosed means Next was called after Close.
	ErrClosed = errors.New("camera closed")
	// ErrBadFrame means pixel data does not match the frame's size.
	ErrBadFrame = errors.New("bad frame")
)

// Frame is one picture: packed BGR bytes, 3 per pixel, Width*3 per row.
type Frame struct {
	// Seq counts frames from 0 since the camera was opened.
	Seq uint64
	// Time is when the frame was taken, from the camera's injected clock.
	Time time.Time
	// Width and Height are the frame size in pixels.
	Width, Height int
	// Pix is the BGR data, len(Pix) == Width*Height*3.
	Pix []byte
}

// NewFrame allocates a black frame of the given size.
func NewFrame(w, h int) Frame {
	if w < 0 || h < 0 {
		w, h = 0, 0
	}
	return Frame{Width: w, Height: h, Pix: make([]byte, w*h*3)}
}

// Check reports whether the frame's pixels match its size.
func (f *Frame) Check() error {
	if f.Width <= 0 || f.Height <= 0 {
		return fmt.Errorf("camera: %w: size %dx%d", ErrBadFrame, f.Width, f.Height)
	}
	if len(f.Pix) != f.Width*f.Height*3 {
		return fmt.Errorf("camera: %w: %d bytes for %dx%d BGR (want %d)", ErrBadFrame, len(f.Pix), f.Width, f.Height, f.Width*f.Height*3)
	}
	return nil
}

// Clone returns a deep copy.
func (f *Frame) Clone() Frame {
	c := *f
	c.Pix = append([]byte(nil), f.Pix...)
	return c
}

// Image returns the frame as an image.Image sharing its pixels.
func (f *Frame) Image() image.Image {
	return &BGR{Pix: f.Pix, Stride: f.Width * 3, Rect: image.Rect(0, 0, f.Width, f.Height)}
}

// ToRGBA converts the frame into dst, reusing dst when it has the frame's
// size, and returns it. The UI's preview uses it once per frame.
func (f *Frame) ToRGBA(dst *image.RGBA) *image.RGBA {
	r := image.Rect(0, 0, f.Width, f.Height)
	if dst == nil || dst.Rect != r {
		dst = image.NewRGBA(r)
	}
	n := f.Width * f.Height
	if len(f.Pix) < n*3 {
		n = len(f.Pix) / 3
	}
	src, out := f.Pix[:n*3], dst.Pix[:n*4]
	for i, j := 0, 0; i < len(src); i, j = i+3, j+4 {
		out[j] = src[i+2]
		out[j+1] = src[i+1]
		out[j+2] = src[i]
		out[j+3] = 0xff
	}
	return dst
}

// FromImage converts any image into a BGR frame (Seq and Time zero).
func FromImage(img image.Image) Frame {
	b := img.Bounds()
	f := NewFrame(b.Dx(), b.Dy())
	switch m := img.(type) {
	case *image.RGBA:
		for y := 0; y < f.Height; y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X)*4:]
			out := f.Pix[y*f.Width*3:]
			for x := 0; x < f.Width; x++ {
				out[x*3], out[x*3+1], out[x*3+2] = row[x*4+2], row[x*4+1], row[x*4]
			}
		}
	case *BGR:
		for y := 0; y < f.Height; y++ {
			copy(f.Pix[y*f.Width*3:(y+1)*f.Width*3], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				// Composite transparency over white, as a viewer would.
				a := uint32(c.A)
				f.Pix[i] = uint8((uint32(c.B)*a + 255*(255-a)) / 255)
				f.Pix[i+1] = uint8((uint32(c.G)*a + 255*(255-a)) / 255)
				f.Pix[i+2] = uint8((uint32(c.R)*a + 255*(255-a)) / 255)
				i += 3
			}
		}
	}
	return f
}

// BGR is an in-memory image of packed BGR pixels.
type BGR struct {
	Pix    []byte
	Stride int
	Rect   image.Rectangle
}

var _ image.Image = (*BGR)(nil)

// ColorModel is color.RGBAModel.
func (p *BGR) ColorModel() color.Model { return color.RGBAModel }

// Bounds is the image rectangle.
func (p *BGR) Bounds() image.Rectangle { return p.Rect }

// PixOffset is the index of the first byte of pixel (x, y).
func (p *BGR) PixOffset(x, y int) int {
	return (y-p.Rect.Min.Y)*p.Stride + (x-p.Rect.Min.X)*3
}

// At returns the colour of pixel (x, y).
func (p *BGR) At(x, y int) color.Color {
	if !(image.Point{x, y}.In(p.Rect)) {
		return color.RGBA{}
	}
	i := p.PixOffset(x, y)
	return color.RGBA{R: p.Pix[i+2], G: p.Pix[i+1], B: p.Pix[i], A: 0xff}
}
