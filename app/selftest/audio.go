package selftest

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/hbzk/kiosk/device/audio"
	_ "github.com/hbzk/kiosk/device/audio/audiosim" // microphone "sim"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/selftest"
	_ "github.com/hbzk/kiosk/drivers/alsa" // microphone "alsa"
)

// The microphone's limits: speech must reach micMinPeak, at most
// micMaxClip of the samples may sit at full scale, and the rate measured
// against the clock must be within micRateTol of the device's.
const (
	micMinPeak = -40.0 // dBFS
	micMaxClip = 0.001
	micRateTol = 0.05
)

const micRemedy = "check the microphone's cable, and in alsamixer that Capture is unmuted and its gain up; `kioskctl mic record --seconds 3 --out /tmp/t.wav` records a sample"

// microphone records a few seconds and checks the rate against the clock,
// the level and clipping. A simulated microphone says two digits; on a
// real one the technician is asked to speak.
func (t *tester) microphone(ctx context.Context) []selftest.Check {
	var given audio.Microphone
	if t.o.Devices != nil {
		given = t.o.Devices.Microphone
	}
	mic, rep, release := opened(t.cfg.Audio.Microphone, given, given != nil, func() (audio.Microphone, hw.Report) {
		return audio.MicrophoneBackends.Open(ctx, t.cfg.Audio.Microphone, t.env)
	})
	defer release()
	open, ok := t.openCheck("microphone", rep, micRemedy)
	if ok {
		open.Value += fmt.Sprintf(" (%d Hz)", mic.Rate())
	}
	if !ok {
		return []selftest.Check{open}
	}
	dur := t.o.MicRecord
	if sim, isSim := mic.(audio.SimControl); isSim {
		if err := sim.SayDigits("1 2"); err != nil {
			return []selftest.Check{open, selftest.Fail("microphone level", "make the simulated candidate speak: "+err.Error(),
				"make the digit recordings: make prompts (and [audio] microphone = 'sim:var/prompts/digits')")}
		}
	} else if t.o.Prompt != nil {
		fmt.Fprintf(t.o.Prompt, ">>> Speak into the microphone now (count from one to five) for %s.\n", dur.Round(time.Second))
	}
	return append([]selftest.Check{open}, MicChecks(ctx, mic, dur, t.o.Clock.Now)...)
}

// MicChecks records d from mic and checks rate, level and clipping. now
// times the recording.
func MicChecks(ctx context.Context, mic audio.Microphone, d time.Duration, now func() time.Time) []selftest.Check {
	start := now()
	pcm, err := mic.Record(ctx, d)
	elapsed := now().Sub(start)
	if err != nil {
		return []selftest.Check{selftest.Fail("microphone record", err.Error(), micRemedy)}
	}
	var out []selftest.Check
	want := mic.Rate()
	if elapsed <= 0 {
		out = append(out, selftest.Fail("microphone rate", fmt.Sprintf("%d samples in no time", len(pcm.Samples)),
			"the device delivers audio faster than real time: it is not a live microphone (ALSA null device?)"))
	} else {
		got := float64(len(pcm.Samples)) / elapsed.Seconds()
		v := fmt.Sprintf("%.0f Hz measured, %d Hz set", got, want)
		if math.Abs(got-float64(want)) > micRateTol*float64(want) || pcm.Rate != want {
			out = append(out, selftest.Fail("microphone rate", v, "the device's clock does not keep its rate: replug the USB audio adapter, or use plughw: / default"))
		} else {
			out = append(out, selftest.Pass("microphone rate", v))
		}
	}
	peak := audio.DBFS(float64(audio.Peak(pcm)))
	rms := audio.DBFS(audio.RMS(pcm))
	level := fmt.Sprintf("peak %.1f dBFS, rms %.1f dBFS", peak, rms)
	switch {
	case audio.Peak(pcm) == 0:
		out = append(out, selftest.Fail("microphone level", "digital silence (every sample 0)", "the capture is muted or the microphone not connected: "+micRemedy))
	case peak < micMinPeak:
		out = append(out, selftest.Fail("microphone level", level+fmt.Sprintf(": nothing louder than %.0f dBFS heard", micMinPeak), micRemedy))
	default:
		out = append(out, selftest.Pass("microphone level", level))
	}
	clip := audio.ClipFraction(pcm)
	cv := fmt.Sprintf("%.2f%% of samples at full scale", 100*clip)
	if clip > micMaxClip {
		out = append(out, selftest.Fail("microphone clipping", cv, "lower the capture gain in alsamixer"))
	} else {
		out = append(out, selftest.Pass("microphone clipping", cv))
	}
	return out
}
