package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hbzk/kiosk/device/camera/camsim"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/sigpad"
	"github.com/hbzk/kiosk/store"
	"github.com/hbzk/kiosk/ui"
)

// Demo plays one simulated candidate through the whole flow, as a person
// would: they walk up (presence sensor), lay their card on the simulated
// reader, perform the liveness challenges in front of the simulated camera,
// accept their photo, sign on the simulated pad and take their card back.
// Nothing is switched off: the real drivers, checks, store and sync run.
// It returns 0 once central has acknowledged the record ("record <uuid>
// synced" on out), 1 when the session failed or timed out.
func (k *Kiosk) Demo(ctx context.Context, h *ui.Headless, out io.Writer) int {
	if err := k.demo(ctx, h, out); err != nil {
		k.Log.Error("demo", "err", err)
		fmt.Fprintln(out, "demo failed:", err)
		return ExitFailed
	}
	return ExitOK
}

func (k *Kiosk) demo(ctx context.Context, h *ui.Headless, out io.Writer) error {
	if h == nil {
		return errors.New("demo: needs the headless presenter")
	}
	reader, ok := k.Devices.IDCard.(idcard.SimControl)
	if !ok {
		return errors.New("demo: the ID card reader is not simulated (hardware.idcard = \"sim:...\")")
	}
	pad, ok := k.Devices.Sigpad.(sigpad.SimControl)
	if !ok {
		return errors.New("demo: the signature pad is not simulated (hardware.sigpad = \"sim:...\")")
	}
	performer, ok := camsim.PerformerOf(k.Devices.Camera)
	if !ok {
		return errors.New("demo: the camera is not the simulated candidate (hardware.camera = \"sim-live:...\")")
	}
	states := make(chan flow.State, 64)
	k.Runner.mu.Lock()
	k.Runner.OnState = func(st flow.State) {
		select {
		case states <- st:
		default:
		}
	}
	k.Runner.mu.Unlock()

	if _, err := h.WaitScreen(ctx, "attract"); err != nil {
		return err
	}
	// The candidate walks up: the presence sensor wakes the kiosk.
	if sim, ok := k.Devices.GPIO.(gpio.Simulator); ok {
		sim.SetPresence(true)
		defer sim.SetPresence(false)
	} else if err := h.Press(ui.ActionStart); err != nil {
		return err
	}
	if _, err := waitStep(ctx, states, flow.PlaceCard); err != nil {
		return err
	}
	// They read the screen that asks for the card before they lay it.
	if _, err := h.WaitScreen(ctx, "place-card"); err != nil {
		return err
	}
	began := time.Now()
	if err := reader.Lay(0); err != nil {
		return fmt.Errorf("demo: lay card: %w", err)
	}
	var recordID string
	signed := false
	for recordID == "" {
		var st flow.State
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: %w", ctx.Err())
		case st = <-states:
		}
		switch st.Step {
		case flow.ReadingCard, flow.Photo, flow.Saving, flow.PlaceCard:
		case flow.Matching:
			// The challenges are done: the candidate faces the camera for
			// the match and the photo.
			performer.Perform(nil, "")
		case flow.Liveness:
			if st.Session != nil {
				performer.Perform(st.Session.Challenges, st.Session.Digits)
			}
		case flow.RegistrationInfo:
			// The candidate reads the registration and confirms it.
			if err := pressWhenShown(ctx, h, "registration", ui.ActionConfirmIdentity); err != nil {
				return err
			}
		case flow.LivenessRetry:
			if err := pressWhenShown(ctx, h, "liveness-retry", ui.ActionRetry); err != nil {
				return err
			}
		case flow.PhotoReview:
			if err := pressWhenShown(ctx, h, "photo-review", ui.ActionUsePhoto); err != nil {
				return err
			}
		case flow.Signature:
			if signed {
				return errors.New("demo: the signature was refused")
			}
			signed = true
			if _, err := h.WaitScreen(ctx, "signature"); err != nil {
				return err
			}
			if err := pad.Sign(); err != nil {
				return fmt.Errorf("demo: sign: %w", err)
			}
			if err := waitSigned(ctx, k.Devices.Sigpad); err != nil {
				return err
			}
			if err := h.Press(ui.ActionConfirm); err != nil {
				return err
			}
		case flow.Done:
			if st.Session == nil || st.Session.RecordID == "" {
				return errors.New("demo: done without a record")
			}
			recordID = st.Session.RecordID
			k.Log.Info("demo: session done", "took", time.Since(began).Round(time.Millisecond).String())
			// They read the done screen before they take the card.
			if _, err := h.WaitScreen(ctx, "done"); err != nil {
				return err
			}
		default:
			return fmt.Errorf("demo: the session ended on %s (%s %s)", st.Step, st.Problem, st.Detail)
		}
	}
	// The candidate takes the card back and leaves; the done screen clears
	// itself after its time-out (the privacy reset).
	reader.Remove()
	if _, err := waitStep(ctx, states, flow.Attract); err != nil {
		return err
	}
	if _, err := h.WaitScreen(ctx, "attract"); err != nil {
		return err
	}
	if k.Sync == nil {
		// Offline (no central configured): the record waits in the outbox.
		fmt.Fprintf(out, "record %s stored\n", recordID)
		return nil
	}
	if err := k.waitSynced(ctx, recordID); err != nil {
		return err
	}
	fmt.Fprintf(out, "record %s synced\n", recordID)
	return nil
}

func waitStep(ctx context.Context, states <-chan flow.State, want flow.Step) (flow.State, error) {
	for {
		select {
		case <-ctx.Done():
			return flow.State{}, fmt.Errorf("demo: waiting for %s: %w", want, ctx.Err())
		case st := <-states:
			if st.Step == want {
				return st, nil
			}
		}
	}
}

func pressWhenShown(ctx context.Context, h *ui.Headless, screen, action string) error {
	if _, err := h.WaitScreen(ctx, screen); err != nil {
		return err
	}
	// Let the candidate look at the screen for a moment, as a person would.
	select {
	case <-time.After(700 * time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	return h.Press(action)
}

// waitSigned waits until the pad has received the whole replayed
// signature: strokes have arrived and none came for a second.
func waitSigned(ctx context.Context, pad sigpad.Pad) error {
	last, since := -1, time.Now()
	for {
		n := pad.Signature().Points()
		if n != last {
			last, since = n, time.Now()
		} else if n > 0 && time.Since(since) > time.Second {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: waiting for the signature (%d points): %w", n, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitSynced waits until central has acknowledged the record. It asks for
// a sync once and then only watches the store: the client's own back-off
// decides when to try again.
func (k *Kiosk) waitSynced(ctx context.Context, id string) error {
	k.Sync.Kick()
	for {
		_, sum, err := k.Store.Get(ctx, id)
		if err != nil && !errors.Is(err, store.ErrPurged) {
			return fmt.Errorf("demo: %w", err)
		}
		if sum.Acked != nil {
			return nil
		}
		if sum.Rejected != "" {
			return fmt.Errorf("demo: central rejected record %s: %s", id, sum.Rejected)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: waiting for central to acknowledge %s: %w", id, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
