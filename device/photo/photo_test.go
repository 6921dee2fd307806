package photo

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/face"
)

// sitter draws a synthetic candidate on a backdrop: a skin ellipse head
// with dark hair on top, eyes, a mouth, and shoulders, with texture so
// that it is sharp. Its landmarks are placed where such a face has them.
type sitter struct {
	w, h     int
	cx, cy   float64 // face centre
	fw       float64 // face (jaw) width
	backdrop func(x, y int) [3]uint8
	blur     bool
	light    float64 // grey level scale
}

func (s sitter) frame() camera.Frame {
	f := camera.NewFrame(s.w, s.h)
	rng := rand.New(rand.NewPCG(1, 2))
	fh := s.fw * 1.3
	light := s.light
	if light == 0 {
		light = 1
	}
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			px := s.backdrop(x, y)
			dx, dy := (float64(x)-s.cx)/(s.fw/2), (float64(y)-s.cy)/(fh/2)
			hx, hy := (float64(x)-s.cx)/(s.fw*0.58), (float64(y)-(s.cy-0.12*fh))/(fh*0.62)
			sh := float64(y) - (s.cy + 0.75*fh)
			switch {
			case dx*dx+dy*dy <= 1:
				v := 150 + 70*math.Sin(float64(x)*0.9)*math.Sin(float64(y)*0.7) + 20*rng.Float64()
				px = [3]uint8{uint8(v), uint8(v * 0.8), uint8(v * 0.7)}
			case hx*hx+hy*hy <= 1 && float64(y) < s.cy:
				v := 50 + 25*math.Sin(float64(x+y)*1.3)
				px = [3]uint8{uint8(v), uint8(v * 0.8), uint8(v * 0.6)}
			case float64(y) > s.cy && float64(y) < s.cy+0.8*fh && math.Abs(float64(x)-s.cx) < 0.25*s.fw:
				v := 140 + 20*math.Sin(float64(y)*0.8)
				px = [3]uint8{uint8(v), uint8(v * 0.8), uint8(v * 0.7)} // the neck
			case sh > 0 && math.Abs(float64(x)-s.cx) < s.fw*0.35+sh*1.5:
				v := 60 + 20*math.Sin(float64(x)*0.5)
				px = [3]uint8{uint8(v), uint8(v), uint8(v + 20)}
			}
			i := (y*s.w + x) * 3
			f.Pix[i], f.Pix[i+1], f.Pix[i+2] = uint8(min(255, float64(px[2])*light)), uint8(min(255, float64(px[1])*light)), uint8(min(255, float64(px[0])*light))
		}
	}
	if s.blur {
		for k := 0; k < 6; k++ {
			boxBlur(&f)
		}
	}
	return f
}

func boxBlur(f *camera.Frame) {
	src := append([]byte(nil), f.Pix...)
	for y := 1; y < f.Height-1; y++ {
		for x := 1; x < f.Width-1; x++ {
			for c := 0; c < 3; c++ {
				s := 0
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						s += int(src[((y+dy)*f.Width+x+dx)*3+c])
					}
				}
				f.Pix[(y*f.Width+x)*3+c] = byte(s / 9)
			}
		}
	}
}

// landmarks places the 68 points of the synthetic face.
func (s sitter) info() FaceInfo {
	fh := s.fw * 1.3
	var l face.Landmarks
	p := func(fx, fy float64) face.Point {
		return face.Point{X: float32(s.cx + fx*s.fw/2), Y: float32(s.cy + fy*fh/2)}
	}
	for i := 0; i <= 16; i++ { // jaw, from the left ear round the chin
		a := math.Pi * float64(i) / 16
		l[i] = p(-math.Cos(a), 0.05+0.9*math.Sin(a))
	}
	for i := 17; i <= 26; i++ { // brows
		l[i] = p(-0.75+0.15*float64(i-17)+0.1*b2f(i >= 22), -0.42)
	}
	for i := 27; i <= 30; i++ {
		l[i] = p(0, -0.3+0.12*float64(i-27))
	}
	for i := 31; i <= 35; i++ {
		l[i] = p(-0.2+0.1*float64(i-31), 0.15)
	}
	eye := func(base int, cx float64) {
		l[base], l[base+3] = p(cx-0.18, -0.25), p(cx+0.18, -0.25)
		l[base+1], l[base+2] = p(cx-0.06, -0.3), p(cx+0.06, -0.3)
		l[base+5], l[base+4] = p(cx-0.06, -0.2), p(cx+0.06, -0.2)
	}
	eye(36, -0.38)
	eye(42, 0.38)
	for i := 48; i <= 59; i++ {
		a := 2 * math.Pi * float64(i-48) / 12
		l[i] = p(-0.35*math.Cos(a), 0.45-0.08*math.Sin(a))
	}
	l[60], l[64] = p(-0.3, 0.45), p(0.3, 0.45)
	for i, x := range []float64{-0.1, 0, 0.1} {
		l[61+i] = p(x, 0.44)
		l[67-i] = p(x, 0.46)
	}
	return FaceInfo{Faces: 1, Box: face.Rect{X1: float32(s.cx - s.fw/2), Y1: float32(s.cy - fh/2), X2: float32(s.cx + s.fw/2), Y2: float32(s.cy + fh/2)},
		Landmarks: l, Pitch: 10, EyeOpen: [2]float64{0.97, 0.95}, Embedding: face.Embedding{1, 0, 0}}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// fake is an Analyzer that knows the sitter.
type fake struct {
	fi      FaceInfo
	mask    func(r image.Rectangle) []uint8
	segs    int
	segErr  error
	faceErr error
}

func (a *fake) Face(img *camera.Frame) (FaceInfo, error) {
	if img.Width != a.fiW() {
		// The finished photo: report the face as the same person.
		return FaceInfo{Faces: 1, Embedding: a.fi.Embedding}, a.faceErr
	}
	return a.fi, a.faceErr
}
func (a *fake) fiW() int { return 640 }
func (a *fake) Segment(img *camera.Frame, r image.Rectangle, trimap []uint8) ([]uint8, error) {
	a.segs++
	if a.segErr != nil {
		return nil, a.segErr
	}
	return a.mask(r), nil
}
func (a *fake) Compare(x, y face.Embedding) face.Match { return face.Decide(x, y, 0.3, "test") }

var blue = [3]uint8{0x43, 0x8e, 0xdb}

func plain(c [3]uint8) func(x, y int) [3]uint8 { return func(int, int) [3]uint8 { return c } }

func busy(x, y int) [3]uint8 {
	return [3]uint8{uint8(100 + 80*math.Sin(float64(x)/9)), uint8(140 + 60*math.Cos(float64(y)/7)), uint8(90 + (x*y)%60)}
}

// personMask is the sitter's true silhouette over r.
func (s sitter) personMask(r image.Rectangle) []uint8 {
	s.light = 1
	fr := s.frame()
	bg := s
	bg.backdrop = plain([3]uint8{1, 2, 3})
	ref := bg.frame()
	out := make([]uint8, r.Dx()*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := (y*fr.Width + x) * 3
			if !(ref.Pix[i] == 3 && ref.Pix[i+1] == 2 && ref.Pix[i+2] == 1) {
				out[(y-r.Min.Y)*r.Dx()+x-r.Min.X] = 255
			}
		}
	}
	return out
}

func TestMake(t *testing.T) {
	base := sitter{w: 640, h: 480, cx: 320, cy: 200, fw: 150, backdrop: plain(blue)}
	tests := []struct {
		name     string
		s        sitter
		edit     func(*FaceInfo)
		mask     func(s sitter) func(image.Rectangle) []uint8
		live     face.Embedding
		replaced bool
		failed   string // comma-separated failed checks, "" = ok
	}{
		{"blue backdrop", base, nil, nil, nil, false, ""},
		{"blue backdrop, matches live", base, nil, nil, face.Embedding{0.9, 0.1, 0}, false, ""},
		{"another person", base, nil, nil, face.Embedding{0, 1, 0}, false, "matches_live"},
		{"busy backdrop replaced", func() sitter { s := base; s.backdrop = busy; return s }(), nil,
			func(s sitter) func(image.Rectangle) []uint8 { return s.personMask }, nil, true, ""},
		{"segmentation untrustworthy", func() sitter { s := base; s.backdrop = busy; return s }(), nil,
			func(s sitter) func(image.Rectangle) []uint8 {
				return func(r image.Rectangle) []uint8 { return bytes.Repeat([]byte{255}, r.Dx()*r.Dy()) }
			}, nil, false, "background,segmentation"},
		{"two faces", base, func(fi *FaceInfo) { fi.Faces = 2 }, nil, nil, false, "one_face"},
		{"turned, tilted, leaning", base, func(fi *FaceInfo) { fi.Yaw, fi.Pitch, fi.Roll = 20, 30, -10 }, nil, nil, false, "frontal_yaw,frontal_pitch,frontal_roll"},
		{"eyes closed", base, func(fi *FaceInfo) { fi.EyeOpen[1] = 0.1 }, nil, nil, false, "eyes_open"},
		{"mouth open", base, func(fi *FaceInfo) {
			for i := 65; i <= 67; i++ {
				fi.Landmarks[i].Y += 25
			}
		}, nil, nil, false, "mouth_closed"},
		{"blurred", func() sitter { s := base; s.blur = true; return s }(), nil, nil, nil, false, "sharpness,contrast"},
		{"dark", func() sitter { s := base; s.light = 0.35; return s }(), nil,
			func(s sitter) func(image.Rectangle) []uint8 { return s.personMask }, nil, false, "exposure,contrast"},
		{"head at the top edge", func() sitter { s := base; s.cy = 90; return s }(), nil, nil, nil, false, "framing"},
		{"face too small", func() sitter { s := base; s.fw = 50; s.cy = 150; return s }(), nil, nil, nil, false, "face_size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := tc.s.frame()
			a := &fake{fi: tc.s.info()}
			if tc.edit != nil {
				tc.edit(&a.fi)
			}
			if tc.mask != nil {
				a.mask = tc.mask(tc.s)
			}
			m := &Maker{Analyzer: a, Spec: DefaultSpec()}
			p, r, err := m.Make(&img, tc.live)
			got := strings.Join(r.Failed(), ",")
			if got != tc.failed {
				for _, c := range r.Checks {
					t.Logf("%+v", c)
				}
				t.Fatalf("failed checks %q, want %q (%v)", got, tc.failed, err)
			}
			if tc.failed != "" {
				if !errors.Is(err, ErrRefused) || r.OK || p.JPEG != nil {
					t.Fatalf("refused photo: err %v ok %v, %d bytes", err, r.OK, len(p.JPEG))
				}
				return
			}
			if err != nil || !r.OK {
				t.Fatal(err)
			}
			if r.BackgroundReplaced != tc.replaced {
				t.Errorf("background replaced %v, want %v", r.BackgroundReplaced, tc.replaced)
			}
			if len(p.JPEG) > m.Spec.MaxBytes || r.Bytes != len(p.JPEG) {
				t.Errorf("%d bytes (report %d), limit %d", len(p.JPEG), r.Bytes, m.Spec.MaxBytes)
			}
			dec, err := jpeg.Decode(bytes.NewReader(p.JPEG))
			if err != nil || dec.Bounds().Dx() != 360 || dec.Bounds().Dy() != 480 {
				t.Fatalf("photo %v, %v", dec.Bounds(), err)
			}
			// The top rows and the upper corners are backdrop, light blue.
			for _, pt := range []image.Point{{180, 5}, {10, 60}, {350, 60}} {
				r, g, b, _ := dec.At(pt.X, pt.Y).RGBA()
				if d := math.Abs(float64(r>>8)-0x43) + math.Abs(float64(g>>8)-0x8e) + math.Abs(float64(b>>8)-0xdb); d > 60 {
					t.Errorf("backdrop at %v is %d,%d,%d", pt, r>>8, g>>8, b>>8)
				}
			}
			// The crown sits near 1/10 of the height: the first row with
			// hair in the middle column.
			crown := -1
			for y := 0; y < 240 && crown < 0; y++ {
				r, g, b, _ := dec.At(180, y).RGBA()
				if r>>8 < 120 && g>>8 < 120 && b>>8 < 120 {
					crown = y
				}
			}
			if crown < 30 || crown > 70 {
				t.Errorf("crown at row %d, want about 48", crown)
			}
		})
	}
}

func TestMakeErrors(t *testing.T) {
	s := sitter{w: 640, h: 480, cx: 320, cy: 200, fw: 150, backdrop: busy}
	img := s.frame()
	boom := errors.New("boom")
	a := &fake{fi: s.info(), segErr: boom}
	m := &Maker{Analyzer: a, Spec: DefaultSpec()}
	if _, _, err := m.Make(&img, nil); !errors.Is(err, boom) || errors.Is(err, ErrRefused) {
		t.Errorf("segment error: %v", err)
	}
	a = &fake{fi: s.info(), faceErr: boom}
	m.Analyzer = a
	if _, _, err := m.Make(&img, nil); !errors.Is(err, boom) {
		t.Errorf("face error: %v", err)
	}
	bad := camera.Frame{Width: 10, Height: 10, Pix: make([]byte, 5)}
	if _, _, err := m.Make(&bad, nil); !errors.Is(err, camera.ErrBadFrame) {
		t.Errorf("bad frame: %v", err)
	}
	m.Analyzer = &fake{fi: FaceInfo{}}
	_, r, err := m.Make(&img, nil)
	if !errors.Is(err, ErrRefused) || len(r.Checks) != 1 || r.Checks[0].Name != "one_face" {
		t.Errorf("no face: %v %+v", err, r)
	}
	// MakeBest: the first frame is refused, the second passes.
	good := sitter{w: 640, h: 480, cx: 320, cy: 200, fw: 150, backdrop: plain(blue)}
	gi := good.frame()
	blurred := good
	blurred.blur = true
	bi := blurred.frame()
	m.Analyzer = &fake{fi: good.info()}
	p, r, err := m.MakeBest([]camera.Frame{bi, gi}, nil)
	if err != nil || !r.OK || p.JPEG == nil {
		t.Errorf("MakeBest: %v %v", err, r.Failed())
	}
	_, r, err = m.MakeBest([]camera.Frame{bi}, nil)
	if !errors.Is(err, ErrRefused) || strings.Join(r.Failed(), ",") != "sharpness,contrast" {
		t.Errorf("MakeBest refused: %v %v", err, r.Failed())
	}
	if _, _, err := m.MakeBest(nil, nil); err == nil || errors.Is(err, ErrRefused) {
		t.Errorf("MakeBest of nothing")
	}
	// Check does not encode.
	r, err = m.Check(&gi)
	if err != nil || !r.OK || r.Bytes != 0 {
		t.Errorf("Check: %v %+v", err, r)
	}
}

func TestEncodeUnder(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 360, 480))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	for _, limit := range []int{40 * 1024, 80 * 1024, 200 * 1024} {
		data, q, err := EncodeUnder(img, limit, 5)
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		if len(data) > limit {
			t.Errorf("limit %d: %d bytes", limit, len(data))
		}
		if q < 95 {
			var b bytes.Buffer
			jpeg.Encode(&b, img, &jpeg.Options{Quality: q + 1})
			if b.Len() <= limit {
				t.Errorf("limit %d: quality %d chosen but %d fits (%d bytes)", limit, q, q+1, b.Len())
			}
		}
	}
	if _, _, err := EncodeUnder(img, 2000, 50); err == nil {
		t.Errorf("noise at quality 50 fits in 2000 bytes?")
	}
}

func TestSharpness(t *testing.T) {
	s := sitter{w: 640, h: 480, cx: 320, cy: 200, fw: 150, backdrop: plain(blue)}
	sharp := s.frame()
	s.blur = true
	soft := s.frame()
	box := s.info().Box
	a, b := Sharpness(&sharp, box), Sharpness(&soft, box)
	if !(a > 4*b) || b >= DefaultSpec().MinSharpness || a < DefaultSpec().MinSharpness {
		t.Errorf("sharp %v, blurred %v", a, b)
	}
	if Sharpness(&sharp, face.Rect{X1: 700, Y1: 10, X2: 800, Y2: 20}) != 0 {
		t.Errorf("box outside the picture")
	}
}

func TestSpecFromConfig(t *testing.T) {
	c := config.Defaults(config.Dev).Photo
	s, err := SpecFromConfig(c)
	if err != nil || s.Width != 360 || s.Height != 480 || s.MaxBytes != 40*1024 || s.Background != (color.RGBA{0x43, 0x8e, 0xdb, 0xff}) {
		t.Errorf("%+v %v", s, err)
	}
	c.Background = "blue"
	if _, err := SpecFromConfig(c); err == nil {
		t.Errorf("bad colour accepted")
	}
	c = config.Defaults(config.Dev).Photo
	c.MaxBytes = 10
	if _, err := SpecFromConfig(c); err == nil {
		t.Errorf("10-byte limit accepted")
	}
}

func TestTrust(t *testing.T) {
	s := sitter{w: 640, h: 480, cx: 320, cy: 200, fw: 150, backdrop: busy}
	fi := s.info()
	g := Frame(DefaultSpec(), &fi.Landmarks, -1)
	r := g.Crop.Intersect(image.Rect(0, 0, 640, 480))
	tri := Trimap(r, g, &fi)
	good := s.personMask(r)
	if v, why := Trust(good, tri, r, g, &fi); v < 0.5 {
		t.Errorf("true silhouette: %v %s", v, why)
	}
	all := bytes.Repeat([]byte{255}, len(good))
	none := make([]byte, len(good))
	soft := bytes.Repeat([]byte{128}, len(good))
	for name, m := range map[string][]byte{"all": all, "none": none, "soft": soft, "short": good[:10]} {
		if v, why := Trust(m, tri, r, g, &fi); v >= 0.5 || why == "ok" {
			t.Errorf("%s: trusted %v %s", name, v, why)
		}
	}
}

func benchFrame() (camera.Frame, face.Rect) {
	s := sitter{w: 640, h: 480, cx: 320, cy: 200, fw: 150, backdrop: plain(blue)}
	return s.frame(), s.info().Box
}

// BenchmarkSharpness is the photo's sharpness measure on a 150x195 face.
func BenchmarkSharpness(b *testing.B) {
	f, box := benchFrame()
	for b.Loop() {
		Sharpness(&f, box)
	}
}

// BenchmarkGreyStats is the baseline: one pass over the same face box.
func BenchmarkGreyStats(b *testing.B) {
	f, box := benchFrame()
	for b.Loop() {
		greyStats(&f, rect(box))
	}
}
