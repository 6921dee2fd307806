//go:build appliance

package config

// DefaultProfile is the profile used when none is given: appliance builds
// default to real hardware.
const DefaultProfile = Appliance
