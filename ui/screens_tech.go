package ui

import (
	"github.com/hbzk/kiosk/ui/i18n"

	"image"
)

// TechPIN is the PIN pad in front of the technician menu. Entered is how
// many digits were typed (shown as dots, the digits never are); Length is
// the PIN's length (dots shown, 0: as many as entered, at least 4); Wrong
// shows that the last PIN was refused.
type TechPIN struct {
	Entered int
	Length  int
	Wrong   bool
}

func (TechPIN) Name() string { return "tech-pin" }

func (s TechPIN) draw(c *canvas) {
	th := c.th
	body := c.page(stepNone)
	c.buttons(cancelBtn)
	m := c.px(th.Margin)
	// Keypad, right.
	kw, kh, gap := c.px(150), c.px(92), c.px(16)
	pw, ph := 3*kw+2*gap, 4*kh+3*gap
	x0 := c.w - m - pw
	y0 := body.Min.Y + max(0, (body.Dy()-c.px(th.ButtonHeight)-c.px(24)-ph)/2)
	keys := []btn{
		{"1", "1", btnSecondary}, {"2", "2", btnSecondary}, {"3", "3", btnSecondary},
		{"4", "4", btnSecondary}, {"5", "5", btnSecondary}, {"6", "6", btnSecondary},
		{"7", "7", btnSecondary}, {"8", "8", btnSecondary}, {"9", "9", btnSecondary},
		{"btn.delete", ActionDelete, btnSecondary}, {"0", "0", btnSecondary}, {"btn.ok", ActionOK, btnPrimary},
	}
	for i, k := range keys {
		x, y := x0+(i%3)*(kw+gap), y0+(i/3)*(kh+gap)
		c.button(image.Rect(x, y, x+kw, y+kh), k)
	}
	// Title and dots, left.
	tx := image.Rect(m, y0, x0-m, body.Max.Y)
	y := tx.Min.Y + c.px(20)
	c.drawIcon(iconWrench, float64(tx.Min.X)+c.s(40), float64(y)+c.s(40), c.s(80), th.Primary)
	y += c.px(110)
	y += c.textBox(c.t("tech.pin.title"), style{size: th.Title, col: th.Text, bold: true}, image.Rect(tx.Min.X, y, tx.Max.X, tx.Max.Y))
	y += c.textBox(c.t("tech.pin.body"), style{size: th.Body, col: th.Muted}, image.Rect(tx.Min.X, y, tx.Max.X, tx.Max.Y))
	y += c.px(40)
	n := max(s.Length, s.Entered, 4)
	r := c.s(13)
	for i := 0; i < n; i++ {
		cx := float64(tx.Min.X) + r + float64(i)*r*3.4
		if i < s.Entered {
			c.circle(cx, float64(y)+r, r, th.Text)
		} else {
			c.ring(cx, float64(y)+r, r-c.s(1.5), c.s(3), th.Muted)
		}
	}
	y += int(2*r) + c.px(30)
	if s.Wrong {
		c.hintLine(iconCross, th.Danger, c.t("tech.pin.wrong"), image.Rect(tx.Min.X, y, tx.Max.X, tx.Max.Y))
	}
}

// DeviceStatus is one device's line in the technician menu.
type DeviceStatus struct {
	Device string // a Device* key or a device kind ("idcard")
	OK     bool
	Detail string // a catalogue key (tech.detail.*) or technical detail shown as is (no personal data)
}

// TechMenu is the technician menu: device identity, device states, and
// the service actions (self-test, sync now, restart, exit).
type TechMenu struct {
	DeviceID, Site, Version string
	Pending                 int // records waiting to sync
	Devices                 []DeviceStatus
	// Message is the result of the last action: a catalogue key filled
	// with MessageArgs, or text shown as is.
	Message     string
	MessageArgs []any
	// ConfirmRestart asks "重启程序？" before the restart.
	ConfirmRestart bool
}

// Name is "tech-menu", or "tech-restart" while the restart is asked.
func (s TechMenu) Name() string {
	if s.ConfirmRestart {
		return "tech-restart"
	}
	return "tech-menu"
}

func (s TechMenu) draw(c *canvas) {
	th := c.th
	body := c.page(stepNone)
	m := c.px(th.Margin)
	// Actions, right column.
	bw := c.px(300)
	bh := c.px(th.ButtonHeight)
	gap := c.px(20)
	x := c.w - m - bw
	acts := []btn{
		{"tech.selftest", ActionSelfTest, btnSecondary},
		{"tech.sync", ActionSync, btnSecondary},
		{"tech.restart", ActionRestart, btnDanger},
		{"tech.exit", ActionExit, btnPrimary},
	}
	for i, a := range acts {
		y := body.Min.Y + i*(bh+gap)
		if i == len(acts)-1 {
			y = body.Max.Y - bh
		}
		c.button(image.Rect(x, y, x+bw, y+bh), a)
	}
	// Identity and devices, left.
	tx := image.Rect(m, body.Min.Y, x-m, body.Max.Y)
	y := tx.Min.Y
	y += c.textBox(c.t("tech.menu.title"), style{size: th.Title, col: th.Text, bold: true}, image.Rect(tx.Min.X, y, tx.Max.X, tx.Max.Y))
	y += c.px(6)
	sm := style{size: th.Small + 2, col: th.Muted}
	for _, l := range []string{
		c.tf("tech.device_id", orDefault(s.DeviceID, "-")),
		c.tf("tech.site", orDefault(s.Site, "-")),
		c.tf("tech.version", orDefault(s.Version, "-")),
		c.tf("tech.pending", s.Pending),
	} {
		c.drawLine(l, sm, tx.Min.X, tx.Max.X, y)
		y += lineHeight(c.s(sm.size))
	}
	y += c.px(16)
	rowH := c.px(64)
	for _, d := range s.Devices {
		if y+rowH > tx.Max.Y-c.px(50) {
			break
		}
		row := image.Rect(tx.Min.X, y, tx.Max.X, y+rowH-c.px(8))
		c.roundRect(row, c.s(10), th.Surface)
		ty := row.Min.Y + (row.Dy()-lineHeight(c.s(th.Body)))/2
		c.drawLine(c.keyOr(d.Device), style{size: th.Body, col: th.Text}, row.Min.X+c.px(20), row.Min.X+c.px(300), ty)
		st, col := c.t("tech.status.ok"), th.Success
		if !d.OK {
			st, col = c.t("tech.status.fail"), th.Danger
		}
		pr := image.Rect(row.Min.X+c.px(280), row.Min.Y+c.px(10), row.Min.X+c.px(400), row.Max.Y-c.px(10))
		c.roundRect(pr, float64(pr.Dy())/2, mix(col, th.Surface, 0.15))
		c.drawLine(st, style{size: th.Small, col: col, bold: true, align: alignCenter}, pr.Min.X, pr.Max.X, pr.Min.Y+(pr.Dy()-lineHeight(c.s(th.Small)))/2)
		c.drawLine(c.ellipsize(c.keyOr(d.Detail), style{size: th.Small}, row.Max.X-pr.Max.X-c.px(32)), style{size: th.Small, col: th.Muted}, pr.Max.X+c.px(20), row.Max.X-c.px(12), row.Min.Y+(row.Dy()-lineHeight(c.s(th.Small)))/2)
		y += rowH
	}
	if s.Message != "" {
		st := style{size: th.Small + 2, col: th.Text}
		msg := s.Message
		if i18n.Has(c.lang, msg) {
			msg = c.tf(msg, s.MessageArgs...)
		}
		c.drawLine(c.ellipsize(msg, st, tx.Dx()), st, tx.Min.X, tx.Max.X, tx.Max.Y-lineHeight(c.s(st.size)))
	}
	if s.ConfirmRestart {
		c.confirm(c.t("tech.restart.ask"), c.t("tech.restart.body"),
			btn{"btn.cancel", ActionRestartNo, btnSecondary}, btn{"tech.restart.yes", ActionRestartYes, btnDanger})
	}
}

// Technician menu: the restart's confirmation.
const (
	ActionRestartYes = "restart_yes"
	ActionRestartNo  = "restart_no"
)

// confirm draws a modal question over the screen: only its two buttons
// (and the language button) take touches.
func (c *canvas) confirm(title, body string, no, yes btn) {
	th := c.th
	var keep []Target
	for _, t := range c.targets {
		if t.Action == ActionLang {
			keep = append(keep, t)
		}
	}
	c.targets = keep
	c.fillRect(image.Rect(0, c.px(headerHeight), c.w, c.h), th.Scrim)
	w, h := c.px(760), c.px(380)
	box := image.Rect((c.w-w)/2, (c.h-h)/2, (c.w+w)/2, (c.h+h)/2)
	c.roundRect(box, c.s(th.Radius), th.Surface)
	in := box.Inset(c.px(32))
	bh, bw := c.px(th.ButtonHeight), c.px(buttonWidth)
	y := in.Min.Y
	y += c.textBox(title, style{size: th.Title, col: th.Text, bold: true, align: alignCenter}, image.Rect(in.Min.X, y, in.Max.X, in.Max.Y))
	y += c.px(12)
	c.textBox(body, style{size: th.Body, col: th.Muted, align: alignCenter}, image.Rect(in.Min.X, y, in.Max.X, in.Max.Y-bh))
	c.button(image.Rect(in.Min.X, in.Max.Y-bh, in.Min.X+bw, in.Max.Y), no)
	c.button(image.Rect(in.Max.X-bw, in.Max.Y-bh, in.Max.X, in.Max.Y), yes)
}
