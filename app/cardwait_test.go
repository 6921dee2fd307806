package app

import (
	"context"
	"testing"

	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/ui"
)

// watchSteps reports every step the runner's loop goes through.
func watchSteps(k *Kiosk) <-chan flow.State {
	ch := make(chan flow.State, 256)
	k.Runner.mu.Lock()
	k.Runner.OnState = func(st flow.State) {
		select {
		case ch <- st:
		default:
		}
	}
	k.Runner.mu.Unlock()
	return ch
}

// waitStep waits until the loop reaches step want.
func waitForStep(t *testing.T, ctx context.Context, steps <-chan flow.State, want flow.Step) flow.State {
	t.Helper()
	for {
		select {
		case st := <-steps:
			if st.Step == want {
				return st
			}
		case <-ctx.Done():
			t.Fatalf("step %s never reached: %v", want, ctx.Err())
		}
	}
}

// Issue 12: a refused card, 取消 while it still lies on the reader, the
// card taken away, another laid: the reader reads it without anyone
// touching the screen.
func TestNextCardReadsAfterCancelWithTheCardOn(t *testing.T) {
	k, h := testKiosk(t, nil)
	ctx := runKiosk(t, k, h)
	if _, err := h.WaitScreen(ctx, "attract"); err != nil {
		t.Fatal(err)
	}
	sim := k.Devices.IDCard.(idcard.SimControl)
	sim.Lay(0)
	if _, err := h.WaitScreen(ctx, "not-on-roster"); err != nil {
		t.Fatal(err)
	}
	if err := h.Press(ui.ActionCancel); err != nil {
		t.Fatal(err)
	}
	if _, err := h.WaitScreen(ctx, "attract"); err != nil {
		t.Fatal(err)
	}
	steps := watchSteps(k)
	sim.Remove()
	sim.Lay(1)
	waitForStep(t, ctx, steps, flow.ReadingCard)
	if _, err := h.WaitScreen(ctx, "card-expired"); err != nil {
		t.Fatal(err)
	}
}
