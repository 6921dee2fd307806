package gpio

import (
	"errors"
	"testing"
	"time"
)

func TestStatusSignals(t *testing.T) {
	tests := []struct {
		s    Status
		want Signal
	}{
		{Off, Signal{Colour: Black}},
		{Starting, Signal{Colour: Green, Blink: true}},
		{Ready, Signal{Colour: Green}},
		{Busy, Signal{Colour: Blue}},
		{Degraded, Signal{Colour: Yellow}},
		{Fault, Signal{Colour: Red, Blink: true}},
		{Status(42), Signal{}},
	}
	for _, tt := range tests {
		if got := tt.s.Signal(); got != tt.want {
			t.Errorf("%v.Signal() = %+v, want %+v", tt.s, got, tt.want)
		}
	}
	if len(Statuses()) != len(tests)-1 {
		t.Fatalf("Statuses() has %d, table %d", len(Statuses()), len(tests)-1)
	}
	for _, s := range Statuses() {
		back, err := ParseStatus(s.String())
		if err != nil || back != s {
			t.Errorf("ParseStatus(%q) = %v, %v", s, back, err)
		}
	}
	if _, err := ParseStatus("amber"); err == nil {
		t.Error("ParseStatus(amber) did not fail")
	}
}

func TestBlink(t *testing.T) {
	g := Fault.Signal()
	for _, tt := range []struct {
		at   time.Duration
		want Colour
	}{{0, Red}, {499 * time.Millisecond, Red}, {500 * time.Millisecond, Black}, {999 * time.Millisecond, Black}, {time.Second, Red}, {-time.Second, Red}} {
		if got := g.ColourAt(tt.at); got != tt.want {
			t.Errorf("fault at %v: %v, want %v", tt.at, got, tt.want)
		}
	}
	if got := Ready.Signal().ColourAt(700 * time.Millisecond); got != Green {
		t.Errorf("ready at 700ms: %v", got)
	}
	if Yellow.String() != "yellow" || Colour(9).String() != "Colour(9)" {
		t.Errorf("colour names: %v %v", Yellow, Colour(9))
	}
}

type lightRecorder struct {
	Panel
	on    bool
	calls []bool
	err   error
}

func (l *lightRecorder) SetLight(on bool) error {
	l.calls = append(l.calls, on)
	if l.err != nil {
		return l.err
	}
	l.on = on
	return nil
}

func TestWithLight(t *testing.T) {
	rec := &lightRecorder{}
	boom := errors.New("camera gone")
	err := WithLight(rec, func() error {
		if !rec.on {
			t.Error("light off during capture")
		}
		return boom
	})
	if !errors.Is(err, boom) || rec.on || len(rec.calls) != 2 {
		t.Fatalf("err %v, on %v, calls %v", err, rec.on, rec.calls)
	}
	rec = &lightRecorder{err: errors.New("pin gone")}
	ran := false
	if err := WithLight(rec, func() error { ran = true; return nil }); err == nil || ran {
		t.Fatalf("light failure: err %v, capture ran %v", err, ran)
	}
	if err := WithLight(nil, func() error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("nil panel: %v %v", err, ran)
	}
}
