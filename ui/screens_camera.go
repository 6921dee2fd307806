package ui

import (
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"
)

// Liveness shows the live camera preview with the face box and guidance,
// and the current challenge with its countdown.
type Liveness struct {
	Preview image.Image     // the camera frame (nil: a dark box)
	Mirror  bool            // show the preview mirrored, like a mirror
	Face    image.Rectangle // the detected face in Preview's coordinates (unmirrored); empty: none
	// Guidance is a Guide* key shown over the preview ("" none).
	Guidance string
	// Challenge is a Challenge* key; Digits are the digits to read aloud
	// for ChallengeReadDigits.
	Challenge string
	Digits    string
	// Remaining of Limit is the challenge's countdown (Limit 0 hides it).
	Remaining, Limit time.Duration
	// Index (1-based) of Count challenges (Count 0 hides the progress);
	// Passed of them are done.
	Index, Count, Passed int
}

func (Liveness) Name() string { return "liveness" }

// previewBox is the area of the camera preview on camera screens, and the
// panel to its right.
func (c *canvas) previewBox(body image.Rectangle) (preview, panel image.Rectangle) {
	m := c.px(c.th.Margin)
	h := body.Dy()
	w := min(h*4/3, c.w*64/100)
	preview = image.Rect(m, body.Min.Y, m+w, body.Max.Y)
	panel = image.Rect(preview.Max.X+m, body.Min.Y, c.w-m, body.Max.Y)
	return
}

// preview draws a camera frame into box on a dark ground.
func (c *canvas) preview(img image.Image, mirror bool, box image.Rectangle) placement {
	c.roundRect(box, c.s(c.th.Radius), color.RGBA{0x10, 0x14, 0x1C, 0xFF})
	if img == nil || img.Bounds().Empty() {
		c.drawIcon(iconCamera, float64(box.Min.X+box.Max.X)/2, float64(box.Min.Y+box.Max.Y)/2, c.s(120), color.RGBA{0x50, 0x58, 0x66, 0xFF})
		return placement{src: image.Rect(0, 0, 4, 3), dst: fitRect(image.Rect(0, 0, 4, 3), box), mirror: mirror}
	}
	return c.image(img, box, mirror, true)
}

// corners draws the corner brackets of a face box.
func (c *canvas) corners(r image.Rectangle, col color.RGBA) {
	x0, y0, x1, y1 := fr(r)
	l := math.Min(x1-x0, y1-y0) * 0.25
	w := c.s(6)
	c.polyline([]pt{{x0, y0 + l}, {x0, y0}, {x0 + l, y0}}, w, col)
	c.polyline([]pt{{x1 - l, y0}, {x1, y0}, {x1, y0 + l}}, w, col)
	c.polyline([]pt{{x1, y1 - l}, {x1, y1}, {x1 - l, y1}}, w, col)
	c.polyline([]pt{{x0 + l, y1}, {x0, y1}, {x0, y1 - l}}, w, col)
}

// ellipse strokes an ellipse centred at (cx, cy).
func (c *canvas) ellipse(cx, cy, rx, ry, w float64, col color.RGBA) {
	n := segments(max(rx, ry), 2*math.Pi)
	p := make([]pt, 0, n+1)
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		p = append(p, pt{cx + rx*math.Cos(a), cy + ry*math.Sin(a)})
	}
	c.polyline(p, w, col)
}

// pill draws text on a translucent rounded box centred at (cx, y).
func (c *canvas) pill(text string, size float64, cx, y int, fg, bg color.RGBA) {
	st := style{size: size, col: fg, bold: true, align: alignCenter}
	w := measure(c.face(size), text) + c.px(56)
	h := lineHeight(c.s(size)) + c.px(20)
	r := image.Rect(cx-w/2, y, cx+w/2, y+h)
	c.roundRect(r, float64(h)/2, bg)
	c.drawLine(text, st, r.Min.X, r.Max.X, r.Min.Y+c.px(10))
}

func (s Liveness) draw(c *canvas) {
	th := c.th
	body := c.page(stepFace)
	pv, panel := c.previewBox(body)
	pl := c.preview(s.Preview, s.Mirror, pv)
	good := s.Guidance == "" || s.Guidance == GuideOK || s.Guidance == GuideHoldStill
	face := pl.rect(s.Face).Intersect(pl.dst.Inset(c.px(3)))
	if !s.Face.Empty() && !face.Empty() {
		col := th.Success
		if !good {
			col = th.Warning
		}
		c.corners(face, col)
	} else {
		d := pl.dst
		c.ellipse(float64(d.Min.X+d.Max.X)/2, float64(d.Min.Y)+float64(d.Dy())*0.45, float64(d.Dx())*0.2, float64(d.Dy())*0.34, c.s(4), color.RGBA{0xFF, 0xFF, 0xFF, 0xFF})
	}
	if s.Guidance != "" {
		bg := th.Scrim
		if !good {
			bg = color.RGBA{0xB0, 0x6A, 0x00, 0xE6}
		}
		c.pill(c.keyOr(s.Guidance), th.Title, (pl.dst.Min.X+pl.dst.Max.X)/2, pl.dst.Max.Y-c.px(110), th.OnPrimary, bg)
	}

	// Panel: progress, challenge, countdown, cancel.
	c.button(image.Rect(panel.Min.X, panel.Max.Y-c.px(th.ButtonHeight), panel.Max.X, panel.Max.Y), *cancelBtn)
	y := panel.Min.Y
	c.drawLine(c.t("live.title"), style{size: th.Body, col: th.Muted}, panel.Min.X, panel.Max.X, y)
	if s.Count > 0 {
		c.drawLine(c.tf("live.progress", max(1, s.Index), s.Count), style{size: th.Body, col: th.Muted, align: alignRight}, panel.Min.X, panel.Max.X, y)
		y += lineHeight(c.s(th.Body)) + c.px(8)
		dw := float64(panel.Dx()) / float64(s.Count)
		for i := 0; i < s.Count; i++ {
			col := mix(th.Muted, th.Background, 0.3)
			switch {
			case i < s.Passed:
				col = th.Success
			case i == s.Index-1:
				col = th.Primary
			}
			x0 := float64(panel.Min.X) + dw*float64(i) + c.s(4)
			c.polyline([]pt{{x0 + c.s(4), float64(y)}, {x0 + dw - c.s(12), float64(y)}}, c.s(8), col)
		}
		y += c.px(28)
	} else {
		y += lineHeight(c.s(th.Body)) + c.px(36)
	}
	ch := orDefault(s.Challenge, ChallengeLook)
	y += c.textBox(c.keyOr(ch), style{size: th.Title, col: th.Text, bold: true}, image.Rect(panel.Min.X, y, panel.Max.X, y+c.px(120)))
	y += c.px(16)
	// Challenge picture or the digits.
	area := image.Rect(panel.Min.X, y, panel.Max.X, panel.Max.Y-c.px(th.ButtonHeight)-c.px(150))
	acx, acy := float64(area.Min.X+area.Max.X)/2, float64(area.Min.Y+area.Max.Y)/2
	asz := math.Min(float64(area.Dx()), float64(area.Dy())) * 0.8
	switch ch {
	case ChallengeReadDigits:
		d := strings.Join(strings.Split(s.Digits, ""), " ")
		st := style{size: 96, col: th.Primary, bold: true, align: alignCenter}
		for st.size > 24 && measure(c.face(st.size), d) > area.Dx() {
			st.size *= 0.9
		}
		d = c.ellipsize(d, st, area.Dx())
		c.roundRect(image.Rect(area.Min.X, int(acy)-c.px(70), area.Max.X, int(acy)+c.px(70)), c.s(th.Radius), th.Surface)
		c.drawLine(d, st, area.Min.X, area.Max.X, int(acy)-lineHeight(c.s(st.size))/2)
	case ChallengeTurnLeft, ChallengeTurnRight, ChallengeNod:
		c.drawIcon(iconFace, acx, acy, asz*0.6, mix(th.Primary, th.Background, 0.5))
		a := asz * 0.45
		w := c.s(9)
		col := th.Primary
		switch ch {
		case ChallengeTurnLeft:
			c.arrow(pt{acx - a*0.8, acy}, pt{acx - a*1.5, acy}, w, col)
		case ChallengeTurnRight:
			c.arrow(pt{acx + a*0.8, acy}, pt{acx + a*1.5, acy}, w, col)
		case ChallengeNod:
			c.arrow(pt{acx + a*1.0, acy - a*0.1}, pt{acx + a*1.0, acy - a*0.7}, w, col)
			c.arrow(pt{acx + a*1.0, acy + a*0.1}, pt{acx + a*1.0, acy + a*0.7}, w, col)
		}
	default:
		c.drawIcon(iconFace, acx, acy, asz*0.7, mix(th.Primary, th.Background, 0.7))
	}
	if s.Limit > 0 {
		c.countdown(s.Remaining, s.Limit, float64(panel.Min.X+panel.Max.X)/2, float64(panel.Max.Y-c.px(th.ButtonHeight)-c.px(80)), c.s(56))
	}
}

// arrow draws a line from a to b with a head at b.
func (c *canvas) arrow(a, b pt, w float64, col color.RGBA) {
	dx, dy := b.X-a.X, b.Y-a.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	ux, uy := dx/l, dy/l
	h := w * 2.6
	c.polyline([]pt{a, b}, w, col)
	c.polyline([]pt{{b.X - ux*h - uy*h, b.Y - uy*h + ux*h}, b, {b.X - ux*h + uy*h, b.Y - uy*h - ux*h}}, w, col)
}

// countdown draws a ring that empties as remaining runs out of limit, with
// the whole seconds left inside.
func (c *canvas) countdown(remaining, limit time.Duration, cx, cy, r float64) {
	th := c.th
	if remaining < 0 {
		remaining = 0
	}
	f := math.Min(1, float64(remaining)/float64(limit))
	col := th.Primary
	if remaining <= 3*time.Second {
		col = th.Danger
	}
	c.ring(cx, cy, r, c.s(10), mix(th.Muted, th.Background, 0.2))
	if f > 0 {
		c.arc(cx, cy, r, c.s(10), -math.Pi/2, -math.Pi/2+2*math.Pi*f, col)
	}
	secs := int(math.Ceil(remaining.Seconds()))
	lh := lineHeight(c.s(th.Title))
	c.drawLine(strconv.Itoa(secs), style{size: th.Title, col: th.Text, bold: true, align: alignCenter}, int(cx-r), int(cx+r), int(cy)-lh/2-c.px(8))
	c.drawLine(c.t("live.seconds"), style{size: th.Small, col: th.Muted, align: alignCenter}, int(cx-r), int(cx+r), int(cy)+c.px(14))
}

// Photo is the registration photo capture: preview with the framing guide
// and the named quality checks that fail.
type Photo struct {
	Preview image.Image
	Mirror  bool
	Face    image.Rectangle // in Preview's coordinates; empty: none
	// Hints are the Hint* keys of the failed checks; empty when all pass.
	Hints []string
	// Countdown is the seconds to the capture once all checks pass (0 hides).
	Countdown int
}

func (Photo) Name() string { return "photo" }

func (s Photo) draw(c *canvas) {
	th := c.th
	body := c.page(stepPhoto)
	pv, panel := c.previewBox(body)
	pl := c.preview(s.Preview, s.Mirror, pv)
	// The crop: 3:4 over the preview's middle, dimmed outside.
	d := pl.dst
	cw := d.Dy() * 3 / 4 * 9 / 10
	crop := image.Rect((d.Min.X+d.Max.X-cw)/2, d.Min.Y+d.Dy()/20, (d.Min.X+d.Max.X+cw)/2, d.Max.Y-d.Dy()/20)
	for _, r := range []image.Rectangle{
		image.Rect(d.Min.X, d.Min.Y, crop.Min.X, d.Max.Y), image.Rect(crop.Max.X, d.Min.Y, d.Max.X, d.Max.Y),
		image.Rect(crop.Min.X, d.Min.Y, crop.Max.X, crop.Min.Y), image.Rect(crop.Min.X, crop.Max.Y, crop.Max.X, d.Max.Y),
	} {
		c.fillRect(r, th.Scrim)
	}
	ok := len(s.Hints) == 0
	guide := color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	if ok {
		guide = th.Success
	}
	c.strokeRoundRect(crop, 0, c.s(3), guide)
	hx, hy := float64(crop.Min.X+crop.Max.X)/2, float64(crop.Min.Y)+float64(crop.Dy())*0.37
	rx, ry := float64(crop.Dx())*0.25, float64(crop.Dy())*0.24
	c.ellipse(hx, hy, rx, ry, c.s(4), guide)
	sh := arcPts(hx, float64(crop.Max.Y)+float64(crop.Dy())*0.12, float64(crop.Dx())*0.52, -math.Pi*0.86, -math.Pi*0.14)
	c.polyline(sh, c.s(4), guide)
	if s.Countdown > 0 && ok {
		c.circle(hx, float64(crop.Max.Y)-c.s(90), c.s(58), th.Scrim)
		c.drawLine(strconv.Itoa(s.Countdown), style{size: 72, col: th.OnPrimary, bold: true, align: alignCenter}, crop.Min.X, crop.Max.X, crop.Max.Y-c.px(90)-lineHeight(c.s(72))/2)
	}

	c.button(image.Rect(panel.Min.X, panel.Max.Y-c.px(th.ButtonHeight), panel.Max.X, panel.Max.Y), *cancelBtn)
	y := panel.Min.Y
	y += c.textBox(c.t("photo.title"), style{size: th.Title, col: th.Text, bold: true}, image.Rect(panel.Min.X, y, panel.Max.X, y+c.px(120)))
	y += c.px(8)
	y += c.textBox(c.t("photo.body"), style{size: th.Small + 2, col: th.Muted}, image.Rect(panel.Min.X, y, panel.Max.X, y+c.px(130)))
	y += c.px(20)
	list := image.Rect(panel.Min.X, y, panel.Max.X, panel.Max.Y-c.px(th.ButtonHeight)-c.px(16))
	if ok {
		c.hintLine(iconCheck, th.Success, c.t("photo.ok"), list)
		return
	}
	for _, h := range s.Hints {
		if list.Dy() < lineHeight(c.s(th.Body)) {
			break
		}
		list.Min.Y += c.hintLine(iconCross, th.Danger, c.keyOr(h), list) + c.px(10)
	}
}

// hintLine draws an icon and a wrapped line of text at the top of r and
// returns the height used.
func (c *canvas) hintLine(ic icon, col color.RGBA, text string, r image.Rectangle) int {
	th := c.th
	is := c.s(34)
	lh := lineHeight(c.s(th.Body))
	c.circle(float64(r.Min.X)+is/2, float64(r.Min.Y)+float64(lh)/2, is/2, mix(col, th.Background, 0.15))
	c.drawIcon(ic, float64(r.Min.X)+is/2, float64(r.Min.Y)+float64(lh)/2, is*0.8, col)
	return c.textBox(text, style{size: th.Body, col: th.Text}, image.Rect(r.Min.X+int(is)+c.px(14), r.Min.Y, r.Max.X, r.Max.Y))
}

// PhotoReview shows the cropped registration photo for approval.
type PhotoReview struct{ Photo image.Image }

func (PhotoReview) Name() string { return "photo-review" }

func (s PhotoReview) draw(c *canvas) {
	th := c.th
	body := c.page(stepPhoto)
	body.Max.Y = c.buttons(cancelBtn, btn{"btn.retake", ActionRetake, btnSecondary}, btn{"btn.use_photo", ActionUsePhoto, btnPrimary})
	m := c.px(th.Margin)
	box := image.Rect(m, body.Min.Y, c.w/2, body.Max.Y)
	src := image.Rect(0, 0, 3, 4)
	if s.Photo != nil && !s.Photo.Bounds().Empty() {
		src = s.Photo.Bounds()
	}
	d := fitRect(src, box.Inset(c.px(10)))
	c.roundRect(d.Inset(-c.px(10)).Add(image.Pt(c.px(4), c.px(6))), c.s(8), mix(th.Text, th.Background, 0.15))
	c.fillRect(d.Inset(-c.px(10)), th.Surface)
	if s.Photo != nil {
		c.image(s.Photo, d, false, false)
	}
	tx := image.Rect(c.w/2+m, body.Min.Y, c.w-m, body.Max.Y)
	h := c.textHeight(c.t("review.title"), style{size: th.Title, bold: true}, tx) + c.px(20) + c.textHeight(c.t("review.body"), style{size: th.Body}, tx)
	y := tx.Min.Y + max(0, (tx.Dy()-h)/2)
	y += c.textBox(c.t("review.title"), style{size: th.Title, col: th.Text, bold: true}, image.Rect(tx.Min.X, y, tx.Max.X, tx.Max.Y))
	y += c.px(20)
	c.textBox(c.t("review.body"), style{size: th.Body, col: th.Muted}, image.Rect(tx.Min.X, y, tx.Max.X, tx.Max.Y))
}

// Signature shows the strokes drawn so far on the signature pad.
type Signature struct {
	// Strokes are the pen-down strokes so far, in pad coordinates (y grows
	// downwards); Pad is the pad's coordinate range.
	Strokes [][]image.Point
	Pad     image.Rectangle
	// Refusal is a Refusal* key when the last Confirm was refused ("" none).
	Refusal string
	// Declaration is what is being signed ("": the catalogue's default).
	Declaration string
	// AttemptsLeft is the refused signatures still allowed (0 hides).
	AttemptsLeft int
}

func (Signature) Name() string { return "signature" }

func (s Signature) draw(c *canvas) {
	th := c.th
	body := c.page(stepSignature)
	body.Max.Y = c.buttons(cancelBtn, btn{"btn.clear", ActionClear, btnSecondary}, btn{"btn.confirm", ActionConfirm, btnPrimary})
	m := c.px(th.Margin)
	in := image.Rect(m, body.Min.Y, c.w-m, body.Max.Y)
	y := in.Min.Y
	y += c.textBox(c.t("sig.title"), style{size: th.Title, col: th.Text, bold: true}, image.Rect(in.Min.X, y, in.Max.X, y+lineHeight(c.s(th.Title))))
	decl := orDefault(s.Declaration, c.t("sig.declaration"))
	y += c.px(4)
	y += c.textBox(decl, style{size: th.Body, col: th.Text}, image.Rect(in.Min.X, y, in.Max.X, y+2*lineHeight(c.s(th.Body))))
	y += c.px(4)
	help := c.t("sig.body")
	if s.AttemptsLeft > 0 {
		help += " " + c.tf("sig.left", s.AttemptsLeft)
	}
	y += c.textBox(help, style{size: th.Small + 2, col: th.Muted}, image.Rect(in.Min.X, y, in.Max.X, y+lineHeight(c.s(th.Small+2))))
	y += c.px(10)
	bottom := in.Max.Y
	if s.Refusal != "" {
		lh := lineHeight(c.s(th.Body))
		bottom -= lh + c.px(10)
		c.hintLine(iconWarning, th.Danger, c.keyOr(s.Refusal), image.Rect(in.Min.X, bottom+c.px(6), in.Max.X, bottom+c.px(6)+lh))
	}
	pad := s.Pad
	if pad.Empty() {
		pad = image.Rect(0, 0, 2000, 600)
	}
	box := fitRect(pad, image.Rect(in.Min.X, y, in.Max.X, bottom))
	if box.Dx() < in.Dx() && box.Dy() < bottom-y {
		box = image.Rect(in.Min.X, y, in.Max.X, bottom)
	}
	border := th.Line
	if s.Refusal != "" {
		border = th.Danger
	}
	c.roundRect(box, c.s(th.Radius), th.Surface)
	c.strokeRoundRect(box, c.s(th.Radius), c.s(3), border)
	// Baseline with the signing cross.
	bl := float64(box.Min.Y) + float64(box.Dy())*0.74
	c.polyline([]pt{{float64(box.Min.X) + c.s(70), bl}, {float64(box.Max.X) - c.s(40), bl}}, c.s(2), th.Line)
	c.drawIcon(iconCross, float64(box.Min.X)+c.s(42), bl-c.s(14), c.s(36), th.Line)
	if len(s.Strokes) == 0 {
		c.textMiddle(c.t("sig.empty"), style{size: th.Body, col: mix(th.Muted, th.Surface, 0.7), align: alignCenter}, image.Rect(box.Min.X, box.Min.Y, box.Max.X, int(bl)))
		return
	}
	pl := placement{src: pad, dst: fitRect(pad, box.Inset(c.px(12)))}
	var sh shape
	w := c.s(5)
	for _, st := range s.Strokes {
		p := make([]pt, 0, len(st))
		for _, q := range st {
			// Points off the pad (a glitch) stay on its edge.
			q.X = min(max(q.X, pad.Min.X), pad.Max.X)
			q.Y = min(max(q.Y, pad.Min.Y), pad.Max.Y)
			p = append(p, pl.point(float64(q.X), float64(q.Y)))
		}
		sh.addPolyline(p, w)
	}
	c.fill(&sh, th.Ink)
}
