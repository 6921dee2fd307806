package camera

import (
	"context"
	"time"

	"github.com/hbzk/kiosk/device/clock"
)

// Pacer releases frames at a fixed rate on an injected clock, for sources
// that could deliver faster than real time (files, folders, the simulator).
type Pacer struct {
	clk    clock.Clock
	period time.Duration
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

// Period is the time between frames.
func (p *Pacer) Period() time.Duration { return p.period }

// Wait blocks until the next frame is due and returns the time it is due
// at. The first frame is due at once. A caller that falls behind is not
// given a burst of frames to catch up: the schedule restarts from now.
func (p *Pacer) Wait(ctx context.Context) (time.Time, error) {
	now := p.clk.Now()
	if p.due.IsZero() || !now.Before(p.due) {
		if p.due.IsZero() || now.Sub(p.due) > p.period {
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
