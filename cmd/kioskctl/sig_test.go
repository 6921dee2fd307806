package main

import (
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/device/sigpad"
	"github.com/hbzk/kiosk/drivers/sigpad/padsim"
)

const sigFile = "../../sim/signature.json"

type decodeOut struct {
	Strokes    int             `json:"strokes"`
	Points     int             `json:"points"`
	DurationMS int64           `json:"duration_ms"`
	InkLength  float64         `json:"ink_length"`
	BBox       map[string]int  `json:"bbox"`
	Valid      bool            `json:"valid"`
	Reasons    []string        `json:"reasons"`
	Line       map[string]int  `json:"line"`
	Pad        json.RawMessage `json:"pad"`
}

func encodeCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runCLI(t, "", append([]string{"sig", "encode"}, args...)...)
	if code != 0 {
		t.Fatalf("sig encode %v: %d %s", args, code, errs)
	}
	return out
}

func decodeJSON(t *testing.T, stream string, args ...string) (int, decodeOut) {
	t.Helper()
	code, out, errs := runCLI(t, stream, append([]string{"sig", "decode", "--json"}, args...)...)
	var d decodeOut
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("decode %v: %d %v\n%s\n%s", args, code, err, out, errs)
	}
	return code, d
}

func TestSigDecode(t *testing.T) {
	for _, proto := range []string{"topaz", "wacom4"} {
		t.Run(proto, func(t *testing.T) {
			clean := encodeCLI(t, "--proto", proto, sigFile)
			noisy := encodeCLI(t, "--proto", proto, "--noise", "0.3", "--seed", "7", sigFile)
			if len(noisy) <= len(clean) {
				t.Fatal("no noise added")
			}
			code, c := decodeJSON(t, clean, "--proto", proto, "-")
			if code != 0 || !c.Valid || c.Strokes != 4 || len(c.Reasons) != 0 || c.Points < 250 || c.DurationMS < 3000 || c.DurationMS > 3300 {
				t.Errorf("clean: %d %+v", code, c)
			}
			// The noisy capture decodes to the same signature.
			code, n := decodeJSON(t, noisy, "--proto", proto, "-")
			if code != 0 || !reflect.DeepEqual(n.BBox, c.BBox) || n.Points != c.Points || n.InkLength != c.InkLength || n.Line["packets"] != c.Line["packets"] {
				t.Errorf("noisy: %+v\nclean: %+v", n, c)
			}
			// From a file, flags after it, with the three forms.
			dir := t.TempDir()
			in := filepath.Join(dir, "capture.bin")
			os.WriteFile(in, []byte(noisy), 0o644)
			pngOut, isoOut, strokesOut := filepath.Join(dir, "s.png"), filepath.Join(dir, "s.iso"), filepath.Join(dir, "s.json")
			code, out, errs := runCLI(t, "", "sig", "decode", "--proto", proto, in, "--png", pngOut, "--iso", isoOut, "--strokes", strokesOut)
			if code != 0 || !strings.Contains(out, "valid:      yes") || !strings.Contains(out, "strokes:    4") {
				t.Fatalf("text: %d %s %s", code, out, errs)
			}
			f, err := os.Open(pngOut)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil || img.Bounds().Dx() > 600 || img.Bounds().Dy() > 240 {
				t.Errorf("png: %v %v", err, img.Bounds())
			}
			iso, _ := os.ReadFile(isoOut)
			fromISO, err := sigpad.DecodeISO(iso)
			if err != nil {
				t.Fatal(err)
			}
			js, _ := os.ReadFile(strokesOut)
			fromJSON, err := sigpad.ParseJSON(js)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fromISO.Strokes, fromJSON.Strokes) || sigpad.Hash(fromISO) != sigpad.Hash(fromJSON) {
				t.Error("ISO and strokes JSON disagree")
			}
		})
	}
}

func TestSigDecodeRefused(t *testing.T) {
	for _, c := range []struct {
		file, proto string
		want        []string
	}{
		{"signature-tap.json", "topaz", []string{"too_few_points", "too_short", "too_small", "too_quick"}},
		{"signature-scribble.json", "wacom4", []string{"too_quick"}},
		{"signature-line.json", "topaz", []string{"too_small"}},
	} {
		stream := encodeCLI(t, "--proto", c.proto, "../../sim/"+c.file)
		code, d := decodeJSON(t, stream, "--proto", c.proto, "-")
		if code != 1 || d.Valid || !reflect.DeepEqual(d.Reasons, c.want) {
			t.Errorf("%s: %d %+v, want %v", c.file, code, d, c.want)
		}
	}
	// Junk has no signature in it.
	code, d := decodeJSON(t, "\x01\x02junk\x7f", "--proto", "topaz", "-")
	if code != 1 || d.Valid || !reflect.DeepEqual(d.Reasons, []string{"empty"}) {
		t.Errorf("junk: %d %+v", code, d)
	}
	// A config with looser rules accepts the scribble.
	cfg := filepath.Join(t.TempDir(), "kiosk.toml")
	os.WriteFile(cfg, []byte("[signature]\nmin_duration = '100ms'\n"), 0o644)
	stream := encodeCLI(t, "--proto", "topaz", "../../sim/signature-scribble.json")
	if code, d := decodeJSON(t, stream, "--proto", "topaz", "--config", cfg, "--profile", "dev", "-"); code != 0 || !d.Valid {
		t.Errorf("loose rules: %d %+v", code, d)
	}
}

func TestSigUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sig", "decode", "x.bin"}, 2, "usage: kioskctl sig decode"},
		{[]string{"sig", "decode", "--proto", "serial", "x.bin"}, 2, "usage"},
		{[]string{"sig", "decode", "--proto", "topaz"}, 2, "usage"},
		{[]string{"sig", "decode", "--proto", "topaz", "/nonexistent/x.bin"}, 1, "no such file"},
		{[]string{"sig", "decode", "--proto", "topaz", "--config", "/nonexistent.toml", "-"}, 2, "config"},
		{[]string{"sig", "decode", "--proto", "topaz", "--bogus", "-"}, 2, "bogus"},
		{[]string{"sig", "capture", "--proto", "topaz"}, 2, "usage: kioskctl sig capture"},
		{[]string{"sig", "capture", "--proto", "topaz", "--port", "/nonexistent/tty", "--out", "OUT"}, 1, "is the pad plugged in"},
		{[]string{"sig", "encode", "--proto", "topaz"}, 2, "usage: kioskctl sig encode"},
		{[]string{"sig", "encode", "--proto", "topaz", "--noise", "3", sigFile}, 2, "usage"},
		{[]string{"sig", "encode", "--proto", "topaz", "/nonexistent.json"}, 1, "no such file"},
		{[]string{"sig", "encode", "--proto", "topaz", "sig.go"}, 1, "bad strokes file"},
	} {
		for i, a := range c.args {
			if a == "OUT" {
				c.args[i] = t.TempDir()
			}
		}
		code, _, errs := runCLI(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: %d %q, want %d %q", c.args, code, errs, c.code, c.want)
		}
	}
	// An empty signature cannot become an ISO record: the command says so.
	code, _, errs := runCLI(t, "", "sig", "decode", "--proto", "topaz", "--iso", filepath.Join(t.TempDir(), "x.iso"), "-")
	if code != 1 || !strings.Contains(errs, "empty signature") {
		t.Errorf("empty --iso: %d %q", code, errs)
	}
}

// TestSigCapture captures from the simulated pad of each protocol over a
// pty.
func TestSigCapture(t *testing.T) {
	sig, err := padsim.Load(sigFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, proto := range []string{"topaz", "wacom4"} {
		t.Run(proto, func(t *testing.T) {
			sim, err := padsim.New(sig, padsim.Options{Proto: proto, Speed: 2, Noise: 0.1, Rand: entropy.Seeded(3), Log: logx.Discard()})
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			go func() {
				if sim.WaitStarted(ctx) == nil {
					sim.Sign()
				}
			}()
			out := t.TempDir()
			code, stdout, errs := runCLI(t, "", "sig", "capture", "--port", sim.Path(), "--proto", proto, "--out", out, "--idle", "1s", "--timeout", "30s")
			if code != 0 || !strings.Contains(stdout, "valid:      yes") || !strings.Contains(stdout, "strokes:    4") {
				t.Fatalf("%d\n%s\n%s", code, stdout, errs)
			}
			for _, f := range []string{"signature.json", "signature.iso", "signature.png"} {
				if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
					t.Errorf("%s: %v", f, err)
				}
			}
			b, _ := os.ReadFile(filepath.Join(out, "signature.json"))
			got, err := sigpad.ParseJSON(b)
			if err != nil || got.Points() == 0 || got.Pad != sim.Info() {
				t.Errorf("captured strokes: %v %+v", err, got.Pad)
			}
		})
	}
}
