package liveness

import (
	"math"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
)

// Measure is what the analyser found in one frame.
type Measure struct {
	// Seq and Time are the frame's.
	Seq  uint64
	Time time.Time
	// Faces is how many faces the detector found; the rest of the fields
	// describe the chosen one (face.Pick) and are zero when Faces is 0.
	Faces int
	// Box is the chosen face; Second the largest other face (zero when
	// there is none).
	Box, Second face.Rect
	Landmarks   face.Landmarks
	// Yaw, Pitch, Roll in degrees from the pose network. Yaw grows as the
	// candidate turns to their own left (the nose moves to the picture's
	// right); Pitch grows as the head tilts down.
	Yaw, Pitch, Roll float64
	// EyeOpen is each eye's open probability (picture's left, right).
	EyeOpen [2]float64
	// MAR is the inner-lip mouth aspect ratio (MouthAspect).
	MAR float64
	// Width and Height are the frame size.
	Width, Height int
	// EAR is the mean eye aspect ratio of both eyes (EyeAspect).
	EAR float64
	// Live is the anti-spoof network's live probability, 0..1.
	Live float64
	// Brightness is the mean grey level (0..255) of the face box.
	Brightness float64
	// Sharpness is the variance of the Laplacian of the face's grey
	// pixels, scaled to a 112-pixel-wide face.
	Sharpness float64
	// Embedding is set when it was asked for (Analyze's embed argument).
	Embedding face.Embedding
}

// Analyzer measures frames. Implementations run networks and are not safe
// for concurrent use.
type Analyzer interface {
	// Analyze measures f. With embed it also computes the face's
	// embedding. Finding no face is not an error (Faces == 0).
	Analyze(f *camera.Frame, embed bool) (Measure, error)
	// Compare gives the cosine similarity of two embeddings and the
	// engine's match threshold.
	Compare(a, b face.Embedding) face.Match
}

func dist(a, b face.Point) float64 {
	return math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y))
}

// MouthAspect is the inner-lip mouth aspect ratio of 68 landmarks: the mean
// of the three vertical inner-lip gaps (61-67, 62-66, 63-65) over the inner
// mouth width (60-64). About 0..0.1 closed, 0.3 and more wide open.
func MouthAspect(l *face.Landmarks) float64 {
	w := dist(l[60], l[64])
	if w < 1e-6 {
		return 0
	}
	return (dist(l[61], l[67]) + dist(l[62], l[66]) + dist(l[63], l[65])) / (3 * w)
}

// EyeAspect is the mean eye aspect ratio (Soukupova and Cech, 2016) of both
// eyes: (|p2-p6| + |p3-p5|) / (2 |p1-p4|) over points 36..41 and 42..47.
func EyeAspect(l *face.Landmarks) float64 {
	one := func(i int) float64 {
		w := dist(l[i], l[i+3])
		if w < 1e-6 {
			return 0
		}
		return (dist(l[i+1], l[i+5]) + dist(l[i+2], l[i+4])) / (2 * w)
	}
	return (one(36) + one(42)) / 2
}
