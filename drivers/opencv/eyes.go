package opencv

import (
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/face"
)

// EyeStage tells open from closed eyes with fr_eye.onnx, as the package's
// lib/fr_eye.js does: a square around each eye (centre = mean of the
// eyelid points 37, 38, 40, 41 and 43, 44, 46, 47; side = 1.6 x the eye's
// corner-to-corner width), resized to 24x24, grey (RGB2GRAY weights on the
// BGR frame, as the JavaScript's BGR2GRAY on RGBA data), /255. Output: two
// logits, softmax[1] is "open" (measured: open eyes of the package-shipped
// portraits give 0.9 and more; see TestEyeStage).
type EyeStage struct {
	on            *bool
	net           gocv.Net
	mod           face.Model
	in, grey, blb gocv.Mat
	// Open is each eye's open probability (picture's left, right).
	Open [2]float64
	OK   bool
}

// NewEyeStage loads the manifest's "eye" model.
func NewEyeStage(man *face.Manifest, on *bool) (*EyeStage, error) {
	net, mod, err := LoadNet(man, "eye")
	if err != nil {
		return nil, err
	}
	if mod.Channels != "gray" {
		net.Close()
		return nil, fmt.Errorf("opencv: manifest: %w: eye takes grey input", face.ErrManifest)
	}
	e := &EyeStage{on: on, net: net, mod: mod, in: gocv.NewMat(), grey: gocv.NewMat(), blb: gocv.NewMat()}
	ensureBlob(&e.blb, mod.Input)
	return e, nil
}

// EyeBoxes are the two eye squares of the JavaScript's getEyeBBox.
func EyeBoxes(l *face.Landmarks) [2]face.Rect {
	var out [2]face.Rect
	for k, base := range [2]int{36, 42} {
		cx := (l[base+1].X + l[base+2].X + l[base+4].X + l[base+5].X) / 4
		cy := (l[base+1].Y + l[base+2].Y + l[base+4].Y + l[base+5].Y) / 4
		s := (l[base+3].X - l[base].X) * 1.6
		out[k] = face.Rect{X1: cx - s/2, Y1: cy - s/2, X2: cx + s/2, Y2: cy + s/2}
	}
	return out
}

// Run measures both eyes of st's chosen face.
func (e *EyeStage) Run(st *State) error {
	e.OK = false
	if e.on != nil && !*e.on {
		return nil
	}
	boxes := EyeBoxes(&st.Face.Landmarks)
	inW, inH := e.mod.Input[3], e.mod.Input[2]
	for k, b := range boxes {
		r := rectInt(b, st.BGR.Cols(), st.BGR.Rows())
		if r.Dx() < 4 || r.Dy() < 4 {
			return nil
		}
		crop := st.BGR.Region(r)
		ensure(&e.in, inH, inW, gocv.MatTypeCV8UC3)
		gocv.Resize(crop, &e.in, image.Pt(inW, inH), 0, 0, gocv.InterpolationLinear)
		crop.Close()
		gocv.CvtColor(e.in, &e.grey, gocv.ColorRGBToGray)
		pix, err := e.grey.DataPtrUint8()
		if err != nil {
			return fmt.Errorf("opencv: eyes: %w", err)
		}
		blob, err := e.blb.DataPtrFloat32()
		if err != nil {
			return fmt.Errorf("opencv: eyes: %w", err)
		}
		if err := fillBlob(blob, pix, 1, e.mod); err != nil {
			return fmt.Errorf("opencv: eyes: %v", err)
		}
		e.net.SetInput(e.blb, "")
		out := e.net.Forward(e.mod.Outputs[0])
		v, err := out.DataPtrFloat32()
		if err != nil || len(v) != 2 {
			out.Close()
			return fmt.Errorf("opencv: eyes: output of %d values, want 2 (%v)", len(v), err)
		}
		e.Open[k] = softmax2(v[0], v[1])
		out.Close()
	}
	e.OK = true
	return nil
}

// softmax2 is the softmax probability of the second of two logits.
func softmax2(a, b float32) float64 {
	return 1 / (1 + math.Exp(float64(a-b)))
}

// Close frees the network and buffers.
func (e *EyeStage) Close() error {
	e.net.Close()
	e.in.Close()
	e.grey.Close()
	e.blb.Close()
	return nil
}
