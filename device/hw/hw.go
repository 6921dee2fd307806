// Package hw picks hardware backends by "scheme:argument" strings from the
// configuration ("sam:/dev/idreader", "sim:cards.toml"). Each backend
// registers an opener for its scheme in the registry of its device kind; the
// kiosk opens every configured device through the registries and reports each
// as loaded, skipped or failed, the way periph.io's conn/driver does.
package hw

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/hbzk/kiosk/device/clock"
)

// Spec is a parsed "scheme:argument" device string.
type Spec struct {
	Scheme string
	Arg    string
}

// String gives the spec back in its written form.
func (s Spec) String() string {
	if s.Arg == "" {
		return s.Scheme + ":"
	}
	return s.Scheme + ":" + s.Arg
}

// None is the spec of a device that is not fitted.
const None = "none"

// ParseSpec splits "scheme:argument". The scheme is lower-case letters,
// digits and '-'; the argument may be empty and may contain further colons.
// "" and "none" both mean no device.
func ParseSpec(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == None || s == None+":" {
		return Spec{Scheme: None}, nil
	}
	scheme, arg, ok := strings.Cut(s, ":")
	if !ok {
		return Spec{}, fmt.Errorf("hw: %q: want scheme:argument, e.g. \"sim:\" or \"sam:/dev/idreader\"", s)
	}
	if scheme == "" {
		return Spec{}, fmt.Errorf("hw: %q: empty scheme", s)
	}
	for _, r := range scheme {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return Spec{}, fmt.Errorf("hw: %q: scheme %q: only a-z, 0-9 and '-'", s, scheme)
		}
	}
	return Spec{Scheme: scheme, Arg: arg}, nil
}

// Env is what an opener may use: injected time and randomness, a logger,
// and the folders relative arguments are resolved against.
type Env struct {
	Clock clock.Clock
	Rand  io.Reader
	Log   *slog.Logger
	// ConfigDir is the folder of kiosk.toml: relative file arguments
	// ("sim:cards.toml") are resolved against it.
	ConfigDir string
	// StateDir is the kiosk's persistent state folder.
	StateDir string
	// RefuseSimulated makes Open fail for simulated backends (the
	// appliance profile sets it: a kiosk in an exam office confirms real
	// people through real devices only).
	RefuseSimulated bool
}

// Resolve makes a relative path argument relative to the config folder.
func (e Env) Resolve(path string) string {
	if path == "" || strings.HasPrefix(path, "/") || e.ConfigDir == "" {
		return path
	}
	return e.ConfigDir + "/" + path
}

// Opener opens one device from the argument of its spec.
type Opener[T any] func(ctx context.Context, arg string, env Env) (T, error)

// Registry maps schemes to openers for one kind of device.
type Registry[T any] struct {
	kind string
	mu   sync.Mutex
	m    map[string]Opener[T]
	sim  map[string]bool
}

// NewRegistry makes the registry of one device kind ("idcard", "camera", ...).
func NewRegistry[T any](kind string) *Registry[T] {
	return &Registry[T]{kind: kind, m: map[string]Opener[T]{}, sim: map[string]bool{}}
}

// Kind is the device kind this registry opens.
func (r *Registry[T]) Kind() string { return r.kind }

// Register adds a backend. Registering a scheme twice panics: it is a
// programming error, found at start-up.
func (r *Registry[T]) Register(scheme string, open Opener[T]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.m[scheme]; dup {
		panic(fmt.Sprintf("hw: %s backend %q registered twice", r.kind, scheme))
	}
	r.m[scheme] = open
}

// RegisterSim adds a simulated backend: a simulator, or a source of
// recorded input (a video file, a folder of frames) that is not a live
// device. Its reports say Simulated, records made with it are marked
// simulated, and an Env with RefuseSimulated does not open it.
func (r *Registry[T]) RegisterSim(scheme string, open Opener[T]) {
	r.Register(scheme, open)
	r.mu.Lock()
	r.sim[scheme] = true
	r.mu.Unlock()
}

// Simulated reports whether scheme is a simulated backend.
func (r *Registry[T]) Simulated(scheme string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sim[scheme]
}

// Schemes lists the registered schemes, sorted.
func (r *Registry[T]) Schemes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.m))
	for s := range r.m {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Status is the outcome of opening one device.
type Status int

const (
	Loaded Status = iota
	Skipped
	Failed
)

func (s Status) String() string {
	switch s {
	case Loaded:
		return "loaded"
	case Skipped:
		return "skipped"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Report says what happened to one configured device.
type Report struct {
	Kind   string
	Spec   string
	Status Status
	// Simulated: the backend is a simulator or recorded input, not a live
	// device (see RegisterSim).
	Simulated bool
	// Err is why the device failed (or was skipped).
	Err error
}

func (r Report) String() string {
	if r.Err != nil {
		return fmt.Sprintf("%s %s: %s: %v", r.Kind, r.Spec, r.Status, r.Err)
	}
	return fmt.Sprintf("%s %s: %s", r.Kind, r.Spec, r.Status)
}

// ErrUnknownScheme is returned for a spec whose scheme has no backend.
var ErrUnknownScheme = errors.New("no backend for this scheme")

// ErrSimulatedRefused is returned for a simulated backend when the Env
// refuses them (the appliance profile).
var ErrSimulatedRefused = errors.New("the appliance profile refuses simulated devices and recorded input")

// Open opens the device a spec names. A "none" spec is Skipped with a zero
// T; an unknown scheme or an opener error is Failed.
func (r *Registry[T]) Open(ctx context.Context, spec string, env Env) (T, Report) {
	var zero T
	rep := Report{Kind: r.kind, Spec: spec}
	s, err := ParseSpec(spec)
	if err != nil {
		rep.Status, rep.Err = Failed, err
		return zero, rep
	}
	if s.Scheme == None {
		rep.Status, rep.Err = Skipped, errors.New("not fitted (\"none\")")
		return zero, rep
	}
	r.mu.Lock()
	open, ok := r.m[s.Scheme]
	rep.Simulated = r.sim[s.Scheme]
	r.mu.Unlock()
	if !ok {
		rep.Status = Failed
		rep.Err = fmt.Errorf("%w %q (known: %s)", ErrUnknownScheme, s.Scheme, strings.Join(r.Schemes(), ", "))
		return zero, rep
	}
	if rep.Simulated && env.RefuseSimulated {
		rep.Status = Failed
		rep.Err = fmt.Errorf("%w: %q: configure the real %s in kiosk.toml", ErrSimulatedRefused, spec, r.kind)
		return zero, rep
	}
	dev, err := open(ctx, s.Arg, env)
	if err != nil {
		rep.Status, rep.Err = Failed, err
		return zero, rep
	}
	rep.Status = Loaded
	return dev, rep
}
