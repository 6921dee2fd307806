package config

// GPIOConfig names the pins.
type GPIOConfig struct {
	Light    string `toml:"light" comment:"illumination LED pin (output)"`
	Presence string `toml:"presence" comment:"presence sensor pin (input, high = someone there)"`
	Red      string `toml:"status_red" comment:"status light pins (outputs)"`
	Green    string `toml:"status_green"`
	Blue     string `toml:"status_blue"`
}

func (c *GPIOConfig) defaults(Profile) {
	c.Light, c.Presence = "GPIO17", "GPIO27"
	c.Red, c.Green, c.Blue = "GPIO22", "GPIO23", "GPIO24"
}

func (c *GPIOConfig) validate(func(key, msg string)) {}
