package opencv

import (
	"testing"

	"github.com/hbzk/kiosk/device/camera/camsim"
	"github.com/hbzk/kiosk/device/photo"
)

// TestPhotoFromSim makes the registration photo from the simulated
// candidate's camera frame, as the demo does, zoomed in (the default) and
// on the light-blue wall.
func TestPhotoFromSim(t *testing.T) {
	_, a := lvAnalyzer(t)
	m := &photo.Maker{Analyzer: NewPhotoAnalyzer(a), Spec: photo.DefaultSpec()}
	for _, tc := range []struct {
		name string
		frac float64
		blue bool
	}{{"zoomed", camsim.DefaultFaceFrac, false}, {"blue wall 1280x960", 0, true}} {
		t.Run(tc.name, func(t *testing.T) {
			w, h := 640, 480
			if tc.blue {
				w, h = 1280, 960
			}
			lvImage(t, camsim.DefaultPhoto)
			p, err := camsim.LoadPerformer(camsim.DefaultPhoto, w, h, tc.frac)
			if err != nil {
				t.Fatal(err)
			}
			if tc.blue {
				p.SetBackdrop(camsim.LightBlue)
			}
			clip := newClip(p, 1)
			clip.Camera = camsim.New(p, clip.clk, w, h, 30)
			f, err := clip.Next(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			_, r, err := m.Make(&f, nil)
			for _, c := range r.Checks {
				t.Logf("%-14s %-5v %8.2f %s", c.Name, c.OK, c.Value, c.Detail)
			}
			if err != nil {
				t.Errorf("%v", err)
			}
		})
	}
}
