package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/device/audio/audiosim"
	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/ui/i18n"
)

// promptDir writes a one-second recording for two screens in zh and one in en.
func promptDir(t *testing.T) string {
	dir := t.TempDir()
	for _, f := range []string{"zh/attract", "zh/place_card", "en/attract"} {
		p := audio.PCM{Rate: 16000, Samples: make([]int16, 16000)}
		for i := range p.Samples {
			p.Samples[i] = 1000
		}
		if err := mkdirWrite(filepath.Join(dir, f+".wav"), p); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mkdirWrite(path string, p audio.PCM) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return audio.WriteWAV(path, p)
}

func waitPlayed(t *testing.T, sp *audiosim.Speaker, n int) []audiosim.Played {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if p := sp.Played(); len(p) >= n {
			return p
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("played %v, want %d", sp.Played(), n)
	return nil
}

func TestVoiceInterruptsThePreviousPrompt(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	sp, err := audiosim.NewSpeaker(t.TempDir(), clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := NewVoice(sp, promptDir(t), nil)
	ctx := context.Background()
	v.Screen(ctx, "attract", "zh")
	for clk.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	v.Screen(ctx, "place_card", "zh") // interrupts attract
	p := waitPlayed(t, sp, 1)
	if p[0].Label != "prompt attract zh" || !p[0].Interrupted {
		t.Fatalf("first prompt: %+v", p[0])
	}
	for clk.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	clk.Advance(time.Second)
	p = waitPlayed(t, sp, 2)
	if p[1].Label != "prompt place_card zh" || p[1].Interrupted {
		t.Fatalf("second prompt: %+v", p[1])
	}
	// English; a screen with no prompt stops and says nothing; a missing
	// recording says nothing.
	v.Screen(ctx, "attract", "en")
	for clk.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	v.Screen(ctx, "tech_menu", "en")
	p = waitPlayed(t, sp, 3)
	if p[2].Label != "prompt attract en" || !p[2].Interrupted {
		t.Fatalf("en prompt: %+v", p[2])
	}
	v.Screen(ctx, "signature", "zh")
	v.Stop()
	if len(sp.Played()) != 3 {
		t.Fatalf("played %+v", sp.Played())
	}
	// Muted: nothing is written.
	v.SetMute(true)
	v.Screen(ctx, "attract", "zh")
	v.Stop()
	if len(sp.Played()) != 3 {
		t.Fatalf("muted voice played: %+v", sp.Played())
	}
	v.Close()
	v.Screen(ctx, "attract", "zh")
	var nilVoice *Voice
	nilVoice.Screen(ctx, "attract", "zh") // no speaker: nothing, no panic
}

// Every screen that instructs the candidate has a prompt; the technician's
// do not.
func TestEveryCandidateScreenHasAPrompt(t *testing.T) {
	for s := flow.Attract; s <= flow.TechMenu; s++ {
		_, ok := i18n.PromptFor(s.String())
		tech := s == flow.TechPIN || s == flow.TechMenu
		if ok == tech {
			t.Errorf("screen %s: prompt %v", s, ok)
		}
	}
}

func TestOpenAudioFromConfig(t *testing.T) {
	cfg := config.Defaults(config.Dev)
	cfg.Dir = t.TempDir()
	cfg.Audio.Speaker, cfg.Audio.Microphone = "sim:out", "sim:,noise=0.01"
	cfg.Audio.Volume, cfg.Audio.Prompts = 0.25, promptDir(t)
	clk := clocktest.New(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	env := hw.Env{Clock: clk, Rand: bytes.NewReader(make([]byte, 64)), Log: logx.Discard(), ConfigDir: cfg.Dir, StateDir: cfg.Dir}
	v, mic, reps := OpenAudio(context.Background(), &cfg, env)
	if len(reps) != 2 || reps[0].Kind != "audio out" || reps[1].Kind != "audio in" || reps[0].Err != nil || reps[1].Err != nil {
		t.Fatalf("reports %v", reps)
	}
	if mic == nil || mic.Rate() != 16000 {
		t.Fatal("no microphone")
	}
	v.Screen(context.Background(), "attract", "zh")
	for clk.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	clk.Advance(time.Second)
	sp := v.sp.(*audiosim.Speaker)
	p := waitPlayed(t, sp, 1)
	got, err := audio.ReadWAV(p[0].File)
	if err != nil || got.Samples[0] != 250 {
		t.Fatalf("played at volume 0.25: %v %v", err, got.Samples[:1])
	}
	if filepath.Dir(p[0].File) != filepath.Join(cfg.Dir, "out") {
		t.Fatalf("written to %s", p[0].File)
	}
	v.Close()

	cfg.Audio.Speaker, cfg.Audio.Microphone = "none", "alsa:hw:99,0"
	v, mic, reps = OpenAudio(context.Background(), &cfg, env)
	if reps[0].Status != hw.Skipped || reps[1].Status != hw.Failed || mic != nil {
		t.Fatalf("reports %v", reps)
	}
	v.Screen(context.Background(), "attract", "zh") // no speaker: says nothing
}
