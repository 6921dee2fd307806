package config

import (
	"strings"
	"testing"
)

func TestGPIOSection(t *testing.T) {
	tests := []struct {
		name, toml, wantErr string
	}{
		{"defaults", "", ""},
		{"active low and not fitted", "[gpio]\nlight = '!GPIO5'\npresence = 'none'\nstatus_blue = ''\n", ""},
		{"line by number", "[gpio]\nlight = 'gpiochip1/7'\n", ""},
		{"space in name", "[gpio]\nlight = 'GPIO 5'\n", "gpio.light"},
		{"comma in name", "[gpio]\nstatus_red = 'GPIO5,GPIO6'\n", "gpio.status_red"},
		{"bang alone", "[gpio]\npresence = '!'\n", "needs a pin name"},
		{"double bang", "[gpio]\npresence = '!!GPIO5'\n", "gpio.presence"},
		{"same pin twice", "[gpio]\nstatus_green = 'GPIO17'\n", "already used by light"},
		{"same pin, one active low", "[gpio]\nstatus_green = '!GPIO17'\n", "already used by light"},
		{"debounce too long", "[gpio]\ndebounce = '10s'\n", "gpio.debounce"},
		{"debounce negative", "[gpio]\ndebounce = '-1ms'\n", "gpio.debounce"},
		{"debounce not a duration", "[gpio]\ndebounce = 'quick'\n", "bad duration"},
		{"unknown key", "[gpio]\nbuzzer = 'GPIO5'\n", "buzzer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults(Appliance)
			err := Parse([]byte(tt.toml), &c)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
