package ui

import (
	"image/color"
	"math"
)

// icon names a vector icon.
type icon int

const (
	iconNone icon = iota
	iconCard
	iconFace
	iconCamera
	iconPen
	iconCheck
	iconCross
	iconWarning
	iconWrench
	iconFaceSad
)

// drawIcon draws ic centred at (cx, cy) in a box size frame pixels wide.
// Icons are defined on a unit square centred on the origin.
func (c *canvas) drawIcon(ic icon, cx, cy, size float64, col color.RGBA) {
	p := func(x, y float64) pt { return pt{cx + x*size, cy + y*size} }
	line := func(w float64, q ...pt) { c.polyline(q, w*size, col) }
	var s shape
	switch ic {
	case iconCard:
		x0, y0, x1, y1 := cx-0.46*size, cy-0.3*size, cx+0.46*size, cy+0.3*size
		s.add(roundRectPts(x0, y0, x1, y1, 0.07*size))
		w := 0.065 * size
		s.hole(roundRectPts(x0+w, y0+w, x1-w, y1-w, 0.07*size-w))
		a, b := p(0.12, -0.18), p(0.36, 0.08)
		s.add(roundRectPts(a.X, a.Y, b.X, b.Y, 0.03*size))
		c.fill(&s, col)
		for _, y := range []float64{-0.14, -0.03, 0.08} {
			line(0.06, p(-0.34, y), p(-0.02, y))
		}
		line(0.06, p(-0.34, 0.19), p(0.34, 0.19))
	case iconFace:
		c.ring(cx, cy, 0.42*size, 0.07*size, col)
		c.circle(cx-0.15*size, cy-0.09*size, 0.055*size, col)
		c.circle(cx+0.15*size, cy-0.09*size, 0.055*size, col)
		c.arc(cx, cy+0.02*size, 0.21*size, 0.065*size, 0.2*math.Pi, 0.8*math.Pi, col)
	case iconFaceSad:
		c.ring(cx, cy, 0.42*size, 0.07*size, col)
		c.circle(cx-0.15*size, cy-0.09*size, 0.055*size, col)
		c.circle(cx+0.15*size, cy-0.09*size, 0.055*size, col)
		c.arc(cx, cy+0.32*size, 0.19*size, 0.065*size, 1.22*math.Pi, 1.78*math.Pi, col)
	case iconCamera:
		x0, y0, x1, y1 := cx-0.46*size, cy-0.24*size, cx+0.46*size, cy+0.36*size
		s.add(roundRectPts(x0, y0, x1, y1, 0.08*size))
		w := 0.065 * size
		s.hole(roundRectPts(x0+w, y0+w, x1-w, y1-w, 0.08*size-w))
		a, b := p(-0.17, -0.37), p(0.17, -0.2)
		s.add(roundRectPts(a.X, a.Y, b.X, b.Y, 0.04*size))
		c.fill(&s, col)
		c.ring(cx, cy+0.06*size, 0.16*size, 0.065*size, col)
	case iconPen:
		line(0.17, p(0.34, -0.34), p(-0.16, 0.16))
		s.add([]pt{p(-0.25, 0.07), p(-0.07, 0.25), p(-0.36, 0.36)})
		c.fill(&s, col)
		line(0.05, p(0.04, 0.42), p(0.44, 0.42))
	case iconCheck:
		line(0.13, p(-0.32, 0.02), p(-0.09, 0.25), p(0.34, -0.22))
	case iconCross:
		line(0.13, p(-0.27, -0.27), p(0.27, 0.27))
		line(0.13, p(0.27, -0.27), p(-0.27, 0.27))
	case iconWarning:
		tri := []pt{p(0, -0.4), p(0.45, 0.37), p(-0.45, 0.37), p(0, -0.4)}
		line(0.08, tri...)
		line(0.09, p(0, -0.1), p(0, 0.11))
		c.circle(cx, cy+0.24*size, 0.05*size, col)
	case iconWrench:
		line(0.16, p(-0.33, 0.33), p(0.06, -0.06))
		// An open-end head: a thick C opening away from the handle.
		c.arc(cx+0.18*size, cy-0.18*size, 0.16*size, 0.15*size, -math.Pi/4+0.75, -math.Pi/4+2*math.Pi-0.75, col)
	}
}

// spinner draws a rotating arc; phase in [0, 1) is one turn.
func (c *canvas) spinner(cx, cy, r float64, phase float64, col, track color.RGBA) {
	w := r * 0.16
	c.ring(cx, cy, r, w, track)
	a := 2 * math.Pi * phase
	c.arc(cx, cy, r, w, a, a+math.Pi*0.6, col)
}
