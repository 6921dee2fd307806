package selftest

import (
	"context"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/selftest"
)

// toneDigits writes 0.wav..9.wav: 300 ms tones at -12 dBFS.
func toneDigits(t *testing.T, amp float64) string {
	dir := t.TempDir()
	for d := range 10 {
		p := audio.PCM{Rate: 16000, Samples: make([]int16, 4800)}
		for i := range p.Samples {
			p.Samples[i] = int16(amp * 32767 * math.Sin(2*math.Pi*float64(400+50*d)*float64(i)/16000))
		}
		if err := audio.WriteWAV(filepath.Join(dir, strconv.Itoa(d)+".wav"), p); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func micChecks(t *testing.T, spec string) map[string]selftest.Check {
	cfg := config.Defaults(config.Dev)
	cfg.Dir = t.TempDir()
	cfg.Audio.Microphone = spec
	tt := &tester{cfg: &cfg, o: Options{Clock: clock.Real{}, MicRecord: time.Second}}
	tt.o.defaults()
	tt.env.Clock, tt.env.Rand, tt.env.Log = tt.o.Clock, tt.o.Rand, tt.o.Log
	out := map[string]selftest.Check{}
	for _, c := range tt.microphone(context.Background()) {
		out[c.Name] = c
	}
	return out
}

func TestMicrophoneProbe(t *testing.T) {
	dir := toneDigits(t, 0.25)
	tests := []struct {
		name, spec string
		fail       []string
		value      string
	}{
		{"speaking", "sim:" + dir + ",noise=0.001", nil, "peak -1"},
		{"silent candidate, quiet room", "sim:" + dir + ",mode=silence,noise=0.0001", []string{"microphone level"}, "nothing louder"},
		{"digital silence", "sim:" + dir + ",mode=silence", []string{"microphone level"}, "digital silence"},
		{"clipping", "sim:" + dir + ",noise=0.9", []string{"microphone clipping"}, ""},
		{"no digit recordings", "sim:", []string{"microphone level"}, "make prompts"},
		{"missing card", "alsa:hw:99,0", []string{"microphone open"}, "no such card"},
		{"ALSA null device is not a live microphone", "alsa:null", []string{"microphone rate", "microphone level"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := micChecks(t, tc.spec)
			failed := map[string]bool{}
			for _, c := range cs {
				if !c.OK {
					failed[c.Name] = true
					if c.Remedy == "" {
						t.Errorf("%s failed without a remedy", c.Name)
					}
				}
			}
			for _, f := range tc.fail {
				if !failed[f] {
					t.Errorf("%s passed: %+v", f, cs)
				}
				delete(failed, f)
			}
			if len(failed) > 0 {
				t.Errorf("also failed: %v (%+v)", failed, cs)
			}
			if tc.value != "" {
				found := false
				for _, c := range cs {
					found = found || strings.Contains(c.Value+c.Remedy, tc.value)
				}
				if !found {
					t.Errorf("no check says %q: %+v", tc.value, cs)
				}
			}
		})
	}
}
