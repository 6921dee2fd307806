package selftest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hbzk/kiosk/device/selftest"
	"github.com/hbzk/kiosk/device/sigpad"
	"github.com/hbzk/kiosk/drivers/sigpad/padsim"
)

// padIdle ends a drawing on a real pad: no sample for this long after the
// pen went up.
const padIdle = 1500 * time.Millisecond

// strokesOf splits a replay's samples into its pen-down strokes.
func strokesOf(samples []sigpad.Sample) []sigpad.Stroke {
	var out []sigpad.Stroke
	var cur sigpad.Stroke
	for _, s := range samples {
		if s.Down {
			cur = append(cur, s)
			continue
		}
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// compareStrokes says how the decoded strokes differ from the sent ones
// ("" when they agree point for point).
func compareStrokes(got, want []sigpad.Stroke) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d strokes decoded, %d sent", len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			return fmt.Sprintf("stroke %d: %d points decoded, %d sent", i+1, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			g, w := got[i][j], want[i][j]
			if g.X != w.X || g.Y != w.Y {
				return fmt.Sprintf("stroke %d point %d: decoded (%d,%d), sent (%d,%d)", i+1, j+1, g.X, g.Y, w.X, w.Y)
			}
		}
	}
	return ""
}

func (t *tester) padStrokes(ctx context.Context, pad sigpad.Pad) []selftest.Check {
	if err := pad.Clear(); err != nil {
		return []selftest.Check{selftest.Fail("sigpad packets", "clear: "+err.Error(), "replug the signature pad")}
	}
	sim, isSim := pad.(sigpad.SimControl)
	var want []sigpad.Stroke
	wantPoints := -1
	wait := t.o.PadWait
	if isSim {
		if ps, ok := pad.(interface{ Sim() *padsim.Sim }); ok {
			want = strokesOf(ps.Sim().Samples())
			wantPoints = 0
			for _, s := range want {
				wantPoints += len(s)
			}
		}
		if err := sim.Sign(); err != nil {
			return []selftest.Check{selftest.Fail("sigpad packets", "make the simulated pad sign: "+err.Error(), "check [hardware] sigpad's strokes file")}
		}
		wait = 5 * time.Second
	} else if t.o.Prompt != nil {
		fmt.Fprintf(t.o.Prompt, ">>> Sign on the signature pad now (within %s).\n", wait.Round(time.Second))
	}
	start := t.o.Clock.Now()
	wctx, cancel := context.WithTimeout(ctx, wait)
	first, err := pad.Next(wctx)
	cancel()
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return []selftest.Check{selftest.Fail("sigpad packets", fmt.Sprintf("no packet from the pad within %s", wait),
				"draw on the pad when asked; if it shows nothing, check its cable, its power and [hardware] sigpad's protocol (topaz/wacom4) and baud rate")}
		}
		return []selftest.Check{selftest.Fail("sigpad packets", err.Error(), "replug the signature pad and check its cable")}
	}
	packets, down := 1, 0
	if first.Down {
		down++
	}
	for {
		if wantPoints >= 0 && pad.Signature().Points() >= wantPoints {
			break
		}
		idle := padIdle
		if isSim {
			idle = 5 * time.Second
		}
		nctx, cancel := context.WithTimeout(ctx, idle)
		s, err := pad.Next(nctx)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				break
			}
			return []selftest.Check{selftest.Fail("sigpad packets", fmt.Sprintf("after %d packets: %v", packets, err), "replug the signature pad and check its cable")}
		}
		packets++
		if s.Down {
			down++
		}
	}
	took := t.o.Clock.Now().Sub(start)
	sig := pad.Signature()
	st := sigpad.Measure(sig)
	out := []selftest.Check{selftest.Pass("sigpad packets", fmt.Sprintf("%d samples (%d pen-down) in %s", packets, down, took.Round(10*time.Millisecond)))}
	if st.Points == 0 {
		out[0] = selftest.Fail("sigpad packets", fmt.Sprintf("%d samples, none with the pen down", packets),
			"press the pen on the pad while drawing; if the pen is not seen touching, replace the pen or the pad")
		return out
	}
	const name = "sigpad strokes"
	value := fmt.Sprintf("%d strokes, %d points, ink box %dx%d", st.Strokes, st.Points, st.BBox.Dx(), st.BBox.Dy())
	rules := sigpad.Rules{MinPoints: t.cfg.Signature.MinPoints, MinDuration: t.cfg.Signature.MinDuration.D(),
		MinInk: t.cfg.Signature.MinInk, MinBox: t.cfg.Signature.MinBox}
	reasons := rules.Validate(sig)
	for _, r := range reasons {
		if r.Code == sigpad.ReasonOutOfRange {
			return append(out, selftest.Fail(name, value+": "+r.Detail, "the pad reports coordinates beyond its range: check [hardware] sigpad's max= setting or the pad model"))
		}
	}
	if want != nil {
		if diff := compareStrokes(sig.Strokes, want); diff != "" {
			return append(out, selftest.Fail(name, value+": "+diff, "the decoder lost or garbled packets: check the protocol and the line (noise=) of [hardware] sigpad"))
		}
		value += ", identical to the strokes sent"
	}
	if len(reasons) > 0 {
		if isSim {
			return append(out, selftest.Fail(name, fmt.Sprintf("%s: refused: %v", value, sigpad.Codes(reasons)), "the simulated signature does not pass [signature]'s rules: use another strokes file or check the rules"))
		}
		c := selftest.Pass(name, value)
		c.Remedy = fmt.Sprintf("a candidate's signature like this would be refused (%v); fine for a test drawing", sigpad.Codes(reasons))
		return append(out, c)
	}
	return append(out, selftest.Pass(name, value+", accepted by the signature rules"))
}
