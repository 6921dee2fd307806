package hw

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Spec
		wantErr string
	}{
		{in: "sam:/dev/idreader", want: Spec{"sam", "/dev/idreader"}},
		{in: "sim:cards.toml", want: Spec{"sim", "cards.toml"}},
		{in: "sim:", want: Spec{"sim", ""}},
		{in: "v4l2:/dev/video0:640x480", want: Spec{"v4l2", "/dev/video0:640x480"}},
		{in: "", want: Spec{Scheme: None}},
		{in: "none", want: Spec{Scheme: None}},
		{in: "/dev/ttyUSB0", wantErr: "want scheme:argument"},
		{in: ":x", wantErr: "empty scheme"},
		{in: "SAM:/dev/x", wantErr: "only a-z"},
	} {
		got, err := ParseSpec(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseSpec(%q) err = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSpec(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

type thing struct{ arg string }

func TestRegistryOpenReports(t *testing.T) {
	r := NewRegistry[*thing]("widget")
	r.Register("good", func(_ context.Context, arg string, env Env) (*thing, error) {
		return &thing{env.Resolve(arg)}, nil
	})
	r.Register("bad", func(context.Context, string, Env) (*thing, error) {
		return nil, errors.New("widget: open /dev/w: permission denied")
	})
	env := Env{ConfigDir: "/etc/kiosk"}

	d, rep := r.Open(context.Background(), "good:w.toml", env)
	if rep.Status != Loaded || d == nil || d.arg != "/etc/kiosk/w.toml" {
		t.Errorf("good: %v %+v", rep, d)
	}
	_, rep = r.Open(context.Background(), "bad:/dev/w", env)
	if rep.Status != Failed || !strings.Contains(rep.String(), "permission denied") {
		t.Errorf("bad: %v", rep)
	}
	_, rep = r.Open(context.Background(), "nosuch:x", env)
	if rep.Status != Failed || !errors.Is(rep.Err, ErrUnknownScheme) || !strings.Contains(rep.Err.Error(), "bad, good") {
		t.Errorf("unknown: %v", rep)
	}
	_, rep = r.Open(context.Background(), "none", env)
	if rep.Status != Skipped {
		t.Errorf("none: %v", rep)
	}
	defer func() {
		if recover() == nil {
			t.Error("double registration did not panic")
		}
	}()
	r.Register("good", nil)
}

func TestSimulatedBackends(t *testing.T) {
	r := NewRegistry[*thing]("widget")
	opened := 0
	open := func(_ context.Context, arg string, _ Env) (*thing, error) { opened++; return &thing{arg}, nil }
	r.Register("real", open)
	r.RegisterSim("sim", open)
	if r.Simulated("real") || !r.Simulated("sim") || r.Simulated("nosuch") {
		t.Fatal("Simulated does not tell the backends apart")
	}
	if _, rep := r.Open(context.Background(), "sim:x", Env{}); rep.Status != Loaded || !rep.Simulated {
		t.Errorf("sim in dev: %v simulated=%v", rep, rep.Simulated)
	}
	if _, rep := r.Open(context.Background(), "real:x", Env{RefuseSimulated: true}); rep.Status != Loaded || rep.Simulated {
		t.Errorf("real in appliance: %v simulated=%v", rep, rep.Simulated)
	}
	opened = 0
	_, rep := r.Open(context.Background(), "sim:x", Env{RefuseSimulated: true})
	if rep.Status != Failed || !errors.Is(rep.Err, ErrSimulatedRefused) || !strings.Contains(rep.Err.Error(), "configure the real widget") || opened != 0 {
		t.Errorf("sim in appliance: %v (opened %d times)", rep, opened)
	}
}
