// Package fakepin is an in-process GPIO pin that implements periph.io's
// gpio.PinIO: outputs remember their level, inputs are driven from outside
// with Set and report edges to WaitForEdge. The simulated panel (gpiosim)
// and the panel's tests run the real panel code over these pins.
//
// periph.io's own conn/v3/gpio/gpiotest.Pin does the same job, but it needs
// github.com/jonboulle/clockwork in go.mod; this package needs nothing and
// lets Halt interrupt a pending WaitForEdge, as the gpioioctl driver does.
package fakepin

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/pin"
)

// Pin is one simulated GPIO line. The zero value is not usable: call New.
type Pin struct {
	name string
	num  int

	mu     sync.Mutex
	level  gpio.Level
	pull   gpio.Pull
	edge   gpio.Edge
	output bool
	writes int
	// changed is closed and replaced whenever the level changes.
	changed chan struct{}

	edges chan struct{} // one pending edge, buffered
	halt  chan struct{} // one pending Halt, buffered
}

var _ gpio.PinIO = (*Pin)(nil)

// New makes a pin called name, low, neither input nor output yet.
func New(name string, num int) *Pin {
	return &Pin{
		name: name, num: num,
		changed: make(chan struct{}),
		edges:   make(chan struct{}, 1),
		halt:    make(chan struct{}, 1),
	}
}

// Set drives an input pin from outside (the sensor). A change of level
// is an edge when the pin was configured for that edge.
func (p *Pin) Set(l gpio.Level) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l == p.level {
		return
	}
	p.setLocked(l)
	if p.edge == gpio.BothEdges || p.edge == gpio.RisingEdge && bool(l) || p.edge == gpio.FallingEdge && !bool(l) {
		select {
		case p.edges <- struct{}{}:
		default: // an edge is already pending: WaitForEdge reports one
		}
	}
}

func (p *Pin) setLocked(l gpio.Level) {
	if l != p.level {
		p.level = l
		close(p.changed)
		p.changed = make(chan struct{})
	}
}

// Level is the pin's level now.
func (p *Pin) Level() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.level
}

// Changed returns a channel closed at the next change of level: tests wait
// on it instead of sleeping.
func (p *Pin) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

// IsOutput reports whether the pin was last set up as an output.
func (p *Pin) IsOutput() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output
}

// Writes counts the calls to Out.
func (p *Pin) Writes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writes
}

func (p *Pin) String() string   { return fmt.Sprintf("%s(%d)", p.name, p.num) }
func (p *Pin) Name() string     { return p.name }
func (p *Pin) Number() int      { return p.num }
func (p *Pin) Function() string { return string(p.Func()) }

// Func is IN or OUT.
func (p *Pin) Func() pin.Func {
	if p.IsOutput() {
		return gpio.OUT
	}
	return gpio.IN
}

// Halt interrupts a pending WaitForEdge.
func (p *Pin) Halt() error {
	select {
	case p.halt <- struct{}{}:
	default:
	}
	return nil
}

// In makes the pin an input. PullUp and PullDown set its idle level.
func (p *Pin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.output, p.pull, p.edge = false, pull, edge
	switch pull {
	case gpio.PullUp:
		p.setLocked(gpio.High)
	case gpio.PullDown:
		p.setLocked(gpio.Low)
	}
	select { // forget edges from before
	case <-p.edges:
	default:
	}
	return nil
}

// Read returns the level.
func (p *Pin) Read() gpio.Level { return p.Level() }

// WaitForEdge waits up to timeout (forever if timeout < 0) for an edge,
// or until Halt.
func (p *Pin) WaitForEdge(timeout time.Duration) bool {
	p.mu.Lock()
	edge := p.edge
	p.mu.Unlock()
	if edge == gpio.NoEdge {
		return false
	}
	select { // a pending edge wins over a zero timeout
	case <-p.edges:
		return true
	default:
	}
	var after <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		after = t.C
	}
	select {
	case <-p.edges:
		return true
	case <-p.halt:
		return false
	case <-after:
		return false
	}
}

func (p *Pin) Pull() gpio.Pull {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pull
}

func (p *Pin) DefaultPull() gpio.Pull { return gpio.Float }

// Out makes the pin an output at level l.
func (p *Pin) Out(l gpio.Level) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.output = true
	p.writes++
	p.setLocked(l)
	return nil
}

// PWM is not simulated.
func (p *Pin) PWM(gpio.Duty, physic.Frequency) error {
	return errors.New("fakepin: PWM not simulated")
}
