package gpio

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/hw"
)

var parsePinsTests = []struct {
	arg     string
	want    func(p *Pins) // applied to DefaultPins(); nil when an error is expected
	wantErr string
}{
	{arg: "", want: func(*Pins) {}},
	{arg: "light=GPIO5", want: func(p *Pins) { p.Light = Pin{Name: "GPIO5"} }},
	{arg: "presence=!GPIO6,debounce=20ms", want: func(p *Pins) {
		p.Presence = Pin{Name: "GPIO6", ActiveLow: true}
		p.Debounce = 20 * time.Millisecond
	}},
	{arg: "presence=none", want: func(p *Pins) { p.Presence = Pin{} }},
	{arg: "red=,green=none,blue=gpiochip1/4", want: func(p *Pins) {
		p.Red, p.Green, p.Blue = Pin{}, Pin{}, Pin{Name: "gpiochip1/4"}
	}},
	{arg: " light = GPIO5 , debounce = 0s ", want: func(p *Pins) { p.Light = Pin{Name: "GPIO5"}; p.Debounce = 0 }},
	{arg: "light", wantErr: "want key=value"},
	{arg: "=GPIO5", wantErr: "want key=value"},
	{arg: "lamp=GPIO5", wantErr: `unknown key "lamp"`},
	{arg: "light=GPIO5,light=GPIO6", wantErr: "given twice"},
	{arg: "light=GPIO 5", wantErr: "no spaces"},
	{arg: "light=!", wantErr: "needs a pin name"},
	{arg: "light=!!GPIO5", wantErr: "no spaces, ',', '=' or '!'"},
	{arg: "light=GPIO27", wantErr: "both light and presence"},
	{arg: "debounce=fast", wantErr: "want a duration"},
	{arg: "debounce=-1ms", wantErr: "want 0s..5s"},
	{arg: "debounce=6s", wantErr: "want 0s..5s"},
	{arg: "light=GPIO5,", wantErr: "want key=value"},
}

func TestParsePins(t *testing.T) {
	for _, tt := range parsePinsTests {
		t.Run(tt.arg, func(t *testing.T) {
			got, err := ParsePins(tt.arg, DefaultPins())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePins(%q) = %+v, %v; want error containing %q", tt.arg, got, err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "gpio: ") {
					t.Errorf("error %q does not start with the package name", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePins(%q): %v", tt.arg, err)
			}
			want := DefaultPins()
			tt.want(&want)
			if got != want {
				t.Fatalf("ParsePins(%q) = %+v, want %+v", tt.arg, got, want)
			}
			back, err := ParsePins(got.Arg(), Pins{})
			if err != nil || back != got {
				t.Fatalf("round trip of %q through %q: %+v, %v", tt.arg, got.Arg(), back, err)
			}
		})
	}
}

func FuzzParsePins(f *testing.F) {
	for _, tt := range parsePinsTests {
		f.Add(tt.arg)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		p, err := ParsePins(arg, DefaultPins())
		if err != nil {
			if !strings.HasPrefix(err.Error(), "gpio: ") {
				t.Fatalf("error %q does not start with the package name", err)
			}
			return
		}
		back, err := ParsePins(p.Arg(), Pins{})
		if err != nil || back != p {
			t.Fatalf("%q parsed to %+v, whose Arg %q reads back as %+v, %v", arg, p, p.Arg(), back, err)
		}
	})
}

func TestDefaultPinsMatchConfig(t *testing.T) {
	p := DefaultPins()
	if p.Light.Name != "GPIO17" || p.Presence.Name != "GPIO27" || p.Debounce != 50*time.Millisecond {
		t.Fatalf("DefaultPins = %+v", p)
	}
}

func TestPinsFromConfigErrors(t *testing.T) {
	c := config.Defaults(config.Dev).GPIO
	c.Green = "GPIO 9"
	if _, err := PinsFromConfig(c); err == nil || !strings.Contains(err.Error(), "status_green") {
		t.Fatalf("bad pin name: err = %v", err)
	}
	c = config.Defaults(config.Dev).GPIO
	c.Blue = c.Red
	if _, err := PinsFromConfig(c); err == nil || !strings.Contains(err.Error(), "both red and blue") {
		t.Fatalf("same pin twice: err = %v", err)
	}
}

var openedArgs = make(chan string, 10)

func init() {
	Backends.Register("test-echo", func(_ context.Context, arg string, _ hw.Env) (Panel, error) {
		openedArgs <- arg
		return nil, errors.New("gpio: test-echo opens nothing")
	})
}

func TestOpenMergesConfigIntoSpec(t *testing.T) {
	c := config.Defaults(config.Dev).GPIO
	c.Light = "!GPIO5"
	_, rep := Open(context.Background(), "test-echo:presence=none", c, hw.Env{})
	if rep.Status != hw.Failed {
		t.Fatalf("report %v", rep)
	}
	got := <-openedArgs
	want := "light=!GPIO5,presence=none,red=GPIO22,green=GPIO23,blue=GPIO24,debounce=50ms"
	if got != want {
		t.Fatalf("opener got %q, want %q", got, want)
	}

	_, rep = Open(context.Background(), "none", c, hw.Env{})
	if rep.Status != hw.Skipped {
		t.Fatalf("none: %v", rep)
	}
	_, rep = Open(context.Background(), "test-echo:lamp=1", c, hw.Env{})
	if rep.Status != hw.Failed || !strings.Contains(rep.Err.Error(), "unknown key") {
		t.Fatalf("bad argument: %v", rep)
	}
	c.Red = "GPIO 1"
	_, rep = Open(context.Background(), "test-echo:", c, hw.Env{})
	if rep.Status != hw.Failed || !strings.Contains(rep.Err.Error(), "status_red") {
		t.Fatalf("bad config: %v", rep)
	}
	if len(openedArgs) != 0 {
		t.Fatalf("opener called %d times for bad input", len(openedArgs))
	}
}

// FuzzConfigAgreesWithParsePin: a pin kiosk.toml validation accepts opens,
// and one it refuses would not: the technician hears of a bad pin name
// when the config is checked, not later.
func FuzzConfigAgreesWithParsePin(f *testing.F) {
	for _, s := range []string{"GPIO17", "!GPIO5", "none", "", "!", "!!x", "a b", "gpiochip0/3", " GPIO4 ", "x=y", "\x01", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := config.Defaults(config.Dev)
		c.GPIO = config.GPIOConfig{Light: s, Presence: "none", Red: "none", Green: "none", Blue: "none"}
		cfgErr := c.Validate()
		_, pinErr := PinsFromConfig(c.GPIO)
		if (cfgErr == nil) != (pinErr == nil) {
			t.Fatalf("pin %q: config says %v, ParsePin says %v", s, cfgErr, pinErr)
		}
	})
}
