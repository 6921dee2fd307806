package ui

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/vector"

	"github.com/hbzk/kiosk/ui/i18n"
)

// DesignSize is the frame size the layouts are designed at; other sizes are
// scaled by min(w/1280, h/800) and centred where the aspect differs.
var DesignSize = image.Pt(1280, 800)

// canvas is one frame being drawn: the destination, the scale, the language,
// and the touch targets collected so far.
type canvas struct {
	dst     *image.RGBA
	th      *Theme
	font    *Font
	lang    i18n.Lang
	u       float64 // design pixel -> frame pixel
	w, h    int
	targets []Target
	z       *vector.Rasterizer
	missing []string // catalogue keys looked up but not found
}

// px scales a design length to whole frame pixels.
func (c *canvas) px(v float64) int { return int(math.Round(v * c.u)) }

// s scales a design length to frame pixels.
func (c *canvas) s(v float64) float64 { return v * c.u }

// rect is a frame rectangle from design coordinates relative to an origin.
func (c *canvas) rect(o image.Point, x, y, w, h float64) image.Rectangle {
	return image.Rect(o.X+c.px(x), o.Y+c.px(y), o.X+c.px(x+w), o.Y+c.px(y+h))
}

func (c *canvas) t(key string) string               { return i18n.T(c.lang, key) }
func (c *canvas) tf(key string, args ...any) string { return i18n.Tf(c.lang, key, args...) }

// target records a touch target; later targets win over earlier ones.
func (c *canvas) target(action string, r image.Rectangle) {
	c.targets = append(c.targets, Target{Action: action, Rect: r.Intersect(c.dst.Rect)})
}

// fillRect fills r with col (blended when col is translucent).
func (c *canvas) fillRect(r image.Rectangle, col color.RGBA) {
	op := draw.Src
	if col.A != 0xFF {
		op = draw.Over
	}
	draw.Draw(c.dst, r, image.NewUniform(col), image.Point{}, op)
}

type pt struct{ X, Y float64 }

// shape is a set of closed polygons filled together with the non-zero rule:
// add() polygons count +1, hole() polygons -1.
type shape struct{ polys [][]pt }

func area(p []pt) float64 {
	a := 0.0
	for i := range p {
		j := (i + 1) % len(p)
		a += p[i].X*p[j].Y - p[j].X*p[i].Y
	}
	return a / 2
}

func reversed(p []pt) []pt {
	q := make([]pt, len(p))
	for i := range p {
		q[len(p)-1-i] = p[i]
	}
	return q
}

func (s *shape) add(p []pt) {
	if area(p) < 0 {
		p = reversed(p)
	}
	s.polys = append(s.polys, p)
}

func (s *shape) hole(p []pt) {
	if area(p) > 0 {
		p = reversed(p)
	}
	s.polys = append(s.polys, p)
}

// fill rasterises s anti-aliased in col, over the destination.
func (c *canvas) fill(s *shape, col color.RGBA) {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, p := range s.polys {
		for _, q := range p {
			minX, minY = math.Min(minX, q.X), math.Min(minY, q.Y)
			maxX, maxY = math.Max(maxX, q.X), math.Max(maxY, q.Y)
		}
	}
	if math.IsInf(minX, 0) {
		return
	}
	r := image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX)), int(math.Ceil(maxY))).Intersect(c.dst.Rect)
	if r.Empty() {
		return
	}
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	c.z.Reset(r.Dx(), r.Dy())
	c.z.DrawOp = draw.Over
	for _, p := range s.polys {
		if len(p) < 3 {
			continue
		}
		c.z.MoveTo(float32(p[0].X-ox), float32(p[0].Y-oy))
		for _, q := range p[1:] {
			c.z.LineTo(float32(q.X-ox), float32(q.Y-oy))
		}
		c.z.ClosePath()
	}
	c.z.Draw(c.dst, r, image.NewUniform(col), image.Point{})
}

// segments is how many straight pieces approximate an arc of radius r
// (frame pixels) over the angle a (radians).
func segments(r, a float64) int {
	n := int(math.Ceil(math.Abs(a) * math.Sqrt(math.Max(r, 1)) * 1.2))
	if n < 6 {
		n = 6
	}
	return n
}

// arcPts returns points on a circle from angle a0 to a1 (radians, clockwise
// on screen since y grows down).
func arcPts(cx, cy, r, a0, a1 float64) []pt {
	n := segments(r, a1-a0)
	p := make([]pt, 0, n+1)
	for i := 0; i <= n; i++ {
		a := a0 + (a1-a0)*float64(i)/float64(n)
		p = append(p, pt{cx + r*math.Cos(a), cy + r*math.Sin(a)})
	}
	return p
}

func circlePts(cx, cy, r float64) []pt {
	p := arcPts(cx, cy, r, 0, 2*math.Pi)
	return p[:len(p)-1]
}

func (c *canvas) circle(cx, cy, r float64, col color.RGBA) {
	var s shape
	s.add(circlePts(cx, cy, r))
	c.fill(&s, col)
}

// ring strokes a circle of radius r (centre of the line) with width w.
func (c *canvas) ring(cx, cy, r, w float64, col color.RGBA) {
	var s shape
	s.add(circlePts(cx, cy, r+w/2))
	s.hole(circlePts(cx, cy, r-w/2))
	c.fill(&s, col)
}

// arc strokes an arc from a0 to a1 with width w and round caps.
func (c *canvas) arc(cx, cy, r, w, a0, a1 float64, col color.RGBA) {
	if a1 < a0 {
		a0, a1 = a1, a0
	}
	if a1-a0 >= 2*math.Pi-1e-6 {
		c.ring(cx, cy, r, w, col)
		return
	}
	var s shape
	outer := arcPts(cx, cy, r+w/2, a0, a1)
	inner := arcPts(cx, cy, r-w/2, a0, a1)
	s.add(append(outer, reversed(inner)...))
	for _, a := range []float64{a0, a1} {
		s.add(circlePts(cx+r*math.Cos(a), cy+r*math.Sin(a), w/2))
	}
	c.fill(&s, col)
}

// roundRectPts is the outline of r with corner radius rad.
func roundRectPts(x0, y0, x1, y1, rad float64) []pt {
	rad = math.Max(0, math.Min(rad, math.Min(x1-x0, y1-y0)/2))
	if rad == 0 {
		return []pt{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
	}
	var p []pt
	p = append(p, arcPts(x1-rad, y0+rad, rad, -math.Pi/2, 0)...)
	p = append(p, arcPts(x1-rad, y1-rad, rad, 0, math.Pi/2)...)
	p = append(p, arcPts(x0+rad, y1-rad, rad, math.Pi/2, math.Pi)...)
	p = append(p, arcPts(x0+rad, y0+rad, rad, math.Pi, 3*math.Pi/2)...)
	return p
}

func fr(r image.Rectangle) (x0, y0, x1, y1 float64) {
	return float64(r.Min.X), float64(r.Min.Y), float64(r.Max.X), float64(r.Max.Y)
}

func (c *canvas) roundRect(r image.Rectangle, rad float64, col color.RGBA) {
	x0, y0, x1, y1 := fr(r)
	ir := int(math.Ceil(rad))
	if col.A == 0xFF && r.Dx()*r.Dy() > 40000 && 2*ir < r.Dx() && 2*ir < r.Dy() {
		// Large opaque boxes: fill the straight parts directly and
		// rasterise only the corners.
		c.fillRect(image.Rect(r.Min.X, r.Min.Y+ir, r.Max.X, r.Max.Y-ir), col)
		c.fillRect(image.Rect(r.Min.X+ir, r.Min.Y, r.Max.X-ir, r.Min.Y+ir), col)
		c.fillRect(image.Rect(r.Min.X+ir, r.Max.Y-ir, r.Max.X-ir, r.Max.Y), col)
		fi := float64(ir)
		for _, k := range []struct{ cx, cy, px, py, a float64 }{
			{x0 + fi, y0 + fi, x0 + fi, y0, math.Pi}, {x1 - fi, y0 + fi, x1, y0 + fi, 1.5 * math.Pi},
			{x1 - fi, y1 - fi, x1 - fi, y1, 0}, {x0 + fi, y1 - fi, x0, y1 - fi, 0.5 * math.Pi},
		} {
			var s shape
			p := []pt{{k.cx, k.cy}}
			p = append(p, arcPts(k.cx, k.cy, rad, k.a, k.a+math.Pi/2)...)
			s.add(p)
			c.fill(&s, col)
		}
		return
	}
	var s shape
	s.add(roundRectPts(x0, y0, x1, y1, rad))
	c.fill(&s, col)
}

// strokeRoundRect draws the outline of r, w wide, inside r.
func (c *canvas) strokeRoundRect(r image.Rectangle, rad, w float64, col color.RGBA) {
	x0, y0, x1, y1 := fr(r)
	var s shape
	s.add(roundRectPts(x0, y0, x1, y1, rad))
	s.hole(roundRectPts(x0+w, y0+w, x1-w, y1-w, rad-w))
	c.fill(&s, col)
}

// addPolyline adds a stroke of width w along p with round joins and caps.
func (s *shape) addPolyline(p []pt, w float64) {
	h := w / 2
	for i, q := range p {
		s.add(circlePtsN(q.X, q.Y, h))
		if i == 0 {
			continue
		}
		a := p[i-1]
		dx, dy := q.X-a.X, q.Y-a.Y
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		nx, ny := -dy/l*h, dx/l*h
		s.add([]pt{{a.X + nx, a.Y + ny}, {q.X + nx, q.Y + ny}, {q.X - nx, q.Y - ny}, {a.X - nx, a.Y - ny}})
	}
}

// circlePtsN is a coarser circle for joins of strokes (many of them).
func circlePtsN(cx, cy, r float64) []pt {
	n := 8
	if r > 4 {
		n = 12
	}
	if r > 10 {
		n = 20
	}
	p := make([]pt, n)
	for i := range p {
		a := 2 * math.Pi * float64(i) / float64(n)
		p[i] = pt{cx + r*math.Cos(a), cy + r*math.Sin(a)}
	}
	return p
}

func (c *canvas) polyline(p []pt, w float64, col color.RGBA) {
	var s shape
	s.addPolyline(p, w)
	c.fill(&s, col)
}

// placement maps image coordinates to the frame rectangle an image was
// drawn into.
type placement struct {
	src    image.Rectangle // the source image's bounds
	dst    image.Rectangle // where it landed in the frame
	mirror bool
}

// point maps a source image point to the frame.
func (pl placement) point(x, y float64) pt {
	sx := float64(pl.dst.Dx()) / float64(pl.src.Dx())
	sy := float64(pl.dst.Dy()) / float64(pl.src.Dy())
	fx := (x - float64(pl.src.Min.X)) * sx
	if pl.mirror {
		fx = float64(pl.dst.Dx()) - fx
	}
	return pt{float64(pl.dst.Min.X) + fx, float64(pl.dst.Min.Y) + (y-float64(pl.src.Min.Y))*sy}
}

// rect maps a source rectangle to the frame.
func (pl placement) rect(r image.Rectangle) image.Rectangle {
	a := pl.point(float64(r.Min.X), float64(r.Min.Y))
	b := pl.point(float64(r.Max.X), float64(r.Max.Y))
	return image.Rect(int(math.Round(a.X)), int(math.Round(a.Y)), int(math.Round(b.X)), int(math.Round(b.Y))).Canon()
}

// fitRect is the largest rectangle of the aspect of src centred in box.
func fitRect(src image.Rectangle, box image.Rectangle) image.Rectangle {
	if src.Empty() || box.Empty() {
		return image.Rectangle{Min: box.Min}
	}
	w, h := box.Dx(), box.Dx()*src.Dy()/src.Dx()
	if h > box.Dy() {
		h, w = box.Dy(), box.Dy()*src.Dx()/src.Dy()
	}
	x := box.Min.X + (box.Dx()-w)/2
	y := box.Min.Y + (box.Dy()-h)/2
	return image.Rect(x, y, x+w, y+h)
}

// image draws img scaled to fit box (aspect kept, centred), mirrored
// left-right if asked, and returns where it landed. fast selects bilinear
// approximation (camera previews) over Catmull-Rom (still photos).
func (c *canvas) image(img image.Image, box image.Rectangle, mirror, fast bool) placement {
	b := img.Bounds()
	d := fitRect(b, box)
	pl := placement{src: b, dst: d, mirror: mirror}
	if d.Empty() {
		return pl
	}
	if rgba, ok := img.(*image.RGBA); ok && fast {
		scaleRGBA(c.dst, d, rgba, b, mirror)
		return pl
	}
	var k xdraw.Interpolator = xdraw.CatmullRom
	if fast {
		k = xdraw.ApproxBiLinear
	}
	k.Scale(c.dst, d, img, b, xdraw.Src, nil)
	if mirror {
		d = d.Intersect(c.dst.Rect)
		for y := d.Min.Y; y < d.Max.Y; y++ {
			row := c.dst.Pix[c.dst.PixOffset(d.Min.X, y):c.dst.PixOffset(d.Max.X, y)]
			for i, j := 0, len(row)-4; i < j; i, j = i+4, j-4 {
				var t [4]byte
				copy(t[:], row[i:i+4])
				copy(row[i:i+4], row[j:j+4])
				copy(row[j:j+4], t[:])
			}
		}
	}
	return pl
}
