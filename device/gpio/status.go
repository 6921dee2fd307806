package gpio

import (
	"fmt"
	"strings"
	"time"
)

// Status is what the status light shows.
type Status int

const (
	// Off: the kiosk software is not running (all pins low).
	Off Status = iota
	// Starting: the kiosk is opening its devices (green, blinking).
	Starting
	// Ready: waiting for a candidate (green, steady).
	Ready
	// Busy: a candidate is being served (blue, steady).
	Busy
	// Degraded: serving, but something needs a technician soon: central
	// unreachable for long, a device that is not required failed (yellow =
	// red + green, steady).
	Degraded
	// Fault: out of service: a required device failed or the self-test
	// failed (red, blinking).
	Fault
)

var statusNames = [...]string{"off", "starting", "ready", "busy", "degraded", "fault"}

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// ParseStatus reads a status by its name ("ready").
func ParseStatus(name string) (Status, error) {
	for i, n := range statusNames {
		if strings.EqualFold(name, n) {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("gpio: status %q: want one of %s", name, strings.Join(statusNames[:], ", "))
}

// Statuses lists every status, in order.
func Statuses() []Status {
	out := make([]Status, len(statusNames))
	for i := range out {
		out[i] = Status(i)
	}
	return out
}

// Colour is a set of the status light's pins that are on.
type Colour uint8

const (
	Red Colour = 1 << iota
	Green
	Blue

	Black  Colour = 0
	Yellow        = Red | Green
	Cyan          = Green | Blue
	Purple        = Red | Blue
	White         = Red | Green | Blue
)

var colourNames = [...]string{"off", "red", "green", "yellow", "blue", "purple", "cyan", "white"}

func (c Colour) String() string {
	if int(c) < len(colourNames) {
		return colourNames[c]
	}
	return fmt.Sprintf("Colour(%d)", int(c))
}

// BlinkPeriod is one on+off cycle of a blinking status light: 1 Hz,
// half a second on, half a second off.
const BlinkPeriod = time.Second

// Signal is how the status light shows a status.
type Signal struct {
	Colour Colour
	// Blink: on for BlinkPeriod/2, then off for BlinkPeriod/2, repeating.
	Blink bool
}

// Signal is the colour and blink code of a status; docs/technician.md
// documents the same table for technicians.
func (s Status) Signal() Signal {
	switch s {
	case Starting:
		return Signal{Colour: Green, Blink: true}
	case Ready:
		return Signal{Colour: Green}
	case Busy:
		return Signal{Colour: Blue}
	case Degraded:
		return Signal{Colour: Yellow}
	case Fault:
		return Signal{Colour: Red, Blink: true}
	}
	return Signal{}
}

// ColourAt is the colour a signal shows at elapsed time since it was set:
// a blinking signal starts with its colour on.
func (g Signal) ColourAt(elapsed time.Duration) Colour {
	if !g.Blink || elapsed < 0 {
		return g.Colour
	}
	if (elapsed/(BlinkPeriod/2))%2 == 1 {
		return Black
	}
	return g.Colour
}
