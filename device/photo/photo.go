package photo

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"strings"

	xdraw "golang.org/x/image/draw"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/face"
	"github.com/hbzk/kiosk/device/liveness"
)

// FaceInfo is what the analyser measured of the picture's face.
type FaceInfo struct {
	// Faces is how many faces the detector found; the rest describes the
	// chosen one and is zero when there is none.
	Faces     int
	Box       face.Rect
	Landmarks face.Landmarks
	// Yaw, Pitch, Roll in degrees (liveness.Measure's signs).
	Yaw, Pitch, Roll float64
	// EyeOpen is each eye's open probability.
	EyeOpen [2]float64
	// Embedding is the face's embedding.
	Embedding face.Embedding
}

// Trimap values, GrabCut's own mask codes.
const (
	SureBackground     = 0
	SureForeground     = 1
	MaybeBackground    = 2
	MaybeForeground    = 3
	trimapCodes        = 4
	minForegroundShare = 0.08
)

// Analyzer measures faces and separates the person from the backdrop.
type Analyzer interface {
	// Face measures the face of img (Faces == 0 and no error when there is
	// none).
	Face(img *camera.Frame) (FaceInfo, error)
	// Segment separates the person from the backdrop in region r of img,
	// seeded by trimap (r.Dx() x r.Dy() values, the Sure/Maybe codes), and
	// returns the person's alpha (0..255) over r, edges refined.
	Segment(img *camera.Frame, r image.Rectangle, trimap []uint8) ([]uint8, error)
	// Compare gives the similarity of two embeddings against the engine's
	// match threshold.
	Compare(a, b face.Embedding) face.Match
}

// Check is one named quality check with what it measured.
type Check struct {
	Name   string  `json:"name"`
	OK     bool    `json:"ok"`
	Value  float64 `json:"value"`
	Detail string  `json:"detail"`
}

// Report is the outcome of making a photo.
type Report struct {
	OK                 bool    `json:"ok"`
	Checks             []Check `json:"checks"`
	BackgroundReplaced bool    `json:"background_replaced"`
	Width              int     `json:"width"`
	Height             int     `json:"height"`
	Bytes              int     `json:"bytes"`
	Quality            int     `json:"quality,omitempty"`
	// Match is the comparison with the live face, when one was given.
	Match *face.Match `json:"match,omitempty"`
}

// Failed names the failed checks.
func (r *Report) Failed() []string {
	var out []string
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c.Name)
		}
	}
	return out
}

func (r *Report) add(name string, ok bool, v float64, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Name: name, OK: ok, Value: round(v), Detail: fmt.Sprintf(format, args...)})
}

func round(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v*1000) / 1000
}

// Photo is a registration photo that passed every check.
type Photo struct {
	JPEG          []byte
	Width, Height int
	Quality       int
	// Image is the photo before encoding.
	Image *image.RGBA
}

// ErrRefused is returned (wrapped) when a check fails: the report names
// every failed check.
var ErrRefused = errors.New("photo refused")

// Maker makes registration photos.
type Maker struct {
	Analyzer Analyzer
	Spec     Spec
}

// Check runs the quality checks on img without encoding: the report of
// Make without the file.
func (m *Maker) Check(img *camera.Frame) (Report, error) {
	_, r, err := m.make(img, nil, false)
	return r, err
}

// Make checks img, crops, scales, replaces the backdrop when needed and
// allowed, encodes, and (when live is not nil) matches the photo against
// the session's live face. A refused photo returns an error wrapping
// ErrRefused and the report naming every failed check; other errors are
// the analyser's or a bad frame's.
func (m *Maker) Make(img *camera.Frame, live face.Embedding) (Photo, Report, error) {
	return m.make(img, live, true)
}

// MakeBest tries frames in order and returns the first photo that passes;
// when none does, the report of the frame with the fewest failed checks.
func (m *Maker) MakeBest(frames []camera.Frame, live face.Embedding) (Photo, Report, error) {
	var best Report
	var bestErr error
	bestN := -1
	for i := range frames {
		p, r, err := m.Make(&frames[i], live)
		if err == nil {
			return p, r, nil
		}
		if !errors.Is(err, ErrRefused) {
			return Photo{}, r, err
		}
		if n := len(r.Failed()); bestN < 0 || n < bestN {
			best, bestErr, bestN = r, err, n
		}
	}
	if bestN < 0 {
		return Photo{}, best, fmt.Errorf("photo: no frames")
	}
	return Photo{}, best, bestErr
}

func (m *Maker) make(img *camera.Frame, live face.Embedding, encode bool) (Photo, Report, error) {
	s := m.Spec
	r := Report{Width: s.Width, Height: s.Height}
	if err := img.Check(); err != nil {
		return Photo{}, r, fmt.Errorf("photo: %w", err)
	}
	fi, err := m.Analyzer.Face(img)
	if err != nil {
		return Photo{}, r, fmt.Errorf("photo: %w", err)
	}
	r.add("one_face", fi.Faces == 1, float64(fi.Faces), "%d face(s) found, want exactly 1", fi.Faces)
	if fi.Faces == 0 {
		return Photo{}, r, refused(&r)
	}
	r.add("frontal_yaw", math.Abs(fi.Yaw) <= s.MaxYaw, fi.Yaw, "head turned %.0f degrees, at most %.0f", fi.Yaw, s.MaxYaw)
	dp := fi.Pitch - s.PitchCentre
	r.add("frontal_pitch", math.Abs(dp) <= s.MaxPitch, fi.Pitch, "head tilted %.0f degrees from level (%.0f measured, level reads %.0f), at most %.0f", dp, fi.Pitch, s.PitchCentre, s.MaxPitch)
	r.add("frontal_roll", math.Abs(fi.Roll) <= s.MaxRoll, fi.Roll, "head leaning %.0f degrees, at most %.0f", fi.Roll, s.MaxRoll)
	eyes := math.Min(fi.EyeOpen[0], fi.EyeOpen[1])
	r.add("eyes_open", eyes >= s.EyeOpenMin, eyes, "eye open probability %.2f (the less open eye), at least %.2f", eyes, s.EyeOpenMin)
	mar := liveness.MouthAspect(&fi.Landmarks)
	r.add("mouth_closed", mar <= s.MouthMax, mar, "mouth aspect ratio %.2f, at most %.2f", mar, s.MouthMax)
	sharp := Sharpness(img, fi.Box)
	r.add("sharpness", sharp >= s.MinSharpness, sharp, "variance of the Laplacian %.0f, at least %.0f", sharp, s.MinSharpness)
	inner := innerFace(&fi)
	bright, contrast := greyStats(img, inner)
	r.add("exposure", bright >= s.MinBrightness && bright <= s.MaxBrightness, bright, "face grey level %.0f, want %.0f..%.0f", bright, s.MinBrightness, s.MaxBrightness)
	r.add("contrast", contrast >= s.MinContrast, contrast, "face grey level deviation %.1f, at least %.0f", contrast, s.MinContrast)
	uneven := unevenness(img, &fi, inner)
	r.add("even_lighting", uneven <= s.MaxUneven, uneven, "left and right half of the face differ by %.0f%%, at most %.0f%%", 100*uneven, 100*s.MaxUneven)

	// The backdrop: sampled beside and above the head, inside the crop of
	// the estimated geometry.
	g := Frame(s, &fi.Landmarks, -1)
	bgRects := backdropRects(g, &fi)
	bgMean, bgNoise, bgN := colourStats(img, bgRects...)
	if bgN > 0 && bgNoise <= s.BackgroundNoise {
		if c := findCrown(img, fi.Box, bgMean, s.BackgroundNoise, g.Crop.Min.Y); c >= 0 {
			g = Frame(s, &fi.Landmarks, c)
			bgRects = backdropRects(g, &fi)
			bgMean, bgNoise, bgN = colourStats(img, bgRects...)
		}
	}
	spec := [3]float64{float64(s.Background.R), float64(s.Background.G), float64(s.Background.B)}
	dist := math.Sqrt(sq(bgMean[0]-spec[0]) + sq(bgMean[1]-spec[1]) + sq(bgMean[2]-spec[2]))
	bgOK := bgN > 0 && bgNoise <= s.BackgroundNoise && dist <= s.BackgroundDistance
	var alpha []uint8
	var segRegion image.Rectangle
	if bgOK {
		r.add("background", true, dist, "uniform (noise %.1f) and %.0f from the spec colour, at most %.0f", bgNoise, dist, s.BackgroundDistance)
	} else if !s.ReplaceBackground {
		r.add("background", false, dist, "not a uniform light blue (noise %.1f, at most %.0f; %.0f from the spec colour, at most %.0f) and replacement is off", bgNoise, s.BackgroundNoise, dist, s.BackgroundDistance)
	} else {
		// GrabCut learns the backdrop's colours from the seeds: give it
		// the crop and as much again around it, where more backdrop shows.
		region := g.Crop.Inset(-g.Crop.Dx() / 2).Intersect(image.Rect(0, 0, img.Width, img.Height))
		trimap := Trimap(region, g, &fi)
		a, err := m.Analyzer.Segment(img, region, trimap)
		if err != nil {
			return Photo{}, r, fmt.Errorf("photo: segment: %w", err)
		}
		if trust, why := Trust(a, trimap, region, g, &fi); trust < 0.5 {
			r.add("background", false, dist, "not a uniform light blue (noise %.1f, %.0f from the spec colour)", bgNoise, dist)
			r.add("segmentation", false, trust, "the person cannot be cut out reliably: %s", why)
		} else {
			alpha, segRegion = a, region
			r.BackgroundReplaced = true
			if c := maskCrown(a, region, &fi); c >= 0 {
				// Frame by the crown the mask shows, as long as the
				// shoulders stay inside the segmented region (above the
				// crown and at the sides the backdrop colour fills in).
				if g2 := Frame(s, &fi.Landmarks, c); g2.Crop.Max.Y <= region.Max.Y {
					g = g2
				}
			}
			r.add("background", true, trust, "replaced: the backdrop was not a uniform light blue (noise %.1f, %.0f from the spec colour); segmentation confidence %.2f", bgNoise, dist, trust)
		}
	}
	sides, top, bottom := g.outside(img.Width, img.Height)
	padTop := s.PadTop
	if bgOK || r.BackgroundReplaced {
		// Above the crown there is only backdrop: fill it in, as long as
		// the crown itself is in the picture.
		padTop = math.Max(padTop, 0.9*s.TopMargin)
	}
	framingOK := bottom <= s.PadBottom && sides <= s.PadSides && top <= padTop
	r.add("framing", framingOK, math.Max(sides, math.Max(top, bottom)),
		"crown at %.0f%%, head %.0f%% of the height (crown %s); the crop passes the picture by %.0f%% at the sides, %.0f%% at the top, %.0f%% at the bottom (at most %.0f%%, %.0f%%, %.0f%%)",
		100*s.TopMargin, 100*s.Head, map[bool]string{true: "found", false: "estimated"}[g.CrownFound], 100*sides, 100*top, 100*bottom, 100*s.PadSides, 100*padTop, 100*s.PadBottom)
	r.add("face_size", g.Scale <= s.MaxUpscale, g.Scale, "the picture is enlarged %.2fx to frame the head, at most %.2fx (come closer or use a higher resolution)", g.Scale, s.MaxUpscale)

	if !encode {
		if len(r.Failed()) > 0 {
			return Photo{}, r, refused(&r)
		}
		r.OK = true
		return Photo{}, r, nil
	}
	if len(r.Failed()) > 0 {
		return Photo{}, r, refused(&r)
	}
	var bg color.RGBA
	if alpha != nil {
		bg = s.Background
	} else {
		bg = color.RGBA{uint8(bgMean[0]), uint8(bgMean[1]), uint8(bgMean[2]), 0xff}
	}
	out := render(img, g, alpha, segRegion, bg, s)
	data, q, err := EncodeUnder(out, s.MaxBytes, s.MinQuality)
	r.Bytes, r.Quality = len(data), q
	if err != nil {
		r.add("file_size", false, float64(len(data)), "%v", err)
		return Photo{}, r, refused(&r)
	}
	r.add("file_size", true, float64(len(data)), "%d bytes at JPEG quality %d, at most %d bytes", len(data), q, s.MaxBytes)
	if live != nil {
		pf := camera.FromImage(out)
		fi2, err := m.Analyzer.Face(&pf)
		if err != nil {
			return Photo{}, r, fmt.Errorf("photo: %w", err)
		}
		if fi2.Faces == 0 || fi2.Embedding == nil {
			r.add("matches_live", false, 0, "no face found in the finished photo")
		} else {
			mt := m.Analyzer.Compare(live, fi2.Embedding)
			r.Match = &mt
			r.add("matches_live", mt.Match, float64(mt.Score), "similarity %.2f to the live face, threshold %.2f", mt.Score, mt.Threshold)
		}
		if len(r.Failed()) > 0 {
			return Photo{}, r, refused(&r)
		}
	}
	r.OK = true
	return Photo{JPEG: data, Width: s.Width, Height: s.Height, Quality: q, Image: out}, r, nil
}

func refused(r *Report) error {
	return fmt.Errorf("photo: %w: %s", ErrRefused, strings.Join(r.Failed(), ", "))
}

func sq(v float64) float64 { return v * v }

// innerFace is the skin between the eyes and the mouth, inside the jaw.
func innerFace(fi *FaceInfo) image.Rectangle {
	l := &fi.Landmarks
	x0 := float64(l[2].X+l[3].X) / 2
	x1 := float64(l[13].X+l[14].X) / 2
	y0 := float64(min(l[37].Y, l[44].Y))
	y1 := float64(max(l[48].Y, l[54].Y))
	w := x1 - x0
	return image.Rect(int(x0+0.08*w), int(y0), int(x1-0.08*w), int(y1))
}

// unevenness compares the grey level of the face's two halves, split at
// the nose: |L - R| / max(L, R).
func unevenness(f *camera.Frame, fi *FaceInfo, inner image.Rectangle) float64 {
	nx := int(fi.Landmarks[30].X)
	if nx <= inner.Min.X+2 || nx >= inner.Max.X-2 {
		return 1 // the face is turned too far to compare
	}
	l, _ := greyStats(f, image.Rect(inner.Min.X, inner.Min.Y, nx, inner.Max.Y))
	r, _ := greyStats(f, image.Rect(nx, inner.Min.Y, inner.Max.X, inner.Max.Y))
	if math.Max(l, r) == 0 {
		return 1
	}
	return math.Abs(l-r) / math.Max(l, r)
}

// backdropRects are where the backdrop shows in the crop: above the crown
// and beside the head above the shoulders.
func backdropRects(g Geometry, fi *FaceInfo) []image.Rectangle {
	c := g.Crop
	fw := float64(fi.Box.W())
	ch := float64(c.Dy())
	topBand := image.Rect(c.Min.X+c.Dx()/6, c.Min.Y+int(0.01*ch), c.Max.X-c.Dx()/6, int(g.Crown-0.02*ch))
	yTop := c.Min.Y + int(0.01*ch)
	yBot := int(float64(fi.Box.Y1) + 0.5*float64(fi.Box.H()))
	left := image.Rect(c.Min.X+int(0.01*float64(c.Dx())), yTop, int(float64(fi.Box.X1)-0.45*fw), yBot)
	right := image.Rect(int(float64(fi.Box.X2)+0.45*fw), yTop, c.Max.X-int(0.01*float64(c.Dx())), yBot)
	var out []image.Rectangle
	for _, r := range []image.Rectangle{topBand, left, right} {
		if r.Dx() > 2 && r.Dy() > 2 {
			out = append(out, r)
		}
	}
	return out
}

// Trimap seeds the segmentation over region: sure background in the
// crop's upper corners away from the head, sure foreground in the middle
// of the face, the neck and the chest, probable foreground in the head's
// ellipse (hair) and a shoulder trapezoid, probable background elsewhere.
func Trimap(region image.Rectangle, g Geometry, fi *FaceInfo) []uint8 {
	w, h := region.Dx(), region.Dy()
	t := make([]uint8, w*h)
	b := fi.Box
	fw, fh := float64(b.W()), float64(b.H())
	cx := float64(b.X1+b.X2) / 2
	headCY := (g.Crown + g.Chin) / 2
	headRY := (g.Chin - g.Crown) / 2 * 1.08
	headRX := fw * 0.78
	for y := 0; y < h; y++ {
		py := float64(region.Min.Y + y)
		for x := 0; x < w; x++ {
			px := float64(region.Min.X + x)
			v := uint8(MaybeBackground)
			dx, dy := (px-cx)/headRX, (py-headCY)/headRY
			inHead := dx*dx+dy*dy <= 1
			// Shoulders: below the chin, widening to 3 face widths.
			below := py - g.Chin
			half := 0.0
			if below > 0 {
				half = fw*0.45 + math.Min(below/(0.6*fh), 1)*fw*1.15
			}
			inBody := below > 0 && math.Abs(px-cx) <= half
			switch {
			case math.Abs(px-cx) <= 0.3*fw && py >= float64(b.Y1)+0.2*fh && py <= g.Chin-0.05*fh:
				v = SureForeground // the face
			case below > 0 && below < 0.5*fh && math.Abs(px-cx) <= 0.2*fw:
				v = SureForeground // the neck
			case below > 0.9*fh && math.Abs(px-cx) <= 0.8*fw:
				v = SureForeground // the chest
			case inHead || inBody:
				v = MaybeForeground
			case py < g.Chin-0.2*fh && math.Abs(px-cx) > 1.25*fw:
				v = SureBackground
			case py < g.Crown-0.04*fh:
				v = SureBackground
			}
			t[y*w+x] = v
		}
	}
	return t
}

// Trust scores a segmentation 0..1 and says what is wrong with it: the
// sure-foreground seeds must come out as person, the sure-background seeds
// as backdrop, the person must fill a plausible share of the crop, reach
// its bottom edge (shoulders) and have one clean outline (few
// alpha values between 0 and 255 away from the edge).
func Trust(alpha, trimap []uint8, region image.Rectangle, g Geometry, fi *FaceInfo) (float64, string) {
	w, h := region.Dx(), region.Dy()
	if len(alpha) != w*h || len(trimap) != w*h || w == 0 || h == 0 {
		return 0, fmt.Sprintf("mask of %d values for a %dx%d region", len(alpha), w, h)
	}
	var fgSeed, fgKept, bgSeed, bgKept, fg, soft int
	for i, a := range alpha {
		on := a >= 128
		if on {
			fg++
		}
		if a > 20 && a < 235 {
			soft++
		}
		switch trimap[i] {
		case SureForeground:
			fgSeed++
			if on {
				fgKept++
			}
		case SureBackground:
			bgSeed++
			if !on {
				bgKept++
			}
		}
	}
	bottomOn := 0
	for x := w / 4; x < 3*w/4; x++ {
		if alpha[(h-1)*w+x] >= 128 {
			bottomOn++
		}
	}
	share := float64(fg) / float64(w*h)
	fgRate := float64(fgKept) / float64(max(fgSeed, 1))
	bgRate := float64(bgKept) / float64(max(bgSeed, 1))
	bottom := float64(bottomOn) / float64(max(w/2, 1))
	softShare := float64(soft) / float64(w*h)
	score := math.Min(fgRate, bgRate)
	var why []string
	if bgSeed < w*h/200 {
		why = append(why, "too little backdrop shows beside and above the head to learn its colours")
		score = 0
	}
	if fgRate < 0.97 {
		why = append(why, fmt.Sprintf("%.0f%% of the face and body seeds were taken for backdrop", 100*(1-fgRate)))
	}
	if bgRate < 0.97 && bgSeed >= w*h/200 {
		why = append(why, fmt.Sprintf("%.0f%% of the backdrop seeds were taken for the person", 100*(1-bgRate)))
	}
	if share < minForegroundShare || share > 0.9 {
		why = append(why, fmt.Sprintf("the person fills %.0f%% of the photo", 100*share))
		score = math.Min(score, 0.3)
	}
	if bottom < 0.6 {
		why = append(why, fmt.Sprintf("the shoulders cover %.0f%% of the bottom edge's middle", 100*bottom))
		score = math.Min(score, 0.3)
	}
	if softShare > 0.15 {
		why = append(why, fmt.Sprintf("%.0f%% of the photo is neither person nor backdrop", 100*softShare))
		score = math.Min(score, 0.3)
	}
	if len(why) > 0 {
		return math.Min(score, 0.49), strings.Join(why, "; ")
	}
	return score, "ok"
}

// maskCrown is the top of the person in the alpha mask above the face
// (median over the face's middle columns), or -1.
func maskCrown(alpha []uint8, region image.Rectangle, fi *FaceInfo) float64 {
	w, h := region.Dx(), region.Dy()
	x0 := int(fi.Box.X1+0.3*fi.Box.W()) - region.Min.X
	x1 := int(fi.Box.X2-0.3*fi.Box.W()) - region.Min.X
	yMax := int(fi.Box.Y1) - region.Min.Y
	if x0 < 0 || x1 > w || x1 <= x0 || yMax <= 0 || yMax > h {
		return -1
	}
	var ys []int
	for x := x0; x < x1; x++ {
		for y := 0; y < yMax; y++ {
			if alpha[y*w+x] >= 128 {
				ys = append(ys, y)
				break
			}
		}
	}
	if len(ys) < (x1-x0)/2 {
		return -1
	}
	for i := 1; i < len(ys); i++ {
		for j := i; j > 0 && ys[j] < ys[j-1]; j-- {
			ys[j], ys[j-1] = ys[j-1], ys[j]
		}
	}
	y := ys[len(ys)/4]
	if y == 0 {
		return -1
	}
	return float64(region.Min.Y + y)
}

// render cuts g.Crop out of img (the parts past the picture's edges in
// bg), composites the person over bg by alpha (over region) when alpha is
// not nil, and scales to the spec's size.
func render(img *camera.Frame, g Geometry, alpha []uint8, region image.Rectangle, bg color.RGBA, s Spec) *image.RGBA {
	c := g.Crop
	src := image.NewRGBA(image.Rect(0, 0, c.Dx(), c.Dy()))
	for y := 0; y < c.Dy(); y++ {
		sy := c.Min.Y + y
		for x := 0; x < c.Dx(); x++ {
			sx := c.Min.X + x
			o := src.PixOffset(x, y)
			px := [3]uint8{bg.R, bg.G, bg.B}
			if sx >= 0 && sy >= 0 && sx < img.Width && sy < img.Height {
				i := (sy*img.Width + sx) * 3
				px = [3]uint8{img.Pix[i+2], img.Pix[i+1], img.Pix[i]}
				if alpha != nil {
					a := 0.0
					if image.Pt(sx, sy).In(region) {
						a = float64(alpha[(sy-region.Min.Y)*region.Dx()+sx-region.Min.X]) / 255
					}
					px[0] = uint8(float64(px[0])*a + float64(bg.R)*(1-a) + 0.5)
					px[1] = uint8(float64(px[1])*a + float64(bg.G)*(1-a) + 0.5)
					px[2] = uint8(float64(px[2])*a + float64(bg.B)*(1-a) + 0.5)
				}
			}
			src.Pix[o], src.Pix[o+1], src.Pix[o+2], src.Pix[o+3] = px[0], px[1], px[2], 0xff
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, s.Width, s.Height))
	xdraw.CatmullRom.Scale(out, out.Rect, src, src.Rect, xdraw.Src, nil)
	return out
}

// EncodeUnder encodes img as JPEG at the highest quality in
// [minQ, 95] whose file has at most maxBytes, by bisection (the file size
// grows with the quality). It fails when even minQ is too big.
func EncodeUnder(img image.Image, maxBytes, minQ int) ([]byte, int, error) {
	enc := func(q int) []byte {
		var b bytes.Buffer
		jpeg.Encode(&b, img, &jpeg.Options{Quality: q})
		return b.Bytes()
	}
	lo, hi := minQ, 95
	best := enc(lo)
	if len(best) > maxBytes {
		return best, lo, fmt.Errorf("photo: %d bytes at the lowest quality %d, over the limit of %d", len(best), lo, maxBytes)
	}
	bestQ := lo
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if b := enc(mid); len(b) <= maxBytes {
			best, bestQ, lo = b, mid, mid
		} else {
			hi = mid - 1
		}
	}
	return best, bestQ, nil
}
