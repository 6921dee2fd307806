package camsim

import (
	"image"
	"math"
)

// pt is a point in float64 pixels.
type pt struct{ X, Y float64 }

// triangulate is the Delaunay triangulation of points (Bowyer-Watson),
// as index triples. Points must be distinct; n is small (about 100), so
// the simple O(n^2) algorithm is fine: it runs once per photo.
func triangulate(points []pt) [][3]int {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range points {
		minX, minY = math.Min(minX, p.X), math.Min(minY, p.Y)
		maxX, maxY = math.Max(maxX, p.X), math.Max(maxY, p.Y)
	}
	d := math.Max(maxX-minX, maxY-minY)*10 + 1
	mx, my := (minX+maxX)/2, (minY+maxY)/2
	all := append(append([]pt(nil), points...), pt{mx - 2*d, my - d}, pt{mx, my + 2*d}, pt{mx + 2*d, my - d})
	n := len(points)
	type tri struct {
		a, b, c    int
		cx, cy, r2 float64
	}
	mk := func(a, b, c int) tri {
		A, B, C := all[a], all[b], all[c]
		dd := 2 * (A.X*(B.Y-C.Y) + B.X*(C.Y-A.Y) + C.X*(A.Y-B.Y))
		if dd == 0 {
			return tri{a: a, b: b, c: c, r2: math.Inf(1)}
		}
		a2, b2, c2 := A.X*A.X+A.Y*A.Y, B.X*B.X+B.Y*B.Y, C.X*C.X+C.Y*C.Y
		ux := (a2*(B.Y-C.Y) + b2*(C.Y-A.Y) + c2*(A.Y-B.Y)) / dd
		uy := (a2*(C.X-B.X) + b2*(A.X-C.X) + c2*(B.X-A.X)) / dd
		return tri{a, b, c, ux, uy, (A.X-ux)*(A.X-ux) + (A.Y-uy)*(A.Y-uy)}
	}
	tris := []tri{mk(n, n+1, n+2)}
	for i := 0; i < n; i++ {
		p := all[i]
		var keep []tri
		type edge struct{ a, b int }
		count := map[edge]int{}
		var order []edge
		for _, t := range tris {
			if (p.X-t.cx)*(p.X-t.cx)+(p.Y-t.cy)*(p.Y-t.cy) < t.r2 {
				for _, e := range [3]edge{{t.a, t.b}, {t.b, t.c}, {t.c, t.a}} {
					if e.a > e.b {
						e.a, e.b = e.b, e.a
					}
					if count[e] == 0 {
						order = append(order, e)
					}
					count[e]++
				}
			} else {
				keep = append(keep, t)
			}
		}
		for _, e := range order {
			if count[e] == 1 {
				keep = append(keep, mk(e.a, e.b, i))
			}
		}
		tris = keep
	}
	var out [][3]int
	for _, t := range tris {
		if t.a < n && t.b < n && t.c < n {
			out = append(out, [3]int{t.a, t.b, t.c})
		}
	}
	return out
}

// warpTriangles draws src into dst piecewise-affinely: each triangle of
// from (in src pixels) is mapped onto the same triangle of to (in dst
// pixels), sampling src bilinearly. Pixels outside every triangle are left
// as they are. Triangles whose corners did not move are skipped when dst
// already holds src.
func warpTriangles(dst, src *image.RGBA, tris [][3]int, from, to []pt, skipStill bool) {
	b := dst.Rect
	for _, t := range tris {
		s0, s1, s2 := from[t[0]], from[t[1]], from[t[2]]
		d0, d1, d2 := to[t[0]], to[t[1]], to[t[2]]
		if skipStill && s0 == d0 && s1 == d1 && s2 == d2 {
			continue
		}
		// Barycentric frame of the destination triangle.
		den := (d1.Y-d2.Y)*(d0.X-d2.X) + (d2.X-d1.X)*(d0.Y-d2.Y)
		if math.Abs(den) < 1e-9 {
			continue
		}
		x0 := int(math.Floor(math.Min(d0.X, math.Min(d1.X, d2.X))))
		x1 := int(math.Ceil(math.Max(d0.X, math.Max(d1.X, d2.X))))
		y0 := int(math.Floor(math.Min(d0.Y, math.Min(d1.Y, d2.Y))))
		y1 := int(math.Ceil(math.Max(d0.Y, math.Max(d1.Y, d2.Y))))
		x0, y0 = max(x0, b.Min.X), max(y0, b.Min.Y)
		x1, y1 = min(x1, b.Max.X-1), min(y1, b.Max.Y-1)
		const eps = -1e-6
		for y := y0; y <= y1; y++ {
			py := float64(y) + 0.5
			for x := x0; x <= x1; x++ {
				px := float64(x) + 0.5
				l0 := ((d1.Y-d2.Y)*(px-d2.X) + (d2.X-d1.X)*(py-d2.Y)) / den
				l1 := ((d2.Y-d0.Y)*(px-d2.X) + (d0.X-d2.X)*(py-d2.Y)) / den
				l2 := 1 - l0 - l1
				if l0 < eps || l1 < eps || l2 < eps {
					continue
				}
				sx := l0*s0.X + l1*s1.X + l2*s2.X - 0.5
				sy := l0*s0.Y + l1*s1.Y + l2*s2.Y - 0.5
				sample(dst.Pix[dst.PixOffset(x, y):], src, sx, sy)
			}
		}
	}
}

// sample writes src's bilinear colour at (x, y) into out[0:4].
func sample(out []uint8, src *image.RGBA, x, y float64) {
	r := src.Rect
	x = math.Max(float64(r.Min.X), math.Min(x, float64(r.Max.X-1)))
	y = math.Max(float64(r.Min.Y), math.Min(y, float64(r.Max.Y-1)))
	ix, iy := int(x), int(y)
	fx, fy := x-float64(ix), y-float64(iy)
	ix2, iy2 := min(ix+1, r.Max.X-1), min(iy+1, r.Max.Y-1)
	p00 := src.Pix[src.PixOffset(ix, iy):]
	p10 := src.Pix[src.PixOffset(ix2, iy):]
	p01 := src.Pix[src.PixOffset(ix, iy2):]
	p11 := src.Pix[src.PixOffset(ix2, iy2):]
	for c := 0; c < 4; c++ {
		top := float64(p00[c])*(1-fx) + float64(p10[c])*fx
		bot := float64(p01[c])*(1-fx) + float64(p11[c])*fx
		out[c] = uint8(top*(1-fy) + bot*fy + 0.5)
	}
}

// fillPolygon blends colour c with alpha a (0..1) into the polygon poly
// of dst (even-odd rule, pixel centres).
func fillPolygon(dst *image.RGBA, poly []pt, c [3]uint8, a float64) {
	if len(poly) < 3 || a <= 0 {
		return
	}
	y0, y1 := math.Inf(1), math.Inf(-1)
	for _, p := range poly {
		y0, y1 = math.Min(y0, p.Y), math.Max(y1, p.Y)
	}
	b := dst.Rect
	var xs []float64
	for y := max(int(y0), b.Min.Y); y <= min(int(y1)+1, b.Max.Y-1); y++ {
		py := float64(y) + 0.5
		xs = xs[:0]
		for i := range poly {
			p, q := poly[i], poly[(i+1)%len(poly)]
			if (p.Y <= py) != (q.Y <= py) {
				xs = append(xs, p.X+(py-p.Y)*(q.X-p.X)/(q.Y-p.Y))
			}
		}
		for i := 1; i < len(xs); i++ {
			for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
				xs[j], xs[j-1] = xs[j-1], xs[j]
			}
		}
		for i := 0; i+1 < len(xs); i += 2 {
			for x := max(int(math.Ceil(xs[i]-0.5)), b.Min.X); x <= min(int(math.Floor(xs[i+1]-0.5)), b.Max.X-1); x++ {
				o := dst.PixOffset(x, y)
				for k := 0; k < 3; k++ {
					dst.Pix[o+k] = uint8(float64(dst.Pix[o+k])*(1-a) + float64(c[k])*a + 0.5)
				}
			}
		}
	}
}
