package opencv

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/photo"
)

// lvEdit applies an OpenCV operation to a frame.
func lvEdit(t *testing.T, f camera.Frame, op func(src gocv.Mat, dst *gocv.Mat)) camera.Frame {
	t.Helper()
	src := gocv.NewMat()
	defer src.Close()
	if err := loadFrame(&src, &f); err != nil {
		t.Fatal(err)
	}
	dst := gocv.NewMat()
	defer dst.Close()
	op(src, &dst)
	out, err := frameFromMat(dst)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPhotoMaker makes registration photos from a real portrait with a
// real backdrop (replaced by GrabCut) and refuses edited versions of it,
// each for the right reason.
func TestPhotoMaker(t *testing.T) {
	e, a := lvAnalyzer(t)
	img := lvImage(t, lvAstronaut)
	m := &photo.Maker{Analyzer: NewPhotoAnalyzer(a), Spec: photo.DefaultSpec()}
	live, err := e.Face(&img, 0)
	if err != nil {
		t.Fatal(err)
	}
	p, r, err := m.Make(&img, live.Embedding)
	if err != nil {
		t.Fatalf("%v: %+v", err, r.Checks)
	}
	if !r.OK || !r.BackgroundReplaced || r.Match == nil || !r.Match.Match || len(p.JPEG) > 40*1024 {
		t.Fatalf("%+v", r)
	}
	dec, err := jpeg.Decode(bytes.NewReader(p.JPEG))
	if err != nil || dec.Bounds() != image.Rect(0, 0, 360, 480) {
		t.Fatalf("%v %v", dec.Bounds(), err)
	}
	// The finished photo passes the checks itself, on its light blue.
	again := camera.FromImage(dec)
	// (Its sharpness is lower: this portrait's head is enlarged 2.1x to
	// fill the frame; docs/photo.md.)
	r2, _ := m.Check(&again)
	for _, c := range r2.Checks {
		if !c.OK && c.Name != "sharpness" || c.Name == "background" && strings.HasPrefix(c.Detail, "replaced") {
			t.Errorf("the finished photo: %+v", c)
		}
	}

	tests := []struct {
		name string
		edit func(src gocv.Mat, dst *gocv.Mat)
		want string // a check that must fail
	}{
		{"blurred", func(src gocv.Mat, dst *gocv.Mat) {
			gocv.GaussianBlur(src, dst, image.Pt(0, 0), 4, 4, gocv.BorderReplicate)
		}, "sharpness"},
		{"dark", func(src gocv.Mat, dst *gocv.Mat) { src.ConvertToWithParams(dst, src.Type(), 0.3, 0) }, "exposure"},
		{"two people", func(src gocv.Mat, dst *gocv.Mat) { gocv.Hconcat(src, src, dst) }, "one_face"},
		{"leaning", func(src gocv.Mat, dst *gocv.Mat) {
			rot := gocv.GetRotationMatrix2D(image.Pt(256, 256), 20, 1)
			defer rot.Close()
			gocv.WarpAffine(src, dst, rot, image.Pt(512, 512))
		}, "frontal_roll"},
		{"too small", func(src gocv.Mat, dst *gocv.Mat) {
			gocv.Resize(src, dst, image.Pt(256, 256), 0, 0, gocv.InterpolationArea)
		}, "face_size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := lvEdit(t, img, tc.edit)
			_, r, err := m.Make(&f, nil)
			if !errors.Is(err, photo.ErrRefused) || !strings.Contains(","+strings.Join(r.Failed(), ",")+",", ","+tc.want+",") {
				t.Errorf("want %s among the failed checks: %v (%v)", tc.want, r.Failed(), err)
			}
		})
	}
}

// TestPhotoMakerShared runs the photo maker on ../shared/faces and reports
// how many ordinary portraits give a photo (most are tight crops or TV
// stills: refusals name their reasons).
func TestPhotoMakerShared(t *testing.T) {
	_, a := lvAnalyzer(t)
	files, _ := filepath.Glob(filepath.Join(sharedFaces, "*", "*", "*"))
	more, _ := filepath.Glob(filepath.Join(sharedFaces, "*", "*.png"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("../shared/faces absent")
	}
	m := &photo.Maker{Analyzer: NewPhotoAnalyzer(a), Spec: photo.DefaultSpec()}
	reasons := map[string]int{}
	made := 0
	for _, p := range files {
		img, err := ReadImage(p)
		if err != nil {
			continue
		}
		_, r, err := m.Make(&img, nil)
		if err == nil {
			made++
		} else if !errors.Is(err, photo.ErrRefused) {
			t.Errorf("%s: %v", p, err)
		}
		for _, f := range r.Failed() {
			reasons[f]++
		}
	}
	t.Logf("%d of %d photos made; refusals by check: %v", made, len(files), reasons)
}
