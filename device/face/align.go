package face

import "math"

// ArcFace is the 5-point template of the 112x112 aligned face the
// embedding model was trained on (eye centres, nose tip, mouth corners).
var ArcFace = [5]Point{
	{38.2946, 51.6963},
	{73.5318, 51.5014},
	{56.0252, 71.7366},
	{41.5493, 92.3655},
	{70.7299, 92.2041},
}

// AlignedSize is the side of the aligned face.
const AlignedSize = 112

// Affine is a 2x3 affine transform: x' = A[0]x + A[1]y + A[2],
// y' = A[3]x + A[4]y + A[5].
type Affine [6]float64

// Apply maps a point.
func (a Affine) Apply(p Point) Point {
	x, y := float64(p.X), float64(p.Y)
	return Point{float32(a[0]*x + a[1]*y + a[2]), float32(a[3]*x + a[4]*y + a[5])}
}

// Similarity returns the least-squares similarity transform (rotation,
// uniform scale, translation; no reflection or shear) that maps src onto
// dst: Umeyama's method, which in two dimensions has a closed form. ok is
// false when src is degenerate (all points equal) or not finite.
func Similarity(src, dst []Point) (a Affine, ok bool) {
	n := len(src)
	if n == 0 || n != len(dst) {
		return a, false
	}
	var sx, sy, dx, dy float64
	for i := range src {
		sx += float64(src[i].X)
		sy += float64(src[i].Y)
		dx += float64(dst[i].X)
		dy += float64(dst[i].Y)
	}
	fn := float64(n)
	sx, sy, dx, dy = sx/fn, sy/fn, dx/fn, dy/fn
	// With p = src - mean, q = dst - mean, minimise sum |s R p + t - q|^2
	// over R = [c -s; s c]: c = sum(p.q)/sum|p|^2, s = sum(p x q)/sum|p|^2.
	var num1, num2, den float64
	for i := range src {
		px, py := float64(src[i].X)-sx, float64(src[i].Y)-sy
		qx, qy := float64(dst[i].X)-dx, float64(dst[i].Y)-dy
		num1 += px*qx + py*qy
		num2 += px*qy - py*qx
		den += px*px + py*py
	}
	if !(den > 1e-9) || math.IsInf(den, 0) {
		return a, false
	}
	c, s := num1/den, num2/den
	if math.IsNaN(c) || math.IsNaN(s) || (c == 0 && s == 0) {
		return a, false
	}
	return Affine{c, -s, dx - c*sx + s*sy, s, c, dy - s*sx - c*sy}, true
}

// AlignTransform maps the face's five points onto the ArcFace template.
func AlignTransform(lm *Landmarks) (Affine, bool) {
	f := lm.Five()
	return Similarity(f[:], ArcFace[:])
}
