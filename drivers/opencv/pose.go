package opencv

import (
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/face"
)

// Liveness and photo stages: head pose (fr_pose.onnx), eye state
// (fr_eye.onnx), anti-spoof (fr_liveness.onnx) and face quality (grey
// level, sharpness). Each is a Stage of the Engine; it runs only while its
// owner (LiveAnalyzer, PhotoAnalyzer) switches it on, so that the plain
// face match does not pay for it.

// PoseStage estimates the head pose with fr_pose.onnx, as the package's
// lib/fr_pose.js does: the face box grown by a quarter on each side,
// resized to 224x224 and fed in BGR order (the JavaScript's BGR2RGB on RGBA
// canvas data swaps R and B back) as (x/255 - mean_c)/std_c with ImageNet's
// per-channel mean and std; each of the three outputs (yaw, pitch, roll)
// has 66 bins of 3 degrees: degrees = sum(softmax_i * i) * 3 - 99.
type PoseStage struct {
	on       *bool
	net      gocv.Net
	mod      face.Model
	in, blob gocv.Mat
	// Yaw, Pitch, Roll are the last result in degrees, in the signs of
	// liveness.Measure (yaw grows as the candidate turns to their own
	// left, pitch as the head tilts down).
	Yaw, Pitch, Roll float64
	// OK tells whether the last run produced a pose.
	OK bool
}

// ImageNet's per-channel normalisation, in the order fed.
var poseMean = [3]float32{0.485, 0.456, 0.406}
var poseStd = [3]float32{0.229, 0.224, 0.225}

// NewPoseStage loads the manifest's "pose" model.
func NewPoseStage(man *face.Manifest, on *bool) (*PoseStage, error) {
	net, mod, err := LoadNet(man, "pose")
	if err != nil {
		return nil, err
	}
	if len(mod.Outputs) != 3 || mod.Channels == "gray" {
		net.Close()
		return nil, fmt.Errorf("opencv: manifest: %w: pose wants colour input and outputs [yaw, pitch, roll], has %v", face.ErrManifest, mod.Outputs)
	}
	p := &PoseStage{on: on, net: net, mod: mod, in: gocv.NewMat(), blob: gocv.NewMat()}
	ensureBlob(&p.blob, mod.Input)
	return p, nil
}

// Run estimates the pose of st's chosen face.
func (p *PoseStage) Run(st *State) error {
	p.OK = false
	if p.on != nil && !*p.on {
		return nil
	}
	b := st.Face.Detection.Box
	w, h := b.W(), b.H()
	r := rectInt(face.Rect{X1: b.X1 - w/4, Y1: b.Y1 - h/4, X2: b.X2 + w/4, Y2: b.Y2 + h/4}, st.BGR.Cols(), st.BGR.Rows())
	if r.Dx() < 8 || r.Dy() < 8 {
		return nil
	}
	inW, inH := p.mod.Input[3], p.mod.Input[2]
	crop := st.BGR.Region(r)
	ensure(&p.in, inH, inW, gocv.MatTypeCV8UC3)
	gocv.Resize(crop, &p.in, image.Pt(inW, inH), 0, 0, gocv.InterpolationLinear)
	crop.Close()
	pix, err := p.in.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("opencv: pose: %w", err)
	}
	blob, err := p.blob.DataPtrFloat32()
	if err != nil {
		return fmt.Errorf("opencv: pose: %w", err)
	}
	n := inW * inH
	if len(blob) != 3*n || len(pix) != 3*n {
		return fmt.Errorf("opencv: pose: blob of %d for %d pixels", len(blob), n)
	}
	order := [3]int{0, 1, 2} // BGR as the JavaScript feeds it
	if p.mod.Channels == "rgb" {
		order = [3]int{2, 1, 0}
	}
	for c := 0; c < 3; c++ {
		plane, src := blob[c*n:(c+1)*n], order[c]
		k, m := 1/(255*poseStd[c]), poseMean[c]/poseStd[c]
		for i := range plane {
			plane[i] = float32(pix[3*i+src])*k - m
		}
	}
	p.net.SetInput(p.blob, "")
	outs := p.net.ForwardLayers(p.mod.Outputs)
	defer closeAll(outs)
	if len(outs) != 3 {
		return fmt.Errorf("opencv: pose: %d outputs, want 3", len(outs))
	}
	var deg [3]float64
	for i := range outs {
		v, err := outs[i].DataPtrFloat32()
		if err != nil {
			return fmt.Errorf("opencv: pose: %w", err)
		}
		if deg[i], err = binDegrees(v); err != nil {
			return fmt.Errorf("opencv: pose: output %s: %w", p.mod.Outputs[i], err)
		}
	}
	// The network's yaw grows as the face turns to the picture's left
	// (the candidate's right), its pitch as the head tilts up: see
	// TestPoseSigns.
	p.Yaw, p.Pitch, p.Roll = -deg[0], -deg[1], deg[2]
	p.OK = true
	return nil
}

// binDegrees decodes 66 logits of 3-degree bins into degrees.
func binDegrees(logits []float32) (float64, error) {
	if len(logits) != 66 {
		return 0, fmt.Errorf("%d values, want 66 bins", len(logits))
	}
	hi := float64(logits[0])
	for _, v := range logits {
		hi = math.Max(hi, float64(v))
	}
	var sum, mean float64
	for i, v := range logits {
		e := math.Exp(float64(v) - hi)
		sum += e
		mean += e * float64(i)
	}
	if !(sum > 0) || math.IsInf(sum, 0) || math.IsNaN(mean) {
		return 0, fmt.Errorf("logits not finite")
	}
	return mean/sum*3 - 99, nil
}

// Close frees the network and buffers.
func (p *PoseStage) Close() error {
	p.net.Close()
	p.in.Close()
	p.blob.Close()
	return nil
}
