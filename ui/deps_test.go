package ui

import (
	"go/parser"
	gotoken "go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the layering: ui draws in pure Go and knows nothing of
// devices or drivers; only ui/glfw may import GLFW and go-gl.
func TestImports(t *testing.T) {
	forbidden := []string{"github.com/go-gl/", "gocv.io/", "go.bug.st/serial", "periph.io/x/host",
		"github.com/hbzk/kiosk/drivers", "github.com/hbzk/kiosk/app"}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(gotoken.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				allowed := bad == "github.com/go-gl/" && dir == "glfw"
				if strings.HasPrefix(p, bad) && !allowed {
					t.Errorf("%s imports %s", path, p)
				}
			}
			if strings.HasPrefix(p, "github.com/hbzk/kiosk/device") && p != "github.com/hbzk/kiosk/device/config" {
				t.Errorf("%s imports %s (ui takes view models, not device state)", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
