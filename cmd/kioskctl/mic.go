package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/logx"
)

func init() {
	register(command{name: "mic record", summary: "record from the configured microphone into a WAV file (level, clipping, rate)", run: micRecordCmd})
}

func micRecordCmd(c *cli, args []string) int {
	fs := flag.NewFlagSet("mic record", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfgPath := configFlag(fs)
	sim := fs.Bool("sim", false, "the development defaults (simulated microphone)")
	spec := fs.String("mic", "", "microphone spec instead of [audio] microphone (alsa:hw:1,0, sim:DIGITS,...)")
	seconds := fs.Float64("seconds", 3, "how long to record (0.1..60)")
	out := fs.String("out", "", "WAV file to write (required)")
	say := fs.String("say", "", "simulated microphone only: digits the simulated candidate says")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *out == "" {
		return c.usagef("usage: kioskctl mic record [--config FILE] [--sim] [--mic SPEC] [--seconds N] [--say DIGITS] --out FILE.wav")
	}
	if !(*seconds >= 0.1 && *seconds <= 60) {
		return c.usagef("mic record: --seconds %v: want 0.1..60", *seconds)
	}
	var cfg *config.Config
	var err error
	if *sim {
		cfg, err = simConfig(*cfgPath)
	} else {
		cfg, err = loadKioskConfig(*cfgPath)
	}
	if err != nil {
		return c.usagef("%v", err)
	}
	if *spec != "" {
		cfg.Audio.Microphone = *spec
	}
	env := hw.Env{Clock: clock.Real{}, Rand: entropy.System, Log: logx.Discard(), ConfigDir: cfg.Dir, StateDir: cfg.Path(cfg.Paths.StateDir)}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	mic, rep := audio.MicrophoneBackends.Open(ctx, cfg.Audio.Microphone, env)
	if rep.Err != nil {
		return c.errorf("mic record: %v", rep)
	}
	defer mic.Close()
	if *say != "" {
		sc, ok := mic.(audio.SimControl)
		if !ok {
			return c.usagef("mic record: --say needs a simulated microphone, not %s", cfg.Audio.Microphone)
		}
		if err := sc.SayDigits(*say); err != nil {
			return c.errorf("mic record: %v", err)
		}
	}
	d := time.Duration(*seconds * float64(time.Second))
	fmt.Fprintf(c.stderr, "recording %s from %s at %d Hz...\n", d, cfg.Audio.Microphone, mic.Rate())
	start := time.Now()
	pcm, err := mic.Record(ctx, d)
	if err != nil {
		return c.errorf("mic record: %v", err)
	}
	el := time.Since(start)
	if err := audio.WriteWAV(*out, pcm); err != nil {
		return c.errorf("mic record: %v", err)
	}
	fmt.Fprintf(c.stdout, "%s: %d samples at %d Hz (%.0f Hz measured), peak %.1f dBFS, rms %.1f dBFS, %.2f%% clipped\n",
		*out, len(pcm.Samples), pcm.Rate, float64(len(pcm.Samples))/el.Seconds(),
		audio.DBFS(float64(audio.Peak(pcm))), audio.DBFS(audio.RMS(pcm)), 100*audio.ClipFraction(pcm))
	return 0
}
