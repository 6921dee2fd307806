package padsim

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/device/sigpad"
)

func loadSig(t *testing.T) sigpad.Signature {
	t.Helper()
	s, err := Load("../../../sim/signature.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// readReplay reads one replay's samples off the pad and checks them
// against what the simulator sent.
func readReplay(t *testing.T, ctx context.Context, pad sigpad.Pad, want []sigpad.Sample) {
	t.Helper()
	last := int64(-1)
	for i, w := range want {
		got, err := pad.Next(ctx)
		if err != nil {
			t.Fatalf("sample %d of %d: %v", i, len(want), err)
		}
		if got.X != w.X || got.Y != w.Y || got.Down != w.Down || got.P != w.P {
			t.Fatalf("sample %d: got %+v, want %+v", i, got, w)
		}
		if got.T < last {
			t.Fatalf("sample %d: time %d before %d", i, got.T, last)
		}
		last = got.T
	}
	// The strokes are the simulator's, with the clock's times.
	b := sigpad.NewBuilder(pad.Info())
	for _, w := range want {
		b.Add(w)
	}
	exp, got := b.Signature(), pad.Signature()
	// Validated at the pad's own pace (the test replays faster).
	if rs := sigpad.DefaultRules.Validate(exp); len(rs) != 0 {
		t.Fatalf("refused: %v", sigpad.Codes(rs))
	}
	if len(got.Strokes) != len(exp.Strokes) {
		t.Fatalf("%d strokes, want %d", len(got.Strokes), len(exp.Strokes))
	}
	for i := range exp.Strokes {
		for j := range exp.Strokes[i] {
			exp.Strokes[i][j].T = got.Strokes[i][j].T
		}
	}
	if !reflect.DeepEqual(got, exp) {
		t.Fatal("strokes differ from the simulator's")
	}
}

// TestPTY runs each real driver against the simulator over a pty, with
// line noise, then pulls the cable, plugs it in again and signs again.
func TestPTY(t *testing.T) {
	for _, proto := range []string{"topaz", "wacom4"} {
		t.Run(proto, func(t *testing.T) {
			ctx := ctxT(t, 60*time.Second)
			sim, err := New(loadSig(t), Options{Proto: proto, Noise: 0.3, Speed: 8, Rand: entropy.Seeded(42), Log: logx.Discard()})
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			want := sim.Samples()
			for round := 0; round < 2; round++ {
				pad, err := sim.OpenDriver(ctx, clock.Real{})
				if err != nil {
					t.Fatal(err)
				}
				if err := sim.WaitStarted(ctx); err != nil {
					t.Fatal(err)
				}
				if pad.Info() != sim.Info() {
					t.Errorf("driver info %+v, simulator %+v", pad.Info(), sim.Info())
				}
				if err := sim.Sign(); err != nil {
					t.Fatal(err)
				}
				if err := sim.Sign(); !errors.Is(err, ErrBusy) {
					t.Errorf("second Sign: %v", err)
				}
				readReplay(t, ctx, pad, want)
				// Pull the cable: the driver reports the pad gone.
				if err := sim.Disconnect(); err != nil {
					t.Fatal(err)
				}
				if _, err := pad.Next(ctx); !errors.Is(err, sigpad.ErrPadGone) {
					t.Fatalf("after disconnect: %v", err)
				}
				if err := sim.Sign(); !errors.Is(err, ErrDisconnected) {
					t.Errorf("Sign while disconnected: %v", err)
				}
				pad.Close()
				if err := sim.Reconnect(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestBackend(t *testing.T) {
	ctx := ctxT(t, 60*time.Second)
	env := hw.Env{Clock: clock.Real{}, Rand: entropy.Seeded(1), Log: logx.Discard(), ConfigDir: "../../.."}
	p, rep := sigpad.Backends.Open(ctx, "sim:wacom4:sim/signature.json,speed=10,noise=0.1", env)
	if rep.Status != hw.Loaded {
		t.Fatal(rep)
	}
	defer p.Close()
	ctl, ok := p.(sigpad.SimControl)
	if !ok {
		t.Fatal("the sim pad is not a SimControl")
	}
	sp := p.(*Pad)
	for round := 0; round < 2; round++ {
		// Sign waits for the driver's set-up itself.
		if err := ctl.Sign(); err != nil {
			t.Fatal(err)
		}
		readReplay(t, ctx, p, sp.Sim().Samples())
		if err := p.Clear(); err != nil || p.Signature().Points() != 0 {
			t.Fatalf("clear: %v", err)
		}
		ctl.Disconnect()
		if _, err := p.Next(ctx); !errors.Is(err, sigpad.ErrPadGone) {
			t.Fatalf("after disconnect: %v", err)
		}
		if err := ctl.Reconnect(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCut(t *testing.T) {
	ctx := ctxT(t, 60*time.Second)
	env := hw.Env{Clock: clock.Real{}, Log: logx.Discard(), ConfigDir: "../../.."}
	p, rep := sigpad.Backends.Open(ctx, "sim:topaz:sim/signature.json,speed=10,cut=1s", env)
	if rep.Status != hw.Loaded {
		t.Fatal(rep)
	}
	defer p.Close()
	if err := p.(sigpad.SimControl).Sign(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		_, err := p.Next(ctx)
		if err != nil {
			if !errors.Is(err, sigpad.ErrPadGone) {
				t.Fatalf("after %d samples: %v", n, err)
			}
			break
		}
		n++
	}
	// A second's worth of reports at most got through.
	if n == 0 || n > 120 {
		t.Errorf("%d samples before the cut", n)
	}
}

func TestOptions(t *testing.T) {
	for _, c := range []struct {
		arg  string
		file string
		o    Options
		err  string
	}{
		{"topaz:sim/signature.json", "sim/signature.json", Options{Proto: "topaz"}, ""},
		{"wacom4:a.json,noise=0.1,speed=2,cut=1.5s", "a.json", Options{Proto: "wacom4", Noise: 0.1, Speed: 2, Cut: 1500 * time.Millisecond}, ""},
		{"topaz", "", Options{}, "want PROTO:strokes.json"},
		{"serial:a.json", "", Options{}, "protocol \"serial\""},
		{"topaz:a.json,loud=1", "", Options{}, "unknown option"},
		{"topaz:a.json,noise=x", "", Options{}, "option noise"},
		{"topaz:a.json,cut=5", "", Options{}, "option cut"},
	} {
		file, o, err := ParseArg(c.arg)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want %q", c.arg, err, c.err)
			}
			continue
		}
		if err != nil || file != c.file || o != c.o {
			t.Errorf("%q: %q %+v %v", c.arg, file, o, err)
		}
	}
	sig := loadSig(t)
	for _, c := range []struct {
		s    sigpad.Signature
		o    Options
		want string
	}{
		{sigpad.Signature{Pad: sig.Pad}, Options{Proto: "topaz"}, "empty"},
		{sig, Options{Proto: "x"}, "protocol"},
		{sig, Options{Proto: "topaz", Noise: 2}, "noise"},
		{sig, Options{Proto: "topaz", Speed: -1}, "speed"},
		{sig, Options{Proto: "topaz", Cut: -1}, "cut"},
	} {
		if _, err := New(c.s, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v): %v, want %q", c.o, err, c.want)
		}
	}
	env := hw.Env{ConfigDir: t.TempDir()}
	if _, rep := sigpad.Backends.Open(context.Background(), "sim:topaz:missing.json", env); rep.Status != hw.Failed || !strings.Contains(rep.Err.Error(), "missing.json") {
		t.Errorf("missing file: %v", rep)
	}
}
