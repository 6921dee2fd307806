//go:build matprofile

package opencv

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
)

// checkMatLeaks fails the run when any Mat made during the tests is still
// open after every engine and camera was closed: go test -tags matprofile.
func checkMatLeaks() int {
	if n := gocv.MatProfile.Count(); n > 0 {
		var b strings.Builder
		gocv.MatProfile.WriteTo(&b, 1)
		fmt.Fprintf(os.Stderr, "opencv: %d Mats leaked:\n%s\n", n, b.String())
		return 1
	}
	fmt.Fprintln(os.Stderr, "opencv: matprofile: no Mat leaked")
	return 0
}

// TestNoMatLeakPerFrame runs the whole pipeline and every stage on many
// frames: the number of open Mats must not grow.
func TestNoMatLeakPerFrame(t *testing.T) {
	e := testEngine(t)
	img := readImage(t, gocvImage(t, "images/face.jpg"))
	if _, err := e.Face(&img, face.Live); err != nil { // buffers reach their size
		t.Fatal(err)
	}
	before := gocv.MatProfile.Count()
	for i := 0; i < 20; i++ {
		f, err := e.Face(&img, face.Live)
		if err != nil {
			t.Fatal(err)
		}
		al, err := e.Align(&img, &f.Landmarks)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Embed(&al); err != nil {
			t.Fatal(err)
		}
		chip, err := SimulateChip(&img, f.Detection.Box, 60)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Face(&chip, face.Chip); err != nil {
			t.Fatal(err)
		}
		blank := camera.NewFrame(64, 48)
		if _, err := e.Face(&blank, face.Live); !errors.Is(err, face.ErrNoFace) {
			t.Fatal(err)
		}
		if _, err := DecodeImage([]byte("garbage")); err == nil {
			t.Fatal("garbage decoded")
		}
	}
	if after := gocv.MatProfile.Count(); after != before {
		var b strings.Builder
		gocv.MatProfile.WriteTo(&b, 1)
		t.Fatalf("open Mats %d before, %d after 20 frames:\n%s", before, after, b.String())
	}
}
