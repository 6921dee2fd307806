//go:build !appliance

package config

// DefaultProfile is the profile used when none is given: development
// builds default to simulated hardware. Build with -tags appliance for the
// device image.
const DefaultProfile = Dev
