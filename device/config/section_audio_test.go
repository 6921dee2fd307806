package config

import (
	"strings"
	"testing"
)

func TestAudioSection(t *testing.T) {
	tests := []struct {
		name, toml, wantErr string
	}{
		{"defaults", "", ""},
		{"real devices", "[audio]\nspeaker = 'alsa:plughw:1,0'\nmicrophone = 'alsa:hw:1,0?rate=16000'\nvolume = 0.5\nmute = true\n", ""},
		{"not fitted", "[audio]\nspeaker = 'none'\nmicrophone = ''\n", ""},
		{"volume too loud", "[audio]\nvolume = 1.5\n", "audio.volume"},
		{"volume negative", "[audio]\nvolume = -0.1\n", "audio.volume"},
		{"volume not a number", "[audio]\nvolume = 'loud'\n", "volume"},
		{"speaker without scheme", "[audio]\nspeaker = 'default'\n", "audio.speaker"},
		{"microphone bad scheme", "[audio]\nmicrophone = 'ALSA:hw:1,0'\n", "audio.microphone"},
		{"unknown key", "[audio]\nbeep = true\n", "beep"},
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
	if d := Defaults(Appliance).Audio; d.Speaker != "alsa:default" || d.Volume != 0.8 || d.Mute {
		t.Fatalf("appliance defaults %+v", d)
	}
	if d := Defaults(Dev).Audio; d.Speaker != "sim:" || !strings.HasPrefix(d.Microphone, "sim:") {
		t.Fatalf("dev defaults %+v", d)
	}
}
