package gpio

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/hw"
)

// Pin is one configured pin. The zero Pin is not fitted.
type Pin struct {
	// Name is the line name the GPIO chip reports ("GPIO17"), or
	// "gpiochipN/LINE" for a line by number.
	Name string
	// ActiveLow: the pin is low when on (written "!GPIO17").
	ActiveLow bool
}

// Fitted reports whether the pin is there.
func (p Pin) Fitted() bool { return p.Name != "" }

// String gives the pin in its written form: "GPIO17", "!GPIO17", "none".
func (p Pin) String() string {
	if !p.Fitted() {
		return "none"
	}
	if p.ActiveLow {
		return "!" + p.Name
	}
	return p.Name
}

// ParsePin reads "GPIO17", "!GPIO17", "gpiochip0/17", "" or "none".
func ParsePin(s string) (Pin, error) {
	s = strings.TrimSpace(s)
	var p Pin
	if rest, ok := strings.CutPrefix(s, "!"); ok {
		p.ActiveLow, s = true, rest
	}
	if s == "" || s == "none" {
		if p.ActiveLow {
			return Pin{}, fmt.Errorf("gpio: pin %q: '!' needs a pin name after it", "!"+s)
		}
		return Pin{}, nil
	}
	for _, r := range s {
		if r <= ' ' || r == ',' || r == '=' || r == '!' || r == 0x7f {
			return Pin{}, fmt.Errorf("gpio: pin %q: no spaces, ',', '=' or '!' inside a pin name", s)
		}
	}
	p.Name = s
	return p, nil
}

// Pins is the whole panel's configuration.
type Pins struct {
	Light    Pin // illumination LED, output
	Presence Pin // presence sensor, input
	Red      Pin // status light, outputs
	Green    Pin
	Blue     Pin
	// Debounce is how long the presence sensor must hold a new level
	// before it counts.
	Debounce time.Duration
}

// MaxDebounce bounds Pins.Debounce.
const MaxDebounce = 5 * time.Second

// DefaultPins are the [gpio] section's defaults.
func DefaultPins() Pins {
	p, err := PinsFromConfig(config.Defaults(config.Dev).GPIO)
	if err != nil {
		panic(err) // the defaults are fixed: a bad one is a programming error
	}
	return p
}

// PinsFromConfig reads the [gpio] section.
func PinsFromConfig(c config.GPIOConfig) (Pins, error) {
	var p Pins
	for _, f := range []struct {
		key, val string
		dst      *Pin
	}{
		{"light", c.Light, &p.Light},
		{"presence", c.Presence, &p.Presence},
		{"status_red", c.Red, &p.Red},
		{"status_green", c.Green, &p.Green},
		{"status_blue", c.Blue, &p.Blue},
	} {
		pin, err := ParsePin(f.val)
		if err != nil {
			return Pins{}, fmt.Errorf("gpio: [gpio] %s: %w", f.key, err)
		}
		*f.dst = pin
	}
	p.Debounce = c.Debounce.D()
	if err := p.check(); err != nil {
		return Pins{}, err
	}
	return p, nil
}

func (p *Pins) fields() []struct {
	key string
	pin *Pin
} {
	return []struct {
		key string
		pin *Pin
	}{
		{"light", &p.Light}, {"presence", &p.Presence},
		{"red", &p.Red}, {"green", &p.Green}, {"blue", &p.Blue},
	}
}

func (p Pins) check() error {
	if p.Debounce < 0 || p.Debounce > MaxDebounce {
		return fmt.Errorf("gpio: debounce %s: want 0s..%s", p.Debounce, MaxDebounce)
	}
	seen := map[string]string{}
	for _, f := range p.fields() {
		if !f.pin.Fitted() {
			continue
		}
		if other, dup := seen[f.pin.Name]; dup {
			return fmt.Errorf("gpio: pin %s is both %s and %s", f.pin.Name, other, f.key)
		}
		seen[f.pin.Name] = f.key
	}
	return nil
}

// ParsePins reads a spec argument, a comma-separated list of key=value
// with keys light, presence, red, green, blue (a pin, see ParsePin) and
// debounce (a duration such as "50ms"), over base: keys not written keep
// base's value. "" gives base.
func ParsePins(arg string, base Pins) (Pins, error) {
	p := base
	if strings.TrimSpace(arg) == "" {
		return p, p.check()
	}
	seen := map[string]bool{}
	for _, item := range strings.Split(arg, ",") {
		key, val, ok := strings.Cut(item, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return Pins{}, fmt.Errorf("gpio: argument %q: item %q: want key=value (keys: light, presence, red, green, blue, debounce)", arg, item)
		}
		if seen[key] {
			return Pins{}, fmt.Errorf("gpio: argument %q: key %q given twice", arg, key)
		}
		seen[key] = true
		if key == "debounce" {
			d, err := time.ParseDuration(strings.TrimSpace(val))
			if err != nil {
				return Pins{}, fmt.Errorf("gpio: argument %q: debounce %q: want a duration such as \"50ms\"", arg, val)
			}
			p.Debounce = d
			continue
		}
		var dst *Pin
		for _, f := range p.fields() {
			if f.key == key {
				dst = f.pin
			}
		}
		if dst == nil {
			return Pins{}, fmt.Errorf("gpio: argument %q: unknown key %q (keys: light, presence, red, green, blue, debounce)", arg, key)
		}
		pin, err := ParsePin(val)
		if err != nil {
			return Pins{}, fmt.Errorf("gpio: argument %q: %s: %w", arg, key, err)
		}
		*dst = pin
	}
	if err := p.check(); err != nil {
		return Pins{}, fmt.Errorf("gpio: argument %q: %w", arg, err)
	}
	return p, nil
}

// Arg writes the pins as a spec argument that ParsePins reads back.
func (p Pins) Arg() string {
	var b strings.Builder
	for _, f := range p.fields() {
		fmt.Fprintf(&b, "%s=%s,", f.key, f.pin)
	}
	fmt.Fprintf(&b, "debounce=%s", p.Debounce)
	return b.String()
}

// Open opens the panel a [hardware] gpio spec names ("gpiochip:", "sim:",
// "none"), with the [gpio] section's pins filling in every key the spec
// argument leaves out. This is what the kiosk's wiring calls; a "none" spec
// is reported Skipped.
func Open(ctx context.Context, spec string, c config.GPIOConfig, env hw.Env) (Panel, hw.Report) {
	s, err := hw.ParseSpec(spec)
	if err != nil || s.Scheme == hw.None {
		return Backends.Open(ctx, spec, env)
	}
	fail := func(err error) (Panel, hw.Report) {
		return nil, hw.Report{Kind: Backends.Kind(), Spec: spec, Status: hw.Failed, Err: err}
	}
	base, err := PinsFromConfig(c)
	if err != nil {
		return fail(err)
	}
	pins, err := ParsePins(s.Arg, base)
	if err != nil {
		return fail(err)
	}
	return Backends.Open(ctx, hw.Spec{Scheme: s.Scheme, Arg: pins.Arg()}.String(), env)
}
