package face

import (
	"fmt"
	"math"
	"sort"
)

// Pick chooses the face to use among dets in a w x h picture. A Chip photo
// must have exactly one face; a Live frame uses the one with the best
// product of area and centrality (the candidate stands in front of the
// kiosk; people behind are smaller or off-centre).
func Pick(dets []Detection, w, h int, src Source) (Detection, error) {
	switch {
	case len(dets) == 0:
		return Detection{}, fmt.Errorf("face: %s picture: %w", src, ErrNoFace)
	case src == Chip && len(dets) > 1:
		return Detection{}, fmt.Errorf("face: chip photo: %w (%d)", ErrManyFaces, len(dets))
	case len(dets) == 1:
		return dets[0], nil
	}
	best, bestScore := 0, float32(-1)
	for i, d := range dets {
		if s := Prominence(d.Box, w, h); s > bestScore {
			best, bestScore = i, s
		}
	}
	return dets[best], nil
}

// Prominence is a box's area weighted by how central it is: 1 at the
// centre of the picture, falling linearly to 0.25 at a corner.
func Prominence(b Rect, w, h int) float32 {
	c := b.Center()
	dx := float64(c.X)/float64(max(w, 1)) - 0.5
	dy := float64(c.Y)/float64(max(h, 1)) - 0.5
	d := math.Min(1, math.Hypot(dx, dy)/math.Hypot(0.5, 0.5))
	return b.Area() * float32(1-0.75*d)
}

// NMS keeps the best-scoring boxes among those overlapping by more than
// iou, best first. dets is reordered.
func NMS(dets []Detection, iou float32) []Detection {
	sort.SliceStable(dets, func(i, j int) bool { return dets[i].Score > dets[j].Score })
	keep := dets[:0]
	for _, d := range dets {
		ok := true
		for _, k := range keep {
			if d.Box.IoU(k.Box) > iou {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, d)
		}
	}
	return keep
}

// DecodeParams are the detector's post-processing settings.
type DecodeParams struct {
	// ScoreThreshold drops candidates scoring below it (0.65).
	ScoreThreshold float32
	// NMS is the IoU above which the weaker of two boxes is dropped (0.4).
	NMS float32
	// MinSize drops faces whose box is narrower than this, in pixels of
	// the picture the boxes are scaled to.
	MinSize float32
	// Width and Height scale the normalised boxes to pixels.
	Width, Height float32
	// MaxFaces caps the result (0: no cap).
	MaxFaces int
}

// DecodeUltraFace turns the UltraFace detector's outputs into detections:
// scores is N x 2 softmaxed (column 1 is "face"), boxes N x 4 normalised
// corners (x1, y1, x2, y2), possibly outside 0..1. Boxes are clipped to the
// picture; degenerate and non-finite ones are dropped. dst is reused.
func DecodeUltraFace(dst []Detection, scores, boxes []float32, p DecodeParams) ([]Detection, error) {
	dst = dst[:0]
	if len(scores)%2 != 0 || len(boxes)%4 != 0 || len(scores)/2 != len(boxes)/4 {
		return dst, fmt.Errorf("face: detector output: %d scores and %d box values do not pair up (want N x 2 and N x 4)", len(scores), len(boxes))
	}
	n := len(scores) / 2
	for i := 0; i < n; i++ {
		s := scores[2*i+1]
		if !(s >= p.ScoreThreshold) || s > 1.0001 {
			continue
		}
		b := boxes[4*i : 4*i+4]
		r := Rect{b[0] * p.Width, b[1] * p.Height, b[2] * p.Width, b[3] * p.Height}
		if !finite(r.X1) || !finite(r.Y1) || !finite(r.X2) || !finite(r.Y2) {
			continue
		}
		r.X1, r.Y1 = max(r.X1, 0), max(r.Y1, 0)
		r.X2, r.Y2 = min(r.X2, p.Width), min(r.Y2, p.Height)
		if r.Area() == 0 || r.W() < p.MinSize {
			continue
		}
		dst = append(dst, Detection{Box: r, Score: s})
	}
	dst = NMS(dst, p.NMS)
	if p.MaxFaces > 0 && len(dst) > p.MaxFaces {
		dst = dst[:p.MaxFaces]
	}
	return dst, nil
}

func finite(f float32) bool { return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) }

// PickChip chooses the face of a chip photo: the only one, or one whose
// prominence is at least ChipDominance times every other's (a detection at
// the edge of a chip photo is a part of the same head or of the
// background, never a second person). Otherwise ErrNoFace or ErrManyFaces.
func PickChip(dets []Detection, w, h int) (Detection, error) {
	if len(dets) <= 1 {
		return Pick(dets, w, h, Chip)
	}
	best, second := -1, float32(0)
	var bestP float32
	for i, d := range dets {
		p := Prominence(d.Box, w, h)
		switch {
		case best < 0 || p > bestP:
			if best >= 0 {
				second = max(second, bestP)
			}
			best, bestP = i, p
		default:
			second = max(second, p)
		}
	}
	if bestP < ChipDominance*second {
		return Detection{}, fmt.Errorf("face: chip photo: %w (%d of similar size)", ErrManyFaces, len(dets))
	}
	return dets[best], nil
}

// ChipDominance is how much more prominent than any other the face of a
// chip photo must be when the detector finds more than one.
const ChipDominance = 3

// ChipPadScales are the sizes, relative to the chip photo, of the white
// canvases a chip photo is centred on when the detector finds no face in
// it as it is: a head that fills the frame has none of the margin the
// detector learnt faces with.
var ChipPadScales = []float64{1.5, 2, 3}

// ChipGeometryBox is where the face is in a chip photo of w x h framed as
// the resident ID card's photo standard asks (head centred, crown near the
// top, about two thirds of the height from hairline to chin): the last
// resort when the detector finds no face at any padding. The landmarks
// found in it must pass PlausibleChipFace.
func ChipGeometryBox(w, h int) Rect {
	fw, fh := float32(w), float32(h)
	bh := 0.6 * fh
	bw := min(0.78*bh, 0.9*fw)
	cx, cy := fw/2, 0.56*fh
	return Rect{cx - bw/2, cy - bh/2, cx + bw/2, cy + bh/2}
}

// PlausibleChipFace checks landmarks found in ChipGeometryBox b before
// they are trusted: the eyes level and apart by a third to two thirds of
// the box width, above the nose tip, above the mouth, all inside the box
// grown by a quarter. A photo with no face (a blank, a pattern) gives
// landmarks that fail it.
func PlausibleChipFace(lm *Landmarks, b Rect) bool {
	f := lm.Five()
	le, re, nose, ml, mr := f[0], f[1], f[2], f[3], f[4]
	g := Rect{b.X1 - b.W()/4, b.Y1 - b.H()/4, b.X2 + b.W()/4, b.Y2 + b.H()/4}
	for _, p := range lm {
		if p.X < g.X1 || p.X > g.X2 || p.Y < g.Y1 || p.Y > g.Y2 {
			return false
		}
	}
	eyeDist := float32(math.Hypot(float64(re.X-le.X), float64(re.Y-le.Y)))
	mouthY := (ml.Y + mr.Y) / 2
	eyeY := (le.Y + re.Y) / 2
	switch {
	case eyeDist < b.W()/3 || eyeDist > 2*b.W()/3:
		return false
	case math.Abs(float64(re.Y-le.Y)) > 0.25*float64(eyeDist):
		return false
	case !(eyeY < nose.Y && nose.Y < mouthY):
		return false
	case mouthY-eyeY < 0.5*eyeDist || mouthY-eyeY > 1.6*eyeDist:
		return false
	}
	return true
}
