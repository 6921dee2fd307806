package liveness

import (
	"context"
	"errors"
	"fmt"

	"github.com/hbzk/kiosk/device/camera"
)

// Checker runs liveness checks on a camera with an analyser.
type Checker struct {
	Analyzer Analyzer
	Params   Params
}

// Check runs one check: challenges in the order given (names as in
// config: "blink", "turn_left", ...), digits for read_digits. progress,
// when not nil, is called after every frame with what the screen shows.
//
// A check that ran to its end returns its Result and a nil error, passed
// or not. An error is returned, with a failed Result, for bad challenge
// names (ErrBadChallenge), a camera that fails (camera_problem), an
// analyser error, or ctx ending (cancelled). A finite source (file,
// folder) that ends before the check does fails it with the reason the
// candidate would have seen when time ran out.
func (c *Checker) Check(ctx context.Context, cam camera.Camera, challenges []string, digits string, progress func(Progress)) (Result, error) {
	seq, err := Challenges(challenges)
	if err != nil {
		return Result{Reason: ReasonFor(CodeCameraProblem)}, err
	}
	s := NewSession(c.Params, seq, digits, c.Analyzer.Compare)
	every := max(c.Params.AnalyzeEvery, 1)
	var best camera.Frame
	n := 0
	for !s.Done() {
		f, err := cam.Next(ctx)
		if err != nil {
			switch {
			case errors.Is(err, camera.ErrEnd):
				s.endOfFrames()
				continue
			case ctx.Err() != nil:
				s.Fail(CodeCancelled)
				err = fmt.Errorf("liveness: %w", ctx.Err())
			default:
				s.Fail(CodeCameraProblem)
				err = fmt.Errorf("liveness: camera: %w", err)
			}
			r := s.Result()
			r.Best = best
			return r, err
		}
		s.Frame(f.Time)
		if !s.Done() && n%every == 0 {
			m, err := c.Analyzer.Analyze(&f, s.WantEmbed())
			if err != nil {
				s.Fail(CodeCameraProblem)
				r := s.Result()
				r.Best = best
				return r, fmt.Errorf("liveness: frame %d: %w", f.Seq, err)
			}
			m.Seq, m.Time = f.Seq, f.Time
			if m.Width == 0 {
				m.Width, m.Height = f.Width, f.Height
			}
			if s.Step(m) {
				if best.Width == f.Width && best.Height == f.Height {
					copy(best.Pix, f.Pix)
					best.Seq, best.Time = f.Seq, f.Time
				} else {
					best = f.Clone()
				}
			}
		}
		n++
		if progress != nil {
			progress(s.Progress())
		}
	}
	r := s.Result()
	r.Best = best
	return r, nil
}

// endOfFrames ends a check whose source ran out.
func (s *Session) endOfFrames() {
	switch {
	case !s.ready:
		code := s.guidance
		if code == "" || code == CodeHoldStill {
			code = CodeFaceCamera
		}
		s.finish(code)
	case s.idx < len(s.seq):
		c := s.seq[s.idx]
		s.res.Outcomes = append(s.res.Outcomes, Outcome{Challenge: c, Took: s.last.Sub(s.chStart), Value: s.det.value})
		s.finish(failCode(c))
	default:
		s.finish(CodeHoldStill)
	}
}
