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
