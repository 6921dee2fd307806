package flow

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/entropy"
)

type roster map[string]RosterStatus

func (r roster) Lookup(id string) (RosterEntry, error) {
	if id == "boom" {
		return RosterEntry{}, errors.New("roster: database locked")
	}
	e := RosterEntry{Status: r[id]}
	switch e.Status {
	case RosterConfirmed:
		e.ConfirmedAt = confirmedAt
	case RosterPending:
		e.Registration = Registration{Name: "张三", RegistrationNo: "0126110300123", ExamPeriod: "2026年10月", Subjects: []string{"00015 英语（二）"}, Site: "海淀区自考办"}
	}
	return e, nil
}

var confirmedAt = time.Date(2026, 11, 25, 10, 12, 0, 0, time.UTC)

// readPending lays a pending candidate's card and confirms the
// registration shown: the liveness check starts.
func readPending(t *testing.T, m *Machine) []Effect {
	t.Helper()
	step(t, m, CardRead{Card: card(pending)}, RegistrationInfo)
	if r := m.State().Session.Registration; r == nil || r.RegistrationNo != "0126110300123" {
		t.Fatalf("registration %+v", r)
	}
	return step(t, m, Tap{Action: "confirm_identity"}, Liveness)
}

var settings = Settings{
	MatchAttempts: 3, PhotoAttempts: 3, SignAttempts: 3,
	StepTimeout: 60 * time.Second, DoneTimeout: 10 * time.Second, FailTimeout: 15 * time.Second,
	RequireRoster: true, Challenges: 2, ChallengeSet: []string{"blink", "turn_left", "turn_right", "nod", "read_digits"},
	TechPIN: "2468",
}

const pending, confirmed = "420106199003072113", "110101199003074514"

func newMachine(t *testing.T) (*Machine, *clocktest.Fake) {
	clk := clocktest.New(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
	return New(settings, "zh", clk, entropy.Seeded(1), roster{pending: RosterPending, confirmed: RosterConfirmed}), clk
}

func card(id string) Card { return Card{IDNumber: id, Name: "张三", Valid: true, Raw: "raw card"} }

// has reports whether effects contain one of the type of want.
func has(effects []Effect, want Effect) bool {
	for _, e := range effects {
		if reflect.TypeOf(e) == reflect.TypeOf(want) {
			return true
		}
	}
	return false
}

func step(t *testing.T, m *Machine, ev Event, want Step) []Effect {
	t.Helper()
	eff := m.Handle(ev)
	if got := m.State().Step; got != want {
		t.Fatalf("after %T%+v: step %s, want %s (state %+v)", ev, ev, got, want, m.State())
	}
	return eff
}

// toSignature walks a session up to the signature screen.
func toSignature(t *testing.T, m *Machine) {
	t.Helper()
	step(t, m, Presence{}, PlaceCard)
	step(t, m, CardReading{}, ReadingCard)
	eff := readPending(t, m)
	if !has(eff, StartLiveness{}) || !has(eff, Light{}) {
		t.Fatalf("liveness effects %v", eff)
	}
	step(t, m, LivenessDone{Passed: true, Raw: "frames"}, Matching)
	step(t, m, MatchDone{Score: 0.7, Threshold: 0.3, Match: true}, Photo)
	step(t, m, PhotoDone{OK: true, Raw: "jpeg"}, PhotoReview)
	step(t, m, Tap{Action: "use_photo"}, Signature)
}

func TestHappyPath(t *testing.T) {
	m, clk := newMachine(t)
	toSignature(t, m)
	eff := step(t, m, Tap{Action: "confirm"}, Signature)
	if !has(eff, CheckSignature{}) {
		t.Fatalf("confirm: %v", eff)
	}
	eff = step(t, m, SignatureDone{Valid: true, Raw: "strokes"}, Saving)
	var commit Commit
	for _, e := range eff {
		if c, ok := e.(Commit); ok {
			commit = c
		}
	}
	s := commit.Session
	if s == nil || s.Card.Raw != "raw card" || s.Photo != "jpeg" || s.Signature != "strokes" || s.Match.Score != 0.7 || len(s.Challenges) != 2 || len(s.Digits) != 4 {
		t.Fatalf("commit carries %+v", s)
	}
	for _, st := range []Step{PlaceCard, Liveness, Matching, Photo, PhotoReview, Signature, Saving} {
		if _, ok := s.Entered[st]; !ok {
			t.Errorf("no time for step %s", st)
		}
	}
	step(t, m, Saved{RecordID: "r1"}, Done)
	if m.State().Session.RecordID != "r1" {
		t.Error("record id not kept for the done screen")
	}
	clk.Advance(9 * time.Second)
	step(t, m, Tick{}, Done)
	clk.Advance(time.Second)
	eff = step(t, m, Tick{}, Attract)
	if !has(eff, Wipe{}) || m.State().Session != nil {
		t.Fatal("done timeout did not wipe the session")
	}
}

func TestCardProblems(t *testing.T) {
	for _, tc := range []struct {
		card Card
		want Problem
	}{
		{Card{IDNumber: "999", Valid: true}, NotOnRoster},
		{card(confirmed), AlreadyConfirmed},
		{Card{IDNumber: pending, Valid: true, Expired: true}, CardExpired},
		{Card{IDNumber: pending, Valid: false}, CardInvalid},
		{Card{IDNumber: "boom", Valid: true}, RosterError},
	} {
		t.Run(string(tc.want), func(t *testing.T) {
			m, clk := newMachine(t)
			step(t, m, Presence{}, PlaceCard)
			eff := step(t, m, CardRead{Card: tc.card}, CardProblem)
			if m.State().Problem != tc.want || m.State().Session != nil || !has(eff, Wipe{}) {
				t.Fatalf("state %+v effects %v", m.State(), eff)
			}
			clk.Advance(settings.FailTimeout)
			step(t, m, Tick{}, Attract)
		})
	}
}

func TestCardReadFailedCanBeRetried(t *testing.T) {
	m, _ := newMachine(t)
	step(t, m, Presence{}, PlaceCard)
	step(t, m, CardError{Removed: true}, CardProblem)
	if m.State().Problem != CardRemoved {
		t.Fatal(m.State().Problem)
	}
	eff := step(t, m, Tap{Action: "retry"}, PlaceCard)
	if !has(eff, WaitCard{}) {
		t.Fatal(eff)
	}
}

func TestMatchAttempts(t *testing.T) {
	m, _ := newMachine(t)
	step(t, m, Presence{}, PlaceCard)
	readPending(t, m)
	for i := 1; i <= 3; i++ {
		step(t, m, LivenessDone{Passed: true}, Matching)
		if i == 3 {
			eff := step(t, m, MatchDone{Score: 0.1, Threshold: 0.3}, Failed)
			if m.State().Problem != FaceMismatch || m.State().Session != nil || !has(eff, Wipe{}) {
				t.Fatalf("%+v", m.State())
			}
			return
		}
		step(t, m, MatchDone{Score: 0.1, Threshold: 0.3}, MatchFailed)
		if m.State().AttemptsLeft != 3-i {
			t.Fatalf("attempts left %d", m.State().AttemptsLeft)
		}
		before := m.State().Session.Challenges
		eff := step(t, m, Tap{Action: "retry"}, Liveness)
		if !has(eff, StartLiveness{}) {
			t.Fatal(eff)
		}
		_ = before
	}
}

func TestLivenessFailureRetriesThenFails(t *testing.T) {
	m, _ := newMachine(t)
	step(t, m, Presence{}, PlaceCard)
	readPending(t, m)
	// Issue 12: a retry waits for the candidate's tap (重试).
	eff := step(t, m, LivenessDone{Reason: "we could not see you blink"}, LivenessRetry)
	if m.State().Detail == "" || m.State().AttemptsLeft != 2 || has(eff, StartLiveness{}) {
		t.Fatalf("reason not shown or retry started at once: %+v %v", m.State(), eff)
	}
	step(t, m, Tick{}, LivenessRetry)
	eff = step(t, m, Tap{Action: "retry"}, Liveness)
	if !has(eff, StartLiveness{}) {
		t.Fatal(eff)
	}
	step(t, m, LivenessDone{}, LivenessRetry)
	step(t, m, Tap{Action: "retry"}, Liveness)
	step(t, m, LivenessDone{Reason: "x"}, Failed)
	if m.State().Problem != LivenessFailed {
		t.Fatal(m.State().Problem)
	}
}

func TestPhotoHintsRetakeAndLimit(t *testing.T) {
	m, _ := newMachine(t)
	toSignatureUntilPhoto := func() {
		step(t, m, Presence{}, PlaceCard)
		readPending(t, m)
		step(t, m, LivenessDone{Passed: true}, Matching)
		step(t, m, MatchDone{Match: true}, Photo)
	}
	toSignatureUntilPhoto()
	step(t, m, PhotoDone{Failed: []string{"eyes_open", "sharpness"}}, Photo)
	if got := m.State().Hints; len(got) != 2 || m.State().AttemptsLeft != 2 {
		t.Fatalf("hints %v left %d", got, m.State().AttemptsLeft)
	}
	step(t, m, PhotoDone{OK: true, Raw: 1}, PhotoReview)
	step(t, m, Tap{Action: "retake"}, Photo)
	step(t, m, PhotoDone{Failed: []string{"framing"}}, Failed)
	if m.State().Problem != PhotoFailed {
		t.Fatal(m.State().Problem)
	}
}

func TestSignatureRefusedThenAccepted(t *testing.T) {
	m, _ := newMachine(t)
	toSignature(t, m)
	eff := step(t, m, SignatureDone{Reasons: []string{"too_few_points"}, Reason: "请写下完整的签名"}, Signature)
	if !has(eff, ClearSignature{}) || m.State().AttemptsLeft != 2 || m.State().Hints[0] != "too_few_points" {
		t.Fatalf("%v %+v", eff, m.State())
	}
	eff = step(t, m, Tap{Action: "clear"}, Signature)
	if !has(eff, ClearSignature{}) || m.State().Hints != nil {
		t.Fatal("clear did not clear")
	}
	step(t, m, SignatureDone{Valid: true}, Saving)
}

func TestSaveFailureGoesOutOfService(t *testing.T) {
	m, clk := newMachine(t)
	toSignature(t, m)
	step(t, m, SignatureDone{Valid: true}, Saving)
	// The candidate is told first that nothing was confirmed.
	eff := step(t, m, Saved{Err: "store: disk full"}, Failed)
	if !has(eff, Wipe{}) || m.State().Session != nil || m.State().Problem != SaveFailed {
		t.Fatalf("%v %+v", eff, m.State())
	}
	step(t, m, Tap{Action: "ok"}, OutOfService)
	if m.State().Fault != "store" || m.State().FaultCode != "E-STORE" {
		t.Fatalf("%+v", m.State())
	}
	clk.Advance(time.Hour)
	step(t, m, Tick{}, OutOfService)
	step(t, m, Presence{}, OutOfService)
	step(t, m, DeviceFault{Device: "store"}, Attract)
}

func TestCancelAndTimeoutAtEveryStepWipe(t *testing.T) {
	steps := []struct {
		name string
		to   func(m *Machine)
		at   Step
	}{
		{"liveness", func(m *Machine) {
			m.Handle(Presence{})
			m.Handle(CardRead{Card: card(pending)})
			m.Handle(Tap{Action: "confirm_identity"})
		}, Liveness},
		{"signature", func(m *Machine) { toSignature(t, m) }, Signature},
	}
	for _, s := range steps {
		for _, how := range []string{"cancel", "timeout"} {
			t.Run(s.name+"/"+how, func(t *testing.T) {
				m, clk := newMachine(t)
				s.to(m)
				if m.State().Step != s.at {
					t.Fatalf("at %s", m.State().Step)
				}
				var eff []Effect
				if how == "cancel" {
					eff = step(t, m, Tap{Action: "cancel"}, Attract)
				} else {
					clk.Advance(settings.StepTimeout)
					eff = step(t, m, Tick{}, Failed)
					if m.State().Problem != TimedOut {
						t.Fatal(m.State().Problem)
					}
				}
				if !has(eff, Wipe{}) || !has(eff, StopDevices{}) || m.State().Session != nil {
					t.Fatalf("no privacy reset: %v", eff)
				}
			})
		}
	}
}

func TestPenActivityKeepsSignatureAlive(t *testing.T) {
	m, clk := newMachine(t)
	toSignature(t, m)
	for i := 0; i < 5; i++ {
		clk.Advance(50 * time.Second)
		m.Handle(PenActivity{})
		step(t, m, Tick{}, Signature)
	}
}

func TestLanguageSwitchKeepsStep(t *testing.T) {
	m, _ := newMachine(t)
	toSignature(t, m)
	step(t, m, Tap{Action: "lang"}, Signature)
	if m.State().Lang != "en" {
		t.Fatal(m.State().Lang)
	}
	// Issue 12: the next candidate starts in the default language.
	m.Handle(Tap{Action: "cancel"})
	if m.State().Lang != "zh" {
		t.Fatal("language not reset for the next candidate")
	}
}

func TestChallengesAreDrawnFromTheSetInVaryingOrder(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(0); seed < 30; seed++ {
		clk := clocktest.New(time.Now())
		m := New(settings, "zh", clk, entropy.Seeded(seed), roster{pending: RosterPending})
		m.Handle(Presence{})
		m.Handle(CardRead{Card: card(pending)})
		m.Handle(Tap{Action: "confirm_identity"})
		c := m.State().Session.Challenges
		if len(c) != 2 || c[0] == c[1] {
			t.Fatalf("challenges %v", c)
		}
		seen[fmt.Sprint(c)] = true
	}
	if len(seen) < 8 {
		t.Errorf("only %d different sequences in 30 sessions", len(seen))
	}
}

func TestDeviceFaultAndRecovery(t *testing.T) {
	m, clk := newMachine(t)
	eff := step(t, m, DeviceFault{Device: "sigpad", Err: "sigpad: gone", Code: "E-SIG"}, OutOfService)
	if !has(eff, Status{}) || m.State().FaultCode != "E-SIG" {
		t.Fatal(eff, m.State())
	}
	// A second device, then each recovers: out of service until both do.
	step(t, m, DeviceFault{Device: "idcard", Err: "sam: timeout", Code: "E-IDCARD"}, OutOfService)
	step(t, m, DeviceFault{Device: "sigpad"}, OutOfService)
	clk.Advance(time.Hour)
	step(t, m, Tick{}, OutOfService)
	step(t, m, DeviceFault{Device: "idcard"}, Attract)
}

// Issue 12: a device failing mid-session tells the candidate that nothing
// was confirmed and to take the card, then goes out of service.
func TestDeviceFaultMidSessionTellsTheCandidate(t *testing.T) {
	m, clk := newMachine(t)
	toSignature(t, m)
	eff := step(t, m, DeviceFault{Device: "sigpad", Err: "sigpad: gone", Code: "E-SIGPAD"}, Failed)
	st := m.State()
	if st.Problem != DeviceFailed || st.Detail != "sigpad" || st.Session != nil || !has(eff, Wipe{}) || !has(eff, StopDevices{}) {
		t.Fatalf("%v %+v", eff, st)
	}
	if !st.CardOn {
		t.Error("the card still lies on the reader: the screen must ask to take it")
	}
	clk.Advance(settings.FailTimeout)
	step(t, m, Tick{}, OutOfService)
	if m.State().FaultCode != "E-SIGPAD" {
		t.Fatalf("%+v", m.State())
	}
	step(t, m, CardGone{}, OutOfService)
	step(t, m, DeviceFault{Device: "sigpad"}, Attract)
	if m.State().CardOn {
		t.Error("card still marked on the reader")
	}
}

// Issue 12: the technician corner works on the out-of-service screen, and a
// fault arriving meanwhile waits until the technician leaves.
func TestTechnicianCornerOutOfService(t *testing.T) {
	m, _ := newMachine(t)
	step(t, m, DeviceFault{Device: "idcard", Err: "sam: gone", Code: "E-IDCARD"}, OutOfService)
	step(t, m, Tap{Action: "tech"}, TechPIN)
	for _, d := range "246" {
		step(t, m, Tap{Action: string(d)}, TechPIN)
	}
	step(t, m, DeviceFault{Device: "camera", Err: "no frames", Code: "E-CAMERA"}, TechPIN)
	step(t, m, Tap{Action: "8"}, TechMenu)
	step(t, m, DeviceFault{Device: "camera"}, TechMenu)
	step(t, m, Tap{Action: "exit"}, OutOfService)
	if m.State().Fault != "idcard" || m.State().FaultCode != "E-IDCARD" {
		t.Fatalf("%+v", m.State())
	}
	step(t, m, DeviceFault{Device: "idcard"}, Attract)
}

func TestTechnicianPIN(t *testing.T) {
	m, _ := newMachine(t)
	step(t, m, Tap{Action: "tech"}, TechPIN)
	for _, d := range "1111" {
		m.Handle(Tap{Action: string(d)})
	}
	if m.State().Step != TechPIN || m.State().Detail != "wrong_pin" {
		t.Fatal("wrong PIN accepted")
	}
	for _, d := range "2468" {
		m.Handle(Tap{Action: string(d)})
	}
	step(t, m, Tick{}, TechMenu)
	step(t, m, Tap{Action: "exit"}, Attract)
}

// lockingPIN is a PINGuard that locks after the first wrong entry.
type lockingPIN struct{ wrong int }

func (*lockingPIN) Digits() int { return 6 }
func (g *lockingPIN) Check(pin string) (bool, time.Duration) {
	if g.wrong > 0 {
		return false, time.Minute
	}
	if pin == "258013" {
		return true, 0
	}
	g.wrong++
	return false, 0
}

func TestTechnicianPINGuard(t *testing.T) {
	m, _ := newMachine(t)
	m.set.PIN = &lockingPIN{}
	step(t, m, Tap{Action: "tech"}, TechPIN)
	enter := func(pin string) {
		for _, d := range pin {
			m.Handle(Tap{Action: string(d)})
		}
	}
	enter("2580") // shorter than the guard's six digits: not checked yet
	if m.State().Detail != "" || m.State().PIN != 4 {
		t.Fatalf("checked before six digits: %+v", m.State())
	}
	enter("99")
	if m.State().Detail != "wrong_pin" {
		t.Fatalf("wrong PIN: %q", m.State().Detail)
	}
	enter("258013") // the right PIN while locked is refused
	if m.State().Step != TechPIN || m.State().Detail != "pin_locked" {
		t.Fatalf("locked pad: %v %q", m.State().Step, m.State().Detail)
	}
}

// The liveness check and the photo step end by their own limits on the
// camera's frames; while they report work, the step timeout (wall clock)
// does not end them, however slowly the frames are analysed. A check that
// stops reporting is still timed out.
func TestWorkingKeepsMachineStepsAlive(t *testing.T) {
	m, clk := newMachine(t)
	step(t, m, Presence{}, PlaceCard)
	step(t, m, CardReading{}, ReadingCard)
	readPending(t, m)
	for i := 0; i < 5; i++ {
		clk.Advance(settings.StepTimeout - time.Second)
		step(t, m, Working{}, Liveness)
		step(t, m, Tick{}, Liveness)
	}
	step(t, m, LivenessDone{Passed: true}, Matching)
	step(t, m, MatchDone{Score: 0.7, Threshold: 0.3, Match: true}, Photo)
	clk.Advance(settings.StepTimeout - time.Second)
	step(t, m, Working{}, Photo)
	clk.Advance(settings.StepTimeout - time.Second)
	step(t, m, Tick{}, Photo)
	clk.Advance(time.Second)
	step(t, m, Tick{}, Failed)
	if m.State().Problem != TimedOut {
		t.Errorf("problem %s, want %s", m.State().Problem, TimedOut)
	}
	// Elsewhere Working changes nothing: a card wait still times out.
	m, clk = newMachine(t)
	step(t, m, Presence{}, PlaceCard)
	clk.Advance(settings.StepTimeout - time.Second)
	step(t, m, Working{}, PlaceCard)
	clk.Advance(time.Second)
	step(t, m, Tick{}, Attract)
}

// Issue 12: the refusal screens show the refused card's name and dates,
// though the session is wiped.
func TestRefusalsKeepWhatTheScreenShows(t *testing.T) {
	validTo := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		card Card
		want Refused
	}{
		{Card{IDNumber: "999", Name: "李明", Valid: true}, Refused{Name: "李明"}},
		{Card{IDNumber: confirmed, Name: "王芳", Valid: true}, Refused{Name: "王芳", ConfirmedAt: confirmedAt}},
		{Card{IDNumber: pending, Name: "赵六", Valid: true, Expired: true, ValidTo: validTo}, Refused{Name: "赵六", ValidTo: validTo}},
	} {
		m, _ := newMachine(t)
		step(t, m, Presence{}, PlaceCard)
		eff := step(t, m, CardRead{Card: tc.card}, CardProblem)
		st := m.State()
		if st.Session != nil || !has(eff, Wipe{}) || st.Refused != tc.want {
			t.Errorf("%s: refused %+v, want %+v (session %v)", tc.card.Name, st.Refused, tc.want, st.Session)
		}
		step(t, m, Tap{Action: "cancel"}, Attract)
		if m.State().Refused != (Refused{}) {
			t.Errorf("the refused name outlives the reset: %+v", m.State().Refused)
		}
	}
}

// The registration screen: 「不是我 / 离开」 ends the session, wiped.
func TestRegistrationNotMeEndsTheSession(t *testing.T) {
	m, _ := newMachine(t)
	step(t, m, Presence{}, PlaceCard)
	eff := step(t, m, CardRead{Card: card(pending)}, RegistrationInfo)
	if has(eff, StartLiveness{}) {
		t.Fatal("liveness started before the candidate confirmed the registration")
	}
	eff = step(t, m, Tap{Action: "not_me"}, Attract)
	if !has(eff, Wipe{}) || m.State().Session != nil {
		t.Fatalf("not wiped: %v", eff)
	}
}

// Issue 12: 确认 on an empty pad says 请先签名 and uses no attempt; the
// attempts left are on the screen; the last refusal keeps its own reason.
func TestEmptySignatureUsesNoAttempt(t *testing.T) {
	m, _ := newMachine(t)
	toSignature(t, m)
	if m.State().AttemptsLeft != 3 {
		t.Fatalf("attempts left %d", m.State().AttemptsLeft)
	}
	for i := 0; i < 5; i++ {
		step(t, m, SignatureDone{Reasons: []string{"empty"}, Reason: "请先签名"}, Signature)
	}
	if m.State().AttemptsLeft != 3 || m.State().Hints[0] != "empty" {
		t.Fatalf("%+v", m.State())
	}
	step(t, m, SignatureDone{Reasons: []string{"too_small"}}, Signature)
	step(t, m, SignatureDone{Reasons: []string{"too_small"}}, Signature)
	if m.State().AttemptsLeft != 1 {
		t.Fatalf("attempts left %d", m.State().AttemptsLeft)
	}
	step(t, m, SignatureDone{Reasons: []string{"too_small"}}, Failed)
	if m.State().Problem != SignatureFailed || m.State().Detail != "too_small" {
		t.Fatalf("%+v", m.State())
	}
}

// Issue 12: "还在吗？" some seconds before a step's time-out; continue
// gives the step its time again.
func TestStillThereWarning(t *testing.T) {
	s := settings
	s.WarnBefore = 10 * time.Second
	clk := clocktest.New(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
	m := New(s, "zh", clk, entropy.Seeded(1), roster{pending: RosterPending})
	toSignature(t, m)
	clk.Advance(s.StepTimeout - 11*time.Second)
	if m.State().StillThere {
		t.Fatal("warned too early")
	}
	clk.Advance(2 * time.Second)
	if !m.State().StillThere {
		t.Fatal("no warning 9 s before the time-out")
	}
	step(t, m, Tap{Action: "continue"}, Signature)
	if m.State().StillThere {
		t.Fatal("continue did not clear the warning")
	}
	clk.Advance(s.StepTimeout - time.Second)
	step(t, m, Tick{}, Signature)
	clk.Advance(time.Second)
	step(t, m, Tick{}, Failed)
}

// The large-text mode switched on at attract lasts the candidate's
// session and ends with the privacy reset.
func TestLargeTextLastsTheSession(t *testing.T) {
	m, _ := newMachine(t)
	step(t, m, Tap{Action: "large_text"}, Attract)
	if !m.State().LargeText {
		t.Fatal("large text not on")
	}
	toSignature(t, m)
	if !m.State().LargeText {
		t.Fatal("large text lost in the session")
	}
	step(t, m, Tap{Action: "cancel"}, Attract)
	if m.State().LargeText {
		t.Fatal("large text kept for the next candidate")
	}
}
