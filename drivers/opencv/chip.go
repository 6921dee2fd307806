package opencv

import (
	"errors"
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
	return SimulateChipCrop(img, face.ChipCrop(box), q)
}

// SimulateChipCrop is SimulateChip of the region c of the picture (for
// example face.ChipCropTight of the face box: the head filling the frame).
func SimulateChipCrop(img *camera.Frame, c face.Rect, q int) (camera.Frame, error) {
	src := gocv.NewMat()
	defer src.Close()
	if err := loadFrame(&src, img); err != nil {
		return camera.Frame{}, fmt.Errorf("opencv: chip: %w", err)
	}
	x1, y1, x2, y2 := int(c.X1), int(c.Y1), int(c.X2+0.5), int(c.Y2+0.5)
	if x2-x1 < 8 || y2-y1 < 8 {
		return camera.Frame{}, fmt.Errorf("opencv: chip: %w: crop %v too small", face.ErrBadImage, c)
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

// chipFace finds the face of a chip photo already detected in e.src
// (e.dets): the detector's face when there is one clear face; else the
// photo is centred on white canvases face.ChipPadScales times its size and
// detected again (a head filling the frame has no margin for the
// detector); else the standard framing's box (face.ChipGeometryBox) with
// its landmarks checked (face.PlausibleChipFace). Path says which. While
// a padded canvas is in use e.src holds it and the boxes and landmarks are
// in its pixels; chipUnshift maps them back and unpadChip restores e.src.
func (e *Engine) chipFace(img *camera.Frame) (face.Face, error) {
	var f face.Face
	w, h := img.Width, img.Height
	f.Count = len(e.dets)
	d, err := face.PickChip(e.dets, w, h)
	if e.chipForce {
		err = fmt.Errorf("opencv: chip photo: %w (geometry path forced)", face.ErrNoFace)
	}
	if err == nil {
		f.Path, f.Detection = "detect", d
		f.Landmarks, err = e.landmarks(d)
		return f, err
	}
	if !errors.Is(err, face.ErrNoFace) {
		return f, fmt.Errorf("opencv: %w", err)
	}
	firstErr := err
	if !e.chipForce {
		for _, s := range face.ChipPadScales {
			px, py := int(float64(w)*(s-1)/2+0.5), int(float64(h)*(s-1)/2+0.5)
			e.swapChip()
			gocv.CopyMakeBorder(e.chipPad, &e.src, py, py, px, px, gocv.BorderConstant, white)
			e.chipOff = image.Pt(px, py)
			if err := e.detect(face.Chip); err != nil {
				return f, err
			}
			d, err := face.PickChip(e.dets, e.src.Cols(), e.src.Rows())
			if err == nil {
				f.Path, f.Detection, f.Count = fmt.Sprintf("pad%g", s), d, len(e.dets)
				f.Landmarks, err = e.landmarks(d)
				return f, err
			}
			e.unpadChip()
		}
	}
	// The standard framing, on the photo as it is.
	e.unpadChip()
	box := face.ChipGeometryBox(w, h)
	f.Path, f.Detection = "geometry", face.Detection{Box: box}
	lm, err := e.landmarks(f.Detection)
	if err != nil {
		return f, err
	}
	if !face.PlausibleChipFace(&lm, box) || !e.alignedIsFace(&lm) {
		return f, fmt.Errorf("opencv: chip photo: %w (detector, padded retries and the standard framing's landmarks all failed)", firstErr)
	}
	f.Landmarks = lm
	return f, nil
}

// alignedIsFace checks the standard framing's landmarks on content: the
// face they align, on a white canvas twice its size, must be found by the
// detector (the landmark network draws a face shape on anything, a blank
// photo included). e.src is the chip photo before and after.
func (e *Engine) alignedIsFace(lm *face.Landmarks) bool {
	if err := e.align(lm); err != nil {
		return false
	}
	e.swapChip()
	defer e.unpadChip()
	q := face.AlignedSize / 2
	gocv.CopyMakeBorder(e.aligned, &e.src, q, q, q, q, gocv.BorderConstant, white)
	if err := e.detect(face.Chip); err != nil {
		return false
	}
	_, err := face.PickChip(e.dets, e.src.Cols(), e.src.Rows())
	return err == nil
}

// swapChip moves the chip photo into e.chipPad, leaving e.src free for
// the padded canvas (once: a second call keeps the photo where it is).
func (e *Engine) swapChip() {
	if !e.chipSwapped {
		e.src, e.chipPad = e.chipPad, e.src
		e.chipSwapped = true
	}
}

// unpadChip puts the chip photo back into e.src.
func (e *Engine) unpadChip() {
	if e.chipSwapped {
		e.src, e.chipPad = e.chipPad, e.src
		e.chipSwapped = false
	}
	e.chipOff = image.Point{}
}

// chipUnshift maps a face found on a padded canvas back to the photo.
func (e *Engine) chipUnshift(f face.Face) face.Face {
	if !e.chipSwapped {
		return f
	}
	dx, dy := float32(e.chipOff.X), float32(e.chipOff.Y)
	b := &f.Detection.Box
	b.X1, b.X2, b.Y1, b.Y2 = b.X1-dx, b.X2-dx, b.Y1-dy, b.Y2-dy
	for i := range f.Landmarks {
		f.Landmarks[i].X -= dx
		f.Landmarks[i].Y -= dy
	}
	return f
}
