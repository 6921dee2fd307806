package config

import "fmt"

// SignatureConfig is the signature acceptance rules and the picture of the
// signature kept in the record (device/sigpad: Rules, RenderOptions).
type SignatureConfig struct {
	MinPoints   int      `toml:"min_points" comment:"fewest pen-down samples of a signature"`
	MinDuration Duration `toml:"min_duration" comment:"shortest time from the first to the last pen-down sample"`
	MinInk      float64  `toml:"min_ink" comment:"shortest ink length, as a fraction of the pad's width"`
	MinBox      float64  `toml:"min_box" comment:"smallest bounding box side, as a fraction of the pad's height"`
	PNGWidth    int      `toml:"png_width" comment:"largest width of the signature PNG in pixels (cropped to the ink)"`
	PNGHeight   int      `toml:"png_height" comment:"largest height of the signature PNG in pixels"`
	PNGMargin   int      `toml:"png_margin" comment:"blank border around the ink in pixels"`
	PenWidth    float64  `toml:"pen_width" comment:"line width in pixels at full pressure"`
	Transparent bool     `toml:"transparent" comment:"transparent background instead of white"`
	// Declaration is what the candidate signs, shown above the pad (empty:
	// the catalogue's default declaration).
	Declaration   string `toml:"declaration" comment:"what the candidate signs, shown on the signature screen (empty: the default text)"`
	DeclarationEN string `toml:"declaration_en" comment:"the declaration in English (empty: the default text)"`
}

func (c *SignatureConfig) defaults(Profile) {
	c.MinPoints, c.MinDuration, c.MinInk, c.MinBox = 30, Duration(500e6), 0.5, 0.08
	c.PNGWidth, c.PNGHeight, c.PNGMargin, c.PenWidth, c.Transparent = 600, 240, 12, 3, false
}

func (c *SignatureConfig) validate(add func(key, msg string)) {
	if len([]rune(c.Declaration)) > 200 || len([]rune(c.DeclarationEN)) > 400 {
		add("declaration", "too long for the screen: at most 200 characters (400 in English)")
	}
	if c.MinPoints < 2 {
		add("min_points", "want at least 2")
	}
	if c.MinDuration < 0 || c.MinDuration > Duration(60e9) {
		add("min_duration", fmt.Sprintf("%v: want 0..60s", c.MinDuration))
	}
	if c.MinInk < 0 || c.MinInk > 20 {
		add("min_ink", fmt.Sprintf("%v: want 0..20", c.MinInk))
	}
	if c.MinBox < 0 || c.MinBox > 1 {
		add("min_box", fmt.Sprintf("%v: want 0..1", c.MinBox))
	}
	if c.PNGWidth < 32 || c.PNGWidth > 8192 {
		add("png_width", fmt.Sprintf("%d: want 32..8192", c.PNGWidth))
	}
	if c.PNGHeight < 32 || c.PNGHeight > 8192 {
		add("png_height", fmt.Sprintf("%d: want 32..8192", c.PNGHeight))
	}
	if c.PNGMargin < 0 || 2*c.PNGMargin >= min(c.PNGWidth, c.PNGHeight)/2 {
		add("png_margin", fmt.Sprintf("%d: want 0 up to a quarter of the smaller side", c.PNGMargin))
	}
	if !(c.PenWidth > 0 && c.PenWidth <= 64) {
		add("pen_width", fmt.Sprintf("%v: want more than 0, at most 64", c.PenWidth))
	}
}
