package opencv

import (
	"errors"
	"fmt"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
	"github.com/hbzk/kiosk/device/liveness"
)

// LiveAnalyzer measures camera frames for the liveness check
// (liveness.Analyzer): the engine's detection, landmarks and (when asked)
// embedding, then head pose, eye state, anti-spoof score, grey level and
// sharpness of the chosen face, and the mouth and eye aspect ratios of its
// landmarks.
type LiveAnalyzer struct {
	eng   *Engine
	on    bool
	Pose  *PoseStage
	Eyes  *EyeStage
	Spoof *SpoofStage
	Qual  *QualityStage
}

var _ liveness.Analyzer = (*LiveAnalyzer)(nil)

// NewLiveAnalyzer loads the pose, eye and anti-spoof models of the
// engine's manifest and adds them to the engine as stages that run only
// inside LiveAnalyzer.Analyze. The engine closes them.
func NewLiveAnalyzer(eng *Engine) (*LiveAnalyzer, error) {
	a := &LiveAnalyzer{eng: eng}
	var err error
	if a.Pose, err = NewPoseStage(eng.Manifest(), &a.on); err != nil {
		return nil, err
	}
	if a.Eyes, err = NewEyeStage(eng.Manifest(), &a.on); err != nil {
		a.Pose.Close()
		return nil, err
	}
	if a.Spoof, err = NewSpoofStage(eng.Manifest(), &a.on); err != nil {
		a.Pose.Close()
		a.Eyes.Close()
		return nil, err
	}
	a.Qual = NewQualityStage(&a.on)
	for _, s := range []Stage{a.Pose, a.Eyes, a.Spoof, a.Qual} {
		eng.AddStage(s)
	}
	// Warm the new networks up: their first pass is slow.
	blank := camera.NewFrame(64, 64)
	st := &State{Frame: &blank, BGR: eng.src, Face: face.Face{Detection: face.Detection{Box: face.Rect{X1: 8, Y1: 8, X2: 56, Y2: 56}}}}
	if err := loadFrame(&eng.src, &blank); err == nil {
		st.BGR = eng.src
		a.on = true
		for _, s := range []Stage{a.Pose, a.Spoof} {
			s.Run(st)
		}
		a.on = false
	}
	return a, nil
}

// Analyze measures one frame. A frame without a face is a Measure with
// Faces == 0, not an error.
func (a *LiveAnalyzer) Analyze(f *camera.Frame, embed bool) (liveness.Measure, error) {
	a.on = true
	fc, err := a.eng.Analyze(f, face.Live, embed)
	a.on = false
	m := liveness.Measure{Seq: f.Seq, Time: f.Time, Width: f.Width, Height: f.Height}
	if err != nil {
		if errors.Is(err, face.ErrNoFace) {
			return m, nil
		}
		return m, err
	}
	m.Faces = fc.Count
	m.Box = fc.Detection.Box
	m.Second = secondFace(a.eng.dets, m.Box)
	m.Landmarks = fc.Landmarks
	m.Embedding = fc.Embedding
	m.MAR = liveness.MouthAspect(&fc.Landmarks)
	m.EAR = liveness.EyeAspect(&fc.Landmarks)
	if !a.Pose.OK || !a.Eyes.OK || !a.Spoof.OK || !a.Qual.OK {
		// The face is too close to the edge to measure: treat as none.
		return liveness.Measure{Seq: f.Seq, Time: f.Time, Width: f.Width, Height: f.Height}, nil
	}
	m.Yaw, m.Pitch, m.Roll = a.Pose.Yaw, a.Pose.Pitch, a.Pose.Roll
	m.EyeOpen = a.Eyes.Open
	m.Live = a.Spoof.Live
	m.Brightness, m.Sharpness = a.Qual.Brightness, a.Qual.Sharpen
	return m, nil
}

// Compare is the engine's comparison.
func (a *LiveAnalyzer) Compare(x, y face.Embedding) face.Match { return a.eng.Compare(x, y) }

// String names the analyser for logs.
func (a *LiveAnalyzer) String() string {
	return fmt.Sprintf("opencv liveness analyser (%s)", a.eng.ModelVersion())
}
