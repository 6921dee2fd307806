package ui

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hbzk/kiosk/ui/i18n"
)

var update = flag.Bool("update", false, "rewrite the golden images under testdata/golden")

// astronautPath is a real face photo Debian ships with python3-imageio.
const astronautPath = "/usr/lib/python3/dist-packages/imageio/resources/images/astronaut.png"

// astronautFace is the face's box in astronaut.png (512x512).
var astronautFace = image.Rect(163, 52, 287, 198)

func testFont(t testing.TB) *Font {
	t.Helper()
	f, err := LoadFont(DefaultFontPath)
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	return f
}

// testFace returns the sample face photo and whether it is the real one.
func testFace(t testing.TB) (image.Image, image.Rectangle, bool) {
	t.Helper()
	f, err := os.Open(astronautPath)
	if err != nil {
		img, box := PlaceholderFace(640, 480)
		return img, box, false
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", astronautPath, err)
	}
	return img, astronautFace, true
}

var (
	samplesOnce sync.Once
	samples     []Sample
	samplesReal bool
)

// testSamples are Samples with the test face, made once.
func testSamples(t testing.TB) ([]Sample, bool) {
	samplesOnce.Do(func() {
		face, box, real := testFace(t)
		samples, samplesReal = Samples(face, box), real
	})
	return samples, samplesReal
}

func testRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := NewRenderer(testFont(t), DesignSize, DefaultTheme)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// usesPhoto reports whether a screen shows the sample face.
func usesPhoto(s Screen) bool {
	switch s.(type) {
	case Liveness, Photo, PhotoReview, Registration:
		return true
	}
	return false
}

// diff counts pixels whose channels differ by more than tol.
func diff(a, b *image.RGBA, tol int) int {
	n := 0
	for i := 0; i+3 < len(a.Pix); i += 4 {
		for k := 0; k < 4; k++ {
			d := int(a.Pix[i+k]) - int(b.Pix[i+k])
			if d > tol || d < -tol {
				n++
				break
			}
		}
	}
	return n
}

func TestGolden(t *testing.T) {
	r := testRenderer(t)
	all, real := testSamples(t)
	dir := filepath.Join("testdata", "golden")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, sm := range all {
		s := sm.Screen
		for _, lang := range i18n.Langs {
			name := fmt.Sprintf("%s-%s.png", sm.File, lang)
			t.Run(name, func(t *testing.T) {
				f := r.Render(s, lang)
				if len(r.missing) > 0 {
					t.Errorf("catalogue keys missing: %q", r.missing)
				}
				checkTargets(t, f, s.Name(), 1)
				path := filepath.Join(dir, name)
				if *update {
					var buf bytes.Buffer
					enc := png.Encoder{CompressionLevel: png.BestCompression}
					if err := enc.Encode(&buf, f.Image); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				if usesPhoto(s) && !real {
					t.Skipf("skipping: %s is missing (apt-get install python3-imageio); the golden image shows that photo", astronautPath)
				}
				want, err := readPNG(path)
				if err != nil {
					t.Fatalf("%v (run go test ./ui -run TestGolden -update to create it)", err)
				}
				if want.Rect != f.Image.Rect {
					t.Fatalf("size %v, golden %v", f.Image.Rect.Size(), want.Rect.Size())
				}
				// Anti-aliasing may differ by a level or two between
				// platforms; a layout change moves many pixels.
				if n := diff(f.Image, want, 6); n > len(want.Pix)/4/20000 {
					got := filepath.Join(os.TempDir(), "kiosk-ui-golden", name)
					os.MkdirAll(filepath.Dir(got), 0o755)
					os.WriteFile(got, mustPNG(f.Image), 0o644)
					t.Errorf("%d pixels differ from %s; this run drew %s (look at both, then -update if intended)", n, path, got)
				}
			})
		}
	}
}

func readPNG(path string) (*image.RGBA, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	if rgba, ok := img.(*image.RGBA); ok {
		return rgba, nil
	}
	rgba := image.NewRGBA(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			rgba.Set(x, y, img.At(x, y))
		}
	}
	return rgba, nil
}

func mustPNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// TestGoldenLargeText draws the candidate's main screens in the large-text
// theme (switched on at the attract screen), with the same checks.
func TestGoldenLargeText(t *testing.T) {
	r, err := NewRenderer(testFont(t), DesignSize, LargeText(DefaultTheme))
	if err != nil {
		t.Fatal(err)
	}
	all, real := testSamples(t)
	dir := filepath.Join("testdata", "golden")
	want := map[string]bool{"attract": true, "place-card": true, "registration": true, "signature": true, "done-2": true,
		"not-on-roster": true, "failure": true, "liveness-retry": true}
	for _, sm := range all {
		if !want[sm.File] {
			continue
		}
		s := sm.Screen
		for _, lang := range i18n.Langs {
			name := fmt.Sprintf("large-%s-%s.png", sm.File, lang)
			t.Run(name, func(t *testing.T) {
				f := r.Render(s, lang)
				checkTargets(t, f, s.Name(), 1)
				path := filepath.Join(dir, name)
				if *update {
					if err := os.WriteFile(path, mustPNG(f.Image), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				if usesPhoto(s) && !real {
					t.Skip("skipping: the golden image shows the sample photo")
				}
				g, err := readPNG(path)
				if err != nil {
					t.Fatalf("%v (run go test ./ui -run TestGoldenLargeText -update to create it)", err)
				}
				if n := diff(f.Image, g, 6); n > len(g.Pix)/4/20000 {
					t.Errorf("%d pixels differ from %s", n, path)
				}
			})
		}
	}
}
