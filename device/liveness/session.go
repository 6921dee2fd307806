package liveness

import (
	"fmt"
	"math"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/face"
)

// Params are the check's limits. Defaults gives working values.
type Params struct {
	// ChallengeTime is the time limit of each challenge.
	ChallengeTime time.Duration
	// ReadyTime is how long the candidate may take to show a usable face
	// before the first challenge; ReadyHold how long they hold still facing
	// the camera for the neutral pose to be measured.
	ReadyTime, ReadyHold time.Duration
	// PassiveMin is the smoothed live probability a face must keep;
	// PassiveAlpha the smoothing factor of the moving average; PassiveRun
	// how many analysed frames in a row below the minimum fail at once;
	// PassiveFrames how many analysed faces the check needs at least.
	PassiveMin    float64
	PassiveAlpha  float64
	PassiveRun    int
	PassiveFrames int
	// FrontalDegrees bounds yaw and pitch of a face that faces the camera;
	// PitchLevel is the pitch the pose network reads for a level head
	// (about 10 degrees on portraits: docs/liveness.md).
	FrontalDegrees float64
	PitchLevel     float64
	// TurnDegrees is the yaw change a turn needs; NodDegrees the pitch
	// change of a nod.
	TurnDegrees, NodDegrees float64
	// EyeOpenMin and EyeClosedMax split the eye network's open probability.
	EyeOpenMin, EyeClosedMax float64
	// MouthOpen is the rise of the mouth aspect ratio over the neutral
	// value that counts as an open mouth; MinSyllables how many openings
	// reading four digits needs.
	MouthOpen    float64
	MinSyllables int
	// MinFace and MaxFace bound the face box width as a fraction of the
	// frame width.
	MinFace, MaxFace float64
	// MinBrightness and MaxBrightness bound the face's mean grey level.
	MinBrightness, MaxBrightness float64
	// EmbedEvery re-embeds the face every this many analysed frames.
	EmbedEvery int
	// SameMin is the similarity below which the face is another person's;
	// 0 uses the engine's match threshold.
	SameMin float32
	// MaxJump is how far (in face widths) the face centre may move between
	// two analysed frames less than half a second apart.
	MaxJump float64
	// SecondFace is the area, relative to the chosen face, from which
	// another face counts as a second person.
	SecondFace float64
	// MaxGap is how long the face may be lost during the challenges.
	MaxGap time.Duration
	// AnalyzeEvery analyses one frame in this many (1: all).
	AnalyzeEvery int
}

// Defaults are the limits tuned on the simulator and on video of real
// faces (see docs/liveness.md).
func Defaults() Params {
	return Params{
		ChallengeTime:  8 * time.Second,
		ReadyTime:      15 * time.Second,
		ReadyHold:      400 * time.Millisecond,
		PassiveMin:     0.35,
		PassiveAlpha:   0.15,
		PassiveRun:     12,
		PassiveFrames:  8,
		FrontalDegrees: 15,
		PitchLevel:     10,
		TurnDegrees:    18,
		NodDegrees:     10,
		EyeOpenMin:     0.6,
		EyeClosedMax:   0.4,
		MouthOpen:      0.1,
		MinSyllables:   3,
		MinFace:        0.12,
		MaxFace:        0.7,
		MinBrightness:  50,
		MaxBrightness:  225,
		EmbedEvery:     10,
		MaxJump:        0.6,
		SecondFace:     0.2,
		MaxGap:         1500 * time.Millisecond,
		AnalyzeEvery:   2,
	}
}

// Outcome is how one challenge went.
type Outcome struct {
	Challenge Challenge     `json:"challenge"`
	Passed    bool          `json:"passed"`
	Took      time.Duration `json:"took_ns"`
	// Value is the deciding measurement: blink the lowest eye-open
	// probability, turns the largest yaw change (degrees), nod the largest
	// pitch change, read_digits the number of mouth openings.
	Value float64 `json:"value"`
}

// Result is the end of a check.
type Result struct {
	Passed bool   `json:"passed"`
	Reason Reason `json:"reason"`
	// Passive is the mean live probability of the analysed faces;
	// PassiveLow the lowest value of its moving average.
	Passive    float64 `json:"passive"`
	PassiveLow float64 `json:"passive_low"`
	PassiveMin float64 `json:"passive_min"`
	// Sequence and Digits are the challenges asked for.
	Sequence []Challenge `json:"sequence"`
	Digits   string      `json:"digits,omitempty"`
	Outcomes []Outcome   `json:"outcomes"`
	// SameMin is the lowest similarity of a re-embedding to the first
	// (1 when there was one embedding); Embeddings how many were taken.
	SameMin    float32 `json:"same_min"`
	Embeddings int     `json:"embeddings"`
	// Frames were received, Analysed measured.
	Frames   int           `json:"frames"`
	Analysed int           `json:"analysed"`
	Duration time.Duration `json:"duration_ns"`
	// Best is a copy of the sharpest frontal frame with open eyes (zero
	// when no frame showed a face) and BestMeasure its measurements.
	Best        camera.Frame `json:"-"`
	BestMeasure Measure      `json:"-"`
}

// Progress is what the screen shows while the check runs.
type Progress struct {
	Time time.Time
	// Face tells whether Box (the tracked face) is valid.
	Face bool
	Box  face.Rect
	// Guidance is a reason code the screen shows ("" while the candidate
	// does what the challenge asks).
	Guidance string
	// Index is the current challenge (0-based; Total before the first,
	// -1 while getting ready) and Challenge its name.
	Index     int
	Challenge Challenge
	Total     int
	// Left is the time left for the current challenge (or to get ready).
	Left time.Duration
	// Passive is the current smoothed live probability.
	Passive float64
	// Digits are the digits to read, for read_digits.
	Digits string
}

// Session judges one check from its measurements. It is the pure core of
// Check: feed it Step by Step.
type Session struct {
	p       Params
	seq     []Challenge
	digits  string
	compare func(a, b face.Embedding) face.Match

	start, last time.Time
	started     bool
	done        bool
	res         Result

	// ready phase
	ready      bool
	readySince time.Time
	readyYaw   []float64
	readyPitch []float64
	readyMAR   []float64
	yaw0       float64
	pitch0     float64
	mar0       float64
	guidance   string

	// challenges
	idx     int
	chStart time.Time
	det     detector

	// passive
	ema, low      float64
	liveSum       float64
	liveN, lowRun int

	// tracking
	lastBox    face.Rect
	lastFace   time.Time
	haveFace   bool
	secondRun  int
	ref        face.Embedding
	sinceEmbed int
	needEmbed  bool
	turned     bool // the last analysed face did not look at the camera

	bestScore float64
	bestLoose bool
}

// NewSession starts a check of seq (digits for read_digits). compare is the
// face engine's comparison (Analyzer.Compare).
func NewSession(p Params, seq []Challenge, digits string, compare func(a, b face.Embedding) face.Match) *Session {
	return &Session{
		p: p, seq: seq, digits: digits, compare: compare,
		res:       Result{Sequence: seq, Digits: digits, PassiveMin: p.PassiveMin, SameMin: 1, PassiveLow: 1},
		needEmbed: true, idx: -1, bestScore: -1, low: 1,
	}
}

// Done reports whether the check has ended.
func (s *Session) Done() bool { return s.done }

// Result is the outcome once Done (Best is filled in by Check).
func (s *Session) Result() Result { return s.res }

// WantEmbed tells whether the next analysed frame should be embedded.
func (s *Session) WantEmbed() bool {
	// The last challenge done, one more embedding closes the same-person
	// check.
	done := s.ready && s.idx >= len(s.seq) && s.res.Embeddings < 2
	if s.turned && s.ref != nil {
		return false // wait until the face looks at the camera again
	}
	return s.needEmbed || done || s.sinceEmbed >= s.p.EmbedEvery-1
}

// Frame counts a frame received, analysed or not, and checks the time
// limits at its time t.
func (s *Session) Frame(t time.Time) {
	if s.done {
		return
	}
	s.res.Frames++
	s.tick(t)
}

func (s *Session) tick(t time.Time) {
	if !s.started {
		s.start, s.started = t, true
	}
	s.last = t
	s.res.Duration = t.Sub(s.start)
	switch {
	case !s.ready && t.Sub(s.start) > s.p.ReadyTime:
		code := s.guidance
		if code == "" || code == CodeHoldStill {
			code = CodeFaceCamera
		}
		s.finish(code)
	case s.ready && s.idx < len(s.seq) && t.Sub(s.chStart) > s.p.ChallengeTime:
		c := s.seq[s.idx]
		s.res.Outcomes = append(s.res.Outcomes, Outcome{Challenge: c, Took: t.Sub(s.chStart), Value: s.det.value})
		s.finish(failCode(c))
	case s.ready && s.idx >= len(s.seq) && t.Sub(s.chStart) > s.p.ChallengeTime:
		// Challenges done but too few analysed faces for the passive
		// check: the camera delivered too little.
		s.finish(CodeHoldStill)
	}
}

func (s *Session) finish(code string) {
	if s.done {
		return
	}
	s.done = true
	if s.liveN > 0 {
		s.res.Passive = s.liveSum / float64(s.liveN)
		s.res.PassiveLow = min(s.res.PassiveLow, s.low)
	} else {
		s.res.PassiveLow = 0
	}
	if code == CodeOK && s.res.Passive < s.p.PassiveMin {
		code = CodeSpoof
	}
	s.res.Passed = code == CodeOK
	s.res.Reason = ReasonFor(code)
}

// Fail ends the check with a reason (a camera error, a cancel).
func (s *Session) Fail(code string) { s.finish(code) }

// guide returns the guidance for a measured face ("" when it is usable).
func (s *Session) guide(m *Measure) string {
	p := s.p
	switch {
	case m.Faces == 0:
		return CodeNoFace
	case m.Brightness < p.MinBrightness:
		return CodeTooDark
	case m.Brightness > p.MaxBrightness:
		return CodeTooBright
	}
	if m.Width > 0 {
		fw := float64(m.Box.W()) / float64(m.Width)
		c := m.Box.Center()
		cx, cy := float64(c.X)/float64(m.Width), float64(c.Y)/float64(max(m.Height, 1))
		switch {
		case fw < p.MinFace:
			return CodeMoveCloser
		case fw > p.MaxFace:
			return CodeMoveBack
		case cx < 0.2 || cx > 0.8 || cy < 0.15 || cy > 0.85:
			return CodeCentre
		}
	}
	return ""
}

// Step judges one analysed frame. It returns true when the frame is the
// best so far (the caller keeps a copy of it).
func (s *Session) Step(m Measure) (best bool) {
	if s.done {
		return false
	}
	s.tick(m.Time)
	if s.done {
		return false
	}
	s.res.Analysed++
	if m.Faces == 0 {
		s.guidance = CodeNoFace
		if s.haveFace {
			s.secondRun = 0
		}
		if s.ready && m.Time.Sub(s.lastFace) > s.p.MaxGap {
			s.finish(CodeFaceLost)
		}
		if m.Time.Sub(s.lastFace) > 300*time.Millisecond {
			s.needEmbed = true
		}
		return false
	}
	// Tracking: the face may not jump.
	if s.haveFace && m.Time.Sub(s.lastFace) < 500*time.Millisecond {
		w := float64(max(s.lastBox.W(), 1))
		jump := dist(s.lastBox.Center(), m.Box.Center()) / w
		ratio := float64(m.Box.W()) / w
		if jump > s.p.MaxJump || ratio < 0.67 || ratio > 1.5 {
			if s.ready {
				s.finish(CodeOtherPerson)
				return false
			}
			s.needEmbed = true
			s.ref = nil // before the challenges: start over with this face
			s.readySince = time.Time{}
		}
	}
	s.lastBox, s.lastFace, s.haveFace = m.Box, m.Time, true
	// A second person.
	if m.Faces > 1 && float64(m.Second.Area()) >= s.p.SecondFace*float64(m.Box.Area()) {
		s.secondRun++
		if s.secondRun >= 2 {
			s.guidance = CodeSecondFace
			if s.ready {
				s.finish(CodeSecondFace)
				return false
			}
			s.readySince = time.Time{}
		}
	} else {
		s.secondRun = 0
	}
	// Same person, judged on faces that look at the camera (a turned face
	// embeds poorly); a turned face's embedding is set aside and the next
	// frame asked for another.
	s.turned = !s.frontal(&m)
	if m.Embedding != nil && s.turned {
		m.Embedding = nil
	}
	if m.Embedding != nil {
		s.res.Embeddings++
		s.sinceEmbed, s.needEmbed = 0, false
		if s.ref == nil {
			s.ref = m.Embedding
		} else if s.compare != nil {
			mt := s.compare(s.ref, m.Embedding)
			s.res.SameMin = min(s.res.SameMin, mt.Score)
			thr := s.p.SameMin
			if thr == 0 {
				thr = mt.Threshold
			}
			if mt.Score < thr {
				s.finish(CodeOtherPerson)
				return false
			}
		}
	} else {
		s.sinceEmbed++
	}
	if s.passive(&m) {
		s.finish(CodeSpoof)
		return false
	}
	best = s.considerBest(&m)
	g := s.guide(&m)
	if !s.ready {
		s.getReady(&m, g)
		return best
	}
	s.guidance = g
	if s.idx < len(s.seq) {
		if s.det.step(s, &m) {
			c := s.seq[s.idx]
			s.res.Outcomes = append(s.res.Outcomes, Outcome{Challenge: c, Passed: true, Took: m.Time.Sub(s.chStart), Value: s.det.value})
			s.next(m.Time)
		}
	}
	if s.idx >= len(s.seq) && s.liveN >= s.p.PassiveFrames && s.res.Embeddings >= 2 {
		s.finish(CodeOK)
	}
	return best
}

// frontal tells whether m faces the camera: relative to the neutral pose
// once it is known, to the level pose before.
func (s *Session) frontal(m *Measure) bool {
	y0, p0 := s.yaw0, s.pitch0
	if !s.ready {
		y0, p0 = 0, s.p.PitchLevel
	}
	return math.Abs(m.Yaw-y0) <= s.p.FrontalDegrees && math.Abs(m.Pitch-p0) <= s.p.FrontalDegrees
}

// passive adds m's live probability to the passive check when the face
// looks at the camera (the anti-spoof network scores turned faces low
// whatever they are: docs/liveness.md). It reports a failure: the
// smoothed score below the minimum for PassiveRun scored frames in a row.
func (s *Session) passive(m *Measure) bool {
	if !s.frontal(m) {
		return false
	}
	if s.liveN == 0 {
		s.ema = m.Live
	} else {
		s.ema += s.p.PassiveAlpha * (m.Live - s.ema)
	}
	s.liveSum += m.Live
	s.liveN++
	if s.liveN >= 3 {
		s.low = min(s.low, s.ema)
	}
	if s.ema < s.p.PassiveMin {
		s.lowRun++
		return s.lowRun >= s.p.PassiveRun
	}
	s.lowRun = 0
	return false
}

func (s *Session) getReady(m *Measure, g string) {
	if g == "" && !s.frontal(m) {
		g = CodeFaceCamera
	}
	if g == "" && s.secondRun >= 2 {
		g = CodeSecondFace
	}
	if g != "" {
		s.guidance = g
		s.readySince = time.Time{}
		s.readyYaw, s.readyPitch, s.readyMAR = s.readyYaw[:0], s.readyPitch[:0], s.readyMAR[:0]
		return
	}
	s.guidance = CodeHoldStill
	if s.readySince.IsZero() {
		s.readySince = m.Time
	}
	s.readyYaw = append(s.readyYaw, m.Yaw)
	s.readyPitch = append(s.readyPitch, m.Pitch)
	s.readyMAR = append(s.readyMAR, m.MAR)
	if m.Time.Sub(s.readySince) >= s.p.ReadyHold && len(s.readyYaw) >= 3 && s.ref != nil {
		s.yaw0, s.pitch0, s.mar0 = median(s.readyYaw), median(s.readyPitch), median(s.readyMAR)
		s.ready = true
		s.guidance = ""
		s.next(m.Time)
	}
}

func (s *Session) next(t time.Time) {
	s.idx++
	s.chStart = t
	s.det = detector{}
}

// Progress is what the screen shows at time t.
func (s *Session) Progress() Progress {
	p := Progress{Time: s.last, Face: s.haveFace && s.last.Sub(s.lastFace) < 300*time.Millisecond, Box: s.lastBox,
		Guidance: s.guidance, Index: -1, Total: len(s.seq), Passive: s.ema, Digits: s.digits}
	if !s.ready {
		p.Left = max(0, s.p.ReadyTime-s.last.Sub(s.start))
		return p
	}
	p.Index = s.idx
	if s.idx < len(s.seq) {
		p.Challenge = s.seq[s.idx]
		p.Left = s.p.ChallengeTime - s.last.Sub(s.chStart)
	}
	if p.Left < 0 {
		p.Left = 0
	}
	return p
}

// considerBest scores m as the best frame: sharpness, weighted down as the
// face turns, for one frontal face with open eyes (a small face far behind
// does not count). Until such a frame
// comes, any single face is kept (loosely).
func (s *Session) considerBest(m *Measure) bool {
	if m.Faces == 0 || m.Faces > 1 && float64(m.Second.Area()) >= s.p.SecondFace*float64(m.Box.Area()) {
		return false
	}
	dy, dp := math.Abs(m.Yaw-s.yaw0), math.Abs(m.Pitch-s.pitch0)
	strict := dy <= 10 && dp <= 10 && m.EyeOpen[0] >= s.p.EyeOpenMin && m.EyeOpen[1] >= s.p.EyeOpenMin &&
		m.MAR-s.mar0 < s.p.MouthOpen/2
	score := m.Sharpness * (1 - min(dy, 45)/45) * (1 - min(dp, 45)/45)
	switch {
	case strict && (s.bestLoose || score > s.bestScore):
		s.bestLoose = false
	case !strict && (s.bestScore < 0 || s.bestLoose && score > s.bestScore):
		s.bestLoose = true
	default:
		return false
	}
	s.bestScore = score
	s.res.BestMeasure = *m
	s.res.BestMeasure.Embedding = nil
	return true
}

// detector follows the current challenge.
type detector struct {
	state  int
	value  float64
	hits   int
	opened time.Time
	init   bool
}

func (d *detector) step(s *Session, m *Measure) bool {
	c := s.seq[s.idx]
	p := s.p
	switch c {
	case Blink:
		lo := min(m.EyeOpen[0], m.EyeOpen[1])
		if !d.init {
			d.value, d.init = 1, true
		}
		d.value = min(d.value, lo)
		if math.Abs(m.Yaw-s.yaw0) > 2*p.FrontalDegrees {
			return false
		}
		hi := max(m.EyeOpen[0], m.EyeOpen[1])
		switch {
		case d.state == 0 && lo >= p.EyeOpenMin:
			d.state = 1
		case d.state == 1 && hi <= p.EyeClosedMax:
			d.state = 2
		case d.state == 2 && lo >= p.EyeOpenMin:
			return true
		}
	case TurnLeft, TurnRight:
		dir := 1.0
		if c == TurnRight {
			dir = -1
		}
		v := (m.Yaw - s.yaw0) * dir
		d.value = max(d.value, v)
		if v >= p.TurnDegrees {
			d.hits++
			return d.hits >= 2
		}
		d.hits = 0
	case Nod:
		v := math.Abs(m.Pitch - s.pitch0)
		d.value = max(d.value, v)
		switch {
		case d.state == 0 && v >= p.NodDegrees:
			d.state = 1
		case d.state == 1 && v <= p.NodDegrees/2:
			return true
		}
	case ReadDigits:
		rise := m.MAR - s.mar0
		switch {
		case d.state == 0 && rise >= p.MouthOpen:
			d.state, d.opened = 1, m.Time
		case d.state == 1 && rise <= p.MouthOpen/2:
			d.state = 0
			if held := m.Time.Sub(d.opened); held >= 60*time.Millisecond && held <= 1200*time.Millisecond {
				d.value++
			}
			return int(d.value) >= p.MinSyllables
		}
	}
	return false
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := append([]float64(nil), v...)
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j] < c[j-1]; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
	return c[len(c)/2]
}

// String is a one-line summary for logs (no personal data).
func (r Result) String() string {
	return fmt.Sprintf("passed=%v reason=%s passive=%.2f same_min=%.2f frames=%d analysed=%d", r.Passed, r.Reason.Code, r.Passive, r.SameMin, r.Frames, r.Analysed)
}

// FromConfig applies the [liveness] section to the defaults.
func FromConfig(c config.LivenessConfig) Params {
	p := Defaults()
	p.ChallengeTime = c.ChallengeTime.D()
	p.PassiveMin = c.PassiveMin
	if c.AnalyzeEvery > 0 {
		p.AnalyzeEvery = c.AnalyzeEvery
	}
	return p
}
