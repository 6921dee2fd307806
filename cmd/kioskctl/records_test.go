package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/store"
	"github.com/hbzk/kiosk/syncclient"
)

// commitRecords writes n records through the kiosk's own store, as the
// candidate flow does.
func commitRecords(t *testing.T, cfgPath string, n int, seed uint64) []string {
	t.Helper()
	cfg, err := config.Load(cfgPath, config.DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenConfig(context.Background(), cfg, true, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids []string
	rnd := entropy.Seeded(seed)
	for i := range n {
		r, _ := record.New(rnd, cfg.Device.ID)
		r.Site = cfg.Device.Site
		r.Card = record.Card{Type: " ", Name: "王小明", IDNumber: "11010519491231002X"}
		r.Images.RegPhoto = record.Blob{Type: record.TypeJPEG, Data: []byte{0xff, 0xd8, byte(i), 0xff, 0xd9}}
		r.Images.SignaturePNG = record.Blob{Type: record.TypePNG, Data: []byte("\x89PNG")}
		if err := st.Commit(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.UUID)
	}
	return ids
}

func TestRecordsAndSync(t *testing.T) {
	e := newProvisionEnv(t)
	e.provision(t, e.pinnedToken(t))
	ids := commitRecords(t, e.cfg, 3, 5)

	code, out, errs := runCLI(t, "", "records", "list", "--config", e.cfg)
	if code != 0 || strings.Count(out, "pending") != 3 || strings.Contains(out, "王小明") {
		t.Errorf("list: %d %q %q", code, out, errs)
	}
	code, out, _ = runCLI(t, "", "records", "show", "--config", e.cfg, ids[0])
	if code != 0 || strings.Contains(out, "王小明") || !strings.Contains(out, "王*明") || !strings.Contains(out, "reg_photo") {
		t.Errorf("show: %d %q", code, out)
	}
	code, out, _ = runCLI(t, "", "records", "show", "--config", e.cfg, "--personal", "--json", ids[0])
	var sr showRecord
	if code != 0 || json.Unmarshal([]byte(out), &sr) != nil || sr.Record.Card.Name != "王小明" || sr.Images["reg_photo"].Bytes != 5 {
		t.Errorf("show --personal --json: %d %q", code, out)
	}
	if code, _, errs := runCLI(t, "", "records", "show", "--config", e.cfg, "no-such-uuid"); code != 1 || !strings.Contains(errs, "no such record") {
		t.Errorf("show unknown: %d %q", code, errs)
	}
	outDir := filepath.Join(e.dir, "export")
	code, out, _ = runCLI(t, "", "records", "export", "--config", e.cfg, "--out", outDir)
	if code != 0 || !strings.Contains(out, "exported 3 records, 6 files") {
		t.Errorf("export: %d %q", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(outDir, ids[1], "reg_photo.jpg")); err != nil || !bytes.Equal(b, []byte{0xff, 0xd8, 1, 0xff, 0xd9}) {
		t.Errorf("exported photo: %v", err)
	}

	code, out, errs = runCLI(t, "", "sync", "status", "--config", e.cfg, "--json")
	var s syncclient.Status
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.QueueDepth != 3 || s.State != "never synced" {
		t.Errorf("status before: %d %q %q", code, out, errs)
	}
	code, out, errs = runCLI(t, "", "sync", "now", "--config", e.cfg)
	if code != 0 || !strings.Contains(out, "uploaded 3") {
		t.Fatalf("sync now: %d %q %q", code, out, errs)
	}
	code, out, _ = runCLI(t, "", "sync", "status", "--config", e.cfg)
	if code != 0 || !strings.Contains(out, "queue depth     0") || !strings.Contains(out, "uploaded        3") {
		t.Errorf("status after: %d %q", code, out)
	}
	code, out, _ = runCLI(t, "", "records", "list", "--config", e.cfg, "--json")
	var list []store.Summary
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 3 || list[0].Acked == nil {
		t.Errorf("list after sync: %d %q", code, out)
	}
	if st := e.srv.Stats(t); st.Records != 3 {
		t.Errorf("central has %d records", st.Records)
	}
	// Central down: sync now fails with exit 1 and the status says why.
	e.srv.Stop()
	commitRecords(t, e.cfg, 1, 6)
	if code, _, errs := runCLI(t, "", "sync", "now", "--config", e.cfg); code != 1 || !strings.Contains(errs, "sync:") {
		t.Errorf("sync with central down: %d %q", code, errs)
	}
	code, out, _ = runCLI(t, "", "sync", "status", "--config", e.cfg)
	if !strings.Contains(out, "last error") || !strings.Contains(out, "queue depth     1") {
		t.Errorf("status after failure: %q", out)
	}
}

func TestRecordsErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kiosk.toml")
	os.WriteFile(cfg, []byte("[paths]\nstate_dir = \"st\"\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"records", "list", "--config", cfg}, 1, "no store"},
		{[]string{"records", "show", "--config", cfg}, 2, "usage"},
		{[]string{"records", "export", "--config", cfg}, 2, "usage"},
		{[]string{"records", "list", "--config", filepath.Join(dir, "missing.toml")}, 2, "missing.toml"},
		{[]string{"sync", "status", "--config", cfg}, 1, "no store"},
		{[]string{"sync", "now", "--config", cfg, "extra"}, 2, "usage"},
	} {
		code, out, errs := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: %d %q %q", tc.args, code, out, errs)
		}
	}
	// A store but no central: sync now says so.
	os.MkdirAll(filepath.Join(dir, "st"), 0o700)
	store.CreateKey(filepath.Join(dir, "st", "store.key"), entropy.Seeded(1))
	c, _ := config.Load(cfg, config.DefaultProfile)
	st, err := store.OpenConfig(context.Background(), c, false, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if code, _, errs := runCLI(t, "", "sync", "now", "--config", cfg); code != 1 || !strings.Contains(errs, "provision") {
		t.Errorf("offline sync now: %d %q", code, errs)
	}
	if code, out, _ := runCLI(t, "", "sync", "status", "--config", cfg); code != 0 || !strings.Contains(out, "offline") {
		t.Errorf("offline status: %d %q", code, out)
	}
}

func TestLoadgen(t *testing.T) {
	e := newProvisionEnv(t)
	toks := filepath.Join(e.dir, "tokens")
	e.srv.SetDemo(t, "s1", true) // loadgen records are simulated
	os.WriteFile(toks, []byte(strings.Join(e.srv.Tokens(t, 3), "\n")+"\n"), 0o600)
	code, out, errs := runCLI(t, "", "loadgen", "--central", e.srv.URL, "--ca", e.srv.CAFile, "--tokens", toks,
		"--devices", "3", "--records", "25", "--batch", "7", "--json")
	var rep map[string]float64
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep["acknowledged"] != 75 || rep["upload_requests"] < 12 {
		t.Fatalf("loadgen: %d %q %q", code, out, errs)
	}
	if st := e.srv.Stats(t); st.Records != 75 || st.Devices != 3 {
		t.Errorf("stats %+v", st)
	}
	// Used tokens: enrolment refused, exit 1.
	if code, _, errs := runCLI(t, "", "loadgen", "--central", e.srv.URL, "--ca", e.srv.CAFile, "--tokens", toks,
		"--devices", "1", "--records", "1"); code != 1 || !strings.Contains(errs, "already used") {
		t.Errorf("used tokens: %d %q", code, errs)
	}
	for _, args := range [][]string{
		{"loadgen"},
		{"loadgen", "--central", e.srv.URL, "--ca", e.srv.CAFile, "--tokens", toks, "--devices", "4"},
		{"loadgen", "--central", e.srv.URL, "--ca", "/nonexistent", "--tokens", toks},
	} {
		if code, _, _ := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
