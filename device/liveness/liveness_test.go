package liveness

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/face"
)

var t0 = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

// clip is a finite camera of tiny frames at 30 fps.
type clip struct {
	n, i int
	err  error // returned instead of ErrEnd when set
}

func (c *clip) Next(ctx context.Context) (camera.Frame, error) {
	if err := ctx.Err(); err != nil {
		return camera.Frame{}, err
	}
	if c.i >= c.n {
		if c.err != nil {
			return camera.Frame{}, c.err
		}
		return camera.Frame{}, camera.ErrEnd
	}
	f := camera.NewFrame(4, 4)
	f.Seq = uint64(c.i)
	f.Time = t0.Add(time.Duration(c.i) * time.Second / 30)
	f.Pix[0] = byte(c.i)
	c.i++
	return f, nil
}
func (c *clip) Size() (int, int) { return 640, 480 }
func (c *clip) Close() error     { return nil }

// actor plays a candidate: a function of time since the start.
type actor struct {
	at    func(t time.Duration, m *Measure)
	calls int
}

func unit(v float32, n int) face.Embedding {
	e := make(face.Embedding, 4)
	e[n] = v
	return e
}

func (a *actor) Analyze(f *camera.Frame, embed bool) (Measure, error) {
	a.calls++
	m := Measure{Faces: 1, Width: 640, Height: 480, Box: face.Rect{X1: 270, Y1: 160, X2: 370, Y2: 290},
		EyeOpen: [2]float64{0.95, 0.93}, MAR: 0.03, Live: 0.9, Brightness: 120, Sharpness: 100 + float64(f.Seq%7)}
	if embed {
		m.Embedding = unit(1, 0)
	}
	if a.at != nil {
		a.at(f.Time.Sub(t0), &m)
		if !embed {
			m.Embedding = nil
		}
	}
	return m, nil
}

func (a *actor) Compare(x, y face.Embedding) face.Match {
	return face.Decide(x, y, 0.3, "test")
}

// window reports whether t is in [from, to) seconds.
func window(t time.Duration, from, to float64) bool {
	return t >= time.Duration(from*float64(time.Second)) && t < time.Duration(to*float64(time.Second))
}

// performer does every challenge at its time: blink at 1 s, turn left at
// 2 s, turn right at 3 s, nod at 4 s, read digits at 5 s, with small
// measurement noise.
func performer(t time.Duration, m *Measure) {
	s := t.Seconds()
	m.Yaw = 2 + 1.5*math.Sin(s*7)
	m.Pitch = -3 + math.Sin(s*5)
	switch {
	case window(t, 1.0, 1.2):
		m.EyeOpen = [2]float64{0.05, 0.1}
	case window(t, 2.0, 2.8):
		m.Yaw += 30 * math.Sin(math.Pi*(s-2)/0.8)
	case window(t, 3.0, 3.8):
		m.Yaw -= 30 * math.Sin(math.Pi*(s-3)/0.8)
	case window(t, 4.0, 4.8):
		m.Pitch += 18 * math.Sin(math.Pi*(s-4)/0.8)
	case window(t, 5.0, 6.6):
		m.MAR += 0.25 * math.Max(0, math.Sin(2*math.Pi*(s-5)*2.5))
	}
}

func run(t *testing.T, p Params, seq []string, a *actor, frames int) (Result, error) {
	t.Helper()
	c := &Checker{Analyzer: a, Params: p}
	var last Progress
	r, err := c.Check(context.Background(), &clip{n: frames}, seq, "3817", func(pr Progress) { last = pr })
	if r.Frames > 0 && last.Time.IsZero() {
		t.Errorf("progress was never reported")
	}
	return r, err
}

func TestCheck(t *testing.T) {
	all := []string{"blink", "turn_left", "turn_right", "nod", "read_digits"}
	tests := []struct {
		name   string
		seq    []string
		at     func(time.Duration, *Measure)
		frames int
		p      func(*Params)
		want   string
		passed int // challenges passed
	}{
		{"performer passes all", all, performer, 600, nil, CodeOK, 5},
		{"passive only", nil, performer, 600, nil, CodeOK, 0},
		{"still photo cannot blink", []string{"blink", "nod"}, func(t time.Duration, m *Measure) {}, 900, nil, CodeNoBlink, 0},
		{"still photo cannot turn", []string{"turn_right"}, func(t time.Duration, m *Measure) { m.Yaw = 3 }, 900, nil, CodeNoTurnRight, 0},
		{"wrong direction", []string{"turn_right"}, func(t time.Duration, m *Measure) {
			if window(t, 2.0, 2.8) {
				m.Yaw = 30
			}
		}, 900, nil, CodeNoTurnRight, 0},
		{"blink then no nod", []string{"blink", "nod"}, func(t time.Duration, m *Measure) {
			if window(t, 1.0, 1.2) {
				m.EyeOpen = [2]float64{0.05, 0.1}
			}
		}, 900, nil, CodeNoNod, 1},
		{"mouth held open is not reading", []string{"read_digits"}, func(t time.Duration, m *Measure) {
			if window(t, 1, 6) {
				m.MAR = 0.4
			}
		}, 900, nil, CodeNoReadDigits, 0},
		{"two openings are too few", []string{"read_digits"}, func(t time.Duration, m *Measure) {
			if window(t, 1, 1.3) || window(t, 2, 2.3) {
				m.MAR = 0.35
			}
		}, 900, nil, CodeNoReadDigits, 0},
		{"screen replay fails passive", all, func(t time.Duration, m *Measure) { performer(t, m); m.Live = 0.2 }, 600, nil, CodeSpoof, 0},
		{"weak passive fails at the end", []string{"blink"}, func(t time.Duration, m *Measure) {
			performer(t, m)
			m.Live = 0.3
		}, 600, func(p *Params) { p.PassiveRun = 1000 }, CodeSpoof, 1},
		{"turned faces do not count for the passive check", all, func(t time.Duration, m *Measure) {
			performer(t, m)
			if math.Abs(m.Yaw) > 16 || m.Pitch > 8 {
				m.Live = 0.05
			}
		}, 600, nil, CodeOK, 5},
		{"turned faces embed poorly and are not compared", all, func(t time.Duration, m *Measure) {
			performer(t, m)
			if math.Abs(m.Yaw) > 18 {
				m.Embedding = unit(1, 2)
			}
		}, 600, nil, CodeOK, 5},
		{"face swap by embedding", all, func(t time.Duration, m *Measure) {
			performer(t, m)
			if t > 1500*time.Millisecond {
				m.Embedding = unit(1, 1)
			}
		}, 600, nil, CodeOtherPerson, 1},
		{"face jumps", all, func(t time.Duration, m *Measure) {
			performer(t, m)
			if t > 1500*time.Millisecond {
				m.Box = face.Rect{X1: 60, Y1: 160, X2: 160, Y2: 290}
			}
		}, 600, nil, CodeOtherPerson, 1},
		{"second face", all, func(t time.Duration, m *Measure) {
			performer(t, m)
			if t > 1500*time.Millisecond {
				m.Faces, m.Second = 2, face.Rect{X1: 10, Y1: 10, X2: 70, Y2: 80}
			}
		}, 600, nil, CodeSecondFace, 1},
		{"small face far behind is ignored", all, func(t time.Duration, m *Measure) {
			performer(t, m)
			m.Faces, m.Second = 2, face.Rect{X1: 10, Y1: 10, X2: 30, Y2: 35}
		}, 600, nil, CodeOK, 5},
		{"face lost", all, func(t time.Duration, m *Measure) {
			performer(t, m)
			if t > 1500*time.Millisecond {
				*m = Measure{}
			}
		}, 600, nil, CodeFaceLost, 1},
		{"too dark", all, func(t time.Duration, m *Measure) { m.Brightness = 20 }, 900, nil, CodeTooDark, 0},
		{"too far", all, func(t time.Duration, m *Measure) { m.Box = face.Rect{X1: 300, Y1: 200, X2: 340, Y2: 250} }, 900, nil, CodeMoveCloser, 0},
		{"not facing", all, func(t time.Duration, m *Measure) { m.Yaw = 40 }, 900, nil, CodeFaceCamera, 0},
		{"nobody", all, func(t time.Duration, m *Measure) { *m = Measure{} }, 900, nil, CodeNoFace, 0},
		{"clip ends mid-challenge", all, performer, 60, nil, CodeNoTurnLeft, 1},
		{"analyse every third frame", all, performer, 600, func(p *Params) { p.AnalyzeEvery = 3 }, CodeOK, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Defaults()
			if tc.p != nil {
				tc.p(&p)
			}
			a := &actor{at: tc.at}
			r, err := run(t, p, tc.seq, a, tc.frames)
			if err != nil {
				t.Fatal(err)
			}
			if r.Reason.Code != tc.want || r.Passed != (tc.want == CodeOK) {
				t.Fatalf("got %v (%+v), want %s", r, r.Outcomes, tc.want)
			}
			if r.Reason.ZH == "" || r.Reason.EN == "" {
				t.Errorf("reason %q has no text", r.Reason.Code)
			}
			n := 0
			for _, o := range r.Outcomes {
				if o.Passed {
					n++
				}
			}
			if n != tc.passed {
				t.Errorf("%d challenges passed, want %d: %+v", n, tc.passed, r.Outcomes)
			}
			if tc.want == CodeOK || r.BestMeasure.Faces > 0 {
				if r.Best.Width == 0 || r.BestMeasure.Faces < 1 {
					t.Errorf("no best frame")
				}
				if tc.want == CodeOK && math.Abs(r.BestMeasure.Yaw) > 12 || r.BestMeasure.EyeOpen[0] < 0.6 {
					t.Errorf("best frame not frontal with open eyes: %+v", r.BestMeasure)
				}
				if int(r.Best.Pix[0]) != int(r.BestMeasure.Seq%256) {
					t.Errorf("best frame copy is frame %d, measure says %d", r.Best.Pix[0], r.BestMeasure.Seq)
				}
				if tc.want == CodeOK && (r.Embeddings < 2 || r.SameMin < 0.99) {
					t.Errorf("same-person check: %d embeddings, min %v", r.Embeddings, r.SameMin)
				}
			}
			if p.AnalyzeEvery > 1 && a.calls > r.Frames/p.AnalyzeEvery+1 {
				t.Errorf("analysed %d of %d frames with AnalyzeEvery %d", a.calls, r.Frames, p.AnalyzeEvery)
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	a := &actor{at: performer}
	c := &Checker{Analyzer: a, Params: Defaults()}
	if _, err := c.Check(context.Background(), &clip{n: 10}, []string{"blink", "smile"}, "", nil); !errors.Is(err, ErrBadChallenge) {
		t.Errorf("bad challenge: %v", err)
	}
	gone := errors.New("unplugged")
	r, err := c.Check(context.Background(), &clip{n: 10, err: gone}, []string{"blink"}, "", nil)
	if !errors.Is(err, gone) || r.Passed || r.Reason.Code != CodeCameraProblem {
		t.Errorf("camera gone: %v %v", r, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err = c.Check(ctx, &clip{n: 40}, []string{"blink"}, "", nil)
	if !errors.Is(err, context.Canceled) || r.Reason.Code != CodeCancelled {
		t.Errorf("cancelled: %v %v", r, err)
	}
	bad := &badAnalyzer{}
	c = &Checker{Analyzer: bad, Params: Defaults()}
	r, err = c.Check(context.Background(), &clip{n: 40}, nil, "", nil)
	if err == nil || r.Passed || !strings.Contains(err.Error(), "frame 0") {
		t.Errorf("analyser error: %v %v", r, err)
	}
}

type badAnalyzer struct{ actor }

func (*badAnalyzer) Analyze(*camera.Frame, bool) (Measure, error) {
	return Measure{}, camera.ErrBadFrame
}

func TestProgress(t *testing.T) {
	c := &Checker{Analyzer: &actor{at: performer}, Params: Defaults()}
	var seen []Progress
	r, err := c.Check(context.Background(), &clip{n: 600}, []string{"blink", "read_digits"}, "3817", func(p Progress) { seen = append(seen, p) })
	if err != nil || !r.Passed {
		t.Fatalf("%v %v", r, err)
	}
	if len(seen) != r.Frames {
		t.Errorf("%d progress calls for %d frames", len(seen), r.Frames)
	}
	if seen[0].Index != -1 || seen[0].Guidance != CodeHoldStill || !seen[0].Face {
		t.Errorf("first progress: %+v", seen[0])
	}
	var names []Challenge
	for _, p := range seen {
		if p.Index >= 0 && p.Index < p.Total && (len(names) == 0 || names[len(names)-1] != p.Challenge) {
			names = append(names, p.Challenge)
			if p.Left <= 0 || p.Left > Defaults().ChallengeTime {
				t.Errorf("time left %v", p.Left)
			}
		}
	}
	if len(names) != 2 || names[0] != Blink || names[1] != ReadDigits || seen[len(seen)-1].Digits != "3817" {
		t.Errorf("challenges shown: %v", names)
	}
}

func TestMouthEyeAspect(t *testing.T) {
	var l face.Landmarks
	// Inner lips: 60 left corner, 64 right, 61-63 top, 65-67 bottom.
	l[60], l[64] = face.Point{X: 0, Y: 0}, face.Point{X: 40, Y: 0}
	for i, x := range []float32{10, 20, 30} {
		l[61+i] = face.Point{X: x, Y: -6}
		l[67-i] = face.Point{X: x, Y: 6}
	}
	if got := MouthAspect(&l); math.Abs(got-0.3) > 1e-6 {
		t.Errorf("MAR %v, want 0.3", got)
	}
	for _, e := range []int{36, 42} {
		l[e], l[e+3] = face.Point{X: 0, Y: 0}, face.Point{X: 30, Y: 0}
		l[e+1], l[e+2] = face.Point{X: 10, Y: -3}, face.Point{X: 20, Y: -3}
		l[e+5], l[e+4] = face.Point{X: 10, Y: 3}, face.Point{X: 20, Y: 3}
	}
	if got := EyeAspect(&l); math.Abs(got-0.2) > 1e-6 {
		t.Errorf("EAR %v, want 0.2", got)
	}
	var zero face.Landmarks
	if MouthAspect(&zero) != 0 || EyeAspect(&zero) != 0 {
		t.Errorf("degenerate landmarks")
	}
}

func TestDraw(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(0); seed < 40; seed++ {
		seq, digits, err := Draw(entropy.Seeded(seed), All, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(seq) != 2 || seq[0] == seq[1] || len(digits) != 4 || strings.Trim(digits, "0123456789") != "" {
			t.Fatalf("seed %d: %v %q", seed, seq, digits)
		}
		seen[string(seq[0])+","+string(seq[1])] = true
		again, d2, _ := Draw(entropy.Seeded(seed), All, 2)
		if again[0] != seq[0] || again[1] != seq[1] || d2 != digits {
			t.Errorf("seed %d not reproducible", seed)
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d orders in 40 draws", len(seen))
	}
	if _, _, err := Draw(entropy.Seeded(1), All, 6); err == nil {
		t.Errorf("drew 6 of 5")
	}
	if _, _, err := Draw(strings.NewReader("x"), All, 2); err == nil {
		t.Errorf("short random source accepted")
	}
}

var parseTable = []struct {
	in   string
	want string
	err  bool
}{
	{"", "", false},
	{"blink", "blink", false},
	{" blink , turn_left ", "blink,turn_left", false},
	{"blink,turn_left,turn_right,nod,read_digits", "blink,turn_left,turn_right,nod,read_digits", false},
	{"blink,,nod", "", true},
	{"smile", "", true},
	{"blink,blink", "", true},
	{"Blink", "", true},
	{",", "", true},
}

func TestParseChallenges(t *testing.T) {
	for _, tc := range parseTable {
		got, err := ParseChallenges(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("%q: err %v", tc.in, err)
			continue
		}
		if err != nil && !errors.Is(err, ErrBadChallenge) {
			t.Errorf("%q: %v does not wrap ErrBadChallenge", tc.in, err)
		}
		var s []string
		for _, c := range got {
			s = append(s, string(c))
		}
		if strings.Join(s, ",") != tc.want {
			t.Errorf("%q: %v, want %s", tc.in, got, tc.want)
		}
	}
}

func FuzzParseChallenges(f *testing.F) {
	for _, tc := range parseTable {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseChallenges(s)
		if err != nil {
			if got != nil {
				t.Fatalf("error with a result: %v", got)
			}
			return
		}
		seen := map[Challenge]bool{}
		for _, c := range got {
			if !c.Valid() || seen[c] {
				t.Fatalf("%q gave %v", s, got)
			}
			seen[c] = true
		}
	})
}

func TestReasons(t *testing.T) {
	for _, c := range Codes() {
		r := ReasonFor(c)
		if r.Code != c || r.ZH == "" || r.EN == "" {
			t.Errorf("%s: %+v", c, r)
		}
	}
	for _, c := range All {
		if r := ReasonFor(failCode(c)); r.ZH == "验证未通过" {
			t.Errorf("%s has no own failure text", c)
		}
	}
}

func TestFromConfig(t *testing.T) {
	c := config.Defaults(config.Appliance).Liveness
	p := FromConfig(c)
	if p.ChallengeTime != 8*time.Second || p.PassiveMin != 0.35 || p.AnalyzeEvery != 2 {
		t.Errorf("%+v", p)
	}
	c.AnalyzeEvery = 0
	if FromConfig(c).AnalyzeEvery != Defaults().AnalyzeEvery {
		t.Errorf("zero analyze_every")
	}
}
