package opencv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/face"
	"github.com/hbzk/kiosk/device/hw"
)

var t0 = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

// next calls c.Next, advancing the fake clock in 1 ms steps while it waits.
func next(t *testing.T, clk *clocktest.Fake, c camera.Camera) (camera.Frame, error) {
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
			return r.f, r.err
		default:
			runtime.Gosched()
			if clk.Pending() > 0 {
				clk.Advance(5 * time.Millisecond)
			}
		}
	}
	t.Fatal("Next never returned")
	return camera.Frame{}, nil
}

func TestFileCamera(t *testing.T) {
	clip := gocvImage(t, "images/small.mp4")
	clk := clocktest.New(t0)
	env := hw.Env{Clock: clk, ConfigDir: filepath.Dir(clip)}
	cam, rep := camera.Backends.Open(context.Background(), "file:small.mp4?fps=25", env)
	if rep.Status != hw.Loaded {
		t.Fatal(rep)
	}
	defer cam.Close()
	w, h := cam.Size()
	if w < 16 || h < 16 {
		t.Fatalf("size %dx%d", w, h)
	}
	n := 0
	for ; n < 10000; n++ {
		f, err := next(t, clk, cam)
		if errors.Is(err, camera.ErrEnd) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Width != w || f.Height != h || f.Check() != nil || f.Seq != uint64(n) {
			t.Fatalf("frame %d: %dx%d seq %d", n, f.Width, f.Height, f.Seq)
		}
		if want := t0.Add(time.Duration(n) * 40 * time.Millisecond); !f.Time.Equal(want) {
			t.Fatalf("frame %d at %v, want %v", n, f.Time, want)
		}
	}
	if n < 2 {
		t.Errorf("only %d frames", n)
	}
	if testing.Verbose() {
		t.Logf("%d frames of %dx%d", n, w, h)
	}
	// size= resizes (looping: TestCaptureLoops).
	loop, rep := camera.Backends.Open(context.Background(), "file:"+clip+"?loop=1&size=64x48", hw.Env{Clock: clk})
	if rep.Status != hw.Loaded {
		t.Fatal(rep)
	}
	defer loop.Close()
	for i := 0; i < 3; i++ {
		f, err := next(t, clk, loop)
		if err != nil || f.Width != 64 || f.Height != 48 {
			t.Fatalf("looped frame %d: %v %dx%d", i, err, f.Width, f.Height)
		}
	}
	loop.Close()
	if _, err := loop.Next(context.Background()); !errors.Is(err, camera.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestDirCamera(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, gocvImage(t, "images/face.jpg"), filepath.Join(dir, "01.jpg"))
	os.WriteFile(filepath.Join(dir, "02.jpg"), []byte("broken"), 0o644)
	copyFile(t, gocvImage(t, "images/face-detect.jpg"), filepath.Join(dir, "03.jpg"))
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644)
	clk := clocktest.New(t0)
	cam, rep := camera.Backends.Open(context.Background(), "dir:"+dir+"?fps=5", hw.Env{Clock: clk})
	if rep.Status != hw.Loaded {
		t.Fatal(rep)
	}
	defer cam.Close()
	if w, h := cam.Size(); w != 640 || h != 480 {
		t.Fatalf("size %dx%d, want the first image's 640x480", w, h)
	}
	f, err := next(t, clk, cam)
	if err != nil || f.Seq != 0 || !f.Time.Equal(t0) {
		t.Fatalf("first: %v seq %d at %v", err, f.Seq, f.Time)
	}
	if _, err := next(t, clk, cam); !errors.Is(err, face.ErrBadImage) || !errors.Is(err, camera.ErrBadFrame) {
		t.Fatalf("broken image: %v", err)
	}
	f, err = next(t, clk, cam)
	if err != nil || f.Width != 640 || f.Height != 480 || f.Seq != 1 {
		t.Fatalf("third (resized): %v %dx%d seq %d", err, f.Width, f.Height, f.Seq)
	}
	if want := t0.Add(400 * time.Millisecond); !f.Time.Equal(want) {
		t.Errorf("third at %v, want %v", f.Time, want)
	}
	if _, err := next(t, clk, cam); !errors.Is(err, camera.ErrEnd) {
		t.Errorf("end: %v", err)
	}
	for _, spec := range []string{"dir:" + filepath.Join(dir, "none"), "dir:" + t.TempDir(), "dir:" + dir + "?fps=0"} {
		if _, rep := camera.Backends.Open(context.Background(), spec, hw.Env{Clock: clk}); rep.Status != hw.Failed {
			t.Errorf("%s: %v, want failed", spec, rep)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(to, data, 0o644)
}

func TestV4L2Errors(t *testing.T) {
	env := hw.Env{Clock: clocktest.New(t0)}
	for _, tc := range []struct {
		spec string
		want error
	}{
		{"v4l2:/dev/video-kiosk-test-none", camera.ErrGone},
		{"v4l2:/dev/null", camera.ErrBadSpec},
		{"v4l2:/dev/video97", camera.ErrGone},
		{"v4l2:abc", camera.ErrBadSpec},
		{"v4l2:0?size=1x1", camera.ErrBadSpec},
	} {
		_, rep := camera.Backends.Open(context.Background(), tc.spec, env)
		if rep.Status != hw.Failed || !errors.Is(rep.Err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.spec, rep, tc.want)
		}
	}
	if _, rep := camera.Backends.Open(context.Background(), "file:/nonexistent.mp4", env); rep.Status != hw.Failed {
		t.Errorf("missing file: %v", rep)
	}
}

// fakeGrabber delivers frames until it is "unplugged".
type fakeGrabber struct {
	frames int
	closed bool
}

func (g *fakeGrabber) Read(m *gocv.Mat) bool {
	if g.frames == 0 {
		return false
	}
	g.frames--
	if m.Empty() {
		m.Close()
		*m = gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	}
	return true
}

func (g *fakeGrabber) Close() error { g.closed = true; return nil }

// TestCaptureReopens: a device that stops delivering is closed and reopened
// every second on the clock until it is back.
func TestCaptureReopens(t *testing.T) {
	clk := clocktest.New(t0)
	var opens atomic.Int32
	var plugged atomic.Bool
	plugged.Store(true)
	var mu sync.Mutex
	var grabbers []*fakeGrabber
	open := func() (grabber, error) {
		opens.Add(1)
		if !plugged.Load() {
			return nil, camera.ErrGone
		}
		g := &fakeGrabber{frames: 3}
		mu.Lock()
		grabbers = append(grabbers, g)
		mu.Unlock()
		return g, nil
	}
	c, err := newCapture(context.Background(), "fake", open, clk, 0, 0, 0, time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 3; i++ { // the first was read at open
		if _, err := next(t, clk, c); err != nil {
			t.Fatal(err)
		}
	}
	plugged.Store(false)
	// Unplugged: Next retries until ctx ends, then reports ErrGone.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Next(ctx)
		done <- err
	}()
	for opens.Load() < 4 {
		runtime.Gosched()
		if clk.Pending() > 0 {
			clk.Advance(time.Second)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, camera.ErrGone) {
		t.Fatalf("unplugged: %v", err)
	}
	mu.Lock()
	if !grabbers[0].closed {
		t.Error("the dead device was not closed")
	}
	mu.Unlock()
	plugged.Store(true)
	f, err := next(t, clk, c)
	if err != nil || f.Width != 64 {
		t.Fatalf("after replug: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(grabbers) != 2 {
		t.Errorf("%d opens succeeded, want 2", len(grabbers))
	}
}

// TestCaptureLoops: a file source with loop=1 reopens at its end.
func TestCaptureLoops(t *testing.T) {
	clk := clocktest.New(t0)
	opens := 0
	open := func() (grabber, error) {
		opens++
		return &fakeGrabber{frames: 2}, nil
	}
	c, err := newCapture(context.Background(), "clip", open, clk, 10, 0, 0, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 7; i++ {
		f, err := next(t, clk, c)
		if err != nil || f.Seq != uint64(i) {
			t.Fatalf("frame %d: %v seq %d", i, err, f.Seq)
		}
	}
	if opens != 4 {
		t.Errorf("%d opens for 7 frames of a 2-frame clip, want 4", opens)
	}
	once, err := newCapture(context.Background(), "clip", open, clk, 10, 0, 0, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	defer once.Close()
	for i := 0; i < 2; i++ {
		if _, err := next(t, clk, once); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := next(t, clk, once); !errors.Is(err, camera.ErrEnd) {
		t.Errorf("end of clip: %v", err)
	}
}
