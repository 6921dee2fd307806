package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/syncclient/loadgen"
)

func init() {
	register(command{name: "loadgen", summary: "simulate N kiosks uploading M signed records each to central", run: loadgenCmd})
}

const loadgenUsage = "usage: kioskctl loadgen --central URL --ca FILE --tokens FILE --devices N --records M [--batch B] [--json] [--timeout D]"

func loadgenCmd(c *cli, args []string) int {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	central := fs.String("central", "", "central endpoint, https://host:port")
	caFile := fs.String("ca", "", "central's CA certificate (ca.pem from centrald's --tls-dir)")
	tokFile := fs.String("tokens", "", "file of enrolment tokens, one per line (centrald token create --count N)")
	devices := fs.Int("devices", 1, "simulated kiosks")
	records := fs.Int("records", 100, "records per kiosk")
	batch := fs.Int("batch", 20, "records per upload")
	size := fs.Int("image-bytes", 4096, "size of each record's synthetic photo")
	asJSON := fs.Bool("json", false, "print JSON")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *central == "" || *caFile == "" || *tokFile == "" {
		return c.usagef(loadgenUsage)
	}
	if *devices < 1 || *records < 0 || *batch < 1 {
		return c.usagef("--devices and --batch must be at least 1, --records at least 0")
	}
	ca, err := os.ReadFile(*caFile)
	if err != nil {
		return c.usagef("--ca: %v", err)
	}
	tb, err := os.ReadFile(*tokFile)
	if err != nil {
		return c.usagef("--tokens: %v", err)
	}
	toks := strings.Fields(string(tb))
	if len(toks) < *devices {
		return c.usagef("--tokens: %d tokens for %d devices", len(toks), *devices)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	log, _ := logx.New(c.stderr, logx.Options{Level: "error"})
	rep, err := loadgen.Run(ctx, loadgen.Options{Central: *central, CA: ca, Tokens: toks, Devices: *devices,
		Records: *records, Batch: *batch, ImageBytes: *size, Log: log})
	if rep != nil {
		if *asJSON {
			b, _ := json.MarshalIndent(rep, "", "  ")
			fmt.Fprintln(c.stdout, string(b))
		} else {
			fmt.Fprintf(c.stdout, "devices %d x records %d: acknowledged %d (stored %d, duplicates %d), rejected %d, retries %d\n",
				rep.Devices, rep.Records, rep.Acknowledged, rep.Stored, rep.Duplicates, rep.Rejected, rep.Retries)
			fmt.Fprintf(c.stdout, "elapsed %.2fs, %.0f records/s; upload latency over %d requests: p50 %.1fms p90 %.1fms p99 %.1fms max %.1fms\n",
				rep.ElapsedSec, rep.PerSecond, rep.Requests, rep.P50ms, rep.P90ms, rep.P99ms, rep.Maxms)
		}
	}
	if err != nil {
		return c.errorf("loadgen: %v", err)
	}
	if rep.Acknowledged != *devices**records {
		return c.errorf("loadgen: %d of %d records acknowledged", rep.Acknowledged, *devices**records)
	}
	return 0
}
