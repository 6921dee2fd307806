// Package flow is the candidate session as a state machine: attract -> card
// -> roster/validity check -> liveness -> face match -> registration photo ->
// photo review -> signature -> saving -> done, with failure, retry,
// out-of-service and technician states.
//
// The machine is pure: Handle takes an Event (a device result, a tap, a
// clock tick) and returns the Effects the runner must carry out (wait for a
// card, start the liveness check, commit the record, wipe personal data).
// It never touches a device, so every step is tested without hardware, and
// the same machine runs on the real kiosk, in the simulator and in tests.
package flow

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/entropy"
)

// Step is where the candidate is.
type Step int

const (
	Attract Step = iota
	PlaceCard
	ReadingCard
	CardProblem
	Liveness
	Matching
	MatchFailed
	Photo
	PhotoReview
	Signature
	Saving
	Done
	Failed
	OutOfService
	TechPIN
	TechMenu
	// RegistrationInfo shows the candidate's registration from the roster
	// (after the card, before the biometrics) for 「是我本人」 or 「不是我」.
	RegistrationInfo
	// LivenessRetry: a liveness attempt failed; the next starts on a tap.
	LivenessRetry
)

var stepNames = [...]string{"attract", "place_card", "reading_card", "card_problem", "liveness", "matching",
	"match_failed", "photo", "photo_review", "signature", "saving", "done", "failed", "out_of_service",
	"tech_pin", "tech_menu", "registration", "liveness_retry"}

func (s Step) String() string {
	if int(s) < len(stepNames) {
		return stepNames[s]
	}
	return fmt.Sprintf("Step(%d)", int(s))
}

// Problem says why a card or a session was refused. Each has its own screen
// text in the UI catalogue.
type Problem string

const (
	NotOnRoster      Problem = "not_on_roster"
	AlreadyConfirmed Problem = "already_confirmed"
	CardExpired      Problem = "card_expired"
	CardInvalid      Problem = "card_invalid"
	CardReadFailed   Problem = "card_read_failed"
	CardRemoved      Problem = "card_removed"
	RosterError      Problem = "roster_error"
	LivenessFailed   Problem = "liveness_failed"
	FaceMismatch     Problem = "face_mismatch"
	PhotoFailed      Problem = "photo_failed"
	SignatureFailed  Problem = "signature_failed"
	SaveFailed       Problem = "save_failed"
	// DeviceFailed: a device failed mid-session (Detail names it).
	DeviceFailed Problem = "device_failed"
	TimedOut     Problem = "timed_out"
)

// Card is what the flow needs to know of the card; Raw carries the whole
// card for the record.
type Card struct {
	IDNumber string
	Name     string
	// Valid is false when the card failed its own checks (check digit,
	// birth date against the number).
	Valid   bool
	Expired bool
	// ValidTo is the end of the card's validity (zero: long-term), for
	// the expired card's screen.
	ValidTo time.Time
	Raw     any
}

// RosterStatus is a candidate's place on the roster.
type RosterStatus int

const (
	RosterUnknown RosterStatus = iota
	RosterPending
	RosterConfirmed
)

// RosterEntry is what the roster says of a candidate.
type RosterEntry struct {
	Status RosterStatus
	// ConfirmedAt is when a confirmed candidate confirmed (zero: unknown).
	ConfirmedAt time.Time
	// Registration is what the exam office registered, for the
	// registration screen.
	Registration Registration
}

// Registration is a pending candidate's registration as the roster has it.
type Registration struct {
	Name           string
	RegistrationNo string
	ExamPeriod     string
	Subjects       []string
	Site           string
	// Photo is the registration photo (JPEG), nil when there is none.
	Photo []byte
}

// Roster answers whether an ID number is waiting for confirmation, with the
// candidate's registration.
type Roster interface {
	Lookup(idNumber string) (RosterEntry, error)
}

// Settings are the limits of a session (from config.FlowConfig and
// config.LivenessConfig).
type Settings struct {
	MatchAttempts, PhotoAttempts, SignAttempts int
	StepTimeout, DoneTimeout, FailTimeout      time.Duration
	RequireRoster                              bool
	// WarnBefore is how long before a step's time-out the candidate is
	// asked "还在吗？" (zero: never).
	WarnBefore   time.Duration
	Challenges   int
	ChallengeSet []string
	// PIN checks the technician PIN (a slow hash with a lockout, from
	// the wiring). Without one, TechPIN is compared as it is (tests).
	PIN     PINGuard
	TechPIN string
}

// PINGuard checks technician PIN entries.
type PINGuard interface {
	// Digits is the PIN's length: an entry is checked when it has that
	// many digits.
	Digits() int
	// Check checks one complete entry. A wrong entry, or any entry while
	// the pad is locked, is not ok; locked is how long the pad stays
	// locked from now (zero when it is not).
	Check(pin string) (ok bool, locked time.Duration)
}

// pinDigits is the length of the technician PIN.
func (m *Machine) pinDigits() int {
	if m.set.PIN != nil {
		return m.set.PIN.Digits()
	}
	return len(m.set.TechPIN)
}

func (m *Machine) checkPIN(pin string) (bool, time.Duration) {
	if m.set.PIN != nil {
		return m.set.PIN.Check(pin)
	}
	return pin == m.set.TechPIN, 0
}

// Session is one candidate's data. It exists from the card to the privacy
// reset; Wipe drops it whole.
type Session struct {
	Started time.Time
	Card    Card
	// Challenges is the active liveness sequence drawn for this session;
	// Digits the four digits of read_digits.
	Challenges []string
	Digits     string
	Liveness   any
	Match      MatchResult
	Photo      any
	Signature  any
	RecordID   string
	// Attempts used so far.
	MatchAttempts, PhotoAttempts, SignAttempts, LivenessAttempts int
	// Registration is the roster's entry, shown before the biometrics.
	Registration *Registration
	// Entered is when each step was first entered, for the record's timings.
	Entered map[Step]time.Time
}

// Refused is what the refusal screens show: the name on the card, its end
// of validity, when a confirmed candidate confirmed.
type Refused struct {
	Name                 string
	ValidTo, ConfirmedAt time.Time
}

// MatchResult is a face match outcome.
type MatchResult struct {
	Score, Threshold float64
	Match            bool
	Raw              any
}

// State is a snapshot for the screen.
type State struct {
	Step Step
	Lang string
	// Problem is set on CardProblem, MatchFailed, Failed; Detail is a
	// candidate-facing reason where the device gave one (a failed quality
	// check, a liveness reason), Hints the named checks that failed.
	Problem Problem
	Detail  string
	Hints   []string
	// AttemptsLeft on MatchFailed, Photo and Signature.
	AttemptsLeft int
	// Deadline of the current step (zero when none).
	Deadline time.Time
	// Session is nil outside a session.
	Session *Session
	// Fault names the failed device on OutOfService, FaultCode a code for the technician.
	Fault, FaultCode string
	// PIN is the number of digits typed on TechPIN.
	PIN int
	// Refused is what a refusal screen shows of the refused card (the
	// session itself is wiped); zero outside CardProblem.
	Refused Refused
	// LargeText: the candidate chose large text (until the reset).
	LargeText bool
	// StillThere: the step times out soon; the screen asks "还在吗？"
	// with a continue button (Tap "continue").
	StillThere bool
	// CardOn: a card lies on the reader (from its reading until CardGone);
	// the screens then ask the candidate to take it.
	CardOn bool
}

// Machine is the session state machine. It is not safe for concurrent
// use: one runner goroutine feeds it.
type Machine struct {
	set    Settings
	clk    clock.Clock
	rnd    io.Reader
	roster Roster
	lang0  string // the default language, each candidate's first

	st       State
	deadline time.Time
	pin      string
	resume   Step // where OutOfService returns when the fault clears
	faults   map[string]string
	codes    map[string]string // the faults' codes for the technician
}

// New returns a machine on the attract screen.
func New(s Settings, lang string, clk clock.Clock, rnd io.Reader, roster Roster) *Machine {
	if lang == "" {
		lang = "zh"
	}
	return &Machine{set: s, clk: clk, rnd: rnd, roster: roster, lang0: lang, st: State{Step: Attract, Lang: lang}, faults: map[string]string{}, codes: map[string]string{}}
}

// State returns the current snapshot.
func (m *Machine) State() State {
	s := m.st
	s.Deadline = m.deadline
	s.PIN = len(m.pin)
	s.StillThere = m.stillThere(m.clk.Now())
	return s
}

// Handle applies one event and returns what the runner must do.
func (m *Machine) Handle(ev Event) []Effect {
	now := m.clk.Now()
	if tap, ok := ev.(Tap); ok {
		switch tap.Action {
		case "lang":
			if m.st.Lang == "zh" {
				m.st.Lang = "en"
			} else {
				m.st.Lang = "zh"
			}
			return nil
		case "large_text":
			// The candidate's large-text mode, until the privacy reset.
			m.st.LargeText = !m.st.LargeText
			return nil
		case "continue":
			if m.stillThere(now) {
				m.deadline = now.Add(m.set.StepTimeout)
				return nil
			}
		case "cancel":
			if m.inSession() || m.st.Step == CardProblem || m.st.Step == Failed || m.st.Step == TechPIN || m.st.Step == TechMenu {
				return m.reset()
			}
		}
	}
	switch ev.(type) {
	case CardReading, CardRead, CardError:
		m.st.CardOn = true
	case CardGone:
		m.st.CardOn = false
		return nil
	}
	switch ev := ev.(type) {
	case Tick:
		return m.tick(now)
	case Working:
		if m.st.Step == Liveness || m.st.Step == Photo {
			m.deadline = now.Add(m.set.StepTimeout)
		}
		return nil
	case DeviceFault:
		if ev.Err == "" {
			delete(m.faults, ev.Device)
			delete(m.codes, ev.Device)
			if len(m.faults) == 0 && m.st.Step == OutOfService {
				return m.reset()
			}
			return nil
		}
		m.faults[ev.Device] = ev.Err
		m.codes[ev.Device] = ev.Code
		switch {
		case m.st.Step == TechPIN || m.st.Step == TechMenu:
			// The technician is at work: the fault shows when they leave.
			return nil
		case m.inSession():
			// Nothing was confirmed: the candidate is told so, and to take
			// the card, before the kiosk goes out of service.
			return m.fail(DeviceFailed, ev.Device)
		}
		return m.outOfService(ev.Device, ev.Code)
	}
	switch m.st.Step {
	case Attract:
		return m.attract(ev, now)
	case PlaceCard, ReadingCard:
		return m.card(ev, now)
	case CardProblem:
		if isTap(ev, "retry") && (m.st.Problem == CardReadFailed || m.st.Problem == CardRemoved) {
			return m.enter(PlaceCard, now, WaitCard{})
		}
		if isTap(ev, "ok") {
			return m.reset()
		}
	case Liveness:
		if r, ok := ev.(LivenessDone); ok {
			m.st.Session.Liveness = r.Raw
			if !r.Passed {
				m.st.Session.LivenessAttempts++
				if m.st.Session.LivenessAttempts >= m.set.MatchAttempts {
					return m.fail(LivenessFailed, r.Reason)
				}
				m.st.Detail = r.Reason
				m.st.AttemptsLeft = m.set.MatchAttempts - m.st.Session.LivenessAttempts
				return m.enter(LivenessRetry, now)
			}
			m.st.Detail = ""
			return m.enter(Matching, now, StartMatch{})
		}
	case RegistrationInfo:
		switch {
		case isTap(ev, "confirm_identity"):
			return m.startLiveness(now)
		case isTap(ev, "not_me"):
			return m.reset()
		}
	case LivenessRetry:
		if isTap(ev, "retry") {
			return m.startLiveness(now)
		}
	case Matching:
		if r, ok := ev.(MatchDone); ok {
			s := m.st.Session
			s.MatchAttempts++
			s.Match = MatchResult{Score: r.Score, Threshold: r.Threshold, Match: r.Match, Raw: r.Raw}
			if r.Match {
				return m.enter(Photo, now, StartPhoto{})
			}
			left := m.set.MatchAttempts - s.MatchAttempts
			if left <= 0 {
				return m.fail(FaceMismatch, r.Reason)
			}
			m.st.Problem, m.st.Detail, m.st.AttemptsLeft = FaceMismatch, r.Reason, left
			return m.enter(MatchFailed, now)
		}
	case MatchFailed:
		if isTap(ev, "retry") {
			m.st.Problem, m.st.Detail = "", ""
			m.drawChallenges()
			return m.enter(Liveness, now, StartLiveness{Challenges: m.st.Session.Challenges, Digits: m.st.Session.Digits})
		}
	case Photo:
		if r, ok := ev.(PhotoDone); ok {
			s := m.st.Session
			s.PhotoAttempts++
			if r.OK {
				s.Photo = r.Raw
				m.st.Hints, m.st.Detail = nil, ""
				return m.enter(PhotoReview, now)
			}
			left := m.set.PhotoAttempts - s.PhotoAttempts
			if left <= 0 {
				return m.fail(PhotoFailed, strings.Join(r.Failed, ", "))
			}
			m.st.Hints, m.st.AttemptsLeft = r.Failed, left
			return m.enter(Photo, now, StartPhoto{})
		}
	case PhotoReview:
		switch {
		case isTap(ev, "use_photo"):
			m.st.AttemptsLeft = m.set.SignAttempts
			return m.enter(Signature, now, StartSignature{})
		case isTap(ev, "retake"):
			s := m.st.Session
			if s.PhotoAttempts >= m.set.PhotoAttempts {
				// No retake left: the photo taken stands.
				return nil
			}
			s.Photo = nil
			m.st.AttemptsLeft = m.set.PhotoAttempts - s.PhotoAttempts
			return m.enter(Photo, now, StartPhoto{})
		}
	case Signature:
		switch ev := ev.(type) {
		case Tap:
			switch ev.Action {
			case "clear":
				m.st.Hints, m.st.Detail = nil, ""
				m.deadline = now.Add(m.set.StepTimeout)
				return []Effect{ClearSignature{}}
			case "confirm":
				return []Effect{CheckSignature{}}
			}
		case PenActivity:
			m.deadline = now.Add(m.set.StepTimeout)
			return nil
		case SignatureDone:
			s := m.st.Session
			if ev.Valid {
				s.Signature = ev.Raw
				m.st.Hints, m.st.Detail = nil, ""
				return m.enter(Saving, now, Commit{Session: s})
			}
			if len(ev.Reasons) > 0 && ev.Reasons[0] == "empty" {
				// Nothing was signed: "请先签名", no attempt used.
				m.st.Hints, m.st.Detail = ev.Reasons, ev.Reason
				m.deadline = now.Add(m.set.StepTimeout)
				return []Effect{ClearSignature{}}
			}
			s.SignAttempts++
			left := m.set.SignAttempts - s.SignAttempts
			if left <= 0 {
				code := ev.Reason
				if len(ev.Reasons) > 0 {
					code = ev.Reasons[0]
				}
				return m.fail(SignatureFailed, code)
			}
			m.st.Hints, m.st.Detail, m.st.AttemptsLeft = ev.Reasons, ev.Reason, left
			m.deadline = now.Add(m.set.StepTimeout)
			return []Effect{ClearSignature{}}
		}
	case Saving:
		if r, ok := ev.(Saved); ok {
			if r.Err != "" {
				// The record could not be stored: nothing is confirmed, and the
				// kiosk must not take the next candidate until a technician looks.
				// The candidate reads that nothing was confirmed; the reset
				// after the failure screen goes out of service.
				m.faults["store"] = r.Err
				m.codes["store"] = "E-STORE"
				return m.fail(SaveFailed, "")
			}
			m.st.Session.RecordID = r.RecordID
			return m.enter(Done, now, Status{Light: "ready"})
		}
	case Done, Failed:
		if isTap(ev, "ok") || isTap(ev, "finish") {
			return m.reset()
		}
	case OutOfService:
		if isTap(ev, "tech") {
			m.pin, m.st.Detail = "", ""
			return m.enter(TechPIN, now)
		}
	case TechPIN:
		if tap, ok := ev.(Tap); ok {
			switch {
			case len(tap.Action) == 1 && tap.Action[0] >= '0' && tap.Action[0] <= '9':
				m.pin += tap.Action
				if len(m.pin) >= m.pinDigits() {
					ok, locked := m.checkPIN(m.pin)
					m.pin = ""
					if ok {
						return m.enter(TechMenu, now)
					}
					m.st.Detail = "wrong_pin"
					if locked > 0 {
						m.st.Detail = "pin_locked"
					}
				}
			case tap.Action == "back":
				if n := len(m.pin); n > 0 {
					m.pin = m.pin[:n-1]
				}
			}
		}
	case TechMenu:
		if isTap(ev, "exit") {
			return m.reset()
		}
	}
	return nil
}

// warnSteps are the steps that wait for the candidate, where a time-out is
// announced: the camera steps are kept alive by their checks.
var warnSteps = map[Step]bool{RegistrationInfo: true, LivenessRetry: true, MatchFailed: true, PhotoReview: true, Signature: true}

// stillThere reports whether the "还在吗？" warning is due.
func (m *Machine) stillThere(now time.Time) bool {
	if m.set.WarnBefore <= 0 || m.deadline.IsZero() || !warnSteps[m.st.Step] {
		return false
	}
	return !now.Before(m.deadline.Add(-m.set.WarnBefore))
}

func isTap(ev Event, action string) bool {
	t, ok := ev.(Tap)
	return ok && t.Action == action
}

func (m *Machine) inSession() bool { return m.st.Session != nil }

func (m *Machine) attract(ev Event, now time.Time) []Effect {
	switch ev := ev.(type) {
	case Presence, Tap:
		if t, ok := ev.(Tap); ok && t.Action == "tech" {
			m.pin, m.st.Detail = "", ""
			return m.enter(TechPIN, now)
		}
		return m.enter(PlaceCard, now, WaitCard{}, Status{Light: "busy"})
	case CardReading:
		return m.enter(ReadingCard, now, Status{Light: "busy"})
	case CardRead:
		return m.cardRead(ev, now)
	}
	return nil
}

func (m *Machine) card(ev Event, now time.Time) []Effect {
	switch ev := ev.(type) {
	case CardReading:
		return m.enter(ReadingCard, now)
	case CardRead:
		return m.cardRead(ev, now)
	case CardError:
		p := CardReadFailed
		if ev.Removed {
			p = CardRemoved
		}
		m.st.Problem, m.st.Detail = p, ev.Reason
		return m.enter(CardProblem, now, WaitCardRemoved{})
	}
	return nil
}

func (m *Machine) cardRead(ev CardRead, now time.Time) []Effect {
	m.st.Session = &Session{Started: now, Card: ev.Card, Entered: map[Step]time.Time{}}
	m.st.Session.Entered[PlaceCard] = now
	problem := Problem("")
	var entry RosterEntry
	switch {
	case !ev.Card.Valid:
		problem = CardInvalid
	case ev.Card.Expired:
		problem = CardExpired
	case m.set.RequireRoster:
		e, err := m.roster.Lookup(ev.Card.IDNumber)
		entry = e
		switch {
		case err != nil:
			problem = RosterError
		case e.Status == RosterConfirmed:
			problem = AlreadyConfirmed
		case e.Status != RosterPending:
			problem = NotOnRoster
		}
	}
	if problem != "" {
		m.st.Problem = problem
		// The card is not kept: only what the refusal screen shows
		// remains, until the reset.
		m.st.Refused = Refused{Name: ev.Card.Name, ValidTo: ev.Card.ValidTo, ConfirmedAt: entry.ConfirmedAt}
		m.st.Session = nil
		return m.enter(CardProblem, now, Wipe{}, WaitCardRemoved{})
	}
	if m.set.RequireRoster {
		reg := entry.Registration
		if reg.Name == "" {
			reg.Name = ev.Card.Name
		}
		m.st.Session.Registration = &reg
		return m.enter(RegistrationInfo, now)
	}
	return m.startLiveness(now)
}

// startLiveness draws the challenges and starts a liveness attempt.
func (m *Machine) startLiveness(now time.Time) []Effect {
	m.drawChallenges()
	return m.enter(Liveness, now, StartLiveness{Challenges: m.st.Session.Challenges, Digits: m.st.Session.Digits}, Light{On: true})
}

// drawChallenges picks this attempt's active challenges in an unpredictable
// order, and the digits to read aloud.
func (m *Machine) drawChallenges() {
	set := append([]string(nil), m.set.ChallengeSet...)
	if err := entropy.Shuffle(m.rnd, len(set), func(i, j int) { set[i], set[j] = set[j], set[i] }); err != nil {
		set = m.set.ChallengeSet
	}
	n := m.set.Challenges
	if n > len(set) {
		n = len(set)
	}
	m.st.Session.Challenges = set[:n]
	var d strings.Builder
	for i := 0; i < 4; i++ {
		v, err := entropy.Intn(m.rnd, 10)
		if err != nil {
			v = i
		}
		d.WriteByte(byte('0' + v))
	}
	m.st.Session.Digits = d.String()
}

func (m *Machine) tick(now time.Time) []Effect {
	if m.deadline.IsZero() || now.Before(m.deadline) {
		return nil
	}
	switch m.st.Step {
	case Done, Failed, CardProblem, TechPIN, TechMenu:
		return m.reset()
	case PlaceCard, ReadingCard:
		// Nobody laid a card: back to attract quietly.
		return m.reset()
	case Attract, OutOfService:
		return nil
	}
	return m.fail(TimedOut, "")
}

// enter moves to step s with a fresh deadline and returns the effects.
func (m *Machine) enter(s Step, now time.Time, effects ...Effect) []Effect {
	m.st.Step = s
	if m.st.Session != nil {
		if _, seen := m.st.Session.Entered[s]; !seen {
			m.st.Session.Entered[s] = now
		}
	}
	switch s {
	case Attract, OutOfService:
		m.deadline = time.Time{}
	case Done:
		m.deadline = now.Add(m.set.DoneTimeout)
	case Failed, CardProblem:
		m.deadline = now.Add(m.set.FailTimeout)
	default:
		m.deadline = now.Add(m.set.StepTimeout)
	}
	if s == Liveness || s == Photo {
		effects = append(effects, Light{On: true})
	} else if s == Matching || s == PhotoReview || s == Signature || s == Done || s == Failed || s == CardProblem ||
		s == RegistrationInfo || s == LivenessRetry {
		effects = append(effects, Light{On: false})
	}
	return append([]Effect{Show{Step: s}}, effects...)
}

// fail ends the session with a reason; personal data is wiped at once and
// the failure screen shows only the reason.
func (m *Machine) fail(p Problem, detail string) []Effect {
	now := m.clk.Now()
	m.st.Problem, m.st.Detail, m.st.Hints, m.st.AttemptsLeft = p, detail, nil, 0
	m.st.Session = nil
	return m.enter(Failed, now, Wipe{}, StopDevices{}, Status{Light: "ready"})
}

// reset is the privacy reset: every piece of personal data leaves the
// session and the screen, and the kiosk waits for the next candidate.
func (m *Machine) reset() []Effect {
	// The next candidate starts in the default language.
	m.st = State{Step: Attract, Lang: m.lang0, CardOn: m.st.CardOn}
	m.pin = ""
	now := m.clk.Now()
	if len(m.faults) > 0 {
		for dev := range m.faults {
			return append([]Effect{Wipe{}, StopDevices{}}, m.outOfService(dev, m.codes[dev])...)
		}
	}
	return m.enter(Attract, now, Wipe{}, StopDevices{}, Light{On: false}, Status{Light: "ready"})
}

func (m *Machine) outOfService(device, code string) []Effect {
	if code == "" {
		code = "E-" + strings.ToUpper(device)
	}
	lang := m.st.Lang
	hadSession := m.st.Session != nil
	m.st = State{Step: OutOfService, Lang: lang, Fault: device, FaultCode: code, CardOn: m.st.CardOn}
	effects := []Effect{Status{Light: "fault"}}
	if hadSession {
		effects = append(effects, Wipe{}, StopDevices{})
	}
	return m.enter(OutOfService, m.clk.Now(), effects...)
}
