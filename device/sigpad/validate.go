package sigpad

import (
	"fmt"
	"math"
	"time"
)

// Rules are the acceptance rules of a signature ([signature] in kiosk.toml).
type Rules struct {
	// MinPoints is the fewest pen-down samples.
	MinPoints int
	// MinDuration is the shortest time from the first to the last pen-down
	// sample.
	MinDuration time.Duration
	// MinInk is the shortest total ink length as a fraction of the pad's
	// width (0.5: half the pad's width of ink).
	MinInk float64
	// MinBox is the smallest side of the ink's bounding box as a fraction
	// of the pad's height.
	MinBox float64
}

// DefaultRules are the defaults of the [signature] config section.
var DefaultRules = Rules{MinPoints: 30, MinDuration: 500 * time.Millisecond, MinInk: 0.5, MinBox: 0.08}

// Reason is one named validation failure.
type Reason struct {
	// Code is stable: "empty", "too_few_points", "too_short", "too_small",
	// "too_quick".
	Code string `json:"code"`
	// Zh and En are what the screen tells the candidate.
	Zh string `json:"zh"`
	En string `json:"en"`
	// Detail is for the technician's log: the measured value and the limit.
	Detail string `json:"detail,omitempty"`
}

// The reason codes.
const (
	ReasonEmpty      = "empty"
	ReasonFewPoints  = "too_few_points"
	ReasonTooShort   = "too_short"
	ReasonTooSmall   = "too_small"
	ReasonTooQuick   = "too_quick"
	ReasonOutOfRange = "out_of_range"
)

var reasonText = map[string][2]string{
	ReasonEmpty:      {"未检测到签名，请在签名板上签写您的姓名。", "No signature yet: please sign your name on the pad."},
	ReasonFewPoints:  {"签名笔画过少，请清除后用正楷或常用笔迹完整签名。", "Too little was written: please clear and sign your full name."},
	ReasonTooShort:   {"签名过短，请清除后签写完整的姓名。", "The signature is too short: please clear and sign your full name."},
	ReasonTooSmall:   {"签名过小，请清除后在签名区内写大一些。", "The signature is too small: please clear and sign larger."},
	ReasonTooQuick:   {"签名过快，请清除后认真签写。", "The signature was too quick: please clear and sign carefully."},
	ReasonOutOfRange: {"签名板数据异常，请清除后重新签名。", "The pad sent bad data: please clear and sign again."},
}

// NewReason builds the reason of a code with its candidate messages.
func NewReason(code, detail string) Reason {
	t := reasonText[code]
	return Reason{Code: code, Zh: t[0], En: t[1], Detail: detail}
}

// BBox is the ink's bounding box in device units, inclusive.
type BBox struct {
	MinX int `json:"min_x"`
	MinY int `json:"min_y"`
	MaxX int `json:"max_x"`
	MaxY int `json:"max_y"`
}

// Dx is the box's width in device units.
func (b BBox) Dx() int { return b.MaxX - b.MinX }

// Dy is the box's height in device units.
func (b BBox) Dy() int { return b.MaxY - b.MinY }

// Stats are the measures validation looks at.
type Stats struct {
	Strokes  int           `json:"strokes"`
	Points   int           `json:"points"`
	Duration time.Duration `json:"-"`
	// InkLength is the summed length of the strokes in device units.
	InkLength float64 `json:"ink_length"`
	BBox      BBox    `json:"bbox"`
}

// Measure computes the stats of a signature.
func Measure(s Signature) Stats {
	st := Stats{Strokes: len(s.Strokes), Points: s.Points()}
	first := true
	var t0, t1 int64
	for _, k := range s.Strokes {
		for i, p := range k {
			if first {
				st.BBox = BBox{p.X, p.Y, p.X, p.Y}
				t0, t1, first = p.T, p.T, false
			}
			st.BBox.MinX, st.BBox.MaxX = min(st.BBox.MinX, p.X), max(st.BBox.MaxX, p.X)
			st.BBox.MinY, st.BBox.MaxY = min(st.BBox.MinY, p.Y), max(st.BBox.MaxY, p.Y)
			t0, t1 = min(t0, p.T), max(t1, p.T)
			if i > 0 {
				st.InkLength += math.Hypot(float64(p.X-k[i-1].X), float64(p.Y-k[i-1].Y))
			}
		}
	}
	st.Duration = time.Duration(t1-t0) * time.Millisecond
	return st
}

// Validate checks a signature against the rules. It returns every reason
// the signature is refused for, in a fixed order; none means accepted.
func (r Rules) Validate(s Signature) []Reason {
	st := Measure(s)
	if st.Points == 0 {
		return []Reason{NewReason(ReasonEmpty, "no pen-down samples")}
	}
	var out []Reason
	for _, k := range s.Strokes {
		for _, p := range k {
			if p.X < 0 || p.Y < 0 || (s.Pad.MaxX > 0 && p.X > s.Pad.MaxX) || (s.Pad.MaxY > 0 && p.Y > s.Pad.MaxY) {
				out = append(out, NewReason(ReasonOutOfRange, fmt.Sprintf("sample (%d,%d) outside 0..%d x 0..%d", p.X, p.Y, s.Pad.MaxX, s.Pad.MaxY)))
				return out
			}
		}
	}
	if st.Points < r.MinPoints {
		out = append(out, NewReason(ReasonFewPoints, fmt.Sprintf("%d points, want %d", st.Points, r.MinPoints)))
	}
	if w := float64(s.Pad.MaxX); w > 0 && st.InkLength < r.MinInk*w {
		out = append(out, NewReason(ReasonTooShort, fmt.Sprintf("ink %.0f units, want %.0f (%.2f of the pad's width)", st.InkLength, r.MinInk*w, r.MinInk)))
	}
	if h := float64(s.Pad.MaxY); h > 0 {
		side := float64(min(st.BBox.Dx(), st.BBox.Dy()))
		if side < r.MinBox*h {
			out = append(out, NewReason(ReasonTooSmall, fmt.Sprintf("box %dx%d units, want both sides >= %.0f (%.2f of the pad's height)", st.BBox.Dx(), st.BBox.Dy(), r.MinBox*h, r.MinBox)))
		}
	}
	if st.Duration < r.MinDuration {
		out = append(out, NewReason(ReasonTooQuick, fmt.Sprintf("%v, want %v", st.Duration, r.MinDuration)))
	}
	return out
}

// Codes lists the codes of reasons.
func Codes(rs []Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}
