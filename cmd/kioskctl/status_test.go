package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/buildinfo"
	"github.com/hbzk/kiosk/store"
)

// personal is what commitRecords writes that must never be printed.
var personal = []string{"王小明", "11010519491231002X"}

func noPersonalData(t *testing.T, what, out string) {
	t.Helper()
	for _, p := range personal {
		if strings.Contains(out, p) {
			t.Errorf("%s prints personal data %q:\n%s", what, p, out)
		}
	}
}

func TestStatus(t *testing.T) {
	e := newProvisionEnv(t)
	cfg := e.provision(t, e.pinnedToken(t))

	// Before the kiosk ran: no store, still the identity, exit 0.
	code, out, errs := runCLI(t, "", "status", "--config", e.cfg)
	if code != 0 || !strings.Contains(out, "device id       "+cfg.Device.ID) || !strings.Contains(out, "考点1") ||
		!strings.Contains(out, "no store yet") || !strings.Contains(out, "version         "+buildinfo.Version) {
		t.Errorf("status without a store: %d %q %q", code, out, errs)
	}

	commitRecords(t, e.cfg, 3, 7)
	code, out, errs = runCLI(t, "", "status", "--config", e.cfg, "--json")
	var ks kioskStatus
	if code != 0 || json.Unmarshal([]byte(out), &ks) != nil {
		t.Fatalf("status --json: %d %q %q", code, out, errs)
	}
	if ks.DeviceID != cfg.Device.ID || ks.Central != e.srv.URL || ks.QueueDepth == nil || *ks.QueueDepth != 3 ||
		ks.Sync == nil || ks.Sync.State != "never synced" || ks.Sessions == nil || ks.Sessions.Completed != 3 ||
		ks.Sessions.LastCompleted == nil || ks.Sessions.Acknowledged != 0 || ks.Sessions.Failed != nil || ks.Sessions.Note == "" {
		t.Errorf("status before sync: %s", out)
	}
	noPersonalData(t, "status", out)

	if code, out, errs := runCLI(t, "", "sync", "now", "--config", e.cfg); code != 0 {
		t.Fatalf("sync now: %d %q %q", code, out, errs)
	}
	code, out, _ = runCLI(t, "", "status", "--config", e.cfg)
	for _, want := range []string{"queue depth     0", "last sync", "(ok)", "3 completed", "acknowledged 3", "failed sessions not recorded"} {
		if !strings.Contains(out, want) {
			t.Errorf("status after sync lacks %q:\n%s", want, out)
		}
	}
	noPersonalData(t, "status", out)

	// Central down: the last sync's failure shows.
	e.srv.Stop()
	runCLI(t, "", "sync", "now", "--config", e.cfg, "--timeout", "20s")
	code, out, _ = runCLI(t, "", "status", "--config", e.cfg)
	if code != 0 || !strings.Contains(out, "(failed: ") {
		t.Errorf("status after a failed sync: %d %q", code, out)
	}
}

func TestCountSessions(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 6, 1, 9, m, 0, 0, time.UTC) }
	sc := countSessions([]store.AuditEntry{
		{Event: "roster", At: at(0)}, {Event: "commit", At: at(1)}, {Event: SessionEvent, Detail: "completed"},
		{Event: SessionEvent, Detail: "failed face_mismatch"}, {Event: SessionEvent, Detail: "failed face_mismatch"},
		{Event: SessionEvent, Detail: "failed"}, {Event: SessionEvent, Detail: "failed liveness_timeout"},
		{Event: "commit", At: at(5)}, {Event: "ack"}, {Event: "rejected"}, {Event: "purge"},
	})
	if sc.Completed != 2 || !sc.LastCompleted.Equal(at(5)) || sc.Acknowledged != 1 || sc.Rejected != 1 || sc.Purged != 1 || sc.Note != "" {
		t.Errorf("%+v", sc)
	}
	if len(sc.Failed) != 3 || sc.Failed["face_mismatch"] != 2 || sc.Failed["liveness_timeout"] != 1 || sc.Failed["unknown"] != 1 {
		t.Errorf("failed %v", sc.Failed)
	}
	if sc := countSessions(nil); sc.Completed != 0 || sc.Failed != nil || sc.Note == "" {
		t.Errorf("empty log: %+v", sc)
	}
}

func TestStatusErrors(t *testing.T) {
	if code, _, _ := runCLI(t, "", "status", "extra"); code != 2 {
		t.Errorf("extra argument: exit %d", code)
	}
	if code, _, errs := runCLI(t, "", "status", "--config", filepath.Join(t.TempDir(), "none.toml")); code != 2 || !strings.Contains(errs, "none.toml") {
		t.Errorf("missing config: %d %q", code, errs)
	}
	// A store whose key is gone cannot be read: exit 1 naming the key.
	e := newProvisionEnv(t)
	e.provision(t, e.pinnedToken(t))
	commitRecords(t, e.cfg, 1, 8)
	removeStateFile(t, e, "store.key")
	code, out, errs := runCLI(t, "", "status", "--config", e.cfg)
	if code != 1 || !strings.Contains(out, "store problem") || !strings.Contains(errs, "at-rest key") {
		t.Errorf("status without the store key: %d %q %q", code, out, errs)
	}
}

// On an installed kiosk, status without --config reads the installed
// configuration instead of reporting the defaults as "not provisioned".
func TestStatusFindsInstalledConfig(t *testing.T) {
	e := newProvisionEnv(t)
	cfg := e.provision(t, e.pinnedToken(t))
	old := systemConfig
	t.Cleanup(func() { systemConfig = old })

	systemConfig = filepath.Join(t.TempDir(), "absent.toml")
	if code, out, _ := runCLI(t, "", "status"); code != 0 || strings.Contains(out, cfg.Device.ID) {
		t.Fatalf("status with no config anywhere: %d %q", code, out)
	}
	systemConfig = e.cfg
	code, out, errs := runCLI(t, "", "status")
	if code != 0 || !strings.Contains(out, "device id       "+cfg.Device.ID) {
		t.Errorf("status without --config on an installed kiosk: %d %q %q", code, out, errs)
	}
}
