package opencv

import (
	"errors"
	"math/rand"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
)

// Chip photos whose head fills the frame, down to a crop inside the face
// box, are all found (by the detector, a padded retry or the standard
// framing) and still match the live face; the path is said.
func TestChipPaths(t *testing.T) {
	e := testEngine(t)
	needFile(t, astronautPNG, "python3-imageio")
	for _, path := range []string{astronautPNG, gocvImage(t, "images/face.jpg")} {
		img := readImage(t, path)
		live, err := e.Face(&img, face.Live)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []float32{2, 1.25, 1, 0.85} {
			b := live.Detection.Box
			c := b.Center()
			h := k * b.H()
			w := h * face.ChipWidth / face.ChipHeight
			chip, err := SimulateChipCrop(&img, face.Rect{X1: c.X - w/2, Y1: c.Y - h/2, X2: c.X + w/2, Y2: c.Y + h/2}, 60)
			if err != nil {
				t.Fatal(err)
			}
			f, err := e.Face(&chip, face.Chip)
			if err != nil {
				t.Errorf("%s, crop %.2fx the face box: %v", path, k, err)
				continue
			}
			t.Logf("%s, crop %.2fx: path %s", path[strings.LastIndex(path, "/")+1:], k, f.Path)
			if f.Path == "" {
				t.Errorf("crop %.2fx: no path said", k)
			}
			if f.Detection.Box.X1 < -1 || f.Detection.Box.X2 > float32(chip.Width)+1 && f.Path == "detect" {
				t.Errorf("crop %.2fx: box %v outside the photo", k, f.Detection.Box)
			}
			if s := face.Cosine(f.Embedding, live.Embedding); s < e.Threshold() {
				t.Errorf("%s, crop %.2fx (%s): score %.3f against the live face, under the threshold %.3f", path, k, f.Path, s, e.Threshold())
			}
		}
	}
}

// The standard framing's box, forced, finds the face of an ordinary chip
// photo with landmarks close to the detector's; a picture with no face
// fails every path with ErrNoFace.
func TestChipGeometryPath(t *testing.T) {
	e := testEngine(t)
	needFile(t, astronautPNG, "python3-imageio")
	img := readImage(t, astronautPNG)
	live, err := e.Face(&img, face.Live)
	if err != nil {
		t.Fatal(err)
	}
	chip, err := SimulateChip(&img, live.Detection.Box, 60)
	if err != nil {
		t.Fatal(err)
	}
	byDetector, err := e.Face(&chip, face.Chip)
	if err != nil || byDetector.Path != "detect" {
		t.Fatalf("detector path: %v %q", err, byDetector.Path)
	}
	e.chipForce = true
	byGeometry, err := e.Face(&chip, face.Chip)
	e.chipForce = false
	if err != nil || byGeometry.Path != "geometry" {
		t.Fatalf("geometry path: %v %q", err, byGeometry.Path)
	}
	if s := face.Cosine(byGeometry.Embedding, byDetector.Embedding); s < 0.8 {
		t.Errorf("geometry vs detector embedding %.3f, want the same face (>= 0.8)", s)
	}
	blank := camera.NewFrame(face.ChipWidth, face.ChipHeight)
	for i := range blank.Pix {
		blank.Pix[i] = 0xff
	}
	noise := camera.NewFrame(face.ChipWidth, face.ChipHeight)
	rng := rand.New(rand.NewSource(1))
	for i := range noise.Pix {
		noise.Pix[i] = byte(rng.Intn(256))
	}
	for name, f := range map[string]*camera.Frame{"blank": &blank, "noise": &noise} {
		if got, err := e.Face(f, face.Chip); !errors.Is(err, face.ErrNoFace) {
			t.Errorf("%s chip: path %q, %v: want ErrNoFace", name, got.Path, err)
		}
	}
	// The engine is left as it was: a live picture after a padded chip.
	again, err := e.Face(&img, face.Live)
	if err != nil || face.Cosine(again.Embedding, live.Embedding) < 0.999 {
		t.Errorf("live after chips: %v", err)
	}
}
