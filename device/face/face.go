// Package face holds the face engine's contract and the parts of it that are
// plain arithmetic: result types, decoding of the detector's output and
// non-maximum suppression, the choice of the face to use, the 5-point
// similarity transform to the ArcFace template (Umeyama, least squares),
// cosine similarity and the match decision, and the model manifest with its
// file checks. The engine that runs the networks lives in drivers/opencv.
package face

import (
	"errors"
	"fmt"
	"math"

	"github.com/hbzk/kiosk/device/camera"
)

// Named errors callers branch on. Errors from the engine wrap one of them.
var (
	// ErrNoFace: the detector found no face.
	ErrNoFace = errors.New("no face found")
	// ErrManyFaces: a chip photo shows more than one face.
	ErrManyFaces = errors.New("more than one face")
	// ErrBadImage: the image cannot be read or decoded, or is too small.
	ErrBadImage = errors.New("bad image")
	// ErrModelMissing: a model file named in the manifest is not there.
	ErrModelMissing = errors.New("model file missing")
	// ErrModelCorrupt: a model file is not the one the manifest pins
	// (wrong sha256, not ONNX, truncated).
	ErrModelCorrupt = errors.New("model file corrupt")
	// ErrManifest: the model manifest is missing or malformed.
	ErrManifest = errors.New("bad model manifest")
	// ErrClosed: the engine was used after Close.
	ErrClosed = errors.New("face engine closed")
)

// Source says where a picture comes from, which decides how it is searched.
type Source int

const (
	// Live is a camera frame: the biggest, most central face is used.
	Live Source = iota
	// Chip is the ID card's chip photo (102x126, JPEG, white background):
	// it is padded and upscaled for the detector and must show exactly
	// one face.
	Chip
)

func (s Source) String() string {
	switch s {
	case Live:
		return "live"
	case Chip:
		return "chip"
	}
	return fmt.Sprintf("Source(%d)", int(s))
}

// Point is a position in image pixels.
type Point struct{ X, Y float32 }

// Rect is a box in image pixels, corners (X1,Y1) top-left and (X2,Y2)
// bottom-right.
type Rect struct{ X1, Y1, X2, Y2 float32 }

// W is the width.
func (r Rect) W() float32 { return r.X2 - r.X1 }

// H is the height.
func (r Rect) H() float32 { return r.Y2 - r.Y1 }

// Area is W*H, 0 for an empty box.
func (r Rect) Area() float32 {
	if r.X2 <= r.X1 || r.Y2 <= r.Y1 {
		return 0
	}
	return r.W() * r.H()
}

// Center is the middle of the box.
func (r Rect) Center() Point { return Point{(r.X1 + r.X2) / 2, (r.Y1 + r.Y2) / 2} }

// IoU is the intersection over union of two boxes.
func (r Rect) IoU(o Rect) float32 {
	i := Rect{max(r.X1, o.X1), max(r.Y1, o.Y1), min(r.X2, o.X2), min(r.Y2, o.Y2)}.Area()
	u := r.Area() + o.Area() - i
	if u <= 0 {
		return 0
	}
	return i / u
}

// Square is the square of side H centred on the box, as the landmark model
// wants its crop (the package's JavaScript does the same), clipped to
// w x h.
func (r Rect) Square(w, h int) Rect {
	c, s := r.Center(), r.H()
	q := Rect{c.X - s/2, c.Y - s/2, c.X + s/2, c.Y + s/2}
	q.X1, q.Y1 = max(q.X1, 0), max(q.Y1, 0)
	q.X2, q.Y2 = min(q.X2, float32(w)), min(q.Y2, float32(h))
	return q
}

// Detection is one face the detector found.
type Detection struct {
	// Box is the face box in image pixels.
	Box Rect
	// Score is the detector's confidence, 0..1.
	Score float32
}

// Landmarks are the 68 points of the iBUG 300-W scheme in image pixels.
type Landmarks [68]Point

// Five returns the alignment points: left eye centre, right eye centre,
// nose tip, left and right mouth corners (left/right as seen in the
// picture), as the package's JavaScript derives them from the 68.
func (l *Landmarks) Five() [5]Point {
	avg := func(idx ...int) Point {
		var p Point
		for _, i := range idx {
			p.X += l[i].X
			p.Y += l[i].Y
		}
		n := float32(len(idx))
		return Point{p.X / n, p.Y / n}
	}
	return [5]Point{
		avg(37, 38, 40, 41),
		avg(43, 44, 46, 47),
		l[30],
		avg(48, 60),
		avg(54, 64),
	}
}

// Embedding is a face's feature vector, L2-normalised.
type Embedding []float32

// Normalize scales v to unit length in place and returns it. A zero vector
// is left as it is.
func Normalize(v []float32) Embedding {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return v
	}
	k := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= k
	}
	return v
}

// Cosine is the cosine similarity of two embeddings (their dot product when
// both are normalised, as engines return them). Different lengths give 0.
func Cosine(a, b Embedding) float32 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return float32(dot / math.Sqrt(na*nb))
}

// Match is the decision of a 1:1 comparison, with what it was based on; it
// goes into the confirmed record.
type Match struct {
	Score        float32 `json:"score"`
	Threshold    float32 `json:"threshold"`
	Match        bool    `json:"match"`
	ModelVersion string  `json:"model_version"`
}

// Decide compares two embeddings against a threshold.
func Decide(a, b Embedding, threshold float32, version string) Match {
	s := Cosine(a, b)
	return Match{Score: s, Threshold: threshold, Match: s >= threshold, ModelVersion: version}
}

// Face is everything the engine found out about the one face of a picture.
type Face struct {
	Detection Detection
	Landmarks Landmarks
	// Embedding is L2-normalised.
	Embedding Embedding
	// Count is how many faces the detector found in the picture.
	Count int
	// Path says how the face was found: "detect" (the detector on the
	// picture), "pad" (a chip photo detected once padded, see
	// ChipPadScales) or "geometry" (a chip photo's standard framing, its
	// landmarks checked).
	Path string
}

// Engine runs the face networks. An Engine is not safe for concurrent use:
// it reuses its buffers from call to call.
type Engine interface {
	// Detect finds the faces in img, best first. A Chip picture is padded
	// and upscaled for the detector. Finding none is not an error here.
	Detect(img *camera.Frame, src Source) ([]Detection, error)
	// Landmarks finds the 68 points of the face in box d.
	Landmarks(img *camera.Frame, d Detection) (Landmarks, error)
	// Align warps the face to the 112x112 ArcFace template by the 5-point
	// similarity of lm, into a new frame.
	Align(img *camera.Frame, lm *Landmarks) (camera.Frame, error)
	// Embed computes the L2-normalised embedding of an aligned face.
	Embed(aligned *camera.Frame) (Embedding, error)
	// Compare decides whether two embeddings are the same person with the
	// engine's threshold.
	Compare(a, b Embedding) Match
	// Face runs the whole pipeline on one picture: detect, choose the face
	// (Pick), landmarks, align, embed. It fails with ErrNoFace or (Chip)
	// ErrManyFaces.
	Face(img *camera.Frame, src Source) (Face, error)
	// ModelVersion names the embedding model, for the record.
	ModelVersion() string
	// Threshold is the match threshold in use.
	Threshold() float32
	// Close frees the networks and buffers.
	Close() error
}
