package app

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/ui"
	"github.com/hbzk/kiosk/ui/i18n"
)

// Issue 12: the technician menu shows words of the catalogue and formatted
// results, never Go values; restart asks first.
func TestTechMenuFormattedAndRestartConfirmed(t *testing.T) {
	k, h := testKiosk(t, func(c *config.Config) { c.UI.TechPIN = "246810" })
	var restarts atomic.Int32
	restarted := make(chan struct{}, 4)
	k.onRestart = func() {
		restarts.Add(1)
		restarted <- struct{}{}
	}
	m := k.techMenu()
	for _, d := range m.Devices {
		for _, lang := range i18n.Langs {
			if !strings.HasPrefix(d.Detail, "tech.") || !i18n.Has(lang, d.Detail) {
				t.Errorf("%s: detail %q is not a catalogue word", d.Device, d.Detail)
			}
		}
	}
	for _, action := range []string{ui.ActionSync, ui.ActionSelfTest} {
		key, args := k.techAction(t.Context(), action)
		if !i18n.Has(i18n.ZH, key) {
			t.Errorf("%s: message %q is not a catalogue key", action, key)
		}
		msg := i18n.Tf(i18n.ZH, key, args...)
		if strings.ContainsAny(msg, "{}") || strings.Contains(msg, "%!") {
			t.Errorf("%s: message %q shows raw values", action, msg)
		}
		t.Logf("%s: %s / %s", action, msg, i18n.Tf(i18n.EN, key, args...))
	}

	ctx := runKiosk(t, k, h)
	if _, err := h.WaitScreen(ctx, "attract"); err != nil {
		t.Fatal(err)
	}
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
	if err := h.Press(ui.ActionRestart); err != nil {
		t.Fatal(err)
	}
	// The question comes; nothing restarts until it is answered yes.
	if err := waitTarget(h, ctx, ui.ActionRestartYes); err != nil {
		t.Fatal(err)
	}
	if restarts.Load() != 0 {
		t.Fatal("restarted without confirmation")
	}
	if err := h.Press(ui.ActionRestartNo); err != nil {
		t.Fatal(err)
	}
	if err := waitTarget(h, ctx, ui.ActionSelfTest); err != nil {
		t.Fatal(err)
	}
	if restarts.Load() != 0 {
		t.Fatal("restarted after no")
	}
	h.Press(ui.ActionRestart)
	if err := waitTarget(h, ctx, ui.ActionRestartYes); err != nil {
		t.Fatal(err)
	}
	if err := h.Press(ui.ActionRestartYes); err != nil {
		t.Fatal(err)
	}
	select {
	case <-restarted:
	case <-ctx.Done():
		t.Fatal("no restart after yes")
	}
}

func waitTarget(h *ui.Headless, ctx context.Context, action string) error {
	_, err := h.WaitTarget(ctx, action)
	return err
}
