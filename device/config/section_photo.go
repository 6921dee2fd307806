package config

import "fmt"

// LivenessConfig is the presence check.
type LivenessConfig struct {
	Challenges    int      `toml:"challenges" comment:"how many active challenges, drawn at random"`
	ChallengeSet  []string `toml:"challenge_set" comment:"blink, turn_left, turn_right, nod, read_digits"`
	ChallengeTime Duration `toml:"challenge_time" comment:"time limit of each challenge"`
	PassiveMin    float64  `toml:"passive_min" comment:"anti-spoof live probability a face must keep on average (docs/liveness.md)"`
	AnalyzeEvery  int      `toml:"analyze_every" comment:"analyse one camera frame in this many (one analysis takes about 40 ms on one core)"`
}

func (c *LivenessConfig) defaults(Profile) {
	c.Challenges = 2
	c.ChallengeSet = []string{"blink", "turn_left", "turn_right", "nod", "read_digits"}
	c.ChallengeTime = Duration(8e9)
	c.PassiveMin = 0.35
	c.AnalyzeEvery = 2
}

// KnownChallenges are the active challenges the kiosk can ask for.
var KnownChallenges = []string{"blink", "turn_left", "turn_right", "nod", "read_digits"}

func (c *LivenessConfig) validate(add func(key, msg string)) {
	if c.Challenges < 0 || c.Challenges > len(KnownChallenges) {
		add("challenges", fmt.Sprintf("%d: want 0..%d", c.Challenges, len(KnownChallenges)))
	}
	for _, s := range c.ChallengeSet {
		ok := false
		for _, k := range KnownChallenges {
			ok = ok || s == k
		}
		if !ok {
			add("challenge_set", fmt.Sprintf("unknown challenge %q (known: blink, turn_left, turn_right, nod, read_digits)", s))
		}
	}
	if len(c.ChallengeSet) < c.Challenges {
		add("challenge_set", fmt.Sprintf("has %d challenges, fewer than liveness.challenges = %d", len(c.ChallengeSet), c.Challenges))
	}
	if c.ChallengeTime.D() < 2e9 || c.ChallengeTime.D() > 60e9 {
		add("challenge_time", fmt.Sprintf("%s: want 2s..60s", c.ChallengeTime))
	}
	if c.PassiveMin < 0 || c.PassiveMin > 1 {
		add("passive_min", fmt.Sprintf("%v: want 0..1", c.PassiveMin))
	}
	if c.AnalyzeEvery < 1 || c.AnalyzeEvery > 10 {
		add("analyze_every", fmt.Sprintf("%d: want 1..10", c.AnalyzeEvery))
	}
}

// PhotoConfig is the registration photo specification.
type PhotoConfig struct {
	Width             int    `toml:"width" comment:"registration photo width, pixels"`
	Height            int    `toml:"height"`
	MaxBytes          int    `toml:"max_bytes" comment:"largest JPEG file, bytes"`
	Background        string `toml:"background" comment:"background colour, #RRGGBB (light blue)"`
	ReplaceBackground bool   `toml:"replace_background" comment:"replace a non-uniform backdrop with the background colour"`
}

func (c *PhotoConfig) defaults(Profile) {
	c.Width, c.Height, c.MaxBytes = 360, 480, 40*1024
	c.Background = "#438EDB"
	c.ReplaceBackground = true
}

func (c *PhotoConfig) validate(add func(key, msg string)) {
	if c.Width < 100 || c.Width > 2000 {
		add("width", fmt.Sprintf("%d: want 100..2000", c.Width))
	}
	if c.Height < 100 || c.Height > 2000 {
		add("height", fmt.Sprintf("%d: want 100..2000", c.Height))
	}
	if c.MaxBytes < 5*1024 {
		add("max_bytes", fmt.Sprintf("%d: want at least 5120", c.MaxBytes))
	}
	if _, err := ParseColor(c.Background); err != nil {
		add("background", err.Error())
	}
}

// ParseColor reads "#RRGGBB".
func ParseColor(s string) ([3]uint8, error) {
	var c [3]uint8
	if len(s) != 7 || s[0] != '#' {
		return c, fmt.Errorf("%q: want #RRGGBB", s)
	}
	for i := 0; i < 3; i++ {
		var v uint8
		if _, err := fmt.Sscanf(s[1+2*i:3+2*i], "%02x", &v); err != nil {
			return c, fmt.Errorf("%q: want #RRGGBB", s)
		}
		c[i] = v
	}
	return c, nil
}
