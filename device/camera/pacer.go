package camera

import (
	"context"
	"time"

	"github.com/hbzk/kiosk/device/clock"
)

// Pacer releases frames at a fixed rate on an injected clock, for sources
// that could deliver faster than real time (files, folders, the simulator).
//
// A stepping pacer (NewStepPacer) never drops a frame: frame n is stamped
// start + n periods whatever the time, waits while it is early and comes at
// once while it is late. A consumer slower than the rate then sees time
// pass more slowly instead of seeing frames skipped, so a simulated
// candidate who performs on the frames' times is seen whole however busy
// the machine is. Tests use it; a real camera never does.
type Pacer struct {
	clk    clock.Clock
	period time.Duration
	step   bool
	due    time.Time
	timer  clock.Timer
}

// NewPacer paces at fps frames a second on clk.
func NewPacer(clk clock.Clock, fps float64) *Pacer {
	if fps <= 0 {
		fps = 30
	}
	return &Pacer{clk: clk, period: time.Duration(float64(time.Second) / fps)}
}

// NewStepPacer paces at fps frames a second on clk, without dropping a
// frame when the caller falls behind (see Pacer).
func NewStepPacer(clk clock.Clock, fps float64) *Pacer {
	p := NewPacer(clk, fps)
	p.step = true
	return p
}

// Period is the time between frames.
func (p *Pacer) Period() time.Duration { return p.period }

// Wait blocks until the next frame is due and returns the time it is due
// at. The first frame is due at once. A caller that falls behind is not
// given a burst of frames to catch up: the schedule restarts from now
// (unless the pacer steps: then the late frames come at once, each with
// the time it was due at).
func (p *Pacer) Wait(ctx context.Context) (time.Time, error) {
	now := p.clk.Now()
	if p.due.IsZero() || !now.Before(p.due) {
		if p.due.IsZero() || (!p.step && now.Sub(p.due) > p.period) {
			p.due = now
		}
		t := p.due
		p.due = p.due.Add(p.period)
		return t, ctx.Err()
	}
	d := p.due.Sub(now)
	if p.timer == nil {
		p.timer = p.clk.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	select {
	case <-ctx.Done():
		if !p.timer.Stop() {
			select { // drop a tick that raced with the cancel
			case <-p.timer.C():
			default:
			}
		}
		return time.Time{}, ctx.Err()
	case <-p.timer.C():
	}
	t := p.due
	p.due = p.due.Add(p.period)
	return t, nil
}
