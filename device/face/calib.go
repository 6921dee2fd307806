package face

import (
	"math"
	"sort"
)

// Scores are the similarity scores of genuine (same person) and impostor
// (different people) comparisons, for calibrating the match threshold.
type Scores struct {
	Genuine, Impostor []float32
}

// Rates are the error rates at one threshold (accept when score >= T).
type Rates struct {
	Threshold float32
	// FAR is the share of impostor pairs accepted, FRR the share of
	// genuine pairs rejected; TAR = 1 - FRR.
	FAR, FRR float64
}

// TAR is the true accept rate, 1 - FRR.
func (r Rates) TAR() float64 { return 1 - r.FRR }

// At returns the error rates at threshold t.
func (s *Scores) At(t float32) Rates {
	r := Rates{Threshold: t}
	if n := len(s.Impostor); n > 0 {
		r.FAR = float64(countAtLeast(s.Impostor, t)) / float64(n)
	}
	if n := len(s.Genuine); n > 0 {
		r.FRR = float64(n-countAtLeast(s.Genuine, t)) / float64(n)
	}
	return r
}

func countAtLeast(v []float32, t float32) int {
	n := 0
	for _, x := range v {
		if x >= t {
			n++
		}
	}
	return n
}

// candidates are the thresholds worth trying, ascending: every genuine
// score (the lowest threshold accepting it) and just above every impostor
// score (the lowest threshold rejecting it).
func (s *Scores) candidates() []float32 {
	c := make([]float32, 0, len(s.Genuine)+len(s.Impostor))
	c = append(c, s.Genuine...)
	for _, x := range s.Impostor {
		c = append(c, math.Nextafter32(x, float32(math.Inf(1))))
	}
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	return c
}

// EER finds the equal error rate: the threshold where FAR and FRR are
// closest, and their mean there. Where a range of thresholds gives the same
// rates (a gap between the score distributions), the threshold is its
// middle.
func (s *Scores) EER() (eer float64, at Rates) {
	c := s.candidates()
	if len(c) == 0 || len(s.Genuine) == 0 || len(s.Impostor) == 0 {
		return math.NaN(), Rates{}
	}
	best, bi := math.Inf(1), 0
	for i, t := range c {
		r := s.At(t)
		if d := math.Abs(r.FAR - r.FRR); d < best {
			best, bi, at = d, i, r
		}
	}
	bj := bi
	for bj+1 < len(c) {
		r := s.At(c[bj+1])
		if r.FAR != at.FAR || r.FRR != at.FRR {
			break
		}
		bj++
	}
	at.Threshold = (c[bi] + c[bj]) / 2
	return (at.FAR + at.FRR) / 2, at
}

// AtFAR returns the lowest threshold whose FAR does not exceed far, with
// its rates. Few impostor pairs make small FARs coarse: with N pairs the
// smallest non-zero FAR is 1/N.
func (s *Scores) AtFAR(far float64) Rates {
	c := s.candidates()
	if len(c) == 0 {
		return Rates{Threshold: float32(math.NaN())}
	}
	for _, t := range c { // ascending: FAR falls as t rises
		if r := s.At(t); r.FAR <= far {
			return r
		}
	}
	return s.At(c[len(c)-1])
}

// Stats summarises a set of scores.
type Stats struct {
	N                         int
	Min, P5, Median, P95, Max float32
	Mean                      float64
}

// Summarize computes Stats of v.
func Summarize(v []float32) Stats {
	st := Stats{N: len(v)}
	if len(v) == 0 {
		return st
	}
	s := append([]float32(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(p float64) float32 { return s[int(math.Round(p*float64(len(s)-1)))] }
	st.Min, st.P5, st.Median, st.P95, st.Max = s[0], q(0.05), q(0.5), q(0.95), s[len(s)-1]
	for _, x := range s {
		st.Mean += float64(x)
	}
	st.Mean /= float64(len(s))
	return st
}

// ChipCrop is the region of a picture that simulates an ID card's chip
// photo of a face with box b: twice the face box high, the chip's aspect
// (102:126), the face centre at 45% of the height.
func ChipCrop(b Rect) Rect {
	c := b.Center()
	h := 2 * b.H()
	w := h * ChipWidth / ChipHeight
	top := c.Y - 0.45*h
	return Rect{c.X - w/2, top, c.X + w/2, top + h}
}

// Size of the chip photo of a resident ID card.
const (
	ChipWidth  = 102
	ChipHeight = 126
)
