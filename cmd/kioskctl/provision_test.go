package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/central"
	"github.com/hbzk/kiosk/central/centraltest"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/syncclient"
)

func TestSetTOMLKeys(t *testing.T) {
	for _, tc := range []struct {
		name, in, section string
		kv                map[string]string
		want              string
	}{
		{"empty file", "", "device", map[string]string{"id": "k1"}, "[device]\nid = \"k1\"\n"},
		{"replace", "# top\n[device]\nid = \"old\" # c\nsite = \"s\"\n\n[ui]\nwidth = 800\n", "device",
			map[string]string{"id": "k2"}, "# top\n[device]\nid = \"k2\"\nsite = \"s\"\n\n[ui]\nwidth = 800\n"},
		{"insert after last key", "[sync]\n# the link\nbatch = 5\n\n[ui]\n", "sync", map[string]string{"central": "https://c:1"},
			"[sync]\n# the link\nbatch = 5\ncentral = \"https://c:1\"\n\n[ui]\n"},
		{"append section", "[ui]\nwidth = 800", "device", map[string]string{"site": "考点 \"1\"", "id": "k"},
			"[ui]\nwidth = 800\n\n[device]\nid = \"k\"\nsite = \"考点 \\\"1\\\"\"\n"},
		{"similar names untouched", "[device]\nidx = 1\n[devices]\nid = \"x\"\n", "device", map[string]string{"id": "k"},
			"[device]\nidx = 1\nid = \"k\"\n[devices]\nid = \"x\"\n"},
		{"control characters escaped", "", "device", map[string]string{"site": "a\nb"}, "[device]\nsite = \"a\\u000Ab\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(setTOMLKeys([]byte(tc.in), tc.section, tc.kv))
			if got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// provisionEnv is a central and a kiosk folder with a kiosk.toml.
type provisionEnv struct {
	srv *centraltest.Server
	dir string
	cfg string
}

const startConfig = `# kiosk configuration
[ui]
width = 1024 # a comment that must survive

[device]
site = "old site"

[paths]
state_dir = "state"
`

func newProvisionEnv(t *testing.T) *provisionEnv {
	srv := centraltest.Start(t, centraltest.Options{})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(cfg, []byte(startConfig), 0o640); err != nil {
		t.Fatal(err)
	}
	return &provisionEnv{srv: srv, dir: dir, cfg: cfg}
}

// pinnedToken is a token of site 考点1 as centrald token create prints
// it: SECRET.FINGERPRINT.
func (e *provisionEnv) pinnedToken(t *testing.T) string {
	return e.srv.TokensFor(t, 1, central.TokenSpec{Site: "考点1"})[0]
}

// bareToken is a token of site 考点1 without its fingerprint.
func (e *provisionEnv) bareToken(t *testing.T) string {
	s, _, _ := strings.Cut(e.pinnedToken(t), ".")
	return s
}

func (e *provisionEnv) provision(t *testing.T, token string, extra ...string) *config.Config {
	t.Helper()
	args := append([]string{"provision", "--central", e.srv.URL, "--token", token, "--site", "考点1", "--config", e.cfg}, extra...)
	code, out, errs := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("provision: %d %q %q", code, out, errs)
	}
	c, err := config.Load(e.cfg, config.DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestProvision(t *testing.T) {
	e := newProvisionEnv(t)
	cfg := e.provision(t, e.pinnedToken(t))
	if cfg.Device.ID == "" || cfg.Device.Site != "考点1" || cfg.Sync.Central != e.srv.URL || cfg.UI.Width != 1024 {
		t.Fatalf("config after provision: %+v %+v %+v", cfg.Device, cfg.Sync, cfg.UI)
	}
	data, _ := os.ReadFile(e.cfg)
	if !strings.Contains(string(data), "# a comment that must survive") || !strings.HasPrefix(string(data), "# kiosk configuration") {
		t.Errorf("rest of the file not preserved:\n%s", data)
	}
	if st, _ := os.Stat(e.cfg); st.Mode().Perm() != 0o640 {
		t.Errorf("config mode changed to %v", st.Mode())
	}
	state := filepath.Join(e.dir, "state")
	for name, mode := range map[string]os.FileMode{"device.key": 0o600, "store.key": 0o600, "device.pem": 0o644, "central-ca.pem": 0o644} {
		st, err := os.Stat(filepath.Join(state, name))
		if err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: %v %v", name, err, st)
		}
	}
	if st := e.srv.Stats(t); st.Devices != 1 {
		t.Errorf("central devices %d", st.Devices)
	}

	// Again with the same identity: nothing to do (the token is not
	// even used).
	code, out, _ := runCLI(t, "", "provision", "--central", e.srv.URL, "--token", "unused", "--site", "考点1", "--config", e.cfg)
	if code != 0 || !strings.Contains(out, "already provisioned as "+cfg.Device.ID) {
		t.Errorf("second provision: %d %q", code, out)
	}
	// Another site without --force: refused.
	code, _, errs := runCLI(t, "", "provision", "--central", e.srv.URL, "--token", "unused", "--site", "elsewhere", "--config", e.cfg)
	if code != 1 || !strings.Contains(errs, "--force") {
		t.Errorf("overwrite without --force: %d %q", code, errs)
	}
	// A replayed token with --force: central refuses, the identity stays.
	tok := e.pinnedToken(t)
	cfg2 := e.provision(t, tok, "--force")
	if cfg2.Device.ID == cfg.Device.ID {
		t.Error("--force kept the old device key")
	}
	code, _, errs = runCLI(t, "", "provision", "--central", e.srv.URL, "--token", tok, "--site", "x", "--config", e.cfg, "--force")
	if code != 1 || !strings.Contains(errs, "already used") {
		t.Errorf("replayed token: %d %q", code, errs)
	}
	old, _ := filepath.Glob(filepath.Join(state, "device.key.old-*"))
	if len(old) == 0 {
		t.Error("old device key not set aside")
	}
}

func TestProvisionTrust(t *testing.T) {
	e := newProvisionEnv(t)
	// No pin, no CA: trust on first use, with a warning.
	// A token without fingerprint, no --ca: refused unless the
	// technician says --trust-first-use.
	bare := e.bareToken(t)
	code, _, errs := runCLI(t, "", "provision", "--central", e.srv.URL, "--token", bare, "--config", e.cfg)
	if code != 2 || !strings.Contains(errs, "--trust-first-use") {
		t.Errorf("no fingerprint, no flag: %d %q", code, errs)
	}
	code, _, errs = runCLI(t, "", "provision", "--central", e.srv.URL, "--token", bare, "--trust-first-use", "--config", e.cfg)
	fp, _ := central.CAFingerprint(e.srv.TLSDir)
	if code != 0 || !strings.Contains(errs, "NOT checked") || !strings.Contains(errs, fp) {
		t.Errorf("first use: %d %q", code, errs)
	}
	// The token's fingerprint is another CA's (a man in the middle, or
	// the wrong central): refused before the token is sent.
	e2 := newProvisionEnv(t)
	other := newProvisionEnv(t)
	tok, _, _ := strings.Cut(e2.pinnedToken(t), ".")
	otherFP, _ := central.CAFingerprint(other.srv.TLSDir)
	code, _, errs = runCLI(t, "", "provision", "--central", e2.srv.URL, "--token", tok+"."+otherFP, "--config", e2.cfg)
	if code != 1 || !strings.Contains(errs, "pinned CA") {
		t.Errorf("wrong pin: %d %q", code, errs)
	}
	code, _, errs = runCLI(t, "", "provision", "--central", e2.srv.URL, "--token", tok+".0011", "--config", e2.cfg)
	if code != 2 || !strings.Contains(errs, "64 hex") {
		t.Errorf("short pin: %d %q", code, errs)
	}
	// The token is still good afterwards, with --ca.
	ca := filepath.Join(e2.dir, "ca.pem")
	os.WriteFile(ca, e2.srv.CA, 0o644)
	if code, out, errs := runCLI(t, "", "provision", "--central", e2.srv.URL, "--token", tok, "--ca", ca, "--config", e2.cfg); code != 0 {
		t.Errorf("with --ca: %d %q %q", code, out, errs)
	}
	for _, args := range [][]string{
		{"provision"},
		{"provision", "--central", "https://x"},
		{"provision", "--central", "ftp://x", "--token", "t", "--config", filepath.Join(t.TempDir(), "k.toml")},
	} {
		if code, _, _ := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// Provisioning killed after any of its files is renamed into place
// resumes when run again with the same token, without --force: central
// enrols the same key with the same token as the same device.
func TestProvisionResumes(t *testing.T) {
	for _, step := range []string{"device.pem", "central-ca.pem"} {
		t.Run(step, func(t *testing.T) {
			e := newProvisionEnv(t)
			tok := e.pinnedToken(t)
			provisionStep = func(s string) error {
				if s == step {
					return errors.New("killed")
				}
				return nil
			}
			code, _, errs := runCLI(t, "", "provision", "--central", e.srv.URL, "--token", tok, "--config", e.cfg)
			provisionStep = nil
			if code != 1 || !strings.Contains(errs, "killed") {
				t.Fatalf("interrupted run: %d %q", code, errs)
			}
			if c, _ := config.Load(e.cfg, config.DefaultProfile); c.Device.ID != "" {
				t.Fatalf("config written before the kill: %+v", c.Device)
			}
			code, out, errs := runCLI(t, "", "provision", "--central", e.srv.URL, "--token", tok, "--config", e.cfg)
			if code != 0 || !strings.Contains(errs, "resuming") {
				t.Fatalf("rerun: %d %q %q", code, out, errs)
			}
			c, _ := config.Load(e.cfg, config.DefaultProfile)
			cert, _ := os.ReadFile(filepath.Join(e.dir, "state", "device.pem"))
			id, _, _ := syncclient.CertInfo(cert)
			if c.Device.ID == "" || c.Device.ID != id || c.Device.Site != "考点1" {
				t.Errorf("after resume: config %+v, certificate %s", c.Device, id)
			}
			if st := e.srv.Stats(t); st.Devices != 1 {
				t.Errorf("central devices %d, want 1 (no orphan)", st.Devices)
			}
			if left, _ := filepath.Glob(filepath.Join(e.dir, "*.tmp")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}
