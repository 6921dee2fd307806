package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"

	"github.com/hbzk/kiosk/device/face"
)

const defaultMaintainer = "Exam kiosk team <kiosk@hbzk.invalid>"

// Where things go in the package.
const (
	modelsDir = "/usr/share/kiosk/models"
	unitDir   = "/lib/systemd/system"
	rulesPath = "/lib/udev/rules.d/60-kiosk.rules"
)

// binaries are the programs taken from --bin.
var binaries = []string{"kiosk", "kioskctl", "centrald"}

// baseDepends are always in Depends.
var baseDepends = []string{"systemd", "udev", "passwd", "init-system-helpers", "fonts-wqy-microhei"}

type options struct {
	Version string
	Arch    string
	Bin     string
	Models  string
	// Prompts is the folder build/prompts made (zh/, en/, digits/); ""
	// packages no voice prompts.
	Prompts    string
	Out        string
	Root       string
	Maintainer string
	NoShlibs   bool
}

func (o options) root(rel string) string { return filepath.Join(o.Root, filepath.FromSlash(rel)) }

// build writes the .deb and returns its path.
func build(o options) (string, error) {
	if o.Version == "" {
		v, err := gitVersion(o.Root)
		if err != nil {
			return "", err
		}
		o.Version = v
	}
	version, err := debVersion(o.Version)
	if err != nil {
		return "", err
	}
	if o.Arch == "" {
		return "", errors.New("package: --arch is empty")
	}
	if o.Maintainer == "" {
		o.Maintainer = defaultMaintainer
	}

	var contents files.Contents
	add := func(src, dst, typ string, mode os.FileMode) {
		contents = append(contents, &files.Content{
			Source: src, Destination: dst, Type: typ,
			FileInfo: &files.ContentFileInfo{Owner: "root", Group: "root", Mode: mode},
		})
	}

	var bins []string
	for _, b := range binaries {
		src := filepath.Join(o.Bin, b)
		st, err := os.Stat(src)
		if err != nil {
			return "", fmt.Errorf("package: binary %s: %w (build it first: make build)", b, err)
		}
		if !st.Mode().IsRegular() {
			return "", fmt.Errorf("package: binary %s: not a regular file", src)
		}
		if applianceBinaries[b] {
			if err := checkAppliance(b, src); err != nil {
				return "", err
			}
		}
		add(src, "/usr/bin/"+b, files.TypeFile, 0o755)
		bins = append(bins, src)
	}

	models, err := modelContents(o.Models)
	if err != nil {
		return "", err
	}
	for _, m := range models {
		add(m.src, m.dst, files.TypeFile, 0o644)
	}

	if o.Prompts != "" {
		wavs, err := promptContents(o.Prompts)
		if err != nil {
			return "", err
		}
		for _, w := range wavs {
			add(w.src, w.dst, files.TypeFile, 0o644)
		}
	}

	add(o.root("build/kiosk.appliance.toml"), "/etc/kiosk/kiosk.toml", files.TypeConfigNoReplace, 0o644)
	add(o.root("build/systemd/kiosk.service"), unitDir+"/kiosk.service", files.TypeFile, 0o644)
	add(o.root("build/systemd/centrald.service"), unitDir+"/centrald.service", files.TypeFile, 0o644)
	add(o.root("build/tmpfiles/kiosk.conf"), "/usr/lib/tmpfiles.d/kiosk.conf", files.TypeFile, 0o644)
	add(o.root("docs/technician.md"), "/usr/share/doc/kiosk/technician.md", files.TypeFile, 0o644)

	// The udev rules are generated into a temporary file for nfpm.
	devs, err := loadDevices(o.root("build/udev/devices.toml"))
	if err != nil {
		return "", err
	}
	rules, err := udevRules(devs)
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp("", "kiosk-package-")
	if err != nil {
		return "", fmt.Errorf("package: %w", err)
	}
	defer os.RemoveAll(tmp)
	rulesFile := filepath.Join(tmp, "60-kiosk.rules")
	if err := os.WriteFile(rulesFile, rules, 0o644); err != nil {
		return "", fmt.Errorf("package: %w", err)
	}
	add(rulesFile, rulesPath, files.TypeFile, 0o644)

	for _, c := range contents {
		if _, err := os.Stat(c.Source); err != nil {
			return "", fmt.Errorf("package: %s: %w", c.Destination, err)
		}
	}
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		if _, err := os.Stat(o.root("build/deb/" + s)); err != nil {
			return "", fmt.Errorf("package: maintainer script: %w", err)
		}
	}

	depends := append([]string{}, baseDepends...)
	if !o.NoShlibs {
		libs, err := shlibDepends(bins)
		if err != nil {
			return "", err
		}
		depends = mergeSorted(depends, libs)
	}

	info := nfpm.WithDefaults(&nfpm.Info{
		Name:          "kiosk",
		Arch:          o.Arch,
		Platform:      "linux",
		Version:       version,
		VersionSchema: "none",
		Section:       "misc",
		Priority:      "optional",
		Maintainer:    o.Maintainer,
		Description: "exam office self-service identity confirmation kiosk\n" +
			"ID card reader, liveness check, face match, registration photo and\n" +
			"signature pad, with records synced to the central platform. Also ships\n" +
			"kioskctl (technician tool) and centrald (reference sync endpoint).",
		Homepage: "https://github.com/hbzk/kiosk",
		License:  "Proprietary",
		Overridables: nfpm.Overridables{
			Depends:  depends,
			Contents: contents,
			Scripts: nfpm.Scripts{
				PostInstall: o.root("build/deb/postinst"),
				PreRemove:   o.root("build/deb/prerm"),
				PostRemove:  o.root("build/deb/postrm"),
			},
		},
	})
	if err := nfpm.Validate(info); err != nil {
		return "", fmt.Errorf("package: %w", err)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return "", fmt.Errorf("package: %w", err)
	}
	out := filepath.Join(o.Out, deb.Default.ConventionalFileName(info))
	f, err := os.CreateTemp(o.Out, ".kiosk-*.deb.part")
	if err != nil {
		return "", fmt.Errorf("package: %w", err)
	}
	defer os.Remove(f.Name())
	if err := deb.Default.Package(info, f); err != nil {
		f.Close()
		return "", fmt.Errorf("package: nfpm: %w", err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return "", fmt.Errorf("package: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("package: %w", err)
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return "", fmt.Errorf("package: %w", err)
	}
	return out, nil
}

type modelFile struct{ src, dst string }

// modelContents checks the manifest and every model it names (ONNX header
// and sha256, as the kiosk does before loading) and returns them with their
// place in the package.
func modelContents(dir string) ([]modelFile, error) {
	manifest := filepath.Join(dir, "manifest.toml")
	if _, err := os.Stat(manifest); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("package: face model manifest %s is missing: it names the model files to ship (models/manifest.toml in the repository; `make deps` fetches the models)", manifest)
		}
		return nil, fmt.Errorf("package: face model manifest: %w", err)
	}
	m, err := face.LoadManifest(manifest)
	if err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	if len(m.Models) == 0 {
		return nil, fmt.Errorf("package: %s names no model", manifest)
	}
	out := []modelFile{{src: manifest, dst: modelsDir + "/manifest.toml"}}
	roles := make([]string, 0, len(m.Models))
	for r := range m.Models {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	seen := map[string]bool{}
	for _, role := range roles {
		mod := m.Models[role]
		rel := filepath.ToSlash(mod.File)
		if filepath.IsAbs(mod.File) || rel != path.Clean(rel) || strings.HasPrefix(rel, "../") || rel == ".." {
			return nil, fmt.Errorf("package: %s: model %s: file %q: want a path inside the manifest's folder", manifest, role, mod.File)
		}
		if _, _, err := m.Read(role); err != nil {
			return nil, fmt.Errorf("package: %w", err)
		}
		if seen[rel] {
			continue
		}
		seen[rel] = true
		out = append(out, modelFile{src: m.Path(mod), dst: modelsDir + "/" + rel})
	}
	return out, nil
}

// shlibDepends finds the Debian packages of the shared libraries the ELF
// binaries among paths link (DT_NEEDED), through dpkg -S. Files that are
// not ELF (scripts) and static binaries add nothing.
func shlibDepends(paths []string) ([]string, error) {
	needed := map[string]bool{}
	for _, p := range paths {
		f, err := elf.Open(p)
		if err != nil {
			continue // not ELF
		}
		libs, err := f.ImportedLibraries()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("package: %s: %w", p, err)
		}
		for _, l := range libs {
			needed[l] = true
		}
	}
	if len(needed) == 0 {
		return nil, nil
	}
	if _, err := exec.LookPath("dpkg"); err != nil {
		return nil, errors.New("package: the binaries link shared libraries and dpkg is not there to name their packages (use --no-shlibdeps and list them yourself)")
	}
	var pkgs []string
	have := map[string]bool{}
	var missing []string
	sonames := make([]string, 0, len(needed))
	for l := range needed {
		sonames = append(sonames, l)
	}
	sort.Strings(sonames)
	for _, lib := range sonames {
		pkg := dpkgOwner(lib)
		if pkg == "" {
			missing = append(missing, lib)
			continue
		}
		if !have[pkg] {
			have[pkg] = true
			pkgs = append(pkgs, pkg)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("package: no installed Debian package holds %s (install the -dev packages the build used, or pass --no-shlibdeps)", strings.Join(missing, ", "))
	}
	sort.Strings(pkgs)
	return pkgs, nil
}

// dpkgOwner names the package holding a shared library file, "" if none.
func dpkgOwner(soname string) string {
	out, _ := exec.Command("dpkg", "-S", "*/"+soname).Output()
	for _, line := range strings.Split(string(bytes.TrimSpace(out)), "\n") {
		pkgs, file, ok := strings.Cut(line, ": ")
		if !ok || path.Base(file) != soname || strings.HasPrefix(pkgs, "diversion by") {
			continue
		}
		first, _, _ := strings.Cut(pkgs, ", ")
		name, _, _ := strings.Cut(first, ":") // drop ":amd64"
		return name
	}
	return ""
}

func mergeSorted(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string{}, a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// promptsDir is where the appliance finds its voice prompts ([audio]
// prompts in build/kiosk.appliance.toml and the appliance defaults).
const promptsDir = "/usr/share/kiosk/prompts"

// promptContents lists the voice prompts: every WAV file under dir's zh/,
// en/ and digits/ folders; a folder without them is an error.
func promptContents(dir string) ([]modelFile, error) {
	var out []modelFile
	for _, sub := range []string{"zh", "en", "digits"} {
		wavs, err := filepath.Glob(filepath.Join(dir, sub, "*.wav"))
		if err != nil || len(wavs) == 0 {
			return nil, fmt.Errorf("package: no voice prompts in %s (make them with: go run ./build/prompts -out %s)", filepath.Join(dir, sub), dir)
		}
		for _, w := range wavs {
			out = append(out, modelFile{src: w, dst: promptsDir + "/" + sub + "/" + filepath.Base(w)})
		}
	}
	return out, nil
}
