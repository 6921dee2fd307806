package app

import (
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/liveness"
	"github.com/hbzk/kiosk/ui"
)

func TestGuidanceShowsKeysOrTheCheckWords(t *testing.T) {
	for _, tc := range []struct{ code, lang, want string }{
		{"", "zh", ""},
		{liveness.CodeNoFace, "zh", ui.GuideNoFace},
		{liveness.CodeCentre, "en", ui.GuideCentre},
		{liveness.CodeSecondFace, "zh", ui.GuideOneFace},
		{liveness.CodeSpoof, "en", liveness.ReasonFor(liveness.CodeSpoof).EN},
		{liveness.CodeSpoof, "zh", liveness.ReasonFor(liveness.CodeSpoof).ZH},
	} {
		if got := guideText(tc.code, tc.lang); got != tc.want {
			t.Errorf("guideText(%q, %s) = %q, want %q", tc.code, tc.lang, got, tc.want)
		}
	}
}

func TestRetryAndFailureSayWhyLivenessFailed(t *testing.T) {
	lv := &live{}
	now := time.Now()
	st := flow.State{Step: flow.Liveness, Lang: "en", Detail: liveness.CodeNoBlink}
	v := screen(st, lv, now, "", 6).(ui.Liveness)
	if v.Guidance != liveness.ReasonFor(liveness.CodeNoBlink).EN {
		t.Errorf("retry guidance %q", v.Guidance)
	}
	lv.guidance = liveness.CodeMoveCloser
	if v := screen(st, lv, now, "", 6).(ui.Liveness); v.Guidance != ui.GuideMoveCloser {
		t.Errorf("live guidance %q", v.Guidance)
	}
	st = flow.State{Step: flow.Failed, Lang: "zh", Problem: flow.LivenessFailed, Detail: liveness.CodeNoBlink}
	if f := screen(st, lv, now, "", 6).(ui.Failure); f.Reason != liveness.ReasonFor(liveness.CodeNoBlink).ZH {
		t.Errorf("failure reason %q", f.Reason)
	}
	st = flow.State{Step: flow.Failed, Problem: flow.TimedOut}
	if f := screen(st, lv, now, "", 6).(ui.Failure); f.Reason != ui.ReasonTimeout {
		t.Errorf("timeout reason %q", f.Reason)
	}
}

// The failure and refusal screens ask for the card back only while one
// lies on the reader.
func TestTakeCardOnlyWhileTheCardIsOn(t *testing.T) {
	lv := &live{}
	now := time.Now()
	for _, on := range []bool{true, false} {
		st := flow.State{Step: flow.Failed, Problem: flow.TimedOut, CardOn: on}
		if f := screen(st, lv, now, "", 6).(ui.Failure); f.TakeCard != on {
			t.Errorf("card on %v: failure TakeCard %v", on, f.TakeCard)
		}
		st = flow.State{Step: flow.CardProblem, Problem: flow.NotOnRoster, CardOn: on, Refused: flow.Refused{Name: "李明"}}
		if f := screen(st, lv, now, "", 6).(ui.NotOnRoster); f.TakeCard != on || f.Candidate != "李明" {
			t.Errorf("card on %v: %+v", on, f)
		}
	}
}

func TestMaskID(t *testing.T) {
	for in, want := range map[string]string{
		"420106199003072113": "4201**********2113",
		"USA310870409023":    "USA3*******9023",
		"1234567":            "*******",
		"":                   "",
	} {
		if got := MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
}
