package opencv

import (
	"context"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/camera/camsim"
	"github.com/hbzk/kiosk/device/clock/clocktest"
)

// lvClip is a simulated camera under a fake clock that moves on by one
// frame period before each frame, so a check runs as fast as the analyser
// goes, with the timestamps of a 30 fps camera.
type lvClip struct {
	*camsim.Camera
	clk   *clocktest.Fake
	left  int
	first bool
}

func newClip(scene camsim.Scene, seconds float64) *lvClip {
	clk := clocktest.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	return &lvClip{Camera: camsim.New(scene, clk, 640, 480, 30), clk: clk, left: int(seconds * 30), first: true}
}

func (c *lvClip) Next(ctx context.Context) (camera.Frame, error) {
	if c.left <= 0 {
		return camera.Frame{}, camera.ErrEnd
	}
	c.left--
	if !c.first {
		c.clk.Advance(time.Second / 30)
	}
	c.first = false
	return c.Camera.Next(ctx)
}
