package opencv

import (
	"errors"
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
	"github.com/hbzk/kiosk/device/photo"
)

// PhotoAnalyzer measures registration photos (photo.Analyzer): the
// engine's detection, landmarks and embedding with the pose and eye stages
// of a LiveAnalyzer, and the person's segmentation by GrabCut.
type PhotoAnalyzer struct {
	live *LiveAnalyzer
	// MaxSide bounds the side of the picture GrabCut runs on (it is
	// shrunk first; GrabCut's cost grows with the pixel count).
	MaxSide int
}

var _ photo.Analyzer = (*PhotoAnalyzer)(nil)

// NewPhotoAnalyzer shares a LiveAnalyzer's engine and stages.
func NewPhotoAnalyzer(live *LiveAnalyzer) *PhotoAnalyzer {
	return &PhotoAnalyzer{live: live, MaxSide: 360}
}

// Face measures the face of a picture.
func (a *PhotoAnalyzer) Face(img *camera.Frame) (photo.FaceInfo, error) {
	a.live.on = true
	f, err := a.live.eng.Analyze(img, face.Live, true)
	a.live.on = false
	if err != nil {
		if errors.Is(err, face.ErrNoFace) {
			return photo.FaceInfo{}, nil
		}
		return photo.FaceInfo{}, err
	}
	fi := photo.FaceInfo{Faces: f.Count, Box: f.Detection.Box, Landmarks: f.Landmarks, Embedding: f.Embedding}
	if a.live.Pose.OK {
		fi.Yaw, fi.Pitch, fi.Roll = a.live.Pose.Yaw, a.live.Pose.Pitch, a.live.Pose.Roll
	}
	if a.live.Eyes.OK {
		fi.EyeOpen = a.live.Eyes.Open
	}
	return fi, nil
}

// Compare is the engine's comparison (the same threshold as the card
// match).
func (a *PhotoAnalyzer) Compare(x, y face.Embedding) face.Match { return a.live.eng.Compare(x, y) }

// Segment runs GrabCut (5 iterations, initialised with the trimap) on
// region r of img, shrunk so that its longer side is at most MaxSide,
// then refines the edge: the binary mask is opened and closed to drop
// specks and fill pinholes, only its largest connected part is kept, it is
// scaled back and feathered with a Gaussian (sigma ~1.5 px of the
// picture), and the result is returned as 0..255 alpha over r.
func (a *PhotoAnalyzer) Segment(img *camera.Frame, r image.Rectangle, trimap []uint8) ([]uint8, error) {
	w, h := r.Dx(), r.Dy()
	if w < 8 || h < 8 || len(trimap) != w*h || !r.In(image.Rect(0, 0, img.Width, img.Height)) {
		return nil, fmt.Errorf("opencv: segment: region %v of a %dx%d picture with a trimap of %d: %w", r, img.Width, img.Height, len(trimap), face.ErrBadImage)
	}
	src := gocv.NewMat()
	defer src.Close()
	if err := loadFrame(&src, img); err != nil {
		return nil, fmt.Errorf("opencv: segment: %w", err)
	}
	crop := src.Region(r)
	defer crop.Close()
	k := 1.0
	if m := max(w, h); a.MaxSide > 0 && m > a.MaxSide {
		k = float64(a.MaxSide) / float64(m)
	}
	sw, sh := max(8, int(float64(w)*k)), max(8, int(float64(h)*k))
	small := gocv.NewMat()
	defer small.Close()
	gocv.Resize(crop, &small, image.Pt(sw, sh), 0, 0, gocv.InterpolationArea)
	full, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8U, trimap)
	if err != nil {
		return nil, fmt.Errorf("opencv: segment: %w", err)
	}
	defer full.Close()
	mask := gocv.NewMat()
	defer mask.Close()
	gocv.Resize(full, &mask, image.Pt(sw, sh), 0, 0, gocv.InterpolationNearestNeighbor)
	bgd, fgd := gocv.NewMat(), gocv.NewMat()
	defer bgd.Close()
	defer fgd.Close()
	gocv.GrabCut(small, &mask, image.Rectangle{}, &bgd, &fgd, 5, gocv.GCInitWithMask)
	// Foreground = sure or probable foreground (codes 1 and 3: bit 0).
	bin := gocv.NewMat()
	defer bin.Close()
	mb, err := mask.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("opencv: segment: %w", err)
	}
	ensure(&bin, sh, sw, gocv.MatTypeCV8U)
	bb, _ := bin.DataPtrUint8()
	for i, v := range mb {
		bb[i] = 255 * (v & 1)
	}
	kern := gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(5, 5))
	defer kern.Close()
	gocv.MorphologyEx(bin, &bin, gocv.MorphOpen, kern)
	gocv.MorphologyEx(bin, &bin, gocv.MorphClose, kern)
	if err := keepLargest(&bin); err != nil {
		return nil, fmt.Errorf("opencv: segment: %w", err)
	}
	big := gocv.NewMat()
	defer big.Close()
	gocv.Resize(bin, &big, image.Pt(w, h), 0, 0, gocv.InterpolationLinear)
	sigma := max(1.0, 1.5/k/2)
	gocv.GaussianBlur(big, &big, image.Pt(0, 0), sigma, sigma, gocv.BorderReplicate)
	out, err := big.DataPtrUint8()
	if err != nil || len(out) != w*h {
		return nil, fmt.Errorf("opencv: segment: mask of %d values, want %d (%v)", len(out), w*h, err)
	}
	return append([]uint8(nil), out...), nil
}

// keepLargest clears every foreground part of a binary mask but the
// largest.
func keepLargest(bin *gocv.Mat) error {
	labels, stats, cents := gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
	defer labels.Close()
	defer stats.Close()
	defer cents.Close()
	n := gocv.ConnectedComponentsWithStatsWithParams(*bin, &labels, &stats, &cents, 8, gocv.MatTypeCV16U, gocv.CCL_DEFAULT)
	if n <= 2 {
		return nil
	}
	best, bestArea := 0, int32(-1)
	for i := 1; i < n; i++ {
		if a := stats.GetIntAt(i, int(gocv.CC_STAT_AREA)); a > bestArea {
			best, bestArea = i, a
		}
	}
	lb, err := labels.DataPtrUint16()
	if err != nil {
		return err
	}
	bb, err := bin.DataPtrUint8()
	if err != nil {
		return err
	}
	for i, l := range lb {
		if int(l) != best {
			bb[i] = 0
		}
	}
	return nil
}
