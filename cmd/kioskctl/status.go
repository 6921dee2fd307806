package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/buildinfo"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/store"
	"github.com/hbzk/kiosk/syncclient"
)

func init() {
	register(command{name: "status", summary: "version, device id, queue depth, last sync, session counts", run: statusCmd})
}

// sessionCounts are the outcomes of candidate sessions, counted from the
// store's audit log.
type sessionCounts struct {
	// Completed is the confirmed records committed ("commit" events).
	Completed int `json:"completed"`
	// LastCompleted is when the last one was.
	LastCompleted *time.Time `json:"last_completed,omitempty"`
	// Acknowledged, Rejected and Purged are what central and the
	// retention did with them.
	Acknowledged int `json:"acknowledged"`
	Rejected     int `json:"rejected"`
	Purged       int `json:"purged"`
	// Failed counts failed sessions by reason code, from "session" audit
	// events whose detail is "failed REASON"; nil when the log has no
	// session events (Note then says so).
	Failed map[string]int `json:"failed"`
	Note   string         `json:"note,omitempty"`
}

// SessionEvent is the audit event kind of a finished candidate session:
// detail "completed" or "failed REASON" (a stable reason code such as
// face_mismatch or liveness_timeout; never personal data).
const SessionEvent = "session"

const failedNote = "failed sessions are not recorded in this store's audit log (no \"session\" events; only confirmed records are); see the kiosk's log"

// kioskStatus is what `kioskctl status` prints.
type kioskStatus struct {
	Version    string             `json:"version"`
	DeviceID   string             `json:"device_id"`
	Site       string             `json:"site"`
	Central    string             `json:"central"`
	Store      string             `json:"store"`
	StoreError string             `json:"store_error,omitempty"`
	QueueDepth *int               `json:"queue_depth"`
	Sync       *syncclient.Status `json:"sync,omitempty"`
	Sessions   *sessionCounts     `json:"sessions,omitempty"`
}

func countSessions(entries []store.AuditEntry) *sessionCounts {
	sc := &sessionCounts{}
	for _, e := range entries {
		switch e.Event {
		case SessionEvent:
			if sc.Failed == nil {
				sc.Failed = map[string]int{}
			}
			outcome, reason, _ := strings.Cut(strings.TrimSpace(e.Detail), " ")
			if outcome == "failed" {
				if reason = strings.TrimSpace(reason); reason == "" {
					reason = "unknown"
				}
				sc.Failed[reason]++
			}
		case "commit":
			sc.Completed++
			at := e.At
			sc.LastCompleted = &at
		case "ack":
			sc.Acknowledged++
		case "rejected":
			sc.Rejected++
		case "purge":
			sc.Purged++
		}
	}
	if sc.Failed == nil {
		sc.Note = failedNote
	}
	return sc
}

// readStatus gathers the status; a missing or unreadable store leaves the
// store's fields empty and says why.
func readStatus(ctx context.Context, cfg *config.Config) kioskStatus {
	ks := kioskStatus{Version: buildinfo.Version, DeviceID: cfg.Device.ID, Site: cfg.Device.Site, Central: cfg.Sync.Central,
		Store: cfg.StatePath(cfg.Store.DB)}
	if _, err := os.Stat(ks.Store); errors.Is(err, fs.ErrNotExist) {
		ks.StoreError = "no store yet (the kiosk has not run)"
		return ks
	}
	st, err := store.OpenConfig(ctx, cfg, false, nil, nil, nil)
	if err != nil {
		ks.StoreError = err.Error()
		return ks
	}
	defer st.Close()
	if n, err := st.QueueDepth(ctx); err == nil {
		ks.QueueDepth = &n
	} else {
		ks.StoreError = err.Error()
	}
	if s, err := syncclient.LoadStatus(ctx, st); err == nil {
		if cfg.Sync.Central == "" {
			s.State = "offline"
		}
		ks.Sync = &s
	} else {
		ks.StoreError = err.Error()
	}
	if entries, err := st.AuditLog(ctx, 0); err == nil {
		ks.Sessions = countSessions(entries)
	} else {
		ks.StoreError = err.Error()
	}
	return ks
}

func statusCmd(c *cli, args []string) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfgPath := configFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return c.usagef("usage: kioskctl status [--config FILE] [--json]")
	}
	cfg, err := loadKioskConfig(*cfgPath)
	if err != nil {
		return c.usagef("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ks := readStatus(ctx, cfg)
	if *asJSON {
		b, _ := json.MarshalIndent(ks, "", "  ")
		fmt.Fprintln(c.stdout, string(b))
	} else {
		printKioskStatus(c, ks)
	}
	if ks.StoreError != "" && ks.QueueDepth == nil && !strings.HasPrefix(ks.StoreError, "no store yet") {
		return c.errorf("status: store: %s", ks.StoreError)
	}
	return 0
}

func printKioskStatus(c *cli, ks kioskStatus) {
	w := c.stdout
	at := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.Local().Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(w, "version         %s\n", ks.Version)
	fmt.Fprintf(w, "device id       %s\n", orText(ks.DeviceID, "(not provisioned)"))
	fmt.Fprintf(w, "site            %s\n", orText(ks.Site, "(none)"))
	fmt.Fprintf(w, "central         %s\n", orText(ks.Central, "(none: offline)"))
	fmt.Fprintf(w, "store           %s\n", ks.Store)
	if ks.StoreError != "" {
		fmt.Fprintf(w, "store problem   %s\n", ks.StoreError)
	}
	if ks.QueueDepth != nil {
		fmt.Fprintf(w, "queue depth     %d\n", *ks.QueueDepth)
	}
	if s := ks.Sync; s != nil {
		result := "ok"
		if s.LastError != "" {
			result = "failed: " + s.LastError
		}
		if s.LastAttempt.IsZero() {
			result = "-"
		}
		fmt.Fprintf(w, "sync state      %s\nlast sync       %s (%s)\nlast success    %s\n", s.State, at(s.LastAttempt), result, at(s.LastSuccess))
	}
	if sc := ks.Sessions; sc != nil {
		last := "never"
		if sc.LastCompleted != nil {
			last = at(*sc.LastCompleted)
		}
		fmt.Fprintf(w, "sessions        %d completed (last %s); central acknowledged %d, rejected %d; %d purged\n",
			sc.Completed, last, sc.Acknowledged, sc.Rejected, sc.Purged)
		if sc.Failed == nil {
			fmt.Fprintf(w, "failed sessions not recorded (only confirmed records are stored)\n")
		} else {
			reasons := make([]string, 0, len(sc.Failed))
			total := 0
			for r, n := range sc.Failed {
				reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
				total += n
			}
			sort.Strings(reasons)
			fmt.Fprintf(w, "failed sessions %d: %s\n", total, strings.Join(reasons, ", "))
		}
	}
}

func orText(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
