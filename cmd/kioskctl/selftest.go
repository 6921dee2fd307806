package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	appselftest "github.com/hbzk/kiosk/app/selftest"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/selftest"
	_ "github.com/hbzk/kiosk/drivers/all" // every device backend
)

func init() {
	register(command{name: "selftest", summary: "check every configured device and dependency (pass/fail, value, remedy)", run: selftestCmd})
}

// modulePath is this repository's Go module, by which --sim finds the
// repository root.
const modulePath = "github.com/hbzk/kiosk"

// repoRoot walks up from dir to the folder whose go.mod is this module's.
func repoRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			line, _, _ := bytes.Cut(b, []byte("\n"))
			if string(bytes.TrimSpace(line)) == "module "+modulePath {
				return d, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no checkout of %s above %s (give --config)", modulePath, dir)
		}
	}
}

// simConfig is the development configuration: simulated hardware, state
// and models of the repository checkout (or of the --config file, read over
// the development defaults).
func simConfig(path string) (*config.Config, error) {
	if path != "" {
		return config.Load(path, config.Dev)
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root, err := repoRoot(wd)
	if err != nil {
		return nil, err
	}
	cfg := config.Defaults(config.Dev)
	cfg.Dir = root
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

func selftestCmd(c *cli, args []string) int {
	fs := flag.NewFlagSet("selftest", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfgPath := configFlag(fs)
	sim := fs.Bool("sim", false, "simulated devices: the development defaults (of the repository checkout, or of --config read over them)")
	asJSON := fs.Bool("json", false, "print JSON: {\"ok\", \"checks\": [{\"name\", \"ok\", \"value\", \"remedy\"}]}")
	timeout := fs.Duration("timeout", selftest.DefaultTimeout, "time limit of each device's checks")
	padWait := fs.Duration("pad-wait", 20*time.Second, "how long to wait for a drawing on a real signature pad")
	minFPS := fs.Float64("min-fps", 10, "least acceptable camera frame rate")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return c.usagef("usage: kioskctl selftest [--config FILE] [--sim] [--json] [--timeout D] [--pad-wait D] [--min-fps F]")
	}
	if *timeout <= 0 || *padWait <= 0 || !(*minFPS > 0) {
		return c.usagef("selftest: --timeout, --pad-wait and --min-fps must be positive")
	}
	var cfg *config.Config
	var err error
	if *sim {
		cfg, err = simConfig(*cfgPath)
	} else {
		cfg, err = loadKioskConfig(*cfgPath)
	}
	if err != nil {
		return c.usagef("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o := appselftest.Options{Timeout: *timeout, PadWait: *padWait, MinFPS: *minFPS, Prompt: c.stderr}
	out := bufio.NewWriter(c.stdout)
	if !*asJSON {
		// The table as the checks come: a technician watches it.
		o.Progress = func(cs []selftest.Check) {
			selftest.WriteChecks(out, cs)
			out.Flush()
		}
	}
	rep := appselftest.Run(ctx, cfg, o)
	if *asJSON {
		err = rep.WriteJSON(out)
	} else {
		n := len(rep.Failed())
		if n > 0 {
			_, err = fmt.Fprintf(out, "\n%d of %d checks FAILED\n", n, len(rep.Checks))
		} else {
			_, err = fmt.Fprintf(out, "\nall %d checks passed\n", len(rep.Checks))
		}
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return c.errorf("selftest: %v", err)
	}
	if !rep.OK {
		return 1
	}
	return 0
}
