package photo

import (
	"image"
	"math"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
)

// grey returns the luma (BT.601) of a BGR frame's pixel.
func greyAt(f *camera.Frame, x, y int) float64 {
	i := (y*f.Width + x) * 3
	return 0.114*float64(f.Pix[i]) + 0.587*float64(f.Pix[i+1]) + 0.299*float64(f.Pix[i+2])
}

// greyPatch samples r of f into a w-wide grey patch (box filter when
// shrinking, nearest pixel when growing), keeping the aspect ratio.
func greyPatch(f *camera.Frame, r image.Rectangle, w int) ([]float64, int, int) {
	r = r.Intersect(image.Rect(0, 0, f.Width, f.Height))
	if r.Dx() < 2 || r.Dy() < 2 {
		return nil, 0, 0
	}
	h := max(2, r.Dy()*w/r.Dx())
	out := make([]float64, w*h)
	sx, sy := float64(r.Dx())/float64(w), float64(r.Dy())/float64(h)
	for j := 0; j < h; j++ {
		y0 := r.Min.Y + int(float64(j)*sy)
		y1 := max(y0+1, r.Min.Y+int(float64(j+1)*sy))
		for i := 0; i < w; i++ {
			x0 := r.Min.X + int(float64(i)*sx)
			x1 := max(x0+1, r.Min.X+int(float64(i+1)*sx))
			var s float64
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					s += greyAt(f, x, y)
				}
			}
			out[j*w+i] = s / float64((y1-y0)*(x1-x0))
		}
	}
	return out, w, h
}

// SharpWidth is the face width sharpness is measured at.
const SharpWidth = 112

// Sharpness is the variance of the 4-neighbour Laplacian of the face box's
// grey pixels resized to SharpWidth wide: about 1000-10000 for sharp
// portraits, below 300 when visibly blurred (docs/photo.md).
func Sharpness(f *camera.Frame, box face.Rect) float64 {
	p, w, h := greyPatch(f, rect(box), SharpWidth)
	if p == nil || h < 3 {
		return 0
	}
	var sum, sum2 float64
	n := 0
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			l := p[i-1] + p[i+1] + p[i-w] + p[i+w] - 4*p[i]
			sum += l
			sum2 += l * l
			n++
		}
	}
	m := sum / float64(n)
	return sum2/float64(n) - m*m
}

// stats are the mean and standard deviation of grey levels.
func greyStats(f *camera.Frame, r image.Rectangle) (mean, std float64) {
	r = r.Intersect(image.Rect(0, 0, f.Width, f.Height))
	var s, s2, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			g := greyAt(f, x, y)
			s += g
			s2 += g * g
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	mean = s / n
	return mean, math.Sqrt(math.Max(0, s2/n-mean*mean))
}

// colourStats are the mean RGB and the largest per-channel standard
// deviation over the rectangles (clipped to the frame).
func colourStats(f *camera.Frame, rs ...image.Rectangle) (mean [3]float64, noise float64, n int) {
	var s, s2 [3]float64
	for _, r := range rs {
		r = r.Intersect(image.Rect(0, 0, f.Width, f.Height))
		for y := r.Min.Y; y < r.Max.Y; y++ {
			i := (y*f.Width + r.Min.X) * 3
			for x := r.Min.X; x < r.Max.X; x++ {
				for c := 0; c < 3; c++ {
					v := float64(f.Pix[i+2-c]) // RGB order
					s[c] += v
					s2[c] += v * v
				}
				i += 3
				n++
			}
		}
	}
	if n == 0 {
		return mean, 0, 0
	}
	for c := 0; c < 3; c++ {
		mean[c] = s[c] / float64(n)
		noise = math.Max(noise, math.Sqrt(math.Max(0, s2[c]/float64(n)-mean[c]*mean[c])))
	}
	return mean, noise, n
}

func rect(b face.Rect) image.Rectangle {
	return image.Rect(int(math.Floor(float64(b.X1))), int(math.Floor(float64(b.Y1))), int(math.Ceil(float64(b.X2))), int(math.Ceil(float64(b.Y2))))
}

// Geometry is where the photo is cut from the picture.
type Geometry struct {
	// Crown and Chin are the top of the head and the chin (y, picture
	// pixels); CrownFound tells whether the crown was found in the
	// picture (backdrop or mask) rather than estimated.
	Crown, Chin float64
	CrownFound  bool
	// CentreX is the face's vertical axis.
	CentreX float64
	// Crop is the region cut (it may extend past the picture's edges);
	// Scale is photo pixels per picture pixel.
	Crop  image.Rectangle
	Scale float64
}

// Frame computes the crop for the spec from the landmarks: crown at
// TopMargin, chin at TopMargin+Head of the height, centred on the face.
// crown < 0 means unknown: it is estimated from the brows and the chin.
func Frame(s Spec, lm *face.Landmarks, crown float64) Geometry {
	brow := math.Min(float64(lm[19].Y), float64(lm[24].Y))
	chin := float64(lm[8].Y)
	g := Geometry{Chin: chin, Crown: crown, CrownFound: crown >= 0}
	if crown < 0 {
		g.Crown = brow - 0.9*(chin-brow)
	}
	g.CentreX = float64(lm[27].X+lm[28].X+lm[29].X+lm[30].X+lm[8].X) / 5
	head := math.Max(1, g.Chin-g.Crown)
	g.Scale = s.Head * float64(s.Height) / head
	ch := float64(s.Height) / g.Scale
	cw := float64(s.Width) / g.Scale
	top := g.Crown - s.TopMargin*ch
	left := g.CentreX - cw/2
	g.Crop = image.Rect(int(math.Round(left)), int(math.Round(top)), int(math.Round(left+cw)), int(math.Round(top+ch)))
	return g
}

// outside measures how far the crop passes the picture's edges, as
// fractions of the crop's size: the sides (the larger), top and bottom.
func (g Geometry) outside(w, h int) (sides, top, bottom float64) {
	c := g.Crop
	cw, ch := float64(c.Dx()), float64(c.Dy())
	sides = math.Max(float64(-c.Min.X), float64(c.Max.X-w)) / cw
	top = float64(-c.Min.Y) / ch
	bottom = float64(c.Max.Y-h) / ch
	return math.Max(sides, 0), math.Max(top, 0), math.Max(bottom, 0)
}

// findCrown looks for the top of the head above the face on a backdrop of
// colour bg: in columns across the middle of the face, the first row from
// the top (below top) where the picture departs from the backdrop for a
// few rows. It returns -1 when the backdrop cannot be followed.
func findCrown(f *camera.Frame, box face.Rect, bg [3]float64, tol float64, top int) float64 {
	x0, x1 := int(box.X1+0.3*box.W()), int(box.X2-0.3*box.W())
	y1 := int(box.Y1)
	top = max(top, 0)
	if x1 <= x0 || y1 <= top+3 || x0 < 0 || x1 > f.Width || y1 > f.Height {
		return -1
	}
	var ys []int
	for x := x0; x < x1; x += max(1, (x1-x0)/12) {
		run := 0
		for y := top; y < y1; y++ {
			i := (y*f.Width + x) * 3
			d := math.Abs(float64(f.Pix[i+2])-bg[0]) + math.Abs(float64(f.Pix[i+1])-bg[1]) + math.Abs(float64(f.Pix[i])-bg[2])
			if d > 3*tol {
				run++
				if run == 3 {
					ys = append(ys, y-2)
					break
				}
			} else {
				run = 0
			}
		}
	}
	if len(ys) < 3 {
		return -1
	}
	// The median of the columns: one stray hair does not count.
	for i := 1; i < len(ys); i++ {
		for j := i; j > 0 && ys[j] < ys[j-1]; j-- {
			ys[j], ys[j-1] = ys[j-1], ys[j]
		}
	}
	c := float64(ys[len(ys)/4])
	if c <= float64(top) {
		return -1 // the head reaches the top: nothing found
	}
	return c
}
