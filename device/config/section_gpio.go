package config

import (
	"fmt"
	"strings"
	"time"
)

// GPIOConfig names the pins of the kiosk's panel (see package device/gpio).
// A pin is a line name as the GPIO chip reports it ("GPIO17" on a Raspberry
// Pi), or "gpiochipN/LINE" for a line by number; a leading '!' marks an
// active-low pin; "" or "none" means not fitted.
type GPIOConfig struct {
	Light    string `toml:"light" comment:"illumination LED pin (output); '!GPIO17' = active low; 'none' = not fitted"`
	Presence string `toml:"presence" comment:"presence sensor pin (input, high = someone there; '!' for a button to ground)"`
	Red      string `toml:"status_red" comment:"status light pins (outputs)"`
	Green    string `toml:"status_green"`
	Blue     string `toml:"status_blue"`
	// Debounce is how long the presence sensor must hold a new level before
	// it counts.
	Debounce Duration `toml:"debounce" comment:"presence sensor debounce time"`
}

func (c *GPIOConfig) defaults(Profile) {
	c.Light, c.Presence = "GPIO17", "GPIO27"
	c.Red, c.Green, c.Blue = "GPIO22", "GPIO23", "GPIO24"
	c.Debounce = Duration(50 * time.Millisecond)
}

func (c *GPIOConfig) validate(add func(key, msg string)) {
	pins := []struct{ key, val string }{
		{"light", c.Light}, {"presence", c.Presence},
		{"status_red", c.Red}, {"status_green", c.Green}, {"status_blue", c.Blue},
	}
	seen := map[string]string{}
	for _, p := range pins {
		name, activeLow := strings.CutPrefix(strings.TrimSpace(p.val), "!")
		if strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == ',' || r == '=' || r == '!' || r == 0x7f }) {
			add(p.key, fmt.Sprintf("pin %q: a pin name has no spaces, ',', '=' or '!' (except a leading '!')", p.val))
			continue
		}
		if name == "" || name == "none" {
			if activeLow {
				add(p.key, fmt.Sprintf("pin %q: '!' needs a pin name after it", p.val))
			}
			continue
		}
		if other, dup := seen[name]; dup {
			add(p.key, fmt.Sprintf("pin %q is already used by %s", name, other))
			continue
		}
		seen[name] = p.key
	}
	if d := c.Debounce.D(); d < 0 || d > 5*time.Second {
		add("debounce", fmt.Sprintf("%s: want 0s..5s", d))
	}
}
