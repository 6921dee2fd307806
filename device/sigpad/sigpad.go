package sigpad

import (
	"context"
	"errors"
	"fmt"

	"github.com/hbzk/kiosk/device/hw"
)

// Backends is the registry of signature pad backends: "topaz:/dev/sigpad",
// "wacom4:/dev/sigpad", "sim:topaz:sim/signature.json".
var Backends = hw.NewRegistry[Pad]("sigpad")

// Sample is one report of the pen.
type Sample struct {
	// T is the time in milliseconds since the first pen-down sample of the
	// signature (0 for samples before it).
	T int64 `json:"t"`
	// X and Y are in device units, 0..Info.MaxX and 0..Info.MaxY, origin
	// top left.
	X int `json:"x"`
	Y int `json:"y"`
	// P is the pressure 0..1 when the pad reports it (Info.Pressure), else 0.
	P float64 `json:"p,omitempty"`
	// Down is true while the pen touches the pad. Samples kept in a Stroke
	// are all pen-down; the live stream also carries pen-up (hover) samples
	// so the screen sees the lift.
	Down bool `json:"-"`
}

// Stroke is the pen-down samples between a pen-down and the next pen-up.
type Stroke []Sample

// Info describes a pad: its coordinate range and resolution.
type Info struct {
	// Model is the pad's name ("Topaz serial", "Wacom Digitizer II").
	Model string `json:"model,omitempty"`
	// MaxX and MaxY are the largest coordinates the pad reports.
	MaxX int `json:"max_x"`
	MaxY int `json:"max_y"`
	// ResX and ResY are device units per millimetre.
	ResX float64 `json:"res_x"`
	ResY float64 `json:"res_y"`
	// Pressure says whether samples carry pressure.
	Pressure bool `json:"pressure"`
	// PressureLevels is the number of pressure steps (256 for a Wacom
	// protocol IV pad); 0 without pressure.
	PressureLevels int `json:"pressure_levels,omitempty"`
}

// Signature is the strokes of one signature and the pad they came from.
type Signature struct {
	Pad     Info     `json:"pad"`
	Strokes []Stroke `json:"strokes"`
}

// Points is the number of pen-down samples.
func (s Signature) Points() int {
	n := 0
	for _, st := range s.Strokes {
		n += len(st)
	}
	return n
}

// Clone returns a deep copy.
func (s Signature) Clone() Signature {
	out := Signature{Pad: s.Pad, Strokes: make([]Stroke, len(s.Strokes))}
	for i, st := range s.Strokes {
		out.Strokes[i] = append(Stroke(nil), st...)
	}
	return out
}

// Pad is a connected signature pad.
type Pad interface {
	// Info is the pad's coordinate range and resolution.
	Info() Info
	// Next waits for the next sample of the pen, pen-down or pen-up, in
	// the order the pad sent them. When the pad is unplugged or its line
	// closes it returns an error that matches ErrPadGone (errors.Is);
	// the samples received before are delivered first.
	Next(ctx context.Context) (Sample, error)
	// Signature is the signature so far: every pen-down sample received
	// since the pad was opened or last cleared, whether or not Next has
	// returned it yet.
	Signature() Signature
	// Clear forgets the signature so far and any sample not yet returned
	// by Next (the candidate pressed "Clear").
	Clear() error
	// Close releases the pad. Next then returns ErrClosed.
	Close() error
}

// SimControl is implemented by the pads the "sim" backend returns: a
// simulated candidate that the demo driver or a control panel can make sign.
type SimControl interface {
	// Sign starts replaying the recorded signature; it returns at once.
	Sign() error
	// Disconnect pulls the simulated cable: the pad's Next returns
	// ErrPadGone after the samples already sent.
	Disconnect() error
	// Reconnect plugs the simulated pad in again.
	Reconnect() error
}

// ErrPadGone is matched (errors.Is) by the error Next returns when the pad
// went away: cable pulled, USB serial adapter gone, line closed.
var ErrPadGone = errors.New("sigpad: pad gone")

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("sigpad: pad closed")

// GoneError is the pad-gone error with its cause.
type GoneError struct {
	// Cause is the read error that ended the stream (io.EOF, EIO, ...).
	Cause error
}

func (e *GoneError) Error() string { return fmt.Sprintf("sigpad: pad gone: %v", e.Cause) }

// Is makes errors.Is(err, ErrPadGone) true.
func (e *GoneError) Is(target error) bool { return target == ErrPadGone }

// Unwrap gives the cause.
func (e *GoneError) Unwrap() error { return e.Cause }

// Builder turns a stream of samples into strokes: a pen-down sample starts
// or continues a stroke, a pen-up sample ends it. Its zero value is ready.
type Builder struct {
	sig  Signature
	open bool
	t0   int64
	has0 bool
}

// NewBuilder starts an empty signature from a pad.
func NewBuilder(info Info) *Builder { return &Builder{sig: Signature{Pad: info}} }

// Add takes the next sample. Times are made relative to the first pen-down
// sample; it returns the sample with its relative time.
func (b *Builder) Add(s Sample) Sample {
	if s.Down && !b.has0 {
		b.t0, b.has0 = s.T, true
	}
	if b.has0 {
		s.T -= b.t0
		if s.T < 0 {
			s.T = 0
		}
	} else {
		s.T = 0
	}
	if !s.Down {
		b.open = false
		return s
	}
	if !b.open {
		b.sig.Strokes = append(b.sig.Strokes, nil)
		b.open = true
	}
	i := len(b.sig.Strokes) - 1
	b.sig.Strokes[i] = append(b.sig.Strokes[i], s)
	return s
}

// Signature is a copy of the strokes so far.
func (b *Builder) Signature() Signature { return b.sig.Clone() }

// Reset forgets the strokes.
func (b *Builder) Reset() {
	b.sig.Strokes, b.open, b.has0, b.t0 = nil, false, false, 0
}
