package main

import (
	"debug/buildinfo"
	"fmt"
	"strings"
)

// applianceBinaries must be built with the appliance tag: their defaults are
// the appliance profile (real hardware, /etc/kiosk, /var/lib/kiosk, the chip
// photo decoder). A development build defaults to simulators and ./var and
// has no place in the package a technician installs.
var applianceBinaries = map[string]bool{"kiosk": true, "kioskctl": true}

// applianceTag is the build tag of the appliance profile (device/config).
const applianceTag = "appliance"

// checkAppliance reports whether the Go binary at path was built with the
// appliance tag, from the build settings the Go linker records in it.
func checkAppliance(name, path string) error {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return fmt.Errorf("package: binary %s: not a Go binary with build information: %w", name, err)
	}
	for _, s := range bi.Settings {
		if s.Key != "-tags" {
			continue
		}
		for _, t := range strings.Split(s.Value, ",") {
			if t == applianceTag {
				return nil
			}
		}
	}
	return fmt.Errorf("package: binary %s is a development build (no -tags %s): build the package's binaries with `make package`, which builds them with the appliance profile", name, applianceTag)
}
