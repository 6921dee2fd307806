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
