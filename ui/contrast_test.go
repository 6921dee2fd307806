package ui

import (
	"image/color"
	"math"
	"testing"
)

// luminance is the WCAG 2 relative luminance of an opaque colour.
func luminance(c color.RGBA) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// contrast is the WCAG 2 contrast ratio of two opaque colours (1..21).
func contrast(a, b color.RGBA) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func TestContrastFormula(t *testing.T) {
	white, black := color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}, color.RGBA{0, 0, 0, 0xFF}
	if c := contrast(white, black); math.Abs(c-21) > 1e-9 {
		t.Errorf("white on black %.3f, want 21", c)
	}
	// #767676 on white is the classic 4.54:1.
	if c := contrast(color.RGBA{0x76, 0x76, 0x76, 0xFF}, white); math.Abs(c-4.54) > 0.01 {
		t.Errorf("#767676 on white %.3f, want 4.54", c)
	}
}

// Every pair of text and background colour the screens draw meets WCAG
// 2.1 AA: 4.5:1 for text, 3:1 for large text (24 px, or 18.7 px bold) and
// for the graphics that carry meaning (icons, the status pills' tone).
func TestThemeContrastWCAGAA(t *testing.T) {
	th := DefaultTheme
	stepLabel := mix(th.HeaderText, th.Header, 0.55) // inactive step labels (Small) in the header
	for _, p := range []struct {
		name   string
		fg, bg color.RGBA
		min    float64
	}{
		{"body text on the page", th.Text, th.Background, 4.5},
		{"body text on a panel", th.Text, th.Surface, 4.5},
		{"secondary text on the page", th.Muted, th.Background, 4.5},
		{"secondary text on a panel", th.Muted, th.Surface, 4.5},
		{"header text", th.HeaderText, th.Header, 4.5},
		{"inactive step labels", stepLabel, th.Header, 4.5},
		{"primary button label", th.OnPrimary, th.Primary, 4.5},
		{"danger button label", th.OnPrimary, th.Danger, 4.5},
		{"secondary button label", th.Primary, th.Surface, 4.5},
		{"refusal hint (danger) on the page", th.Danger, th.Background, 4.5},
		{"status pill ok", th.Success, mix(th.Success, th.Surface, 0.15), 4.5},
		{"status pill failed", th.Danger, mix(th.Danger, th.Surface, 0.15), 4.5},
		{"signature ink on the pad", th.Ink, th.Surface, 4.5},
		{"success icon on its disc", th.Success, mix(th.Success, th.Background, 0.14), 3},
		{"warning icon on its disc", th.Warning, mix(th.Warning, th.Background, 0.14), 3},
		{"danger icon on its disc", th.Danger, mix(th.Danger, th.Background, 0.14), 3},
		{"photo countdown on the scrim over white", th.OnPrimary, over(th.Scrim, th.Surface), 3},
	} {
		c := contrast(p.fg, p.bg)
		t.Logf("%-40s %5.2f:1", p.name, c)
		if c < p.min {
			t.Errorf("%s: contrast %.2f:1, AA wants %.1f:1", p.name, c, p.min)
		}
	}
}

// over composites a translucent colour over an opaque one.
func over(top, bottom color.RGBA) color.RGBA {
	a := float64(top.A) / 255
	f := func(x, y uint8) uint8 {
		// top is premultiplied (color.RGBA): x already carries its alpha.
		return uint8(math.Round(float64(x) + float64(y)*(1-a)))
	}
	return color.RGBA{f(top.R, bottom.R), f(top.G, bottom.G), f(top.B, bottom.B), 0xFF}
}
