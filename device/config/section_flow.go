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
}

func (c *FlowConfig) defaults(Profile) {
	c.MatchAttempts, c.PhotoAttempts, c.SignAttempts = 3, 3, 3
	c.StepTimeout = Duration(60 * time.Second)
	c.DoneTimeout = Duration(10 * time.Second)
	c.FailTimeout = Duration(15 * time.Second)
	c.RequireRoster = true
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
	for _, d := range []struct {
		k string
		v Duration
	}{{"step_timeout", c.StepTimeout}, {"done_timeout", c.DoneTimeout}, {"fail_timeout", c.FailTimeout}} {
		if d.v.D() < time.Second || d.v.D() > 10*time.Minute {
			add(d.k, fmt.Sprintf("%s: want 1s..10m", d.v))
		}
	}
}
