package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// EventKind says what an Event is.
type EventKind int

const (
	// Tap is a touch (or mouse click) at Pos; Action is what it hit.
	Tap EventKind = iota + 1
	// Key is a key press (development keyboards); Action is the shortcut
	// the key maps to on the current frame, if any.
	Key
	// Close is a request to close the window (or the end of the frames).
	Close
)

func (k EventKind) String() string {
	switch k {
	case Tap:
		return "tap"
	case Key:
		return "key"
	case Close:
		return "close"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is input from the presenter, in frame coordinates.
type Event struct {
	Kind   EventKind
	Pos    image.Point // Tap: where, in frame pixels
	Key    string      // Key: "escape", "enter", "l", "0".."9", ...
	Action string      // the target hit or the key's shortcut ("" none)
	Screen string      // the Name of the frame shown when it happened
}

// Presenter shows frames and reports input. Run shows each frame received
// on frames (the newest wins when several are waiting) and sends input to
// events until ctx ends, frames is closed, or the user closes the window;
// the receiver must keep reading events. Presenters that need the main OS
// thread (ui/glfw) must be Run from main.
type Presenter interface {
	Run(ctx context.Context, frames <-chan *Frame, events chan<- Event) error
}

// keyShortcuts maps development keys to actions, tried in order; the first
// action present on the current frame wins.
var keyShortcuts = map[string][]string{
	"escape":    {ActionCancel, ActionExit},
	"enter":     {ActionConfirm, ActionUsePhoto, ActionOK, ActionRetry, ActionStart, ActionFinish},
	"backspace": {ActionDelete, ActionClear},
	"l":         {ActionLang},
	"r":         {ActionRetry, ActionRetake},
	"c":         {ActionClear},
	"t":         {ActionTech},
}

// KeyAction returns the action key stands for on frame f ("" none): digits
// press PIN pad digits, Escape cancels, Enter confirms, L switches language.
func KeyAction(f *Frame, key string) string {
	if f == nil {
		return ""
	}
	if len(key) == 1 && key[0] >= '0' && key[0] <= '9' {
		if _, ok := f.Find(key); ok {
			return key
		}
		return ""
	}
	for _, a := range keyShortcuts[key] {
		if _, ok := f.Find(a); ok {
			return a
		}
	}
	return ""
}

// ErrNoTarget is returned by Headless.Press when the frame shown has no
// target of the action.
var ErrNoTarget = errors.New("no such target on the screen")

// Headless is a Presenter without a display: it keeps the newest frame,
// saves each distinct screen (a change of screen name or language) as
// NN-name.png in Dir (when Dir is set), and turns Tap/Press calls into
// events, as a touch would. Make one with NewHeadless.
type Headless struct {
	// Dir receives the screenshots ("" saves none).
	Dir string

	mu      sync.Mutex
	cur     *Frame
	n       int
	last    string // name+lang of the last saved screen
	written time.Time
	saved   []string
	shown   chan struct{} // closed and replaced on each new frame
	input   chan Event
	running bool
}

// NewHeadless returns a headless presenter saving screenshots in dir.
func NewHeadless(dir string) *Headless {
	return &Headless{Dir: dir, shown: make(chan struct{}), input: make(chan Event, 16)}
}

var _ Presenter = (*Headless)(nil)

// Run implements Presenter. It returns nil when ctx ends or frames is
// closed, after sending a Close event, or the first error saving a
// screenshot.
func (h *Headless) Run(ctx context.Context, frames <-chan *Frame, events chan<- Event) error {
	h.mu.Lock()
	if h.running {
		h.mu.Unlock()
		return errors.New("ui: headless: already running")
	}
	h.running = true
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.running = false
		h.mu.Unlock()
	}()
	if h.Dir != "" {
		if err := os.MkdirAll(h.Dir, 0o755); err != nil {
			return fmt.Errorf("ui: headless: %w", err)
		}
	}
	send := func(ev Event) bool {
		select {
		case events <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case f, ok := <-frames:
			if !ok {
				h.mu.Lock()
				name := h.screenLocked()
				h.mu.Unlock()
				send(Event{Kind: Close, Screen: name})
				return nil
			}
			if err := h.show(f); err != nil {
				return err
			}
		case ev := <-h.input:
			if !send(ev) {
				return nil
			}
		}
	}
}

func (h *Headless) screenLocked() string {
	if h.cur == nil {
		return ""
	}
	return h.cur.Screen
}

// show makes f current and saves it if it is a new screen. While a screen
// stays up its file is rewritten at most once a second, so that it ends up
// showing the screen as it last looked (a live preview, a countdown).
func (h *Headless) show(f *Frame) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cur = f
	close(h.shown)
	h.shown = make(chan struct{})
	if h.Dir == "" {
		return nil
	}
	key := f.Screen + "/" + string(f.Lang)
	if key == h.last {
		if time.Since(h.written) < time.Second {
			return nil
		}
		h.written = time.Now()
		if err := writePNG(h.saved[len(h.saved)-1], f.Image); err != nil {
			return fmt.Errorf("ui: headless: save screen: %w", err)
		}
		return nil
	}
	h.last = key
	h.n++
	path := filepath.Join(h.Dir, fmt.Sprintf("%02d-%s.png", h.n, f.Screen))
	h.written = time.Now()
	if err := writePNG(path, f.Image); err != nil {
		return fmt.Errorf("ui: headless: save screen: %w", err)
	}
	h.saved = append(h.saved, path)
	return nil
}

func writePNG(path string, img image.Image) error {
	tmp := path + ".tmp"
	fh, err := os.Create(tmp)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(fh, img); err != nil {
		fh.Close()
		os.Remove(tmp)
		return err
	}
	if err := fh.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// Current returns the frame shown (nil before the first).
func (h *Headless) Current() *Frame {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur
}

// Saved returns the paths of the screenshots saved so far.
func (h *Headless) Saved() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.saved...)
}

// Tap touches the current frame at p: Run sends the Tap event. Up to 16
// taps wait for Run; more block until it reads them.
func (h *Headless) Tap(p image.Point) {
	h.mu.Lock()
	ev := Event{Kind: Tap, Pos: p}
	if h.cur != nil {
		ev.Action, ev.Screen = h.cur.Hit(p), h.cur.Screen
	}
	h.mu.Unlock()
	h.input <- ev
}

// Press taps the middle of the current frame's target of action, or
// returns ErrNoTarget.
func (h *Headless) Press(action string) error {
	h.mu.Lock()
	cur := h.cur
	h.mu.Unlock()
	if cur == nil {
		return fmt.Errorf("ui: headless: press %q: %w (no frame shown yet)", action, ErrNoTarget)
	}
	t, ok := cur.Find(action)
	if !ok {
		return fmt.Errorf("ui: headless: press %q on %s: %w", action, cur.Screen, ErrNoTarget)
	}
	h.Tap(image.Pt((t.Rect.Min.X+t.Rect.Max.X)/2, (t.Rect.Min.Y+t.Rect.Max.Y)/2))
	return nil
}

// WaitScreen blocks until a frame of the named screen is shown, or ctx
// ends. It returns that frame.
func (h *Headless) WaitScreen(ctx context.Context, name string) (*Frame, error) {
	for {
		h.mu.Lock()
		cur, shown := h.cur, h.shown
		h.mu.Unlock()
		if cur != nil && cur.Screen == name {
			return cur, nil
		}
		select {
		case <-shown:
		case <-ctx.Done():
			got := "nothing"
			if cur != nil {
				got = cur.Screen
			}
			return nil, fmt.Errorf("ui: headless: wait for screen %s (showing %s): %w", name, got, ctx.Err())
		}
	}
}

// WaitTarget blocks until a frame with a target of action is shown, or ctx
// ends. It returns that frame.
func (h *Headless) WaitTarget(ctx context.Context, action string) (*Frame, error) {
	for {
		h.mu.Lock()
		cur, shown := h.cur, h.shown
		h.mu.Unlock()
		if cur != nil {
			if _, ok := cur.Find(action); ok {
				return cur, nil
			}
		}
		select {
		case <-shown:
		case <-ctx.Done():
			return nil, fmt.Errorf("ui: headless: wait for a %s button: %w", action, ctx.Err())
		}
	}
}
