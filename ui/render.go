package ui

import (
	"fmt"
	"image"
	"image/color"

	"golang.org/x/image/vector"

	"github.com/hbzk/kiosk/ui/i18n"
)

// Actions that touch targets report. PIN pad digits report "0".."9".
const (
	ActionStart    = "start"     // attract screen: touch anywhere
	ActionCancel   = "cancel"    // leave the session (or the technician menu)
	ActionRetry    = "retry"     // try the failed step again
	ActionConfirm  = "confirm"   // accept the signature
	ActionClear    = "clear"     // clear the signature
	ActionLang     = "lang"      // switch language (i18n.Lang.Other)
	ActionUsePhoto = "use_photo" // accept the registration photo
	ActionRetake   = "retake"    // take the registration photo again
	ActionFinish   = "finish"    // done screen: clear now
	ActionTech     = "tech"      // open the technician PIN pad
	ActionDelete   = "delete"    // PIN pad: remove the last digit
	ActionOK       = "ok"        // PIN pad: submit
	ActionSelfTest = "selftest"  // technician menu
	ActionSync     = "sync"      // technician menu
	ActionRestart  = "restart"   // technician menu
	ActionExit     = "exit"      // technician menu: back to attract
)

// progressStep is a stage of the progress header.
type progressStep int

// The steps the progress header shows, in order. stepNone hides them.
const (
	stepNone progressStep = iota
	stepCard
	stepFace
	stepPhoto
	stepSignature
	stepDone
)

var steps = []struct {
	step progressStep
	key  string
	icon icon
}{
	{stepCard, "step.card", iconCard},
	{stepFace, "step.face", iconFace},
	{stepPhoto, "step.photo", iconCamera},
	{stepSignature, "step.signature", iconPen},
	{stepDone, "step.done", iconCheck},
}

// Screen is one screen's view model. Every screen type of this package
// implements it; Name is stable (it names screenshot and golden files).
type Screen interface {
	Name() string
	draw(c *canvas)
}

// Target is a touch target on a frame.
type Target struct {
	Action string
	Rect   image.Rectangle
}

// Frame is a rendered screen: the image and its touch targets. A Frame
// handed to a presenter must not be changed afterwards.
type Frame struct {
	Image   *image.RGBA
	Screen  string    // the Screen's Name
	Lang    i18n.Lang // the language it was drawn in
	Targets []Target  // in drawing order; later ones lie on top
}

// Hit returns the action of the topmost target containing p, or "".
func (f *Frame) Hit(p image.Point) string {
	for i := len(f.Targets) - 1; i >= 0; i-- {
		if p.In(f.Targets[i].Rect) {
			return f.Targets[i].Action
		}
	}
	return ""
}

// Find returns the topmost target of action.
func (f *Frame) Find(action string) (Target, bool) {
	for i := len(f.Targets) - 1; i >= 0; i-- {
		if f.Targets[i].Action == action {
			return f.Targets[i], true
		}
	}
	return Target{}, false
}

// Renderer draws screens. It is not safe for concurrent use.
type Renderer struct {
	font  *Font
	theme Theme
	size  image.Point
	z     *vector.Rasterizer
	// missing are the catalogue keys the last render looked up in vain.
	missing []string
}

// MinSize is the smallest frame the layouts are usable at.
var MinSize = image.Pt(320, 200)

// NewRenderer returns a renderer of size frames (DesignSize, 1280x800, if
// zero) in theme th, drawing text in f.
func NewRenderer(f *Font, size image.Point, th Theme) (*Renderer, error) {
	if f == nil {
		return nil, fmt.Errorf("ui: new renderer: no font")
	}
	if size == (image.Point{}) {
		size = DesignSize
	}
	if size.X < MinSize.X || size.Y < MinSize.Y {
		return nil, fmt.Errorf("ui: new renderer: frame %dx%d is smaller than %dx%d", size.X, size.Y, MinSize.X, MinSize.Y)
	}
	return &Renderer{font: f, theme: th, size: size, z: vector.NewRasterizer(0, 0)}, nil
}

// Size is the size of the frames the renderer draws.
func (r *Renderer) Size() image.Point { return r.size }

// Render draws s in lang into a new frame.
func (r *Renderer) Render(s Screen, lang i18n.Lang) *Frame {
	return r.RenderInto(image.NewRGBA(image.Rectangle{Max: r.size}), s, lang)
}

// RenderInto draws s in lang into dst, which must be at the origin; its
// size may differ from Size.
func (r *Renderer) RenderInto(dst *image.RGBA, s Screen, lang i18n.Lang) *Frame {
	if dst.Rect.Min != (image.Point{}) {
		dst = &image.RGBA{Pix: dst.Pix, Stride: dst.Stride, Rect: image.Rectangle{Max: dst.Rect.Size()}}
	}
	if lang != i18n.EN {
		lang = i18n.ZH
	}
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	u := min(float64(w)/float64(DesignSize.X), float64(h)/float64(DesignSize.Y))
	c := &canvas{dst: dst, th: &r.theme, font: r.font, lang: lang, u: u, w: w, h: h, z: r.z}
	s.draw(c)
	r.missing = c.missing
	return &Frame{Image: dst, Screen: s.Name(), Lang: lang, Targets: c.targets}
}

// mix blends a over b by t in [0, 1] into an opaque colour.
func mix(a, b color.RGBA, t float64) color.RGBA {
	f := func(x, y uint8) uint8 { return uint8(float64(x)*t + float64(y)*(1-t) + 0.5) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 0xFF}
}

// headerHeight is the header bar's height in design pixels.
const headerHeight = 110

// page clears the frame, draws the header with the progress of step and the
// language button, and returns the body: the area between the header and
// the bottom margin.
func (c *canvas) page(step progressStep) image.Rectangle {
	th := c.th
	c.fillRect(c.dst.Rect, th.Background)
	hh := c.px(headerHeight)
	c.fillRect(image.Rect(0, 0, c.w, hh), th.Header)
	m := c.px(th.Margin)
	// Language button, right.
	lw, lh := c.px(170), c.px(92)
	lr := image.Rect(c.w-m/2-lw, (hh-lh)/2, c.w-m/2, (hh-lh)/2+lh)
	c.strokeRoundRect(lr.Inset(c.px(6)), c.s(th.Radius), c.s(2.5), mix(th.HeaderText, th.Header, 0.8))
	c.drawLine(c.t("lang.button"), style{size: 28, col: th.HeaderText, align: alignCenter}, lr.Min.X, lr.Max.X, lr.Min.Y+(lr.Dy()-lineHeight(c.s(28)))/2)
	c.target(ActionLang, lr)
	// Title, left.
	tst := style{size: 28, col: th.HeaderText, bold: true}
	c.drawLine(c.t("app.title"), tst, m, c.w/3, (hh-lineHeight(c.s(28)))/2)
	if step != stepNone {
		c.progress(step, image.Rect(c.px(330), 0, lr.Min.X-c.px(20), hh))
	}
	return image.Rect(0, hh+c.px(24), c.w, c.h-m)
}

// progress draws the steps across r, step being the current one.
func (c *canvas) progress(step progressStep, r image.Rectangle) {
	th := c.th
	n := len(steps)
	cw := float64(r.Dx()) / float64(n)
	cy := float64(r.Min.Y) + c.s(38)
	rad := c.s(21)
	light := mix(th.HeaderText, th.Header, 0.55)
	for i := 0; i < n-1; i++ {
		x0 := float64(r.Min.X) + cw*(float64(i)+0.5) + rad + c.s(8)
		x1 := float64(r.Min.X) + cw*(float64(i)+1.5) - rad - c.s(8)
		col := light
		if steps[i+1].step <= step {
			col = th.Success
		}
		c.polyline([]pt{{x0, cy}, {x1, cy}}, c.s(3), col)
	}
	for i, st := range steps {
		cx := float64(r.Min.X) + cw*(float64(i)+0.5)
		lst := style{size: th.Small, col: light, align: alignCenter}
		switch {
		case st.step < step:
			c.circle(cx, cy, rad, th.Success)
			c.drawIcon(iconCheck, cx, cy, rad*1.3, th.HeaderText)
		case st.step == step:
			c.circle(cx, cy, rad+c.s(3), th.HeaderText)
			c.drawIcon(st.icon, cx, cy, rad*1.25, th.Header)
			lst.col, lst.bold = th.HeaderText, true
		default:
			c.ring(cx, cy, rad, c.s(2.5), light)
			c.drawIcon(st.icon, cx, cy, rad*1.1, light)
		}
		c.drawLine(c.t(st.key), lst, int(cx-cw/2), int(cx+cw/2), int(cy+rad+c.s(8)))
	}
}

type btnKind int

const (
	btnSecondary btnKind = iota
	btnPrimary
	btnDanger
)

type btn struct {
	label  string // catalogue key
	action string
	kind   btnKind
}

// button draws a button in r and records its target.
func (c *canvas) button(r image.Rectangle, b btn) {
	th := c.th
	fg := th.OnPrimary
	switch b.kind {
	case btnPrimary:
		c.roundRect(r, c.s(th.Radius), th.Primary)
	case btnDanger:
		c.roundRect(r, c.s(th.Radius), th.Danger)
	default:
		c.roundRect(r, c.s(th.Radius), th.Surface)
		c.strokeRoundRect(r, c.s(th.Radius), c.s(3), th.Primary)
		fg = th.Primary
	}
	st := style{size: th.Button, col: fg, align: alignCenter, bold: b.kind != btnSecondary}
	label := c.label(b.label)
	for st.size > th.Button*0.6 && measure(c.face(st.size), label) > r.Dx()-c.px(24) {
		st.size *= 0.92
	}
	c.drawLine(label, st, r.Min.X, r.Max.X, r.Min.Y+(r.Dy()-lineHeight(c.s(st.size)))/2)
	c.target(b.action, r)
}

// label translates s when it is a catalogue key, else returns it as is.
func (c *canvas) label(s string) string {
	if i18n.Has(c.lang, s) {
		return c.t(s)
	}
	return s
}

// ellipsize shortens s with "…" to fit width pixels at st's size.
func (c *canvas) ellipsize(s string, st style, width int) string {
	f := c.face(st.size)
	if measure(f, s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && measure(f, string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// buttonWidth is the width of a bottom-row button.
const buttonWidth = 280

// buttons draws the bottom button row: a Cancel-like first button at the
// left, the rest at the right (the last one rightmost). It returns the top
// of the row, for the body above it.
func (c *canvas) buttons(left *btn, right ...btn) int {
	th := c.th
	m := c.px(th.Margin)
	bh := c.px(th.ButtonHeight)
	bw := c.px(buttonWidth)
	y := c.h - m - bh
	if left != nil {
		c.button(image.Rect(m, y, m+bw, y+bh), *left)
	}
	x := c.w - m
	for i := len(right) - 1; i >= 0; i-- {
		c.button(image.Rect(x-bw, y, x, y+bh), right[i])
		x -= bw + c.px(24)
	}
	return y - c.px(24)
}

var cancelBtn = &btn{"btn.cancel", ActionCancel, btnSecondary}

// notice is the layout of result screens: an icon in a tinted disc, a
// title, a message and further lines, centred in body.
func (c *canvas) notice(body image.Rectangle, ic icon, tone color.RGBA, title, msg string, extra ...string) {
	th := c.th
	cw := min(c.px(900), body.Dx()-2*c.px(th.Margin))
	col := image.Rect(body.Min.X+(body.Dx()-cw)/2, body.Min.Y, body.Min.X+(body.Dx()+cw)/2, body.Max.Y)
	var disc, gap, sep, h int
	var tst, bst, est style
	// Shrink everything together until it fits (long names on foreign
	// cards), rather than squeezing the last lines.
	for k := 1.0; ; k -= 0.06 {
		disc, gap, sep = c.px(136*k), c.px(24*k), c.px(12*k)
		tst = style{size: th.Title * k, col: th.Text, bold: true, align: alignCenter}
		bst = style{size: th.Body * k, col: th.Muted, align: alignCenter}
		est = style{size: th.Body * k, col: th.Text, align: alignCenter}
		h = disc + gap + c.textHeight(title, tst, col)
		if msg != "" {
			h += gap + c.textHeight(msg, bst, col)
		}
		for _, e := range extra {
			h += sep + c.textHeight(e, est, col)
		}
		if h <= col.Dy() || k < 0.5 {
			break
		}
	}
	y := col.Min.Y + max(0, (col.Dy()-h)/2)
	cx := float64(col.Min.X+col.Max.X) / 2
	c.circle(cx, float64(y+disc/2), float64(disc)/2, mix(tone, th.Background, 0.14))
	c.drawIcon(ic, cx, float64(y+disc/2), float64(disc)*0.6, tone)
	y += disc + gap
	y += c.textBox(title, tst, image.Rect(col.Min.X, y, col.Max.X, col.Max.Y))
	if msg != "" {
		y += gap
		y += c.textBox(msg, bst, image.Rect(col.Min.X, y, col.Max.X, col.Max.Y))
	}
	for _, e := range extra {
		y += sep
		y += c.textBox(e, est, image.Rect(col.Min.X, y, col.Max.X, col.Max.Y))
	}
}
