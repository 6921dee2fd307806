package config

import (
	"fmt"

	"github.com/hbzk/kiosk/device/hw"
)

// DeviceConfig is this kiosk's identity, written at provisioning.
type DeviceConfig struct {
	// ID is the device id central knows this kiosk by ("" until provisioned).
	ID string `toml:"id" comment:"device id, written by kioskctl provision"`
	// Site is the exam office the kiosk stands in.
	Site string `toml:"site" comment:"exam office name, written by kioskctl provision"`
}

func (d *DeviceConfig) defaults(Profile) {}

func (d *DeviceConfig) validate(add func(key, msg string)) {
	if len(d.ID) > 64 {
		add("id", "longer than 64 characters")
	}
}

// HardwareConfig names each device as "scheme:argument" (see package hw).
type HardwareConfig struct {
	IDCard string `toml:"idcard" comment:"ID card reader: sam:/dev/idreader[?fingerprint=1], sim:cards.toml"`
	// IDCardPhoto decodes the chip photo; "" uses the reader's own decoder
	// when it has one (the simulated reader does).
	IDCardPhoto string `toml:"idcard_photo" comment:"chip photo decoder: wlt:/usr/lib/libwlt2bmp.so, sim:, or empty for the reader's own"`
	Camera      string `toml:"camera" comment:"camera: v4l2:/dev/video0, file:clip.avi, dir:frames/, sim:PHOTO (still), sim-live:[PHOTO][#blue] (a simulated candidate performing the challenges)"`
	Sigpad      string `toml:"sigpad" comment:"signature pad: topaz:/dev/sigpad[,max=WxH,lpi=N], wacom4:/dev/sigpad, sim:PROTO:strokes.json[,noise=P,speed=F,cut=DUR]"`
	GPIO        string `toml:"gpio" comment:"GPIO: gpiochip:, sim:, none"`
	// Required lists the device kinds whose failure puts the kiosk out of
	// service.
	Required []string `toml:"required" comment:"device kinds without which the kiosk is out of service"`
}

// Kinds are the device kinds of [hardware], in start-up order.
var Kinds = []string{"idcard", "camera", "sigpad", "gpio"}

// Spec returns the spec string of a device kind.
func (h *HardwareConfig) Spec(kind string) string {
	switch kind {
	case "idcard":
		return h.IDCard
	case "camera":
		return h.Camera
	case "sigpad":
		return h.Sigpad
	case "gpio":
		return h.GPIO
	}
	return ""
}

// IsRequired reports whether the kiosk cannot serve without kind.
func (h *HardwareConfig) IsRequired(kind string) bool {
	for _, k := range h.Required {
		if k == kind {
			return true
		}
	}
	return false
}

func (h *HardwareConfig) defaults(p Profile) {
	h.Required = []string{"idcard", "camera", "sigpad"}
	if p == Appliance {
		h.IDCard = "sam:/dev/idreader"
		h.IDCardPhoto = "wlt:"
		h.Camera = "v4l2:/dev/video0"
		h.Sigpad = "topaz:/dev/sigpad"
		h.GPIO = "gpiochip:"
		return
	}
	h.IDCard = "sim:sim/cards.toml"
	h.Camera = "sim-live:"
	h.Sigpad = "sim:topaz:sim/signature.json"
	h.GPIO = "sim:"
}

func (h *HardwareConfig) validate(add func(key, msg string)) {
	for _, k := range Kinds {
		spec := h.Spec(k)
		s, err := hw.ParseSpec(spec)
		if err != nil {
			add(k, err.Error())
			continue
		}
		if s.Scheme == hw.None && h.IsRequired(k) {
			add(k, fmt.Sprintf("missing: %s is required (see hardware.required)", k))
		}
	}
	if h.IDCardPhoto != "" {
		if _, err := hw.ParseSpec(h.IDCardPhoto); err != nil {
			add("idcard_photo", err.Error())
		}
	}
	for _, k := range h.Required {
		known := false
		for _, kk := range Kinds {
			known = known || k == kk
		}
		if !known {
			add("required", fmt.Sprintf("unknown device kind %q (known: idcard, camera, sigpad, gpio)", k))
		}
	}
}

// PathsConfig is where the kiosk keeps and finds its files. Relative paths
// are resolved against the folder of kiosk.toml.
type PathsConfig struct {
	StateDir string `toml:"state_dir" comment:"persistent state: database, keys, screens"`
	Models   string `toml:"models" comment:"face model manifest (TOML)"`
	Font     string `toml:"font" comment:"CJK font file (TTF/TTC/OTF)"`
}

func (c *PathsConfig) defaults(p Profile) {
	c.Font = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
	if p == Appliance {
		c.StateDir = "/var/lib/kiosk"
		c.Models = "/usr/share/kiosk/models/manifest.toml"
		return
	}
	c.StateDir = "var"
	c.Models = "models/manifest.toml"
}

func (c *PathsConfig) validate(add func(key, msg string)) {
	if c.StateDir == "" {
		add("state_dir", "must not be empty")
	}
	if c.Models == "" {
		add("models", "must not be empty")
	}
	if c.Font == "" {
		add("font", "must not be empty")
	}
}

// UIConfig is the screen.
type UIConfig struct {
	Fullscreen bool   `toml:"fullscreen"`
	Width      int    `toml:"width" comment:"UI width in pixels (the frame the screens are drawn in)"`
	Height     int    `toml:"height"`
	Language   string `toml:"language" comment:"zh or en"`
	// TechPIN opens the technician menu.
	TechPIN string `toml:"tech_pin" comment:"development only: PIN of the technician menu when kioskctl pin set has set none (the appliance ignores it)"`
}

func (c *UIConfig) defaults(p Profile) {
	c.Fullscreen = p == Appliance
	c.Width, c.Height = 1280, 800
	c.Language = "zh"
	// The appliance has no shared PIN: each kiosk gets its own with
	// kioskctl pin set (a hash in the state folder). The development
	// profile's PIN opens the simulated kiosk's menu.
	if p != Appliance {
		c.TechPIN = "246810"
	}
}

func (c *UIConfig) validate(add func(key, msg string)) {
	if c.Width < 640 || c.Width > 7680 {
		add("width", fmt.Sprintf("%d: want 640..7680", c.Width))
	}
	if c.Height < 480 || c.Height > 4320 {
		add("height", fmt.Sprintf("%d: want 480..4320", c.Height))
	}
	if c.Language != "zh" && c.Language != "en" {
		add("language", fmt.Sprintf("%q: want zh or en", c.Language))
	}
	if c.TechPIN != "" && (len(c.TechPIN) < 6 || len(c.TechPIN) > 12) {
		add("tech_pin", "6 to 12 digits, or empty (the kiosk's own PIN from kioskctl pin set)")
	}
	for _, r := range c.TechPIN {
		if r < '0' || r > '9' {
			add("tech_pin", "digits only")
			break
		}
	}
}

// LogConfig is the log format.
type LogConfig struct {
	Format string `toml:"format" comment:"text or json"`
	Level  string `toml:"level" comment:"debug, info, warn, error"`
}

func (c *LogConfig) defaults(p Profile) {
	c.Format, c.Level = "text", "info"
	if p == Appliance {
		c.Format = "json"
	}
}

func (c *LogConfig) validate(add func(key, msg string)) {
	if c.Format != "text" && c.Format != "json" {
		add("format", fmt.Sprintf("%q: want text or json", c.Format))
	}
	switch c.Level {
	case "debug", "info", "warn", "error":
	default:
		add("level", fmt.Sprintf("%q: want debug, info, warn or error", c.Level))
	}
}
