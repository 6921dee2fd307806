package face

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

func near(a, b, eps float64) bool { return math.Abs(a-b) <= eps }

func TestSimilarityRecoversTransform(t *testing.T) {
	for _, tc := range []struct {
		name         string
		scale, angle float64
		tx, ty       float64
	}{
		{"identity", 1, 0, 0, 0},
		{"shift", 1, 0, 12.5, -7},
		{"scale down", 0.37, 0, 3, 4},
		{"rotate", 1.8, 0.4, -50, 20},
		{"upside down", 2, math.Pi, 100, 100},
	} {
		c, s := tc.scale*math.Cos(tc.angle), tc.scale*math.Sin(tc.angle)
		want := Affine{c, -s, tc.tx, s, c, tc.ty}
		src := ArcFace[:]
		dst := make([]Point, len(src))
		for i, p := range src {
			dst[i] = want.Apply(p)
		}
		got, ok := Similarity(src, dst)
		if !ok {
			t.Fatalf("%s: not ok", tc.name)
		}
		for i := range got {
			if !near(got[i], want[i], 1e-3*(1+math.Abs(want[i]))) {
				t.Errorf("%s: got %v, want %v", tc.name, got, want)
				break
			}
		}
	}
}

func TestSimilarityLeastSquares(t *testing.T) {
	// Noisy points: the fit must beat small perturbations of itself.
	src := ArcFace[:]
	dst := []Point{{10, 20}, {45, 21}, {27, 40}, {13, 58}, {44, 60}}
	a, ok := Similarity(src, dst)
	if !ok {
		t.Fatal("not ok")
	}
	cost := func(a Affine) float64 {
		var s float64
		for i := range src {
			p := a.Apply(src[i])
			s += math.Pow(float64(p.X-dst[i].X), 2) + math.Pow(float64(p.Y-dst[i].Y), 2)
		}
		return s
	}
	base := cost(a)
	for _, d := range []Affine{{0.01, 0, 0, 0, 0.01, 0}, {0, -0.01, 0, 0.01, 0, 0}, {0, 0, 0.1, 0, 0, 0}, {0, 0, 0, 0, 0, -0.1}} {
		b := a
		for i := range b {
			b[i] += d[i]
		}
		if cost(b) < base {
			t.Errorf("perturbation %v lowers the cost: not least squares", d)
		}
	}
}

func TestSimilarityDegenerate(t *testing.T) {
	same := []Point{{5, 5}, {5, 5}, {5, 5}}
	nan := []Point{{float32(math.NaN()), 1}, {2, 3}}
	for _, tc := range []struct {
		name     string
		src, dst []Point
	}{
		{"empty", nil, nil},
		{"lengths differ", ArcFace[:2], ArcFace[:3]},
		{"one point repeated", same, ArcFace[:3]},
		{"NaN", nan, ArcFace[:2]},
	} {
		if _, ok := Similarity(tc.src, tc.dst); ok {
			t.Errorf("%s: ok, want degenerate", tc.name)
		}
	}
}

func TestFive(t *testing.T) {
	var lm Landmarks
	for i := range lm {
		lm[i] = Point{float32(i), float32(2 * i)}
	}
	f := lm.Five()
	want := [5]Point{{39, 78}, {45, 90}, {30, 60}, {54, 108}, {59, 118}}
	if f != want {
		t.Errorf("Five() = %v, want %v", f, want)
	}
}

func TestCosineNormalize(t *testing.T) {
	a := Normalize([]float32{3, 4})
	if !near(float64(a[0]), 0.6, 1e-6) || !near(float64(a[1]), 0.8, 1e-6) {
		t.Errorf("Normalize = %v", a)
	}
	for _, tc := range []struct {
		a, b Embedding
		want float32
	}{
		{Embedding{1, 0}, Embedding{1, 0}, 1},
		{Embedding{1, 0}, Embedding{0, 2}, 0},
		{Embedding{1, 1}, Embedding{-1, -1}, -1},
		{Embedding{1, 0}, Embedding{1, 0, 0}, 0},
		{Embedding{0, 0}, Embedding{1, 0}, 0},
		{nil, nil, 0},
	} {
		if got := Cosine(tc.a, tc.b); !near(float64(got), float64(tc.want), 1e-6) {
			t.Errorf("Cosine(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if z := Normalize([]float32{0, 0}); z[0] != 0 {
		t.Error("zero vector changed")
	}
	m := Decide(Embedding{1, 0}, Embedding{0.8, 0.6}, 0.7, "v1")
	if !m.Match || m.Threshold != 0.7 || m.ModelVersion != "v1" || !near(float64(m.Score), 0.8, 1e-6) {
		t.Errorf("Decide = %+v", m)
	}
	if m := Decide(Embedding{1, 0}, Embedding{0.6, 0.8}, 0.7, "v1"); m.Match {
		t.Errorf("Decide below threshold = %+v", m)
	}
}

func TestPick(t *testing.T) {
	centre := Detection{Box: Rect{280, 200, 360, 300}, Score: 0.9}
	corner := Detection{Box: Rect{0, 0, 90, 110}, Score: 0.99}
	small := Detection{Box: Rect{300, 220, 330, 260}, Score: 0.99}
	for _, tc := range []struct {
		name string
		dets []Detection
		src  Source
		want Detection
		err  error
	}{
		{"none live", nil, Live, Detection{}, ErrNoFace},
		{"none chip", nil, Chip, Detection{}, ErrNoFace},
		{"one chip", []Detection{centre}, Chip, centre, nil},
		{"two chip", []Detection{centre, small}, Chip, Detection{}, ErrManyFaces},
		{"central beats bigger corner", []Detection{corner, centre}, Live, centre, nil},
		{"bigger beats smaller at centre", []Detection{small, centre}, Live, centre, nil},
	} {
		got, err := Pick(tc.dets, 640, 480, tc.src)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("%s: Pick = %v, %v; want %v, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestRect(t *testing.T) {
	r := Rect{10, 10, 30, 50}
	if r.Area() != 800 || r.Center() != (Point{20, 30}) {
		t.Errorf("area %v centre %v", r.Area(), r.Center())
	}
	if q := r.Square(100, 100); q != (Rect{0, 10, 40, 50}) {
		t.Errorf("Square = %v", q)
	}
	if iou := r.IoU(r); iou != 1 {
		t.Errorf("self IoU %v", iou)
	}
	if iou := r.IoU(Rect{100, 100, 120, 120}); iou != 0 {
		t.Errorf("disjoint IoU %v", iou)
	}
	if (Rect{5, 5, 1, 1}).Area() != 0 {
		t.Error("inverted box has area")
	}
	c := ChipCrop(Rect{100, 100, 150, 160})
	if !near(float64(c.H()), 120, 1e-3) || !near(float64(c.W()), 120*102/126.0, 1e-3) || !near(float64(c.Y1), 130-54, 1e-3) {
		t.Errorf("ChipCrop = %v", c)
	}
}

// ultraCase is a detector output: per candidate (score, x1, y1, x2, y2).
type ultraCase struct {
	name  string
	cands [][5]float32
	want  []Rect // expected boxes in a 100x100 picture, best first
}

var ultraCases = []ultraCase{
	{"empty", nil, nil},
	{"below threshold", [][5]float32{{0.5, 0.1, 0.1, 0.5, 0.5}}, nil},
	{"one", [][5]float32{{0.9, 0.1, 0.2, 0.5, 0.7}}, []Rect{{10, 20, 50, 70}}},
	{"overlap suppressed", [][5]float32{{0.8, 0.1, 0.1, 0.5, 0.5}, {0.95, 0.12, 0.1, 0.52, 0.5}}, []Rect{{12, 10, 52, 50}}},
	{"two apart", [][5]float32{{0.8, 0.0, 0.0, 0.3, 0.3}, {0.9, 0.6, 0.6, 0.95, 0.95}}, []Rect{{60, 60, 95, 95}, {0, 0, 30, 30}}},
	{"clipped", [][5]float32{{0.9, -0.2, -0.1, 0.4, 1.3}}, []Rect{{0, 0, 40, 100}}},
	{"too small", [][5]float32{{0.9, 0.1, 0.1, 0.15, 0.15}}, nil},
	{"inverted", [][5]float32{{0.9, 0.5, 0.5, 0.1, 0.1}}, nil},
	{"NaN box", [][5]float32{{0.9, float32(math.NaN()), 0.1, 0.5, 0.5}}, nil},
	{"NaN score", [][5]float32{{float32(math.NaN()), 0.1, 0.1, 0.5, 0.5}}, nil},
}

func ultraOutputs(c [][5]float32) (scores, boxes []float32) {
	for _, v := range c {
		scores = append(scores, 1-v[0], v[0])
		boxes = append(boxes, v[1], v[2], v[3], v[4])
	}
	return
}

var ultraParams = DecodeParams{ScoreThreshold: 0.65, NMS: 0.4, MinSize: 10, Width: 100, Height: 100}

func TestDecodeUltraFace(t *testing.T) {
	for _, tc := range ultraCases {
		s, b := ultraOutputs(tc.cands)
		got, err := DecodeUltraFace(nil, s, b, ultraParams)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d detections %v, want %v", tc.name, len(got), got, tc.want)
			continue
		}
		for i := range got {
			w := tc.want[i]
			g := got[i].Box
			if !near(float64(g.X1), float64(w.X1), 1e-3) || !near(float64(g.Y1), float64(w.Y1), 1e-3) || !near(float64(g.X2), float64(w.X2), 1e-3) || !near(float64(g.Y2), float64(w.Y2), 1e-3) {
				t.Errorf("%s: box %d = %v, want %v", tc.name, i, g, w)
			}
		}
	}
	if _, err := DecodeUltraFace(nil, []float32{1, 2}, []float32{1, 2, 3}, ultraParams); err == nil {
		t.Error("mismatched outputs accepted")
	}
	// MaxFaces caps.
	s, b := ultraOutputs(ultraCases[4].cands)
	p := ultraParams
	p.MaxFaces = 1
	if got, _ := DecodeUltraFace(nil, s, b, p); len(got) != 1 || got[0].Score != 0.9 {
		t.Errorf("MaxFaces 1: %v", got)
	}
}

func FuzzDecodeUltraFace(f *testing.F) {
	for _, tc := range ultraCases {
		s, b := ultraOutputs(tc.cands)
		f.Add(floatBytes(append(s, b...)), len(s))
	}
	f.Fuzz(func(t *testing.T, data []byte, ns int) {
		v := make([]float32, len(data)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		if ns < 0 || ns > len(v) {
			ns = len(v) / 3
		}
		got, err := DecodeUltraFace(nil, v[:ns], v[ns:], ultraParams)
		if err != nil {
			return
		}
		for i, d := range got {
			b := d.Box
			if !(b.X1 >= 0 && b.Y1 >= 0 && b.X2 <= 100 && b.Y2 <= 100 && b.W() >= 10 && b.H() > 0) || !(d.Score >= 0.65) {
				t.Fatalf("bad detection %v", d)
			}
			for _, e := range got[:i] {
				if e.Box.IoU(b) > 0.4 || e.Score < d.Score {
					t.Fatalf("NMS let through %v after %v", d, e)
				}
			}
		}
	})
}

func floatBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestScores(t *testing.T) {
	sc := Scores{
		Genuine:  []float32{0.9, 0.8, 0.7, 0.6, 0.35},
		Impostor: []float32{-0.1, 0, 0.1, 0.2, 0.3, 0.4, 0.05, 0.02, 0.01, -0.2},
	}
	r := sc.At(0.3)
	if r.FAR != 0.2 || r.FRR != 0 {
		t.Errorf("At(0.3) = %+v", r)
	}
	r = sc.At(0.5)
	if r.FAR != 0 || r.FRR != 0.2 || r.TAR() != 0.8 {
		t.Errorf("At(0.5) = %+v", r)
	}
	eer, at := sc.EER()
	if !near(eer, 0.05, 1e-9) || at.Threshold <= 0.3 || at.Threshold > 0.35 {
		t.Errorf("EER %v at %+v", eer, at)
	}
	if r := sc.AtFAR(0.1); r.FAR != 0.1 || r.FRR != 0 || r.Threshold <= 0.3 || r.Threshold > 0.3001 {
		t.Errorf("AtFAR(0.1) = %+v", r)
	}
	if r := sc.AtFAR(0.0001); r.FAR != 0 || r.FRR != 0.2 || r.Threshold <= 0.4 || r.Threshold > 0.4001 {
		t.Errorf("AtFAR(0) = %+v", r)
	}
	// Perfect separation: EER 0 with the threshold in the gap.
	sep := Scores{Genuine: []float32{0.6, 0.7}, Impostor: []float32{0.1, 0.2}}
	if eer, at := sep.EER(); eer != 0 || at.Threshold <= 0.2 || at.Threshold > 0.6 {
		t.Errorf("separated EER %v at %+v", eer, at)
	}
	if eer, _ := (&Scores{}).EER(); !math.IsNaN(eer) {
		t.Errorf("empty EER %v", eer)
	}
	st := Summarize(sc.Genuine)
	if st.N != 5 || st.Min != 0.35 || st.Max != 0.9 || st.Median != 0.7 || !near(st.Mean, 0.67, 1e-6) {
		t.Errorf("Summarize = %+v", st)
	}
}

func TestDETAndTightCrop(t *testing.T) {
	sc := Scores{
		Genuine:  []float32{0.9, 0.8, 0.7, 0.6, 0.35},
		Impostor: []float32{-0.1, 0, 0.1, 0.2, 0.3, 0.4, 0.05, 0.02, 0.01, -0.2},
	}
	det := sc.DET(0)
	if len(det) < 5 || det[0].FAR != 0.9 || det[0].FRR != 0 || det[len(det)-1].FAR != 0 {
		t.Fatalf("DET = %+v", det)
	}
	for i := 1; i < len(det); i++ {
		if det[i].FAR > det[i-1].FAR || det[i].FRR < det[i-1].FRR || det[i].Threshold <= det[i-1].Threshold {
			t.Fatalf("DET not monotone at %d: %+v", i, det)
		}
	}
	if thin := sc.DET(3); len(thin) != 3 || thin[0] != det[0] || thin[2] != det[len(det)-1] {
		t.Errorf("DET(3) = %+v", thin)
	}
	b := Rect{100, 100, 150, 160}
	c := ChipCropTight(b)
	if !near(float64(c.H()), 75, 1e-4) || !near(float64(c.W()/c.H()), float64(ChipWidth)/ChipHeight, 1e-4) || c.Center() != b.Center() {
		t.Errorf("ChipCropTight = %v", c)
	}
}

// Rates from the sorted counts agree with a plain count.
func TestScoresAgreeWithCount(t *testing.T) {
	var sc Scores
	for i := 0; i < 500; i++ {
		sc.Genuine = append(sc.Genuine, float32(i%97)/97)
		sc.Impostor = append(sc.Impostor, float32(i%61)/100-0.2)
	}
	for _, th := range []float32{-1, -0.1, 0, 0.2, 0.3, 0.35, 0.5, 0.99, 2} {
		g, im := 0, 0
		for _, x := range sc.Genuine {
			if x < th {
				g++
			}
		}
		for _, x := range sc.Impostor {
			if x >= th {
				im++
			}
		}
		r := sc.At(th)
		if r.FRR != float64(g)/500 || r.FAR != float64(im)/500 {
			t.Errorf("At(%v) = %+v, want FAR %v FRR %v", th, r, float64(im)/500, float64(g)/500)
		}
	}
}
