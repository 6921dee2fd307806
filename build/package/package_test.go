package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// onnx is the smallest file face.CheckONNX accepts: ir_version, then a
// graph field.
var onnx = append([]byte{0x08, 0x07, 0x3a, 0x0c}, []byte("dummy graph.")...)

// fixture writes dummy binaries and a models folder with a manifest that
// pins them, and returns the options to package them.
func fixture(t *testing.T) options {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	models := filepath.Join(dir, "models")
	for _, d := range []string{bin, models} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// kiosk and kioskctl: real Go binaries built with the appliance tag
	// and linked against libc, so Depends gains libc6.
	elf := goBinary(t, true)
	write(t, filepath.Join(bin, "kiosk"), elf, 0o755)
	write(t, filepath.Join(bin, "kioskctl"), elf, 0o755)
	write(t, filepath.Join(bin, "centrald"), []byte("#!/bin/sh\necho centrald\n"), 0o700)
	var manifest strings.Builder
	manifest.WriteString("version = 1\n")
	for i, role := range []string{"detect", "landmark", "embed"} {
		data := append(append([]byte{}, onnx...), byte(i))
		name := "fr_" + role + ".onnx"
		write(t, filepath.Join(models, name), data, 0o600)
		sum := sha256.Sum256(data)
		fmt.Fprintf(&manifest, `
[models.%s]
file = %q
sha256 = %q
input = [1, 3, 112, 112]
channels = "rgb"
scale = 1.0
outputs = ["output"]
version = "test"
`, role, name, hex.EncodeToString(sum[:]))
	}
	write(t, filepath.Join(models, "manifest.toml"), []byte(manifest.String()), 0o644)
	write(t, filepath.Join(models, "unlisted.onnx"), onnx, 0o644)
	return options{
		Version: "v1.4.0-2-gabc1234-dirty", Arch: "amd64",
		Bin: bin, Models: models, Out: filepath.Join(dir, "dist"), Root: "../..",
	}
}

var goBinaries sync.Map // bool (appliance tag) -> []byte

// goBinary builds a small cgo program, with or without the appliance tag,
// once per test binary.
func goBinary(t *testing.T, appliance bool) []byte {
	t.Helper()
	if b, ok := goBinaries.Load(appliance); ok {
		return b.([]byte)
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH: cannot build the fixture binaries")
	}
	dir := t.TempDir()
	src := "package main\n\n// int one(void) { return 1; }\nimport \"C\"\n\nfunc main() { println(C.one()) }\n"
	write(t, filepath.Join(dir, "main.go"), []byte(src), 0o644)
	write(t, filepath.Join(dir, "go.mod"), []byte("module fixture\n\ngo 1.22\n"), 0o644)
	args := []string{"build", "-o", "prog"}
	if appliance {
		args = append(args, "-tags", "appliance")
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build fixture: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "prog"))
	if err != nil {
		t.Fatal(err)
	}
	goBinaries.Store(appliance, b)
	return b
}

func write(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

func dpkgDeb(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestPackageContents(t *testing.T) {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb is not installed (apt-get install dpkg): cannot inspect the .deb")
	}
	o := fixture(t)
	path, err := build(o)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(o.Out, "kiosk_1.4.0+2.gabc1234.dirty_amd64.deb"); path != want {
		t.Fatalf("package at %s, want %s", path, want)
	}

	info := dpkgDeb(t, "-I", path)
	for _, re := range []string{
		`(?m)^ Package: kiosk$`,
		`(?m)^ Version: 1\.4\.0\+2\.gabc1234\.dirty$`,
		`(?m)^ Architecture: amd64$`,
		`(?m)^ Maintainer: .+<.+@.+>$`,
		`(?m)^ Depends: .*\bsystemd\b`,
		`(?m)^ Depends: .*\budev\b`,
		`(?m)^ Depends: .*\blibc6\b`, // from /bin/true's DT_NEEDED
		`(?m)^ Depends: .*\bfonts-wqy-microhei\b`,
		`(?m)^ Section: misc$`,
		`(?m)^ Description: exam office`,
		`(?m)^\s+\d+ bytes,\s+\d+ lines\s+\*\s+postinst\s`, // '*': executable
		`(?m)^\s+\d+ bytes,\s+\d+ lines\s+\*\s+prerm\s`,
		`(?m)^\s+\d+ bytes,\s+\d+ lines\s+\*\s+postrm\s`,
		`(?m)^\s+\d+ bytes,\s+\d+ lines\s+conffiles\s`,
	} {
		if !regexp.MustCompile(re).MatchString(info) {
			t.Errorf("dpkg-deb -I lacks %s:\n%s", re, info)
		}
	}

	// The control archive: conffiles and the scripts as written.
	ctl := t.TempDir()
	dpkgDeb(t, "-e", path, ctl)
	conffiles, err := os.ReadFile(filepath.Join(ctl, "conffiles"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(conffiles)) != "/etc/kiosk/kiosk.toml" {
		t.Errorf("conffiles = %q, want only /etc/kiosk/kiosk.toml", conffiles)
	}
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		got, err := os.ReadFile(filepath.Join(ctl, s))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := os.ReadFile(filepath.Join("..", "deb", s))
		if string(got) != string(want) {
			t.Errorf("%s in the package differs from build/deb/%s", s, s)
		}
		if st, _ := os.Stat(filepath.Join(ctl, s)); st.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s is not executable: %v", s, st.Mode())
		}
	}

	// The data archive: every file with its mode and owner.
	listing := dpkgDeb(t, "-c", path)
	files := map[string]string{} // path -> "mode owner"
	for _, line := range strings.Split(strings.TrimSpace(listing), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		files[strings.TrimPrefix(f[5], ".")] = f[0] + " " + f[1]
	}
	for p, want := range map[string]string{
		"/usr/bin/kiosk":                           "-rwxr-xr-x root/root",
		"/usr/bin/kioskctl":                        "-rwxr-xr-x root/root",
		"/usr/bin/centrald":                        "-rwxr-xr-x root/root",
		"/usr/share/kiosk/models/manifest.toml":    "-rw-r--r-- root/root",
		"/usr/share/kiosk/models/fr_detect.onnx":   "-rw-r--r-- root/root",
		"/usr/share/kiosk/models/fr_landmark.onnx": "-rw-r--r-- root/root",
		"/usr/share/kiosk/models/fr_embed.onnx":    "-rw-r--r-- root/root",
		"/etc/kiosk/kiosk.toml":                    "-rw-r--r-- root/root",
		"/lib/systemd/system/kiosk.service":        "-rw-r--r-- root/root",
		"/lib/systemd/system/centrald.service":     "-rw-r--r-- root/root",
		"/lib/udev/rules.d/60-kiosk.rules":         "-rw-r--r-- root/root",
		"/usr/lib/tmpfiles.d/kiosk.conf":           "-rw-r--r-- root/root",
		"/usr/share/doc/kiosk/technician.md":       "-rw-r--r-- root/root",
	} {
		if got, ok := files[p]; !ok {
			t.Errorf("%s is not in the package", p)
		} else if got != want {
			t.Errorf("%s: %s, want %s", p, got, want)
		}
	}
	if _, ok := files["/usr/share/kiosk/models/unlisted.onnx"]; ok {
		t.Error("a model the manifest does not name was packaged")
	}

	// The files themselves: the generated rules and the default config.
	data := t.TempDir()
	dpkgDeb(t, "-x", path, data)
	rules, _ := os.ReadFile(filepath.Join(data, "lib/udev/rules.d/60-kiosk.rules"))
	golden, _ := os.ReadFile("../udev/60-kiosk.rules")
	if len(rules) == 0 || string(rules) != string(golden) {
		t.Error("packaged udev rules differ from build/udev/60-kiosk.rules")
	}
	conf, _ := os.ReadFile(filepath.Join(data, "etc/kiosk/kiosk.toml"))
	appliance, _ := os.ReadFile("../kiosk.appliance.toml")
	if string(conf) != string(appliance) {
		t.Error("/etc/kiosk/kiosk.toml is not build/kiosk.appliance.toml")
	}
}

func TestPackageErrors(t *testing.T) {
	tests := []struct {
		name    string
		spoil   func(o *options)
		wantErr string
	}{
		{"no manifest", func(o *options) { os.Remove(filepath.Join(o.Models, "manifest.toml")) }, "manifest.toml is missing"},
		{"model missing", func(o *options) { os.Remove(filepath.Join(o.Models, "fr_embed.onnx")) }, "fr_embed.onnx"},
		{"model corrupt", func(o *options) {
			write(t, filepath.Join(o.Models, "fr_detect.onnx"), append(append([]byte{}, onnx...), 9), 0o644)
		}, "sha256"},
		{"model outside", func(o *options) {
			m, _ := os.ReadFile(filepath.Join(o.Models, "manifest.toml"))
			os.MkdirAll(filepath.Join(o.Models, "sub"), 0o755)
			os.Rename(filepath.Join(o.Models, "fr_embed.onnx"), filepath.Join(o.Models, "sub", "fr_embed.onnx"))
			m = []byte(strings.Replace(string(m), `"fr_embed.onnx"`, `"sub/../../models/sub/fr_embed.onnx"`, 1))
			write(t, filepath.Join(o.Models, "manifest.toml"), m, 0o644)
		}, "inside the manifest's folder"},
		{"binary missing", func(o *options) { os.Remove(filepath.Join(o.Bin, "centrald")) }, "binary centrald"},
		{"development kiosk", func(o *options) {
			write(t, filepath.Join(o.Bin, "kiosk"), goBinary(t, false), 0o755)
		}, "kiosk is a development build"},
		{"kioskctl not Go", func(o *options) {
			write(t, filepath.Join(o.Bin, "kioskctl"), []byte("#!/bin/sh\necho kioskctl\n"), 0o755)
		}, "kioskctl: not a Go binary"},
		{"bad version", func(o *options) { o.Version = "1.0 beta" }, "not allowed"},
		{"no arch", func(o *options) { o.Arch = "" }, "--arch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := fixture(t)
			tt.spoil(&o)
			_, err := build(o)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if entries, _ := os.ReadDir(o.Out); len(entries) > 0 {
				t.Fatalf("a failed build left %v in the output folder", entries)
			}
		})
	}
}
