package main

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/device/audio"
)

func TestMicRecord(t *testing.T) {
	dir := t.TempDir()
	digits := filepath.Join(dir, "digits")
	os.MkdirAll(digits, 0o755)
	for d := range 10 {
		p := audio.PCM{Rate: 16000, Samples: make([]int16, 3200)}
		for i := range p.Samples {
			p.Samples[i] = int16(16000 * math.Sin(float64(i)*0.2))
		}
		audio.WriteWAV(filepath.Join(digits, strconv.Itoa(d)+".wav"), p)
	}
	cfg := filepath.Join(dir, "kiosk.toml")
	os.WriteFile(cfg, []byte("[paths]\nstate_dir = 'var'\n[audio]\nmicrophone = 'sim:digits,noise=0.001'\n"), 0o644)
	out := filepath.Join(dir, "t.wav")
	code, stdout, stderr := runCLI(t, "", "mic", "record", "--config", cfg, "--seconds", "0.5", "--say", "12", "--out", out)
	if code != 0 {
		t.Fatalf("mic record: %d %s", code, stderr)
	}
	p, err := audio.ReadWAV(out)
	if err != nil || len(p.Samples) != 8000 || p.Rate != 16000 {
		t.Fatalf("recorded: %v %d samples", err, len(p.Samples))
	}
	if audio.Peak(p) < 10000 || !strings.Contains(stdout, "peak -6") {
		t.Fatalf("the simulated candidate was not heard: peak %d, %s", audio.Peak(p), stdout)
	}
	for _, bad := range [][]string{
		{"mic", "record", "--config", cfg, "--seconds", "0.5"},                               // no --out
		{"mic", "record", "--config", cfg, "--seconds", "100", "--out", out},                 // too long
		{"mic", "record", "--config", cfg, "--mic", "alsa:null", "--say", "1", "--out", out}, // --say on a real device
	} {
		if code, _, _ := runCLI(t, "", bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	if code, _, stderr := runCLI(t, "", "mic", "record", "--config", cfg, "--mic", "alsa:hw:99,0", "--out", out); code != 1 || !strings.Contains(stderr, "no such card") {
		t.Errorf("missing card: %d %s", code, stderr)
	}
}
