// Package app wires one kiosk together, in one place, the way tailscale's
// tsd.System does: configuration -> logger -> devices (through the
// registries) -> face engine -> store and sync -> flow -> UI. cmd/kiosk is a
// thin main around it.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/sigpad"
)

// Devices are the kiosk's hardware, each nil when it is not fitted or
// failed to open (see Reports).
type Devices struct {
	IDCard idcard.Reader
	Camera camera.Camera
	Sigpad sigpad.Pad
	GPIO   gpio.Panel
	// Reports says, per configured device, loaded, skipped or failed.
	Reports []hw.Report
}

// Env builds the registry environment of a config.
func Env(cfg *config.Config, log *slog.Logger, clk clock.Clock, rnd io.Reader) hw.Env {
	return hw.Env{Clock: clk, Rand: rnd, Log: log, ConfigDir: cfg.Dir, StateDir: cfg.Path(cfg.Paths.StateDir),
		RefuseSimulated: cfg.Profile == config.Appliance}
}

// OpenDevices opens every device of cfg's [hardware] section through the
// registries and reports each. It never fails as a whole: a device that
// does not open is reported Failed and left nil.
func OpenDevices(ctx context.Context, cfg *config.Config, env hw.Env) *Devices {
	d := &Devices{}
	var rep hw.Report
	d.IDCard, rep = idcard.Backends.Open(ctx, cfg.Hardware.IDCard, env)
	d.Reports = append(d.Reports, rep)
	d.Camera, rep = camera.Backends.Open(ctx, cfg.Hardware.Camera, env)
	d.Reports = append(d.Reports, rep)
	d.Sigpad, rep = sigpad.Backends.Open(ctx, cfg.Hardware.Sigpad, env)
	d.Reports = append(d.Reports, rep)
	d.GPIO, rep = gpio.Open(ctx, cfg.Hardware.GPIO, cfg.GPIO, env)
	d.Reports = append(d.Reports, rep)
	for _, r := range d.Reports {
		lvl := slog.LevelInfo
		if r.Status == hw.Failed {
			lvl = slog.LevelError
		}
		attrs := []any{"kind", r.Kind, "spec", r.Spec, "status", r.Status.String()}
		if r.Err != nil {
			attrs = append(attrs, "err", r.Err)
		}
		env.Log.Log(ctx, lvl, "device", attrs...)
	}
	return d
}

// Failed returns the first required device that failed, if any.
func (d *Devices) Failed(cfg *config.Config) (hw.Report, bool) {
	for _, r := range d.Reports {
		if r.Status == hw.Failed && cfg.Hardware.IsRequired(r.Kind) {
			return r, true
		}
	}
	return hw.Report{}, false
}

// Close closes every open device.
func (d *Devices) Close() error {
	var errs []error
	for _, c := range []io.Closer{d.IDCard, d.Camera, d.Sigpad, d.GPIO} {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// StateDir makes sure the state folder exists and is writable.
func StateDir(cfg *config.Config) (string, error) {
	dir := cfg.Path(cfg.Paths.StateDir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("app: state folder: %w", err)
	}
	probe := filepath.Join(dir, ".write-test")
	if err := os.WriteFile(probe, nil, 0o600); err != nil {
		return "", fmt.Errorf("app: state folder %s is not writable: %w", dir, err)
	}
	os.Remove(probe)
	return dir, nil
}
