package photo

import (
	"fmt"
	"image/color"

	"github.com/hbzk/kiosk/device/config"
)

// Spec is the registration photo's specification and the limits of its
// quality checks.
type Spec struct {
	// Width and Height of the photo in pixels; MaxBytes the largest JPEG
	// file; MinQuality the lowest JPEG quality accepted.
	Width, Height, MaxBytes, MinQuality int
	// Background is the backdrop colour (Hubei: light blue #438EDB).
	Background color.RGBA
	// ReplaceBackground allows replacing a backdrop that is not uniform
	// light blue.
	ReplaceBackground bool
	// TopMargin and Head are the crown's distance from the top edge and
	// the crown-to-chin height, as fractions of the photo height (Hubei:
	// 1/10 and 7/10; the shoulders take the rest).
	TopMargin, Head float64
	// PadSides, PadTop and PadBottom bound how much of the crop may fall
	// outside the picture (filled with the backdrop), as fractions of the
	// crop; MaxUpscale bounds the enlargement of the picture.
	PadSides, PadTop, PadBottom, MaxUpscale float64
	// MaxYaw and MaxRoll bound the head pose in degrees; MaxPitch bounds
	// the pitch's distance from PitchCentre, what the pose network reads
	// for a level head.
	MaxYaw, MaxRoll, PitchCentre, MaxPitch float64
	// EyeOpenMin is the eye network's least open probability; MouthMax
	// the largest inner-lip mouth aspect ratio.
	EyeOpenMin, MouthMax float64
	// MinSharpness is the least variance of the Laplacian (Sharpness).
	MinSharpness float64
	// MinBrightness, MaxBrightness and MinContrast bound the face's grey
	// level mean and deviation; MaxUneven the difference of its halves.
	MinBrightness, MaxBrightness, MinContrast, MaxUneven float64
	// BackgroundDistance bounds the backdrop's RGB distance from
	// Background, BackgroundNoise its largest per-channel deviation.
	BackgroundDistance, BackgroundNoise float64
}

// DefaultSpec is Hubei's specification with limits measured on real
// portraits (see docs/photo.md).
func DefaultSpec() Spec {
	return Spec{
		Width: 360, Height: 480, MaxBytes: 40 * 1024, MinQuality: 30,
		Background:         color.RGBA{0x43, 0x8e, 0xdb, 0xff},
		ReplaceBackground:  true,
		TopMargin:          0.10,
		Head:               0.70,
		PadSides:           0.12,
		PadTop:             0.06,
		PadBottom:          0.02,
		MaxUpscale:         2.5,
		MaxYaw:             12,
		MaxRoll:            8,
		PitchCentre:        10,
		MaxPitch:           12,
		EyeOpenMin:         0.6,
		MouthMax:           0.25,
		MinSharpness:       300,
		MinBrightness:      80,
		MaxBrightness:      210,
		MinContrast:        18,
		MaxUneven:          0.25,
		BackgroundDistance: 70,
		BackgroundNoise:    14,
	}
}

// SpecFromConfig applies the [photo] section to the defaults.
func SpecFromConfig(c config.PhotoConfig) (Spec, error) {
	s := DefaultSpec()
	rgb, err := config.ParseColor(c.Background)
	if err != nil {
		return s, fmt.Errorf("photo: background: %w", err)
	}
	s.Width, s.Height, s.MaxBytes = c.Width, c.Height, c.MaxBytes
	s.Background = color.RGBA{rgb[0], rgb[1], rgb[2], 0xff}
	s.ReplaceBackground = c.ReplaceBackground
	if err := s.Check(); err != nil {
		return s, err
	}
	return s, nil
}

// Check validates a spec.
func (s Spec) Check() error {
	switch {
	case s.Width < 16 || s.Height < 16 || s.Width > 4000 || s.Height > 4000:
		return fmt.Errorf("photo: spec: size %dx%d: want 16..4000 each", s.Width, s.Height)
	case s.MaxBytes < 1024:
		return fmt.Errorf("photo: spec: max_bytes %d: want at least 1024", s.MaxBytes)
	case s.MinQuality < 1 || s.MinQuality > 95:
		return fmt.Errorf("photo: spec: min quality %d: want 1..95", s.MinQuality)
	case !(s.TopMargin >= 0 && s.Head > 0 && s.TopMargin+s.Head < 1):
		return fmt.Errorf("photo: spec: top margin %v and head %v: want fractions leaving room for the shoulders", s.TopMargin, s.Head)
	}
	return nil
}
