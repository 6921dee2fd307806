// Package selftest builds the technician's self-test of one kiosk from its
// kiosk.toml: a probe per device (ID card reader, camera, signature pad,
// GPIO panel) and per dependency (face models, font, disk space, clock,
// store, central), run by device/selftest's runner with a time limit each.
// `kioskctl selftest` and the kiosk's technician menu call Run.
//
// The probes drive simulated devices through their control interfaces
// (idcard.SimControl lays a test card, sigpad.SimControl signs, the GPIO
// simulator reads the light back and triggers the sensor, the simulated
// camera shows a face), so the real drivers, decoders and face engine run
// end to end; no check is skipped or relaxed for a simulator. On real
// hardware the probes ask the technician to draw on the pad and report
// what they can measure without a person (no card, nobody in view) as a
// pass with a note.
package selftest

import (
	"context"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/face"
	"github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/device/selftest"
	"github.com/hbzk/kiosk/device/sigpad"
)

// Options tune Run; the zero value is usable.
type Options struct {
	// Clock, Rand and Log are handed to the devices (defaults: the real
	// clock, system entropy, a discarding logger).
	Clock clock.Clock
	Rand  io.Reader
	Log   *slog.Logger
	// Timeout is each probe's time limit (0: selftest.DefaultTimeout).
	Timeout time.Duration
	// Prompt receives instructions for the technician ("draw on the
	// pad now"); nil: none are shown.
	Prompt io.Writer
	// PadWait is how long the technician has to start drawing on a real
	// signature pad (0: 20s).
	PadWait time.Duration
	// PresenceWait is how long the technician has to wave at a real
	// presence sensor (0: 10s).
	PresenceWait time.Duration
	// LightDwell is how long each state shows on a real status light
	// (0: 700ms).
	LightDwell time.Duration
	// CardWait is how long a real reader is watched for a test card
	// (0: 2s).
	CardWait time.Duration
	// MicRecord is how long the microphone check records (0: 2s).
	MicRecord time.Duration
	// MinFPS is the least acceptable camera frame rate (0: 10).
	MinFPS float64
	// Disk are the free-space limits of the state folder (zero:
	// selftest.DefaultDiskLimits).
	Disk selftest.DiskLimits
	// BuiltAt is when the software was built, the clock check's floor
	// (zero: the VCS time stamped in the binary, if any).
	BuiltAt time.Time
	// CertMinValid is how long the device certificate must stay valid
	// (0: 30 days).
	CertMinValid time.Duration
	// Devices are devices already open (the kiosk's technician menu); they
	// are used and not closed. nil (or a nil field): each probe opens its
	// device from cfg and closes it.
	Devices *Devices
	// Engine is a face engine already loaded (the kiosk's); nil: the
	// camera probe loads one from the manifest and closes it.
	Engine face.Engine
	// Progress is called after each probe with its checks.
	Progress func([]selftest.Check)
}

func (o *Options) defaults() {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Rand == nil {
		o.Rand = entropy.System
	}
	if o.Log == nil {
		o.Log = logx.Discard()
	}
	if o.PadWait <= 0 {
		o.PadWait = 20 * time.Second
	}
	if o.PresenceWait <= 0 {
		o.PresenceWait = 10 * time.Second
	}
	if o.LightDwell <= 0 {
		o.LightDwell = 700 * time.Millisecond
	}
	if o.CardWait <= 0 {
		o.CardWait = 2 * time.Second
	}
	if o.MicRecord <= 0 {
		o.MicRecord = 2 * time.Second
	}
	if o.MinFPS <= 0 {
		o.MinFPS = 10
	}
	if o.Disk == (selftest.DiskLimits{}) {
		o.Disk = selftest.DefaultDiskLimits
	}
	if o.BuiltAt.IsZero() {
		o.BuiltAt = BuildTime()
	}
	if o.CertMinValid <= 0 {
		o.CertMinValid = 30 * 24 * time.Hour
	}
}

// Run runs every probe of cfg and returns the report.
func Run(ctx context.Context, cfg *config.Config, o Options) selftest.Report {
	o.defaults()
	return selftest.Run(ctx, Probes(cfg, o), selftest.RunOptions{Timeout: o.Timeout, Clock: o.Clock, Progress: o.Progress})
}

// Probes returns the probes of cfg in the order they run: the devices,
// then the files and services they depend on.
func Probes(cfg *config.Config, o Options) []selftest.Probe {
	o.defaults()
	t := &tester{cfg: cfg, o: o, env: hw.Env{Clock: o.Clock, Rand: o.Rand, Log: o.Log, ConfigDir: cfg.Dir, StateDir: cfg.Path(cfg.Paths.StateDir)}}
	pad := o.Timeout
	if pad <= 0 {
		pad = selftest.DefaultTimeout
	}
	gpioLimit := max(pad, o.PresenceWait+time.Duration(len(statusOrder))*o.LightDwell+10*time.Second)
	pad = max(pad, o.PadWait+10*time.Second)
	return []selftest.Probe{
		{Name: "idcard", Run: t.idcard, Remedy: "check the ID reader's USB cable and power; /dev/idreader must exist (udev rule)"},
		{Name: "camera", Run: t.camera, Remedy: "check the camera's USB cable; /dev/video0 must exist and the kiosk user be in the video group"},
		{Name: "sigpad", Run: t.sigpad, Timeout: pad, Remedy: "check the signature pad's cable; /dev/sigpad must exist (udev rule)"},
		{Name: "microphone", Run: t.microphone, Remedy: micRemedy},
		{Name: "gpio", Run: t.gpio, Timeout: gpioLimit, Remedy: "check the GPIO wiring and that the kiosk user is in the gpio group"},
		{Name: "models", Run: t.models},
		{Name: "font", Run: t.font},
		{Name: "disk space", Run: t.disk},
		{Name: "clock", Run: t.clock},
		{Name: "store", Run: t.store, Remedy: "the store is locked or slow: stop the kiosk (systemctl stop kiosk) and run the self-test again"},
		{Name: "central", Run: t.central, Remedy: "central does not answer: check the network, the firewall and [sync] central"},
	}
}

// Devices are open devices the probes use instead of opening their own
// (app.Devices carries the same four; this package does not import app, so
// that app may import it for the technician menu).
type Devices struct {
	IDCard idcard.Reader
	Camera camera.Camera
	Sigpad sigpad.Pad
	GPIO   gpio.Panel
	// Microphone is the kiosk's microphone (app.Kiosk.Mic).
	Microphone audio.Microphone
}

// tester holds what the probes share.
type tester struct {
	cfg *config.Config
	o   Options
	env hw.Env
}

// BuildTime is the commit time the Go toolchain stamped into the binary
// (vcs.time), or zero.
func BuildTime() time.Time {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return time.Time{}
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.time" {
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}

func (t *tester) models(ctx context.Context) []selftest.Check {
	return selftest.Models(t.cfg.Path(t.cfg.Paths.Models))
}

func (t *tester) disk(ctx context.Context) []selftest.Check {
	return []selftest.Check{selftest.DiskSpace(t.cfg.Path(t.cfg.Paths.StateDir), t.o.Disk)}
}

func (t *tester) clock(ctx context.Context) []selftest.Check {
	return []selftest.Check{selftest.ClockSanity(t.o.Clock.Now(), t.o.BuiltAt)}
}
