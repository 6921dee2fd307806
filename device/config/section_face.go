package config

import "fmt"

// FaceConfig is the 1:1 face match.
type FaceConfig struct {
	// Threshold overrides the manifest's calibrated threshold when > 0.
	Threshold float64 `toml:"threshold" comment:"cosine-similarity match threshold; 0 = the model manifest's calibrated value"`
	MinFacePx int     `toml:"min_face_px" comment:"smallest face (box width, pixels) the detector reports"`
	Threads   int     `toml:"threads" comment:"OpenCV threads (0 = OpenCV's default)"`
}

func (c *FaceConfig) defaults(Profile) {
	c.MinFacePx = 40
	c.Threads = 1
}

func (c *FaceConfig) validate(add func(key, msg string)) {
	if c.Threshold < 0 || c.Threshold >= 1 {
		add("threshold", fmt.Sprintf("%v: want 0 (manifest) or 0..1", c.Threshold))
	}
	if c.MinFacePx < 16 {
		add("min_face_px", fmt.Sprintf("%d: want at least 16", c.MinFacePx))
	}
	if c.Threads < 0 || c.Threads > 64 {
		add("threads", fmt.Sprintf("%d: want 0..64", c.Threads))
	}
}

// LivenessConfig is the presence check.
type LivenessConfig struct {
	Challenges    int      `toml:"challenges" comment:"how many active challenges, drawn at random"`
	ChallengeSet  []string `toml:"challenge_set" comment:"blink, turn_left, turn_right, nod, read_digits"`
	ChallengeTime Duration `toml:"challenge_time" comment:"time limit of each challenge"`
	PassiveMin    float64  `toml:"passive_min" comment:"smoothed anti-spoof score a live face must keep"`
}

func (c *LivenessConfig) defaults(Profile) {
	c.Challenges = 2
	c.ChallengeSet = []string{"blink", "turn_left", "turn_right", "nod", "read_digits"}
	c.ChallengeTime = Duration(8e9)
	c.PassiveMin = 0.5
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

// SignatureConfig is the signature acceptance rules.
type SignatureConfig struct {
	MinPoints   int      `toml:"min_points" comment:"fewest pen-down samples of a signature"`
	MinDuration Duration `toml:"min_duration"`
	MinInk      float64  `toml:"min_ink" comment:"shortest ink length, as a fraction of the pad's width"`
	MinBox      float64  `toml:"min_box" comment:"smallest bounding box side, as a fraction of the pad's height"`
}

func (c *SignatureConfig) defaults(Profile) {
	c.MinPoints, c.MinDuration, c.MinInk, c.MinBox = 30, Duration(500e6), 0.5, 0.08
}

func (c *SignatureConfig) validate(add func(key, msg string)) {
	if c.MinPoints < 2 {
		add("min_points", "want at least 2")
	}
	if c.MinInk < 0 || c.MinInk > 20 {
		add("min_ink", fmt.Sprintf("%v: want 0..20", c.MinInk))
	}
	if c.MinBox < 0 || c.MinBox > 1 {
		add("min_box", fmt.Sprintf("%v: want 0..1", c.MinBox))
	}
}
