package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/face"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/liveness"
	"github.com/hbzk/kiosk/device/photo"
	"github.com/hbzk/kiosk/drivers/opencv"
	"github.com/hbzk/kiosk/ui"
)

// LiveOutcome is what a liveness check leaves in the session.
type LiveOutcome struct {
	Result liveness.Result
}

// MatchOutcome is what the face match leaves in the session.
type MatchOutcome struct {
	Match face.Match
	// Chip is the decoded chip photo (for the record).
	Chip image.Image
}

// PhotoOutcome is what the registration photo step leaves in the session.
type PhotoOutcome struct {
	Photo  photo.Photo
	Report photo.Report
	Match  face.Match
}

// FaceServices run the face engine for the session: liveness on the
// camera, the 1:1 match against the chip photo, the registration photo.
// The engine is not safe for concurrent use; the flow runs one step at a
// time, and mu guards it all the same.
type FaceServices struct {
	log   *slog.Logger
	clk   clock.Clock
	cam   camera.Camera
	chip  idcard.PhotoDecoder
	eng   *opencv.Engine
	live  *opencv.LiveAnalyzer
	check *liveness.Checker
	maker *photo.Maker
	// countdown is the 3-2-1 shown once the photo checks pass, before the
	// photo is taken (zero: none).
	countdown time.Duration

	mu     sync.Mutex
	closed bool
}

// NewFaceServices loads the models of the manifest (each file checked
// before OpenCV sees it) and prepares the checks. dec decodes chip photos.
func NewFaceServices(ctx context.Context, cfg *config.Config, cam camera.Camera, dec idcard.PhotoDecoder, log *slog.Logger, clk clock.Clock) (*FaceServices, error) {
	eng, err := opencv.NewFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	la, err := opencv.NewLiveAnalyzer(eng)
	if err != nil {
		eng.Close()
		return nil, err
	}
	params := liveness.FromConfig(cfg.Liveness)
	spec, err := photo.SpecFromConfig(cfg.Photo)
	if err != nil {
		eng.Close()
		return nil, err
	}
	pa := opencv.NewPhotoAnalyzer(la)
	return &FaceServices{
		log: log, clk: clk, cam: cam, chip: dec, eng: eng, live: la,
		check:     &liveness.Checker{Analyzer: la, Params: params},
		maker:     &photo.Maker{Analyzer: pa, Spec: spec},
		countdown: time.Duration(cfg.Flow.PhotoCount) * time.Second,
	}, nil
}

// Models names the model files in use, for the record.
func (f *FaceServices) Models() map[string]string {
	out := map[string]string{"engine": f.eng.ModelVersion()}
	if m := f.eng.Manifest(); m != nil {
		for role, mod := range m.Models {
			v := mod.SHA256
			if mod.Version != "" {
				v = mod.Version + " sha256:" + mod.SHA256
			}
			out[role] = v
		}
	}
	return out
}

// Close frees the networks, once the step using them (if any) has ended:
// OpenCV must not free a network in the middle of a forward pass.
func (f *FaceServices) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	return f.eng.Close()
}

// Liveness runs the passive and active checks on the camera.
func (f *FaceServices) Liveness(ctx context.Context, challenges []string, digits string, progress func(LiveProgress)) flow.LivenessDone {
	if f.cam == nil {
		return flow.LivenessDone{Reason: "camera"}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return flow.LivenessDone{Reason: "closed"}
	}
	var last *camera.Frame
	tee := teeCamera{Camera: f.cam, on: func(fr *camera.Frame) { last = fr }}
	limit := f.check.Params.ChallengeTime
	res, err := f.check.Check(ctx, tee, challenges, digits, func(p liveness.Progress) {
		progress(liveProgress(p, last, limit))
	})
	out := &LiveOutcome{Result: res}
	if err != nil && ctx.Err() == nil {
		f.log.Warn("liveness", "err", err)
	}
	f.log.Info("liveness", "passed", res.Passed, "reason", res.Reason.Code, "passive", res.Passive, "frames", res.Frames)
	return flow.LivenessDone{Passed: res.Passed && err == nil, Reason: res.Reason.Code, Raw: out}
}

// liveProgress maps the checker's progress to the screen's.
func liveProgress(p liveness.Progress, f *camera.Frame, limit time.Duration) LiveProgress {
	lp := LiveProgress{Frame: f, Guidance: p.Guidance, Remaining: p.Left, Count: p.Total}
	if p.Face {
		lp.Face = image.Rect(int(p.Box.X1), int(p.Box.Y1), int(p.Box.X2), int(p.Box.Y2))
	}
	if p.Index >= 0 && p.Index < p.Total {
		lp.Index, lp.Passed = p.Index+1, p.Index
		lp.Challenge = "challenge." + string(p.Challenge)
		lp.Limit = limit
	} else if p.Index < 0 {
		lp.Challenge = ui.ChallengeLook
	}
	return lp
}

// teeCamera shows every frame the checker reads to the preview.
type teeCamera struct {
	camera.Camera
	on func(*camera.Frame)
}

func (t teeCamera) Next(ctx context.Context) (camera.Frame, error) {
	fr, err := t.Camera.Next(ctx)
	if err == nil {
		t.on(&fr)
	}
	return fr, err
}

// Match compares the chip photo with the best live frame of the liveness
// check.
func (f *FaceServices) Match(ctx context.Context, card *idcard.Card, live any) flow.MatchDone {
	lo, ok := live.(*LiveOutcome)
	if !ok || lo == nil || lo.Result.Best.Width == 0 {
		return flow.MatchDone{Reason: "no live face"}
	}
	dec := f.chip
	if dec == nil {
		return flow.MatchDone{Reason: "no chip photo decoder"}
	}
	chip, err := dec.DecodePhoto(card.Photo)
	if err != nil {
		f.log.Warn("chip photo", "err", err)
		return flow.MatchDone{Reason: "chip photo"}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return flow.MatchDone{Reason: "closed"}
	}
	cf := camera.FromImage(chip)
	chipFace, err := f.eng.Face(&cf, face.Chip)
	if err != nil {
		f.log.Warn("chip face", "err", err)
		return flow.MatchDone{Reason: "chip face", Raw: &MatchOutcome{Chip: chip}}
	}
	best := lo.Result.Best
	liveFace, err := f.eng.Face(&best, face.Live)
	if err != nil {
		f.log.Warn("live face", "err", err)
		return flow.MatchDone{Reason: "live face", Raw: &MatchOutcome{Chip: chip}}
	}
	m := f.eng.Compare(chipFace.Embedding, liveFace.Embedding)
	f.log.Info("face match", "score", m.Score, "threshold", m.Threshold, "match", m.Match, "chip_path", chipFace.Path)
	return flow.MatchDone{Score: float64(m.Score), Threshold: float64(m.Threshold), Match: m.Match,
		Raw: &MatchOutcome{Match: m, Chip: chip}}
}

// Photo takes the registration photo: it watches the camera, runs the
// quality checks on frames until one passes (or time runs out), crops and
// encodes it, and checks it against the live face of the session.
func (f *FaceServices) Photo(ctx context.Context, live any, progress func(LiveProgress, []string)) (flow.PhotoDone, image.Image) {
	lo, _ := live.(*LiveOutcome)
	var liveEmb face.Embedding
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return flow.PhotoDone{Failed: []string{"closed"}}, nil
	}
	if lo != nil && lo.Result.Best.Width > 0 {
		best := lo.Result.Best
		if lf, err := f.eng.Face(&best, face.Live); err == nil {
			liveEmb = lf.Embedding
		}
	}
	if f.cam == nil {
		return flow.PhotoDone{Failed: []string{"camera"}}, nil
	}
	// The time limit runs on the camera's frames, as the liveness check's
	// does: a slow analysis sees the same frames, later.
	var deadline, counted time.Time
	var lastReport photo.Report
	var frames []camera.Frame
	// count is the countdown's number on screen once the checks pass:
	// the frames are taken when it has run out, on the camera's time.
	count := func(t time.Time) int {
		if counted.IsZero() || !t.Before(counted.Add(f.countdown)) {
			return 0
		}
		return int((counted.Add(f.countdown).Sub(t) + time.Second - 1) / time.Second)
	}
	for n := 0; ; n++ {
		fr, err := f.cam.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return flow.PhotoDone{}, nil
			}
			return flow.PhotoDone{Failed: []string{"camera"}}, nil
		}
		if deadline.IsZero() {
			deadline = fr.Time.Add(12 * time.Second)
		}
		if n%3 != 0 {
			progress(LiveProgress{Frame: &fr, Countdown: count(fr.Time)}, lastReport.Failed())
			continue
		}
		rep, err := f.maker.Check(&fr)
		if err != nil && !errors.Is(err, photo.ErrRefused) {
			f.log.Warn("photo check", "err", err)
		}
		lastReport = rep
		if rep.OK && counted.IsZero() && f.countdown > 0 {
			counted = fr.Time
			deadline = deadline.Add(f.countdown)
		}
		progress(LiveProgress{Frame: &fr, Countdown: count(fr.Time)}, rep.Failed())
		if rep.OK && count(fr.Time) == 0 {
			frames = append(frames, fr.Clone())
			if len(frames) >= 3 {
				break
			}
		}
		if fr.Time.After(deadline) {
			if len(frames) > 0 {
				break
			}
			return flow.PhotoDone{Failed: nonEmpty(rep.Failed(), "photo")}, nil
		}
	}
	p, rep, err := f.maker.MakeBest(frames, liveEmb)
	if err != nil {
		f.log.Info("photo refused", "err", err, "failed", fmt.Sprint(rep.Failed()))
		return flow.PhotoDone{Failed: nonEmpty(rep.Failed(), "photo")}, nil
	}
	out := &PhotoOutcome{Photo: p, Report: rep}
	if rep.Match != nil {
		out.Match = *rep.Match
	}
	f.log.Info("photo", "bytes", rep.Bytes, "quality", rep.Quality, "background_replaced", rep.BackgroundReplaced)
	return flow.PhotoDone{OK: true, Raw: out}, p.Image
}

func nonEmpty(s []string, def string) []string {
	if len(s) == 0 {
		return []string{def}
	}
	return s
}
