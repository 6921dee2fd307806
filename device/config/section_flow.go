package config

import (
	"fmt"
	"time"
)

// FlowConfig is the candidate session: limits and time-outs.
type FlowConfig struct {
	MatchAttempts int      `toml:"match_attempts" comment:"face-match attempts before the session fails"`
	PhotoAttempts int      `toml:"photo_attempts"`
	SignAttempts  int      `toml:"sign_attempts"`
	StepTimeout   Duration `toml:"step_timeout" comment:"a step with no progress for this long ends the session"`
	DoneTimeout   Duration `toml:"done_timeout" comment:"how long the done screen shows before personal data is cleared"`
	FailTimeout   Duration `toml:"fail_timeout"`
	RequireRoster bool     `toml:"require_roster" comment:"the card's ID number must be on the roster"`
	WarnBefore    Duration `toml:"warn_before" comment:"ask \"还在吗？\" this long before a step times out (0: never)"`
	PhotoCount    int      `toml:"photo_countdown" comment:"seconds counted down (3-2-1) before the registration photo is taken (0: none)"`
}

func (c *FlowConfig) defaults(Profile) {
	c.MatchAttempts, c.PhotoAttempts, c.SignAttempts = 3, 3, 3
	c.StepTimeout = Duration(60 * time.Second)
	c.DoneTimeout = Duration(10 * time.Second)
	c.FailTimeout = Duration(15 * time.Second)
	c.RequireRoster = true
	c.WarnBefore = Duration(15 * time.Second)
	c.PhotoCount = 3
}

func (c *FlowConfig) validate(add func(key, msg string)) {
	for _, a := range []struct {
		k string
		v int
	}{{"match_attempts", c.MatchAttempts}, {"photo_attempts", c.PhotoAttempts}, {"sign_attempts", c.SignAttempts}} {
		if a.v < 1 || a.v > 10 {
			add(a.k, fmt.Sprintf("%d: want 1..10", a.v))
		}
	}
	if c.WarnBefore < 0 || c.WarnBefore >= c.StepTimeout {
		add("warn_before", fmt.Sprintf("%s: want 0 up to below step_timeout", c.WarnBefore))
	}
	if c.PhotoCount < 0 || c.PhotoCount > 10 {
		add("photo_countdown", fmt.Sprintf("%d: want 0..10", c.PhotoCount))
	}
	for _, d := range []struct {
		k string
		v Duration
	}{{"step_timeout", c.StepTimeout}, {"done_timeout", c.DoneTimeout}, {"fail_timeout", c.FailTimeout}} {
		if d.v.D() < time.Second || d.v.D() > 10*time.Minute {
			add(d.k, fmt.Sprintf("%s: want 1s..10m", d.v))
		}
	}
}
