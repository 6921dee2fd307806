package config

import "fmt"

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
