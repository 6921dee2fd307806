package opencv

import (
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/face"
)

// SpoofStage is the passive anti-spoof check with fr_liveness.onnx, as the
// package's lib/fr_liveness.js does: a square-ish crop 2.7 times the face
// box around its centre (smaller when the picture is too small, shifted to
// stay inside it), resized to 128x128, fed RGB with raw 0..255 values.
// Output: three logits; softmax[0] is the probability of a live face.
type SpoofStage struct {
	on       *bool
	net      gocv.Net
	mod      face.Model
	in, blob gocv.Mat
	// Live is the last live probability.
	Live float64
	OK   bool
}

// SpoofScale is how much bigger than the face box the crop is.
const SpoofScale = 2.7

// NewSpoofStage loads the manifest's "liveness" model.
func NewSpoofStage(man *face.Manifest, on *bool) (*SpoofStage, error) {
	net, mod, err := LoadNet(man, "liveness")
	if err != nil {
		return nil, err
	}
	if mod.Channels == "gray" {
		net.Close()
		return nil, fmt.Errorf("opencv: manifest: %w: liveness takes colour input", face.ErrManifest)
	}
	s := &SpoofStage{on: on, net: net, mod: mod, in: gocv.NewMat(), blob: gocv.NewMat()}
	ensureBlob(&s.blob, mod.Input)
	return s, nil
}

// SpoofCrop is the crop of the JavaScript's alignLivenessImage in a w x h
// picture.
func SpoofCrop(b face.Rect, w, h int) image.Rectangle {
	bw, bh := float64(b.W()), float64(b.H())
	if bw <= 0 || bh <= 0 {
		return image.Rectangle{}
	}
	s := min(float64(h-1)/bh, float64(w-1)/bw, SpoofScale)
	nw, nh := bw*s, bh*s
	cx, cy := float64(b.X1)+bw/2, float64(b.Y1)+bh/2
	x1, y1, x2, y2 := cx-nw/2, cy-nh/2, cx+nw/2, cy+nh/2
	if x1 < 0 {
		x2 -= x1
		x1 = 0
	}
	if y1 < 0 {
		y2 -= y1
		y1 = 0
	}
	if x2 > float64(w-1) {
		x1 -= x2 - float64(w-1)
		x2 = float64(w - 1)
	}
	if y2 > float64(h-1) {
		y1 -= y2 - float64(h-1)
		y2 = float64(h - 1)
	}
	return image.Rect(int(x1), int(y1), int(x2), int(y2)).Intersect(image.Rect(0, 0, w, h))
}

// Run scores st's chosen face.
func (s *SpoofStage) Run(st *State) error {
	s.OK = false
	if s.on != nil && !*s.on {
		return nil
	}
	r := SpoofCrop(st.Face.Detection.Box, st.BGR.Cols(), st.BGR.Rows())
	if r.Dx() < 8 || r.Dy() < 8 {
		return nil
	}
	inW, inH := s.mod.Input[3], s.mod.Input[2]
	crop := st.BGR.Region(r)
	ensure(&s.in, inH, inW, gocv.MatTypeCV8UC3)
	gocv.Resize(crop, &s.in, image.Pt(inW, inH), 0, 0, gocv.InterpolationLinear)
	crop.Close()
	pix, err := s.in.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("opencv: anti-spoof: %w", err)
	}
	blob, err := s.blob.DataPtrFloat32()
	if err != nil {
		return fmt.Errorf("opencv: anti-spoof: %w", err)
	}
	if err := fillBlob(blob, pix, 3, s.mod); err != nil {
		return fmt.Errorf("opencv: anti-spoof: %v", err)
	}
	s.net.SetInput(s.blob, "")
	out := s.net.Forward(s.mod.Outputs[0])
	defer out.Close()
	v, err := out.DataPtrFloat32()
	if err != nil || len(v) != 3 {
		return fmt.Errorf("opencv: anti-spoof: output of %d values, want 3 (%v)", len(v), err)
	}
	s.Live = softmax3(v)
	s.OK = true
	return nil
}

// softmax3 is the softmax probability of the first of three logits.
func softmax3(v []float32) float64 {
	hi := max(v[0], v[1], v[2])
	var e [3]float64
	for i := range e {
		e[i] = exp32(v[i] - hi)
	}
	return e[0] / (e[0] + e[1] + e[2])
}

// Close frees the network and buffers.
func (s *SpoofStage) Close() error {
	s.net.Close()
	s.in.Close()
	s.blob.Close()
	return nil
}
