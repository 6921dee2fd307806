package opencv

import (
	"fmt"
	"image"
	"image/color"
	"os"

	"gocv.io/x/gocv"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
)

// MinImageSide is the smallest picture side the engine accepts.
const MinImageSide = 16

// ReadImage reads an image file (JPEG, PNG, BMP, PGM, WebP, ...) into a BGR
// frame. Unreadable and undecodable files fail with face.ErrBadImage.
func ReadImage(path string) (camera.Frame, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return camera.Frame{}, fmt.Errorf("opencv: image %s: %w: %v", path, face.ErrBadImage, err)
	}
	f, err := DecodeImage(data)
	if err != nil {
		return camera.Frame{}, fmt.Errorf("opencv: image %s: %w", path, err)
	}
	return f, nil
}

// DecodeImage decodes an encoded image into a BGR frame.
func DecodeImage(data []byte) (camera.Frame, error) {
	if len(data) == 0 {
		return camera.Frame{}, fmt.Errorf("%w: empty file", face.ErrBadImage)
	}
	if _, _, _, err := checkImageHeader(data); err != nil {
		return camera.Frame{}, fmt.Errorf("%w: %v", face.ErrBadImage, err)
	}
	m, err := gocv.IMDecode(data, gocv.IMReadColor)
	if err != nil {
		return camera.Frame{}, fmt.Errorf("%w: %v", face.ErrBadImage, err)
	}
	defer m.Close()
	if m.Empty() {
		return camera.Frame{}, fmt.Errorf("%w: not a decodable image (%d bytes)", face.ErrBadImage, len(data))
	}
	if m.Cols() < MinImageSide || m.Rows() < MinImageSide {
		return camera.Frame{}, fmt.Errorf("%w: %dx%d is too small (want at least %dx%d)", face.ErrBadImage, m.Cols(), m.Rows(), MinImageSide, MinImageSide)
	}
	return frameFromMat(m)
}

// EncodeJPEG encodes a frame as JPEG at quality q (1..100).
func EncodeJPEG(f *camera.Frame, q int) ([]byte, error) {
	if err := f.Check(); err != nil {
		return nil, fmt.Errorf("opencv: encode: %w", err)
	}
	m := gocv.NewMat()
	defer m.Close()
	if err := loadFrame(&m, f); err != nil {
		return nil, fmt.Errorf("opencv: encode: %w", err)
	}
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, m, []int{gocv.IMWriteJpegQuality, q})
	if err != nil {
		return nil, fmt.Errorf("opencv: encode: %w", err)
	}
	defer buf.Close()
	return append([]byte(nil), buf.GetBytes()...), nil
}

// frameFromMat copies a CV_8UC3 Mat into a new frame.
func frameFromMat(m gocv.Mat) (camera.Frame, error) {
	if m.Type() != gocv.MatTypeCV8UC3 {
		return camera.Frame{}, fmt.Errorf("%w: pixel type %v, want 8-bit BGR", face.ErrBadImage, m.Type())
	}
	f := camera.NewFrame(m.Cols(), m.Rows())
	if err := copyFromMat(f.Pix, m); err != nil {
		return camera.Frame{}, err
	}
	return f, nil
}

// copyFromMat copies a continuous 8-bit Mat's bytes into dst.
func copyFromMat(dst []byte, m gocv.Mat) error {
	if !m.IsContinuous() {
		c := m.Clone()
		defer c.Close()
		m = c
	}
	src, err := m.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("%w: %v", face.ErrBadImage, err)
	}
	if len(src) != len(dst) {
		return fmt.Errorf("%w: %d bytes of pixels, want %d", face.ErrBadImage, len(src), len(dst))
	}
	copy(dst, src)
	return nil
}

// loadFrame copies a frame into *m, reallocating m only when the size
// changes.
func loadFrame(m *gocv.Mat, f *camera.Frame) error {
	if err := f.Check(); err != nil {
		return fmt.Errorf("%w: %v", face.ErrBadImage, err)
	}
	if f.Width < MinImageSide || f.Height < MinImageSide {
		return fmt.Errorf("%w: %dx%d is too small (want at least %dx%d)", face.ErrBadImage, f.Width, f.Height, MinImageSide, MinImageSide)
	}
	if m.Empty() || m.Cols() != f.Width || m.Rows() != f.Height || m.Type() != gocv.MatTypeCV8UC3 {
		m.Close()
		*m = gocv.NewMatWithSize(f.Height, f.Width, gocv.MatTypeCV8UC3)
	}
	dst, err := m.DataPtrUint8()
	if err != nil {
		return err
	}
	copy(dst, f.Pix)
	return nil
}

// ensure makes *m a rows x cols Mat of type t, reallocating only when needed.
func ensure(m *gocv.Mat, rows, cols int, t gocv.MatType) {
	if m.Empty() || m.Rows() != rows || m.Cols() != cols || m.Type() != t {
		m.Close()
		*m = gocv.NewMatWithSize(rows, cols, t)
	}
}

// ensureBlob makes *m an N-dimensional float32 Mat of the given shape.
func ensureBlob(m *gocv.Mat, shape []int) {
	if !m.Empty() {
		s := m.Size()
		same := len(s) == len(shape)
		for i := 0; same && i < len(s); i++ {
			same = s[i] == shape[i]
		}
		if same {
			return
		}
	}
	m.Close()
	*m = gocv.NewMatWithSizes(shape, gocv.MatTypeCV32F)
}

// fillBlob writes an 8-bit picture into a planar float blob as
// (x - mean) * scale, in the channel order the model wants. src is packed
// BGR (3 channels) or grey (1 channel).
func fillBlob(dst []float32, src []byte, srcChannels int, mod face.Model) error {
	n := len(src) / srcChannels
	mean, scale := float32(mod.Mean), float32(mod.Scale)
	switch {
	case mod.Channels == "gray" && srcChannels == 1:
		if len(dst) != n {
			return fmt.Errorf("blob of %d values for %d pixels", len(dst), n)
		}
		for i, v := range src {
			dst[i] = (float32(v) - mean) * scale
		}
	case srcChannels == 3 && (mod.Channels == "bgr" || mod.Channels == "rgb"):
		if len(dst) != 3*n {
			return fmt.Errorf("blob of %d values for %d pixels x 3", len(dst), n)
		}
		p0, p1, p2 := dst[:n], dst[n:2*n], dst[2*n:]
		if mod.Channels == "rgb" {
			p0, p2 = p2, p0
		}
		for i := 0; i < n; i++ {
			p0[i] = (float32(src[3*i]) - mean) * scale
			p1[i] = (float32(src[3*i+1]) - mean) * scale
			p2[i] = (float32(src[3*i+2]) - mean) * scale
		}
	default:
		return fmt.Errorf("cannot feed %d-channel pixels as %q", srcChannels, mod.Channels)
	}
	return nil
}

var white = color.RGBA{255, 255, 255, 255}
var grey = color.RGBA{127, 127, 127, 255}

func rectInt(r face.Rect, w, h int) image.Rectangle {
	x1, y1 := int(r.X1), int(r.Y1)
	x2, y2 := int(r.X2+0.999), int(r.Y2+0.999)
	return image.Rect(x1, y1, x2, y2).Intersect(image.Rect(0, 0, w, h))
}
