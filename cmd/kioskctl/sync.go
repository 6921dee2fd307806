package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/hbzk/kiosk/device/buildinfo"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/store"
	"github.com/hbzk/kiosk/syncclient"
)

func init() {
	register(command{name: "sync now", summary: "upload the outbox, pull the roster and send a heartbeat now", run: syncNow})
	register(command{name: "sync status", summary: "queue depth, last sync, last error, roster version", run: syncStatus})
}

func syncNow(c *cli, args []string) int {
	fs := flag.NewFlagSet("sync now", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfgPath := configFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return c.usagef("usage: kioskctl sync now [--config FILE] [--json] [--timeout D]")
	}
	cfg, err := loadKioskConfig(*cfgPath)
	if err != nil {
		return c.usagef("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return c.errorf("%v", err)
	}
	defer st.Close()
	log, _ := logx.New(c.stderr, logx.Options{Format: "text", Level: "warn"})
	cl, err := syncclient.FromConfig(cfg, st, syncclient.Options{Software: buildinfo.Version, Log: log})
	if err != nil {
		return c.errorf("%v", err)
	}
	res, err := cl.SyncOnce(ctx)
	s := cl.Status()
	if *asJSON {
		b, _ := json.MarshalIndent(map[string]any{"result": res, "status": s}, "", "  ")
		fmt.Fprintln(c.stdout, string(b))
	} else {
		fmt.Fprintf(c.stdout, "uploaded %d, duplicates %d, rejected %d, roster entries %d\n", res.Uploaded, res.Duplicates, res.Rejected, res.RosterEntries)
		printStatus(c.stdout, s)
	}
	if err != nil {
		return c.errorf("sync: %v", err)
	}
	return 0
}

func printStatus(w io.Writer, s syncclient.Status) {
	at := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.Local().Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(w, "state           %s\nqueue depth     %d\nroster version  %d\nlast attempt    %s\nlast success    %s\n",
		s.State, s.QueueDepth, s.RosterVersion, at(s.LastAttempt), at(s.LastSuccess))
	if s.LastError != "" {
		fmt.Fprintf(w, "last error      %s\nfailures        %d\nnext attempt    %s\n", s.LastError, s.Failures, at(s.NextAttempt))
	}
	fmt.Fprintf(w, "uploaded        %d\nduplicates      %d\nrejected        %d\nclock skew      %s\n", s.Uploaded, s.Duplicates, s.Rejected, s.ClockSkew)
}

func syncStatus(c *cli, args []string) int {
	fs := flag.NewFlagSet("sync status", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfgPath := configFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return c.usagef("usage: kioskctl sync status [--config FILE] [--json]")
	}
	return withStore(c, *cfgPath, func(ctx context.Context, cfg *config.Config, st *store.Store) int {
		s, err := syncclient.LoadStatus(ctx, st)
		if err != nil {
			return c.errorf("%v", err)
		}
		if cfg.Sync.Central == "" {
			s.State = "offline"
		}
		if *asJSON {
			b, _ := json.MarshalIndent(s, "", "  ")
			fmt.Fprintln(c.stdout, string(b))
			return 0
		}
		fmt.Fprintf(c.stdout, "central         %s\n", orNone(cfg.Sync.Central))
		printStatus(c.stdout, s)
		return 0
	})
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
