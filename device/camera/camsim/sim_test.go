package camsim

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/logx"
)

// writePhoto writes a small test photo: a dark disc on light grey.
func writePhoto(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 60, 80))
	for y := 0; y < 80; y++ {
		for x := 0; x < 60; x++ {
			c := color.RGBA{220, 220, 220, 255}
			if (x-30)*(x-30)+(y-40)*(y-40) < 400 {
				c = color.RGBA{90, 60, 40, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	p := filepath.Join(t.TempDir(), "face.png")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func next(t *testing.T, clk *clocktest.Fake, c camera.Camera) camera.Frame {
	t.Helper()
	type res struct {
		f   camera.Frame
		err error
	}
	done := make(chan res, 1)
	go func() {
		f, err := c.Next(context.Background())
		done <- res{f, err}
	}()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case r := <-done:
			if r.err != nil {
				t.Fatal(r.err)
			}
			return r.f
		default:
			runtime.Gosched()
			if clk.Pending() > 0 {
				clk.Advance(5 * time.Millisecond)
			}
		}
	}
	t.Fatal("Next never returned")
	return camera.Frame{}
}

func TestSimFrames(t *testing.T) {
	start := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	clk := clocktest.New(start)
	photo := writePhoto(t)
	env := hw.Env{Clock: clk, Log: logx.Discard(), ConfigDir: filepath.Dir(photo)}
	cam, rep := camera.Backends.Open(context.Background(), "sim:face.png?fps=20&size=160x120", env)
	if rep.Status != hw.Loaded {
		t.Fatal(rep)
	}
	defer cam.Close()
	if w, h := cam.Size(); w != 160 || h != 120 {
		t.Fatalf("size %dx%d, want 160x120", w, h)
	}
	var frames []camera.Frame
	for i := 0; i < 40; i++ {
		frames = append(frames, next(t, clk, cam))
	}
	moved := false
	for i, f := range frames {
		if err := f.Check(); err != nil || f.Width != 160 {
			t.Fatalf("frame %d: %v", i, err)
		}
		if f.Seq != uint64(i) {
			t.Errorf("frame %d has Seq %d", i, f.Seq)
		}
		if want := start.Add(time.Duration(i) * 50 * time.Millisecond); !f.Time.Equal(want) {
			t.Errorf("frame %d at %v, want %v", i, f.Time, want)
		}
		if i > 0 && !bytes.Equal(f.Pix, frames[0].Pix) {
			moved = true
		}
	}
	if !moved {
		t.Error("the simulated face never moved")
	}
	// The corner is background, the centre is the face photo.
	f := frames[0]
	if c := f.Image().At(2, 2); c != color.Color(Background) {
		t.Errorf("corner %v, want background %v", c, Background)
	}
	if r, _, _, _ := f.Image().At(80, 60).RGBA(); r>>8 != 90 {
		t.Errorf("centre red %d, want the photo's 90", r>>8)
	}
	cam.Close()
	if _, err := cam.Next(context.Background()); !errors.Is(err, camera.ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
}

// With step=1 a reader that falls behind still gets every frame, each at
// its place in the schedule: the scene is drawn at that time, not now.
func TestSimStepFrames(t *testing.T) {
	start := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	photo := writePhoto(t)
	open := func(spec string) (camera.Camera, *clocktest.Fake) {
		clk := clocktest.New(start)
		env := hw.Env{Clock: clk, Log: logx.Discard(), ConfigDir: filepath.Dir(photo)}
		cam, rep := camera.Backends.Open(context.Background(), spec, env)
		if rep.Status != hw.Loaded {
			t.Fatal(rep)
		}
		t.Cleanup(func() { cam.Close() })
		return cam, clk
	}
	ref, refClk := open("sim:face.png?fps=20&size=160x120")
	var want []camera.Frame
	for i := 0; i < 10; i++ {
		want = append(want, next(t, refClk, ref))
	}
	cam, clk := open("sim:face.png?fps=20&size=160x120&step=1")
	for i := 0; i < 10; i++ {
		f, err := cam.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second) // a slow reader: 20 frames' time between reads
		if f.Seq != uint64(i) || !f.Time.Equal(want[i].Time) || !bytes.Equal(f.Pix, want[i].Pix) {
			t.Fatalf("frame %d: seq %d at %v, want the frame the camera shows at %v", i, f.Seq, f.Time, want[i].Time)
		}
	}
}

func TestSimErrors(t *testing.T) {
	env := hw.Env{Clock: clocktest.New(time.Unix(0, 0))}
	bad := filepath.Join(t.TempDir(), "bad.png")
	os.WriteFile(bad, []byte("not a png"), 0o644)
	for _, spec := range []string{"sim:/nonexistent/face.png", "sim:" + bad, "sim:?fps=-1", "sim:?what=1"} {
		if _, rep := camera.Backends.Open(context.Background(), spec, env); rep.Status != hw.Failed || rep.Err == nil {
			t.Errorf("%s: %v, want failed", spec, rep)
		}
	}
	// A cancelled context ends a wait.
	cam := New(NewStill(image.NewRGBA(image.Rect(0, 0, 10, 10)), 64, 48), clocktest.New(time.Unix(0, 0)), 64, 48, 5)
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := cam.Next(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := cam.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestDefaultPhoto(t *testing.T) {
	if _, err := os.Stat(DefaultPhoto); err != nil {
		t.Skipf("%s absent (Debian package python3-imageio): %v", DefaultPhoto, err)
	}
	clk := clocktest.New(time.Unix(0, 0))
	cam, err := Open(context.Background(), "", hw.Env{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	f := next(t, clk, cam)
	if f.Width != 640 || f.Height != 480 {
		t.Errorf("size %dx%d", f.Width, f.Height)
	}
}
