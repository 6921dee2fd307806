package camsim

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"time"

	xdraw "golang.org/x/image/draw"
)

// Screen is a replay attack: the Inner scene shown on a phone or monitor
// held up to the camera. The picture is scaled into the screen's glass
// inside a dark bezel and degraded as a camera sees a screen: raised black
// level and lower contrast, a cool tint, the pixel grid of the panel, a
// moire pattern (the interference of the panel's grid with the camera's
// sensor grid), and a specular glare.
type Screen struct {
	Inner Scene
	// Scale is the glass's size relative to the frame (0.85).
	Scale float64
	// Moire is the moire pattern's depth (0.12), Glare the glare's peak
	// (0.45), Bezel the bezel's width in pixels (14).
	Moire, Glare float64
	Bezel        int
	// Room is what is around the screen.
	Room color.RGBA

	buf, small *image.RGBA
}

// NewScreen shows inner on a simulated screen with the default settings.
func NewScreen(inner Scene) *Screen {
	return &Screen{Inner: inner, Scale: 0.85, Moire: 0.12, Glare: 0.45, Bezel: 14, Room: color.RGBA{0x6a, 0x64, 0x5c, 0xff}}
}

// Render draws the inner scene's frame as shown on the screen.
func (s *Screen) Render(dst *image.RGBA, n uint64, t time.Duration) {
	if s.buf == nil || s.buf.Rect != dst.Rect {
		s.buf = image.NewRGBA(dst.Rect)
	}
	s.Inner.Render(s.buf, n, t)
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	gw, gh := int(float64(w)*s.Scale), int(float64(h)*s.Scale)
	glass := image.Rect((w-gw)/2, (h-gh)/2, (w-gw)/2+gw, (h-gh)/2+gh)
	draw.Draw(dst, dst.Rect, image.NewUniform(s.Room), image.Point{}, draw.Src)
	draw.Draw(dst, glass.Inset(-s.Bezel), image.NewUniform(color.RGBA{0x18, 0x18, 0x1a, 0xff}), image.Point{}, draw.Src)
	if s.small == nil || s.small.Rect.Dx() != gw || s.small.Rect.Dy() != gh {
		s.small = image.NewRGBA(image.Rect(0, 0, gw, gh))
	}
	xdraw.ApproxBiLinear.Scale(s.small, s.small.Rect, s.buf, s.buf.Rect, draw.Src, nil)
	sec := t.Seconds()
	gx, gy := 0.7*float64(gw)+10*math.Sin(sec), 0.25*float64(gh)
	sigma := 0.22 * float64(gw)
	for y := 0; y < gh; y++ {
		for x := 0; x < gw; x++ {
			o := s.small.PixOffset(x, y)
			fx, fy := float64(x), float64(y)
			m := 1 + s.Moire*math.Sin(2*math.Pi*(fx*0.173+fy*0.061))*math.Sin(2*math.Pi*(fx*0.047-fy*0.19+sec*0.3))
			if x%3 == 2 {
				m *= 0.9 // the panel's sub-pixel grid
			}
			d2 := (fx-gx)*(fx-gx) + (fy-gy)*(fy-gy)
			g := s.Glare * math.Exp(-d2/(2*sigma*sigma))
			px := s.small.Pix[o : o+3]
			tint := [3]float64{0.92, 0.97, 1.06}
			out := dst.Pix[dst.PixOffset(glass.Min.X+x, glass.Min.Y+y):]
			for c := 0; c < 3; c++ {
				v := (18 + 0.82*float64(px[c])) * tint[c] * m
				v = v*(1-g) + 255*g
				out[c] = uint8(math.Max(0, math.Min(255, v)))
			}
			out[3] = 0xff
		}
	}
}
