package systemd_test

import (
	"log"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/drivers/systemd"
)

// The kiosk's main: READY once the devices are open and the first screen
// is drawn, a watchdog ping on every turn of the UI loop, STOPPING at the
// end. Outside systemd every call is a no-op.
func Example() {
	n := systemd.FromEnv()
	wd, err := systemd.NewWatchdog(n, clock.Real{})
	if err != nil {
		log.Fatal(err) // WATCHDOG_USEC is garbage: systemd did not set it
	}
	// ... open devices, draw the first screen ...
	if err := n.Notify(systemd.Ready, systemd.Status("ready")); err != nil {
		log.Print(err)
	}
	frame := time.NewTicker(16 * time.Millisecond)
	defer frame.Stop()
	for i := 0; i < 3; i++ { // the UI loop
		<-frame.C
		// ... draw a frame, handle events ...
		if _, err := wd.Ping(); err != nil {
			log.Print(err)
		}
	}
	n.Notify(systemd.Stopping)
}
