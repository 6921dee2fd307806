package ui

import (
	"image"
	"image/color"
	"strings"

	"rsc.io/qr"
)

// Actions of the session screens added for issue 12.
const (
	ActionConfirmIdentity = "confirm_identity" // registration screen: 「是我本人」
	ActionNotMe           = "not_me"           // registration screen: 「不是我 / 离开」
	ActionContinue        = "continue"         // "还在吗？": keep the step going
	ActionLargeText       = "large_text"       // attract screen: large text on or off
)

// Registration is the candidate's registration as the exam office has it,
// shown after the card and before the biometrics. IDMasked is the ID
// number with all but its first and last four characters masked; Photo
// is the registration photo (nil: none).
type Registration struct {
	Candidate      string
	IDMasked       string
	RegistrationNo string
	ExamPeriod     string
	Subjects       []string
	Site           string
	Photo          image.Image
}

func (Registration) Name() string { return "registration" }

func (s Registration) draw(c *canvas) {
	th := c.th
	body := c.page(stepCard)
	body.Max.Y = c.buttons(&btn{"btn.not_me", ActionNotMe, btnSecondary}, btn{"btn.is_me", ActionConfirmIdentity, btnPrimary})
	m := c.px(th.Margin)
	in := image.Rect(m, body.Min.Y, c.w-m, body.Max.Y)
	y := in.Min.Y
	y += c.textBox(c.t("reg.title"), style{size: th.Title, col: th.Text, bold: true}, image.Rect(in.Min.X, y, in.Max.X, in.Max.Y))
	y += c.px(4)
	y += c.textBox(c.t("reg.body"), style{size: th.Body, col: th.Muted}, image.Rect(in.Min.X, y, in.Max.X, in.Max.Y))
	y += c.px(18)
	card := image.Rect(in.Min.X, y, in.Max.X, in.Max.Y)
	c.roundRect(card, c.s(th.Radius), th.Surface)
	c.strokeRoundRect(card, c.s(th.Radius), c.s(2), th.Line)
	inner := card.Inset(c.px(24))
	// The registration photo at the right, 3:4.
	if s.Photo != nil {
		ph := inner.Dy()
		pw := ph * 3 / 4
		box := image.Rect(inner.Max.X-pw, inner.Min.Y, inner.Max.X, inner.Max.Y)
		c.image(s.Photo, box, false, false)
		c.strokeRoundRect(box, 0, c.s(2), th.Line)
		inner.Max.X = box.Min.X - c.px(24)
	}
	rows := []struct{ key, val string }{
		{"reg.name", s.Candidate},
		{"reg.id", s.IDMasked},
		{"reg.no", s.RegistrationNo},
		{"reg.period", s.ExamPeriod},
		{"reg.subjects", strings.Join(s.Subjects, "；")},
		{"reg.site", s.Site},
	}
	// Shrink the rows together until they fit the card (large text, long
	// subject lists).
	var lst, vst style
	var lw, gap int
	for k := 1.0; ; k -= 0.06 {
		lst = style{size: th.Body * k, col: th.Muted}
		vst = style{size: th.Body * k, col: th.Text}
		lw, gap = 0, c.px(10*k)
		for _, r := range rows {
			lw = max(lw, measure(c.face(lst.size), c.t(r.key)))
		}
		lw += c.px(28 * k)
		h := 0
		for _, r := range rows {
			h += max(c.textHeight(orDefault(r.val, c.t("reg.none")), vst, image.Rect(inner.Min.X+lw, 0, inner.Max.X, 1<<20)), lineHeight(c.s(lst.size))) + gap
		}
		if h <= inner.Dy() || k < 0.5 {
			break
		}
	}
	ry := inner.Min.Y
	for _, r := range rows {
		val := orDefault(r.val, c.t("reg.none"))
		c.drawLine(c.t(r.key), lst, inner.Min.X, inner.Min.X+lw, ry)
		st := vst
		st.bold = r.key == "reg.name"
		ry += max(c.textBox(val, st, image.Rect(inner.Min.X+lw, ry, inner.Max.X, inner.Max.Y)), lineHeight(c.s(lst.size))) + gap
	}
}

// LivenessRetry: a liveness attempt failed; the candidate reads why and
// taps 重试 for the next. Reason is a catalogue key or text.
type LivenessRetry struct {
	Reason       string
	AttemptsLeft int
}

func (LivenessRetry) Name() string { return "liveness-retry" }

func (s LivenessRetry) draw(c *canvas) {
	body := c.page(stepFace)
	body.Max.Y = c.buttons(cancelBtn, btn{"btn.retry", ActionRetry, btnPrimary})
	c.notice(body, iconFaceSad, c.th.Warning, c.t("live.retry.title"), c.keyOr(orDefault(s.Reason, ReasonLiveness)), c.tf("live.retry.left", s.AttemptsLeft))
}

// StillThere is a screen with the "还在吗？" warning over it: the step
// times out in Seconds unless the candidate taps continue. The screen
// below takes no touch meanwhile, but the language button.
type StillThere struct {
	Under   Screen
	Seconds int
}

// Name is the screen's below with a suffix.
func (s StillThere) Name() string { return s.Under.Name() + "-still-there" }

func (s StillThere) draw(c *canvas) {
	th := c.th
	s.Under.draw(c)
	// Modal: only the language button stays.
	var keep []Target
	for _, t := range c.targets {
		if t.Action == ActionLang {
			keep = append(keep, t)
		}
	}
	c.targets = keep
	c.fillRect(image.Rect(0, c.px(headerHeight), c.w, c.h), th.Scrim)
	w, h := c.px(720), c.px(400)
	box := image.Rect((c.w-w)/2, (c.h-h)/2, (c.w+w)/2, (c.h+h)/2)
	c.roundRect(box, c.s(th.Radius), th.Surface)
	in := box.Inset(c.px(32))
	bh := c.px(th.ButtonHeight)
	y := in.Min.Y
	y += c.textBox(c.t("still.title"), style{size: th.Title, col: th.Text, bold: true, align: alignCenter}, image.Rect(in.Min.X, y, in.Max.X, in.Max.Y))
	y += c.px(12)
	c.textBox(c.tf("still.body", s.Seconds), style{size: th.Body, col: th.Muted, align: alignCenter}, image.Rect(in.Min.X, y, in.Max.X, in.Max.Y-bh))
	bw := c.px(buttonWidth)
	c.button(image.Rect((c.w-bw)/2, in.Max.Y-bh, (c.w+bw)/2, in.Max.Y), btn{"btn.continue", ActionContinue, btnPrimary})
}

// drawQR draws the QR code of text in the square r (dark modules in col on
// white, with the quiet zone inside r).
func (c *canvas) drawQR(text string, r image.Rectangle, col color.RGBA) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return
	}
	n := code.Size + 8 // four modules of quiet zone each side
	mod := min(r.Dx(), r.Dy()) / n
	if mod < 1 {
		return
	}
	side := mod * n
	o := image.Pt(r.Min.X+(r.Dx()-side)/2, r.Min.Y+(r.Dy()-side)/2)
	c.fillRect(image.Rect(o.X, o.Y, o.X+side, o.Y+side), color.RGBA{0xFF, 0xFF, 0xFF, 0xFF})
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				px, py := o.X+(x+4)*mod, o.Y+(y+4)*mod
				c.fillRect(image.Rect(px, py, px+mod, py+mod), col)
			}
		}
	}
}
