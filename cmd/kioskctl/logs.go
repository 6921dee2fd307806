package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/store"
)

func init() {
	register(command{name: "logs", summary: "recent events of the store's audit log (no personal data)", run: logsCmd})
}

// logEntry is one audit event as `kioskctl logs` shows it: its kind, time,
// the record it concerns and a detail that holds no personal data.
type logEntry struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Event  string    `json:"event"`
	Record string    `json:"record,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// toLogEntry splits an audit entry's detail into the record UUID it starts
// with (if any) and the rest. The store writes no personal data into
// details; ID-number-like strings are masked all the same.
func toLogEntry(e store.AuditEntry) logEntry {
	le := logEntry{Seq: e.Seq, At: e.At, Event: e.Event}
	detail := e.Detail
	first, rest, _ := strings.Cut(detail, " ")
	if _, err := uuid.Parse(first); err == nil && len(first) == 36 {
		le.Record, detail = first, rest
	}
	le.Detail = logx.Mask(strings.Join(strings.Fields(detail), " "))
	return le
}

func logsCmd(c *cli, args []string) int {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfgPath := configFlag(fs)
	n := fs.Int("n", 50, "the last N events (0 = all)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *n < 0 {
		return c.usagef("usage: kioskctl logs [--config FILE] [-n N] [--json]")
	}
	cfg, err := loadKioskConfig(*cfgPath)
	if err != nil {
		return c.usagef("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return c.errorf("logs: %v", err)
	}
	defer st.Close()
	entries, err := st.AuditLog(ctx, *n)
	if err != nil {
		return c.errorf("logs: %v", err)
	}
	out := make([]logEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, toLogEntry(e))
	}
	if *asJSON {
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(c.stdout, string(b))
	} else {
		if len(out) > 0 {
			fmt.Fprintf(c.stdout, "%6s  %-19s  %-9s %-36s  %s\n", "SEQ", "TIME", "EVENT", "RECORD", "DETAIL")
		}
		for _, e := range out {
			rec := e.Record
			if rec == "" {
				rec = "-"
			}
			fmt.Fprintf(c.stdout, "%6d  %s  %-9s %-36s  %s\n", e.Seq, e.At.Local().Format("2006-01-02 15:04:05"), e.Event, rec, e.Detail)
		}
		if len(out) == 0 {
			fmt.Fprintln(c.stdout, "no events yet")
		}
	}
	// The log is hash-chained: say so when it was tampered with.
	if _, err := st.VerifyAudit(ctx); err != nil {
		return c.errorf("logs: the audit log does not verify: %v (run kioskctl selftest)", err)
	}
	return 0
}
