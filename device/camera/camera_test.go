package camera

import (
	"context"
	"errors"
	"image"
	"image/color"
	"runtime"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
)

func TestFrameCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Frame
		ok   bool
	}{
		{"ok", NewFrame(4, 3), true},
		{"empty", Frame{}, false},
		{"short", Frame{Width: 4, Height: 3, Pix: make([]byte, 35)}, false},
		{"long", Frame{Width: 4, Height: 3, Pix: make([]byte, 37)}, false},
		{"negative", Frame{Width: -1, Height: 3}, false},
	} {
		err := tc.f.Check()
		if (err == nil) != tc.ok {
			t.Errorf("%s: Check() = %v", tc.name, err)
		}
		if err != nil && !errors.Is(err, ErrBadFrame) {
			t.Errorf("%s: %v does not wrap ErrBadFrame", tc.name, err)
		}
	}
}

func TestFrameImageRoundTrip(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 5, 4))
	for y := 0; y < 4; y++ {
		for x := 0; x < 5; x++ {
			src.Set(x, y, color.RGBA{uint8(10 * x), uint8(20 * y), uint8(x + y), 255})
		}
	}
	f := FromImage(src)
	if f.Width != 5 || f.Height != 4 {
		t.Fatalf("size %dx%d", f.Width, f.Height)
	}
	// BGR order in memory.
	if i := (2*5 + 3) * 3; f.Pix[i] != 5 || f.Pix[i+1] != 40 || f.Pix[i+2] != 30 {
		t.Errorf("pixel (3,2) = %v, want B=5 G=40 R=30", f.Pix[i:i+3])
	}
	back := f.ToRGBA(nil)
	for y := 0; y < 4; y++ {
		for x := 0; x < 5; x++ {
			if back.RGBAAt(x, y) != src.RGBAAt(x, y) {
				t.Fatalf("ToRGBA (%d,%d) = %v, want %v", x, y, back.RGBAAt(x, y), src.RGBAAt(x, y))
			}
			if got := f.Image().At(x, y); got != color.Color(src.RGBAAt(x, y)) {
				t.Fatalf("Image().At(%d,%d) = %v", x, y, got)
			}
		}
	}
	// ToRGBA reuses a destination of the right size.
	if again := f.ToRGBA(back); again != back {
		t.Error("ToRGBA did not reuse its destination")
	}
	// Other image types and transparency (over white).
	g := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	g.Set(0, 0, color.NRGBA{0, 0, 0, 0})
	if ff := FromImage(g); ff.Pix[0] != 255 || ff.Pix[2] != 255 {
		t.Errorf("transparent pixel = %v, want white", ff.Pix)
	}
	// A BGR sub-image.
	sub := &BGR{Pix: f.Pix[(1*5+1)*3:], Stride: 15, Rect: image.Rect(1, 1, 3, 3)}
	if s := FromImage(sub); s.Width != 2 || s.Pix[0] != f.Pix[(1*5+1)*3] {
		t.Errorf("sub-image copy wrong: %v", s.Pix)
	}
	c := f.Clone()
	c.Pix[0]++
	if c.Pix[0] == f.Pix[0] {
		t.Error("Clone shares pixels")
	}
}

var argCases = []struct {
	arg  string
	path string
	o    Options
	ok   bool
}{
	{"", "", Options{}, true},
	{"/dev/video0", "/dev/video0", Options{}, true},
	{"0?size=1280x720&fps=30&mjpg=1", "0", Options{Width: 1280, Height: 720, FPS: 30, MJPG: true}, true},
	{"frames/?fps=7.5&loop", "frames/", Options{FPS: 7.5, Loop: true}, true},
	{"a.png?loop=0&mjpg=false", "a.png", Options{}, true},
	{"sim-live?fps=10&step=1", "sim-live", Options{FPS: 10, Step: true}, true},
	{"x?step=sometimes", "", Options{}, false},
	{"x?size=10x10", "", Options{}, false},
	{"x?size=640", "", Options{}, false},
	{"x?fps=0", "", Options{}, false},
	{"x?fps=NaN", "", Options{}, false},
	{"x?mjpg=maybe", "", Options{}, false},
	{"x?colour=red", "", Options{}, false},
	{"x?fps=%zz", "", Options{}, false},
}

func TestParseArg(t *testing.T) {
	for _, tc := range argCases {
		path, o, err := ParseArg(tc.arg)
		if (err == nil) != tc.ok {
			t.Errorf("ParseArg(%q) error %v, want ok=%v", tc.arg, err, tc.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrBadSpec) {
				t.Errorf("ParseArg(%q): %v does not wrap ErrBadSpec", tc.arg, err)
			}
			continue
		}
		if path != tc.path || o != tc.o {
			t.Errorf("ParseArg(%q) = %q %+v, want %q %+v", tc.arg, path, o, tc.path, tc.o)
		}
	}
}

func FuzzParseArg(f *testing.F) {
	for _, tc := range argCases {
		f.Add(tc.arg)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		_, o, err := ParseArg(arg)
		if err != nil {
			if !errors.Is(err, ErrBadSpec) {
				t.Fatalf("%q: %v does not wrap ErrBadSpec", arg, err)
			}
			return
		}
		if o.FPS < 0 || o.FPS > 240 || (o.Width == 0) != (o.Height == 0) {
			t.Fatalf("%q: accepted bad options %+v", arg, o)
		}
	})
}

func TestPacer(t *testing.T) {
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	clk := clocktest.New(start)
	p := NewPacer(clk, 10)
	ctx := context.Background()
	if got, err := p.Wait(ctx); err != nil || !got.Equal(start) {
		t.Fatalf("first frame at %v, %v: want at once", got, err)
	}
	got := advanceUntil(t, clk, func() (time.Time, error) { return p.Wait(ctx) })
	if want := start.Add(100 * time.Millisecond); !got.Equal(want) {
		t.Errorf("second frame at %v, want %v", got, want)
	}
	// Falling behind does not give a burst: the schedule restarts.
	clk.Advance(time.Second)
	if got, _ := p.Wait(ctx); !got.Equal(clk.Now()) {
		t.Errorf("late frame at %v, want now %v", got, clk.Now())
	}
	// Cancelled wait.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Wait(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
}

// A stepping pacer never drops a frame: late frames come at once, each
// stamped with its place in the schedule, and an early one still waits.
func TestStepPacer(t *testing.T) {
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	clk := clocktest.New(start)
	p := NewStepPacer(clk, 10)
	ctx := context.Background()
	if got, err := p.Wait(ctx); err != nil || !got.Equal(start) {
		t.Fatalf("first frame at %v, %v: want at once", got, err)
	}
	clk.Advance(time.Second) // the reader was busy for ten frames
	for i := 1; i <= 10; i++ {
		got, err := p.Wait(ctx)
		if want := start.Add(time.Duration(i) * 100 * time.Millisecond); err != nil || !got.Equal(want) {
			t.Fatalf("late frame %d at %v, %v: want %v at once", i, got, err, want)
		}
	}
	got := advanceUntil(t, clk, func() (time.Time, error) { return p.Wait(ctx) })
	if want := start.Add(1100 * time.Millisecond); !got.Equal(want) {
		t.Errorf("caught-up frame at %v, want %v", got, want)
	}
}

// advanceUntil runs wait in a goroutine and advances the fake clock by
// 10 ms steps until it returns; it checks the result was not released
// before its time.
func advanceUntil(t *testing.T, clk *clocktest.Fake, wait func() (time.Time, error)) time.Time {
	t.Helper()
	type res struct {
		at  time.Time
		err error
	}
	done := make(chan res, 1)
	go func() {
		at, err := wait()
		done <- res{at, err}
	}()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case r := <-done:
			if r.err != nil {
				t.Fatal(r.err)
			}
			if clk.Now().Before(r.at) {
				t.Fatalf("frame due %v released at %v", r.at, clk.Now())
			}
			return r.at
		default:
			runtime.Gosched()
			if clk.Pending() > 0 {
				clk.Advance(10 * time.Millisecond)
			}
		}
	}
	t.Fatal("wait never returned")
	return time.Time{}
}
