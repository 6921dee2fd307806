package gpiosim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/logx"
	_ "github.com/hbzk/kiosk/drivers/gpio/gpiosim"
)

// The kiosk's wiring opens the panel from [hardware] gpio and [gpio]; the
// demo drives the simulated sensor through gpio.Simulator.
func Example() {
	cfg := config.Defaults(config.Dev) // [hardware] gpio = "sim:"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	panel, rep := gpio.Open(ctx, cfg.Hardware.GPIO, cfg.GPIO, hw.Env{Clock: clock.Real{}, Log: logx.Discard()})
	fmt.Println(rep.Status)
	defer panel.Close()

	panel.SetStatus(gpio.Ready)
	sim := panel.(gpio.Simulator)
	fmt.Println("light:", sim.Colour())

	sim.SetPresence(true) // someone walks up
	fmt.Println("woke:", panel.WaitPresence(ctx))

	panel.SetStatus(gpio.Busy)
	gpio.WithLight(panel, func() error {
		fmt.Println("capturing, LED on:", sim.Light())
		return nil
	})
	fmt.Println("light:", sim.Colour(), "LED on:", sim.Light())
	// Output:
	// loaded
	// light: green
	// woke: <nil>
	// capturing, LED on: true
	// light: blue LED on: false
}
