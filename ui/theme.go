package ui

import "image/color"

// Theme holds the colours and the type scale of every screen. Sizes are in
// design pixels at 1280x800; the renderer scales them to the frame.
type Theme struct {
	Background color.RGBA // page background
	Surface    color.RGBA // cards, panels, the signature pad
	Header     color.RGBA // header bar
	HeaderText color.RGBA
	Text       color.RGBA // body text
	Muted      color.RGBA // secondary text, inactive steps
	Line       color.RGBA // borders, separators
	Primary    color.RGBA // primary buttons, the current step
	OnPrimary  color.RGBA // text on Primary
	Success    color.RGBA
	Warning    color.RGBA
	Danger     color.RGBA
	Ink        color.RGBA // signature strokes
	Scrim      color.RGBA // translucent overlay on camera previews

	Display float64 // the one big line of a screen
	Title   float64 // screen titles
	Body    float64 // paragraphs
	Button  float64 // button labels
	Small   float64 // step labels, footnotes

	ButtonHeight float64 // touch targets are at least this tall
	Radius       float64 // corner radius of buttons and panels
	Margin       float64 // page margin
}

// DefaultTheme is the kiosk's look: dark blue header, light page, big type.
var DefaultTheme = Theme{
	Background: color.RGBA{0xF3, 0xF5, 0xF9, 0xFF},
	Surface:    color.RGBA{0xFF, 0xFF, 0xFF, 0xFF},
	Header:     color.RGBA{0x13, 0x36, 0x5C, 0xFF},
	HeaderText: color.RGBA{0xFF, 0xFF, 0xFF, 0xFF},
	Text:       color.RGBA{0x1A, 0x22, 0x33, 0xFF},
	Muted:      color.RGBA{0x5E, 0x68, 0x7A, 0xFF},
	Line:       color.RGBA{0xC9, 0xD0, 0xDB, 0xFF},
	Primary:    color.RGBA{0x1F, 0x5F, 0xC4, 0xFF},
	OnPrimary:  color.RGBA{0xFF, 0xFF, 0xFF, 0xFF},
	Success:    color.RGBA{0x16, 0x72, 0x32, 0xFF}, // AA on its tinted pills (TestThemeContrastWCAGAA)
	Warning:    color.RGBA{0xA8, 0x64, 0x00, 0xFF},
	Danger:     color.RGBA{0xB7, 0x22, 0x22, 0xFF},
	Ink:        color.RGBA{0x0D, 0x1B, 0x4A, 0xFF},
	Scrim:      color.RGBA{0x00, 0x00, 0x00, 0x99},

	Display: 54,
	Title:   42,
	Body:    28,
	Button:  32,
	Small:   20,

	ButtonHeight: 96,
	Radius:       16,
	Margin:       40,
}

// LargeText is th with every type size 1.25 times larger (the large-text
// mode a candidate switches on at the attract screen); layouts shrink
// lines that do not fit.
func LargeText(th Theme) Theme {
	th.Display *= 1.25
	th.Title *= 1.25
	th.Body *= 1.25
	th.Button *= 1.15
	th.Small *= 1.25
	th.ButtonHeight *= 1.1
	return th
}
