package opencv

import (
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
)

// SimulateChip makes what an ID card's chip photo of the face in box would
// look like: the face.ChipCrop region (outside the picture: white), resized
// by pixel area to 102x126 and JPEG-compressed at quality q (about 60 for a
// chip), then decoded again.
func SimulateChip(img *camera.Frame, box face.Rect, q int) (camera.Frame, error) {
	src := gocv.NewMat()
	defer src.Close()
	if err := loadFrame(&src, img); err != nil {
		return camera.Frame{}, fmt.Errorf("opencv: chip: %w", err)
	}
	c := face.ChipCrop(box)
	x1, y1, x2, y2 := int(c.X1), int(c.Y1), int(c.X2+0.5), int(c.Y2+0.5)
	if x2-x1 < 8 || y2-y1 < 8 {
		return camera.Frame{}, fmt.Errorf("opencv: chip: %w: face box %v too small", face.ErrBadImage, box)
	}
	// Pad with white where the crop leaves the picture.
	l, t := max(0, -x1), max(0, -y1)
	r, b := max(0, x2-img.Width), max(0, y2-img.Height)
	padded := src
	if l+t+r+b > 0 {
		padded = gocv.NewMat()
		defer padded.Close()
		gocv.CopyMakeBorder(src, &padded, t, b, l, r, gocv.BorderConstant, white)
	}
	crop := padded.Region(image.Rect(x1+l, y1+t, x2+l, y2+t))
	defer crop.Close()
	small := gocv.NewMat()
	defer small.Close()
	gocv.Resize(crop, &small, image.Pt(face.ChipWidth, face.ChipHeight), 0, 0, gocv.InterpolationArea)
	f, err := frameFromMat(small)
	if err != nil {
		return camera.Frame{}, fmt.Errorf("opencv: chip: %w", err)
	}
	jpg, err := EncodeJPEG(&f, q)
	if err != nil {
		return camera.Frame{}, err
	}
	return DecodeImage(jpg)
}
