package selftest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/selftest"
)

const gpioRemedy = "check the GPIO wiring, [gpio] pin names, and that the kiosk user is in the gpio group (udev rule for /dev/gpiochip*)"

func (t *tester) gpio(ctx context.Context) []selftest.Check {
	var given gpio.Panel
	if t.o.Devices != nil {
		given = t.o.Devices.GPIO
	}
	p, rep, release := opened(t.cfg.Hardware.GPIO, given, given != nil, func() (gpio.Panel, hw.Report) {
		return gpio.Open(ctx, t.cfg.Hardware.GPIO, t.cfg.GPIO, t.env)
	})
	defer release()
	open, ok := t.openCheck("gpio", rep, gpioRemedy)
	out := []selftest.Check{open}
	if !ok {
		return out
	}
	sim, isSim := p.(gpio.Simulator)
	// Light: on, off; read back on the simulator.
	light := selftest.Pass("gpio light", "switched on and off (watch the illumination LED)")
	for _, on := range []bool{true, false} {
		if err := p.SetLight(on); err != nil {
			light = selftest.Fail("gpio light", fmt.Sprintf("switch %s: %v", onOff(on), err), gpioRemedy)
			break
		}
		if isSim && sim.Light() != on {
			light = selftest.Fail("gpio light", fmt.Sprintf("switched %s, reads back %s", onOff(on), onOff(sim.Light())), gpioRemedy)
			break
		}
	}
	if isSim && light.OK {
		light.Value = "switched on and off, read back on and off"
	}
	out = append(out, light)
	out = append(out, t.statusLight(ctx, p, sim, isSim))
	return append(out, t.presence(ctx, p, sim, isSim))
}

// statusOrder is the order the status light goes through its states,
// ending on ready.
var statusOrder = []gpio.Status{gpio.Starting, gpio.Busy, gpio.Degraded, gpio.Fault, gpio.Off, gpio.Ready}

// statusLight shows every state on the status light, each for
// Options.LightDwell on real hardware (the technician watches), and reads
// each colour back on the simulator. A blinking state may read back its
// colour or off, never another colour.
func (t *tester) statusLight(ctx context.Context, p gpio.Panel, sim gpio.Simulator, isSim bool) selftest.Check {
	const name = "gpio status light"
	if !isSim && t.o.Prompt != nil {
		fmt.Fprintf(t.o.Prompt, ">>> Watch the status light: it shows starting, busy, degraded, fault, off, then ready.\n")
	}
	var seen []string
	for _, st := range statusOrder {
		if err := p.SetStatus(st); err != nil {
			return selftest.Fail(name, fmt.Sprintf("set %s: %v", st, err), gpioRemedy)
		}
		sig := st.Signal()
		if isSim {
			got := sim.Colour()
			if got != sig.Colour && !(sig.Blink && got == gpio.Black) {
				return selftest.Fail(name, fmt.Sprintf("set %s (%s), reads back %s", st, sig.Colour, got), gpioRemedy)
			}
			seen = append(seen, got.String())
			continue
		}
		seen = append(seen, sig.Colour.String())
		select {
		case <-t.o.Clock.After(t.o.LightDwell):
		case <-ctx.Done():
			return selftest.Fail(name, "stopped: "+ctx.Err().Error(), "run the self-test again")
		}
	}
	if isSim {
		return selftest.Pass(name, "every state set, read back "+strings.Join(seen, ", "))
	}
	c := selftest.Pass(name, "showed "+strings.Join(seen, ", "))
	c.Remedy = "if a colour did not show, check the status light's wiring and [gpio] status_red/green/blue"
	return c
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// presence waits for the sensor to see someone: on real hardware the
// technician is asked to wave at it; the simulator's sensor is triggered.
// Either way the panel must see it through its debounce.
func (t *tester) presence(ctx context.Context, p gpio.Panel, sim gpio.Simulator, isSim bool) selftest.Check {
	const name = "gpio presence sensor"
	if isSim {
		if p.Present() {
			return selftest.Fail(name, "reads someone there before the simulated trigger", gpioRemedy)
		}
		sim.SetPresence(true)
		defer sim.SetPresence(false)
	} else if t.o.Prompt != nil {
		fmt.Fprintf(t.o.Prompt, ">>> Wave in front of the presence sensor (or press its button) now (within %s).\n", t.o.PresenceWait.Round(time.Second))
	}
	wait := t.o.PresenceWait + t.cfg.GPIO.Debounce.D()
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := p.WaitPresence(wctx); err != nil {
		if errors.Is(err, gpio.ErrNotFitted) {
			c := selftest.Pass(name, "not fitted")
			c.Remedy = "no presence sensor in [gpio]; the attract screen wakes on touch only"
			return c
		}
		if isSim {
			return selftest.Fail(name, fmt.Sprintf("triggered, not seen within %s: %v", wait, err), gpioRemedy)
		}
		return selftest.Fail(name, fmt.Sprintf("nobody seen within %s", wait),
			"wave at the sensor when asked; if it still sees nobody, check its wiring, its power and [gpio] presence (a button to ground needs '!')")
	}
	if isSim {
		return selftest.Pass(name, "triggered and seen after the debounce")
	}
	return selftest.Pass(name, "someone seen")
}
