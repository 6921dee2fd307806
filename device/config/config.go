// Package config is the kiosk's one configuration file, kiosk.toml: one
// Config type, documented defaults for two profiles (development and
// appliance), strict parsing (an unknown key or a bad value is an error that
// names the key and its line) and validation once at start-up.
//
// Each section of the file is a struct in a file of its own
// (section_*.go) with its defaults and its validation.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// Profile selects a set of defaults.
type Profile string

const (
	// Dev: simulated hardware, ./var state, a window, text logs.
	Dev Profile = "dev"
	// Appliance: real device paths, /var/lib/kiosk, fullscreen, JSON logs.
	Appliance Profile = "appliance"
)

// ParseProfile accepts "dev"/"development" and "appliance".
func ParseProfile(s string) (Profile, error) {
	switch s {
	case "dev", "development":
		return Dev, nil
	case "appliance":
		return Appliance, nil
	case "":
		return DefaultProfile, nil
	}
	return "", fmt.Errorf("config: profile %q: want dev or appliance", s)
}

// Config is the whole kiosk configuration.
type Config struct {
	Device    DeviceConfig    `toml:"device"`
	Hardware  HardwareConfig  `toml:"hardware"`
	Paths     PathsConfig     `toml:"paths"`
	UI        UIConfig        `toml:"ui"`
	Log       LogConfig       `toml:"log"`
	Flow      FlowConfig      `toml:"flow"`
	Face      FaceConfig      `toml:"face"`
	Liveness  LivenessConfig  `toml:"liveness"`
	Photo     PhotoConfig     `toml:"photo"`
	Signature SignatureConfig `toml:"signature"`
	Store     StoreConfig     `toml:"store"`
	Sync      SyncConfig      `toml:"sync"`
	GPIO      GPIOConfig      `toml:"gpio"`
	Audio     AudioConfig     `toml:"audio"`

	// Profile is the set of defaults this config started from.
	Profile Profile `toml:"-"`
	// Dir is the folder relative paths are resolved against: the config
	// file's folder, or the working folder when there is no file.
	Dir string `toml:"-"`
	// File is the path the config was read from, if any.
	File string `toml:"-"`
}

// Defaults returns the documented defaults of a profile.
func Defaults(p Profile) Config {
	c := Config{Profile: p}
	c.Device.defaults(p)
	c.Hardware.defaults(p)
	c.Paths.defaults(p)
	c.UI.defaults(p)
	c.Log.defaults(p)
	c.Flow.defaults(p)
	c.Face.defaults(p)
	c.Liveness.defaults(p)
	c.Photo.defaults(p)
	c.Signature.defaults(p)
	c.Store.defaults(p)
	c.Sync.defaults(p)
	c.GPIO.defaults(p)
	c.Audio.defaults(p)
	return c
}

// Validate checks every section. The error lists every bad key.
func (c *Config) Validate() error {
	var errs []error
	add := func(section string, v interface {
		validate(add func(key, msg string))
	}) {
		v.validate(func(key, msg string) {
			errs = append(errs, &KeyError{Key: section + "." + key, Msg: msg})
		})
	}
	add("device", &c.Device)
	add("hardware", &c.Hardware)
	add("paths", &c.Paths)
	add("ui", &c.UI)
	add("log", &c.Log)
	add("flow", &c.Flow)
	add("face", &c.Face)
	add("liveness", &c.Liveness)
	add("photo", &c.Photo)
	add("signature", &c.Signature)
	add("store", &c.Store)
	add("sync", &c.Sync)
	add("gpio", &c.GPIO)
	add("audio", &c.Audio)
	return errors.Join(errs...)
}

// Path resolves a path from the config against Dir.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// KeyError is a bad key or value, with the line it is on when known.
type KeyError struct {
	File string
	Key  string
	Line int
	Msg  string
}

func (e *KeyError) Error() string {
	var b strings.Builder
	b.WriteString("config: ")
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, "%s: ", e.Key)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Load reads a config file over the profile's defaults and validates it.
// An empty path means no file: the defaults, resolved against the working
// folder.
func Load(path string, p Profile) (*Config, error) {
	c := Defaults(p)
	if path == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		c.Dir = wd
		if err := c.Validate(); err != nil {
			return nil, err
		}
		return &c, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.File, c.Dir = path, filepath.Dir(abs)
	if err := Parse(data, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Parse decodes TOML data over c strictly and validates the result. Errors
// name the key and the line.
func Parse(data []byte, c *Config) error {
	lines := keyLines(data)
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		var sm *toml.StrictMissingError
		if errors.As(err, &sm) {
			var errs []error
			for _, e := range sm.Errors {
				row, _ := e.Position()
				errs = append(errs, &KeyError{File: c.File, Key: strings.Join(e.Key(), "."), Line: row,
					Msg: "unknown key" + suggest(e.Key())})
			}
			return errors.Join(errs...)
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, _ := de.Position()
			return &KeyError{File: c.File, Key: strings.Join(de.Key(), "."), Line: row, Msg: cleanMsg(de.Error())}
		}
		return &KeyError{File: c.File, Msg: err.Error()}
	}
	err := c.Validate()
	if err == nil {
		return nil
	}
	// Put the file and line on each validation error.
	var out []error
	for _, e := range unwrapJoin(err) {
		var ke *KeyError
		if errors.As(e, &ke) {
			ke.File = c.File
			ke.Line = lines[ke.Key]
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

func unwrapJoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// cleanMsg turns go-toml's Go-flavoured type error into words for a
// technician.
func cleanMsg(s string) string {
	s = strings.TrimPrefix(s, "toml: ")
	if i := strings.Index(s, " into struct field "); i >= 0 {
		if j := strings.LastIndex(s, " of type "); j > i {
			return s[:i] + " into a value of type " + s[j+len(" of type "):]
		}
	}
	return s
}

// suggest names the known keys of the section an unknown key is in.
func suggest(key []string) string {
	if len(key) == 0 {
		return ""
	}
	known := knownKeys(key[:len(key)-1])
	if len(known) == 0 {
		return ""
	}
	return " (known here: " + strings.Join(known, ", ") + ")"
}

// keyLines maps every dotted key of a TOML document to its line.
func keyLines(data []byte) map[string]int {
	out := map[string]int{}
	p := &unstable.Parser{}
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyOf(e.Key())
		case unstable.KeyValue:
			k := append(append([]string{}, table...), keyOf(e.Key())...)
			line := 0
			if e.Raw.Length > 0 {
				line = p.Shape(e.Raw).Start.Line
			} else if v := e.Value(); v != nil {
				line = p.Shape(v.Raw).Start.Line
			}
			out[strings.Join(k, ".")] = line
		}
	}
	return out
}

func keyOf(it unstable.Iterator) []string {
	var k []string
	for it.Next() {
		k = append(k, string(it.Node().Data))
	}
	return k
}

// Duration is a time.Duration written as a string in the file ("30s").
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the duration as Go writes it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "1m30s" and the like.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("bad duration %q (want e.g. \"30s\", \"2m\")", b)
	}
	*d = Duration(v)
	return nil
}

// Encode writes c as TOML: kioskctl config show and the documented defaults.
func Encode(c *Config) ([]byte, error) {
	var b bytes.Buffer
	enc := toml.NewEncoder(&b)
	enc.SetIndentTables(false)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return b.Bytes(), nil
}

func knownKeys(section []string) []string {
	c := Defaults(Dev)
	data, err := Encode(&c)
	if err != nil {
		return nil
	}
	var out []string
	prefix := strings.Join(section, ".")
	for k := range keyLines(data) {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if prefix == "" {
			rest, ok = k, true
		}
		if ok && !strings.Contains(rest, ".") {
			out = append(out, rest)
		}
	}
	sort.Strings(out)
	return out
}
