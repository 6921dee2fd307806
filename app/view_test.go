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
