package opencv

import (
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	xdraw "golang.org/x/image/draw"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/camera/camsim"
)

// lvPhotoScene shows a photo filling most of the frame height on the
// simulator's wall, still.
type lvPhotoScene struct{ img *image.RGBA }

func newPhotoScene(f *camera.Frame, w, h int) *lvPhotoScene {
	src := f.ToRGBA(nil)
	ph := h * 9 / 10
	pw := src.Rect.Dx() * ph / max(1, src.Rect.Dy())
	if pw > w {
		pw, ph = w, src.Rect.Dy()*w/max(1, src.Rect.Dx())
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Rect, image.NewUniform(camsim.Background), image.Point{}, draw.Src)
	r := image.Rect((w-pw)/2, (h-ph)/2, (w-pw)/2+pw, (h-ph)/2+ph)
	xdraw.CatmullRom.Scale(out, r, src, src.Rect, draw.Src, nil)
	return &lvPhotoScene{out}
}

func (s *lvPhotoScene) Render(dst *image.RGBA, _ uint64, _ time.Duration) {
	draw.Draw(dst, dst.Rect, s.img, image.Point{}, draw.Src)
}

// TestPassiveFigures measures the anti-spoof network's live probability
// on bona fide pictures (portraits as a camera would see them) and on the
// same pictures replayed on a simulated screen, and prints APCER and
// BPCER per threshold for docs/liveness.md. It is slow: run it with
// LIVENESS_FIGURES=1.
func TestPassiveFigures(t *testing.T) {
	if os.Getenv("LIVENESS_FIGURES") == "" {
		t.Skip("set LIVENESS_FIGURES=1 to measure the passive check's error rates")
	}
	_, a := lvAnalyzer(t)
	files := []string{camsim.DefaultPhoto}
	for _, pat := range []string{"../../../shared/faces/*/*.*", "../../../shared/faces/*/*/*.*"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	score := func(sc camsim.Scene, frames int) (float64, bool) {
		clip := newClip(sc, float64(frames)/30)
		var sum float64
		n := 0
		for i := 0; i < frames; i++ {
			f, err := clip.Next(t.Context())
			if err != nil {
				break
			}
			m, err := a.Analyze(&f, false)
			if err != nil || m.Faces == 0 {
				continue
			}
			sum += m.Live
			n++
		}
		if n == 0 {
			return 0, false
		}
		return sum / float64(n), true
	}
	var live, spoof []float64
	for _, p := range files {
		img, err := ReadImage(p)
		if err != nil {
			continue
		}
		sc := newPhotoScene(&img, 640, 480)
		l, ok1 := score(sc, 6)
		s, ok2 := score(camsim.NewScreen(sc), 6)
		if ok1 {
			live = append(live, l)
		}
		if ok2 {
			spoof = append(spoof, s)
		}
		t.Logf("%-28s bona fide %.2f (%v)  screen %.2f (%v)", filepath.Base(p), l, ok1, s, ok2)
	}
	// The simulated candidate, moving, and on a screen.
	p, _ := camsim.LoadPerformer(camsim.DefaultPhoto, 640, 480, camsim.DefaultFaceFrac)
	p.Perform([]string{"blink", "turn_left", "nod", "read_digits"}, "1234")
	l, _ := score(p, 240)
	p2, _ := camsim.LoadPerformer(camsim.DefaultPhoto, 640, 480, camsim.DefaultFaceFrac)
	p2.Perform([]string{"blink", "turn_left", "nod", "read_digits"}, "1234")
	s, _ := score(camsim.NewScreen(p2), 240)
	t.Logf("simulated candidate: %.2f over 8 s; on a screen: %.2f", l, s)
	sort.Float64s(live)
	sort.Float64s(spoof)
	for _, thr := range []float64{0.2, 0.3, 0.35, 0.4, 0.5, 0.6} {
		var fa, fr int
		for _, v := range spoof {
			if v >= thr {
				fa++
			}
		}
		for _, v := range live {
			if v < thr {
				fr++
			}
		}
		t.Logf("threshold %.2f: APCER %d/%d = %.0f%%, BPCER %d/%d = %.0f%%", thr, fa, len(spoof), 100*float64(fa)/float64(max(1, len(spoof))), fr, len(live), 100*float64(fr)/float64(max(1, len(live))))
	}
}
