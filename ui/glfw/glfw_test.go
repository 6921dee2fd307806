package glfw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/hbzk/kiosk/ui"
	"github.com/hbzk/kiosk/ui/i18n"
)

func TestViewport(t *testing.T) {
	tests := []struct {
		w, h, fw, fh int
		want         image.Rectangle
	}{
		{1280, 800, 1280, 800, image.Rect(0, 0, 1280, 800)},
		{800, 600, 1280, 800, image.Rect(0, 50, 800, 550)},     // letterbox
		{1920, 1080, 1280, 800, image.Rect(96, 0, 1824, 1080)}, // pillarbox
		{640, 400, 1280, 800, image.Rect(0, 0, 640, 400)},
		{0, 0, 1280, 800, image.Rectangle{}},
		{800, 600, 0, 0, image.Rectangle{}},
	}
	for _, tt := range tests {
		if got := viewport(tt.w, tt.h, tt.fw, tt.fh); got != tt.want {
			t.Errorf("viewport(%d,%d,%d,%d) = %v, want %v", tt.w, tt.h, tt.fw, tt.fh, got, tt.want)
		}
	}
}

func TestToFrame(t *testing.T) {
	tests := []struct {
		cx, cy               float64
		winW, winH, fbW, fbH int
		wantPt               image.Point
		wantOK               bool
	}{
		{400, 300, 800, 600, 800, 600, image.Pt(640, 400), true},   // centre
		{0, 50, 800, 600, 800, 600, image.Pt(0, 0), true},          // frame's corner
		{400, 20, 800, 600, 800, 600, image.Point{}, false},        // top bar
		{400, 580, 800, 600, 800, 600, image.Point{}, false},       // bottom bar
		{200, 150, 400, 300, 800, 600, image.Pt(640, 400), true},   // HiDPI: fb twice the window
		{640, 400, 1280, 800, 1280, 800, image.Pt(640, 400), true}, // same size
		{1, 1, 0, 0, 0, 0, image.Point{}, false},
	}
	for _, tt := range tests {
		got, ok := toFrame(tt.cx, tt.cy, tt.winW, tt.winH, tt.fbW, tt.fbH, 1280, 800)
		if ok != tt.wantOK || (ok && got != tt.wantPt) {
			t.Errorf("toFrame(%v,%v in %dx%d) = %v %v, want %v %v", tt.cx, tt.cy, tt.winW, tt.winH, got, ok, tt.wantPt, tt.wantOK)
		}
	}
}

func TestNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	err := New(Options{}).Run(context.Background(), make(chan *ui.Frame), make(chan ui.Event))
	if !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("Run without a display = %v, want ErrNoDisplay", err)
	}
	if !bytes.Contains([]byte(err.Error()), []byte("xvfb-run")) {
		t.Errorf("error %q does not say to use xvfb-run", err)
	}
}

// quadrants is a 1280x800 frame of four colours.
func quadrants() *ui.Frame {
	img := image.NewRGBA(image.Rect(0, 0, 1280, 800))
	cols := []color.RGBA{{0xFF, 0, 0, 0xFF}, {0, 0xFF, 0, 0xFF}, {0, 0, 0xFF, 0xFF}, {0xFF, 0xFF, 0xFF, 0xFF}}
	for y := 0; y < 800; y++ {
		for x := 0; x < 1280; x++ {
			img.SetRGBA(x, y, cols[(y/400)*2+x/640])
		}
	}
	return &ui.Frame{Image: img, Screen: "quadrants", Lang: i18n.ZH,
		Targets: []ui.Target{{Action: ui.ActionCancel, Rect: image.Rect(0, 0, 640, 400)}}}
}

const childEnv = "KIOSK_UI_GLFW_XVFB_CHILD"

// TestXvfb opens the presenter on a virtual X server (xvfb-run, 800x600),
// shows a 1280x800 frame, and checks with ImageMagick's import that the
// screen shows it letterboxed.
func TestXvfb(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		xvfb, err := exec.LookPath("xvfb-run")
		if err != nil {
			t.Skip("skipping: xvfb-run not installed (apt-get install xvfb xauth)")
		}
		if _, err := exec.LookPath("import"); err != nil {
			t.Skip("skipping: ImageMagick's import not installed (apt-get install imagemagick)")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, xvfb, "-a", "-s", "-screen 0 800x600x24", os.Args[0], "-test.run=^TestXvfb$", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"=1")
		out, err := cmd.CombinedOutput()
		t.Logf("child output:\n%s", out)
		if err != nil {
			t.Fatalf("presenter under xvfb-run: %v", err)
		}
		if !bytes.Contains(out, []byte("--- PASS: TestXvfb")) {
			t.Fatal("the child test did not pass")
		}
		return
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	shot := filepath.Join(t.TempDir(), "root.png")
	events := make(chan ui.Event, 8)
	var got []ui.Event
	captured := make(chan error, 1)
	xdo := func(args ...string) error {
		out, err := exec.CommandContext(ctx, "xdotool", args...).CombinedOutput()
		if err != nil {
			return errors.New(err.Error() + ": " + string(out))
		}
		return nil
	}
	frames := make(chan *ui.Frame, 1)
	p := New(Options{Title: "kiosk test", Width: 800, Height: 600, OnPresent: func(*ui.Frame) {
		go func() {
			ok := false
			defer func() {
				if ok {
					close(frames) // Run ends with a Close event
				} else {
					cancel()
				}
			}()
			out, err := exec.CommandContext(ctx, "import", "-window", "root", shot).CombinedOutput()
			if err != nil {
				captured <- errors.New(err.Error() + ": " + string(out))
				return
			}
			if _, err := exec.LookPath("xdotool"); err != nil {
				t.Log("xdotool not installed: not testing input (apt-get install xdotool)")
				ok = true
				captured <- nil
				return
			}
			// A click on the top bar hits nothing and sends nothing; a
			// click in the top-left quadrant hits "cancel"; Escape maps
			// to "cancel" too.
			for _, args := range [][]string{
				{"mousemove", "400", "20", "click", "1"},
				{"mousemove", "200", "175", "click", "1"},
				{"key", "Escape"},
			} {
				if err := xdo(args...); err != nil {
					captured <- err
					return
				}
			}
			for len(got) < 2 {
				select {
				case ev := <-events:
					got = append(got, ev)
				case <-ctx.Done():
					captured <- fmt.Errorf("got events %+v, want 2", got)
					return
				}
			}
			ok = true
			captured <- nil
		}()
	}})
	frames <- quadrants()
	if err := p.Run(ctx, frames, events); err != nil {
		t.Fatal(err)
	}
	if err := <-captured; err != nil {
		t.Fatalf("capture the screen or send input: %v", err)
	}
	select {
	case ev := <-events:
		if ev.Kind != ui.Close {
			t.Errorf("after the frames ended: %+v, want a close event", ev)
		}
	default:
		t.Error("no close event after the frames ended")
	}
	if len(got) == 2 {
		tap, key := got[0], got[1]
		if tap.Kind != ui.Tap || tap.Action != ui.ActionCancel || tap.Screen != "quadrants" ||
			tap.Pos.X < 310 || tap.Pos.X > 330 || tap.Pos.Y < 190 || tap.Pos.Y > 210 {
			t.Errorf("click at screen (200,175): %+v, want a tap near frame (320,200) on cancel", tap)
		}
		if key.Kind != ui.Key || key.Key != "escape" || key.Action != ui.ActionCancel {
			t.Errorf("Escape: %+v, want key escape -> cancel", key)
		}
	}
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// 1280x800 in 800x600: 800x500 at y 50..550.
	checks := []struct {
		p    image.Point
		want color.RGBA
	}{
		{image.Pt(200, 175), color.RGBA{0xFF, 0, 0, 0xFF}},
		{image.Pt(600, 175), color.RGBA{0, 0xFF, 0, 0xFF}},
		{image.Pt(200, 425), color.RGBA{0, 0, 0xFF, 0xFF}},
		{image.Pt(600, 425), color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}},
		{image.Pt(400, 20), color.RGBA{0, 0, 0, 0xFF}},
		{image.Pt(400, 580), color.RGBA{0, 0, 0, 0xFF}},
	}
	for _, c := range checks {
		r, g, bl, _ := img.At(c.p.X, c.p.Y).RGBA()
		got := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 0xFF}
		if d := absd(got.R, c.want.R) + absd(got.G, c.want.G) + absd(got.B, c.want.B); d > 90 {
			t.Errorf("screen at %v is %v, want about %v", c.p, got, c.want)
		}
	}
}

func absd(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
