package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/camera/camsim"
	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/liveness"
)

func init() {
	register(command{name: "liveness", summary: "passive + active liveness on a clip: FILE|DIR|SPEC [--json] [--challenges blink,turn_left] [--digits 1234] [--fps 30] [--perform] [--models M]", run: livenessCmd})
}

// stepped is a camera under a fake clock that moves on by one frame period
// before each frame: a file, folder or simulated clip is checked as fast
// as the analyser goes, with the timestamps it would have at its frame
// rate.
type stepped struct {
	camera.Camera
	clk    *clocktest.Fake
	period time.Duration
	first  bool
}

func (s *stepped) Next(ctx context.Context) (camera.Frame, error) {
	if !s.first {
		s.clk.Advance(s.period)
	}
	s.first = false
	return s.Camera.Next(ctx)
}

func livenessCmd(c *cli, args []string) int {
	f, err := parseVisionFlags(args, "--json", "--models", "--challenges", "--digits", "--fps", "--perform")
	if err != nil || len(f.args) != 1 {
		if err == nil {
			err = errors.New("want one video file, folder of frames or camera spec")
		}
		return c.usagef("liveness: %v (usage: kioskctl liveness FILE|DIR|SPEC [--json] [--challenges blink,turn_left,...] [--digits 1234] [--fps 30] [--perform])", err)
	}
	seq, err := liveness.ParseChallenges(f.challenges)
	if err != nil {
		return c.usagef("liveness: %v", err)
	}
	names := make([]string, len(seq))
	for i, s := range seq {
		names[i] = string(s)
	}
	spec := f.args[0]
	if st, err := os.Stat(spec); err == nil {
		scheme := "file"
		if st.IsDir() {
			scheme = "dir"
		}
		spec = fmt.Sprintf("%s:%s?fps=%g", scheme, spec, f.fps)
	} else if !strings.Contains(spec, ":") {
		return c.errorf("liveness: %v", err)
	}
	eng, la, err := f.openVision()
	if err != nil {
		return c.errorf("liveness: %v", err)
	}
	defer eng.Close()
	clk := clocktest.New(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	cam, rep := camera.Backends.Open(ctx, spec, hw.Env{Clock: clk})
	if rep.Err != nil {
		return c.errorf("liveness: %v", rep.Err)
	}
	defer cam.Close()
	if f.perform {
		p, ok := camsim.PerformerOf(cam)
		if !ok {
			return c.usagef("liveness: --perform needs a simulated candidate (sim-live:)")
		}
		p.Perform(names, f.digits)
	}
	params := liveness.Defaults()
	checker := &liveness.Checker{Analyzer: la, Params: params}
	src := &stepped{Camera: cam, clk: clk, period: time.Duration(float64(time.Second) / f.fps), first: true}
	// A simulated source never ends: bound it by the check's own limits.
	limit := params.ReadyTime + time.Duration(len(seq)+1)*params.ChallengeTime
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r, err := checker.Check(ctx, &bounded{src, clk, clk.Now().Add(limit)}, names, f.digits, nil)
	if err != nil {
		return c.errorf("liveness: %v", err)
	}
	if f.json {
		b, _ := json.Marshal(r)
		fmt.Fprintln(c.stdout, string(b))
	} else {
		fmt.Fprintf(c.stdout, "%s (%s / %s)\n", r, r.Reason.EN, r.Reason.ZH)
		for _, o := range r.Outcomes {
			fmt.Fprintf(c.stdout, "  %-12s passed=%-5v took=%-8s value=%.2f\n", o.Challenge, o.Passed, o.Took.Round(time.Millisecond), o.Value)
		}
	}
	if !r.Passed {
		return 1
	}
	return 0
}

// bounded ends a source at a deadline on its clock.
type bounded struct {
	camera.Camera
	clk interface{ Now() time.Time }
	end time.Time
}

func (b *bounded) Next(ctx context.Context) (camera.Frame, error) {
	if !b.clk.Now().Before(b.end) {
		return camera.Frame{}, camera.ErrEnd
	}
	return b.Camera.Next(ctx)
}
