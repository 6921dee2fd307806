package camsim

import (
	"context"
	"errors"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/hw"
)

var landmarksTable = []struct {
	name string
	json string
	ok   bool
}{
	{"default", string(astronautLandmarks), true},
	{"not json", "{", false},
	{"no points", `{"width":10,"height":10,"box":[1,1,5,5],"points":[]}`, false},
	{"zero size", `{"width":0,"height":10,"box":[1,1,5,5],"points":[]}`, false},
	{"huge", `{"width":100000,"height":10,"box":[1,1,5,5],"points":[]}`, false},
	{"box outside", `{"width":10,"height":10,"box":[1,1,50,5],"points":[` + strings.Repeat("[1,1],", 67) + `[1,1]]}`, false},
	{"point outside", `{"width":10,"height":10,"box":[1,1,5,5],"points":[` + strings.Repeat("[1,1],", 67) + `[11,1]]}`, false},
	{"negative point", `{"width":10,"height":10,"box":[1,1,5,5],"points":[` + strings.Repeat("[1,1],", 67) + `[-1,1]]}`, false},
	{"68 points", `{"width":10,"height":10,"box":[1,1,5,5],"points":[` + strings.Repeat("[1,1],", 67) + `[2,2]]}`, true},
	{"69 points", `{"width":10,"height":10,"box":[1,1,5,5],"points":[` + strings.Repeat("[1,1],", 68) + `[2,2]]}`, false},
}

func TestDecodeLandmarks(t *testing.T) {
	for _, tc := range landmarksTable {
		l, err := DecodeLandmarks([]byte(tc.json))
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrBadLandmarks) {
				t.Errorf("%s: %v does not wrap ErrBadLandmarks", tc.name, err)
			}
			continue
		}
		again, err := EncodeLandmarks(l)
		if err != nil {
			t.Fatalf("%s: encode: %v", tc.name, err)
		}
		l2, err := DecodeLandmarks(again)
		if err != nil || l2.Width != l.Width || math.Abs(float64(l2.Points[30].X-l.Points[30].X)) > 0.01 {
			t.Errorf("%s: round trip %v", tc.name, err)
		}
	}
	d := DefaultLandmarks()
	if d.Width != 512 || d.Height != 512 || d.Points[30].X < 200 || d.Points[30].X > 260 {
		t.Errorf("default landmarks: %+v", d)
	}
}

func FuzzDecodeLandmarks(f *testing.F) {
	for _, tc := range landmarksTable {
		f.Add([]byte(tc.json))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := DecodeLandmarks(data)
		if err != nil {
			return
		}
		for _, p := range l.Points {
			if p.X < 0 || p.Y < 0 || p.X > float32(l.Width) || p.Y > float32(l.Height) {
				t.Fatalf("point %v outside %dx%d", p, l.Width, l.Height)
			}
		}
		if _, err := EncodeLandmarks(l); err != nil {
			t.Fatalf("decoded landmarks do not encode: %v", err)
		}
	})
}

func TestTriangulate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var pts []pt
	for y := 0; y <= 10; y++ {
		for x := 0; x <= 10; x++ {
			pts = append(pts, pt{float64(x)*10 + rng.Float64(), float64(y)*10 + rng.Float64()})
		}
	}
	// The four corners exactly, so the hull is close to the square.
	tris := triangulate(pts)
	var area float64
	for _, tr := range tris {
		a, b, c := pts[tr[0]], pts[tr[1]], pts[tr[2]]
		s := math.Abs((b.X-a.X)*(c.Y-a.Y)-(c.X-a.X)*(b.Y-a.Y)) / 2
		if s < 1e-6 {
			t.Fatalf("degenerate triangle %v", tr)
		}
		area += s
	}
	// Euler: a triangulation of n points with h on the hull has 2n-h-2
	// triangles; the jittered grid has 40 or so on its hull.
	if n := len(pts); len(tris) < 2*n-2-44 || len(tris) > 2*n-2-3 {
		t.Errorf("%d triangles for %d points", len(tris), n)
	}
	if area < 9500 || area > 10200 {
		t.Errorf("triangles cover %.0f, want about 10000", area)
	}
}

func needAstronaut(t testing.TB) {
	if _, err := os.Stat(DefaultPhoto); err != nil {
		t.Skipf("%s not installed (python3-imageio): %v", DefaultPhoto, err)
	}
}

// region sums the absolute difference of two frames over r.
func diff(a, b *image.RGBA, r image.Rectangle) float64 {
	var d float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i, j := a.PixOffset(x, y), b.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				d += math.Abs(float64(a.Pix[i+c]) - float64(b.Pix[j+c]))
			}
		}
	}
	return d / float64(r.Dx()*r.Dy())
}

func TestPerformer(t *testing.T) {
	needAstronaut(t)
	p, err := LoadPerformer(DefaultPhoto, 640, 480, DefaultFaceFrac)
	if err != nil {
		t.Fatal(err)
	}
	render := func(at time.Duration) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, 640, 480))
		p.Render(img, 0, at)
		return img
	}
	// Not asked to perform: the same picture at the same sway.
	still := render(0)
	if d := diff(still, render(0), still.Rect); d != 0 {
		t.Fatalf("not deterministic: %v", d)
	}
	p.Perform([]string{"blink", "turn_left", "read_digits", "bogus"}, "1234")
	start := 10 * time.Second
	at := func(d time.Duration) *image.RGBA { return render(start + d) }
	base := at(0) // the performance starts at this frame
	if d := diff(base, render(start), base.Rect); d != 0 {
		t.Fatalf("frame before the first action changed: %v", d)
	}
	// Landmarks in the frame: the photo window's offset is the sway's.
	eyes := image.Rect(230, 150, 410, 230)
	mouth := image.Rect(250, 260, 390, 360)
	blink := at(actLead + 250*time.Millisecond)
	neutral := at(actLead + 1000*time.Millisecond)
	if d := diff(blink, neutral, eyes); d < 2 {
		t.Errorf("blink: eyes changed by %.2f", d)
	}
	turnAt := actLead + actDur["blink"] + actPause + 700*time.Millisecond
	turn := at(turnAt)
	if d := diff(turn, neutral, image.Rect(200, 100, 440, 400)); d < 8 {
		t.Errorf("turn: face changed by %.2f", d)
	}
	digitsAt := turnAt - 700*time.Millisecond + actDur["turn_left"] + actPause + 150*time.Millisecond
	if d := diff(at(digitsAt), neutral, mouth); d < 5 {
		t.Errorf("read_digits: mouth changed by %.2f", d)
	}
	// The sequence repeats.
	period := actLead + actDur["blink"] + actDur["turn_left"] + actDur["read_digits"] + 3*actPause
	if a, b := p.poseAt(start+turnAt), p.poseAt(start+turnAt+period); a != b || a.yaw < 0.4 {
		t.Errorf("second turn %+v differs from the first %+v", b, a)
	}
	// Stop performing.
	p.Perform(nil, "")
	if d := diff(render(start+turnAt), render(start+turnAt), still.Rect); d != 0 {
		t.Errorf("stopped performer moves")
	}
}

func TestOpenLive(t *testing.T) {
	needAstronaut(t)
	clk := clocktest.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	env := hw.Env{Clock: clk}
	ctx := context.Background()
	for _, tc := range []struct {
		arg    string
		ok     bool
		screen bool
	}{
		{"", true, false},
		{"#auto", true, false},
		{"#blue,screen?fps=15&size=320x240", true, true},
		{"#sparkle", false, false},
		{"?fps=0", false, false},
		{"/nonexistent.png", false, false},
	} {
		cam, err := OpenLive(ctx, tc.arg, env)
		if (err == nil) != tc.ok {
			t.Errorf("%q: %v", tc.arg, err)
			continue
		}
		if err != nil {
			continue
		}
		p, ok := PerformerOf(cam)
		if !ok || p == nil {
			t.Errorf("%q: no performer", tc.arg)
		}
		if _, isScreen := cam.(*Camera).scene.(*Screen); isScreen != tc.screen {
			t.Errorf("%q: screen %v", tc.arg, isScreen)
		}
		f, err := cam.Next(ctx)
		w, h := cam.Size()
		if err != nil || f.Width != w || f.Height != h {
			t.Errorf("%q: frame %dx%d %v", tc.arg, f.Width, f.Height, err)
		}
		cam.Close()
	}
	// A photo without landmarks next to it.
	dir := t.TempDir()
	data, _ := os.ReadFile(DefaultPhoto)
	os.WriteFile(dir+"/p.png", data, 0o644)
	if _, err := OpenLive(ctx, dir+"/p.png", env); !errors.Is(err, ErrBadLandmarks) {
		t.Errorf("no landmarks file: %v", err)
	}
	if _, ok := PerformerOf(&Camera{scene: &Still{}}); ok {
		t.Errorf("a still is not a performer")
	}
	var other camera.Camera
	if _, ok := PerformerOf(other); ok {
		t.Errorf("nil camera")
	}
}

func TestScreen(t *testing.T) {
	needAstronaut(t)
	p, err := LoadPerformer(DefaultPhoto, 320, 240, DefaultFaceFrac)
	if err != nil {
		t.Fatal(err)
	}
	s := NewScreen(p)
	a := image.NewRGBA(image.Rect(0, 0, 320, 240))
	b := image.NewRGBA(image.Rect(0, 0, 320, 240))
	s.Render(a, 0, 0)
	p.Render(b, 0, 0)
	// The room shows at the corners, the bezel is dark, the glass differs.
	if c := a.RGBAAt(1, 1); c != s.Room {
		t.Errorf("corner %v, want the room %v", c, s.Room)
	}
	if d := diff(a, b, image.Rect(100, 80, 220, 160)); d < 5 {
		t.Errorf("screen looks like the scene: %.2f", d)
	}
}

func BenchmarkPerformerRender(b *testing.B) {
	needAstronaut(b)
	p, err := LoadPerformer(DefaultPhoto, 640, 480, DefaultFaceFrac)
	if err != nil {
		b.Fatal(err)
	}
	p.Perform([]string{"turn_left"}, "")
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	p.Render(img, 0, 0)
	for b.Loop() {
		p.Render(img, 0, actLead+700*time.Millisecond) // mid-turn: the whole mesh moves
	}
}

// BenchmarkStillRender is the baseline: the still scene's copy of the
// photo.
func BenchmarkStillRender(b *testing.B) {
	needAstronaut(b)
	s, err := LoadStill(DefaultPhoto, 640, 480)
	if err != nil {
		b.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for b.Loop() {
		s.Render(img, 0, 0)
	}
}

// BenchmarkPerformerRenderAtRest: between actions only the picture is
// copied.
func BenchmarkPerformerRenderAtRest(b *testing.B) {
	needAstronaut(b)
	p, err := LoadPerformer(DefaultPhoto, 640, 480, DefaultFaceFrac)
	if err != nil {
		b.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for b.Loop() {
		p.Render(img, 0, 0)
	}
}
