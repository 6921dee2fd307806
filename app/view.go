package app

import (
	"image"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/liveness"
	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/ui"
	"github.com/hbzk/kiosk/ui/i18n"
)

// live is what the screen shows besides the flow's state: the camera
// preview and its guidance, the photo being reviewed, the strokes so far.
// The runner's device goroutines update it; Wipe clears it.
type live struct {
	preview   *image.RGBA
	face      image.Rectangle
	guidance  string
	challenge string
	index     int
	count     int
	passed    int
	remaining time.Duration
	limit     time.Duration

	photo   image.Image // the registration photo under review
	strokes [][]image.Point
	lift    bool // the pen was lifted: the next pen-down starts a stroke
	pad     image.Rectangle

	name string // the candidate's name, for the done screen only
	at   time.Time
	// regPhoto is the registration photo of the roster, decoded.
	regPhoto image.Image
	// countdown is the seconds before the registration photo is taken.
	countdown int

	tech ui.TechMenu
	// declaration is what the candidate signs, in the screen's language
	// (set by the runner; "": the catalogue's default).
	declaration string
}

// MaskID masks an ID number for the screen: its first and last four
// characters stay (4201**********1234).
func MaskID(id string) string {
	r := []rune(id)
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}

// screen maps the flow's state and the live data to the screen to draw,
// with the "还在吗？" warning over it when the step times out soon.
func screen(st flow.State, lv *live, now time.Time, site string, pinLen int) ui.Screen {
	s := stepScreen(st, lv, now, site, pinLen)
	if st.StillThere {
		return ui.StillThere{Under: s, Seconds: max(int(st.Deadline.Sub(now).Seconds()+0.999), 0)}
	}
	return s
}

// stepScreen is the screen of the flow's step.
func stepScreen(st flow.State, lv *live, now time.Time, site string, pinLen int) ui.Screen {
	phase := float64(now.UnixMilli()%600000) / 1000
	switch st.Step {
	case flow.Attract:
		return ui.Attract{Phase: phase / 3, Site: site, LargeText: st.LargeText}
	case flow.PlaceCard:
		return ui.PlaceCard{}
	case flow.ReadingCard:
		return ui.ReadingCard{Phase: phase}
	case flow.CardProblem:
		// The refusals show what the flow kept of the refused card: the
		// session itself is wiped.
		take := st.CardOn
		switch st.Problem {
		case flow.NotOnRoster:
			return ui.NotOnRoster{Candidate: st.Refused.Name, TakeCard: take}
		case flow.AlreadyConfirmed:
			return ui.AlreadyConfirmed{Candidate: st.Refused.Name, At: st.Refused.ConfirmedAt.In(idcard.ChinaZone), TakeCard: take}
		case flow.CardExpired:
			return ui.CardExpired{ValidTo: st.Refused.ValidTo, TakeCard: take}
		case flow.CardInvalid:
			return ui.CardInvalid{TakeCard: take}
		case flow.CardRemoved:
			return ui.CardReadFailed{Reason: ui.ReasonCardMoved, TakeCard: take}
		case flow.RosterError:
			return ui.Failure{Reason: ui.ReasonDevice, TakeCard: take}
		}
		return ui.CardReadFailed{Reason: ui.ReasonCardUnreadable, TakeCard: take}
	case flow.RegistrationInfo:
		v := ui.Registration{Photo: lv.regPhoto}
		if s := st.Session; s != nil {
			v.IDMasked = MaskID(s.Card.IDNumber)
			v.Candidate = s.Card.Name
			if r := s.Registration; r != nil {
				v.RegistrationNo, v.ExamPeriod, v.Subjects, v.Site = r.RegistrationNo, r.ExamPeriod, r.Subjects, r.Site
				if r.Site == "" {
					v.Site = site
				}
			}
		}
		return v
	case flow.LivenessRetry:
		reason := ui.ReasonLiveness
		if st.Detail != "" {
			reason = reasonText(st.Detail, st.Lang)
		}
		return ui.LivenessRetry{Reason: reason, AttemptsLeft: st.AttemptsLeft}
	case flow.Liveness:
		guidance := guideText(lv.guidance, st.Lang)
		if guidance == "" && st.Detail != "" {
			// A retry: say why the last attempt failed until the check
			// has something to say itself.
			guidance = reasonText(st.Detail, st.Lang)
		}
		v := ui.Liveness{Face: lv.face, Guidance: guidance, Challenge: lv.challenge,
			Remaining: lv.remaining, Limit: lv.limit, Index: lv.index, Count: lv.count, Passed: lv.passed, Mirror: true}
		if lv.preview != nil {
			v.Preview = lv.preview
		}
		if st.Session != nil && lv.challenge == ui.ChallengeReadDigits {
			v.Digits = st.Session.Digits
		}
		return v
	case flow.Matching:
		return ui.Matching{Phase: phase}
	case flow.MatchFailed:
		return ui.MatchFailed{AttemptsLeft: st.AttemptsLeft}
	case flow.Photo:
		v := ui.Photo{Face: lv.face, Hints: photoHints(st.Hints), Mirror: true, Countdown: lv.countdown}
		if lv.preview != nil {
			v.Preview = lv.preview
		}
		return v
	case flow.PhotoReview:
		return ui.PhotoReview{Photo: lv.photo}
	case flow.Signature:
		// A copy of the stroke headers: the pad goroutine appends while the
		// frame is drawn (points below each copied length never change).
		strokes := append([][]image.Point(nil), lv.strokes...)
		return ui.Signature{Strokes: strokes, Pad: lv.pad, Refusal: sigRefusal(st.Hints), AttemptsLeft: st.AttemptsLeft,
			Declaration: lv.declaration}
	case flow.Saving:
		return ui.Saving{Phase: phase}
	case flow.Done:
		left := int(st.Deadline.Sub(now).Seconds() + 0.999)
		v := ui.Done{Candidate: lv.name, At: lv.at, Countdown: max(left, 0)}
		if st.Session != nil && st.Session.RecordID != "" {
			v.Reference = record.Reference(st.Session.RecordID)
		}
		return v
	case flow.Failed:
		take := st.CardOn
		switch {
		case st.Problem == flow.LivenessFailed && st.Detail != "":
			return ui.Failure{Reason: reasonText(st.Detail, st.Lang), TakeCard: take}
		case st.Problem == flow.SignatureFailed && st.Detail != "":
			return ui.Failure{Reason: sigRefusal([]string{st.Detail}), TakeCard: take}
		}
		return ui.Failure{Reason: failReason(st.Problem), TakeCard: take}
	case flow.OutOfService:
		return ui.OutOfService{Device: st.Fault, Code: st.FaultCode}
	case flow.TechPIN:
		return ui.TechPIN{Entered: st.PIN, Length: pinLen, Wrong: st.Detail == "wrong_pin" || st.Detail == "pin_locked"}
	case flow.TechMenu:
		return lv.tech
	}
	return ui.Failure{Reason: ui.ReasonUnknown}
}

func failReason(p flow.Problem) string {
	switch p {
	case flow.TimedOut:
		return ui.ReasonTimeout
	case flow.LivenessFailed:
		return ui.ReasonLiveness
	case flow.FaceMismatch:
		return "match.failed.none"
	case flow.PhotoFailed:
		return ui.ReasonPhoto
	case flow.SignatureFailed:
		return ui.RefusalTrivial
	case flow.SaveFailed:
		return ui.ReasonSave
	case flow.DeviceFailed:
		return ui.ReasonDeviceFailed
	}
	return ui.ReasonUnknown
}

// photoHints maps the photo checks' names to the screen's hint keys.
func photoHints(checks []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range checks {
		h, ok := photoHint[c]
		if !ok {
			h = ui.HintOffCentre
		}
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

var photoHint = map[string]string{
	"one_face":     ui.HintMultipleFaces,
	"face":         ui.HintNoFace,
	"no_face":      ui.HintNoFace,
	"frontal":      ui.HintNotFrontal,
	"eyes_open":    ui.HintEyesClosed,
	"mouth_closed": ui.HintNotFrontal,
	"sharpness":    ui.HintBlurry,
	"exposure":     ui.HintTooDark,
	"contrast":     ui.HintTooDark,
	"even_light":   ui.HintUnevenLight,
	"lighting":     ui.HintUnevenLight,
	"framing":      ui.HintOffCentre,
	"face_size":    ui.HintTooFar,
	"too_far":      ui.HintTooFar,
	"too_close":    ui.HintTooClose,
	"background":   ui.HintBackground,
	"match":        ui.HintMismatch,
}

// sigRefusal maps the signature's reason codes to the screen's keys.
func sigRefusal(codes []string) string {
	if len(codes) == 0 {
		return ""
	}
	switch codes[0] {
	case "empty":
		return ui.RefusalFirst
	case "too_small":
		return ui.RefusalSmall
	}
	return ui.RefusalTrivial
}

// guideKeys maps the liveness check's guidance codes to the screen's
// catalogue keys where their names differ.
var guideKeys = map[string]string{
	liveness.CodeCentre:     ui.GuideCentre,
	liveness.CodeSecondFace: ui.GuideOneFace,
}

// guideText is the screen's guidance for a liveness code: the catalogue
// key when the UI has one, else the check's own words in the language.
func guideText(code, lang string) string {
	if code == "" {
		return ""
	}
	key, ok := guideKeys[code]
	if !ok {
		key = "guide." + code
	}
	if i18n.Has(i18n.ZH, key) {
		return key
	}
	return reasonText(code, lang)
}

// reasonText is a liveness reason in the candidate's language.
func reasonText(code, lang string) string {
	r := liveness.ReasonFor(code)
	if lang == "en" {
		return r.EN
	}
	return r.ZH
}
