// Command kiosk is the appliance: it reads kiosk.toml, opens the hardware
// through the registries, and runs the candidate flow on the touch screen
// (or off-screen, with --screens, when there is no display). See app.
package main

import (
	"os"

	"github.com/hbzk/kiosk/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr))
}
