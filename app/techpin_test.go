package app

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/techpin"
)

func TestPINGuard(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	log := slog.New(slog.DiscardHandler)
	newCfg := func(p config.Profile) *config.Config {
		c := config.Defaults(p)
		c.Profile = p
		c.Paths.StateDir = t.TempDir()
		return &c
	}
	var audited []string
	audit := func(ev, d string) { audited = append(audited, ev+" "+d) }

	// The appliance has no shared default PIN: the menu stays closed.
	app := newCfg(config.Appliance)
	g := newPINGuard(app, log, clk, audit)
	if ok, _ := g.Check(app.UI.TechPIN); ok {
		t.Fatal("the appliance opened the menu with the default PIN of kiosk.toml")
	}

	// With kioskctl pin set's file: the hash, the lockout, the state kept.
	if err := techpin.Set(app.Paths.StateDir, "258013", bytes.NewReader(make([]byte, 64))); err != nil {
		t.Fatal(err)
	}
	g = newPINGuard(app, log, clk, audit)
	if g.Digits() != 6 {
		t.Fatalf("digits %d", g.Digits())
	}
	for i := 0; i < techpin.FreeTries+1; i++ {
		g.Check("111112")
	}
	ok, locked := g.Check("258013")
	if ok || locked <= 0 {
		t.Fatalf("right PIN during the lockout: %v %v", ok, locked)
	}
	// A restart keeps the lockout.
	g = newPINGuard(app, log, clk, audit)
	if ok, _ := g.Check("258013"); ok {
		t.Fatal("the lockout did not survive a restart")
	}
	clk.Advance(techpin.FirstLock)
	if ok, _ := g.Check("258013"); !ok {
		t.Fatal("the right PIN after the lockout was refused")
	}
	got := strings.Join(audited, "\n")
	for _, want := range []string{"tech_pin refused: no PIN set", "tech_pin rejected", "tech_pin rejected, locked for 30s", "tech_pin locked", "tech_pin accepted"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "258013") || strings.Contains(got, "111112") {
		t.Errorf("a PIN reached the audit log:\n%s", got)
	}

	// Development: kiosk.toml's PIN, through the same hash and lockout.
	dev := newCfg(config.Dev)
	dev.UI.TechPIN = "258013"
	g = newPINGuard(dev, log, clk, nil)
	if ok, _ := g.Check("258013"); !ok || g.Digits() != 6 {
		t.Fatal("development PIN refused")
	}
}
