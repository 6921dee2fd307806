package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/store"
)

func removeStateFile(t *testing.T, e *provisionEnv, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(e.dir, "state", name)); err != nil {
		t.Fatal(err)
	}
}

var logEntryTable = []struct {
	detail, record, rest string
}{
	{"0f8fad5b-d9cb-469f-a165-70867728950e sha256:abcd", "0f8fad5b-d9cb-469f-a165-70867728950e", "sha256:abcd"},
	{"0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e", ""},
	{"version 0->3, 12 entries", "", "version 0->3, 12 entries"},
	{"0f8fad5b-d9cb-469f-a165-70867728950e card 11010519491231002X refused", "0f8fad5b-d9cb-469f-a165-70867728950e", "card [id:18] refused"},
	{"not-a-uuid  spaced\ntext", "", "not-a-uuid spaced text"},
	{"", "", ""},
}

func TestToLogEntry(t *testing.T) {
	for _, tc := range logEntryTable {
		le := toLogEntry(store.AuditEntry{Seq: 1, Event: "x", Detail: tc.detail})
		if le.Record != tc.record || le.Detail != tc.rest {
			t.Errorf("%q: record %q detail %q, want %q %q", tc.detail, le.Record, le.Detail, tc.record, tc.rest)
		}
	}
}

// FuzzToLogEntry: any detail gives an entry whose record is a UUID or
// empty and whose detail shows no ID number.
func FuzzToLogEntry(f *testing.F) {
	for _, tc := range logEntryTable {
		f.Add(tc.detail)
	}
	f.Fuzz(func(t *testing.T, detail string) {
		le := toLogEntry(store.AuditEntry{Seq: 1, Event: "commit", Detail: detail})
		if le.Record != "" {
			if _, err := uuid.Parse(le.Record); err != nil || !strings.HasPrefix(detail, le.Record) {
				t.Errorf("record %q from %q", le.Record, detail)
			}
		}
		if logx.Mask(le.Detail) != le.Detail {
			t.Errorf("detail %q still holds an ID number (from %q)", le.Detail, detail)
		}
	})
}

func TestLogs(t *testing.T) {
	e := newProvisionEnv(t)
	e.provision(t, e.pinnedToken(t))
	if code, _, errs := runCLI(t, "", "logs", "--config", e.cfg); code != 1 || !strings.Contains(errs, "no store") {
		t.Errorf("logs without a store: %d %q", code, errs)
	}
	ids := commitRecords(t, e.cfg, 3, 9)
	if code, out, errs := runCLI(t, "", "sync", "now", "--config", e.cfg); code != 0 {
		t.Fatalf("sync now: %d %q %q", code, out, errs)
	}
	code, out, errs := runCLI(t, "", "logs", "--config", e.cfg)
	if code != 0 {
		t.Fatalf("logs: %d %q %q", code, out, errs)
	}
	for _, want := range []string{"commit", "ack", ids[0], ids[2]} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
	noPersonalData(t, "logs", out)

	code, out, _ = runCLI(t, "", "logs", "--config", e.cfg, "-n", "2", "--json")
	var got []logEntry
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got) != 2 {
		t.Fatalf("logs -n 2 --json: %d %q", code, out)
	}
	if got[0].Seq >= got[1].Seq || got[1].Event != "ack" || got[1].Record != ids[2] || got[1].At.IsZero() {
		t.Errorf("last two events: %+v", got)
	}

	// Tampered with: the entries still print, the exit status says so.
	cfg, _ := config.Load(e.cfg, config.DefaultProfile)
	db, err := sql.Open("sqlite", store.DSN(cfg.StatePath(cfg.Store.DB)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []string{`DROP TRIGGER audit_no_update`, `UPDATE audit SET event = 'purge' WHERE seq = 1`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	code, out, errs = runCLI(t, "", "logs", "--config", e.cfg)
	if code != 1 || !strings.Contains(errs, "does not verify") || !strings.Contains(out, "purge") {
		t.Errorf("tampered log: %d %q %q", code, out, errs)
	}
}

func TestLogsUsage(t *testing.T) {
	for _, args := range [][]string{{"logs", "extra"}, {"logs", "-n", "-1"}, {"logs", "-n", "x"}} {
		if code, _, _ := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// Issue 12: the log has a header row and shows the kiosk's own events:
// sessions cancelled, out of service, the technician's.
func TestLogsHeaderAndKioskEvents(t *testing.T) {
	e := newProvisionEnv(t)
	e.provision(t, e.pinnedToken(t))
	commitRecords(t, e.cfg, 1, 3)
	cfg, err := config.Load(e.cfg, config.DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range [][2]string{{"session", "cancelled at liveness"}, {"service", "out of service sigpad E-SIGPAD"},
		{"device", "recovered sigpad"}, {"tech", "menu opened"}, {"tech", "selftest"}} {
		if err := st.Audit(ctx, ev[0], ev[1]); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	code, out, errs := runCLI(t, "", "logs", "--config", e.cfg)
	if code != 0 {
		t.Fatalf("logs: %d %q %q", code, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if h := strings.Fields(lines[0]); strings.Join(h, " ") != "SEQ TIME EVENT RECORD DETAIL" {
		t.Errorf("header %q", lines[0])
	}
	for _, want := range []string{"cancelled at liveness", "out of service sigpad E-SIGPAD", "recovered sigpad", "menu opened"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
}
