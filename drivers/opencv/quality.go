package opencv

import (
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/face"
)

// QualityStage measures the chosen face's grey level and sharpness: the
// face box converted to grey, its mean (0..255) and the variance of its
// Laplacian (3x3 aperture) after resizing the box to SharpWidth pixels
// wide, so that the value does not depend on how far the face is.
type QualityStage struct {
	on                  *bool
	grey, small, lap    gocv.Mat
	mean, std           gocv.Mat
	Brightness, Sharpen float64
	OK                  bool
}

// SharpWidth is the face width the sharpness is measured at.
const SharpWidth = 112

// NewQualityStage makes a quality stage.
func NewQualityStage(on *bool) *QualityStage {
	return &QualityStage{on: on, grey: gocv.NewMat(), small: gocv.NewMat(), lap: gocv.NewMat(), mean: gocv.NewMat(), std: gocv.NewMat()}
}

// Run measures st's chosen face.
func (q *QualityStage) Run(st *State) error {
	q.OK = false
	if q.on != nil && !*q.on {
		return nil
	}
	r := rectInt(st.Face.Detection.Box, st.BGR.Cols(), st.BGR.Rows())
	if r.Dx() < 8 || r.Dy() < 8 {
		return nil
	}
	b, s, err := q.measure(st.BGR, r)
	if err != nil {
		return err
	}
	q.Brightness, q.Sharpen, q.OK = b, s, true
	return nil
}

// measure returns the mean grey level of r in img and the variance of the
// Laplacian of r resized to SharpWidth wide.
func (q *QualityStage) measure(img gocv.Mat, r image.Rectangle) (float64, float64, error) {
	crop := img.Region(r)
	gocv.CvtColor(crop, &q.grey, gocv.ColorBGRToGray)
	crop.Close()
	h := max(1, r.Dy()*SharpWidth/max(r.Dx(), 1))
	gocv.Resize(q.grey, &q.small, image.Pt(SharpWidth, h), 0, 0, gocv.InterpolationArea)
	gocv.MeanStdDev(q.small, &q.mean, &q.std)
	mv, err := q.mean.DataPtrFloat64()
	if err != nil || len(mv) == 0 {
		return 0, 0, fmt.Errorf("opencv: quality: mean: %v", err)
	}
	bright := mv[0]
	gocv.Laplacian(q.small, &q.lap, gocv.MatTypeCV64F, 3, 1, 0, gocv.BorderDefault)
	gocv.MeanStdDev(q.lap, &q.mean, &q.std)
	sv, err := q.std.DataPtrFloat64()
	if err != nil || len(sv) == 0 {
		return 0, 0, fmt.Errorf("opencv: quality: std: %v", err)
	}
	return bright, sv[0] * sv[0], nil
}

// Close frees the buffers.
func (q *QualityStage) Close() error {
	for _, m := range []*gocv.Mat{&q.grey, &q.small, &q.lap, &q.mean, &q.std} {
		m.Close()
	}
	return nil
}

func exp32(v float32) float64 { return math.Exp(float64(v)) }

// secondFace is the largest detection other than the chosen one.
func secondFace(dets []face.Detection, chosen face.Rect) face.Rect {
	var best face.Rect
	for _, d := range dets {
		if d.Box == chosen {
			continue
		}
		if d.Box.Area() > best.Area() {
			best = d.Box
		}
	}
	return best
}
