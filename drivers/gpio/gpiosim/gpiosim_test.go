package gpiosim

import (
	"context"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	devgpio "github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/logx"
)

func open(t *testing.T, spec string, c config.GPIOConfig) devgpio.Panel {
	t.Helper()
	p, rep := devgpio.Open(context.Background(), spec, c, hw.Env{Clock: clock.Real{}, Log: logx.Discard()})
	if rep.Status != hw.Loaded {
		t.Fatalf("open %s: %v", spec, rep)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestSimThroughRegistry(t *testing.T) {
	p := open(t, "sim:debounce=0s", config.Defaults(config.Dev).GPIO)
	sim, ok := p.(devgpio.Simulator)
	if !ok {
		t.Fatalf("%T is not a devgpio.Simulator", p)
	}
	if err := p.SetStatus(devgpio.Busy); err != nil {
		t.Fatal(err)
	}
	if c := sim.Colour(); c != devgpio.Blue {
		t.Fatalf("busy shows %v", c)
	}
	if err := devgpio.WithLight(p, func() error {
		if !sim.Light() {
			t.Error("LED off while capturing")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	woke := make(chan error, 1)
	go func() { woke <- p.WaitPresence(ctx) }()
	sim.SetPresence(true)
	if err := <-woke; err != nil {
		t.Fatalf("presence did not wake the panel: %v", err)
	}
	if !p.Present() {
		t.Fatal("Present() false after waking")
	}
}

func TestSimActiveLowPins(t *testing.T) {
	c := config.Defaults(config.Dev).GPIO
	c.Light, c.Red, c.Presence = "!L", "!R", "!BUTTON"
	p := open(t, "sim:debounce=0s", c)
	s := p.(*Panel)
	if s.Light() || s.light.Level() != true {
		t.Fatalf("active-low LED at rest: on %v, pin %v", s.Light(), s.light.Level())
	}
	p.SetLight(true)
	p.SetStatus(devgpio.Degraded)
	if !s.Light() || s.light.Level() != false {
		t.Fatalf("active-low LED on: on %v, pin %v", s.Light(), s.light.Level())
	}
	if s.Colour() != devgpio.Yellow || s.red.Level() != false {
		t.Fatalf("degraded: %v, red pin %v", s.Colour(), s.red.Level())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.SetPresence(true)
	if err := p.WaitPresence(ctx); err != nil || s.sensor.Level() != false {
		t.Fatalf("button pressed: %v, pin %v", err, s.sensor.Level())
	}
}

func TestSimWithoutSensor(t *testing.T) {
	p := open(t, "sim:presence=none", config.Defaults(config.Dev).GPIO)
	p.(devgpio.Simulator).SetPresence(true) // nothing to drive
	if err := p.WaitPresence(context.Background()); err != devgpio.ErrNotFitted {
		t.Fatalf("WaitPresence: %v", err)
	}
}

func TestSimBadArgument(t *testing.T) {
	_, rep := devgpio.Backends.Open(context.Background(), "sim:lamp=1", hw.Env{})
	if rep.Status != hw.Failed {
		t.Fatalf("bad argument: %v", rep)
	}
}
