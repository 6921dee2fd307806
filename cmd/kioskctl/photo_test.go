package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/device/camera/camsim"
	"github.com/hbzk/kiosk/device/face"
)

const visionModels = "../../models/manifest.toml"

// needVision skips when the models or the package-shipped portrait are
// absent.
func needVision(t *testing.T) {
	t.Helper()
	man, err := face.LoadManifest(visionModels)
	if err != nil {
		t.Skipf("no model manifest: %v", err)
	}
	for _, role := range []string{"detect", "landmark", "embed", "pose", "eye", "liveness"} {
		m, err := man.Model(role)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(man.Path(m)); err != nil {
			t.Skip("face models absent: run `make deps`")
		}
	}
	if _, err := os.Stat(camsim.DefaultPhoto); err != nil {
		t.Skipf("%s not installed (python3-imageio)", camsim.DefaultPhoto)
	}
}

type photoJSON struct {
	OK     bool `json:"ok"`
	Checks []struct {
		Name   string  `json:"name"`
		OK     bool    `json:"ok"`
		Value  float64 `json:"value"`
		Detail string  `json:"detail"`
	} `json:"checks"`
	BackgroundReplaced bool `json:"background_replaced"`
	Width              int  `json:"width"`
	Height             int  `json:"height"`
	Bytes              int  `json:"bytes"`
}

func TestPhotoMake(t *testing.T) {
	needVision(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "photo.jpg")
	code, stdout, stderr := runCLI(t, "", "photo", "make", "--json", "--models", visionModels, "--live", camsim.DefaultPhoto, camsim.DefaultPhoto, out)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	var r photoJSON
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	st, err := os.Stat(out)
	if err != nil || !r.OK || !r.BackgroundReplaced || r.Width != 360 || r.Height != 480 || r.Bytes != int(st.Size()) || r.Bytes > 40*1024 {
		t.Fatalf("%+v, file %v %v", r, st, err)
	}
	names := map[string]bool{}
	for _, c := range r.Checks {
		names[c.Name] = c.OK
	}
	for _, n := range []string{"one_face", "frontal_yaw", "eyes_open", "mouth_closed", "sharpness", "exposure", "even_lighting", "framing", "background", "file_size", "matches_live"} {
		if !names[n] {
			t.Errorf("check %s missing or failed: %+v", n, r.Checks)
		}
	}
	// The check command agrees, in text.
	code, stdout, _ = runCLI(t, "", "photo", "check", "--models", visionModels, camsim.DefaultPhoto)
	if code != 0 || !strings.Contains(stdout, "ok   sharpness") {
		t.Errorf("photo check: %d %s", code, stdout)
	}
}

func TestPhotoRefused(t *testing.T) {
	needVision(t)
	dir := t.TempDir()
	// A picture without a face: the gocv logo-free noise of a grey card.
	blank := filepath.Join(dir, "blank.png")
	writeGrey(t, blank)
	out := filepath.Join(dir, "out.jpg")
	code, stdout, stderr := runCLI(t, "", "photo", "make", "--json", "--models", visionModels, blank, out)
	if code != 1 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	var r photoJSON
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || r.OK || len(r.Checks) != 1 || r.Checks[0].Name != "one_face" || r.Checks[0].OK {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused photo wrote %s: %v", out, err)
	}
	code, _, stderr = runCLI(t, "", "photo", "make", "--models", visionModels, blank, out)
	if code != 1 || !strings.Contains(stderr, "refused (one_face); nothing written") {
		t.Errorf("text: %d %s", code, stderr)
	}
}

func TestPhotoUsage(t *testing.T) {
	for _, args := range [][]string{
		{"photo", "make", "only-one.png"},
		{"photo", "make", "a.png", "a.png"},
		{"photo", "make", "--frobnicate", "a.png", "b.jpg"},
		{"photo", "check"},
		{"photo", "check", "--live"},
	} {
		if code, _, stderr := runCLI(t, "", args...); code != 2 || !strings.Contains(stderr, "kioskctl: photo") {
			t.Errorf("%v: %d %s", args, code, stderr)
		}
	}
	code, _, stderr := runCLI(t, "", "photo", "check", "/nonexistent.png")
	if code != 1 || !strings.Contains(stderr, "bad image") {
		t.Errorf("missing file: %d %s", code, stderr)
	}
}

func writeGrey(t *testing.T, path string) {
	t.Helper()
	// A 64x64 grey PNG, written by hand to keep the test free of
	// encoders: use the image packages.
	if err := writePNG(path, 64, 64, 128); err != nil {
		t.Fatal(err)
	}
}
