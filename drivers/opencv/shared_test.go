package opencv

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hbzk/kiosk/device/face"
)

// TestSharedFacesChipVsLive checks the calibrated threshold on real people
// (../shared/faces): simulated chip photos against live photos, every
// ordered pair of different photos.
func TestSharedFacesChipVsLive(t *testing.T) {
	if _, err := os.Stat(sharedFaces); err != nil {
		t.Skipf("%s absent: the shared face photos are not on this machine", sharedFaces)
	}
	if testing.Short() {
		t.Skip("-short")
	}
	e := testEngine(t)
	dirs, _ := filepath.Glob(filepath.Join(sharedFaces, "*", "*"))
	sort.Strings(dirs)
	type sample struct {
		person     string
		chip, live face.Embedding
	}
	var samples []sample
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*"))
		for _, p := range files {
			img, err := ReadImage(p)
			if err != nil {
				continue // README and the like
			}
			live, err := e.Face(&img, face.Live)
			if err != nil {
				t.Errorf("%s: live: %v", p, err)
				continue
			}
			chipImg, err := SimulateChip(&img, live.Detection.Box, 60)
			if err != nil {
				t.Fatal(err)
			}
			chip, err := e.Face(&chipImg, face.Chip)
			if err != nil {
				t.Errorf("%s: simulated chip: %v", p, err)
				continue
			}
			samples = append(samples, sample{d, chip.Embedding, live.Embedding})
		}
	}
	var sc face.Scores
	for i, a := range samples {
		for j, b := range samples {
			if i != j {
				s := face.Cosine(a.chip, b.live)
				if a.person == b.person {
					sc.Genuine = append(sc.Genuine, s)
				} else {
					sc.Impostor = append(sc.Impostor, s)
				}
			}
		}
	}
	if len(sc.Genuine) < 50 || len(sc.Impostor) < 500 {
		t.Fatalf("only %d genuine and %d impostor pairs", len(sc.Genuine), len(sc.Impostor))
	}
	eer, at := sc.EER()
	r := sc.At(e.Threshold())
	t.Logf("%d photos: EER %.2f%% at %.3f; at the threshold %.3f FAR %.2f%% FRR %.2f%%", len(samples), 100*eer, at.Threshold, e.Threshold(), 100*r.FAR, 100*r.FRR)
	if eer > 0.02 {
		t.Errorf("EER %.2f%%, want at most 2%%", 100*eer)
	}
	if r.FAR > 0.01 || r.FRR > 0.03 {
		t.Errorf("at the manifest threshold %.3f: FAR %.2f%%, FRR %.2f%%; want at most 1%% and 3%%", e.Threshold(), 100*r.FAR, 100*r.FRR)
	}
}
