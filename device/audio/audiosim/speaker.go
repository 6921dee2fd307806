// Package audiosim has the simulated sound devices, registered as "sim" in
// audio.SpeakerBackends and audio.MicrophoneBackends:
//
//   - a speaker that writes each prompt it plays as a WAV file into a folder
//     (sim:var/audio) and logs it, taking as long as the audio lasts on the
//     injected clock, so an interrupted prompt is interrupted in tests too;
//   - a microphone that plays the audio it is given in step with the
//     injected clock, with noise, and that speaks digits from espeak-ng
//     recordings (one WAV per digit, made by `make prompts`), with a
//     configurable offset, noise, silence and wrong-digits modes.
package audiosim

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/logx"
)

func init() {
	audio.SpeakerBackends.RegisterSim("sim", func(ctx context.Context, arg string, env hw.Env) (audio.Speaker, error) {
		dir := arg
		if dir == "" {
			if env.StateDir == "" {
				return nil, fmt.Errorf("audiosim: speaker: no folder: write sim:FOLDER (e.g. sim:var/audio)")
			}
			dir = filepath.Join(env.StateDir, "audio")
		} else {
			dir = env.Resolve(dir)
		}
		return NewSpeaker(dir, env.Clock, env.Log)
	})
	audio.MicrophoneBackends.RegisterSim("sim", func(ctx context.Context, arg string, env hw.Env) (audio.Microphone, error) {
		o, err := ParseMicArg(arg)
		if err != nil {
			return nil, err
		}
		if o.Digits != "" {
			o.Digits = env.Resolve(o.Digits)
		}
		return NewMic(o, env.Clock, env.Rand)
	})
}

// Speaker is the simulated speaker.
type Speaker struct {
	audio.Level
	dir string
	clk clock.Clock
	log *slog.Logger

	mu     sync.Mutex
	n      int
	closed bool
	played []Played
}

// Played is one prompt the simulated speaker played.
type Played struct {
	Label string
	File  string
	// Interrupted: Play's context ended before the audio did.
	Interrupted bool
}

var _ audio.Speaker = (*Speaker)(nil)

// NewSpeaker makes a speaker writing into dir (created if missing).
func NewSpeaker(dir string, clk clock.Clock, log *slog.Logger) (*Speaker, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	if log == nil {
		log = logx.Discard()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("audiosim: speaker: %w", err)
	}
	return &Speaker{dir: dir, clk: clk, log: log}, nil
}

// Dir is the folder the played audio is written to.
func (s *Speaker) Dir() string { return s.dir }

// Play writes the audio (at the volume) to the next file and waits as long
// as it lasts.
func (s *Speaker) Play(ctx context.Context, pcm audio.PCM) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := pcm.Check(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("audiosim: %w", audio.ErrClosed)
	}
	s.n++
	n := s.n
	s.mu.Unlock()
	out, ok := s.Apply(pcm)
	if !ok {
		s.log.Info("audio sim: muted", "label", pcm.Label)
		return nil
	}
	name := fmt.Sprintf("%04d-%s.wav", n, fileLabel(pcm.Label))
	path := filepath.Join(s.dir, name)
	if err := audio.WriteWAV(path, out); err != nil {
		return fmt.Errorf("audiosim: speaker: %w", err)
	}
	s.log.Info("audio sim: playing", "label", pcm.Label, "duration", pcm.Duration().String(), "file", path)
	p := Played{Label: pcm.Label, File: path}
	t := s.clk.NewTimer(pcm.Duration())
	defer t.Stop()
	var err error
	select {
	case <-t.C():
	case <-ctx.Done():
		p.Interrupted, err = true, ctx.Err()
		s.log.Info("audio sim: interrupted", "label", pcm.Label)
	}
	s.mu.Lock()
	s.played = append(s.played, p)
	s.mu.Unlock()
	return err
}

// Played lists what was played (finished or interrupted), in order.
func (s *Speaker) Played() []Played {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Played(nil), s.played...)
}

// Close ends the speaker.
func (s *Speaker) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// fileLabel makes a label safe in a file name.
func fileLabel(l string) string {
	if l == "" {
		return "audio"
	}
	b := []byte(l)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return strings.Trim(string(b), "._")
}
