package ui

import (
	"image"
	"image/color"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// style is how a piece of text is set: size in design pixels.
type style struct {
	size  float64
	col   color.RGBA
	bold  bool
	align align
}

// noStart are characters a line must not start with (they stay with the
// character before them); noEnd must not end a line (they stay with the
// character after them).
const (
	noStart = "，。！？；：、）》」』”’…%·,.!?;:)]}"
	noEnd   = "（《「『“‘([{"
)

// isCJK reports whether r is set one character at a time and may break on
// either side (Han, kana, Hangul, CJK and full-width punctuation).
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF) ||
		r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '—'
}

// token is an unbreakable piece of text: a Latin word or one CJK character
// with the punctuation that must stay with it. newline forces a break.
type token struct {
	text    string
	space   bool // a space precedes it
	newline bool
}

// tokenize splits s into the pieces lines may break between: Latin text
// breaks at spaces, CJK text between any two characters, except around
// punctuation in noStart and noEnd.
func tokenize(s string) []token {
	var toks []token
	var word strings.Builder
	space := false
	flush := func() {
		if word.Len() > 0 {
			toks = append(toks, token{text: word.String(), space: space})
			word.Reset()
			space = false
		}
	}
	glue := func() bool { // whether the next piece joins the previous token
		if len(toks) == 0 || space || toks[len(toks)-1].newline {
			return false
		}
		last, _ := utf8.DecodeLastRuneInString(toks[len(toks)-1].text)
		return strings.ContainsRune(noEnd, last)
	}
	for _, r := range s {
		switch {
		case r == '\n':
			flush()
			toks = append(toks, token{newline: true})
			space = false
		case unicode.IsSpace(r):
			flush()
			space = len(toks) > 0
		case isCJK(r):
			flush()
			if len(toks) > 0 && !space && !toks[len(toks)-1].newline && (strings.ContainsRune(noStart, r) || glue()) {
				toks[len(toks)-1].text += string(r)
				continue
			}
			toks = append(toks, token{text: string(r), space: space})
			space = false
		default:
			if word.Len() == 0 && glue() {
				toks[len(toks)-1].text += string(r)
				continue
			}
			if word.Len() == 0 && strings.ContainsRune(noStart, r) && len(toks) > 0 && !space && !toks[len(toks)-1].newline {
				toks[len(toks)-1].text += string(r)
				continue
			}
			word.WriteRune(r)
		}
	}
	flush()
	return toks
}

func measure(f font.Face, s string) int { return font.MeasureString(f, s).Ceil() }

// wrap breaks s into lines no wider than maxW pixels in face f. A word
// wider than a line is broken between characters. Widths are measured on
// the whole candidate line, so kerning and rounding count.
func wrap(f font.Face, s string, maxW int) []string {
	var lines []string
	line := ""
	for _, t := range tokenize(s) {
		if t.newline {
			lines = append(lines, line)
			line = ""
			continue
		}
		cand := t.text
		if line != "" {
			cand = line + t.text
			if t.space {
				cand = line + " " + t.text
			}
		}
		if measure(f, cand) <= maxW {
			line = cand
			continue
		}
		if line != "" {
			lines = append(lines, line)
			line = ""
		}
		if measure(f, t.text) <= maxW {
			line = t.text
			continue
		}
		// A word longer than a line: break it anywhere.
		for _, r := range t.text {
			if line != "" && measure(f, line+string(r)) > maxW {
				lines = append(lines, line)
				line = ""
			}
			line += string(r)
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// face returns the font face of st's size, scaled to the frame.
func (c *canvas) face(size float64) font.Face { return c.font.mustFace(c.s(size)) }

// lineHeight is the distance between baselines for a size in frame pixels.
func lineHeight(px float64) int { return int(px*1.4 + 0.5) }

// drawLine draws one line of text with its top at y, aligned within
// [x0, x1]. It returns the line's width.
func (c *canvas) drawLine(s string, st style, x0, x1, y int) int {
	f := c.face(st.size)
	w := measure(f, s)
	x := x0
	switch st.align {
	case alignCenter:
		x = x0 + (x1-x0-w)/2
	case alignRight:
		x = x1 - w
	}
	m := f.Metrics()
	lh := lineHeight(c.s(st.size))
	base := y + (lh-(m.Ascent+m.Descent).Ceil())/2 + m.Ascent.Ceil()
	d := font.Drawer{Dst: c.dst, Src: image.NewUniform(st.col), Face: f, Dot: fixed.P(x, base)}
	d.DrawString(s)
	if st.bold {
		d.Dot = fixed.Point26_6{X: fixed.I(x) + fixed.I(1)*3/4, Y: fixed.I(base)}
		d.DrawString(s)
	}
	return w
}

// layoutText wraps s for r's width, shrinking the size (down to 60%) until
// the lines fit r's height. It returns the lines and the size used.
func (c *canvas) layoutText(s string, st style, r image.Rectangle) ([]string, style) {
	base := st.size
	for k := 0; ; k++ {
		f := c.face(st.size)
		lines := wrap(f, s, r.Dx())
		if len(lines)*lineHeight(c.s(st.size)) <= r.Dy() || st.size < base*0.6 {
			return lines, st
		}
		st.size = base * (1 - 0.06*float64(k+1))
	}
}

// textHeight is the height textBox would use for s in r.
func (c *canvas) textHeight(s string, st style, r image.Rectangle) int {
	lines, st := c.layoutText(s, st, r)
	return len(lines) * lineHeight(c.s(st.size))
}

// textBox draws s wrapped into r (shrunk to fit its height), from r's top,
// and returns the height used.
func (c *canvas) textBox(s string, st style, r image.Rectangle) int {
	lines, st := c.layoutText(s, st, r)
	lh := lineHeight(c.s(st.size))
	for i, l := range lines {
		c.drawLine(l, st, r.Min.X, r.Max.X, r.Min.Y+i*lh)
	}
	return len(lines) * lh
}

// textMiddle draws s wrapped into r, centred vertically.
func (c *canvas) textMiddle(s string, st style, r image.Rectangle) {
	h := c.textHeight(s, st, r)
	r.Min.Y += (r.Dy() - h) / 2
	c.textBox(s, st, r)
}
