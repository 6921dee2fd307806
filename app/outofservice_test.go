package app

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/device/sigpad"
	"github.com/hbzk/kiosk/ui"
)

// syncBuffer is a log buffer the runner's goroutines write while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// toSignatureScreen walks the simulated candidate to the signature screen:
// the sim keys' performer does the liveness challenges.
func toSignatureScreen(t *testing.T, ctx context.Context, k *Kiosk, h *ui.Headless, input chan ui.Event) {
	t.Helper()
	if _, err := h.WaitScreen(ctx, "attract"); err != nil {
		t.Fatal(err)
	}
	input <- ui.Event{Kind: ui.Key, Key: "p"}
	if _, err := h.WaitScreen(ctx, "place-card"); err != nil {
		t.Fatal(err)
	}
	input <- ui.Event{Kind: ui.Key, Key: "1"}
	if _, err := h.WaitScreen(ctx, "registration"); err != nil {
		t.Fatal(err)
	}
	if err := h.Press(ui.ActionConfirmIdentity); err != nil {
		t.Fatal(err)
	}
	if _, err := h.WaitScreen(ctx, "photo-review"); err != nil {
		t.Fatal(err)
	}
	if err := h.Press(ui.ActionUsePhoto); err != nil {
		t.Fatal(err)
	}
	if _, err := h.WaitScreen(ctx, "signature"); err != nil {
		t.Fatal(err)
	}
}

// Issue 12: the pad's cable pulled during signing. The candidate is told
// that nothing was confirmed and to take the card; then out of service,
// where the technician corner opens the PIN pad and the menu; the pad
// plugged back in, the kiosk is in service again by itself. The loss and
// the recovery are logged at warning level and audited.
func TestPadPulledMidSessionAndBack(t *testing.T) {
	k, h := testKiosk(t, func(c *config.Config) { c.UI.TechPIN = "246810" }, pendingID)
	var logs syncBuffer
	k.Runner.Log, _ = logx.New(&logs, logx.Options{Level: "info"})
	k.Runner.ProbeEvery = 200 * time.Millisecond
	var mu sync.Mutex
	var audits []string
	audit := k.Runner.Audit
	k.Runner.Audit = func(event, detail string) {
		mu.Lock()
		audits = append(audits, event+" "+detail)
		mu.Unlock()
		if audit != nil {
			audit(event, detail)
		}
	}
	k.SimKeys()
	ctx, input := runKioskInput(t, k, h)
	toSignatureScreen(t, ctx, k, h, input)

	pad := k.Devices.Sigpad.(sigpad.SimControl)
	if err := pad.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.WaitScreen(ctx, "failure"); err != nil {
		t.Fatal(err)
	}
	st := k.Runner.Machine.State()
	if st.Problem != flow.DeviceFailed || !st.CardOn || st.Session != nil {
		t.Fatalf("failure state %+v", st)
	}
	// The screen says so (rendered from this very state).
	k.Runner.mu.Lock()
	v := screen(st, &k.Runner.live, time.Now(), "", 6)
	k.Runner.mu.Unlock()
	if f, ok := v.(ui.Failure); !ok || !f.TakeCard || f.Reason != ui.ReasonDeviceFailed {
		t.Fatalf("failure screen %#v", v)
	}
	if err := h.Press(ui.ActionCancel); err != nil {
		t.Fatal(err)
	}
	if _, err := h.WaitScreen(ctx, "out-of-service"); err != nil {
		t.Fatal(err)
	}
	// The technician corner works out of service.
	if err := h.Press(ui.ActionTech); err != nil {
		t.Fatal(err)
	}
	if _, err := h.WaitScreen(ctx, "tech-pin"); err != nil {
		t.Fatal(err)
	}
	for _, d := range "246810" {
		if err := h.Press(string(d)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.WaitScreen(ctx, "tech-menu"); err != nil {
		t.Fatal(err)
	}
	if err := h.Press(ui.ActionExit); err != nil {
		t.Fatal(err)
	}
	if _, err := h.WaitScreen(ctx, "out-of-service"); err != nil {
		t.Fatal(err)
	}
	// The cable plugged back: in service again, nobody touching anything.
	if err := pad.Reconnect(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.WaitScreen(ctx, "attract"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`level=WARN msg="device lost" device=sigpad code=E-SIGPAD`, `level=WARN msg="device recovered" device=sigpad`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	mu.Lock()
	got := strings.Join(audits, "\n")
	mu.Unlock()
	for _, want := range []string{"session failed device_failed", "device lost sigpad", "device recovered sigpad"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %q:\n%s", want, got)
		}
	}
}

// Issue 12: the reader that answers too slowly puts the kiosk out of
// service; when it answers in time again the kiosk takes cards again by
// itself.
func TestReaderFaultClearsWhenItAnswersAgain(t *testing.T) {
	k, h := testKiosk(t, nil, pendingID)
	k.Runner.ProbeEvery = 200 * time.Millisecond
	steps := watchSteps(k)
	ctx := runKiosk(t, k, h)
	if _, err := h.WaitScreen(ctx, "attract"); err != nil {
		t.Fatal(err)
	}
	sim := k.Devices.IDCard.(idcard.SimControl)
	if err := sim.Fault("slow"); err != nil {
		t.Fatal(err)
	}
	st := waitForStep(t, ctx, steps, flow.OutOfService)
	if st.Fault != "idcard" {
		t.Fatalf("fault %q", st.Fault)
	}
	sim.Fault("none")
	waitForStep(t, ctx, steps, flow.Attract)
	// And it reads cards again.
	sim.Lay(0)
	waitForStep(t, ctx, steps, flow.RegistrationInfo)
}
