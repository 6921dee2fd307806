package fakepin

import (
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
)

func TestEdges(t *testing.T) {
	tests := []struct {
		edge       gpio.Edge
		to         gpio.Level
		wantEdge   bool
		startLevel gpio.Level
	}{
		{gpio.BothEdges, gpio.High, true, gpio.Low},
		{gpio.BothEdges, gpio.Low, true, gpio.High},
		{gpio.RisingEdge, gpio.High, true, gpio.Low},
		{gpio.RisingEdge, gpio.Low, false, gpio.High},
		{gpio.FallingEdge, gpio.Low, true, gpio.High},
		{gpio.FallingEdge, gpio.High, false, gpio.Low},
		{gpio.BothEdges, gpio.Low, false, gpio.Low}, // no change, no edge
	}
	for _, tt := range tests {
		p := New("P", 1)
		p.Set(tt.startLevel)
		if err := p.In(gpio.PullNoChange, tt.edge); err != nil {
			t.Fatal(err)
		}
		p.Set(tt.to)
		if got := p.WaitForEdge(0); got != tt.wantEdge {
			t.Errorf("%v %v->%v: edge %v, want %v", tt.edge, tt.startLevel, tt.to, got, tt.wantEdge)
		}
		if p.Read() != tt.to {
			t.Errorf("level %v, want %v", p.Read(), tt.to)
		}
	}
}

func TestNoEdgeConfiguredNeverWaits(t *testing.T) {
	p := New("P", 1)
	p.In(gpio.PullDown, gpio.NoEdge)
	p.Set(gpio.High)
	if p.WaitForEdge(-1) {
		t.Fatal("edge reported on a pin without edge detection")
	}
}

func TestHaltInterruptsWait(t *testing.T) {
	p := New("P", 1)
	p.In(gpio.PullNoChange, gpio.BothEdges)
	done := make(chan bool)
	go func() { done <- p.WaitForEdge(-1) }()
	p.Halt()
	select {
	case got := <-done:
		if got {
			t.Fatal("Halt reported as an edge")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Halt did not interrupt WaitForEdge")
	}
}

func TestPullsOutputsAndChanged(t *testing.T) {
	p := New("P", 3)
	p.In(gpio.PullUp, gpio.NoEdge)
	if p.Read() != gpio.High || p.Pull() != gpio.PullUp || p.IsOutput() {
		t.Fatalf("pull-up input: level %v pull %v output %v", p.Read(), p.Pull(), p.IsOutput())
	}
	changed := p.Changed()
	p.Out(gpio.Low)
	select {
	case <-changed:
	default:
		t.Fatal("Changed not closed by a new level")
	}
	p.Out(gpio.Low)
	if !p.IsOutput() || p.Writes() != 2 || p.Func() != gpio.OUT || p.String() != "P(3)" {
		t.Fatalf("output: %v writes %d func %v %s", p.IsOutput(), p.Writes(), p.Func(), p)
	}
	if err := p.PWM(gpio.DutyHalf, 0); err == nil {
		t.Fatal("PWM did not fail")
	}
}
