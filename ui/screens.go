package ui

import (
	"image"
	"math"
	"time"

	"github.com/hbzk/kiosk/ui/i18n"
)

// Catalogue keys the flow puts into view models.
const (
	// Reasons (CardReadFailed, Failure).
	ReasonCardMoved       = "reason.card.moved"
	ReasonCardUnreadable  = "reason.card.unreadable"
	ReasonCardUnsupported = "reason.card.unsupported"
	ReasonCardInvalid     = "reason.card.invalid"
	ReasonTimeout         = "reason.timeout"
	ReasonLiveness        = "reason.liveness"
	ReasonPhoto           = "reason.photo"
	ReasonSave            = "reason.save"
	ReasonDevice          = "reason.device"
	ReasonDeviceFailed    = "reason.device_failed"
	ReasonUnknown         = "reason.unknown"

	// Liveness challenges.
	ChallengeLook       = "challenge.look"
	ChallengeBlink      = "challenge.blink"
	ChallengeTurnLeft   = "challenge.turn_left"
	ChallengeTurnRight  = "challenge.turn_right"
	ChallengeNod        = "challenge.nod"
	ChallengeReadDigits = "challenge.read_digits"

	// Guidance over the camera preview.
	GuideOK         = "guide.ok"
	GuideMoveCloser = "guide.move_closer"
	GuideMoveBack   = "guide.move_back"
	GuideTooDark    = "guide.too_dark"
	GuideTooBright  = "guide.too_bright"
	GuideFaceCamera = "guide.face_camera"
	GuideNoFace     = "guide.no_face"
	GuideOneFace    = "guide.one_face"
	GuideHoldStill  = "guide.hold_still"
	GuideCentre     = "guide.centre"

	// Registration photo quality hints, one per failed check.
	HintNoFace        = "photo.hint.no_face"
	HintTooDark       = "photo.hint.too_dark"
	HintUnevenLight   = "photo.hint.uneven_light"
	HintBlurry        = "photo.hint.blurry"
	HintEyesClosed    = "photo.hint.eyes_closed"
	HintNotFrontal    = "photo.hint.not_frontal"
	HintBackground    = "photo.hint.background"
	HintTooFar        = "photo.hint.too_far"
	HintTooClose      = "photo.hint.too_close"
	HintOffCentre     = "photo.hint.off_centre"
	HintMultipleFaces = "photo.hint.multiple_faces"
	HintMismatch      = "photo.hint.mismatch"

	// Signature refusals.
	RefusalEmpty   = "refusal.sig.empty"
	RefusalFirst   = "refusal.sig.first" // 确认 on an empty pad: 请先签名
	RefusalTrivial = "refusal.sig.trivial"
	RefusalSmall   = "refusal.sig.small"

	// Devices (OutOfService, TechMenu); unknown names are shown as given.
	DeviceIDCard  = "device.idcard"
	DeviceCamera  = "device.camera"
	DeviceSigpad  = "device.sigpad"
	DeviceGPIO    = "device.gpio"
	DeviceStorage = "device.storage"
	DeviceNetwork = "device.network"
	DeviceModels  = "device.models"
)

// keyOr translates key, or returns it unchanged when it is not a key (so
// that a device kind like "idcard" or a raw code still shows).
func (c *canvas) keyOr(key string) string {
	if i18n.Has(c.lang, key) {
		return c.t(key)
	}
	if i18n.Has(c.lang, "device."+key) {
		return c.t("device." + key)
	}
	return key
}

// Attract is the idle screen. Phase drives the idle animation: the flow
// advances it with time (one cycle per unit, e.g. seconds/3).
type Attract struct {
	Phase float64
	Site  string // exam office name, shown small ("" for none)
	// LargeText: the large-text mode is on (the toggle shows it).
	LargeText bool
}

func (Attract) Name() string { return "attract" }

func (s Attract) draw(c *canvas) {
	th := c.th
	body := c.page(stepNone)
	c.target(ActionStart, body) // below the header: the language button stays free
	ph := s.Phase - math.Floor(s.Phase)
	cx := float64(c.w) / 2
	top := float64(body.Min.Y)
	// The reader pad and pulsing rings.
	pad := c.s(110)
	ry := top + c.s(200)
	for k := 0; k < 2; k++ {
		t := math.Mod(ph+float64(k)*0.5, 1)
		col := mix(th.Primary, th.Background, 0.35*(1-t))
		c.ring(cx, ry, pad*(0.9+0.9*t), c.s(4), col)
	}
	c.circle(cx, ry, pad*0.85, mix(th.Primary, th.Background, 0.12))
	// The card glides down onto the reader, rests, and lifts again.
	drop := math.Sin(math.Pi * ph) // 0 up, 1 on the reader
	cy := ry - c.s(120)*(1-drop)
	card := c.s(170)
	c.roundRect(image.Rect(int(cx-card*0.48), int(cy-card*0.29)+c.px(10), int(cx+card*0.48)+c.px(6), int(cy+card*0.31)+c.px(10)), c.s(14), mix(th.Text, th.Background, 0.12))
	c.roundRect(image.Rect(int(cx-card*0.5), int(cy-card*0.32), int(cx+card*0.5), int(cy+card*0.32)), c.s(14), th.Surface)
	c.drawIcon(iconCard, cx, cy, card, th.Primary)
	y := int(ry + pad*1.9)
	w := body.Inset(c.px(th.Margin))
	y += c.textBox(c.t("attract.title"), style{size: th.Display, col: th.Text, bold: true, align: alignCenter}, image.Rect(w.Min.X, y, w.Max.X, body.Max.Y))
	y += c.px(10)
	c.textBox(c.t("attract.hint"), style{size: th.Body, col: th.Muted, align: alignCenter}, image.Rect(w.Min.X, y, w.Max.X, body.Max.Y))
	// Footer: subtitle, site, and the technician's corner.
	fy := c.h - c.px(th.Margin) - lineHeight(c.s(th.Small))
	foot := c.t("attract.subtitle")
	if s.Site != "" {
		foot += " · " + s.Site
	}
	c.drawLine(foot, style{size: th.Small, col: th.Muted}, c.px(th.Margin), c.w*3/4, fy)
	tr := image.Rect(c.w-c.px(110), c.h-c.px(110), c.w, c.h)
	c.drawIcon(iconWrench, float64(tr.Min.X+tr.Max.X)/2, float64(tr.Min.Y+tr.Max.Y)/2, c.s(34), mix(th.Muted, th.Background, 0.35))
	c.target(ActionTech, tr)
	// The large-text toggle, top left, clear of the reader's rings.
	kind := btnSecondary
	if s.LargeText {
		kind = btnPrimary
	}
	bw, bh := c.px(buttonWidth), c.px(th.ButtonHeight)
	bx, by := c.px(th.Margin), body.Min.Y
	c.button(image.Rect(bx, by, bx+bw, by+bh), btn{"btn.large_text", ActionLargeText, kind})
}

// PlaceCard asks for the ID card.
type PlaceCard struct{}

func (PlaceCard) Name() string { return "place-card" }

func (PlaceCard) draw(c *canvas) {
	th := c.th
	body := c.page(stepCard)
	body.Max.Y = c.buttons(cancelBtn)
	m := c.px(th.Margin)
	// Illustration left: the card over the reader with an arrow.
	il := image.Rect(m, body.Min.Y, c.w*2/5, body.Max.Y)
	cx, cy := float64(il.Min.X+il.Max.X)/2, float64(il.Min.Y+il.Max.Y)/2
	c.roundRect(image.Rect(int(cx-c.s(200)), int(cy+c.s(60)), int(cx+c.s(200)), int(cy+c.s(130))), c.s(18), mix(th.Text, th.Background, 0.75))
	c.roundRect(image.Rect(int(cx-c.s(160)), int(cy+c.s(75)), int(cx+c.s(160)), int(cy+c.s(115))), c.s(10), mix(th.Primary, th.Text, 0.5))
	c.roundRect(image.Rect(int(cx-c.s(130)), int(cy-c.s(160)), int(cx+c.s(130)), int(cy+c.s(0))), c.s(14), th.Surface)
	c.drawIcon(iconCard, cx, cy-c.s(80), c.s(250), th.Primary)
	c.polyline([]pt{{cx, cy + c.s(8)}, {cx, cy + c.s(50)}}, c.s(8), th.Primary)
	c.polyline([]pt{{cx - c.s(18), cy + c.s(32)}, {cx, cy + c.s(52)}, {cx + c.s(18), cy + c.s(32)}}, c.s(8), th.Primary)
	// Text right.
	tx := image.Rect(c.w*2/5+m, body.Min.Y, c.w-m, body.Max.Y)
	h := c.textHeight(c.t("card.place.title"), style{size: th.Display, bold: true}, tx) + c.px(28) + c.textHeight(c.t("card.place.body"), style{size: th.Body}, tx)
	y := tx.Min.Y + max(0, (tx.Dy()-h)/2)
	y += c.textBox(c.t("card.place.title"), style{size: th.Display, col: th.Text, bold: true}, image.Rect(tx.Min.X, y, tx.Max.X, tx.Max.Y))
	y += c.px(28)
	c.textBox(c.t("card.place.body"), style{size: th.Body, col: th.Muted}, image.Rect(tx.Min.X, y, tx.Max.X, tx.Max.Y))
}

// busy is the layout of waiting screens: a spinner, a title and a line.
func (c *canvas) busy(step progressStep, phase float64, title, msg string) {
	th := c.th
	body := c.page(step)
	cx := float64(c.w) / 2
	cy := float64(body.Min.Y) + float64(body.Dy())*0.36
	c.spinner(cx, cy, c.s(80), phase-math.Floor(phase), th.Primary, mix(th.Primary, th.Background, 0.15))
	y := int(cy + c.s(130))
	y += c.textBox(title, style{size: th.Title, col: th.Text, bold: true, align: alignCenter}, image.Rect(body.Min.X, y, body.Max.X, body.Max.Y))
	y += c.px(14)
	c.textBox(msg, style{size: th.Body, col: th.Muted, align: alignCenter}, image.Rect(body.Min.X, y, body.Max.X, body.Max.Y))
}

// ReadingCard is shown while the chip is read. Phase turns the spinner.
type ReadingCard struct{ Phase float64 }

func (ReadingCard) Name() string { return "reading-card" }

func (s ReadingCard) draw(c *canvas) {
	c.busy(stepCard, s.Phase, c.t("card.reading.title"), c.t("card.reading.body"))
}

// NotOnRoster: the card holder has no registration pending confirmation.
type NotOnRoster struct {
	Candidate string
	TakeCard  bool // the card still lies on the reader
}

func (NotOnRoster) Name() string { return "not-on-roster" }

func (s NotOnRoster) draw(c *canvas) {
	body := c.page(stepCard)
	body.Max.Y = c.buttons(nil, btn{"btn.back", ActionCancel, btnPrimary})
	c.notice(body, iconWarning, c.th.Warning, c.t("roster.missing.title"), c.tf("roster.missing.body", s.Candidate), c.takeCard(s.TakeCard)...)
}

// AlreadyConfirmed: the candidate confirmed before, at At.
type AlreadyConfirmed struct {
	Candidate string
	At        time.Time
	TakeCard  bool
}

func (AlreadyConfirmed) Name() string { return "already-confirmed" }

func (s AlreadyConfirmed) draw(c *canvas) {
	body := c.page(stepCard)
	body.Max.Y = c.buttons(nil, btn{"btn.back", ActionCancel, btnPrimary})
	c.notice(body, iconCheck, c.th.Primary, c.t("roster.done.title"), c.tf("roster.done.body", s.Candidate, s.At.Format(c.t("layout.time"))), c.takeCard(s.TakeCard)...)
}

// CardExpired: the card's validity ended on ValidTo.
type CardExpired struct {
	ValidTo  time.Time
	TakeCard bool
}

func (CardExpired) Name() string { return "card-expired" }

func (s CardExpired) draw(c *canvas) {
	body := c.page(stepCard)
	body.Max.Y = c.buttons(nil, btn{"btn.back", ActionCancel, btnPrimary})
	c.notice(body, iconWarning, c.th.Danger, c.t("card.expired.title"), c.tf("card.expired.body", s.ValidTo.Format(c.t("layout.date"))), c.takeCard(s.TakeCard)...)
}

// CardReadFailed: the chip could not be read; Reason is a Reason* key.
type CardReadFailed struct {
	Reason   string
	TakeCard bool
}

func (CardReadFailed) Name() string { return "card-read-failed" }

func (s CardReadFailed) draw(c *canvas) {
	body := c.page(stepCard)
	body.Max.Y = c.buttons(cancelBtn, btn{"btn.retry", ActionRetry, btnPrimary})
	c.notice(body, iconCross, c.th.Danger, c.t("card.failed.title"), c.keyOr(orDefault(s.Reason, ReasonCardUnreadable)), c.takeCard(s.TakeCard)...)
}

// CardInvalid: the card was read but failed its own checks (check digit,
// birth date against the number): possibly forged, so staff must look;
// no retry is offered.
type CardInvalid struct{ TakeCard bool }

func (CardInvalid) Name() string { return "card-invalid" }

func (s CardInvalid) draw(c *canvas) {
	body := c.page(stepCard)
	body.Max.Y = c.buttons(nil, btn{"btn.back", ActionCancel, btnPrimary})
	c.notice(body, iconWarning, c.th.Danger, c.t("card.invalid.title"), c.t("card.invalid.body"), c.takeCard(s.TakeCard)...)
}

// takeCard is the line that asks for the card back, when one lies on the
// reader.
func (c *canvas) takeCard(on bool) []string {
	if !on {
		return nil
	}
	return []string{c.t("card.take")}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Matching is shown while the live face is compared with the chip photo.
type Matching struct{ Phase float64 }

func (Matching) Name() string { return "matching" }

func (s Matching) draw(c *canvas) {
	c.busy(stepFace, s.Phase, c.t("match.title"), c.t("match.body"))
}

// MatchFailed: the face did not match; AttemptsLeft > 0 offers a retry.
type MatchFailed struct{ AttemptsLeft int }

func (MatchFailed) Name() string { return "match-failed" }

func (s MatchFailed) draw(c *canvas) {
	body := c.page(stepFace)
	left := c.t("match.failed.none")
	if s.AttemptsLeft > 0 {
		body.Max.Y = c.buttons(cancelBtn, btn{"btn.retry", ActionRetry, btnPrimary})
		left = c.tf("match.failed.left", s.AttemptsLeft)
	} else {
		body.Max.Y = c.buttons(nil, btn{"btn.back", ActionCancel, btnPrimary})
	}
	c.notice(body, iconFaceSad, c.th.Danger, c.t("match.failed.title"), c.t("match.failed.body"), left)
}

// Saving is shown while the record is stored.
type Saving struct{ Phase float64 }

func (Saving) Name() string { return "saving" }

func (s Saving) draw(c *canvas) {
	c.busy(stepDone, s.Phase, c.t("saving.title"), c.t("saving.body"))
}

// Done is the completion notice. Countdown is the seconds until the screen
// clears itself (0 hides the line).
type Done struct {
	Candidate string
	At        time.Time
	Countdown int
	// Reference is the confirmation reference (short, from the record's
	// id), shown and as a QR code; "" hides both.
	Reference string
}

func (Done) Name() string { return "done" }

func (s Done) draw(c *canvas) {
	th := c.th
	body := c.page(stepDone)
	body.Max.Y = c.buttons(nil, btn{"btn.finish", ActionFinish, btnPrimary})
	extra := []string{c.tf("done.time", s.At.Format(c.t("layout.time")))}
	if s.Reference != "" {
		extra = append(extra, c.tf("done.ref", s.Reference))
		// The QR code of the reference at the right, with its caption.
		m := c.px(th.Margin)
		side := min(c.px(300), body.Dy()-c.px(80))
		qr := image.Rect(body.Max.X-m-side, body.Min.Y+(body.Dy()-side)/2-c.px(20), body.Max.X-m, body.Min.Y+(body.Dy()-side)/2-c.px(20)+side)
		c.drawQR(s.Reference, qr, th.Text)
		c.textBox(c.t("done.qr"), style{size: th.Small, col: th.Muted, align: alignCenter}, image.Rect(qr.Min.X-c.px(20), qr.Max.Y+c.px(8), qr.Max.X+c.px(20), body.Max.Y))
		body.Max.X = qr.Min.X - c.px(16)
	}
	extra = append(extra, c.t("done.next"), c.t("done.take_card"))
	if s.Countdown > 0 {
		extra = append(extra, c.tf("done.clear", s.Countdown))
	}
	c.notice(body, iconCheck, th.Success, c.t("done.title"), c.tf("done.body", s.Candidate), extra...)
}

// Failure is the generic failure screen: Reason is a Reason* key;
// CanRetry offers a retry besides Cancel.
type Failure struct {
	Reason   string
	CanRetry bool
	TakeCard bool // the card still lies on the reader
}

func (Failure) Name() string { return "failure" }

func (s Failure) draw(c *canvas) {
	body := c.page(stepNone)
	if s.CanRetry {
		body.Max.Y = c.buttons(cancelBtn, btn{"btn.retry", ActionRetry, btnPrimary})
	} else {
		body.Max.Y = c.buttons(nil, btn{"btn.back", ActionCancel, btnPrimary})
	}
	c.notice(body, iconCross, c.th.Danger, c.t("fail.title"), c.keyOr(orDefault(s.Reason, ReasonUnknown)), c.takeCard(s.TakeCard)...)
}

// OutOfService: a required device failed. Device is a Device* key or a
// device kind ("idcard"); Code is for the technician.
type OutOfService struct {
	Device string
	Code   string
}

func (OutOfService) Name() string { return "out-of-service" }

func (s OutOfService) draw(c *canvas) {
	th := c.th
	body := c.page(stepNone)
	var extra []string
	if s.Device != "" {
		extra = append(extra, c.tf("oos.device", c.keyOr(s.Device)))
	}
	if s.Code != "" {
		extra = append(extra, c.tf("oos.code", s.Code))
	}
	c.notice(body, iconWrench, th.Warning, c.t("oos.title"), c.t("oos.body"), extra...)
	tr := image.Rect(c.w-c.px(110), c.h-c.px(110), c.w, c.h)
	c.drawIcon(iconWrench, float64(tr.Min.X+tr.Max.X)/2, float64(tr.Min.Y+tr.Max.Y)/2, c.s(34), mix(th.Muted, th.Background, 0.35))
	c.target(ActionTech, tr)
}
