// Package selftest is the technician's hardware self-test, without the
// hardware: the Check a test produces (name, pass/fail, the measured value
// and a remedy a technician can act on), a runner that gives every probe its
// own time limit so that one hung device cannot stall the rest, the report
// as JSON or as a table, and the checks that need no driver (disk space,
// clock sanity, model files).
//
// The checks that talk to devices, the store and central live in
// app/selftest, which builds the probes from kiosk.toml; `kioskctl selftest`
// and the kiosk's technician menu both run them through Run.
package selftest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/clock"
)

// Check is the outcome of one test.
type Check struct {
	// Name says what was tested: "idcard sam status", "disk space".
	Name string `json:"name"`
	// OK is true when the check passed.
	OK bool `json:"ok"`
	// Value is what was measured ("29.8 fps", "41.2 GB free (57%)"), or
	// why the check failed. It never holds personal data.
	Value string `json:"value"`
	// Remedy says what a technician should do; it is set on failed
	// checks and on passing ones that carry a note.
	Remedy string `json:"remedy,omitempty"`
}

// Pass is a passing check.
func Pass(name, value string) Check { return Check{Name: name, OK: true, Value: value} }

// Fail is a failed check with its remedy.
func Fail(name, value, remedy string) Check {
	return Check{Name: name, Value: value, Remedy: remedy}
}

// Probe tests one device or dependency and returns one or more checks.
type Probe struct {
	// Name names the probe; a probe that times out or returns no check
	// gives a failed check of this name.
	Name string
	// Timeout bounds the probe (0: the runner's default).
	Timeout time.Duration
	// Remedy is the advice given when the probe times out.
	Remedy string
	// Run runs the probe. It must return soon after ctx ends.
	Run func(ctx context.Context) []Check
}

// Report is the outcome of a self-test.
type Report struct {
	// OK is true when every check passed.
	OK     bool    `json:"ok"`
	Checks []Check `json:"checks"`
}

// Failed returns the checks that failed.
func (r Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// RunOptions configure Run.
type RunOptions struct {
	// Timeout is each probe's time limit unless the probe sets its own;
	// 0 means 20s.
	Timeout time.Duration
	// Clock times the limits (nil: the real clock).
	Clock clock.Clock
	// Progress, when set, is called after each probe with its checks (the
	// table is printed as the test goes).
	Progress func([]Check)
}

// DefaultTimeout is a probe's time limit when none is set.
const DefaultTimeout = 20 * time.Second

// Run runs the probes one after the other (devices may share a bus, and a
// technician reads the prompts in order), each under its time limit. A
// probe that overruns its limit is reported failed and left behind: Run
// goes on with the next probe without waiting for it. A probe that panics
// is reported failed too.
func Run(ctx context.Context, probes []Probe, o RunOptions) Report {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	rep := Report{OK: true, Checks: []Check{}}
	for _, p := range probes {
		limit := p.Timeout
		if limit <= 0 {
			limit = o.Timeout
		}
		if limit <= 0 {
			limit = DefaultTimeout
		}
		checks := runOne(ctx, p, limit, o.Clock)
		for _, c := range checks {
			rep.OK = rep.OK && c.OK
		}
		rep.Checks = append(rep.Checks, checks...)
		if o.Progress != nil {
			o.Progress(checks)
		}
	}
	return rep
}

func runOne(ctx context.Context, p Probe, limit time.Duration, clk clock.Clock) []Check {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan []Check, 1)
	// The timer starts before the probe does.
	timer := clk.After(limit)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- []Check{Fail(p.Name, fmt.Sprintf("the check crashed: %v", v),
					"report this to the software maintainers with the kiosk's log")}
			}
		}()
		done <- p.Run(pctx)
	}()
	select {
	case cs := <-done:
		if len(cs) == 0 {
			return []Check{Fail(p.Name, "the check returned no result", "report this to the software maintainers")}
		}
		return cs
	case <-timer:
		remedy := p.Remedy
		if remedy == "" {
			remedy = "check the device's cable and power, then run the self-test again"
		}
		return []Check{Fail(p.Name, fmt.Sprintf("no answer within %s", limit), remedy)}
	case <-ctx.Done():
		return []Check{Fail(p.Name, "self-test stopped: "+ctx.Err().Error(), "run the self-test again")}
	}
}

// WriteJSON writes the report as indented JSON:
// {"ok": bool, "checks": [{"name", "ok", "value", "remedy"}]}.
func (r Report) WriteJSON(w io.Writer) error {
	if r.Checks == nil {
		r.Checks = []Check{}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("selftest: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteTable writes the checks as an aligned table (PASS/FAIL, name,
// value), each failed check's remedy on the line below, and a summary line.
func (r Report) WriteTable(w io.Writer) error {
	if err := WriteChecks(w, r.Checks); err != nil {
		return err
	}
	var err error
	if n := len(r.Failed()); n > 0 {
		_, err = fmt.Fprintf(w, "\n%d of %d checks FAILED\n", n, len(r.Checks))
	} else {
		_, err = fmt.Fprintf(w, "\nall %d checks passed\n", len(r.Checks))
	}
	return err
}

// NameWidth is the width of the name column of WriteChecks.
const NameWidth = 22

// WriteChecks writes checks as table rows (see WriteTable): the columns are
// of fixed width, so rows written probe by probe line up.
func WriteChecks(w io.Writer, checks []Check) error {
	var b strings.Builder
	for _, c := range checks {
		mark := "PASS"
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "%s  %-*s %s\n", mark, NameWidth, c.Name, oneLine(c.Value))
		if c.Remedy != "" {
			prefix := "note:"
			if !c.OK {
				prefix = "remedy:"
			}
			fmt.Fprintf(&b, "%*s %s %s\n", 6+NameWidth, "", prefix, oneLine(c.Remedy))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
