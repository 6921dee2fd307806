package selftest

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func TestRunCollectsChecksAndSummary(t *testing.T) {
	var progress [][]Check
	rep := Run(context.Background(), []Probe{
		{Name: "a", Run: func(context.Context) []Check { return []Check{Pass("a one", "1"), Pass("a two", "2")} }},
		{Name: "b", Run: func(context.Context) []Check { return []Check{Fail("b", "broken", "fix it")} }},
		{Name: "c", Run: func(context.Context) []Check { return []Check{Pass("c", "3")} }},
	}, RunOptions{Progress: func(cs []Check) { progress = append(progress, cs) }})
	if rep.OK {
		t.Error("report OK with a failed check")
	}
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "a one,a two,b,c" {
		t.Errorf("checks %s, want a one,a two,b,c (in probe order)", got)
	}
	if len(progress) != 3 || len(progress[0]) != 2 {
		t.Errorf("progress called %d times: %v", len(progress), progress)
	}
	if f := rep.Failed(); len(f) != 1 || f[0].Name != "b" || f[0].Remedy != "fix it" {
		t.Errorf("failed: %+v", f)
	}
	all := Run(context.Background(), []Probe{{Name: "a", Run: func(context.Context) []Check { return []Check{Pass("a", "ok")} }}}, RunOptions{})
	if !all.OK {
		t.Error("all passing: report not OK")
	}
}

func TestRunBadProbes(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(context.Context) []Check
		want string
	}{
		{"panics", func(context.Context) []Check { panic("boom") }, "crashed: boom"},
		{"no checks", func(context.Context) []Check { return nil }, "no result"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := Run(context.Background(), []Probe{{Name: "p", Run: tc.run}}, RunOptions{})
			if rep.OK || len(rep.Checks) != 1 || rep.Checks[0].Name != "p" || !strings.Contains(rep.Checks[0].Value, tc.want) || rep.Checks[0].Remedy == "" {
				t.Errorf("report %+v, want one failed check p with %q and a remedy", rep, tc.want)
			}
		})
	}
}

// runAsync runs probes on a fake clock and returns the report's channel.
func runAsync(probes []Probe, o RunOptions) <-chan Report {
	out := make(chan Report, 1)
	go func() { out <- Run(context.Background(), probes, o) }()
	return out
}

func TestRunTimeLimit(t *testing.T) {
	for _, tc := range []struct {
		name        string
		probeLimit  time.Duration
		runnerLimit time.Duration
		want        time.Duration
	}{
		{"default", 0, 0, DefaultTimeout},
		{"runner's", 0, 3 * time.Second, 3 * time.Second},
		{"probe's own", 7 * time.Second, 3 * time.Second, 7 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktest.New(t0)
			started := make(chan struct{})
			release := make(chan struct{})
			defer close(release)
			hung := Probe{Name: "hung", Timeout: tc.probeLimit, Remedy: "replug it", Run: func(ctx context.Context) []Check {
				close(started)
				<-release
				return []Check{Pass("hung", "late")}
			}}
			next := Probe{Name: "next", Run: func(context.Context) []Check { return []Check{Pass("next", "ran")} }}
			done := runAsync([]Probe{hung, next}, RunOptions{Clock: clk, Timeout: tc.runnerLimit})
			<-started
			clk.Advance(tc.want - time.Millisecond)
			select {
			case rep := <-done:
				t.Fatalf("finished before the limit: %+v", rep)
			default:
			}
			clk.Advance(time.Millisecond)
			var rep Report
			select {
			case rep = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the runner waited for a hung probe past its limit")
			}
			if rep.OK || len(rep.Checks) != 2 {
				t.Fatalf("report %+v", rep)
			}
			c := rep.Checks[0]
			if c.OK || c.Name != "hung" || !strings.Contains(c.Value, tc.want.String()) || c.Remedy != "replug it" {
				t.Errorf("timed-out check %+v", c)
			}
			if !rep.Checks[1].OK || rep.Checks[1].Value != "ran" {
				t.Errorf("the next probe did not run: %+v", rep.Checks[1])
			}
		})
	}
}

func TestRunProbeInTime(t *testing.T) {
	clk := clocktest.New(t0)
	release := make(chan struct{})
	started := make(chan struct{})
	done := runAsync([]Probe{{Name: "slow", Timeout: time.Second, Run: func(ctx context.Context) []Check {
		close(started)
		<-release
		return []Check{Pass("slow", "done")}
	}}}, RunOptions{Clock: clk})
	<-started
	clk.Advance(999 * time.Millisecond)
	close(release)
	rep := <-done
	if !rep.OK || rep.Checks[0].Value != "done" {
		t.Errorf("a probe that answered in time: %+v", rep)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := Run(ctx, []Probe{{Name: "p", Run: func(ctx context.Context) []Check {
		<-ctx.Done()
		return []Check{Fail("p", ctx.Err().Error(), "again")}
	}}}, RunOptions{})
	if rep.OK || len(rep.Checks) != 1 || rep.Checks[0].OK {
		t.Errorf("cancelled run: %+v", rep)
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	rep := Report{Checks: []Check{Pass("clock", "2026-06-01T12:00:00Z"), Fail("font", "missing", "install fonts-wqy-microhei")}}
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		OK     *bool            `json:"ok"`
		Checks []map[string]any `json:"checks"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, b.String())
	}
	if got.OK == nil || *got.OK || len(got.Checks) != 2 {
		t.Fatalf("decoded %+v", got)
	}
	for _, k := range []string{"name", "ok", "value"} {
		if _, ok := got.Checks[1][k]; !ok {
			t.Errorf("check has no %q: %v", k, got.Checks[1])
		}
	}
	if got.Checks[1]["remedy"] != "install fonts-wqy-microhei" {
		t.Errorf("remedy: %v", got.Checks[1])
	}
	b.Reset()
	(Report{OK: true}).WriteJSON(&b)
	if !strings.Contains(b.String(), `"checks": []`) {
		t.Errorf("empty report: %s", b.String())
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	rep := Report{Checks: []Check{Pass("clock", "ok"), Fail("font", "missing\nfile", "install it")}}
	rep.WriteTable(&b)
	out := b.String()
	for _, want := range []string{"PASS  clock", "FAIL  font", "missing file", "remedy: install it", "1 of 2 checks FAILED"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	note := Pass("central", "offline")
	note.Remedy = "provision"
	(Report{OK: true, Checks: []Check{note}}).WriteTable(&b)
	if !strings.Contains(b.String(), "note: provision") || !strings.Contains(b.String(), "all 1 checks passed") {
		t.Errorf("table:\n%s", b.String())
	}
}
