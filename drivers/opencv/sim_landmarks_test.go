package opencv

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/hbzk/kiosk/device/camera/camsim"
	"github.com/hbzk/kiosk/device/face"
)

var updateLandmarks = flag.Bool("update-landmarks", false, "rewrite the simulator's astronaut.landmarks.json from the engine")

// TestAstronautLandmarks checks that the landmarks the simulated candidate
// is animated by are those the engine finds on the photo (-update-landmarks
// rewrites them).
func TestAstronautLandmarks(t *testing.T) {
	eng, _ := lvAnalyzer(t)
	img := lvImage(t, camsim.DefaultPhoto)
	f, err := eng.Face(&img, face.Live)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "device", "camera", "camsim", "astronaut.landmarks.json")
	if *updateLandmarks {
		data, err := camsim.EncodeLandmarks(camsim.PhotoLandmarks{Photo: filepath.Base(camsim.DefaultPhoto), Width: img.Width, Height: img.Height, Box: f.Detection.Box, Points: f.Landmarks})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := camsim.DecodeLandmarks(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Width != img.Width || got.Height != img.Height {
		t.Fatalf("landmarks for %dx%d, photo is %dx%d", got.Width, got.Height, img.Width, img.Height)
	}
	for i, p := range f.Landmarks {
		q := got.Points[i]
		if d := (p.X-q.X)*(p.X-q.X) + (p.Y-q.Y)*(p.Y-q.Y); d > 4 {
			t.Errorf("point %d: engine %v, file %v (run with -update-landmarks)", i, p, q)
		}
	}
}
