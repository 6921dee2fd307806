// Package gpiosim registers the "sim" GPIO backend: the real panel code
// (drivers/gpio/pinpanel) over in-process pins (drivers/gpio/fakepin), so
// development machines and tests run the same blinking and debouncing as
// the kiosk. The panel it opens also implements device/gpio.Simulator: the
// demo drives the presence sensor and reads the lights through it.
//
// Spec: "sim:" or "sim:<pins>" with the argument device/gpio.ParsePins
// reads ("sim:presence=none,debounce=0s"); device/gpio.Open fills it from
// the [gpio] section.
package gpiosim

import (
	"context"

	"periph.io/x/conn/v3/gpio"

	devgpio "github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/drivers/gpio/fakepin"
	"github.com/hbzk/kiosk/drivers/gpio/pinpanel"
)

func init() {
	devgpio.Backends.RegisterSim("sim", func(_ context.Context, arg string, env hw.Env) (devgpio.Panel, error) {
		pins, err := devgpio.ParsePins(arg, devgpio.DefaultPins())
		if err != nil {
			return nil, err
		}
		return New(pins, env)
	})
}

// Panel is a simulated panel.
type Panel struct {
	*pinpanel.Panel
	cfg                             devgpio.Pins
	light, red, green, blue, sensor *fakepin.Pin // nil when not fitted
}

var (
	_ devgpio.Panel     = (*Panel)(nil)
	_ devgpio.Simulator = (*Panel)(nil)
)

// New opens a simulated panel with the given pins; env gives its clock and
// logger. Nobody is present at start.
func New(cfg devgpio.Pins, env hw.Env) (*Panel, error) {
	s := &Panel{cfg: cfg}
	var pins pinpanel.Pins
	mk := func(p devgpio.Pin, num int) (*fakepin.Pin, gpio.PinIO) {
		if !p.Fitted() {
			return nil, nil
		}
		fp := fakepin.New(p.Name, num)
		if p.ActiveLow {
			fp.Set(gpio.High) // idle: off
			return fp, pinpanel.Invert(fp)
		}
		return fp, fp
	}
	var io gpio.PinIO
	if s.light, io = mk(cfg.Light, 0); io != nil {
		pins.Light = io
	}
	if s.red, io = mk(cfg.Red, 1); io != nil {
		pins.Red = io
	}
	if s.green, io = mk(cfg.Green, 2); io != nil {
		pins.Green = io
	}
	if s.blue, io = mk(cfg.Blue, 3); io != nil {
		pins.Blue = io
	}
	if s.sensor, io = mk(cfg.Presence, 4); io != nil {
		pins.Presence = io
	}
	p, err := pinpanel.New(pins, pinpanel.Options{Clock: env.Clock, Log: env.Log, Debounce: cfg.Debounce})
	if err != nil {
		return nil, err
	}
	s.Panel = p
	return s, nil
}

// level reads a pin as on/off, minding active-low pins.
func level(p *fakepin.Pin, cfg devgpio.Pin) bool {
	if p == nil {
		return false
	}
	return bool(p.Level()) != cfg.ActiveLow
}

// SetPresence drives the sensor pin (nothing without a sensor).
func (s *Panel) SetPresence(present bool) {
	if s.sensor != nil {
		s.sensor.Set(gpio.Level(present != s.cfg.Presence.ActiveLow))
	}
}

// Light reports the illumination LED.
func (s *Panel) Light() bool { return level(s.light, s.cfg.Light) }

// Colour reports the status light's pins now.
func (s *Panel) Colour() devgpio.Colour {
	var c devgpio.Colour
	if level(s.red, s.cfg.Red) {
		c |= devgpio.Red
	}
	if level(s.green, s.cfg.Green) {
		c |= devgpio.Green
	}
	if level(s.blue, s.cfg.Blue) {
		c |= devgpio.Blue
	}
	return c
}

// Pins is the configuration the panel was opened with.
func (s *Panel) Pins() devgpio.Pins { return s.cfg }
