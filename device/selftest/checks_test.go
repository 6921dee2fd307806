package selftest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDiskCheck(t *testing.T) {
	lim := DiskLimits{MinFreeBytes: 500 << 20, MinFreePercent: 5}
	for _, tc := range []struct {
		name string
		u    DiskUsage
		ok   bool
		want string
	}{
		{"plenty", DiskUsage{Total: 100e9, Free: 40e9}, true, "40.0 GB free of 100.0 GB (40.0%)"},
		{"few bytes", DiskUsage{Total: 2e9, Free: 400e6}, false, "want at least 524.3 MB"},
		{"few percent", DiskUsage{Total: 1000e9, Free: 30e9}, false, "(3.0%)"},
		{"full", DiskUsage{Total: 100e9, Free: 0}, false, "0 B free"},
		{"size zero", DiskUsage{}, false, "size 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := diskCheck("/var/lib/kiosk", tc.u, lim)
			if c.OK != tc.ok || !strings.Contains(c.Value, tc.want) || c.Name != "disk space" {
				t.Errorf("%+v, want ok=%v and %q", c, tc.ok, tc.want)
			}
			if !c.OK && c.Remedy == "" {
				t.Error("failed check without a remedy")
			}
		})
	}
}

func TestDiskSpace(t *testing.T) {
	dir := t.TempDir()
	// The state folder need not exist yet: its parent is measured.
	c := DiskSpace(filepath.Join(dir, "var", "state"), DiskLimits{})
	if !c.OK || !strings.Contains(c.Value, "free of") {
		t.Errorf("%+v", c)
	}
	c = DiskSpace(dir, DiskLimits{MinFreePercent: 101})
	if c.OK || c.Remedy == "" {
		t.Errorf("an impossible limit passed: %+v", c)
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 1500000: "1.5 MB", 80e9: "80.0 GB", 3e15: "3.0 PB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestClockSanity(t *testing.T) {
	built := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		now, built time.Time
		ok         bool
	}{
		{"now", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), built, true},
		{"no build time", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), time.Time{}, true},
		{"epoch (RTC lost)", time.Unix(0, 0), built, false},
		{"before 2026", time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), time.Time{}, false},
		{"before the build", time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC), built, false},
		{"far future", time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), built, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ClockSanity(tc.now, tc.built)
			if c.OK != tc.ok {
				t.Errorf("%+v, want ok=%v", c, tc.ok)
			}
			if !c.OK && !strings.Contains(c.Remedy, "NTP") {
				t.Errorf("remedy %q", c.Remedy)
			}
		})
	}
}

// onnx is the smallest data CheckONNX takes for a model: ir_version, then a
// graph field.
var onnx = append([]byte{0x08, 0x07, 0x3a, 0x10}, []byte("0123456789abcdef")...)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// writeManifest writes a manifest naming the engine's three roles, each
// model file holding data[role] (nil: no file).
func writeManifest(t *testing.T, data map[string][]byte, pins map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("version = 1\n")
	for _, role := range []string{"detect", "landmark", "embed"} {
		file := "m_" + role + ".onnx"
		d := data[role]
		if d != nil {
			if err := os.WriteFile(filepath.Join(dir, file), d, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		pin := sum(onnx)
		if p, ok := pins[role]; ok {
			pin = p
		}
		if role == "landmark" {
			b.WriteString("[models." + role + "]\nfile = \"" + file + "\"\nsha256 = \"" + pin + "\"\ninput = [1, 1, 64, 64]\nchannels = \"gray\"\nscale = 1.0\noutputs = [\"output\"]\n")
			continue
		}
		b.WriteString("[models." + role + "]\nfile = \"" + file + "\"\nsha256 = \"" + pin + "\"\ninput = [1, 3, 112, 112]\nchannels = \"rgb\"\nscale = 1.0\noutputs = [\"output\"]\n")
	}
	p := filepath.Join(dir, "manifest.toml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestModels(t *testing.T) {
	good := map[string][]byte{"detect": onnx, "landmark": onnx, "embed": onnx}
	with := func(role string, d []byte) map[string][]byte {
		m := map[string][]byte{}
		for k, v := range good {
			m[k] = v
		}
		m[role] = d
		return m
	}
	for _, tc := range []struct {
		name   string
		data   map[string][]byte
		pins   map[string]string
		failed string // the failing check's name, "" for none
		want   string
	}{
		{"all present", good, nil, "", ""},
		{"missing", with("embed", nil), nil, "model embed", "model file missing"},
		{"not onnx", with("detect", []byte("<html>not found</html>")), nil, "model detect", "model file corrupt"},
		{"wrong hash", good, map[string]string{"landmark": strings.Repeat("ab", 32)}, "model landmark", "sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := Models(writeManifest(t, tc.data, tc.pins))
			if len(cs) != 3 {
				t.Fatalf("%d checks, want 3: %+v", len(cs), cs)
			}
			for _, c := range cs {
				if c.Name == tc.failed {
					if c.OK || !strings.Contains(c.Value, tc.want) || !strings.Contains(c.Remedy, "make deps") {
						t.Errorf("%+v, want failed with %q and a remedy", c, tc.want)
					}
				} else if !c.OK || !strings.Contains(c.Value, "ok") {
					t.Errorf("%+v, want passed", c)
				}
			}
		})
	}
	cs := Models(filepath.Join(t.TempDir(), "none.toml"))
	if len(cs) != 1 || cs[0].OK || cs[0].Name != "models manifest" || cs[0].Remedy == "" {
		t.Errorf("missing manifest: %+v", cs)
	}
	// A manifest without a role the engine needs.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "m.onnx"), onnx, 0o644)
	p := filepath.Join(dir, "manifest.toml")
	os.WriteFile(p, []byte("version = 1\n[models.detect]\nfile = \"m.onnx\"\nsha256 = \""+sum(onnx)+"\"\ninput = [1, 3, 8, 8]\nchannels = \"bgr\"\nscale = 1.0\noutputs = [\"o\"]\n"), 0o644)
	cs = Models(p)
	var failed []string
	for _, c := range cs {
		if !c.OK {
			failed = append(failed, c.Name)
		}
	}
	if strings.Join(failed, ",") != "model landmark,model embed" {
		t.Errorf("failed checks %v, want the two missing roles: %+v", failed, cs)
	}
}
