package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/device/techpin"
)

func TestPinSet(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kiosk.toml")
	os.WriteFile(cfg, []byte("[paths]\nstate_dir = 'state'\n"), 0o644)
	state := filepath.Join(dir, "state")

	for _, tt := range []struct{ name, stdin, want string }{
		{"empty", "", "no PIN"},
		{"differ", "258013\n258014\n", "differ"},
		{"trivial", "123456\n123456\n", "trivial"},
		{"short", "2580\n2580\n", "6 to 12 digits"},
	} {
		code, _, errs := runCLI(t, tt.stdin, "pin", "set", "--config", cfg)
		if code == 0 || !strings.Contains(errs, tt.want) {
			t.Errorf("%s: %d %q, want an error with %q", tt.name, code, errs, tt.want)
		}
		if _, err := techpin.Load(state); err != techpin.ErrNoPIN {
			t.Errorf("%s: a refused PIN left a PIN file: %v", tt.name, err)
		}
	}
	code, out, errs := runCLI(t, "258013\n258013\n", "pin", "set", "--config", cfg)
	if code != 0 || strings.Contains(out+errs, "258013") {
		t.Fatalf("pin set: %d %q %q", code, out, errs)
	}
	f, err := techpin.Load(state)
	if err != nil || f.Digits != 6 {
		t.Fatalf("PIN file: %+v %v", f, err)
	}
	if ok, _ := techpin.Verify(f.Hash, "258013"); !ok {
		t.Error("the stored hash does not verify the PIN that was set")
	}
	raw, _ := os.ReadFile(filepath.Join(state, techpin.FileName))
	if strings.Contains(string(raw), "258013") {
		t.Error("the PIN is stored in clear")
	}
}
