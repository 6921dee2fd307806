// Package gpiochip registers the "gpiochip" GPIO backend: the kiosk's panel
// on the Linux GPIO character devices (/dev/gpiochipN), through periph.io's
// gpioioctl driver (periph.io/x/host/v3/gpioioctl, GPIO v2 ioctls; see
// https://docs.kernel.org/userspace-api/gpio/chardev.html). Only that
// driver is loaded: no /dev/mem or sysfs access.
//
// Spec: "gpiochip:" or "gpiochip:<pins>" with the argument
// device/gpio.ParsePins reads; device/gpio.Open fills it from [gpio]. A pin
// is a line name as the chip reports it (`gpioinfo` lists them; "GPIO17" on
// a Raspberry Pi) or "gpiochipN/LINE" for a line by number.
//
// Without a usable chip the open fails with ErrNoChip and a hint (the udev
// rule, the gpio group, root); a pin not found fails with ErrPinNotFound
// naming the lines there are. Neither crashes the kiosk: the registry
// reports the device as failed.
package gpiochip

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"periph.io/x/conn/v3/driver/driverreg"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3/gpioioctl"

	devgpio "github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/drivers/gpio/pinpanel"
)

var (
	// ErrNoChip: no GPIO chip could be opened.
	ErrNoChip = errors.New("gpiochip: no usable GPIO chip")
	// ErrPinNotFound: a configured pin is on no chip.
	ErrPinNotFound = errors.New("gpiochip: pin not found")
)

// Hint is what to check when the chips cannot be opened.
const Hint = "check that the kiosk user is in the gpio group (the kiosk .deb's udev rule gives /dev/gpiochip* to group gpio, mode 0660; log in again after adding a user), or run as root; set [hardware] gpio = \"none\" on a kiosk without a GPIO panel"

func init() {
	devgpio.Backends.Register("gpiochip", func(_ context.Context, arg string, env hw.Env) (devgpio.Panel, error) {
		pins, err := devgpio.ParsePins(arg, devgpio.DefaultPins())
		if err != nil {
			return nil, err
		}
		return Open(pins, env, System)
	})
}

// Lines finds GPIO lines by name.
type Lines interface {
	// Init opens the chips; it fails with ErrNoChip and a hint when none
	// can be opened.
	Init() error
	// ByName returns a line, nil when there is none of that name.
	ByName(name string) gpio.PinIO
	// Names lists the named lines, for error messages.
	Names() []string
}

// System is the machine's chips, found under /dev.
var System Lines = &chardev{dev: "/dev"}

type chardev struct {
	dev string
	mu  sync.Mutex
}

// Init checks the chips every time (so a kiosk that started before udev
// fixed the permissions succeeds on a later open) and only then loads
// periph.io's drivers, which happens once per process.
func (c *chardev) Init() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	paths, err := filepath.Glob(filepath.Join(c.dev, "gpiochip*"))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoChip, err)
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: no %s/gpiochip* device on this machine (no GPIO controller, or its kernel driver is not loaded): %s", ErrNoChip, c.dev, Hint)
	}
	var openErrs []error
	for _, p := range paths {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			openErrs = append(openErrs, err)
			continue
		}
		f.Close()
	}
	if len(openErrs) == len(paths) {
		return fmt.Errorf("%w: %w: %s", ErrNoChip, errors.Join(openErrs...), Hint)
	}
	st, err := driverreg.Init()
	if err != nil {
		return fmt.Errorf("%w: periph.io: %v", ErrNoChip, err)
	}
	if len(gpioioctl.Chips) == 0 {
		why := "gpioioctl found no chip"
		for _, f := range append(st.Failed, st.Skipped...) {
			why += "; " + f.String()
		}
		return fmt.Errorf("%w: %s: %s", ErrNoChip, why, Hint)
	}
	return nil
}

func (c *chardev) ByName(name string) gpio.PinIO {
	if chip, line, ok := strings.Cut(name, "/"); ok {
		n, err := strconv.Atoi(line)
		if err != nil {
			return nil
		}
		for _, ch := range gpioioctl.Chips {
			if ch.Name() == chip {
				if l := ch.ByNumber(n); l != nil {
					return l
				}
			}
		}
		return nil
	}
	return gpioreg.ByName(name)
}

func (c *chardev) Names() []string {
	var out []string
	for _, p := range gpioreg.All() {
		out = append(out, p.Name())
	}
	return out
}

// Open finds the configured pins among lines and starts the panel.
func Open(cfg devgpio.Pins, env hw.Env, lines Lines) (*pinpanel.Panel, error) {
	if err := lines.Init(); err != nil {
		return nil, fmt.Errorf("%w (pins %s)", err, cfg.Arg())
	}
	var pins pinpanel.Pins
	var missing []string
	find := func(role string, p devgpio.Pin) gpio.PinIO {
		if !p.Fitted() {
			return nil
		}
		io := lines.ByName(p.Name)
		if io == nil {
			missing = append(missing, role+"="+p.Name)
			return nil
		}
		if p.ActiveLow {
			return pinpanel.Invert(io)
		}
		return io
	}
	// Assign only found pins: a nil gpio.PinIO stored in an interface
	// field would not be nil.
	if io := find("light", cfg.Light); io != nil {
		pins.Light = io
	}
	if io := find("red", cfg.Red); io != nil {
		pins.Red = io
	}
	if io := find("green", cfg.Green); io != nil {
		pins.Green = io
	}
	if io := find("blue", cfg.Blue); io != nil {
		pins.Blue = io
	}
	if io := find("presence", cfg.Presence); io != nil {
		pins.Presence = io
	}
	if len(missing) > 0 {
		names := lines.Names()
		sort.Strings(names)
		const show = 12
		more := ""
		if len(names) > show {
			more = fmt.Sprintf(" and %d more", len(names)-show)
			names = names[:show]
		}
		return nil, fmt.Errorf("%w: %s (lines here: %s%s; `gpioinfo` lists them; a line by number is gpiochipN/LINE)",
			ErrPinNotFound, strings.Join(missing, ", "), strings.Join(names, ", "), more)
	}
	p, err := pinpanel.New(pins, pinpanel.Options{Clock: env.Clock, Log: env.Log, Debounce: cfg.Debounce})
	if err != nil {
		return nil, fmt.Errorf("gpiochip: %w", err)
	}
	return p, nil
}
