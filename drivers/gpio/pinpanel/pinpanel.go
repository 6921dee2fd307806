// Package pinpanel implements device/gpio.Panel over periph.io GPIO pins
// (conn/v3/gpio.PinOut and PinIn), whatever drives them: the Linux GPIO
// character device (drivers/gpio/gpiochip) or in-process pins
// (drivers/gpio/gpiosim). The backends only find the pins; the behaviour,
// blinking and debouncing, is all here and runs the same in both.
//
// Blinking: the status light's colour at any moment is
// Status.Signal().ColourAt(time since SetStatus), computed from the injected
// clock; a timer on that clock wakes the panel at each half period.
//
// Debouncing: a goroutine waits for edges on the presence pin (the pin is
// configured for both edges; after each edge or every EdgeTimeout it reads
// the level, so a missed edge is caught within EdgeTimeout). A chip without
// edge detection is polled every PollInterval instead. A new level counts
// once it has held, with no further change, for the debounce time measured
// on the injected clock.
package pinpanel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"

	"github.com/hbzk/kiosk/device/clock"
	devgpio "github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/logx"
)

// Pins are the panel's pins; nil means not fitted.
type Pins struct {
	Light    gpio.PinOut
	Red      gpio.PinOut
	Green    gpio.PinOut
	Blue     gpio.PinOut
	Presence gpio.PinIn
}

// Options tune a panel. The zero value works: real clock, no debounce,
// logs discarded.
type Options struct {
	Clock    clock.Clock
	Log      *slog.Logger
	Debounce time.Duration
	// EdgeTimeout bounds each wait for an edge (default 1s).
	EdgeTimeout time.Duration
	// PollInterval is the polling period of a sensor pin whose chip cannot
	// report edges (default 20ms).
	PollInterval time.Duration

	trace func(event string) // tests: what the panel's loop just did
}

// Panel is a devgpio.Panel over periph.io pins.
type Panel struct {
	pins Pins
	o    Options

	mu       sync.Mutex
	closed   bool
	status   devgpio.Status
	since    time.Time
	shown    devgpio.Colour // what the status pins show now
	present  bool
	arrived  chan struct{} // closed while present
	blinkErr bool          // a blink write failed (logged once)

	kick chan struct{} // SetStatus -> loop: re-plan the blink timer
	raw  chan gpio.Level
	done chan struct{}
	wg   sync.WaitGroup
}

var _ devgpio.Panel = (*Panel)(nil)

// New sets every output low (off), configures the sensor pin for both
// edges (or polling when the chip cannot report edges) and starts the
// panel. The sensor's level at start counts at once, without debouncing.
func New(pins Pins, o Options) (*Panel, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = logx.Discard()
	}
	if o.EdgeTimeout <= 0 {
		o.EdgeTimeout = time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 20 * time.Millisecond
	}
	if o.Debounce < 0 {
		return nil, fmt.Errorf("pinpanel: negative debounce %s", o.Debounce)
	}
	p := &Panel{
		pins: pins, o: o,
		arrived: make(chan struct{}),
		kick:    make(chan struct{}, 1),
		raw:     make(chan gpio.Level, 1),
		done:    make(chan struct{}),
	}
	for _, out := range []struct {
		name string
		pin  gpio.PinOut
	}{{"light", pins.Light}, {"red", pins.Red}, {"green", pins.Green}, {"blue", pins.Blue}} {
		if out.pin == nil {
			continue
		}
		if err := out.pin.Out(gpio.Low); err != nil {
			return nil, fmt.Errorf("pinpanel: %s pin %s: set up as output: %w", out.name, out.pin, err)
		}
	}
	polling := false
	if in := pins.Presence; in != nil {
		if err := in.In(gpio.PullNoChange, gpio.BothEdges); err != nil {
			if err2 := in.In(gpio.PullNoChange, gpio.NoEdge); err2 != nil {
				return nil, fmt.Errorf("pinpanel: presence pin %s: set up as input: %w", in, errors.Join(err, err2))
			}
			o.Log.Warn("gpio: presence sensor pin cannot report edges; polling it", "pin", in.String(), "interval", o.PollInterval.String(), "err", err.Error())
			polling = true
		}
		p.setPresent(bool(in.Read()))
	}
	p.since = o.Clock.Now()
	p.wg.Add(1)
	go p.loop()
	if pins.Presence != nil {
		p.wg.Add(1)
		go p.watch(polling)
	}
	return p, nil
}

func (p *Panel) traceEvent(format string, args ...any) {
	if p.o.trace != nil {
		p.o.trace(fmt.Sprintf(format, args...))
	}
}

// SetLight switches the illumination LED.
func (p *Panel) SetLight(on bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return devgpio.ErrClosed
	}
	if p.pins.Light == nil {
		return nil
	}
	if err := p.pins.Light.Out(gpio.Level(on)); err != nil {
		return fmt.Errorf("pinpanel: light pin %s: %w", p.pins.Light, err)
	}
	return nil
}

// SetStatus shows s on the status light at once; the loop keeps a
// blinking signal blinking.
func (p *Panel) SetStatus(s devgpio.Status) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return devgpio.ErrClosed
	}
	p.status, p.since = s, p.o.Clock.Now()
	err := p.showLocked(s.Signal().Colour)
	select {
	case p.kick <- struct{}{}:
	default:
	}
	return err
}

// Status is the status last set.
func (p *Panel) Status() devgpio.Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// showLocked writes the three status pins.
func (p *Panel) showLocked(c devgpio.Colour) error {
	var errs []error
	for _, f := range []struct {
		pin gpio.PinOut
		bit devgpio.Colour
	}{{p.pins.Red, devgpio.Red}, {p.pins.Green, devgpio.Green}, {p.pins.Blue, devgpio.Blue}} {
		if f.pin == nil {
			continue
		}
		if err := f.pin.Out(gpio.Level(c&f.bit != 0)); err != nil {
			errs = append(errs, fmt.Errorf("pinpanel: status pin %s: %w", f.pin, err))
		}
	}
	p.shown = c
	return errors.Join(errs...)
}

// Present reports the debounced sensor state.
func (p *Panel) Present() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.present
}

// WaitPresence returns once someone is present.
func (p *Panel) WaitPresence(ctx context.Context) error {
	if p.pins.Presence == nil {
		return devgpio.ErrNotFitted
	}
	p.mu.Lock()
	closed, arrived := p.closed, p.arrived
	p.mu.Unlock()
	if closed {
		return devgpio.ErrClosed
	}
	select {
	case <-arrived:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-p.done:
		return devgpio.ErrClosed
	}
}

func (p *Panel) setPresent(v bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v == p.present {
		return
	}
	p.present = v
	if v {
		close(p.arrived)
	} else {
		p.arrived = make(chan struct{})
	}
}

// Close turns every output off and stops the panel's goroutines.
func (p *Panel) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	p.mu.Unlock()
	if p.pins.Presence != nil {
		_ = p.pins.Presence.Halt()
	}
	p.wg.Wait()

	p.mu.Lock()
	defer p.mu.Unlock()
	errs := []error{p.showLocked(devgpio.Black)}
	if p.pins.Light != nil {
		if err := p.pins.Light.Out(gpio.Low); err != nil {
			errs = append(errs, fmt.Errorf("pinpanel: light pin %s: %w", p.pins.Light, err))
		}
	}
	return errors.Join(errs...)
}

// watch forwards the sensor pin's level to the loop after each edge (or
// timeout, or poll).
func (p *Panel) watch(polling bool) {
	defer p.wg.Done()
	in := p.pins.Presence
	for {
		if polling {
			select {
			case <-p.o.Clock.After(p.o.PollInterval):
			case <-p.done:
				return
			}
		} else {
			in.WaitForEdge(p.o.EdgeTimeout)
		}
		select {
		case <-p.done:
			return
		default:
		}
		l := in.Read()
		select {
		case p.raw <- l:
		case <-p.done:
			return
		}
	}
}

// loop keeps a blinking light blinking and debounces the sensor.
func (p *Panel) loop() {
	defer p.wg.Done()
	var blinkC, debounceC <-chan time.Time
	stable := gpio.Level(p.Present())
	last := stable
	for {
		select {
		case <-p.done:
			return
		case <-p.kick:
			blinkC = p.blink()
		case <-blinkC:
			blinkC = p.blink()
		case l := <-p.raw:
			if l == last {
				continue // a timeout re-read: nothing new
			}
			last = l
			switch {
			case l == stable:
				debounceC = nil // bounced back before it counted
			case p.o.Debounce == 0:
				stable, debounceC = l, nil
				p.commit(l)
			default:
				debounceC = p.o.Clock.After(p.o.Debounce)
			}
			// Traced once the debounce timer is armed, so a test may
			// advance its clock as soon as it sees this.
			p.traceEvent("raw %v", l)
		case <-debounceC:
			debounceC = nil
			if last != stable {
				stable = last
				p.commit(last)
			}
		}
	}
}

func (p *Panel) commit(l gpio.Level) {
	p.setPresent(bool(l))
	p.traceEvent("present %v", bool(l))
}

// blink shows the colour of this moment and returns the timer of the next
// change, nil for a steady signal.
func (p *Panel) blink() <-chan time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	sig := p.status.Signal()
	elapsed := p.o.Clock.Now().Sub(p.since)
	if c := sig.ColourAt(elapsed); c != p.shown {
		if err := p.showLocked(c); err != nil && !p.blinkErr {
			p.blinkErr = true
			p.o.Log.Error("gpio: status light", "err", err.Error())
		}
	}
	var next <-chan time.Time
	if sig.Blink {
		half := devgpio.BlinkPeriod / 2
		if elapsed < 0 {
			elapsed = 0
		}
		next = p.o.Clock.After(half - elapsed%half)
	}
	p.traceEvent("shown %v", p.shown)
	return next
}

// Invert makes an active-low pin look active-high: Out and Read are
// inverted, everything else passes through.
func Invert(pin gpio.PinIO) gpio.PinIO { return inverted{pin} }

type inverted struct{ gpio.PinIO }

func (i inverted) Out(l gpio.Level) error                    { return i.PinIO.Out(!l) }
func (i inverted) Read() gpio.Level                          { return !i.PinIO.Read() }
func (i inverted) PWM(d gpio.Duty, f physic.Frequency) error { return i.PinIO.PWM(gpio.DutyMax-d, f) }
func (i inverted) String() string                            { return "!" + i.PinIO.String() }
