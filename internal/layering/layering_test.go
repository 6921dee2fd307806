// Package layering checks the dependency rules of DESIGN.md with `go list`:
// device/ stays pure Go and hardware-agnostic, each C library has one leaf
// package, and the appliance binary does not link the testing package.
package layering

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/hbzk/kiosk"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
	CgoFiles   []string
	Dir        string
}

func list(t *testing.T, env []string, patterns ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-e", "-json=ImportPath,Imports,Deps,CgoFiles,Dir"}, patterns...)...)
	cmd.Dir = "../.."
	cmd.Env = append(cmd.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", patterns, err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// forbidden reports the first dependency of p that matches a prefix.
func forbidden(p pkg, prefixes ...string) string {
	for _, d := range p.Deps {
		for _, f := range prefixes {
			if d == f || strings.HasPrefix(d, f+"/") {
				return d
			}
		}
	}
	return ""
}

func TestDeviceIsHardwareAgnostic(t *testing.T) {
	for _, p := range list(t, nil, module+"/device/...") {
		if bad := forbidden(p, module+"/drivers", module+"/ui", module+"/app", "gocv.io/x/gocv",
			"github.com/go-gl", "go.bug.st/serial", "periph.io/x/host"); bad != "" {
			t.Errorf("%s depends on %s: device/ must stay hardware-agnostic", p.ImportPath, bad)
		}
	}
}

func TestDeviceBuildsWithoutCgo(t *testing.T) {
	for _, p := range list(t, []string{"CGO_ENABLED=0"}, module+"/device/...", module+"/central/...") {
		if len(p.CgoFiles) > 0 {
			t.Errorf("%s has cgo files %v", p.ImportPath, p.CgoFiles)
		}
	}
}

// Each C library has one leaf package that imports it.
func TestOneLeafPerCLibrary(t *testing.T) {
	owners := map[string]string{
		"gocv.io/x/gocv":                   module + "/drivers/opencv",
		"github.com/go-gl/glfw/v3.3/glfw":  module + "/ui/glfw",
		"github.com/go-gl/gl/v3.3-core/gl": module + "/ui/glfw",
		// Sound: ALSA through cgo in drivers/alsa; the Go ALSA modules,
		// should one replace it, belong there too.
		"github.com/gen2brain/malgo": module + "/drivers/alsa",
		"github.com/yobert/alsa":     module + "/drivers/alsa",
	}
	for _, p := range list(t, nil, module+"/...") {
		for _, imp := range p.Imports {
			if owner, ok := owners[imp]; ok && p.ImportPath != owner && !strings.HasPrefix(p.ImportPath, owner+"/") {
				t.Errorf("%s imports %s: only %s may", p.ImportPath, imp, owner)
			}
		}
	}
}

func TestKioskBinaryDoesNotLinkTesting(t *testing.T) {
	for _, p := range list(t, nil, module+"/cmd/kiosk", module+"/cmd/centrald") {
		if bad := forbidden(p, "testing"); bad != "" {
			t.Errorf("%s links %s", p.ImportPath, bad)
		}
	}
}

// The test must be able to fail: a package that breaks a rule is found.
func TestForbiddenFindsAViolation(t *testing.T) {
	p := pkg{ImportPath: module + "/device/x", Deps: []string{"fmt", "gocv.io/x/gocv"}}
	if forbidden(p, "gocv.io/x/gocv") == "" {
		t.Fatal("violation not found")
	}
	if forbidden(pkg{Deps: []string{"gocv.io/x/gocvx"}}, "gocv.io/x/gocv") != "" {
		t.Fatal("prefix matched a different module")
	}
}

// libasound is linked by drivers/alsa only: no other package's cgo files
// include ALSA's headers.
func TestOneLeafForALSA(t *testing.T) {
	for _, p := range list(t, nil, module+"/...") {
		if len(p.CgoFiles) == 0 || p.ImportPath == module+"/drivers/alsa" {
			continue
		}
		for _, f := range p.CgoFiles {
			b, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "alsa/asoundlib.h") || strings.Contains(string(b), "pkg-config: alsa") {
				t.Errorf("%s/%s uses ALSA: only drivers/alsa may", p.ImportPath, f)
			}
		}
	}
}
