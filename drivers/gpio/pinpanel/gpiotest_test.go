// These tests run the panel over periph.io's own fakes
// (conn/v3/gpio/gpiotest).
package pinpanel

import (
	"context"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/hbzk/kiosk/device/clock/clocktest"
	devgpio "github.com/hbzk/kiosk/device/gpio"
)

func TestWithPeriphGpiotestPins(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	light := &gpiotest.Pin{N: "GPIO17", Num: 17}
	red := &gpiotest.Pin{N: "GPIO22", Num: 22}
	green := &gpiotest.Pin{N: "GPIO23", Num: 23}
	blue := &gpiotest.Pin{N: "GPIO24", Num: 24}
	sensor := &gpiotest.Pin{N: "GPIO27", Num: 27, EdgesChan: make(chan gpio.Level)}
	events := make(chan string, 100)
	p, err := New(Pins{Light: light, Red: red, Green: green, Blue: blue, Presence: sensor}, Options{
		Clock: clk, Debounce: 50 * time.Millisecond,
		// gpiotest's WaitForEdge cannot be interrupted: keep Close quick.
		EdgeTimeout: 10 * time.Millisecond,
		trace:       func(ev string) { events <- ev },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	wait := func(want string) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case ev := <-events:
				if ev == want {
					return
				}
			case <-deadline:
				t.Fatalf("no %q", want)
			}
		}
	}

	// LED on while capturing.
	if err := devgpio.WithLight(p, func() error {
		if light.Read() != gpio.High {
			t.Error("LED off during capture")
		}
		return nil
	}); err != nil || light.Read() != gpio.Low {
		t.Fatalf("after capture: %v, LED %v", err, light.Read())
	}

	// Status light states.
	for _, s := range devgpio.Statuses() {
		p.SetStatus(s)
		c := s.Signal().Colour
		if red.Read() != gpio.Level(c&devgpio.Red != 0) || green.Read() != gpio.Level(c&devgpio.Green != 0) || blue.Read() != gpio.Level(c&devgpio.Blue != 0) {
			t.Errorf("%v: pins r%v g%v b%v, want %v", s, red.Read(), green.Read(), blue.Read(), c)
		}
	}
	p.SetStatus(devgpio.Fault)
	wait("shown red")
	clk.Advance(devgpio.BlinkPeriod / 2)
	wait("shown off")
	if red.Read() != gpio.Low {
		t.Fatal("fault did not blink off")
	}

	// Presence wakes the panel after the debounce time.
	woke := make(chan error, 1)
	go func() { woke <- p.WaitPresence(context.Background()) }()
	sensor.EdgesChan <- gpio.High
	wait("raw High")
	clk.Advance(50 * time.Millisecond)
	wait("present true")
	if err := <-woke; err != nil {
		t.Fatal(err)
	}
}
