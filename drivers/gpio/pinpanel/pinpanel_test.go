package pinpanel

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/hbzk/kiosk/device/clock/clocktest"
	devgpio "github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/drivers/gpio/fakepin"
)

type rig struct {
	clk                             *clocktest.Fake
	light, red, green, blue, sensor *fakepin.Pin
	panel                           *Panel
	events                          chan string
}

func newRig(t *testing.T, debounce time.Duration) *rig {
	t.Helper()
	r := &rig{
		clk:    clocktest.New(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)),
		light:  fakepin.New("GPIO17", 17),
		sensor: fakepin.New("GPIO27", 27),
		red:    fakepin.New("GPIO22", 22),
		green:  fakepin.New("GPIO23", 23),
		blue:   fakepin.New("GPIO24", 24),
		events: make(chan string, 100),
	}
	p, err := New(Pins{Light: r.light, Red: r.red, Green: r.green, Blue: r.blue, Presence: r.sensor}, Options{
		Clock: r.clk, Debounce: debounce,
		trace: func(ev string) { r.events <- ev },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.panel = p
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// wait reads the panel's trace until want comes, failing after a deadline.
func (r *rig) wait(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	var seen []string
	for {
		select {
		case ev := <-r.events:
			if ev == want {
				return
			}
			seen = append(seen, ev)
		case <-deadline:
			t.Fatalf("no %q from the panel; saw %q", want, seen)
		}
	}
}

func (r *rig) colour() devgpio.Colour {
	var c devgpio.Colour
	if r.red.Level() {
		c |= devgpio.Red
	}
	if r.green.Level() {
		c |= devgpio.Green
	}
	if r.blue.Level() {
		c |= devgpio.Blue
	}
	return c
}

func TestOutputsStartOff(t *testing.T) {
	r := newRig(t, 0)
	for _, p := range []*fakepin.Pin{r.light, r.red, r.green, r.blue} {
		if !p.IsOutput() || bool(p.Level()) {
			t.Errorf("%s: output %v level %v, want an output, low", p, p.IsOutput(), p.Level())
		}
	}
	if r.sensor.IsOutput() {
		t.Error("sensor pin set up as an output")
	}
}

func TestLightOnWhileCapturing(t *testing.T) {
	r := newRig(t, 0)
	captured := false
	err := devgpio.WithLight(r.panel, func() error {
		captured = true
		if !r.light.Level() {
			t.Error("illumination LED off during capture")
		}
		return nil
	})
	if err != nil || !captured {
		t.Fatalf("WithLight: %v, captured %v", err, captured)
	}
	if r.light.Level() {
		t.Fatal("illumination LED still on after capture")
	}
}

func TestSteadyStatusColours(t *testing.T) {
	r := newRig(t, 0)
	for _, s := range devgpio.Statuses() {
		if err := r.panel.SetStatus(s); err != nil {
			t.Fatal(err)
		}
		want := s.Signal().Colour
		if got := r.colour(); got != want {
			t.Errorf("%v: light shows %v, want %v", s, got, want)
		}
		if r.panel.Status() != s {
			t.Errorf("Status() = %v, want %v", r.panel.Status(), s)
		}
	}
}

func TestFaultBlinksAndReadyStaysSteady(t *testing.T) {
	r := newRig(t, 0)
	if err := r.panel.SetStatus(devgpio.Fault); err != nil {
		t.Fatal(err)
	}
	r.wait(t, "shown red")
	for i, want := range []devgpio.Colour{devgpio.Black, devgpio.Red, devgpio.Black, devgpio.Red} {
		r.clk.Advance(devgpio.BlinkPeriod / 2)
		r.wait(t, "shown "+want.String())
		if got := r.colour(); got != want {
			t.Fatalf("half period %d: light shows %v, want %v", i+1, got, want)
		}
	}
	if err := r.panel.SetStatus(devgpio.Ready); err != nil {
		t.Fatal(err)
	}
	r.wait(t, "shown green")
	writes := r.green.Writes()
	r.clk.Advance(5 * devgpio.BlinkPeriod)
	if err := r.panel.SetStatus(devgpio.Ready); err != nil { // a barrier through the loop
		t.Fatal(err)
	}
	r.wait(t, "shown green")
	if got := r.colour(); got != devgpio.Green {
		t.Fatalf("ready shows %v", got)
	}
	if w := r.green.Writes() - writes; w != 1 {
		t.Fatalf("steady green was written %d times in 5 s, want once (by SetStatus)", w)
	}
}

func TestPresenceIsDebounced(t *testing.T) {
	const debounce = 50 * time.Millisecond
	r := newRig(t, debounce)
	if r.panel.Present() {
		t.Fatal("present at start with the sensor low")
	}
	woke := make(chan error, 1)
	go func() { woke <- r.panel.WaitPresence(context.Background()) }()

	// A bounce: high then low again before the debounce time.
	r.sensor.Set(gpio.High)
	r.wait(t, "raw High")
	r.clk.Advance(30 * time.Millisecond)
	r.sensor.Set(gpio.Low)
	r.wait(t, "raw Low")
	r.clk.Advance(time.Second)
	if r.panel.Present() {
		t.Fatal("a 30 ms bounce counted as presence")
	}

	// Someone arrives and stays.
	r.sensor.Set(gpio.High)
	r.wait(t, "raw High")
	r.clk.Advance(debounce - time.Millisecond)
	if r.panel.Present() {
		t.Fatal("present before the debounce time")
	}
	select {
	case err := <-woke:
		t.Fatalf("WaitPresence returned early: %v", err)
	default:
	}
	r.clk.Advance(time.Millisecond)
	r.wait(t, "present true")
	select {
	case err := <-woke:
		if err != nil {
			t.Fatalf("WaitPresence: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitPresence did not wake")
	}
	if err := r.panel.WaitPresence(context.Background()); err != nil {
		t.Fatalf("WaitPresence while present: %v", err)
	}

	// They leave: the wait blocks until the context ends.
	r.sensor.Set(gpio.Low)
	r.wait(t, "raw Low")
	r.clk.Advance(debounce)
	r.wait(t, "present false")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.panel.WaitPresence(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitPresence with nobody there: %v, want context.Canceled", err)
	}
}

func TestPresentAtStartCountsAtOnce(t *testing.T) {
	sensor := fakepin.New("PIR", 1)
	sensor.Set(gpio.High)
	p, err := New(Pins{Presence: sensor}, Options{Clock: clocktest.New(time.Unix(0, 0)), Debounce: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !p.Present() {
		t.Fatal("sensor high at start: not present")
	}
}

func TestNothingFitted(t *testing.T) {
	p, err := New(Pins{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetLight(true); err != nil {
		t.Errorf("SetLight without an LED: %v", err)
	}
	if err := p.SetStatus(devgpio.Fault); err != nil {
		t.Errorf("SetStatus without a light: %v", err)
	}
	if err := p.WaitPresence(context.Background()); !errors.Is(err, devgpio.ErrNotFitted) {
		t.Errorf("WaitPresence without a sensor: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestClose(t *testing.T) {
	r := newRig(t, 0)
	r.panel.SetLight(true)
	r.panel.SetStatus(devgpio.Degraded)
	waiting := make(chan error, 1)
	go func() { waiting <- r.panel.WaitPresence(context.Background()) }()
	if err := r.panel.Close(); err != nil {
		t.Fatal(err)
	}
	if bool(r.light.Level()) || r.colour() != devgpio.Black {
		t.Fatalf("after Close: light %v, status %v", r.light.Level(), r.colour())
	}
	if err := <-waiting; !errors.Is(err, devgpio.ErrClosed) {
		t.Fatalf("pending WaitPresence: %v", err)
	}
	for name, err := range map[string]error{
		"SetLight":     r.panel.SetLight(true),
		"SetStatus":    r.panel.SetStatus(devgpio.Ready),
		"WaitPresence": r.panel.WaitPresence(context.Background()),
	} {
		if !errors.Is(err, devgpio.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	if err := r.panel.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// brokenPin fails the calls its flags name.
type brokenPin struct {
	*fakepin.Pin
	noEdges, noOut bool
}

func (b *brokenPin) In(pull gpio.Pull, edge gpio.Edge) error {
	if b.noEdges && edge != gpio.NoEdge {
		return errors.New("edge detection not supported")
	}
	return b.Pin.In(pull, edge)
}

func (b *brokenPin) Out(l gpio.Level) error {
	if b.noOut {
		return errors.New("line busy")
	}
	return b.Pin.Out(l)
}

func TestBrokenOutput(t *testing.T) {
	bad := &brokenPin{Pin: fakepin.New("GPIO5", 5), noOut: true}
	_, err := New(Pins{Light: bad}, Options{})
	if err == nil || !strings.Contains(err.Error(), "light pin GPIO5(5)") || !strings.Contains(err.Error(), "line busy") {
		t.Fatalf("New with a busy light pin: %v", err)
	}
}

func TestSensorWithoutEdgesIsPolled(t *testing.T) {
	clk := clocktest.New(time.Unix(0, 0))
	pin := &brokenPin{Pin: fakepin.New("PIR", 1), noEdges: true}
	events := make(chan string, 10)
	p, err := New(Pins{Presence: pin}, Options{Clock: clk, PollInterval: 20 * time.Millisecond, trace: func(ev string) { events <- ev }})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pin.Set(gpio.High)
	deadline := time.Now().Add(5 * time.Second)
	for !p.Present() {
		if time.Now().After(deadline) {
			t.Fatal("polled sensor never seen high")
		}
		if clk.Pending() > 0 { // the poll timer is armed
			clk.Advance(20 * time.Millisecond)
		}
		runtime.Gosched()
	}
}

func TestInvert(t *testing.T) {
	raw := fakepin.New("GPIO5", 5)
	inv := Invert(raw)
	inv.Out(gpio.High)
	if raw.Level() != gpio.Low || inv.Read() != gpio.High {
		t.Fatalf("inverted high: raw %v, read %v", raw.Level(), inv.Read())
	}
	if inv.String() != "!GPIO5(5)" {
		t.Errorf("String = %q", inv.String())
	}
}
