package opencv

import (
	"testing"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
)

// lvBenchFrame is a 640x480 frame of the simulated candidate (face about
// 190 px wide).
func lvBenchFrame(b *testing.B) camera.Frame {
	sc := lvScene(b, nil, false)
	clip := newClip(sc, 1)
	f, err := clip.Next(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkLiveAnalyzeBaseline is the engine's own part of a liveness
// frame: detection, landmarks and alignment, no liveness stage.
func BenchmarkLiveAnalyzeBaseline(b *testing.B) {
	e, _ := lvAnalyzer(b)
	f := lvBenchFrame(b)
	for b.Loop() {
		if _, err := e.Analyze(&f, face.Live, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLiveAnalyze is one analysed liveness frame: the baseline plus
// pose, eyes, anti-spoof and quality.
func BenchmarkLiveAnalyze(b *testing.B) {
	_, a := lvAnalyzer(b)
	f := lvBenchFrame(b)
	for b.Loop() {
		if _, err := a.Analyze(&f, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLiveAnalyzeEmbed adds the embedding (every EmbedEvery frames).
func BenchmarkLiveAnalyzeEmbed(b *testing.B) {
	_, a := lvAnalyzer(b)
	f := lvBenchFrame(b)
	for b.Loop() {
		if _, err := a.Analyze(&f, true); err != nil {
			b.Fatal(err)
		}
	}
}

// benchStage times one stage on the frame's analysed state.
func benchStage(b *testing.B, pick func(*LiveAnalyzer) Stage) {
	e, a := lvAnalyzer(b)
	f := lvBenchFrame(b)
	fc, err := e.Analyze(&f, face.Live, false)
	if err != nil {
		b.Fatal(err)
	}
	st := &State{Frame: &f, Source: face.Live, BGR: e.src, Detections: e.dets, Face: fc, Aligned: e.aligned}
	s := pick(a)
	a.on = true
	defer func() { a.on = false }()
	for b.Loop() {
		if err := s.Run(st); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPoseStage(b *testing.B)  { benchStage(b, func(a *LiveAnalyzer) Stage { return a.Pose }) }
func BenchmarkEyeStage(b *testing.B)   { benchStage(b, func(a *LiveAnalyzer) Stage { return a.Eyes }) }
func BenchmarkSpoofStage(b *testing.B) { benchStage(b, func(a *LiveAnalyzer) Stage { return a.Spoof }) }
func BenchmarkQualityStage(b *testing.B) {
	benchStage(b, func(a *LiveAnalyzer) Stage { return a.Qual })
}
