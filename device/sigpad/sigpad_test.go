package sigpad

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata")

func load(t testing.TB, name string) Signature {
	t.Helper()
	b, err := os.ReadFile("../../sim/" + name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var topazInfo = Info{Model: "topaz", MaxX: 1804, MaxY: 533, ResX: 410 / 25.4, ResY: 410 / 25.4}

func TestBuilder(t *testing.T) {
	b := NewBuilder(topazInfo)
	in := []Sample{
		{T: 100, X: 1, Y: 1}, // hover before the first stroke
		{T: 110, X: 2, Y: 2, Down: true},
		{T: 120, X: 3, Y: 3, Down: true},
		{T: 130, X: 4, Y: 4},
		{T: 140, X: 5, Y: 5},
		{T: 150, X: 6, Y: 6, Down: true},
	}
	var ts []int64
	for _, s := range in {
		ts = append(ts, b.Add(s).T)
	}
	if want := []int64{0, 0, 10, 20, 30, 40}; !reflect.DeepEqual(ts, want) {
		t.Errorf("times %v, want %v", ts, want)
	}
	got := b.Signature()
	want := []Stroke{{{T: 0, X: 2, Y: 2, Down: true}, {T: 10, X: 3, Y: 3, Down: true}}, {{T: 40, X: 6, Y: 6, Down: true}}}
	if !reflect.DeepEqual(got.Strokes, want) {
		t.Errorf("strokes %v, want %v", got.Strokes, want)
	}
	got.Strokes[0][0].X = 99 // a copy
	if b.Signature().Strokes[0][0].X != 2 {
		t.Error("Signature is not a copy")
	}
	b.Reset()
	if b.Signature().Points() != 0 || b.Add(Sample{T: 500, Down: true}).T != 0 {
		t.Error("Reset kept state")
	}
}

func TestValidate(t *testing.T) {
	sig := load(t, "signature.json")
	out := sig.Clone()
	out.Strokes[0][3].X = sig.Pad.MaxX + 1
	for _, c := range []struct {
		name string
		s    Signature
		want []string
	}{
		{"signature", sig, nil},
		{"tap", load(t, "signature-tap.json"), []string{ReasonFewPoints, ReasonTooShort, ReasonTooSmall, ReasonTooQuick}},
		{"scribble", load(t, "signature-scribble.json"), []string{ReasonTooQuick}},
		{"line", load(t, "signature-line.json"), []string{ReasonTooSmall}},
		{"empty", Signature{Pad: sig.Pad}, []string{ReasonEmpty}},
		{"out of range", out, []string{ReasonOutOfRange}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := DefaultRules.Validate(c.s)
			if got := Codes(rs); !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("reasons %v, want %v", got, c.want)
			}
			for _, r := range rs {
				if r.Zh == "" || r.En == "" || r.Detail == "" {
					t.Errorf("reason %q without messages: %+v", r.Code, r)
				}
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	s := Signature{Pad: topazInfo, Strokes: []Stroke{
		{{T: 0, X: 10, Y: 10}, {T: 10, X: 13, Y: 14}},
		{{T: 300, X: 20, Y: 5}, {T: 400, X: 20, Y: 8}},
	}}
	st := Measure(s)
	want := Stats{Strokes: 2, Points: 4, Duration: 400 * time.Millisecond, InkLength: 8, BBox: BBox{10, 5, 20, 14}}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
}

func TestRender(t *testing.T) {
	sig := load(t, "signature.json")
	img, err := Render(sig, DefaultRender)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() > DefaultRender.MaxWidth || b.Dy() > DefaultRender.MaxHeight || (b.Dx() != DefaultRender.MaxWidth && b.Dy() != DefaultRender.MaxHeight) {
		t.Errorf("size %v: want to fill %dx%d on one side", b, DefaultRender.MaxWidth, DefaultRender.MaxHeight)
	}
	// Cropped with the margin: no ink in the margin, ink next to it on
	// every side, some grey (anti-aliasing) pixels.
	m := DefaultRender.Margin
	inkRows, inkCols := map[int]bool{}, map[int]bool{}
	grey := 0
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := img.NRGBAAt(x, y)
			if c.A != 255 || c.R != c.G || c.G != c.B {
				t.Fatalf("pixel %d,%d = %v: want opaque grey", x, y, c)
			}
			if c.R < 128 {
				inkRows[y], inkCols[x] = true, true
				if x < m || y < m || x >= b.Dx()-m || y >= b.Dy()-m {
					t.Fatalf("ink at %d,%d inside the %d px margin", x, y, m)
				}
			}
			if c.R > 20 && c.R < 235 {
				grey++
			}
		}
	}
	if !inkCols[m+2] && !inkRows[m+2] {
		t.Errorf("ink does not reach the margin: not cropped")
	}
	if grey < 200 {
		t.Errorf("%d grey pixels: not anti-aliased", grey)
	}
	golden(t, "testdata/signature.png", img)

	tr := DefaultRender
	tr.Transparent = true
	timg, err := Render(sig, tr)
	if err != nil {
		t.Fatal(err)
	}
	if c := timg.NRGBAAt(0, 0); c.A != 0 {
		t.Errorf("transparent corner %v", c)
	}
	// Pressure widens the pen: the same strokes without pressure draw a
	// thinner line where the pen is pressed hard, so fewer dark pixels.
	flat := sig.Clone()
	flat.Pad.Pressure = false
	fimg, _ := Render(flat, DefaultRender)
	if dark(img) == dark(fimg) {
		t.Error("pressure does not change the pen width")
	}
}

func dark(img *image.NRGBA) int {
	n := 0
	for i := 0; i < len(img.Pix); i += 4 {
		if img.Pix[i] < 128 {
			n++
		}
	}
	return n
}

func golden(t *testing.T, path string, img *image.NRGBA) {
	t.Helper()
	if *update {
		var buf bytes.Buffer
		png.Encode(&buf, img)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test -update and look at the image)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds() != img.Bounds() {
		t.Fatalf("size %v, golden %v", img.Bounds(), want.Bounds())
	}
	// Allow rounding differences between architectures (fused
	// multiply-add), not a different drawing.
	var sum, worst float64
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			r, _, _, _ := want.At(x, y).RGBA()
			d := math.Abs(float64(r>>8) - float64(img.NRGBAAt(x, y).R))
			sum += d
			worst = math.Max(worst, d)
		}
	}
	if mean := sum / float64(img.Bounds().Dx()*img.Bounds().Dy()); mean > 0.5 || worst > 96 {
		t.Errorf("differs from %s: mean %.2f, worst %.0f (look at it; -update rewrites)", path, mean, worst)
	}
}

func TestRenderErrors(t *testing.T) {
	sig := load(t, "signature.json")
	for _, c := range []struct {
		name string
		s    Signature
		o    RenderOptions
		want string
	}{
		{"empty", Signature{Pad: sig.Pad}, DefaultRender, "empty signature"},
		{"no room", sig, RenderOptions{MaxWidth: 20, MaxHeight: 20, Margin: 10, PenWidth: 2}, "no room"},
		{"huge", sig, RenderOptions{MaxWidth: 100000, MaxHeight: 20, Margin: 1, PenWidth: 2}, "at most"},
		{"no pen", sig, RenderOptions{MaxWidth: 100, MaxHeight: 50, Margin: 1}, "pen width"},
		{"pen too wide for the box", sig, RenderOptions{MaxWidth: 30, MaxHeight: 30, Margin: 2, PenWidth: 40}, "no room"},
	} {
		_, err := Render(c.s, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "sigpad: render") {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Render(Signature{Pad: sig.Pad}, DefaultRender); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v is not ErrEmpty", err)
	}
	// A tap still renders: a dot.
	if _, err := Render(load(t, "signature-tap.json"), DefaultRender); err != nil {
		t.Errorf("tap: %v", err)
	}
}

func TestHash(t *testing.T) {
	sig := load(t, "signature.json")
	h := Hash(sig)
	if !strings.HasPrefix(h, "sha256:") || len(h) != 7+64 {
		t.Fatalf("hash %q", h)
	}
	c := sig.Clone()
	c.Pad.Model = "other name"
	if Hash(c) != h {
		t.Error("model name changes the hash")
	}
	for name, f := range map[string]func(*Signature){
		"x":        func(s *Signature) { s.Strokes[1][0].X++ },
		"t":        func(s *Signature) { s.Strokes[2][5].T++ },
		"pressure": func(s *Signature) { s.Strokes[0][9].P += 0.01 },
		"split": func(s *Signature) {
			k := s.Strokes[0]
			s.Strokes = append([]Stroke{k[:5], k[5:]}, s.Strokes[1:]...)
		},
		"range": func(s *Signature) { s.Pad.MaxX++ },
	} {
		c := sig.Clone()
		f(&c)
		if Hash(c) == h {
			t.Errorf("%s: hash unchanged", name)
		}
	}
}

func TestParseJSON(t *testing.T) {
	good := `{"pad":{"max_x":100,"max_y":50,"res_x":1,"res_y":1},"strokes":[[{"t":0,"x":1,"y":2},{"t":5,"x":3,"y":4}]]}`
	s, err := ParseJSON([]byte(good))
	if err != nil || s.Points() != 2 || !s.Strokes[0][1].Down {
		t.Fatalf("good: %v %+v", err, s)
	}
	for _, c := range []struct{ name, in, want string }{
		{"not json", `{"pad":`, "unexpected EOF"},
		{"unknown key", `{"pad":{"max_x":1,"max_y":1},"strokez":[]}`, "unknown field"},
		{"trailing", good + `{}`, "data after"},
		{"no range", `{"pad":{},"strokes":[]}`, "pad range"},
		{"no strokes", `{"pad":{"max_x":9,"max_y":9}}`, "no \"strokes\" list"},
		{"levels", `{"pad":{"max_x":9,"max_y":9,"pressure":true},"strokes":[]}`, "pressure_levels"},
		{"empty stroke", `{"pad":{"max_x":9,"max_y":9},"strokes":[[]]}`, "stroke 0: no samples"},
		{"time back", `{"pad":{"max_x":9,"max_y":9},"strokes":[[{"t":5,"x":1,"y":1}],[{"t":4,"x":1,"y":1}]]}`, "stroke 1 sample 0: time"},
		{"outside", `{"pad":{"max_x":9,"max_y":9},"strokes":[[{"t":5,"x":10,"y":1}]]}`, "outside"},
		{"pressure", `{"pad":{"max_x":9,"max_y":9},"strokes":[[{"t":5,"x":1,"y":1,"p":1.5}]]}`, "pressure 1.5"},
	} {
		_, err := ParseJSON([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrStrokes) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// MarshalIndent gives back what ParseJSON read.
	sig := load(t, "signature.json")
	b, err := sig.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseJSON(b)
	if err != nil || !reflect.DeepEqual(again, sig) {
		t.Errorf("MarshalIndent round trip: %v", err)
	}
}

func TestReplay(t *testing.T) {
	sig := load(t, "signature.json")
	to := Info{MaxX: 1804, MaxY: 533, ResX: 410 / 25.4, ResY: 410 / 25.4}
	out := Replay(sig, to, 120)
	// Rebuilt, the replay has the same number of strokes, fills most of
	// the target pad's height (same shape, one scale), lasts as long.
	b := NewBuilder(to)
	for i, s := range out {
		if s.T != TickTime(i, 120) {
			t.Fatalf("sample %d at %d ms, want %d", i, s.T, TickTime(i, 120))
		}
		b.Add(s)
	}
	got := b.Signature()
	if len(got.Strokes) != len(sig.Strokes) {
		t.Fatalf("%d strokes, want %d", len(got.Strokes), len(sig.Strokes))
	}
	if out[len(out)-1].Down {
		t.Error("the replay does not end with a pen-up")
	}
	ms, mg := Measure(sig), Measure(got)
	if d := mg.Duration - ms.Duration; d < -10*time.Millisecond || d > 10*time.Millisecond {
		t.Errorf("duration %v, want %v", mg.Duration, ms.Duration)
	}
	ra := float64(ms.BBox.Dx()) / float64(ms.BBox.Dy())
	rb := float64(mg.BBox.Dx()) / float64(mg.BBox.Dy())
	if math.Abs(ra-rb) > 0.02*ra {
		t.Errorf("aspect %.3f, want %.3f", rb, ra)
	}
	if len(DefaultRules.Validate(got)) != 0 {
		t.Errorf("replayed signature refused: %v", Codes(DefaultRules.Validate(got)))
	}
	// A stroke shorter than a tick still gives one pen-down sample; no pressure without it on the target.
	tap := Signature{Pad: to, Strokes: []Stroke{{{T: 3, X: 5, Y: 5, P: 0.5}}}}
	r := Replay(tap, to, 120)
	if len(r) != 2 || !r[0].Down || r[1].Down || r[0].P != 0 {
		t.Errorf("tap replay %+v", r)
	}
	// Pressure is rounded to the target's levels.
	wto := Info{MaxX: 5000, MaxY: 2000, Pressure: true, PressureLevels: 256}
	for _, s := range Replay(sig, wto, 125) {
		if q := s.P * 255; math.Abs(q-math.Round(q)) > 1e-9 {
			t.Fatalf("pressure %v not on a level", s.P)
		}
	}
}

func TestStream(t *testing.T) {
	clk := clocktest.New(time.Unix(1000, 0))
	ch := make(chan Sample)
	errc := make(chan error, 1)
	read := func() (Sample, error) {
		select {
		case s := <-ch:
			return s, nil
		case err := <-errc:
			return Sample{}, err
		}
	}
	closer := closerFunc(func() error { errc <- io.ErrClosedPipe; return nil })
	st := NewStream(topazInfo, read, closer, clk)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Each sample is taken off the line before the clock moves on.
	step := func(s Sample) Sample {
		ch <- s
		got, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(8 * time.Millisecond)
		return got
	}
	var got []Sample
	for _, s := range []Sample{{X: 1, Y: 1}, {X: 2, Y: 2, Down: true}, {X: 3, Y: 3, Down: true}, {X: 4, Y: 4}} {
		got = append(got, step(s))
	}
	want := []Sample{{X: 1, Y: 1}, {X: 2, Y: 2, Down: true}, {T: 8, X: 3, Y: 3, Down: true}, {T: 16, X: 4, Y: 4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("samples %+v, want %+v", got, want)
	}
	if sig := st.Signature(); sig.Points() != 2 || len(sig.Strokes) != 1 || sig.Pad != topazInfo {
		t.Errorf("signature %+v", sig)
	}
	if err := st.Clear(); err != nil || st.Signature().Points() != 0 {
		t.Errorf("clear: %v", err)
	}
	// Next waits for the context.
	short, c2 := context.WithCancel(ctx)
	c2()
	if _, err := st.Next(short); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Next: %v", err)
	}
	// The line fails: the sample before is delivered, then ErrPadGone.
	ch <- Sample{X: 5, Y: 5, Down: true}
	errc <- io.EOF
	<-st.Gone()
	if s, err := st.Next(ctx); err != nil || s.X != 5 {
		t.Errorf("sample before the failure: %+v %v", s, err)
	}
	_, err := st.Next(ctx)
	var ge *GoneError
	if !errors.Is(err, ErrPadGone) || !errors.As(err, &ge) || ge.Cause != io.EOF || !IsGone(err) {
		t.Errorf("after EOF: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Error(err)
	}
	if _, err := st.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if err := st.Clear(); !errors.Is(err, ErrClosed) {
		t.Errorf("Clear after Close: %v", err)
	}
}

func TestStreamClose(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	read := func() (Sample, error) {
		var b [1]byte
		_, err := r.Read(b[:])
		return Sample{X: int(b[0]), Down: true}, err
	}
	st := NewStream(topazInfo, read, r, clocktest.New(time.Unix(0, 0)))
	w.Write([]byte{7})
	s, err := st.Next(context.Background())
	if err != nil || s.X != 7 {
		t.Fatalf("%+v %v", s, err)
	}
	done := make(chan error)
	go func() { _, err := st.Next(context.Background()); done <- err }()
	st.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Next during Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Next still blocked after Close")
	}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"pad":{"max_x":100,"max_y":50,"res_x":1,"res_y":1},"strokes":[[{"t":0,"x":1,"y":2},{"t":5,"x":3,"y":4}]]}`))
	f.Add([]byte(`{"pad":{"max_x":9,"max_y":9,"pressure":true,"pressure_levels":256},"strokes":[[{"t":5,"x":1,"y":1,"p":0.5}]]}`))
	f.Add([]byte(`{"pad":{"max_x":9,"max_y":9},"strokes":[[{"t":5,"x":10,"y":1}]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseJSON(b)
		if err != nil {
			if !errors.Is(err, ErrStrokes) {
				t.Fatalf("error %v is not ErrStrokes", err)
			}
			return
		}
		// Whatever parses is in range, validates, measures, hashes,
		// renders and writes back without failing.
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		DefaultRules.Validate(s)
		Hash(s)
		if s.Points() > 0 {
			if _, err := Render(s, RenderOptions{MaxWidth: 64, MaxHeight: 32, Margin: 2, PenWidth: 2}); err != nil {
				t.Fatal(err)
			}
		}
		out, err := s.MarshalIndent()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseJSON(out)
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("write back: %v", err)
		}
	})
}

// A paced stream stamps samples that arrive together (the port read late)
// one report period apart, so a signature keeps the time it took to write;
// a real pause still shows.
func TestPacedStream(t *testing.T) {
	clk := clocktest.New(time.Unix(1000, 0))
	open := func(rate int) (*Stream, chan Sample) {
		ch := make(chan Sample, 16)
		stop := make(chan struct{})
		read := func() (Sample, error) {
			select {
			case s := <-ch:
				return s, nil
			case <-stop:
				return Sample{}, io.EOF
			}
		}
		st := NewPacedStream(topazInfo, rate, read, closerFunc(func() error { close(stop); return nil }), clk)
		t.Cleanup(func() { st.Close() })
		return st, ch
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, ch := open(125)
	next := func(st *Stream) Sample {
		s, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for i := 0; i < 4; i++ { // a burst: four reports read at one instant
		ch <- Sample{X: i, Y: i, Down: true}
	}
	var ts []int64
	for i := 0; i < 4; i++ {
		ts = append(ts, next(st).T)
	}
	clk.Advance(time.Second) // the pen lifted away: nothing sent for a second
	ch <- Sample{X: 9, Y: 9, Down: true}
	ts = append(ts, next(st).T)
	if want := []int64{0, 8, 16, 24, 1000}; !reflect.DeepEqual(ts, want) {
		t.Errorf("times %v, want %v", ts, want)
	}
	// Unpaced, the burst has one time: what made a signature read late on
	// a busy machine "too quick".
	plain, pch := open(0)
	for i := 0; i < 3; i++ {
		pch <- Sample{X: i, Y: i, Down: true}
	}
	for i := 0; i < 3; i++ {
		if s := next(plain); s.T != 0 {
			t.Errorf("unpaced burst sample %d: T %d", i, s.T)
		}
	}
}
