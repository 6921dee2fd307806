package sigpad

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/vector"
)

// RenderOptions size and style the picture of a signature.
type RenderOptions struct {
	// MaxWidth and MaxHeight bound the image in pixels. The ink, cropped
	// to its bounding box, is scaled to fit inside them less the margin,
	// keeping its aspect; the image is the scaled ink plus the margin.
	MaxWidth, MaxHeight int
	// Margin is the blank border around the ink, in pixels.
	Margin int
	// PenWidth is the line width in pixels at full pressure (or always,
	// on a pad without pressure).
	PenWidth float64
	// Transparent leaves the background transparent instead of white.
	Transparent bool
}

// DefaultRender is 600x240 at most, 12 px margin, 3 px pen, white.
var DefaultRender = RenderOptions{MaxWidth: 600, MaxHeight: 240, Margin: 12, PenWidth: 3}

// ErrEmpty is returned when there is no ink to render or encode.
var ErrEmpty = errors.New("sigpad: empty signature")

func (o RenderOptions) check() error {
	if o.MaxWidth <= 2*o.Margin || o.MaxHeight <= 2*o.Margin || o.Margin < 0 {
		return fmt.Errorf("sigpad: render: size %dx%d with margin %d: no room for ink", o.MaxWidth, o.MaxHeight, o.Margin)
	}
	if o.MaxWidth > 8192 || o.MaxHeight > 8192 {
		return fmt.Errorf("sigpad: render: size %dx%d: at most 8192x8192", o.MaxWidth, o.MaxHeight)
	}
	if !(o.PenWidth > 0 && o.PenWidth <= 64) {
		return fmt.Errorf("sigpad: render: pen width %v: want >0..64", o.PenWidth)
	}
	return nil
}

// Render draws the signature anti-aliased, black on white (or on
// transparent), cropped to the ink with the margin.
func Render(s Signature, o RenderOptions) (*image.NRGBA, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if s.Points() == 0 {
		return nil, fmt.Errorf("sigpad: render: %w", ErrEmpty)
	}
	// Work in millimetres so a pad with non-square units keeps its shape.
	rx, ry := s.Pad.ResX, s.Pad.ResY
	if !(rx > 0) || !(ry > 0) {
		rx, ry = 1, 1
	}
	bb := Measure(s).BBox
	wmm := math.Max(float64(bb.Dx())/rx, 1)
	hmm := math.Max(float64(bb.Dy())/ry, 1)
	m := float64(o.Margin)
	// Leave room for the pen's width at the edges as well.
	availW, availH := float64(o.MaxWidth)-2*m-o.PenWidth, float64(o.MaxHeight)-2*m-o.PenWidth
	if availW < 1 || availH < 1 {
		return nil, fmt.Errorf("sigpad: render: size %dx%d: no room for a %v px pen", o.MaxWidth, o.MaxHeight, o.PenWidth)
	}
	scale := math.Min(availW/wmm, availH/hmm)
	w := int(math.Ceil(wmm*scale + 2*m + o.PenWidth))
	h := int(math.Ceil(hmm*scale + 2*m + o.PenWidth))
	w, h = min(w, o.MaxWidth), min(h, o.MaxHeight)
	ox := m + o.PenWidth/2 + (float64(w)-2*m-o.PenWidth-wmm*scale)/2
	oy := m + o.PenWidth/2 + (float64(h)-2*m-o.PenWidth-hmm*scale)/2
	pt := func(p Sample) (float32, float32) {
		return float32(ox + (float64(p.X-bb.MinX)/rx)*scale), float32(oy + (float64(p.Y-bb.MinY)/ry)*scale)
	}
	radius := func(p Sample) float32 {
		if !s.Pad.Pressure {
			return float32(o.PenWidth / 2)
		}
		pr := math.Min(math.Max(p.P, 0), 1)
		return float32(o.PenWidth * (0.3 + 0.7*pr) / 2)
	}
	r := vector.NewRasterizer(w, h)
	for _, k := range s.Strokes {
		for i, p := range k {
			x, y := pt(p)
			rad := radius(p)
			disc(r, x, y, rad)
			if i == 0 {
				continue
			}
			px, py := pt(k[i-1])
			segment(r, px, py, radius(k[i-1]), x, y, rad)
		}
	}
	// Rasterize into a coverage mask (the rasterizer's fast path), then
	// make the ink black over white, or black with the coverage as alpha.
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	r.DrawOp = draw.Src
	r.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	img := image.NewNRGBA(mask.Bounds())
	for i, a := range mask.Pix {
		p := img.Pix[4*i : 4*i+4 : 4*i+4]
		if o.Transparent {
			p[3] = a
		} else {
			p[0], p[1], p[2], p[3] = 255-a, 255-a, 255-a, 255
		}
	}
	return img, nil
}

// RenderPNG renders and writes a PNG.
func RenderPNG(w io.Writer, s Signature, o RenderOptions) error {
	img, err := Render(s, o)
	if err != nil {
		return err
	}
	var out image.Image = img
	if !o.Transparent {
		// Grey levels only: one channel makes a third of the file.
		g := image.NewGray(img.Bounds())
		for i := range g.Pix {
			g.Pix[i] = img.Pix[4*i]
		}
		out = g
	}
	if err := png.Encode(w, out); err != nil {
		return fmt.Errorf("sigpad: render: png: %w", err)
	}
	return nil
}

// All shapes go into the rasterizer with the same (clockwise on screen)
// winding: vector.Rasterizer adds coverage, so overlapping shapes of the
// same winding merge, where opposite windings would cancel.

func disc(r *vector.Rasterizer, cx, cy, rad float32) {
	n := 8 + int(rad*4)
	if n > 48 {
		n = 48
	}
	r.MoveTo(cx+rad, cy)
	for i := 1; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		r.LineTo(cx+rad*float32(math.Cos(a)), cy+rad*float32(math.Sin(a)))
	}
	r.ClosePath()
}

func segment(r *vector.Rasterizer, x0, y0, r0, x1, y1, r1 float32) {
	dx, dy := x1-x0, y1-y0
	l := float32(math.Hypot(float64(dx), float64(dy)))
	if l < 1e-3 {
		return
	}
	nx, ny := -dy/l, dx/l
	// Corners in the order that gives the discs' winding.
	ax, ay := x0-nx*r0, y0-ny*r0
	bx, by := x1-nx*r1, y1-ny*r1
	cx, cy := x1+nx*r1, y1+ny*r1
	ex, ey := x0+nx*r0, y0+ny*r0
	r.MoveTo(ax, ay)
	r.LineTo(bx, by)
	r.LineTo(cx, cy)
	r.LineTo(ex, ey)
	r.ClosePath()
}
