package audiosim

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/hw"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

func seed() *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{7}, 64)) }

// toneDigits writes 0.wav..9.wav: digit d is a 200ms tone of 300+100d Hz
// with 50ms of silence around it.
func toneDigits(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := range 10 {
		p := audio.PCM{Rate: 16000, Samples: make([]int16, 16000*300/1000)}
		for i := 800; i < 800+3200; i++ {
			p.Samples[i] = int16(8000 * math.Sin(2*math.Pi*float64(300+100*d)*float64(i)/16000))
		}
		if err := audio.WriteWAV(filepath.Join(dir, strconv.Itoa(d)+".wav"), p); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// waitTimers waits until n timers are pending on the fake clock.
func advanceWhenWaiting(clk *clocktest.Fake, d time.Duration, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		default:
		}
		if clk.Pending() > 0 {
			clk.Advance(d)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSpeakerWritesAndWaits(t *testing.T) {
	clk := clocktest.New(t0)
	dir := filepath.Join(t.TempDir(), "audio")
	sp, err := NewSpeaker(dir, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	pcm := audio.PCM{Rate: 16000, Samples: make([]int16, 16000), Label: "prompt attract/zh"}
	for i := range pcm.Samples {
		pcm.Samples[i] = 1000
	}
	sp.SetVolume(0.5)
	done := make(chan error, 1)
	go func() { done <- sp.Play(context.Background(), pcm) }()
	for clk.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case <-done:
		t.Fatal("Play returned before the audio's time had passed")
	default:
	}
	clk.Advance(999 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("Play returned 1ms early")
	case <-time.After(20 * time.Millisecond):
	}
	clk.Advance(time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, err := audio.ReadWAV(filepath.Join(dir, "0001-prompt_attract_zh.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Samples) != 16000 || got.Samples[0] != 500 {
		t.Fatalf("written: %d samples, first %d (want 16000 at half volume 500)", len(got.Samples), got.Samples[0])
	}

	// Interrupted.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- sp.Play(ctx, pcm) }()
	for clk.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Play: %v", err)
	}
	pl := sp.Played()
	if len(pl) != 2 || pl[0].Interrupted || !pl[1].Interrupted {
		t.Fatalf("played: %+v", pl)
	}

	// Muted: returns at once, writes nothing.
	sp.SetMute(true)
	if err := sp.Play(context.Background(), pcm); err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 2 {
		t.Fatalf("%d files after a muted play, want 2", len(files))
	}
	sp.Close()
	if err := sp.Play(context.Background(), pcm); !errors.Is(err, audio.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestParseMicArg(t *testing.T) {
	tests := []struct {
		arg     string
		want    MicOptions
		wantErr string
	}{
		{"", MicOptions{}, ""},
		{"var/prompts/digits", MicOptions{Digits: "var/prompts/digits"}, ""},
		{"d,offset=250ms,noise=0.01,mode=wrong,rate=8000,gap=80ms", MicOptions{Digits: "d", Offset: 250 * time.Millisecond, Noise: 0.01, Mode: Wrong, Rate: 8000, Gap: 80 * time.Millisecond}, ""},
		{",mode=silence", MicOptions{Mode: Silent}, ""},
		{"d,mode=shout", MicOptions{}, "want speak, silence or wrong"},
		{"d,noise=2", MicOptions{}, "want 0..1"},
		{"d,offset=soon", MicOptions{}, "offset"},
		{"d,volume=3", MicOptions{}, "unknown option"},
		{"d,loud", MicOptions{}, "key=value"},
	}
	for _, tt := range tests {
		got, err := ParseMicArg(tt.arg)
		if tt.wantErr != "" {
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
				t.Errorf("%q: err = %v, want %q", tt.arg, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: got %+v, %v; want %+v", tt.arg, got, err, tt.want)
		}
	}
}

func record(t *testing.T, m *Mic, clk *clocktest.Fake, d time.Duration) audio.PCM {
	t.Helper()
	done := make(chan struct{})
	var p audio.PCM
	var err error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p, err = m.Record(context.Background(), d)
		close(done)
	}()
	advanceWhenWaiting(clk, 10*time.Millisecond, done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// energyAt is the RMS of p in [from, to).
func energyAt(p audio.PCM, from, to time.Duration) float64 {
	a, b := p.Frames(from), min(p.Frames(to), len(p.Samples))
	return audio.RMS(audio.PCM{Rate: p.Rate, Samples: p.Samples[a:b]})
}

func TestMicSaysDigitsInStepWithTheClock(t *testing.T) {
	dir := toneDigits(t)
	clk := clocktest.New(t0)
	m, err := NewMic(MicOptions{Digits: dir, Offset: 500 * time.Millisecond}, clk, seed())
	if err != nil {
		t.Fatal(err)
	}
	u, err := m.Say("3 7 2 9")
	if err != nil {
		t.Fatal(err)
	}
	if u.Said != "3729" || len(u.Onsets) != 4 {
		t.Fatalf("said %q with %d onsets", u.Said, len(u.Onsets))
	}
	// Each trimmed digit is 200ms, gaps 120ms: onsets at 0.5, 0.82, 1.14, 1.46 s.
	for i, o := range u.Onsets {
		want := t0.Add(500*time.Millisecond + time.Duration(i)*320*time.Millisecond)
		if d := o.Sub(want); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("onset %d at %v, want %v", i, o.Sub(t0), want.Sub(t0))
		}
	}
	p := record(t, m, clk, 2*time.Second)
	if len(p.Samples) != 32000 || p.Rate != 16000 {
		t.Fatalf("recorded %d samples at %d Hz", len(p.Samples), p.Rate)
	}
	if e := energyAt(p, 0, 490*time.Millisecond); e != 0 {
		t.Fatalf("sound before the offset: rms %v", e)
	}
	if e := energyAt(p, 520*time.Millisecond, 680*time.Millisecond); e < 4000 {
		t.Fatalf("first digit not heard: rms %v", e)
	}
	if e := energyAt(p, 710*time.Millisecond, 810*time.Millisecond); e != 0 {
		t.Fatalf("gap not silent: rms %v", e)
	}
	// A following recording continues where this one ended, and is silent.
	q := record(t, m, clk, 500*time.Millisecond)
	if audio.Peak(q) != 0 {
		t.Fatalf("after the utterance: peak %d", audio.Peak(q))
	}
}

func TestMicModes(t *testing.T) {
	dir := toneDigits(t)
	clk := clocktest.New(t0)
	silent, _ := NewMic(MicOptions{Digits: dir, Mode: Silent}, clk, seed())
	u, _ := silent.Say("1234")
	if u.Said != "" || len(u.Onsets) != 0 {
		t.Fatalf("silent mode said %q", u.Said)
	}
	if p := record(t, silent, clk, time.Second); audio.Peak(p) != 0 {
		t.Fatal("silent mode made sound")
	}
	wrong, _ := NewMic(MicOptions{Digits: dir, Mode: Wrong}, clk, seed())
	for range 20 {
		u, _ := wrong.Say("1234")
		if len(u.Said) != 4 {
			t.Fatalf("wrong mode said %q", u.Said)
		}
		for i := range 4 {
			if u.Said[i] == "1234"[i] {
				t.Fatalf("wrong mode said digit %d right: %q", i, u.Said)
			}
		}
	}
	noisy, _ := NewMic(MicOptions{Noise: 0.01}, clk, seed())
	p := record(t, noisy, clk, time.Second)
	if rms := audio.RMS(p); rms < 0.009*32768 || rms > 0.011*32768 {
		t.Fatalf("noise rms %.0f, want about %.0f", rms, 0.01*32768)
	}
	if _, err := noisy.Say("12"); err == nil {
		t.Fatal("a microphone without digit recordings said digits")
	}
	if _, err := NewMic(MicOptions{Digits: t.TempDir()}, clk, seed()); err == nil {
		t.Fatal("missing digit files accepted")
	}
}

func TestRegistry(t *testing.T) {
	env := hw.Env{Clock: clocktest.New(t0), Rand: seed(), ConfigDir: t.TempDir(), StateDir: t.TempDir()}
	sp, rep := audio.SpeakerBackends.Open(context.Background(), "sim:", env)
	if rep.Err != nil || !rep.Simulated || sp == nil {
		t.Fatalf("speaker: %v", rep)
	}
	if s := sp.(*Speaker); s.Dir() != filepath.Join(env.StateDir, "audio") {
		t.Fatalf("speaker dir %s", s.Dir())
	}
	mic, rep := audio.MicrophoneBackends.Open(context.Background(), "sim:,noise=0.01", env)
	if rep.Err != nil || mic.Rate() != 16000 {
		t.Fatalf("microphone: %v", rep)
	}
	if _, rep := audio.MicrophoneBackends.Open(context.Background(), "sim:nowhere", env); rep.Err == nil {
		t.Fatal("missing digits folder opened")
	}
	env.RefuseSimulated = true
	if _, rep := audio.MicrophoneBackends.Open(context.Background(), "sim:", env); !errors.Is(rep.Err, hw.ErrSimulatedRefused) {
		t.Fatalf("appliance: %v", rep)
	}
	if _, rep := audio.SpeakerBackends.Open(context.Background(), "none", env); rep.Status != hw.Skipped {
		t.Fatalf("none: %v", rep)
	}
}

// The microphone speaks espeak-ng's Mandarin digits when they are there.
func TestMicSpeaksEspeakDigits(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng not installed (build/deps.sh installs it)")
	}
	dir := t.TempDir()
	for d := range 10 {
		if out, err := exec.Command("espeak-ng", "-v", "cmn", "-w", filepath.Join(dir, strconv.Itoa(d)+".wav"), strconv.Itoa(d)).CombinedOutput(); err != nil {
			t.Fatalf("espeak-ng: %v %s", err, out)
		}
	}
	clk := clocktest.New(t0)
	m, err := NewMic(MicOptions{Digits: dir}, clk, seed())
	if err != nil {
		t.Fatal(err)
	}
	u, err := m.Say("5 0 8 6")
	if err != nil {
		t.Fatal(err)
	}
	if d := u.PCM.Duration(); d < 800*time.Millisecond || d > 3*time.Second {
		t.Fatalf("four digits last %v", d)
	}
	p := record(t, m, clk, 3*time.Second)
	if audio.DBFS(audio.RMS(p)) < -40 {
		t.Fatalf("digits too quiet: %.1f dBFS", audio.DBFS(audio.RMS(p)))
	}
}

func TestMicSaysOnABeat(t *testing.T) {
	clk := clocktest.New(t0)
	m, err := NewMic(MicOptions{Digits: toneDigits(t), Offset: 40 * time.Millisecond}, clk, seed())
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Second)
	u, err := m.SayEvery("1 2 3 4", at, 550*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range u.Onsets {
		if want := at.Add(40*time.Millisecond + time.Duration(i)*550*time.Millisecond); !o.Equal(want) {
			t.Errorf("onset %d at %v, want %v", i, o.Sub(t0), want.Sub(t0))
		}
	}
	p := record(t, m, clk, 3*time.Second)
	// The second digit (a 200 ms tone) sounds from 1.59 s to 1.79 s.
	if e := energyAt(p, 1600*time.Millisecond, 1780*time.Millisecond); e < 4000 {
		t.Fatalf("second digit not heard on the beat: rms %v", e)
	}
	if e := energyAt(p, 1800*time.Millisecond, 2130*time.Millisecond); e != 0 {
		t.Fatalf("sound between beats: rms %v", e)
	}
	if _, err := m.SayEvery("1", at, 0); err == nil {
		t.Fatal("a zero beat accepted")
	}
}
