package idcard

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the package pure: the standard library and other
// device/ packages only (no drivers, serial, cgo, gocv, glfw).
func TestImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range af.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			first, _, _ := strings.Cut(p, "/")
			if p == "C" || strings.Contains(first, ".") && !strings.HasPrefix(p, "github.com/hbzk/kiosk/device/") {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
