package main

import (
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePNG(path string, w, h int, grey uint8) error {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = grey
	}
	img.Set(0, 0, color.Gray{Y: 0})
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return png.Encode(f, img)
}

func TestLivenessCommand(t *testing.T) {
	needVision(t)
	// The simulated candidate performing: passes.
	code, stdout, stderr := runCLI(t, "", "liveness", "--models", visionModels, "--challenges", "blink", "--perform", "--json", "sim-live:?step=1")
	if code != 0 {
		t.Fatalf("performing: exit %d: %s %s", code, stdout, stderr)
	}
	var r struct {
		Passed   bool     `json:"passed"`
		Sequence []string `json:"sequence"`
		Reason   struct{ Code, ZH, EN string }
		Outcomes []struct {
			Challenge string
			Passed    bool
		}
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || !r.Passed || len(r.Outcomes) != 1 || !r.Outcomes[0].Passed || r.Reason.Code != "ok" {
		t.Fatalf("%+v %v", r, err)
	}
	// A folder of the same still photo, looped: no blink.
	dir := t.TempDir()
	data, err := os.ReadFile("/usr/lib/python3/dist-packages/imageio/resources/images/astronaut.png")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".png"), data, 0o644)
	}
	code, stdout, _ = runCLI(t, "", "liveness", "--models", visionModels, "--challenges", "blink", "dir:"+dir+"?fps=30&loop=1")
	if code != 1 || !strings.Contains(stdout, "reason=no_blink") {
		t.Errorf("still frames: exit %d: %s", code, stdout)
	}
}

func TestLivenessUsage(t *testing.T) {
	for _, args := range [][]string{
		{"liveness"},
		{"liveness", "--challenges", "smile", "x"},
		{"liveness", "--digits", "12", "x"},
		{"liveness", "--fps", "0", "x"},
		{"liveness", "--live", "a", "x"},
	} {
		if code, _, stderr := runCLI(t, "", args...); code != 2 || !strings.Contains(stderr, "kioskctl: liveness") {
			t.Errorf("%v: %d %s", args, code, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "", "liveness", "/nonexistent/clip.mp4"); code != 1 {
		t.Errorf("missing file: %d %s", code, stderr)
	}
}
