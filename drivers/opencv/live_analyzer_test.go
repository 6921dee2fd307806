package opencv

import (
	"context"
	"image"
	"math"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/camera/camsim"
	"github.com/hbzk/kiosk/device/liveness"
)

// lvScene builds a simulated candidate for the liveness tests.
func lvScene(t testing.TB, perform []string, screen bool) camsim.Scene {
	t.Helper()
	if _, err := lvImageOK(camsim.DefaultPhoto); err != nil {
		t.Skipf("%s not installed: %v", camsim.DefaultPhoto, err)
	}
	p, err := camsim.LoadPerformer(camsim.DefaultPhoto, 640, 480, camsim.DefaultFaceFrac)
	if err != nil {
		t.Fatal(err)
	}
	if perform != nil {
		p.Perform(perform, "3817")
	}
	if screen {
		return camsim.NewScreen(p)
	}
	return p
}

// TestLivenessSim runs the real checker with the real networks on
// simulated candidates: the performing clip passes every challenge, a
// still photo fails the active challenges, and a replay on a simulated
// screen is reported (see docs/liveness.md for the passive check's
// figures).
func TestLivenessSim(t *testing.T) {
	_, a := lvAnalyzer(t)
	all := []string{"blink", "turn_left", "turn_right", "nod", "read_digits"}
	tests := []struct {
		name    string
		seq     []string
		perform []string
		scene   string // "performer", "still", "screen"
		want    string
	}{
		{"performer does all five", all, all, "performer", liveness.CodeOK},
		{"still photo cannot blink", []string{"blink", "turn_left"}, nil, "still", liveness.CodeNoBlink},
		{"performer turns the wrong way", []string{"turn_right"}, []string{"turn_left"}, "performer", liveness.CodeNoTurnRight},
		{"performer replayed on a screen", all, all, "screen", liveness.CodeSpoof},
	}
	if testing.Short() {
		tests = tests[:2]
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := lvScene(t, tc.perform, tc.scene == "screen")
			c := &liveness.Checker{Analyzer: a, Params: liveness.Defaults()}
			clip := newClip(sc, 60)
			r, err := c.Check(context.Background(), clip, tc.seq, "3817", nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%v outcomes %+v", r, r.Outcomes)
			if r.Reason.Code != tc.want {
				t.Errorf("got %s, want %s", r.Reason.Code, tc.want)
			}
			if tc.want == liveness.CodeOK && (r.Best.Width != 640 || r.BestMeasure.Faces != 1) {
				t.Errorf("no best frame")
			}
		})
	}
}

// lvSwap shows scene a, then scene b from time at on: another person
// stepping in during the check.
type lvSwap struct {
	a, b camsim.Scene
	at   time.Duration
}

func (s lvSwap) Render(dst *image.RGBA, n uint64, t time.Duration) {
	if t < s.at {
		s.a.Render(dst, n, t)
	} else {
		s.b.Render(dst, n, t)
	}
}

// TestLivenessSwap: the candidate performs, then someone else takes the
// place: the check fails as another person.
func TestLivenessSwap(t *testing.T) {
	_, a := lvAnalyzer(t)
	other := gocvImage(t, "images/face.jpg")
	still, err := camsim.LoadStill(other, 640, 480)
	if err != nil {
		t.Skip(err)
	}
	seq := []string{"blink", "turn_left", "nod"}
	sc := lvSwap{a: lvScene(t, seq, false), b: still, at: 2500 * time.Millisecond}
	c := &liveness.Checker{Analyzer: a, Params: liveness.Defaults()}
	r, err := c.Check(context.Background(), newClip(sc, 20), seq, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Passed || r.Reason.Code != liveness.CodeOtherPerson {
		t.Errorf("got %v, want %s", r, liveness.CodeOtherPerson)
	}
}

// TestPoseSigns checks the signs Measure documents: yaw grows as the nose
// moves to the picture's right (the candidate turns to their own left),
// pitch grows as the face tilts down, on the simulated candidate and on
// the portrait mirrored.
func TestPoseSigns(t *testing.T) {
	_, a := lvAnalyzer(t)
	noseOff := func(m liveness.Measure) float32 {
		l := m.Landmarks
		return (l[30].X - (l[0].X+l[16].X)/2) / m.Box.W()
	}
	p := lvScene(t, []string{"turn_left", "nod"}, false).(*camsim.Performer)
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	measure := func(at time.Duration) liveness.Measure {
		p.Render(img, 0, at)
		f := camera.FromImage(img)
		m, err := a.Analyze(&f, false)
		if err != nil || m.Faces != 1 {
			t.Fatalf("at %v: %d faces, %v", at, m.Faces, err)
		}
		return m
	}
	rest := measure(0)
	left := measure(1200*time.Millisecond + 700*time.Millisecond)
	nod := measure(1200*time.Millisecond + 1400*time.Millisecond + 900*time.Millisecond + 700*time.Millisecond)
	if !(left.Yaw > rest.Yaw+15) || !(noseOff(left) > noseOff(rest)+0.1) {
		t.Errorf("turn left: yaw %.1f -> %.1f, nose offset %.2f -> %.2f", rest.Yaw, left.Yaw, noseOff(rest), noseOff(left))
	}
	if !(nod.Pitch > rest.Pitch+8) || !(nod.Landmarks[30].Y > rest.Landmarks[30].Y) {
		t.Errorf("nod: pitch %.1f -> %.1f", rest.Pitch, nod.Pitch)
	}
	// A real photo and its mirror image: the yaw's sign follows the nose.
	face := lvImage(t, gocvImage(t, "images/face.jpg"))
	for _, mirror := range []bool{false, true} {
		f := face
		if mirror {
			f = lvEdit(t, face, func(src gocv.Mat, dst *gocv.Mat) { gocv.Flip(src, dst, 1) })
		}
		m, err := a.Analyze(&f, false)
		if err != nil || m.Faces == 0 {
			t.Fatalf("face.jpg: %v", err)
		}
		if off := noseOff(m); math.Abs(m.Yaw) > 3 && (m.Yaw > 0) != (off > 0) {
			t.Errorf("face.jpg mirror=%v: yaw %.1f but nose offset %.2f", mirror, m.Yaw, off)
		}
	}
}
