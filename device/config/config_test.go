package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultsAreValid(t *testing.T) {
	for _, p := range []Profile{Dev, Appliance} {
		c := Defaults(p)
		if err := c.Validate(); err != nil {
			t.Errorf("%s defaults: %v", p, err)
		}
	}
	if d, a := Defaults(Dev), Defaults(Appliance); d.Hardware.IDCard == a.Hardware.IDCard || d.Paths.StateDir == a.Paths.StateDir || d.UI.Fullscreen == a.UI.Fullscreen {
		t.Error("dev and appliance defaults should differ in hardware, state and window")
	}
}

func TestParseErrorsNameKeyAndLine(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"unknown key", "[ui]\nwidth = 1280\ncolour = \"red\"\n", []string{"x.toml:3", "ui.colour", "unknown key", "language"}},
		{"unknown section", "[uii]\nwidth = 1\n", []string{"x.toml:1", "uii", "unknown key"}},
		{"wrong type", "[flow]\n\nmatch_attempts = \"three\"\n", []string{"x.toml:3", "flow.match_attempts", "string", "int"}},
		{"bad value", "[flow]\nmatch_attempts = 0\n", []string{"x.toml:2", "flow.match_attempts", "want 1..10"}},
		{"bad duration", "[flow]\nstep_timeout = \"soon\"\n", []string{"x.toml:2", "flow.step_timeout", "bad duration"}},
		{"missing device", "[hardware]\ncamera = \"none\"\n", []string{"x.toml:2", "hardware.camera", "missing"}},
		{"bad spec", "[hardware]\nidcard = \"/dev/ttyUSB0\"\n", []string{"x.toml:2", "hardware.idcard", "scheme:argument"}},
		{"syntax", "[ui]\nwidth = \n", []string{"x.toml:2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults(Dev)
			c.File = "x.toml"
			err := Parse([]byte(tc.in), &c)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.Count(msg, "\n") != 0 {
				t.Errorf("want one line, got %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestParseOverridesDefaults(t *testing.T) {
	c := Defaults(Dev)
	in := "[ui]\nlanguage = \"en\"\n[flow]\nstep_timeout = \"2m\"\n[hardware]\nidcard = \"sam:/dev/idreader\"\n"
	if err := Parse([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	if c.UI.Language != "en" || c.Flow.StepTimeout.D().Minutes() != 2 || c.Hardware.IDCard != "sam:/dev/idreader" {
		t.Errorf("not applied: %+v %+v", c.UI, c.Flow)
	}
	if c.UI.Width != 1280 || c.Flow.MatchAttempts != 3 {
		t.Error("defaults lost")
	}
}

func TestEncodedDefaultsParseBack(t *testing.T) {
	c := Defaults(Appliance)
	data, err := Encode(&c)
	if err != nil {
		t.Fatal(err)
	}
	d := Defaults(Dev)
	if err := Parse(data, &d); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if d.Hardware.IDCard != c.Hardware.IDCard || d.Paths != c.Paths || d.Log != c.Log {
		t.Error("round trip changed hardware")
	}
}

func TestLoadResolvesAgainstFileFolder(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "kiosk.toml")
	os.WriteFile(p, []byte("[paths]\nstate_dir = \"state\"\n"), 0o644)
	c, err := Load(p, Dev)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Path(c.Paths.StateDir); got != filepath.Join(dir, "state") {
		t.Errorf("state dir %q", got)
	}
	if _, err := Load(filepath.Join(dir, "nope.toml"), Dev); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestTheShippedExampleIsValid(t *testing.T) {
	for _, f := range []string{"../../kiosk.toml", "../../build/kiosk.appliance.toml"} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		p := Dev
		if strings.Contains(f, "appliance") {
			p = Appliance
		}
		if _, err := Load(f, p); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("[ui]\nwidth = 1280\n"))
	f.Add([]byte("[flow]\nstep_timeout = \"2m\"\n"))
	f.Add([]byte("[hardware]\nidcard = \"sim:\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := Defaults(Dev)
		_ = Parse(data, &c) // must not panic
	})
}
