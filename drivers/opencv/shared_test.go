package opencv

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/device/face"
)

// TestSharedFacesHeldOut judges the shipped threshold on the people of
// ../shared/faces it was not chosen on (face.Half "test"; the manifest's
// threshold comes from the "calibration" half: docs/face-calibration.md):
// simulated chip photos, loose and tight, against the live photos of
// every other photo. At the manifest's threshold FAR must be at most its
// target_far, and no chip photo may go without a face.
func TestSharedFacesHeldOut(t *testing.T) {
	if _, err := os.Stat(sharedFaces); err != nil {
		t.Skipf("%s absent: the shared face photos are not on this machine", sharedFaces)
	}
	if testing.Short() {
		t.Skip("-short")
	}
	e := testEngine(t)
	target := e.Manifest().Models[face.RoleEmbed].TargetFAR
	if target <= 0 {
		t.Fatal("the manifest's embed model has no target_far")
	}
	type sample struct {
		person string
		live   face.Embedding
		chip   map[string]face.Embedding
	}
	crops := map[string]func(face.Rect) face.Rect{"loose": face.ChipCrop, "tight": face.ChipCropTight}
	var samples []sample
	err := filepath.WalkDir(sharedFaces, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".jpg", ".jpeg", ".png":
		default:
			return nil
		}
		rel, _ := filepath.Rel(sharedFaces, filepath.Dir(p))
		person := filepath.ToSlash(rel)
		if rel == "." || face.Half(person) != "test" {
			return nil
		}
		img, err := ReadImage(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		live, err := e.Face(&img, face.Live)
		if err != nil {
			t.Logf("%s: live: %v (not a pair)", p, err)
			return nil
		}
		s := sample{person: person, live: live.Embedding, chip: map[string]face.Embedding{}}
		for name, crop := range crops {
			chipImg, err := SimulateChipCrop(&img, crop(live.Detection.Box), 60)
			if err != nil {
				t.Fatal(err)
			}
			chip, err := e.Face(&chipImg, face.Chip)
			if err != nil {
				t.Errorf("%s: %s chip photo without a face: %v", p, name, err)
				continue
			}
			s.chip[name] = chip.Embedding
		}
		samples = append(samples, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"loose", "tight"}
	sort.Strings(names)
	for _, name := range names {
		var sc face.Scores
		for i, a := range samples {
			for j, b := range samples {
				if i == j || a.chip[name] == nil {
					continue
				}
				s := face.Cosine(a.chip[name], b.live)
				if a.person == b.person {
					sc.Genuine = append(sc.Genuine, s)
				} else {
					sc.Impostor = append(sc.Impostor, s)
				}
			}
		}
		if len(sc.Genuine) < 100 || float64(len(sc.Impostor)) < 10/target {
			t.Fatalf("%s: only %d genuine and %d impostor pairs: too few for FAR %g", name, len(sc.Genuine), len(sc.Impostor), target)
		}
		r := sc.At(e.Threshold())
		t.Logf("%s: %d photos of held-out people, %d genuine / %d impostor pairs: at %.3f FAR %.4f%% FRR %.2f%%",
			name, len(samples), len(sc.Genuine), len(sc.Impostor), e.Threshold(), 100*r.FAR, 100*r.FRR)
		if r.FAR > target {
			t.Errorf("%s: FAR %.4f%% at the shipped threshold %.3f, above the target %g%%", name, 100*r.FAR, e.Threshold(), 100*target)
		}
		if r.TAR() < 0.5 {
			t.Errorf("%s: TAR %.1f%% at the shipped threshold: the matcher barely accepts anyone", name, 100*r.TAR())
		}
	}
}
