package sigpad

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// ErrStrokes is matched (errors.Is) by the errors of ParseJSON about the
// content of a strokes file.
var ErrStrokes = errors.New("bad strokes file")

// ParseJSON reads a strokes file: {"pad": {...}, "strokes": [[{"t":0,
// "x":..,"y":..,"p":..}, ...], ...]}. Unknown keys, times that go back,
// coordinates outside the pad and pressure outside 0..1 are errors that
// name the stroke and sample.
func ParseJSON(data []byte) (Signature, error) {
	var s Signature
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Signature{}, fmt.Errorf("sigpad: strokes: %w: %v", ErrStrokes, err)
	}
	if s.Strokes == nil {
		return Signature{}, fmt.Errorf("sigpad: strokes: %w: no \"strokes\" list", ErrStrokes)
	}
	if dec.More() {
		return Signature{}, fmt.Errorf("sigpad: strokes: %w: data after the object", ErrStrokes)
	}
	if err := s.Check(); err != nil {
		return Signature{}, err
	}
	for _, k := range s.Strokes {
		for i := range k {
			k[i].Down = true
		}
	}
	return s, nil
}

// Check reports the first thing wrong with a signature's data.
func (s Signature) Check() error {
	p := s.Pad
	if p.MaxX <= 0 || p.MaxY <= 0 || p.MaxX > 1<<16 || p.MaxY > 1<<16 {
		return fmt.Errorf("sigpad: strokes: pad range %dx%d: want 1..65536: %w", p.MaxX, p.MaxY, ErrStrokes)
	}
	if p.ResX < 0 || p.ResY < 0 || math.IsNaN(p.ResX) || math.IsNaN(p.ResY) || p.ResX > 1e4 || p.ResY > 1e4 {
		return fmt.Errorf("sigpad: strokes: resolution %vx%v units/mm: want 0..10000: %w", p.ResX, p.ResY, ErrStrokes)
	}
	if p.Pressure && (p.PressureLevels < 2 || p.PressureLevels > 65536) {
		return fmt.Errorf("sigpad: strokes: pressure_levels %d: want 2..65536 with pressure: %w", p.PressureLevels, ErrStrokes)
	}
	last := int64(0)
	for i, k := range s.Strokes {
		if len(k) == 0 {
			return fmt.Errorf("sigpad: strokes: stroke %d: no samples: %w", i, ErrStrokes)
		}
		for j, q := range k {
			switch {
			case q.T < last:
				return fmt.Errorf("sigpad: strokes: stroke %d sample %d: time %d ms before %d ms: %w", i, j, q.T, last, ErrStrokes)
			case q.X < 0 || q.Y < 0 || q.X > p.MaxX || q.Y > p.MaxY:
				return fmt.Errorf("sigpad: strokes: stroke %d sample %d: (%d,%d) outside 0..%d x 0..%d: %w", i, j, q.X, q.Y, p.MaxX, p.MaxY, ErrStrokes)
			case math.IsNaN(q.P) || q.P < 0 || q.P > 1:
				return fmt.Errorf("sigpad: strokes: stroke %d sample %d: pressure %v: want 0..1: %w", i, j, q.P, ErrStrokes)
			}
			last = q.T
		}
	}
	return nil
}

// MarshalIndent writes the strokes file form.
func (s Signature) MarshalIndent() ([]byte, error) {
	// One sample per line keeps the files readable and diffable.
	var b bytes.Buffer
	info, err := json.Marshal(s.Pad)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "{\n  \"pad\": %s,\n  \"strokes\": [", info)
	for i, k := range s.Strokes {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n    [")
		for j, q := range k {
			if j > 0 {
				b.WriteString(",")
			}
			smp, _ := json.Marshal(q)
			b.WriteString("\n      ")
			b.Write(smp)
		}
		b.WriteString("\n    ]")
	}
	b.WriteString("\n  ]\n}\n")
	return b.Bytes(), nil
}
