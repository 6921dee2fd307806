package opencv

import (
	"os"
	"sync"
	"testing"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/camera/camsim"
)

// lvAstronaut is NASA's portrait of Eileen Collins, shipped by Debian's
// python3-imageio.
const lvAstronaut = camsim.DefaultPhoto

var (
	lvOnce sync.Once
	lvAn   *LiveAnalyzer
	lvErr  error
)

// lvAnalyzer adds the liveness stages to the shared test engine once (the
// engine closes them in TestMain).
func lvAnalyzer(t testing.TB) (*Engine, *LiveAnalyzer) {
	t.Helper()
	e := testEngine(t)
	lvOnce.Do(func() { lvAn, lvErr = NewLiveAnalyzer(e) })
	if lvErr != nil {
		t.Fatal(lvErr)
	}
	return e, lvAn
}

// lvImage reads an image a Debian package ships, or skips.
func lvImage(t testing.TB, path string) camera.Frame {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not installed: %v", path, err)
	}
	f, err := ReadImage(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func lvImageOK(path string) (os.FileInfo, error) { return os.Stat(path) }
