package face

import (
	"hash/fnv"
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
func (s *Scores) At(t float32) Rates { return s.sorted().at(t) }

// sortedScores are the scores in ascending order, to count by binary
// search: an evaluation has hundreds of thousands of impostor pairs and
// as many candidate thresholds.
type sortedScores struct{ genuine, impostor []float32 }

func (s *Scores) sorted() sortedScores {
	up := func(v []float32) []float32 {
		c := append([]float32(nil), v...)
		sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
		return c
	}
	return sortedScores{up(s.Genuine), up(s.Impostor)}
}

func (ss sortedScores) at(t float32) Rates {
	r := Rates{Threshold: t}
	if n := len(ss.impostor); n > 0 {
		r.FAR = float64(countAtLeast(ss.impostor, t)) / float64(n)
	}
	if n := len(ss.genuine); n > 0 {
		r.FRR = float64(n-countAtLeast(ss.genuine, t)) / float64(n)
	}
	return r
}

// countAtLeast counts the scores >= t in ascending v.
func countAtLeast(v []float32, t float32) int {
	return len(v) - sort.Search(len(v), func(i int) bool { return v[i] >= t })
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
	ss := s.sorted()
	best, bi := math.Inf(1), 0
	for i, t := range c {
		r := ss.at(t)
		if d := math.Abs(r.FAR - r.FRR); d < best {
			best, bi, at = d, i, r
		}
	}
	bj := bi
	for bj+1 < len(c) {
		r := ss.at(c[bj+1])
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
	ss := s.sorted()
	// Ascending: FAR falls as t rises; the first candidate that meets far.
	i := sort.Search(len(c), func(i int) bool { return ss.at(c[i]).FAR <= far })
	if i == len(c) {
		i--
	}
	return ss.at(c[i])
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

// ChipCropTight is the region of a tight simulated chip photo: the head
// fills the frame as in most real chip photos (1.25 times the face box
// high, the chip's aspect, the face centred), so that the forehead and
// the chin touch the edges and the detector sees no margin around them.
func ChipCropTight(b Rect) Rect {
	c := b.Center()
	h := 1.25 * b.H()
	w := h * ChipWidth / ChipHeight
	return Rect{c.X - w/2, c.Y - h/2, c.X + w/2, c.Y + h/2}
}

// DET is the detection error trade-off curve of s: the error rates at
// every threshold where they change, ascending in threshold (FAR falling,
// FRR rising), thinned to at most n points (n <= 0: all).
func (s *Scores) DET(n int) []Rates {
	c := s.candidates()
	ss := s.sorted()
	var out []Rates
	for _, t := range c {
		r := ss.at(t)
		if k := len(out); k > 0 && out[k-1].FAR == r.FAR && out[k-1].FRR == r.FRR {
			continue
		}
		out = append(out, r)
	}
	if n > 0 && len(out) > n {
		thin := make([]Rates, 0, n)
		for i := 0; i < n; i++ {
			thin = append(thin, out[i*(len(out)-1)/(n-1)])
		}
		out = thin
	}
	return out
}

// Size of the chip photo of a resident ID card.
const (
	ChipWidth  = 102
	ChipHeight = 126
)

// Half is the half of an evaluation a person falls in, "calibration" or
// "test", by the FNV-1a hash of their name (the path of their folder under
// the evaluated folder, e.g. "asian/korean/some-name"): thresholds are
// chosen on the calibration half and judged on the test half, so no person
// is in both.
func Half(person string) string {
	h := fnv.New32a()
	h.Write([]byte(person))
	if h.Sum32()%2 == 0 {
		return "calibration"
	}
	return "test"
}
