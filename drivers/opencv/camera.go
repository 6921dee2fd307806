package opencv

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/hw"
)

func init() {
	camera.Backends.Register("v4l2", OpenV4L2)
	camera.Backends.RegisterSim("file", OpenFile)
	camera.Backends.RegisterSim("dir", OpenDir)
}

// grabber is what Capture reads frames from: a gocv.VideoCapture, or a
// fake in tests.
type grabber interface {
	Read(m *gocv.Mat) bool
	Close() error
}

// Capture is a camera on an OpenCV VideoCapture: a V4L2 device or a video
// file. A device that stops delivering frames is closed and reopened.
type Capture struct {
	name   string
	open   func() (grabber, error)
	clk    clock.Clock
	pacer  *camera.Pacer // files only: devices pace themselves
	retry  time.Duration // reopen interval for devices; 0 for files
	loop   bool
	w, h   int
	forceW int // resize frames to this size when > 0
	forceH int

	mu     sync.Mutex
	g      grabber
	buf    gocv.Mat
	sized  gocv.Mat
	retain bool // buf holds the frame read at open time
	seq    uint64
	closed bool
}

var _ camera.Camera = (*Capture)(nil)

// OpenV4L2 opens "v4l2:/dev/videoN" or "v4l2:N" with options size, fps,
// mjpg.
func OpenV4L2(ctx context.Context, arg string, env hw.Env) (camera.Camera, error) {
	path, o, err := camera.ParseArg(arg)
	if err != nil {
		return nil, err
	}
	if _, err := v4l2Index(path); err != nil {
		return nil, err
	}
	open := func() (grabber, error) {
		if strings.HasPrefix(path, "/") {
			if _, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("opencv: camera %s: %w: %v", path, camera.ErrGone, err)
			}
		}
		// A udev symlink (/dev/camera) may point at another videoN after
		// a replug: resolve it at every open.
		idx, err := v4l2Index(path)
		if err != nil {
			return nil, err
		}
		vc, err := gocv.VideoCaptureDeviceWithAPI(idx, gocv.VideoCaptureV4L2)
		if err != nil || !vc.IsOpened() {
			if vc != nil {
				vc.Close()
			}
			return nil, fmt.Errorf("opencv: camera %s: %w: cannot open (is it plugged in? permission: add the kiosk user to group video)", path, camera.ErrGone)
		}
		if o.MJPG {
			vc.Set(gocv.VideoCaptureFOURCC, vc.ToCodec("MJPG"))
		}
		if o.Width > 0 {
			vc.Set(gocv.VideoCaptureFrameWidth, float64(o.Width))
			vc.Set(gocv.VideoCaptureFrameHeight, float64(o.Height))
		}
		if o.FPS > 0 {
			vc.Set(gocv.VideoCaptureFPS, o.FPS)
		}
		return vc, nil
	}
	return newCapture(ctx, path, open, envClock(env), 0, o.Width, o.Height, time.Second, false)
}

// v4l2Index turns "/dev/video2", "video2" or "2" into 2.
func v4l2Index(path string) (int, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(path, "/dev/"), "video")
	if strings.HasPrefix(path, "/") {
		p, err := filepath.EvalSymlinks(path)
		if err != nil {
			return 0, fmt.Errorf("opencv: camera %s: %w: %v (is it plugged in?)", path, camera.ErrGone, err)
		}
		s = strings.TrimPrefix(filepath.Base(p), "video")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return 0, fmt.Errorf("opencv: camera %q: %w: want /dev/videoN or an index", path, camera.ErrBadSpec)
	}
	return n, nil
}

// OpenFile opens "file:clip.mp4" with options fps (default 30), loop,
// size.
func OpenFile(ctx context.Context, arg string, env hw.Env) (camera.Camera, error) {
	path, o, err := camera.ParseArg(arg)
	if err != nil {
		return nil, err
	}
	path = env.Resolve(path)
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		if err == nil {
			err = errors.New("is a folder (use dir:)")
		}
		return nil, fmt.Errorf("opencv: video %s: %v", path, err)
	}
	open := func() (grabber, error) {
		vc, err := gocv.VideoCaptureFile(path)
		if err != nil || !vc.IsOpened() {
			if vc != nil {
				vc.Close()
			}
			return nil, fmt.Errorf("opencv: video %s: cannot open: %v", path, err)
		}
		return vc, nil
	}
	fps := o.FPS
	if fps == 0 {
		fps = 30
	}
	c, err := newCapture(ctx, path, open, envClock(env), fps, o.Width, o.Height, 0, o.Loop)
	if err == nil && o.Step {
		c.pacer = camera.NewStepPacer(envClock(env), fps)
	}
	return c, err
}

func envClock(env hw.Env) clock.Clock {
	if env.Clock == nil {
		return clock.Real{}
	}
	return env.Clock
}

// newCapture opens the source and reads one frame to learn its size.
func newCapture(ctx context.Context, name string, open func() (grabber, error), clk clock.Clock, fps float64, w, h int, retry time.Duration, loop bool) (*Capture, error) {
	c := &Capture{name: name, open: open, clk: clk, retry: retry, loop: loop, forceW: w, forceH: h, buf: gocv.NewMat(), sized: gocv.NewMat()}
	if fps > 0 {
		c.pacer = camera.NewPacer(clk, fps)
	}
	g, err := open()
	if err != nil {
		c.buf.Close()
		c.sized.Close()
		return nil, err
	}
	c.g = g
	if !g.Read(&c.buf) || c.buf.Empty() {
		g.Close()
		c.buf.Close()
		c.sized.Close()
		return nil, fmt.Errorf("opencv: camera %s: %w: no first frame", name, camera.ErrGone)
	}
	c.w, c.h = c.buf.Cols(), c.buf.Rows()
	if w > 0 {
		c.w, c.h = w, h
	}
	c.retain = true
	return c, nil
}

// Size is the frame size.
func (c *Capture) Size() (int, int) { return c.w, c.h }

// Next returns the next frame. A device that fails is reopened every
// second until it delivers again or ctx ends (the error then wraps
// camera.ErrGone).
func (c *Capture) Next(ctx context.Context) (camera.Frame, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return camera.Frame{}, fmt.Errorf("opencv: camera %s: %w", c.name, camera.ErrClosed)
	}
	var t time.Time
	if c.pacer != nil {
		var err error
		if t, err = c.pacer.Wait(ctx); err != nil {
			return camera.Frame{}, err
		}
	}
	if err := c.read(ctx); err != nil {
		return camera.Frame{}, err
	}
	if c.pacer == nil {
		t = c.clk.Now()
	}
	src := c.buf
	if src.Cols() != c.w || src.Rows() != c.h {
		gocv.Resize(src, &c.sized, image.Pt(c.w, c.h), 0, 0, gocv.InterpolationArea)
		src = c.sized
	}
	if src.Type() != gocv.MatTypeCV8UC3 {
		return camera.Frame{}, fmt.Errorf("opencv: camera %s: %w: pixel type %v", c.name, camera.ErrBadFrame, src.Type())
	}
	f := camera.NewFrame(c.w, c.h)
	if err := copyFromMat(f.Pix, src); err != nil {
		return camera.Frame{}, fmt.Errorf("opencv: camera %s: %w", c.name, err)
	}
	f.Seq, f.Time = c.seq, t
	c.seq++
	return f, nil
}

// read fills c.buf with the next frame, handling the end of files and
// devices that went away.
func (c *Capture) read(ctx context.Context) error {
	if c.retain { // the frame read at open time
		c.retain = false
		return nil
	}
	if c.g != nil && c.g.Read(&c.buf) && !c.buf.Empty() {
		return nil
	}
	if c.retry == 0 { // a file at its end
		if !c.loop {
			return fmt.Errorf("opencv: video %s: %w", c.name, camera.ErrEnd)
		}
		c.g.Close()
		c.g = nil
		g, err := c.open()
		if err != nil {
			return err
		}
		c.g = g
		if g.Read(&c.buf) && !c.buf.Empty() {
			return nil
		}
		return fmt.Errorf("opencv: video %s: %w: no frames", c.name, camera.ErrEnd)
	}
	// A device: reopen until it works again or ctx ends.
	var last error = errors.New("read failed")
	for {
		if c.g != nil {
			c.g.Close()
			c.g = nil
		}
		g, err := c.open()
		if err == nil {
			c.g = g
			if g.Read(&c.buf) && !c.buf.Empty() {
				return nil
			}
			err = errors.New("opened but delivered no frame")
		}
		last = err
		tm := c.clk.NewTimer(c.retry)
		select {
		case <-ctx.Done():
			tm.Stop()
			return fmt.Errorf("opencv: camera %s: %w: %v (%v)", c.name, camera.ErrGone, last, ctx.Err())
		case <-tm.C():
		}
	}
}

// Close releases the device.
func (c *Capture) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.g != nil {
		c.g.Close()
	}
	c.buf.Close()
	c.sized.Close()
	return nil
}

// Dir is a camera showing the images of a folder in name order.
type Dir struct {
	path  string
	files []string
	pacer *camera.Pacer
	loop  bool
	w, h  int

	mu     sync.Mutex
	next   int
	seq    uint64
	closed bool
}

var _ camera.Camera = (*Dir)(nil)

var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".bmp": true, ".pgm": true, ".ppm": true, ".webp": true}

// OpenDir opens "dir:frames/" with options fps (default 10), loop, size.
// Frames of another size than the first (or than size=) are resized.
func OpenDir(ctx context.Context, arg string, env hw.Env) (camera.Camera, error) {
	path, o, err := camera.ParseArg(arg)
	if err != nil {
		return nil, err
	}
	path = env.Resolve(path)
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("opencv: image folder: %w", err)
	}
	d := &Dir{path: path, loop: o.Loop}
	for _, e := range ents {
		if !e.IsDir() && imageExts[strings.ToLower(filepath.Ext(e.Name()))] {
			d.files = append(d.files, filepath.Join(path, e.Name()))
		}
	}
	sort.Strings(d.files)
	if len(d.files) == 0 {
		return nil, fmt.Errorf("opencv: image folder %s: no images (.jpg, .png, ...)", path)
	}
	fps := o.FPS
	if fps == 0 {
		fps = 10
	}
	d.pacer = camera.NewPacer(envClock(env), fps)
	if o.Step {
		d.pacer = camera.NewStepPacer(envClock(env), fps)
	}
	d.w, d.h = o.Width, o.Height
	if d.w == 0 {
		first, err := ReadImage(d.files[0])
		if err != nil {
			return nil, err
		}
		d.w, d.h = first.Width, first.Height
	}
	return d, nil
}

// Size is the frame size.
func (d *Dir) Size() (int, int) { return d.w, d.h }

// Next returns the next image when it is due. An image that cannot be
// decoded fails this call (naming the file); the next call goes on with
// the following image.
func (d *Dir) Next(ctx context.Context) (camera.Frame, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return camera.Frame{}, fmt.Errorf("opencv: image folder %s: %w", d.path, camera.ErrClosed)
	}
	if d.next >= len(d.files) {
		if !d.loop {
			return camera.Frame{}, fmt.Errorf("opencv: image folder %s: %w", d.path, camera.ErrEnd)
		}
		d.next = 0
	}
	t, err := d.pacer.Wait(ctx)
	if err != nil {
		return camera.Frame{}, err
	}
	file := d.files[d.next]
	d.next++
	f, err := ReadImage(file)
	if err != nil {
		return camera.Frame{}, fmt.Errorf("%w: %w", camera.ErrBadFrame, err)
	}
	if f.Width != d.w || f.Height != d.h {
		if f, err = resizeFrame(&f, d.w, d.h); err != nil {
			return camera.Frame{}, err
		}
	}
	f.Seq, f.Time = d.seq, t
	d.seq++
	return f, nil
}

// Close ends the camera.
func (d *Dir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	return nil
}

// resizeFrame scales a frame to w x h (area interpolation).
func resizeFrame(f *camera.Frame, w, h int) (camera.Frame, error) {
	src := gocv.NewMat()
	defer src.Close()
	if err := loadFrame(&src, f); err != nil {
		return camera.Frame{}, err
	}
	dst := gocv.NewMat()
	defer dst.Close()
	gocv.Resize(src, &dst, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
	return frameFromMat(dst)
}
