package opencv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
)

const manifestPath = "../../models/manifest.toml"

// Face photos that Debian packages ship.
const (
	astronautPNG = "/usr/lib/python3/dist-packages/imageio/resources/images/astronaut.png" // python3-imageio
	messiJPG     = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg"                    // opencv-doc
	sharedFaces  = "../../../shared/faces"
)

var (
	gocvOnce sync.Once
	gocvPath string
)

// gocvDir is the gocv module's folder, whose images/ and contrib/att_faces
// hold face photos.
func gocvDir(t testing.TB) string {
	gocvOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err == nil {
			gocvPath = filepath.Join(strings.TrimSpace(string(out)), "gocv.io", "x", "gocv@v0.31.0")
		}
	})
	if _, err := os.Stat(filepath.Join(gocvPath, "images", "face.jpg")); err != nil {
		t.Skipf("gocv module images not found (go mod download gocv.io/x/gocv): %v", err)
	}
	return gocvPath
}

func gocvImage(t testing.TB, rel string) string { return filepath.Join(gocvDir(t), rel) }

// needFile skips when a packaged photo is absent.
func needFile(t testing.TB, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s absent (Debian package %s)", path, pkg)
	}
}

var (
	engOnce sync.Once
	eng     *Engine
	engErr  error
)

// testEngine is one engine shared by the tests (loading takes a while).
func testEngine(t testing.TB) *Engine {
	t.Helper()
	man, err := face.LoadManifest(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(man.Path(man.Models["detect"])); err != nil {
		t.Skip("face models absent: run `make deps`")
	}
	engOnce.Do(func() { eng, engErr = New(man, Options{Threads: 1}) })
	if engErr != nil {
		t.Fatal(engErr)
	}
	return eng
}

func TestMain(m *testing.M) {
	code := m.Run()
	if eng != nil {
		eng.Close()
	}
	if code == 0 {
		code = checkMatLeaks()
	}
	os.Exit(code)
}

func readImage(t testing.TB, path string) camera.Frame {
	t.Helper()
	f, err := ReadImage(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
