package camsim

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"os"
	"sync"
	"time"

	xdraw "golang.org/x/image/draw"

	"github.com/hbzk/kiosk/device/camera"
)

// LightBlue is the registration photo's backdrop the simulator can show.
var LightBlue = color.RGBA{R: 0x9c, G: 0xc8, B: 0xee, A: 0xff}

// Performer is a Scene of a real face photo that performs the liveness
// challenges on request: the photo is warped piecewise-affinely by its 68
// landmarks (a Delaunay mesh of the landmarks, a ring around the head and
// the photo's border). A blink pulls the upper eyelids onto the lower ones;
// a head turn or nod rotates the landmarks on an ellipsoid with a nose in
// front of it and projects them back; reading digits drops the lower lip
// and the chin in a syllable rhythm and darkens the mouth opening. Between
// actions the photo stands still but for a slow sway, like Still.
//
// Perform is the control the kiosk's demo driver calls with the flow's
// challenge sequence: the actions start 1.2 s after the next frame (time
// for the checker to measure the neutral pose), each followed by a pause,
// and the sequence repeats until Perform is called again.
type Performer struct {
	w, h   int
	photo  *image.RGBA // the photo scaled for the frame
	canvas *image.RGBA // the warped photo
	src    []pt        // control points in photo pixels
	depth  []float64   // their depth (towards the camera), pixels
	tris   [][3]int
	centre pt
	rx     float64
	lm     [68]pt // landmarks in scaled photo pixels
	dst    []pt
	dirty  image.Rectangle // canvas area that differs from the photo

	mu       sync.Mutex
	backdrop color.RGBA
	acts     []act
	period   time.Duration
	startAt  time.Duration // -1: start at the next frame
	pending  bool
}

// act is one scheduled action.
type act struct {
	name       string
	start, dur time.Duration
}

// nRing is how many control points surround the head.
const nRing = 12

// Durations of the actions and the pause after each.
var actDur = map[string]time.Duration{
	"blink":       600 * time.Millisecond,
	"turn_left":   1400 * time.Millisecond,
	"turn_right":  1400 * time.Millisecond,
	"nod":         1400 * time.Millisecond,
	"read_digits": 2200 * time.Millisecond,
}

const (
	actLead  = 1200 * time.Millisecond
	actPause = 900 * time.Millisecond
)

// DefaultFaceFrac is how much of the frame's width the simulated
// candidate's face takes, as at a kiosk's camera from about 50 cm.
const DefaultFaceFrac = 0.3

// Sway margins: how far the picture drifts, pixels.
const swayX, swayY = 8, 6

// NewPerformer prepares the mesh of a photo from its landmarks. With
// faceFrac > 0 the photo is zoomed so that the face is that fraction of
// the frame wide (DefaultFaceFrac) and fills the frame; with 0 it is
// scaled to 3/4 of the frame height and centred on the backdrop, as Still
// does.
func NewPerformer(photo image.Image, lm PhotoLandmarks, w, h int, faceFrac float64) (*Performer, error) {
	b := photo.Bounds()
	if b.Dx() != lm.Width || b.Dy() != lm.Height {
		return nil, fmt.Errorf("camsim: %w: landmarks for a %dx%d photo, photo is %dx%d", ErrBadLandmarks, lm.Width, lm.Height, b.Dx(), b.Dy())
	}
	p := &Performer{w: w, h: h, backdrop: Background, startAt: -1}
	if faceFrac <= 0 {
		still := NewStill(photo, w, h)
		p.photo = still.photo
		sx, sy := float64(p.photo.Rect.Dx())/float64(lm.Width), float64(p.photo.Rect.Dy())/float64(lm.Height)
		for i, q := range lm.Points {
			p.lm[i] = pt{float64(q.X) * sx, float64(q.Y) * sy}
		}
	} else {
		// Zoom so that the jaw is faceFrac of the frame wide, the face
		// centred at 45% of the height, and keep the frame's window of
		// the scaled photo (plus the sway's margin).
		jaw := math.Hypot(float64(lm.Points[16].X-lm.Points[0].X), float64(lm.Points[16].Y-lm.Points[0].Y))
		k := faceFrac * float64(w) / math.Max(jaw, 1)
		cx := float64(lm.Points[0].X+lm.Points[16].X) / 2 * k
		cy := float64(lm.Points[27].Y) * k
		win := image.Rect(int(cx)-w/2-swayX, int(cy)-h*45/100-swayY, int(cx)+w/2+swayX, int(cy)+h*55/100+swayY)
		p.photo = image.NewRGBA(image.Rect(0, 0, win.Dx(), win.Dy()))
		draw.Draw(p.photo, p.photo.Rect, image.NewUniform(Background), image.Point{}, draw.Src)
		b := photo.Bounds()
		dst := image.Rect(-win.Min.X, -win.Min.Y, int(float64(b.Dx())*k)-win.Min.X, int(float64(b.Dy())*k)-win.Min.Y)
		xdraw.CatmullRom.Scale(p.photo, dst, photo, b, draw.Over, nil)
		if k > 1.2 {
			// A camera sharpens what its lens resolves; an enlarged photo
			// is soft: an unsharp mask gives it back its edges.
			unsharp(p.photo, 1.0)
		}
		for i, q := range lm.Points {
			p.lm[i] = pt{float64(q.X)*k - float64(win.Min.X), float64(q.Y)*k - float64(win.Min.Y)}
		}
	}
	pw, ph := p.photo.Rect.Dx(), p.photo.Rect.Dy()
	p.canvas = image.NewRGBA(p.photo.Rect)
	// The face ellipsoid: centred between the jaw ends at eye height,
	// half-width to the jaw ends, half-height from brows to chin.
	l := p.lm
	p.rx = math.Hypot(l[16].X-l[0].X, l[16].Y-l[0].Y) / 2
	if p.rx < 8 {
		return nil, fmt.Errorf("camsim: %w: face of %.0f px is too small to animate", ErrBadLandmarks, 2*p.rx)
	}
	p.centre = pt{(l[0].X + l[16].X) / 2, (l[0].Y+l[16].Y)/2 + 0.1*p.rx}
	ry := (l[8].Y - math.Min(l[19].Y, l[24].Y)) * 0.75
	ell := func(q pt) float64 {
		dx, dy := (q.X-p.centre.X)/(p.rx*1.02), (q.Y-p.centre.Y)/ry
		return 0.85 * p.rx * math.Sqrt(math.Max(0, 1-dx*dx-dy*dy))
	}
	for i, q := range l {
		z := ell(q)
		switch {
		case i == 30:
			z += 0.45 * p.rx
		case i >= 31 && i <= 35:
			z += 0.22 * p.rx
		case i >= 27 && i <= 29:
			z += 0.1 * p.rx * float64(i-26)
		case i >= 48:
			z += 0.08 * p.rx
		}
		p.src = append(p.src, q)
		p.depth = append(p.depth, z)
	}
	// A ring around the head (on the silhouette: no depth).
	for k := 0; k < nRing; k++ {
		a := 2 * math.Pi * float64(k) / nRing
		q := pt{p.centre.X + 1.45*p.rx*math.Cos(a), p.centre.Y - 0.15*p.rx + 1.65*p.rx*math.Sin(a)}
		q.X = math.Max(1, math.Min(q.X, float64(pw-1)))
		q.Y = math.Max(1, math.Min(q.Y, float64(ph-1)))
		p.src = append(p.src, q)
		p.depth = append(p.depth, 0)
	}
	// The photo's border stays where it is.
	for _, f := range [][2]float64{{0, 0}, {0.5, 0}, {1, 0}, {1, 0.5}, {1, 1}, {0.5, 1}, {0, 1}, {0, 0.5}} {
		p.src = append(p.src, pt{f[0] * float64(pw), f[1] * float64(ph)})
		p.depth = append(p.depth, 0)
	}
	p.tris = triangulate(p.src)
	p.dst = make([]pt, len(p.src))
	draw.Draw(p.canvas, p.canvas.Rect, p.photo, image.Point{}, draw.Src)
	return p, nil
}

// LoadPerformer reads a photo and its landmarks file (PHOTO.landmarks.json
// next to it; DefaultPhoto's are built in).
func LoadPerformer(path string, w, h int, faceFrac float64) (*Performer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("camsim: photo: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("camsim: photo %s: %w", path, err)
	}
	var lm PhotoLandmarks
	if path == DefaultPhoto {
		lm = DefaultLandmarks()
	} else {
		data, err := os.ReadFile(path + ".landmarks.json")
		if err != nil {
			return nil, fmt.Errorf("camsim: %w: %v (make it with the real engine, see drivers/opencv TestAstronautLandmarks)", ErrBadLandmarks, err)
		}
		if lm, err = DecodeLandmarks(data); err != nil {
			return nil, err
		}
	}
	return NewPerformer(img, lm, w, h, faceFrac)
}

// SetBackdrop sets the colour around the photo (LightBlue for the
// registration photo).
func (p *Performer) SetBackdrop(c color.RGBA) {
	p.mu.Lock()
	p.backdrop = c
	p.mu.Unlock()
}

// Perform schedules the challenges (names as liveness takes them; unknown
// names are skipped) to start 1.2 s after the next frame and to repeat
// until the next call. An empty list stops performing.
func (p *Performer) Perform(challenges []string, digits string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.acts = p.acts[:0]
	at := actLead
	for _, c := range challenges {
		d, ok := actDur[c]
		if !ok {
			continue
		}
		p.acts = append(p.acts, act{c, at, d})
		at += d + actPause
	}
	p.period = at
	p.pending = true
}

// pose is where the face is at one moment.
type pose struct {
	yaw, pitch float64 // radians; yaw > 0: the candidate's own left
	eyes       float64 // 0 open .. 1 closed
	mouth      float64 // 0 closed .. 1 open
}

// poseAt is the performance at time t.
func (p *Performer) poseAt(t time.Duration) pose {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending {
		p.startAt, p.pending = t, false
	}
	var ps pose
	if len(p.acts) == 0 || p.startAt < 0 || t < p.startAt {
		return ps
	}
	rel := (t - p.startAt) % p.period
	for _, a := range p.acts {
		if rel < a.start || rel >= a.start+a.dur {
			continue
		}
		u := float64(rel-a.start) / float64(a.dur) // 0..1
		bump := math.Sin(math.Pi * u)
		switch a.name {
		case "blink":
			// close in 150 ms, stay closed 200 ms, open in 250 ms
			s := float64(rel-a.start) / float64(time.Millisecond)
			switch {
			case s < 150:
				ps.eyes = s / 150
			case s < 350:
				ps.eyes = 1
			default:
				ps.eyes = math.Max(0, 1-(s-350)/250)
			}
		case "turn_left":
			ps.yaw = 32 * math.Pi / 180 * smooth(bump)
		case "turn_right":
			ps.yaw = -32 * math.Pi / 180 * smooth(bump)
		case "nod":
			ps.pitch = 22 * math.Pi / 180 * smooth(bump)
		case "read_digits":
			// Four syllables of 0.55 s: mouth open 0.3 s, closed 0.25 s.
			s := math.Mod(float64(rel-a.start)/float64(time.Second), 0.55)
			if s < 0.3 {
				ps.mouth = math.Sin(math.Pi * s / 0.3)
			}
		}
	}
	return ps
}

// smooth eases a 0..1..0 bump so that the head rests at the extreme.
func smooth(v float64) float64 { return math.Min(1, v*1.6) }

// Render draws frame n at time t.
func (p *Performer) Render(dst *image.RGBA, _ uint64, t time.Duration) {
	ps := p.poseAt(t)
	p.place(ps)
	// Only the moved part of the mesh is drawn again: the canvas holds
	// the photo elsewhere. The area changed last frame is restored first.
	moved := image.Rectangle{}
	for _, t := range p.tris {
		for _, i := range t {
			if p.dst[i] != p.src[i] {
				for _, j := range t {
					for _, q := range [2]pt{p.src[j], p.dst[j]} {
						moved = moved.Union(image.Rect(int(q.X)-1, int(q.Y)-1, int(q.X)+2, int(q.Y)+2))
					}
				}
				break
			}
		}
	}
	if !moved.Empty() {
		moved = moved.Inset(-int(0.2*p.rx) - 2) // the eyes' and mouth's paint
	}
	if restore := p.dirty.Union(moved).Intersect(p.canvas.Rect); !restore.Empty() {
		draw.Draw(p.canvas, restore, p.photo, restore.Min, draw.Src)
	}
	p.dirty = moved
	warpTriangles(p.canvas, p.photo, p.tris, p.src, p.dst, true)
	if ps.mouth > 0 {
		// The opening between the teeth (the lower inner lip's place at
		// rest) and the dropped lower lip is dark.
		a := math.Min(1, 1.5*ps.mouth)
		poly := []pt{p.src[60], p.src[67], p.src[66], p.src[65], p.src[64], p.dst[65], p.dst[66], p.dst[67]}
		fillPolygon(p.canvas, poly, [3]uint8{40, 10, 14}, 0.9*a)
	}
	if ps.eyes > 0 {
		// A closed eye shows the eyelid's skin and the lashes' line.
		a := math.Min(1, ps.eyes)
		for _, base := range [2]int{36, 42} {
			p.closeEye(base, a)
			w := math.Max(1, 0.08*math.Hypot(p.dst[base+3].X-p.dst[base].X, p.dst[base+3].Y-p.dst[base].Y))
			lash := []pt{p.dst[base], p.dst[base+5], p.dst[base+4], p.dst[base+3],
				{p.dst[base+3].X, p.dst[base+3].Y - w}, {p.dst[base+4].X, p.dst[base+4].Y - w}, {p.dst[base+5].X, p.dst[base+5].Y - w}}
			fillPolygon(p.canvas, lash, [3]uint8{70, 45, 36}, 0.7*a)
		}
	}
	p.mu.Lock()
	bg := p.backdrop
	p.mu.Unlock()
	draw.Draw(dst, dst.Rect, image.NewUniform(bg), image.Point{}, draw.Src)
	sec := t.Seconds()
	dx := 6 * math.Sin(2*math.Pi*sec/3.7)
	dy := 3*math.Sin(2*math.Pi*sec/2.9) + 1.5*math.Sin(2*math.Pi*sec/1.3)
	off := image.Pt((p.w-p.canvas.Rect.Dx())/2+int(math.Round(dx)), (p.h-p.canvas.Rect.Dy())/2+int(math.Round(dy)))
	draw.Draw(dst, p.canvas.Rect.Add(off), p.canvas, image.Point{}, draw.Src)
}

// place computes the control points' positions for a pose.
func (p *Performer) place(ps pose) {
	copy(p.dst, p.src)
	l := &p.lm
	// Eyelids: upper lid points onto the lower lid.
	if ps.eyes > 0 {
		for _, pair := range [][2]int{{37, 41}, {38, 40}, {43, 47}, {44, 46}} {
			u, lo := p.src[pair[0]], p.src[pair[1]]
			closed := pt{lo.X, lo.Y - 0.15*(lo.Y-u.Y)}
			p.dst[pair[0]] = pt{u.X + (closed.X-u.X)*ps.eyes, u.Y + (closed.Y-u.Y)*ps.eyes}
		}
	}
	// Mouth: the lower lip and the chin drop.
	if ps.mouth > 0 {
		mw := math.Hypot(l[54].X-l[48].X, l[54].Y-l[48].Y)
		drop := 0.62 * mw * ps.mouth
		// A rounded opening: the lower lip drops nearly evenly, the
		// corners a little, the chin with the jaw.
		for i, k := range map[int]float64{66: 1, 65: 0.92, 67: 0.92, 57: 1, 56: 0.92, 58: 0.92, 55: 0.6, 59: 0.6,
			48: 0.25, 54: 0.25, 60: 0.3, 64: 0.3, 6: 0.3, 7: 0.55, 8: 0.6, 9: 0.55, 10: 0.3} {
			p.dst[i].Y += drop * k
		}
		// The corners draw in as the jaw opens.
		cx := (l[48].X + l[54].X) / 2
		for _, i := range []int{48, 60, 54, 64} {
			p.dst[i].X += (cx - p.dst[i].X) * 0.1 * ps.mouth
		}
		// The upper lip lifts a little off the teeth.
		for _, i := range []int{61, 62, 63, 50, 51, 52} {
			p.dst[i].Y -= 0.12 * drop
		}
	}
	// Head rotation on the ellipsoid.
	if ps.yaw != 0 || ps.pitch != 0 {
		cy, sy := math.Cos(ps.yaw), math.Sin(ps.yaw)
		cp, sp := math.Cos(ps.pitch), math.Sin(ps.pitch)
		for i := range p.dst {
			if i >= 68+nRing {
				break
			}
			q, z := p.dst[i], p.depth[i]
			dx, dy := q.X-p.centre.X, q.Y-p.centre.Y
			x2 := dx*cy + z*sy
			z2 := -dx*sy + z*cy
			y2 := dy*cp + z2*sp
			p.dst[i] = pt{p.centre.X + x2, p.centre.Y + y2}
		}
	}
}

// PerformerOf returns the performing scene of a simulated camera.
func PerformerOf(cam camera.Camera) (*Performer, bool) {
	c, ok := cam.(*Camera)
	if !ok {
		return nil, false
	}
	p, ok := c.scene.(*Performer)
	if !ok {
		if s, ok2 := c.scene.(*Screen); ok2 {
			p, ok = s.Inner.(*Performer)
		}
	}
	return p, ok
}

// closeEye paints eye base (36 or 42) closed by amount a: the eye's
// surroundings (grown well past the landmarks' tight outline, so that no
// white, iris or eyeliner is left) are filled by interpolating each column
// between the skin above and below it, blended in with a soft elliptical
// edge.
func (p *Performer) closeEye(base int, a float64) {
	d := p.dst
	var c pt
	for i := base; i < base+6; i++ {
		c.X += d[i].X / 6
		c.Y += d[i].Y / 6
	}
	ew := math.Hypot(p.src[base+3].X-p.src[base].X, p.src[base+3].Y-p.src[base].Y)
	rx, ry := 0.95*ew, 0.5*ew
	x0, x1 := int(c.X-rx), int(c.X+rx)+1
	y0, y1 := int(c.Y-ry)-1, int(c.Y+ry)+1
	b := p.canvas.Rect
	if x0 < b.Min.X || y0 < b.Min.Y || x1 >= b.Max.X || y1 >= b.Max.Y {
		return
	}
	for x := x0; x <= x1; x++ {
		top := p.canvas.Pix[p.canvas.PixOffset(x, y0):]
		bot := p.canvas.Pix[p.canvas.PixOffset(x, y1):]
		t0, b0 := [3]float64{float64(top[0]), float64(top[1]), float64(top[2])}, [3]float64{float64(bot[0]), float64(bot[1]), float64(bot[2])}
		for y := y0 + 1; y < y1; y++ {
			dx, dy := (float64(x)+0.5-c.X)/rx, (float64(y)+0.5-c.Y)/ry
			e := dx*dx + dy*dy
			if e >= 1 {
				continue
			}
			w := a * math.Min(1, (1-e)*2.5) // soft rim
			f := float64(y-y0) / float64(y1-y0)
			o := p.canvas.PixOffset(x, y)
			for k := 0; k < 3; k++ {
				v := t0[k]*(1-f) + b0[k]*f
				p.canvas.Pix[o+k] = uint8(float64(p.canvas.Pix[o+k])*(1-w) + v*w + 0.5)
			}
		}
	}
}

// unsharp sharpens img in place: img + amount * (img - 3x3 box blur).
func unsharp(img *image.RGBA, amount float64) {
	src := append([]uint8(nil), img.Pix...)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			o := y*img.Stride + x*4
			for c := 0; c < 3; c++ {
				s := 0
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						s += int(src[o+dy*img.Stride+dx*4+c])
					}
				}
				v := float64(src[o+c]) + amount*(float64(src[o+c])-float64(s)/9)
				img.Pix[o+c] = uint8(math.Max(0, math.Min(255, v+0.5)))
			}
		}
	}
}
