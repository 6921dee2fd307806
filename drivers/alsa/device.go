package alsa

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/device/hw"
)

func init() {
	audio.SpeakerBackends.Register("alsa", func(ctx context.Context, arg string, env hw.Env) (audio.Speaker, error) {
		dev, _, err := ParseArg(arg)
		if err != nil {
			return nil, err
		}
		return OpenSpeaker(dev)
	})
	audio.MicrophoneBackends.Register("alsa", func(ctx context.Context, arg string, env hw.Env) (audio.Microphone, error) {
		dev, rate, err := ParseArg(arg)
		if err != nil {
			return nil, err
		}
		return OpenMicrophone(dev, rate)
	})
}

// DefaultRate is the capture rate unless the spec says otherwise: enough
// for speech.
const DefaultRate = 16000

// ParseArg reads "DEVICE[?rate=HZ]" ("" is "default").
func ParseArg(arg string) (device string, rate int, err error) {
	device, query, _ := strings.Cut(arg, "?")
	if device == "" {
		device = "default"
	}
	rate = DefaultRate
	if query == "" {
		return device, rate, nil
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", 0, fmt.Errorf("alsa: %q: %v", arg, err)
	}
	for k, v := range q {
		switch k {
		case "rate":
			rate, err = strconv.Atoi(v[0])
			if err != nil || rate < audio.MinRate || rate > audio.MaxRate {
				return "", 0, fmt.Errorf("alsa: %q: rate %q: want %d..%d", arg, v[0], audio.MinRate, audio.MaxRate)
			}
		default:
			return "", 0, fmt.Errorf("alsa: %q: unknown option %q (known: rate)", arg, k)
		}
	}
	return device, rate, nil
}

// resamples: "hw:" devices take only their own rates; ALSA resamples on
// every other device name when asked to.
func resamples(device string) bool { return !strings.HasPrefix(device, "hw:") }

// gone wraps device errors that mean the device went away in audio.ErrGone.
func gone(op, device string, err error) error {
	if errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.EBADFD) || errors.Is(err, syscall.EIO) {
		return fmt.Errorf("alsa: %s %q: %w: %v", op, device, audio.ErrGone, err)
	}
	return fmt.Errorf("alsa: %s %q: %w", op, device, err)
}

// Speaker plays through an ALSA playback device. The device is opened
// again for each prompt rate that differs from the last one.
type Speaker struct {
	audio.Level
	device string

	mu     sync.Mutex // one Play at a time
	p      *pcm
	closed bool
}

var _ audio.Speaker = (*Speaker)(nil)

// OpenSpeaker opens a playback device (at 22050 Hz, espeak-ng's rate,
// until a prompt asks for another).
func OpenSpeaker(device string) (*Speaker, error) {
	p, err := open(Config{Device: device, Dir: Playback, Rate: 22050, Resample: resamples(device)})
	if err != nil {
		return nil, err
	}
	return &Speaker{device: device, p: p}, nil
}

// Rate is the rate the device plays at now.
func (s *Speaker) Rate() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p == nil {
		return 0
	}
	return s.p.rate
}

// Play plays pcm, stopping at once when ctx ends.
func (s *Speaker) Play(ctx context.Context, in audio.PCM) error {
	if err := in.Check(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("alsa: play %q: %w", s.device, audio.ErrClosed)
	}
	pcm, ok := s.Apply(in)
	if !ok {
		return ctx.Err()
	}
	if s.p == nil || s.p.rate != pcm.Rate {
		if s.p != nil {
			s.p.close()
			s.p = nil
		}
		p, err := open(Config{Device: s.device, Dir: Playback, Rate: pcm.Rate, Resample: resamples(s.device)})
		if err != nil {
			return err
		}
		s.p = p
	}
	if s.p.rate != pcm.Rate {
		pcm = pcm.Resample(s.p.rate)
	}
	buf := pcm.Samples
	for len(buf) > 0 {
		if err := ctx.Err(); err != nil {
			s.p.drop()
			return err
		}
		n, err := s.p.write(buf[:min(len(buf), s.p.period)])
		if err != nil {
			return gone("play", s.device, err)
		}
		buf = buf[n:]
	}
	// Wait for what is buffered to be played, still interruptible.
	for {
		d, err := s.p.delay()
		if err != nil || d == 0 {
			s.p.drop()
			return nil
		}
		wait := time.Duration(min(d, s.p.period)) * time.Second / time.Duration(s.p.rate)
		select {
		case <-ctx.Done():
			s.p.drop()
			return ctx.Err()
		case <-time.After(max(wait, time.Millisecond)):
		}
	}
}

// Close closes the device.
func (s *Speaker) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.p == nil {
		return nil
	}
	err := s.p.close()
	s.p = nil
	return err
}

// Microphone records from an ALSA capture device.
type Microphone struct {
	device string
	mu     sync.Mutex
	p      *pcm
}

var _ audio.Microphone = (*Microphone)(nil)

// OpenMicrophone opens a capture device at rate (the device may give
// another rate on hw: devices; Rate says which).
func OpenMicrophone(device string, rate int) (*Microphone, error) {
	p, err := open(Config{Device: device, Dir: Capture, Rate: rate, Resample: resamples(device)})
	if err != nil {
		return nil, err
	}
	return &Microphone{device: device, p: p}, nil
}

// Rate is the device's capture rate.
func (m *Microphone) Rate() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p == nil {
		return 0
	}
	return m.p.rate
}

// Record records d of audio, a period at a time, stopping when ctx ends.
func (m *Microphone) Record(ctx context.Context, d time.Duration) (audio.PCM, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p == nil {
		return audio.PCM{}, fmt.Errorf("alsa: record %q: %w", m.device, audio.ErrClosed)
	}
	out := audio.PCM{Rate: m.p.rate, Samples: make([]int16, audio.Frames(m.p.rate, d)), Label: "microphone"}
	got := 0
	for got < len(out.Samples) {
		if err := ctx.Err(); err != nil {
			return audio.PCM{}, err
		}
		n, err := m.p.read(out.Samples[got:min(len(out.Samples), got+m.p.period)])
		if err != nil {
			return audio.PCM{}, gone("record", m.device, err)
		}
		got += n
	}
	return out, nil
}

// Close closes the device.
func (m *Microphone) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p == nil {
		return nil
	}
	err := m.p.close()
	m.p = nil
	return err
}
