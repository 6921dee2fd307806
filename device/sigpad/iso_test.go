package sigpad

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestScale(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want uint16
	}{
		{1, 0x0000},
		{1.5, 0x0400},
		{1000, 9<<11 | 1952 /* 512*(1+1952/2048) = 1000 */},
		{0.5, 0x1F << 11},
	} {
		got, err := encodeScale(c.v)
		if err != nil || got != c.want {
			t.Errorf("encodeScale(%v) = %#04x %v, want %#04x", c.v, got, err, c.want)
		}
		if back := decodeScale(got); math.Abs(back-c.v) > c.v/2048 {
			t.Errorf("decodeScale(%#04x) = %v, want %v", got, back, c.v)
		}
	}
	for _, v := range []float64{0, -1, math.NaN(), 1 << 17} {
		if _, err := encodeScale(v); !errors.Is(err, ErrISORange) {
			t.Errorf("encodeScale(%v): %v", v, err)
		}
	}
}

func isoSignatures(t testing.TB) map[string]Signature {
	sig := load(t, "signature.json")
	topaz := Signature{Pad: topazInfo, Strokes: []Stroke{
		{{T: 0, X: 10, Y: 20, Down: true}, {T: 8, X: 12, Y: 22, Down: true}},
		{{T: 300, X: 1800, Y: 500, Down: true}},
		{{T: 316, X: 0, Y: 0, Down: true}, {T: 325, X: 1, Y: 533, Down: true}},
	}}
	return map[string]Signature{"wacom with pressure": sig, "topaz no pressure": topaz}
}

func TestISORoundTrip(t *testing.T) {
	for name, s := range isoSignatures(t) {
		t.Run(name, func(t *testing.T) {
			b, err := EncodeISO(s)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("SDI\x00 10\x00")) {
				t.Fatalf("header % x", b[:8])
			}
			incl := binary.BigEndian.Uint16(b[8:])
			want := uint16(0xC000 | 1<<(15-chT) | 1<<(15-chS))
			if s.Pad.Pressure {
				want |= 1 << (15 - chF)
			}
			if incl != want {
				t.Errorf("channel inclusion %016b, want %016b", incl, want)
			}
			got, err := DecodeISO(b)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Pad.ResX-s.Pad.ResX) > s.Pad.ResX/1000 || math.Abs(got.Pad.ResY-s.Pad.ResY) > s.Pad.ResY/1000 {
				t.Errorf("resolution %v x %v, want %v x %v", got.Pad.ResX, got.Pad.ResY, s.Pad.ResX, s.Pad.ResY)
			}
			wantPad := s.Pad
			wantPad.Model, wantPad.ResX, wantPad.ResY = "", got.Pad.ResX, got.Pad.ResY
			if got.Pad != wantPad {
				t.Errorf("pad %+v, want %+v", got.Pad, wantPad)
			}
			if !reflect.DeepEqual(got.Strokes, s.Strokes) {
				t.Errorf("strokes differ after the round trip")
			}
			if Hash(got) != Hash(s) {
				t.Error("hash differs after the round trip")
			}
			again, err := EncodeISO(got)
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs: %v", err)
			}
		})
	}
}

func TestEncodeISOErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		s    Signature
		want error
	}{
		{"empty", Signature{Pad: topazInfo}, ErrEmpty},
		{"wide pad", Signature{Pad: Info{MaxX: 40000, MaxY: 10}, Strokes: []Stroke{{{X: 1}}}}, ErrISORange},
		{"long", Signature{Pad: topazInfo, Strokes: []Stroke{{{X: 1}, {T: 70000, X: 1}}}}, ErrISORange},
	} {
		if _, err := EncodeISO(c.s); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// isoCase is a record and the error DecodeISO must give (empty: none).
type isoCase struct {
	name string
	in   []byte
	want string
}

func isoCases(t testing.TB) []isoCase {
	good, err := EncodeISO(isoSignatures(t)["topaz no pressure"])
	if err != nil {
		t.Fatal(err)
	}
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	// A minimal hand-built record: X, Y and DT (scale 100/s: 10 ms units),
	// no S, two samples; then one with Z and S to be skipped/used.
	hand := []byte("SDI\x00 10\x00")
	hand = append(hand, 0xC0, 0x80, // X, Y, DT
		0x00, 0x00, // X, Y: no attributes
		0x80, 0x32, 0x48, // DT: scaling 100 = 2^6*(1+0x48/2048)... see below
		0x00,          // reserved
		0x00, 0x00, 2, // 2 samples
		0x00, 0x05, 0x00, 0x06, 0x00, 0x00,
		0x00, 0x07, 0x00, 0x08, 0x00, 0x03,
		0x00, 0x00)
	sc, _ := encodeScale(100)
	binary.BigEndian.PutUint16(hand[13:], sc)
	return []isoCase{
		{"good", good, ""},
		{"hand built DT", hand, ""},
		{"short", good[:6], "header"},
		{"magic", mod(func(b []byte) []byte { b[0] = 'X'; return b }), "format identifier"},
		{"version", mod(func(b []byte) []byte { b[5] = '2'; return b }), "version"},
		{"no X", mod(func(b []byte) []byte { b[8] &^= 0x80; return b }), "X and Y are mandatory"},
		{"no time", mod(func(b []byte) []byte { b[8] &^= 0x01; return b }), "no T or DT"},
		{"reserved preamble bit", mod(func(b []byte) []byte { b[10] |= 1; return b }), "reserved bit"},
		{"truncated samples", good[:len(good)-5], "samples"},
		{"no extended length", good[:len(good)-1], "extended data length"},
		{"extended data missing", mod(func(b []byte) []byte { b[len(b)-1] = 4; return b }), "extended data at"},
		{"trailing", append(append([]byte(nil), good...), 0), "after the record"},
		{"only pen-up", mod(func(b []byte) []byte {
			// Samples start at 32 (header 29, count 3), 7 bytes each, S last.
			for off := 32; off+7 <= len(b)-2; off += 7 {
				b[off+6] = 0
			}
			return b
		}), "no pen-down"},
		{"time back", mod(func(b []byte) []byte {
			binary.BigEndian.PutUint16(b[32+4:], 60000)
			return b
		}), "time goes back"},
	}
}

func TestDecodeISO(t *testing.T) {
	for _, c := range isoCases(t) {
		t.Run(c.name, func(t *testing.T) {
			s, err := DecodeISO(c.in)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "sigpad: iso: ") {
				t.Fatalf("got %v (%d points), want %q", err, s.Points(), c.want)
			}
			if !errors.Is(err, ErrISO) && !errors.Is(err, ErrEmpty) {
				t.Errorf("%v is neither ErrISO nor ErrEmpty", err)
			}
		})
	}
	// The hand-built DT record: times from the deltas, one stroke.
	s, _ := DecodeISO(isoCases(t)[1].in)
	want := []Stroke{{{T: 0, X: 5, Y: 6, Down: true}, {T: 30, X: 7, Y: 8, Down: true}}}
	if !reflect.DeepEqual(s.Strokes, want) {
		t.Errorf("DT record: %+v, want %+v", s.Strokes, want)
	}
}

func FuzzDecodeISO(f *testing.F) {
	for _, c := range isoCases(f) {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeISO(b)
		if err != nil {
			return
		}
		// What decodes re-encodes (when the format can hold it) to a record
		// that decodes the same.
		enc, err := EncodeISO(s)
		if err != nil {
			return
		}
		again, err := DecodeISO(enc)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !reflect.DeepEqual(again.Strokes, s.Strokes) {
			t.Fatalf("strokes change through re-encoding")
		}
	})
}
