package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"time"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/vector"
)

// Sample is a screen with invented data and the file stem of its picture
// (the screen's Name, with a suffix for a second variant).
type Sample struct {
	File   string
	Screen Screen
}

// Samples returns every screen filled with invented sample data, in flow
// order: the gallery of the golden tests and of screenshots. face is a
// picture of a face (nil: a drawn placeholder) and faceBox the face's
// rectangle in it.
func Samples(face image.Image, faceBox image.Rectangle) []Sample {
	if face == nil {
		face, faceBox = PlaceholderFace(640, 480)
	}
	preview, box := cameraFrame(face, faceBox)
	photo := cropPhoto(face, faceBox)
	at := time.Date(2026, 11, 28, 14, 32, 0, 0, time.FixedZone("CST", 8*3600))
	list := []Screen{
		Attract{Phase: 0.3, Site: "海淀区自考办"},
		PlaceCard{},
		ReadingCard{Phase: 0.15},
		NotOnRoster{Candidate: "李明"},
		AlreadyConfirmed{Candidate: "王芳", At: at.AddDate(0, 0, -3)},
		CardExpired{ValidTo: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		CardReadFailed{Reason: ReasonCardMoved},
		Liveness{Preview: preview, Mirror: true, Face: box, Guidance: GuideMoveCloser, Challenge: ChallengeTurnLeft,
			Remaining: 6200 * time.Millisecond, Limit: 8 * time.Second, Index: 2, Count: 3, Passed: 1},
		Liveness{Preview: preview, Mirror: true, Face: box, Guidance: GuideOK, Challenge: ChallengeReadDigits, Digits: "4719",
			Remaining: 2500 * time.Millisecond, Limit: 8 * time.Second, Index: 3, Count: 3, Passed: 2},
		Matching{Phase: 0.4},
		MatchFailed{AttemptsLeft: 2},
		Photo{Preview: preview, Mirror: true, Face: box, Hints: []string{HintBackground, HintUnevenLight, HintNotFrontal}},
		PhotoReview{Photo: photo},
		Signature{Strokes: SampleSignature(), Pad: image.Rect(0, 0, 2048, 640)},
		Signature{Pad: image.Rect(0, 0, 2048, 640), Refusal: RefusalEmpty},
		Saving{Phase: 0.7},
		Done{Candidate: "张伟", At: at, Countdown: 15},
		Failure{Reason: ReasonTimeout, CanRetry: true},
		OutOfService{Device: DeviceCamera, Code: "E-CAM-02"},
		TechPIN{Entered: 3, Length: 6, Wrong: true},
		TechMenu{DeviceID: "kiosk-hd-0042", Site: "海淀区自考办", Version: "0.8.0", Pending: 2, Devices: []DeviceStatus{
			{Device: DeviceIDCard, OK: true, Detail: "sam:/dev/idreader SAM 05.01-20260321"},
			{Device: DeviceCamera, OK: false, Detail: "v4l2:/dev/video0: no frames for 10 s"},
			{Device: DeviceSigpad, OK: true, Detail: "topaz:/dev/sigpad 19200 baud"},
			{Device: DeviceGPIO, OK: true, Detail: "gpiochip0 line 17"},
		}, Message: "self-test 22:14:05: 1 of 4 devices failed"},
		Failure{Reason: ReasonSave},
		// Issue 12's screens (after the others: their file names stay).
		Registration{Candidate: "张伟", IDMasked: "4201**********2113", RegistrationNo: "0126110300123", ExamPeriod: "2026年10月",
			Subjects: []string{"00015 英语（二）", "03708 中国近现代史纲要"}, Site: "海淀区自考办", Photo: photo},
		CardInvalid{TakeCard: true},
		LivenessRetry{Reason: ReasonLiveness, AttemptsLeft: 2},
		StillThere{Under: Signature{Pad: image.Rect(0, 0, 2048, 640), AttemptsLeft: 3}, Seconds: 12},
		Done{Candidate: "张伟", At: at, Countdown: 15, Reference: "3F2A-91C0"},
		Photo{Preview: preview, Mirror: true, Face: box, Countdown: 2},
		TechMenu{DeviceID: "kiosk-hd-0042", Site: "海淀区自考办", Version: "0.8.0", Devices: []DeviceStatus{
			{Device: DeviceIDCard, OK: true, Detail: "tech.detail.loaded"},
			{Device: DeviceModels, OK: true, Detail: "tech.detail.loaded"},
			{Device: DeviceNetwork, OK: true, Detail: "tech.sync.idle"},
		}, Message: "tech.msg.synced", MessageArgs: []any{2, 0, 0, 14}, ConfirmRestart: true},
	}
	var out []Sample
	seen := map[string]int{}
	for _, s := range list {
		n := s.Name()
		seen[n]++
		if seen[n] > 1 {
			n = fmt.Sprintf("%s-%d", n, seen[n])
		}
		out = append(out, Sample{File: n, Screen: s})
	}
	return out
}

// cameraFrame fits face into a 640x480 frame like a camera's and returns
// the frame and the face box in it.
func cameraFrame(face image.Image, box image.Rectangle) (*image.RGBA, image.Rectangle) {
	dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
	// Cover the frame: crop the source to 4:3 around the face.
	b := face.Bounds()
	src := b
	if b.Dx()*3 > b.Dy()*4 {
		w := b.Dy() * 4 / 3
		x := min(max((box.Min.X+box.Max.X)/2-w/2, b.Min.X), b.Max.X-w)
		src = image.Rect(x, b.Min.Y, x+w, b.Max.Y)
	} else {
		h := b.Dx() * 3 / 4
		y := min(max((box.Min.Y+box.Max.Y)/2-h*45/100, b.Min.Y), b.Max.Y-h)
		src = image.Rect(b.Min.X, y, b.Max.X, y+h)
	}
	xdraw.CatmullRom.Scale(dst, dst.Rect, face, src, xdraw.Src, nil)
	pl := placement{src: src, dst: dst.Rect}
	return dst, pl.rect(box)
}

// cropPhoto cuts a 3:4 head-and-shoulders crop around box, 360x480.
func cropPhoto(face image.Image, box image.Rectangle) *image.RGBA {
	cx, cy := (box.Min.X+box.Max.X)/2, (box.Min.Y+box.Max.Y)/2
	h := box.Dy() * 2
	w := h * 3 / 4
	r := image.Rect(cx-w/2, cy-h*42/100, cx+w/2, cy+h*58/100).Intersect(face.Bounds())
	sub := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			sub.Set(x, y, face.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, 360, 480))
	c := &canvas{dst: dst}
	c.image(sub, dst.Rect, false, false)
	return dst
}

// PlaceholderFace draws a simple face on a light-blue ground, for when no
// photo is at hand, and returns its face box.
func PlaceholderFace(w, h int) (*image.RGBA, image.Rectangle) {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	th := DefaultTheme
	c := &canvas{dst: dst, th: &th, u: float64(h) / 480, z: vector.NewRasterizer(0, 0)}
	c.fillRect(dst.Rect, color.RGBA{0xB8, 0xD4, 0xEE, 0xFF})
	cx, cy := float64(w)/2, float64(h)*0.42
	skin := color.RGBA{0xE8, 0xC0, 0x9E, 0xFF}
	var s shape
	s.add(arcPts(cx, float64(h)*1.05, float64(h)*0.42, math.Pi, 2*math.Pi))
	c.fill(&s, color.RGBA{0x33, 0x4A, 0x6B, 0xFF})
	fw, fh := float64(h)*0.16, float64(h)*0.21
	c.ellipseFill(cx, cy, fw, fh, skin)
	c.circle(cx-fw*0.38, cy-fh*0.1, fw*0.09, color.RGBA{0x22, 0x22, 0x22, 0xFF})
	c.circle(cx+fw*0.38, cy-fh*0.1, fw*0.09, color.RGBA{0x22, 0x22, 0x22, 0xFF})
	c.arc(cx, cy+fh*0.2, fw*0.4, fw*0.06, 0.2*math.Pi, 0.8*math.Pi, color.RGBA{0x99, 0x44, 0x44, 0xFF})
	return dst, image.Rect(int(cx-fw*1.1), int(cy-fh*1.15), int(cx+fw*1.1), int(cy+fh*1.1))
}

func (c *canvas) ellipseFill(cx, cy, rx, ry float64, col color.RGBA) {
	n := segments(max(rx, ry), 2*math.Pi)
	p := make([]pt, n)
	for i := range p {
		a := 2 * math.Pi * float64(i) / float64(n)
		p[i] = pt{cx + rx*math.Cos(a), cy + ry*math.Sin(a)}
	}
	var s shape
	s.add(p)
	c.fill(&s, col)
}

// SampleSignature is an invented handwritten-looking signature in the
// coordinates of a 2048x640 pad.
func SampleSignature() [][]image.Point {
	var strokes [][]image.Point
	curve := func(x0, y0, w, h float64, f func(t float64) (float64, float64)) {
		var s []image.Point
		for i := 0; i <= 240; i++ {
			x, y := f(float64(i) / 240)
			s = append(s, image.Pt(int(x0+x*w), int(y0+y*h)))
		}
		strokes = append(strokes, s)
	}
	// Three looping cursive words and an underline.
	loops := func(x0, w float64, n int) {
		curve(x0, 330, w, 1, func(t float64) (float64, float64) {
			a := 2 * math.Pi * float64(n) * t
			return t + 0.5*math.Cos(a)/float64(n), -110*math.Sin(a)*(1-0.25*t) + 60*t
		})
	}
	loops(200, 420, 5)
	curve(300, 180, 1, 1, func(t float64) (float64, float64) { return 40 * t, 300 * t })
	loops(720, 520, 6)
	loops(1330, 380, 4)
	curve(260, 520, 1500, 1, func(t float64) (float64, float64) { return t, -60 * t * (1 - t) })
	return strokes
}
