// Package audio is the kiosk's view of sound: PCM audio (16-bit signed,
// mono, a sample rate), WAV files, a Speaker that plays voice prompts and a
// Microphone that records the candidate. Backends register in SpeakerBackends
// ("audio out") and MicrophoneBackends ("audio in") under their scheme and
// are opened from a "scheme:argument" string (see package hw):
//
//	alsa:default, alsa:hw:1,0   a real ALSA device (drivers/alsa)
//	sim:var/audio               a simulated device (device/audio/audiosim)
//	none                        not fitted
//
// The package is pure Go; the ALSA binding lives in its own leaf package.
package audio

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/hw"
)

// PCM is mono 16-bit signed audio.
type PCM struct {
	// Rate is the sample rate in Hz.
	Rate int
	// Samples are the sample values, one per frame.
	Samples []int16
	// Label says what the audio is ("prompt attract zh"), for logs and the
	// simulated speaker's file names. It never holds personal data.
	Label string
}

// Duration is how long the audio lasts.
func (p PCM) Duration() time.Duration {
	if p.Rate <= 0 {
		return 0
	}
	return time.Duration(len(p.Samples)) * time.Second / time.Duration(p.Rate)
}

// Frames is how many samples d lasts at the PCM's rate.
func (p PCM) Frames(d time.Duration) int { return Frames(p.Rate, d) }

// Frames is how many samples d lasts at rate.
func Frames(rate int, d time.Duration) int {
	if rate <= 0 || d <= 0 {
		return 0
	}
	return int(int64(d) * int64(rate) / int64(time.Second))
}

// MinRate and MaxRate bound the sample rates the kiosk handles.
const (
	MinRate = 4000
	MaxRate = 192000
)

// ErrBadPCM is wrapped by errors about unusable audio.
var ErrBadPCM = errors.New("bad audio")

// Check reports whether the PCM's rate is usable.
func (p PCM) Check() error {
	if p.Rate < MinRate || p.Rate > MaxRate {
		return fmt.Errorf("audio: %w: sample rate %d Hz (want %d..%d)", ErrBadPCM, p.Rate, MinRate, MaxRate)
	}
	return nil
}

// Resample converts the audio to rate by linear interpolation (enough for
// voice prompts; the ALSA devices resample better when they can).
func (p PCM) Resample(rate int) PCM {
	if rate == p.Rate || p.Rate <= 0 || rate <= 0 || len(p.Samples) == 0 {
		out := p
		out.Samples = append([]int16(nil), p.Samples...)
		if p.Rate <= 0 || len(p.Samples) == 0 {
			out.Rate = rate
		}
		return out
	}
	n := int(int64(len(p.Samples)) * int64(rate) / int64(p.Rate))
	out := PCM{Rate: rate, Label: p.Label, Samples: make([]int16, n)}
	step := float64(p.Rate) / float64(rate)
	last := len(p.Samples) - 1
	for i := range out.Samples {
		x := float64(i) * step
		j := int(x)
		if j >= last {
			out.Samples[i] = p.Samples[last]
			continue
		}
		f := x - float64(j)
		out.Samples[i] = int16(math.Round(float64(p.Samples[j])*(1-f) + float64(p.Samples[j+1])*f))
	}
	return out
}

// Gain returns a copy scaled by g (0..1 for a volume), clipped to int16.
func (p PCM) Gain(g float64) PCM {
	out := PCM{Rate: p.Rate, Label: p.Label, Samples: make([]int16, len(p.Samples))}
	if g == 1 {
		copy(out.Samples, p.Samples)
		return out
	}
	for i, s := range p.Samples {
		out.Samples[i] = clip16(float64(s) * g)
	}
	return out
}

func clip16(v float64) int16 {
	v = math.Round(v)
	if v > math.MaxInt16 {
		return math.MaxInt16
	}
	if v < math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}

// Speaker plays audio.
type Speaker interface {
	// Play plays pcm and returns when it has been played, or when ctx
	// ends (the playing stops at once: cancelling ctx is how a prompt is
	// interrupted), with ctx's error. Volume and mute apply.
	Play(ctx context.Context, pcm PCM) error
	// SetVolume sets the volume, 0 (silent) to 1 (full scale).
	SetVolume(v float64)
	// SetMute mutes or unmutes the speaker; a muted speaker's Play
	// returns at once.
	SetMute(m bool)
	// Close releases the device.
	Close() error
}

// Microphone records audio.
type Microphone interface {
	// Rate is the sample rate the device records at, in Hz (the device's
	// own, which may differ from the one asked for).
	Rate() int
	// Record records for d and returns the audio. It fails with ctx's
	// error when ctx ends first, with an error wrapping ErrGone when the
	// device went away, ErrClosed after Close.
	Record(ctx context.Context, d time.Duration) (PCM, error)
	// Close releases the device.
	Close() error
}

var (
	// ErrGone means the sound device went away or stopped working.
	ErrGone = errors.New("sound device gone")
	// ErrClosed means the device was used after Close.
	ErrClosed = errors.New("sound device closed")
)

// SpeakerBackends opens speakers ("audio out") by scheme: "alsa", "sim".
var SpeakerBackends = hw.NewRegistry[Speaker]("audio out")

// MicrophoneBackends opens microphones ("audio in") by scheme: "alsa", "sim".
var MicrophoneBackends = hw.NewRegistry[Microphone]("audio in")

// Stream records from mic in chunks of length chunk and hands each to fn
// until fn returns false, ctx ends or recording fails. It returns nil when
// fn stopped it.
func Stream(ctx context.Context, mic Microphone, chunk time.Duration, fn func(PCM) bool) error {
	if chunk <= 0 {
		chunk = 20 * time.Millisecond
	}
	for {
		p, err := mic.Record(ctx, chunk)
		if err != nil {
			return err
		}
		if !fn(p) {
			return nil
		}
	}
}

// Level is a speaker's volume and mute, safe for concurrent use; backends
// embed it and apply it to what they play.
type Level struct {
	mu    sync.Mutex
	vol   float64
	set   bool
	muted bool
}

// SetVolume sets the volume, clamped to 0..1.
func (l *Level) SetVolume(v float64) {
	if math.IsNaN(v) {
		v = 0
	}
	l.mu.Lock()
	l.vol, l.set = math.Max(0, math.Min(1, v)), true
	l.mu.Unlock()
}

// SetMute mutes or unmutes.
func (l *Level) SetMute(m bool) {
	l.mu.Lock()
	l.muted = m
	l.mu.Unlock()
}

// Volume is the volume (1 until set) and whether the speaker is muted.
func (l *Level) Volume() (v float64, muted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.set {
		return 1, l.muted
	}
	return l.vol, l.muted
}

// Apply returns pcm at the volume, and false when muted or silent (nothing
// to play).
func (l *Level) Apply(pcm PCM) (PCM, bool) {
	v, m := l.Volume()
	if m || v == 0 {
		return PCM{}, false
	}
	return pcm.Gain(v), true
}

// SimControl is what a simulated microphone offers besides recording: the
// simulated candidate speaks through it.
type SimControl interface {
	// Play makes the microphone hear pcm from now (plus its offset) on.
	Play(pcm PCM)
	// SayDigits makes the simulated candidate say the digits (as its
	// mode says: the right ones, wrong ones or nothing).
	SayDigits(digits string) error
}
