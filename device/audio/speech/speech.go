// Package speech finds voice and syllables in audio, in pure Go: voice
// activity and syllable onsets from the short-time energy of the speech
// band (300-4000 Hz) and the spectral flux, for the spoken-digits liveness
// challenge (each Mandarin digit, ling yi er san si wu liu qi ba jiu, is one
// syllable).
//
// The method, frame by frame (32 ms Hann windows every 10 ms):
//
//   - E: the speech band's energy in dB, smoothed over 50 ms;
//   - the noise floor: the 10th percentile of E over the clip (a clip of
//     3-5 s holds pauses before, between and after the digits);
//   - voice: frames where E is VoiceDB above the floor, joined across gaps
//     shorter than 50 ms, kept when longer than 80 ms;
//   - syllable nuclei: peaks of E inside voice at least PeakDB above the
//     floor, separated from their neighbours by a dip of DipDB and by
//     MinGap;
//   - each syllable's onset: the first frame after the dip before its
//     nucleus where E rises within RiseDB of the level reached at the
//     greatest spectral-flux frame of that rise — in practice where the
//     consonant starts (s, sh, j, q begin with noise that flux sees before
//     the vowel's energy).
//
// Onset accuracy on espeak-ng's digits with white noise is measured in
// speech_test.go (TestOnsetFigures) and reported in docs/liveness.md.
package speech

import (
	"math"
	"math/cmplx"
	"sort"
	"time"

	"github.com/hbzk/kiosk/device/audio"
)

// Options tune the analysis; the zero value uses the defaults.
type Options struct {
	// VoiceDB: voice is this much above the noise floor (default 5).
	VoiceDB float64
	// PeakDB: a nucleus is this much above the floor (default 6).
	PeakDB float64
	// DipDB: two nuclei are separated by a dip this deep below the lower
	// of the two (default 4).
	DipDB float64
	// MinGap: nuclei are at least this far apart (default 120 ms).
	MinGap time.Duration
	// RiseDB: a syllable starts where its energy comes within this of its
	// nucleus (default 15).
	RiseDB float64
	// FricativeDB: a fricative is this far above the high band's floor
	// (default 10).
	FricativeDB float64
}

func (o *Options) defaults() {
	if o.VoiceDB == 0 {
		o.VoiceDB = 5
	}
	if o.PeakDB == 0 {
		o.PeakDB = 6
	}
	if o.DipDB == 0 {
		o.DipDB = 4
	}
	if o.FricativeDB == 0 {
		o.FricativeDB = 10
	}
	if o.RiseDB == 0 {
		o.RiseDB = 15
	}
	if o.MinGap == 0 {
		o.MinGap = 120 * time.Millisecond
	}
}

// Hop is the frame step.
const Hop = 10 * time.Millisecond

// Segment is a stretch of voice.
type Segment struct{ Start, End time.Duration }

// Analysis is what was found in a clip; times are from its start.
type Analysis struct {
	// Energy is the smoothed speech-band energy per frame in dB
	// (relative to full scale), Flux the spectral flux per frame.
	Energy, Flux []float64
	// High is the energy above the speech band (4 kHz to half the rate),
	// where fricatives (s, sh, x, q, j) start, smoothed over 30 ms.
	High []float64
	// FloorDB and HighFloorDB are the noise floors of Energy and High.
	FloorDB, HighFloorDB float64
	// Voice are the stretches of voice.
	Voice []Segment
	// Onsets and Nuclei are each syllable's start and loudest point.
	Onsets, Nuclei []time.Duration
}

// VoicedTime is the total length of voice.
func (a Analysis) VoicedTime() time.Duration {
	var d time.Duration
	for _, s := range a.Voice {
		d += s.End - s.Start
	}
	return d
}

// Analyze analyses a clip.
func Analyze(p audio.PCM, o Options) Analysis {
	o.defaults()
	rate := p.Rate
	hop := audio.Frames(rate, Hop)
	win := audio.Frames(rate, 32*time.Millisecond)
	if rate <= 0 || hop == 0 || len(p.Samples) < win {
		return Analysis{FloorDB: math.Inf(-1)}
	}
	n := 1
	for n < win {
		n <<= 1
	}
	lo, hi := 300*n/rate, min(4000*n/rate, n/2)
	hann := make([]float64, win)
	for i := range hann {
		hann[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(win-1))
	}
	frames := (len(p.Samples)-win)/hop + 1
	raw := make([]float64, frames)
	rawHigh := make([]float64, frames)
	flux := make([]float64, frames)
	buf := make([]complex128, n)
	prev := make([]float64, hi)
	cur := make([]float64, hi)
	norm := 32768 * 32768 * float64(win) / 4
	for f := range frames {
		for i := range buf {
			buf[i] = 0
		}
		for i := range win {
			buf[i] = complex(float64(p.Samples[f*hop+i])*hann[i], 0)
		}
		fft(buf)
		var e, fl float64
		for k := lo; k < hi; k++ {
			m := cmplx.Abs(buf[k])
			e += m * m
			cur[k] = math.Log1p(m / 32)
			if f > 0 {
				fl += math.Max(0, cur[k]-prev[k])
			}
		}
		var eh float64
		for k := hi; k < n/2; k++ {
			m := cmplx.Abs(buf[k])
			eh += m * m
		}
		prev, cur = cur, prev
		raw[f] = 10 * math.Log10(e/norm+1e-12)
		rawHigh[f] = 10 * math.Log10(eh/norm+1e-12)
		flux[f] = fl
	}
	a := Analysis{Energy: smooth(raw, 3), High: smooth(rawHigh, 3), Flux: flux}
	a.FloorDB = percentile(a.Energy, 0.1)
	a.HighFloorDB = percentile(a.High, 0.1)
	a.Voice = voice(a.Energy, a.FloorDB+o.VoiceDB)
	a.Nuclei, a.Onsets = syllables(a, o)
	return a
}

func frameTime(i int) time.Duration { return time.Duration(i)*Hop + 16*time.Millisecond }

func smooth(x []float64, w int) []float64 {
	out := make([]float64, len(x))
	for i := range x {
		a, b := max(0, i-w/2), min(len(x), i+w/2+1)
		var s float64
		for _, v := range x[a:b] {
			s += v
		}
		out[i] = s / float64(b-a)
	}
	return out
}

func percentile(x []float64, q float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	return s[int(q*float64(len(s)-1))]
}

// voice finds the stretches above th: gaps under 50 ms joined, pieces
// under 80 ms dropped.
func voice(e []float64, th float64) []Segment {
	var segs [][2]int
	start := -1
	for i, v := range e {
		if v > th && start < 0 {
			start = i
		}
		if (v <= th || i == len(e)-1) && start >= 0 {
			end := i
			if v > th {
				end = i + 1
			}
			if len(segs) > 0 && start-segs[len(segs)-1][1] < 5 {
				segs[len(segs)-1][1] = end
			} else {
				segs = append(segs, [2]int{start, end})
			}
			start = -1
		}
	}
	var out []Segment
	for _, s := range segs {
		if s[1]-s[0] >= 8 {
			out = append(out, Segment{frameTime(s[0]), frameTime(s[1])})
		}
	}
	return out
}

func inVoice(segs []Segment, t time.Duration) bool {
	for _, s := range segs {
		if t >= s.Start && t <= s.End {
			return true
		}
	}
	return false
}

// syllables finds the nuclei (peaks with a dip on each side) and their
// onsets.
func syllables(a Analysis, o Options) (nuclei, onsets []time.Duration) {
	e := a.Energy
	minGap := int(o.MinGap / Hop)
	// Candidate peaks: local maxima above the floor + PeakDB, in voice.
	var peaks []int
	for i := 1; i < len(e)-1; i++ {
		if e[i] >= e[i-1] && e[i] > e[i+1] && e[i] > a.FloorDB+o.PeakDB && inVoice(a.Voice, frameTime(i)) {
			peaks = append(peaks, i)
		}
	}
	// Merge peaks that are too close or not separated by a dip: keep the
	// louder.
	var kept []int
	for _, p := range peaks {
		if len(kept) == 0 {
			kept = append(kept, p)
			continue
		}
		q := kept[len(kept)-1]
		dip := minAt(e, q, p)
		if p-q < minGap || math.Min(e[p], e[q])-e[dip] < o.DipDB {
			if e[p] > e[q] {
				kept[len(kept)-1] = p
			}
			continue
		}
		kept = append(kept, p)
	}
	for i, p := range kept {
		// The dip before this nucleus: the minimum since the last one,
		// or since the start of its stretch of voice.
		var from int
		if i > 0 {
			from = minAt(e, kept[i-1], p)
		} else {
			// Since a little before the start of its stretch of voice.
			start := p
			for _, sg := range a.Voice {
				if t := frameTime(p); t >= sg.Start && t <= sg.End {
					start = int((sg.Start - 16*time.Millisecond) / Hop)
				}
			}
			from = minAt(e, max(0, start-5), p)
		}
		// The rise: from the dip to the nucleus. The vowel starts where
		// the energy first comes within RiseDB of the nucleus (on a
		// shallow rise, where it crosses the middle); a fricative or
		// affricate before it (s, sh, x, q, j) shows as high-band energy
		// above its floor right up to there, and the syllable starts where
		// that begins.
		th := math.Max(e[p]-o.RiseDB, math.Max(a.FloorDB+3, e[from]+1))
		on := p
		for on > from && e[on-1] > th {
			on--
		}
		for on > from && a.High[on-1] > a.HighFloorDB+o.FricativeDB && a.High[on-1] > a.High[from]+3 {
			on--
		}
		nuclei = append(nuclei, frameTime(p))
		onsets = append(onsets, frameTime(on))
	}
	return nuclei, onsets
}

// minAt is the index of the smallest value of e[a..b].
func minAt(e []float64, a, b int) int {
	m := a
	for i := a; i <= b; i++ {
		if e[i] < e[m] {
			m = i
		}
	}
	return m
}

// fft is an in-place radix-2 FFT; len(x) is a power of two.
func fft(x []complex128) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		w := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			wk := complex(1, 0)
			for k := range size / 2 {
				a, b := x[start+k], x[start+k+size/2]*wk
				x[start+k], x[start+k+size/2] = a+b, a-b
				wk *= w
			}
		}
	}
}
