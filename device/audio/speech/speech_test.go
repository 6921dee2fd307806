package speech

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/device/audio/audiosim"
	"github.com/hbzk/kiosk/device/clock/clocktest"
)

var (
	digitsOnce sync.Once
	digitsDir  string
	digitsErr  error
)

// espeakDigits makes 0.wav..9.wav with espeak-ng -v cmn once per test run,
// as build/prompts does.
func espeakDigits(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng not installed (build/deps.sh installs it)")
	}
	digitsOnce.Do(func() {
		dir, err := osMkdirTemp()
		if err != nil {
			digitsErr = err
			return
		}
		for d := range 10 {
			if out, err := exec.Command("espeak-ng", "-v", "cmn", "-s", "150", "-w", filepath.Join(dir, strconv.Itoa(d)+".wav"), strconv.Itoa(d)).CombinedOutput(); err != nil {
				digitsErr = fmt.Errorf("espeak-ng: %v: %s", err, out)
				return
			}
		}
		digitsDir = dir
	})
	if digitsErr != nil {
		t.Fatal(digitsErr)
	}
	return digitsDir
}

// trial is one simulated utterance: the clip, the true onsets from its
// start.
type trial struct {
	pcm    audio.PCM
	onsets []time.Duration
}

// makeTrial says four random digits with a random gap, 0.5-1 s of lead-in
// and 0.5 s after, with white noise at snr dB (speech power over the
// voiced samples against noise power); snr +Inf is clean.
func makeTrial(t testing.TB, dir string, rng *rand.Rand, snr float64) trial {
	gap := time.Duration(60+rng.IntN(160)) * time.Millisecond
	m, err := audiosim.NewMic(audiosim.MicOptions{Digits: dir, Gap: gap}, clocktest.New(time.Unix(0, 0)), bytes.NewReader(make([]byte, 16)))
	if err != nil {
		t.Fatal(err)
	}
	var ds strings.Builder
	for range 4 {
		ds.WriteByte(byte('0' + rng.IntN(10)))
	}
	u, err := m.Say(ds.String())
	if err != nil {
		t.Fatal(err)
	}
	lead := audio.Frames(16000, time.Duration(500+rng.IntN(500))*time.Millisecond)
	out := audio.PCM{Rate: 16000, Samples: make([]int16, lead+len(u.PCM.Samples)+8000)}
	copy(out.Samples[lead:], u.PCM.Samples)
	var tr trial
	for _, o := range u.Onsets {
		tr.onsets = append(tr.onsets, o.Sub(u.At)+time.Duration(lead)*time.Second/16000)
	}
	if !math.IsInf(snr, 1) {
		var p float64
		n := 0
		for _, s := range u.PCM.Samples {
			if s != 0 {
				p += float64(s) * float64(s)
				n++
			}
		}
		sigma := math.Sqrt(p/float64(n)) / math.Pow(10, snr/20)
		for i, s := range out.Samples {
			out.Samples[i] = int16(math.Max(-32768, math.Min(32767, float64(s)+rng.NormFloat64()*sigma)))
		}
	}
	tr.pcm = out
	return tr
}

// score matches detected onsets to true ones within tol (greedy, in
// order) and returns hits, the absolute errors of the hits.
func score(got, want []time.Duration, tol time.Duration) (hits int, errs []time.Duration) {
	used := make([]bool, len(got))
	for _, w := range want {
		best := -1
		for i, g := range got {
			if used[i] {
				continue
			}
			d := g - w
			if d < 0 {
				d = -d
			}
			if d <= tol && (best < 0 || d < absd(got[best]-w)) {
				best = i
			}
		}
		if best >= 0 {
			used[best] = true
			hits++
			errs = append(errs, got[best]-w)
		}
	}
	return hits, errs
}

func absd(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// figures are the onset detection figures at one SNR.
type figures struct {
	snr                        float64
	trials, truth, found, hits int
	countRight                 int
	meanErr, meanAbs, p95Abs   time.Duration
}

func (f figures) recall() float64    { return float64(f.hits) / float64(f.truth) }
func (f figures) precision() float64 { return float64(f.hits) / math.Max(1, float64(f.found)) }

var figuresFlag = flag.Bool("figures", false, "print the onset figures (TestOnsetFigures)")

func measureWith(t testing.TB, snr float64, trials int, seed uint64, o Options, tol time.Duration) figures {
	dir := espeakDigits(t)
	rng := rand.New(rand.NewPCG(seed, 99))
	f := figures{snr: snr, trials: trials}
	var errs []time.Duration
	for range trials {
		tr := makeTrial(t, dir, rng, snr)
		a := Analyze(tr.pcm, o)
		h, e := score(a.Onsets, tr.onsets, tol)
		f.truth += len(tr.onsets)
		f.found += len(a.Onsets)
		f.hits += h
		if len(a.Onsets) == len(tr.onsets) {
			f.countRight++
		}
		errs = append(errs, e...)
	}
	var sum, sumAbs time.Duration
	abs := make([]time.Duration, len(errs))
	for i, e := range errs {
		sum += e
		abs[i] = absd(e)
		sumAbs += abs[i]
	}
	if len(errs) > 0 {
		f.meanErr, f.meanAbs = sum/time.Duration(len(errs)), sumAbs/time.Duration(len(errs))
		sortDur(abs)
		f.p95Abs = abs[int(0.95*float64(len(abs)-1))]
	}
	return f
}

func sortDur(d []time.Duration) {
	for i := 1; i < len(d); i++ {
		for j := i; j > 0 && d[j] < d[j-1]; j-- {
			d[j], d[j-1] = d[j-1], d[j]
		}
	}
}

// The detector counts the four syllables and finds their onsets, on
// clean audio and in white noise down to 10 dB SNR. The floors are below
// the figures measured (TestOnsetFigures) with a margin; white noise buries
// the fricative starts of san, si, qi and jiu first, so onsets come late in
// noise.
func TestOnsetsOnEspeakDigits(t *testing.T) {
	for _, c := range []struct {
		snr                  float64
		count, rec50, rec100 float64
	}{
		{math.Inf(1), 0.95, 0.95, 0.95},
		{20, 0.95, 0.75, 0.9},
		{10, 0.9, 0.5, 0.75},
	} {
		f50 := measureWith(t, c.snr, 40, 1, Options{}, 50*time.Millisecond)
		f100 := measureWith(t, c.snr, 40, 1, Options{}, 100*time.Millisecond)
		count := float64(f50.countRight) / float64(f50.trials)
		t.Logf("SNR %v dB: four counted in %d/%d, recall at 50 ms %.3f, at 100 ms %.3f, error mean %v",
			c.snr, f50.countRight, f50.trials, f50.recall(), f100.recall(), f100.meanErr)
		if count < c.count || f50.recall() < c.rec50 || f100.recall() < c.rec100 {
			t.Errorf("SNR %v dB: count right %.2f (want %.2f), recall at 50 ms %.3f (want %.2f), at 100 ms %.3f (want %.2f)",
				c.snr, count, c.count, f50.recall(), c.rec50, f100.recall(), c.rec100)
		}
	}
}

// TestOnsetFigures prints the figures of docs/liveness.md:
//
//	go test -run TestOnsetFigures -v ./device/audio/speech/ -figures
func TestOnsetFigures(t *testing.T) {
	if !*figuresFlag {
		t.Skip("the figures take a while: -figures")
	}
	t.Logf("%-6s %6s %10s %8s %9s %9s %9s %10s %10s", "SNR dB", "trials", "4 counted", "syll P", "syll R", "R@50ms", "R@100ms", "mean err", "p95 |err|")
	for _, snr := range []float64{math.Inf(1), 30, 20, 15, 10, 5, 0} {
		f := measureWith(t, snr, 100, 7, Options{}, 50*time.Millisecond)
		g := measureWith(t, snr, 100, 7, Options{}, 150*time.Millisecond)
		h := measureWith(t, snr, 100, 7, Options{}, 100*time.Millisecond)
		// Syllable precision/recall: onsets matched within 150 ms.
		t.Logf("%-6v %6d %6d/%-3d %8.3f %9.3f %9.3f %9.3f %10v %10v", snr, f.trials, f.countRight, f.trials,
			g.precision(), g.recall(), f.recall(), h.recall(), h.meanErr.Round(time.Millisecond), h.p95Abs.Round(time.Millisecond))
	}
}

func TestSilenceAndNoiseHaveNoSyllables(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, amp := range []float64{0, 30, 3000} {
		p := audio.PCM{Rate: 16000, Samples: make([]int16, 48000)}
		for i := range p.Samples {
			p.Samples[i] = int16(rng.NormFloat64() * amp)
		}
		a := Analyze(p, Options{})
		if len(a.Onsets) != 0 || len(a.Voice) != 0 {
			t.Errorf("noise at %v: %d onsets, %d voice stretches", amp, len(a.Onsets), len(a.Voice))
		}
	}
	if a := Analyze(audio.PCM{Rate: 16000, Samples: make([]int16, 10)}, Options{}); len(a.Onsets) != 0 {
		t.Error("a too-short clip has onsets")
	}
}

// Tone bursts: onsets where they start, one syllable each.
func TestToneBursts(t *testing.T) {
	p := audio.PCM{Rate: 16000, Samples: make([]int16, 32000)}
	starts := []time.Duration{300 * time.Millisecond, 700 * time.Millisecond, 1100 * time.Millisecond}
	for _, s := range starts {
		a := audio.Frames(16000, s)
		for i := a; i < a+3200; i++ {
			p.Samples[i] = int16(8000 * math.Sin(2*math.Pi*500*float64(i)/16000))
		}
	}
	a := Analyze(p, Options{})
	if hits, _ := score(a.Onsets, starts, 30*time.Millisecond); hits != 3 || len(a.Onsets) != 3 {
		t.Fatalf("onsets %v, want about %v", a.Onsets, starts)
	}
	if v := a.VoicedTime(); v < 550*time.Millisecond || v > 900*time.Millisecond {
		t.Fatalf("voiced %v, want about 600ms", v)
	}
}

func TestFFT(t *testing.T) {
	x := make([]complex128, 8)
	x[1] = 1
	fft(x)
	for k, v := range x {
		want := complex(math.Cos(2*math.Pi*float64(k)/8), -math.Sin(2*math.Pi*float64(k)/8))
		if d := v - want; math.Hypot(real(d), imag(d)) > 1e-9 {
			t.Fatalf("bin %d: %v, want %v", k, v, want)
		}
	}
}

func BenchmarkAnalyzePerSecond(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := audio.PCM{Rate: 16000, Samples: make([]int16, 16000)}
	for i := range p.Samples {
		p.Samples[i] = int16(rng.NormFloat64() * 1000)
	}
	b.ResetTimer()
	for range b.N {
		Analyze(p, Options{})
	}
}
