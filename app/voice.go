package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/ui/i18n"
)

// Voice speaks each screen's instruction (ui/i18n Prompts, recorded at
// build time by build/prompts into zh/<screen>.wav and en/<screen>.wav)
// through the speaker. A new screen interrupts the prompt still playing.
// A nil *Voice, or one without a speaker, says nothing.
type Voice struct {
	sp  audio.Speaker
	dir string
	log *slog.Logger

	mu      sync.Mutex
	cache   map[string]*audio.PCM // nil entry: no recording
	cancel  context.CancelFunc
	playing chan struct{}
	closed  bool
}

// NewVoice makes a voice playing the recordings in dir through sp.
func NewVoice(sp audio.Speaker, dir string, log *slog.Logger) *Voice {
	if log == nil {
		log = logx.Discard()
	}
	return &Voice{sp: sp, dir: dir, log: log, cache: map[string]*audio.PCM{}}
}

// Screen stops the prompt playing, if any, and starts the prompt of the
// screen (a flow step name, "attract") in lang ("zh", "en"; "" or unknown
// is zh). It does not wait for the prompt to be played; ctx ending stops
// it. A screen without a prompt (the technician menu) just stops the last.
func (v *Voice) Screen(ctx context.Context, name, lang string) {
	if v == nil || v.sp == nil {
		return
	}
	l, err := i18n.Parse(lang)
	if err != nil {
		l = i18n.Default
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return
	}
	v.stopLocked()
	pcm := v.loadLocked(name, l)
	if pcm == nil {
		return
	}
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	v.cancel, v.playing = cancel, done
	go func() {
		defer close(done)
		defer cancel()
		if err := v.sp.Play(pctx, *pcm); err != nil && !errors.Is(err, context.Canceled) {
			v.log.Warn("voice prompt", "screen", name, "lang", string(l), "err", err)
		}
	}()
}

// Stop stops the prompt playing and waits until the speaker has stopped.
func (v *Voice) Stop() {
	if v == nil {
		return
	}
	v.mu.Lock()
	v.stopLocked()
	v.mu.Unlock()
}

func (v *Voice) stopLocked() {
	if v.cancel == nil {
		return
	}
	v.cancel()
	<-v.playing
	v.cancel, v.playing = nil, nil
}

// loadLocked reads (once) the recording of a screen.
func (v *Voice) loadLocked(name string, l i18n.Lang) *audio.PCM {
	key := string(l) + "/" + name
	if p, ok := v.cache[key]; ok {
		return p
	}
	var p *audio.PCM
	if _, ok := i18n.PromptFor(name); ok {
		pcm, err := audio.ReadWAV(filepath.Join(v.dir, string(l), name+".wav"))
		if err != nil {
			v.log.Warn("voice prompt missing: make them with `make prompts`", "screen", name, "lang", string(l), "err", err)
		} else {
			pcm.Label = "prompt " + name + " " + string(l)
			p = &pcm
		}
	}
	v.cache[key] = p
	return p
}

// SetVolume sets the prompts' volume, 0..1 (the technician menu).
func (v *Voice) SetVolume(x float64) {
	if v != nil && v.sp != nil {
		v.sp.SetVolume(x)
	}
}

// SetMute mutes or unmutes the prompts, stopping the one playing.
func (v *Voice) SetMute(m bool) {
	if v == nil || v.sp == nil {
		return
	}
	v.sp.SetMute(m)
	if m {
		v.Stop()
	}
}

// Close stops the voice and closes the speaker.
func (v *Voice) Close() error {
	if v == nil {
		return nil
	}
	v.mu.Lock()
	v.stopLocked()
	v.closed = true
	v.mu.Unlock()
	if v.sp == nil {
		return nil
	}
	return v.sp.Close()
}

// OpenAudio opens [audio]'s speaker and microphone through their
// registries and makes the voice (with the configured volume and mute).
// A device that fails or is not fitted is nil, with its report.
func OpenAudio(ctx context.Context, cfg *config.Config, env hw.Env) (*Voice, audio.Microphone, []hw.Report) {
	sp, rsp := audio.SpeakerBackends.Open(ctx, cfg.Audio.Speaker, env)
	mic, rmic := audio.MicrophoneBackends.Open(ctx, cfg.Audio.Microphone, env)
	for _, r := range []hw.Report{rsp, rmic} {
		attrs := []any{"kind", r.Kind, "spec", r.Spec, "status", r.Status.String()}
		lvl := slog.LevelInfo
		if r.Err != nil {
			attrs = append(attrs, "err", r.Err)
			if r.Status == hw.Failed {
				lvl = slog.LevelError
			}
		}
		env.Log.Log(ctx, lvl, "device", attrs...)
	}
	dir := cfg.Path(cfg.Audio.Prompts)
	if sp != nil {
		sp.SetVolume(cfg.Audio.Volume)
		sp.SetMute(cfg.Audio.Mute)
		if _, err := os.Stat(dir); err != nil {
			env.Log.Warn("voice prompts", "err", fmt.Errorf("app: %w (make them with `make prompts`)", err))
		}
	}
	return NewVoice(sp, dir, env.Log), mic, []hw.Report{rsp, rmic}
}
