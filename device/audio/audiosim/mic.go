package audiosim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/entropy"
)

// Mode is what the simulated candidate does when asked to say digits.
type Mode string

const (
	// Speak says the digits asked for.
	Speak Mode = "speak"
	// Silent says nothing (a photo, a mute candidate).
	Silent Mode = "silence"
	// Wrong says as many digits, each a different one.
	Wrong Mode = "wrong"
)

// MicOptions configure the simulated microphone.
type MicOptions struct {
	// Digits is the folder of 0.wav .. 9.wav, one spoken digit each
	// (`make prompts` makes them with espeak-ng -v cmn); "" lets the
	// microphone play only the audio it is given.
	Digits string
	// Rate is the recording rate (0: 16000).
	Rate int
	// Offset delays what is said after Say or Play is called.
	Offset time.Duration
	// Noise is the RMS of added white noise as a fraction of full scale
	// (0.01 is -40 dBFS).
	Noise float64
	// Mode is what Say does (default Speak).
	Mode Mode
	// Gap is the pause between two digits (0: 120ms).
	Gap time.Duration
}

// ParseMicArg reads "[FOLDER][,offset=DUR][,noise=F][,mode=speak|silence|wrong][,rate=HZ][,gap=DUR]".
func ParseMicArg(arg string) (MicOptions, error) {
	var o MicOptions
	parts := strings.Split(arg, ",")
	o.Digits = parts[0]
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return o, fmt.Errorf("audiosim: microphone option %q: want key=value", p)
		}
		var err error
		switch k {
		case "offset":
			o.Offset, err = time.ParseDuration(v)
		case "gap":
			o.Gap, err = time.ParseDuration(v)
		case "noise":
			o.Noise, err = strconv.ParseFloat(v, 64)
			if err == nil && !(o.Noise >= 0 && o.Noise <= 1) {
				err = errors.New("want 0..1")
			}
		case "rate":
			o.Rate, err = strconv.Atoi(v)
		case "mode":
			o.Mode = Mode(v)
			if o.Mode != Speak && o.Mode != Silent && o.Mode != Wrong {
				err = errors.New("want speak, silence or wrong")
			}
		default:
			err = errors.New("unknown option (known: offset, noise, mode, rate, gap)")
		}
		if err != nil {
			return o, fmt.Errorf("audiosim: microphone option %s=%q: %v", k, v, err)
		}
	}
	return o, nil
}

// Utterance is audio the microphone hears, from At on.
type Utterance struct {
	At  time.Time
	PCM audio.PCM
	// Onsets are when each digit starts (for Say), the truth an onset
	// detector is measured against.
	Onsets []time.Time
	// Said are the digits actually said.
	Said string
}

// Mic is the simulated microphone.
type Mic struct {
	o      MicOptions
	clk    clock.Clock
	digits [10]audio.PCM

	mu     sync.Mutex
	rng    *rand.Rand
	sched  []Utterance
	next   time.Time
	closed bool
}

var _ audio.Microphone = (*Mic)(nil)
var _ audio.SimControl = (*Mic)(nil)

// NewMic makes a simulated microphone. Randomness (noise, wrong digits)
// comes from rnd.
func NewMic(o MicOptions, clk clock.Clock, rnd io.Reader) (*Mic, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	if rnd == nil {
		rnd = entropy.System
	}
	if o.Rate == 0 {
		o.Rate = 16000
	}
	if o.Rate < audio.MinRate || o.Rate > audio.MaxRate {
		return nil, fmt.Errorf("audiosim: microphone rate %d: want %d..%d", o.Rate, audio.MinRate, audio.MaxRate)
	}
	if o.Mode == "" {
		o.Mode = Speak
	}
	if o.Gap == 0 {
		o.Gap = 120 * time.Millisecond
	}
	var seed [16]byte
	if _, err := io.ReadFull(rnd, seed[:]); err != nil {
		return nil, fmt.Errorf("audiosim: microphone: randomness: %w", err)
	}
	m := &Mic{o: o, clk: clk, rng: rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))}
	if o.Digits != "" {
		for d := range 10 {
			p, err := audio.ReadWAV(filepath.Join(o.Digits, strconv.Itoa(d)+".wav"))
			if err != nil {
				return nil, fmt.Errorf("audiosim: digit %d: %w (make them with `make prompts`, or go run ./build/prompts -out var/prompts)", d, err)
			}
			m.digits[d] = Trim(p.Resample(o.Rate), 0.02)
		}
	}
	return m, nil
}

// Trim cuts leading and trailing samples quieter than frac of the peak.
func Trim(p audio.PCM, frac float64) audio.PCM {
	th := int16(float64(audio.Peak(p)) * frac)
	i, j := 0, len(p.Samples)
	for i < j && abs16(p.Samples[i]) <= th {
		i++
	}
	for j > i && abs16(p.Samples[j-1]) <= th {
		j--
	}
	out := p
	out.Samples = append([]int16(nil), p.Samples[i:j]...)
	return out
}

func abs16(s int16) int16 {
	if s < 0 {
		if s == math.MinInt16 {
			return math.MaxInt16
		}
		return -s
	}
	return s
}

// Rate is the recording rate.
func (m *Mic) Rate() int { return m.o.Rate }

// Options are the microphone's options.
func (m *Mic) Options() MicOptions { return m.o }

// Play makes the microphone hear pcm from now + the offset on.
func (m *Mic) Play(pcm audio.PCM) {
	pcm = pcm.Resample(m.o.Rate)
	m.mu.Lock()
	m.sched = append(m.sched, Utterance{At: m.clk.Now().Add(m.o.Offset), PCM: pcm})
	m.mu.Unlock()
}

// Say makes the simulated candidate say digits (spaced or not), starting
// after the offset, one after the other with the gap between them,
// following the mode. It returns what will be heard.
func (m *Mic) Say(digits string) (Utterance, error) {
	return m.say(digits, m.clk.Now().Add(m.o.Offset), 0)
}

// SayEvery says digits with digit i starting at at + i*every (+ the
// offset): in step with a simulated face whose mouth opens on that beat
// (camsim's performer reads digits every 0.55 s).
func (m *Mic) SayEvery(digits string, at time.Time, every time.Duration) (Utterance, error) {
	if every <= 0 {
		return Utterance{}, errors.New("audiosim: say: the beat must be positive")
	}
	return m.say(digits, at.Add(m.o.Offset), every)
}

func (m *Mic) say(digits string, at time.Time, every time.Duration) (Utterance, error) {
	var ds []int
	for _, r := range digits {
		switch {
		case r >= '0' && r <= '9':
			ds = append(ds, int(r-'0'))
		case r == ' ':
		default:
			return Utterance{}, fmt.Errorf("audiosim: say %q: only digits", digits)
		}
	}
	if m.o.Digits == "" {
		return Utterance{}, errors.New("audiosim: say: this microphone has no digit recordings (sim:FOLDER)")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u := Utterance{At: at, PCM: audio.PCM{Rate: m.o.Rate, Label: "digits"}}
	if m.o.Mode == Silent {
		return u, nil
	}
	gap := make([]int16, audio.Frames(m.o.Rate, m.o.Gap))
	for i, d := range ds {
		if m.o.Mode == Wrong {
			d = (d + 1 + m.rng.IntN(9)) % 10
		}
		if every > 0 {
			// Pad (or cut) to the beat.
			want := audio.Frames(m.o.Rate, time.Duration(i)*every)
			if len(u.PCM.Samples) < want {
				u.PCM.Samples = append(u.PCM.Samples, make([]int16, want-len(u.PCM.Samples))...)
			}
			u.PCM.Samples = u.PCM.Samples[:want]
		} else if i > 0 {
			u.PCM.Samples = append(u.PCM.Samples, gap...)
		}
		u.Onsets = append(u.Onsets, u.At.Add(time.Duration(len(u.PCM.Samples))*time.Second/time.Duration(m.o.Rate)))
		u.PCM.Samples = append(u.PCM.Samples, m.digits[d].Samples...)
		u.Said += strconv.Itoa(d)
	}
	m.sched = append(m.sched, u)
	return u, nil
}

// Record waits d on the clock and returns what was heard meanwhile. Calls
// that follow one another continue where the last one ended.
func (m *Mic) Record(ctx context.Context, d time.Duration) (audio.PCM, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return audio.PCM{}, fmt.Errorf("audiosim: %w", audio.ErrClosed)
	}
	start := m.clk.Now()
	if !m.next.IsZero() && !m.next.After(start) && start.Sub(m.next) < 100*time.Millisecond {
		start = m.next
	}
	n := audio.Frames(m.o.Rate, d)
	end := start.Add(time.Duration(n) * time.Second / time.Duration(m.o.Rate))
	m.mu.Unlock()
	t := m.clk.NewTimer(end.Sub(m.clk.Now()))
	defer t.Stop()
	select {
	case <-t.C():
	case <-ctx.Done():
		return audio.PCM{}, ctx.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next = end
	return m.render(start, n), nil
}

// render mixes what is heard in [start, start+n samples) with noise, and
// drops what is over.
func (m *Mic) render(start time.Time, n int) audio.PCM {
	rate := m.o.Rate
	acc := make([]float64, n)
	keep := m.sched[:0]
	for _, u := range m.sched {
		off := int(u.At.Sub(start) * time.Duration(rate) / time.Second)
		for i, s := range u.PCM.Samples {
			if j := off + i; j >= 0 && j < n {
				acc[j] += float64(s)
			}
		}
		if off+len(u.PCM.Samples) > n {
			keep = append(keep, u)
		}
	}
	m.sched = keep
	out := audio.PCM{Rate: rate, Samples: make([]int16, n), Label: "microphone"}
	sigma := m.o.Noise * 32768
	for i := range acc {
		v := acc[i]
		if sigma > 0 {
			v += m.rng.NormFloat64() * sigma
		}
		out.Samples[i] = clip(v)
	}
	return out
}

func clip(v float64) int16 {
	v = math.Round(v)
	if v > math.MaxInt16 {
		return math.MaxInt16
	}
	if v < math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}

// Close ends the microphone.
func (m *Mic) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}

// SayDigits is Say without its result (audio.SimControl).
func (m *Mic) SayDigits(digits string) error {
	_, err := m.Say(digits)
	return err
}
