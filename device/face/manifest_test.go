package face

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeONNX is a minimal protobuf that passes CheckONNX: ir_version 7,
// producer "t", and an empty graph.
var fakeONNX = []byte{0x08, 0x07, 0x12, 0x01, 't', 0x3a, 0x02, 0x0a, 0x00, 0x42, 0x04, 0x0a, 0x00, 0x10, 0x09, 0x00}

func manifestText(file, sum string) string {
	return `version = 1
[models.embed]
file = "` + file + `"
sha256 = "` + sum + `"
input = [1, 3, 112, 112]
channels = "rgb"
mean = 127.0
scale = 0.0078125
outputs = ["output"]
threshold = 0.3
version = "test-1"
`
}

var goodSum = strings.Repeat("ab", 32)

var manifestCases = []struct {
	name string
	text string
	ok   bool
}{
	{"good", manifestText("m.onnx", goodSum), true},
	{"unknown key", manifestText("m.onnx", goodSum) + "colour = \"red\"\n", false},
	{"bad toml", "version = = 1", false},
	{"version", strings.Replace(manifestText("m.onnx", goodSum), "version = 1", "version = 2", 1), false},
	{"no file", manifestText("", goodSum), false},
	{"short sha", manifestText("m.onnx", "abc"), false},
	{"non-hex sha", manifestText("m.onnx", strings.Repeat("zz", 32)), false},
	{"bad input", strings.Replace(manifestText("m.onnx", goodSum), "[1, 3, 112, 112]", "[1, 3, 112]", 1), false},
	{"channels vs input", strings.Replace(manifestText("m.onnx", goodSum), `"rgb"`, `"gray"`, 1), false},
	{"unknown channels", strings.Replace(manifestText("m.onnx", goodSum), `"rgb"`, `"cmyk"`, 1), false},
	{"zero scale", strings.Replace(manifestText("m.onnx", goodSum), "0.0078125", "0", 1), false},
	{"threshold", strings.Replace(manifestText("m.onnx", goodSum), "threshold = 0.3", "threshold = 3", 1), false},
	{"no outputs", strings.Replace(manifestText("m.onnx", goodSum), `["output"]`, `[]`, 1), false},
}

func TestParseManifest(t *testing.T) {
	for _, tc := range manifestCases {
		m, err := ParseManifest([]byte(tc.text))
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
			continue
		}
		if err != nil && !errors.Is(err, ErrManifest) {
			t.Errorf("%s: %v does not wrap ErrManifest", tc.name, err)
		}
		if err == nil && m.Models["embed"].Version != "test-1" {
			t.Errorf("%s: %+v", tc.name, m)
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	for _, tc := range manifestCases {
		f.Add([]byte(tc.text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			if !errors.Is(err, ErrManifest) {
				t.Fatalf("%v does not wrap ErrManifest", err)
			}
			return
		}
		for role, mod := range m.Models {
			if mod.check() != nil || len(mod.Input) != 4 {
				t.Fatalf("accepted bad model %s: %+v", role, mod)
			}
		}
	})
}

func TestManifestRead(t *testing.T) {
	dir := t.TempDir()
	sum := sha256.Sum256(fakeONNX)
	good := hex.EncodeToString(sum[:])
	os.WriteFile(filepath.Join(dir, "good.onnx"), fakeONNX, 0o644)
	os.WriteFile(filepath.Join(dir, "trunc.onnx"), fakeONNX[:9], 0o644)
	os.WriteFile(filepath.Join(dir, "text.onnx"), []byte("<html>404 not found</html>"), 0o644)
	tampered := append([]byte(nil), fakeONNX...)
	tampered[len(tampered)-1] = 1
	os.WriteFile(filepath.Join(dir, "tampered.onnx"), tampered, 0o644)
	os.Mkdir(filepath.Join(dir, "folder.onnx"), 0o755)
	for _, tc := range []struct {
		file string
		err  error
		msg  string
	}{
		{"good.onnx", nil, ""},
		{"missing.onnx", ErrModelMissing, "make deps"},
		{"trunc.onnx", ErrModelCorrupt, "too short"},
		{"text.onnx", ErrModelCorrupt, "not an ONNX model"},
		{"tampered.onnx", ErrModelCorrupt, "sha256"},
		{"folder.onnx", ErrModelMissing, "folder.onnx"},
	} {
		path := filepath.Join(dir, tc.file+".toml")
		os.WriteFile(path, []byte(manifestText(tc.file, good)), 0o644)
		m, err := LoadManifest(path)
		if err != nil {
			t.Fatal(err)
		}
		data, mod, err := m.Read("embed")
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.file, err, tc.err)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), tc.file) {
				t.Errorf("%s: %q should name the file and say %q", tc.file, err, tc.msg)
			}
			continue
		}
		if string(data) != string(fakeONNX) || mod.Threshold != 0.3 {
			t.Errorf("%s: read %d bytes, %+v", tc.file, len(data), mod)
		}
	}
	if _, _, err := (&Manifest{Dir: dir}).Read("detect"); !errors.Is(err, ErrManifest) {
		t.Errorf("missing role: %v", err)
	}
	if _, err := LoadManifest(filepath.Join(dir, "none.toml")); !errors.Is(err, ErrManifest) || !strings.Contains(err.Error(), "make deps") {
		t.Errorf("missing manifest: %v", err)
	}
}

func TestRepositoryManifest(t *testing.T) {
	m, err := LoadManifest("../../models/manifest.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range append(EngineRoles, "pose", "eye", "liveness") {
		mod, err := m.Model(role)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(m.Path(mod)); err != nil {
			continue // models are fetched by make deps; the engine tests check the files
		}
		if _, _, err := m.Read(role); err != nil {
			t.Errorf("%s: %v", role, err)
		}
	}
	if e := m.Models["embed"]; e.Threshold <= 0 || e.Version == "" {
		t.Errorf("embed model needs a calibrated threshold and a version: %+v", e)
	}
}

func FuzzCheckONNX(f *testing.F) {
	f.Add(fakeONNX)
	f.Add(fakeONNX[:9])
	f.Add([]byte("<html>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		CheckONNX(data) // must not panic
	})
}
