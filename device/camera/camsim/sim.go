// Package camsim is the simulated camera ("sim:" in camera.Backends): frames
// rendered in pure Go by a Scene at a steady rate on the injected clock. The
// default scene places a still face photo on a plain background at 640x480
// and moves it a little, as a candidate standing in front of the kiosk does.
//
// Spec: "sim:" (the default photo), "sim:PHOTO", with camera options after
// a '?': "sim:face.png?fps=15&size=800x600".
package camsim

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/clock"
)

// DefaultPhoto is the face the simulator shows when its spec names none:
// NASA's portrait of Eileen Collins, shipped by Debian's python3-imageio.
const DefaultPhoto = "/usr/lib/python3/dist-packages/imageio/resources/images/astronaut.png"

// Scene draws what the simulated camera sees.
type Scene interface {
	// Render draws frame n, taken t after the camera opened, into dst.
	// dst has the camera's size and holds the previous frame's picture.
	Render(dst *image.RGBA, n uint64, t time.Duration)
}

// Camera is the simulated camera.
type Camera struct {
	scene  Scene
	clk    clock.Clock
	pacer  *camera.Pacer
	w, h   int
	start  time.Time
	canvas *image.RGBA

	mu     sync.Mutex
	seq    uint64
	closed bool
}

var _ camera.Camera = (*Camera)(nil)

// New makes a simulated camera of size w x h rendering scene at fps.
func New(scene Scene, clk clock.Clock, w, h int, fps float64) *Camera {
	return &Camera{
		scene:  scene,
		clk:    clk,
		pacer:  camera.NewPacer(clk, fps),
		w:      w,
		h:      h,
		start:  clk.Now(),
		canvas: image.NewRGBA(image.Rect(0, 0, w, h)),
	}
}

// Open opens "sim:[PHOTO][?options]" from the registry.
func Open(ctx context.Context, arg string, env hwEnv) (camera.Camera, error) {
	path, o, err := camera.ParseArg(arg)
	if err != nil {
		return nil, err
	}
	if path == "" {
		path = DefaultPhoto
	} else {
		path = env.Resolve(path)
	}
	if o.Width == 0 {
		o.Width, o.Height = 640, 480
	}
	scene, err := LoadStill(path, o.Width, o.Height)
	if err != nil {
		return nil, err
	}
	clk := env.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	return open(scene, clk, o), nil
}

// open makes the camera of a spec's options: "step" paces without
// dropping frames (camera.NewStepPacer).
func open(scene Scene, clk clock.Clock, o camera.Options) *Camera {
	c := New(scene, clk, o.Width, o.Height, o.FPS)
	if o.Step {
		c.pacer = camera.NewStepPacer(clk, o.FPS)
	}
	return c
}

// Size is the frame size.
func (c *Camera) Size() (int, int) { return c.w, c.h }

// Next renders the next frame when it is due on the clock.
func (c *Camera) Next(ctx context.Context) (camera.Frame, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return camera.Frame{}, fmt.Errorf("camsim: %w", camera.ErrClosed)
	}
	t, err := c.pacer.Wait(ctx)
	if err != nil {
		return camera.Frame{}, err
	}
	c.scene.Render(c.canvas, c.seq, t.Sub(c.start))
	f := camera.FromImage(c.canvas)
	f.Seq, f.Time = c.seq, t
	c.seq++
	return f, nil
}

// Close stops the camera.
func (c *Camera) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// Background is the plain wall behind the simulated candidate.
var Background = color.RGBA{R: 0xb8, G: 0xc0, B: 0xc4, A: 0xff}
