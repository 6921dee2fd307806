package opencv

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/device/face"
)

// TestModelGuard: a corrupt model whose sha256 pin was updated with it
// passes every check on the bytes, and OpenCV would abort the process on
// it. The guard's test load in a child process turns that into a named
// error, and the engine is not built.
func TestModelGuard(t *testing.T) {
	testEngine(t) // skips when the models are absent
	real, err := face.LoadManifest(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(manifestPath)
	mod := real.Models["landmark"]
	orig, _ := os.ReadFile(real.Path(mod))
	for _, tc := range []struct {
		name  string
		spoil func([]byte) []byte
	}{
		// The graph's nodes keep their framing but their bytes are noise.
		{"graph scrambled", func(d []byte) []byte {
			for i := len(d) / 3; i < len(d)/3+len(d)/10; i++ {
				d[i] = byte(i * 131)
			}
			return d
		}},
		// Weights cut short: the protobuf still frames, the tensors do not.
		{"weights zeroed tail", func(d []byte) []byte {
			for i := len(d) - len(d)/4; i < len(d); i++ {
				d[i] = 0
			}
			return d
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.spoil(append([]byte(nil), orig...))
			if face.CheckONNX(data) != nil {
				t.Skipf("this corruption is caught by the header check already")
			}
			sum := sha256.Sum256(data)
			dir := t.TempDir()
			for role, m := range real.Models {
				if role != "landmark" {
					b, _ := os.ReadFile(real.Path(m))
					os.WriteFile(filepath.Join(dir, m.File), b, 0o644)
				}
			}
			os.WriteFile(filepath.Join(dir, mod.File), data, 0o644)
			man := strings.Replace(string(text), mod.SHA256, hex.EncodeToString(sum[:]), 1)
			os.WriteFile(filepath.Join(dir, "manifest.toml"), []byte(man), 0o644)
			m, err := face.LoadManifest(filepath.Join(dir, "manifest.toml"))
			if err != nil {
				t.Fatal(err)
			}
			e, err := New(m, Options{Threads: 1})
			if e != nil || !errors.Is(err, face.ErrModelCorrupt) || !strings.Contains(err.Error(), "test load") {
				t.Fatalf("New = %v, %v; want ErrModelCorrupt from the test load", e, err)
			}
			t.Logf("%v", err)
		})
	}
	// The real models pass the guard (the engine builds).
	e, err := New(real, Options{Threads: 1})
	if err != nil {
		t.Fatalf("real models: %v", err)
	}
	e.Close()
}
