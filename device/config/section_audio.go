package config

import (
	"fmt"
	"math"

	"github.com/hbzk/kiosk/device/hw"
)

// AudioConfig is the kiosk's sound: the speaker that says each step's
// instruction, the microphone of the spoken-digits challenge, and the
// prompts' volume (device/audio, app/voice.go).
type AudioConfig struct {
	Speaker    string `toml:"speaker" comment:"speaker: alsa:default, alsa:plughw:1,0, sim:FOLDER (writes each prompt as a WAV), none"`
	Microphone string `toml:"microphone" comment:"microphone: alsa:default, alsa:hw:1,0[?rate=16000], sim:DIGITS[,offset=DUR,noise=F,mode=speak|silence|wrong], none"`
	// Prompts is the folder of the prompt recordings build/prompts makes:
	// zh/<screen>.wav, en/<screen>.wav, digits/<d>.wav.
	Prompts string  `toml:"prompts" comment:"folder of the voice prompts made at build time (zh/, en/, digits/)"`
	Volume  float64 `toml:"volume" comment:"prompt volume, 0 (silent) to 1 (full)"`
	Mute    bool    `toml:"mute" comment:"no voice prompts"`
}

func (c *AudioConfig) defaults(p Profile) {
	c.Volume, c.Mute = 0.8, false
	if p == Appliance {
		c.Speaker, c.Microphone = "alsa:default", "alsa:default"
		c.Prompts = "/usr/share/kiosk/prompts"
		return
	}
	c.Speaker, c.Microphone = "sim:", "sim:var/prompts/digits"
	c.Prompts = "var/prompts"
}

func (c *AudioConfig) validate(add func(key, msg string)) {
	for _, s := range []struct{ key, val string }{{"speaker", c.Speaker}, {"microphone", c.Microphone}} {
		if _, err := hw.ParseSpec(s.val); err != nil {
			add(s.key, err.Error())
		}
	}
	if math.IsNaN(c.Volume) || c.Volume < 0 || c.Volume > 1 {
		add("volume", fmt.Sprintf("%v: want 0..1", c.Volume))
	}
}
