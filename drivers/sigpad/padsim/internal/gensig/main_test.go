package main

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hbzk/kiosk/device/sigpad"
)

// TestFilesUpToDate regenerates the strokes files and compares them with
// the ones in sim/: the generator is deterministic and the files are its
// output. Coordinates may differ by one unit and pressure by one level
// (floating-point contraction differs between architectures).
func TestFilesUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir, dir, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		got := load(t, filepath.Join(dir, f.name))
		want := load(t, filepath.Join("../../../../../sim", f.name))
		if got.Pad != want.Pad || len(got.Strokes) != len(want.Strokes) {
			t.Fatalf("sim/%s is not what gensig writes: go run ./drivers/sigpad/padsim/internal/gensig -dir sim", f.name)
		}
		for i := range want.Strokes {
			if len(got.Strokes[i]) != len(want.Strokes[i]) {
				t.Fatalf("sim/%s stroke %d: %d samples, gensig writes %d", f.name, i, len(want.Strokes[i]), len(got.Strokes[i]))
			}
			for j, w := range want.Strokes[i] {
				g := got.Strokes[i][j]
				if g.T != w.T || abs(g.X-w.X) > 1 || abs(g.Y-w.Y) > 1 || math.Abs(g.P-w.P) > 1.01/255 {
					t.Fatalf("sim/%s stroke %d sample %d: %+v, gensig writes %+v", f.name, i, j, w, g)
				}
			}
		}
	}
}

func abs(x int) int { return max(x, -x) }

func load(t *testing.T, p string) sigpad.Signature {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sigpad.ParseJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
