package app

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/sigpad"
)

// Every backend that is not a live device is registered as simulated, so
// that records made with it are marked and the appliance refuses it.
func TestBackendsSimulated(t *testing.T) {
	type reg interface {
		Kind() string
		Schemes() []string
		Simulated(string) bool
	}
	live := map[string]bool{"idcard:sam": true, "wlt:wlt": true, "camera:v4l2": true,
		"sigpad:topaz": true, "sigpad:wacom4": true, "gpio:gpiochip": true}
	for _, r := range []reg{idcard.Backends, idcard.PhotoDecoders, camera.Backends, sigpad.Backends, gpio.Backends} {
		for _, s := range r.Schemes() {
			if want := !live[r.Kind()+":"+s]; r.Simulated(s) != want {
				t.Errorf("%s backend %q: simulated = %v, want %v", r.Kind(), s, r.Simulated(s), want)
			}
		}
	}
}

func TestApplianceRefusesSimulators(t *testing.T) {
	cfg := config.Defaults(config.Appliance)
	cfg.Profile = config.Appliance
	cfg.Paths.StateDir = t.TempDir()
	env := Env(&cfg, slog.New(slog.DiscardHandler), nil, nil)
	for _, spec := range []string{"sim:", "sim-live:", "file:clip.avi", "dir:frames"} {
		_, rep := camera.Backends.Open(context.Background(), spec, env)
		if rep.Status != hw.Failed || !errors.Is(rep.Err, hw.ErrSimulatedRefused) {
			t.Errorf("appliance camera %s: %v", spec, rep)
		}
	}
	if _, rep := idcard.Backends.Open(context.Background(), "sim:cards.toml", env); !errors.Is(rep.Err, hw.ErrSimulatedRefused) {
		t.Errorf("appliance card reader sim: %v", rep)
	}
}
