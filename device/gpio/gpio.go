// Package gpio is the kiosk's panel of pins: the illumination LED that is on
// while the camera captures, the status light (ready, busy, fault, ...) and
// the presence sensor (a PIR or a button) that wakes the attract screen.
//
// The package is pure Go and knows no hardware. Backends register in
// Backends by scheme: "gpiochip" (drivers/gpio/gpiochip, Linux GPIO character
// devices through periph.io) and "sim" (drivers/gpio/gpiosim, in-process
// pins for development and tests).
//
// Pin names come from the [gpio] section of kiosk.toml. hw.Env carries no
// configuration, so the pins travel in the spec argument: Open merges the
// [gpio] section into the argument of the [hardware] gpio spec
// ("gpiochip:" becomes "gpiochip:light=GPIO17,presence=GPIO27,...") and opens
// that through the registry. Keys already written in the spec argument win
// over the section, so "gpiochip:presence=none" works too. Openers parse the
// argument with ParsePins.
package gpio

import (
	"context"
	"errors"

	"github.com/hbzk/kiosk/device/hw"
)

// Panel is the kiosk's panel of pins. Methods are safe for concurrent use.
type Panel interface {
	// SetLight switches the illumination LED. Without an LED fitted it
	// does nothing and returns nil.
	SetLight(on bool) error
	// SetStatus shows a state on the status light (see Status.Signal for
	// the colour and blink code). Blinking goes on until the next call.
	SetStatus(s Status) error
	// WaitPresence returns nil as soon as the presence sensor (debounced)
	// says someone is there: at once if someone already is. It returns
	// ctx.Err() when ctx ends, ErrNotFitted without a sensor and ErrClosed
	// once the panel is closed.
	WaitPresence(ctx context.Context) error
	// Present reports the debounced state of the presence sensor (false
	// without a sensor).
	Present() bool
	// Close turns every output off and releases the pins.
	Close() error
}

// Simulator is the control side of a simulated panel (scheme "sim"): the
// demo and tests drive the presence sensor and read the outputs through it.
// Type-assert the Panel to get it.
type Simulator interface {
	// SetPresence drives the simulated sensor's pin; the panel sees it
	// after its debounce time.
	SetPresence(present bool)
	// Light reports the illumination LED pin.
	Light() bool
	// Colour reports the status light's pins as they are now (a blinking
	// light alternates between its colour and Off).
	Colour() Colour
}

// Backends opens panels by scheme ("gpiochip", "sim").
var Backends = hw.NewRegistry[Panel]("gpio")

var (
	// ErrNotFitted: the panel has no presence sensor.
	ErrNotFitted = errors.New("gpio: no presence sensor fitted")
	// ErrClosed: the panel was closed.
	ErrClosed = errors.New("gpio: panel closed")
)

// WithLight runs capture with the illumination LED on and turns it off
// afterwards, whatever capture returns. A nil panel runs capture alone.
func WithLight(p Panel, capture func() error) error {
	if p == nil {
		return capture()
	}
	if err := p.SetLight(true); err != nil {
		return err
	}
	err := capture()
	if offErr := p.SetLight(false); offErr != nil && err == nil {
		err = offErr
	}
	return err
}
