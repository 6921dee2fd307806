package liveness

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hbzk/kiosk/device/entropy"
)

// Challenge is one active liveness task.
type Challenge string

// The challenges the kiosk can ask for.
const (
	Blink      Challenge = "blink"
	TurnLeft   Challenge = "turn_left"
	TurnRight  Challenge = "turn_right"
	Nod        Challenge = "nod"
	ReadDigits Challenge = "read_digits"
)

// All lists every challenge.
var All = []Challenge{Blink, TurnLeft, TurnRight, Nod, ReadDigits}

// ErrBadChallenge is wrapped by errors about unknown challenge names.
var ErrBadChallenge = errors.New("unknown challenge")

// Valid reports whether c is a known challenge.
func (c Challenge) Valid() bool {
	for _, k := range All {
		if c == k {
			return true
		}
	}
	return false
}

// ParseChallenges reads a comma-separated list ("blink,turn_left"). Spaces
// around names are ignored; an empty list is allowed (passive check only);
// an unknown or empty name is an error naming it. A challenge may not
// repeat: the sequence is a permutation of distinct tasks.
func ParseChallenges(s string) ([]Challenge, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]Challenge, 0, len(parts))
	return out, appendChallenges(&out, parts)
}

// Challenges converts names as the flow keeps them.
func Challenges(names []string) ([]Challenge, error) {
	out := make([]Challenge, 0, len(names))
	return out, appendChallenges(&out, names)
}

func appendChallenges(out *[]Challenge, names []string) error {
	seen := map[Challenge]bool{}
	for i, n := range names {
		c := Challenge(strings.TrimSpace(n))
		if !c.Valid() {
			*out = nil
			return fmt.Errorf("liveness: challenge %d %q: %w (known: blink, turn_left, turn_right, nod, read_digits)", i+1, n, ErrBadChallenge)
		}
		if seen[c] {
			*out = nil
			return fmt.Errorf("liveness: challenge %q: %w: named twice", c, ErrBadChallenge)
		}
		seen[c] = true
		*out = append(*out, c)
	}
	return nil
}

// Draw picks n distinct challenges from set in an unpredictable order read
// from r, and the four digits the candidate reads aloud.
func Draw(r io.Reader, set []Challenge, n int) ([]Challenge, string, error) {
	if n < 0 || n > len(set) {
		return nil, "", fmt.Errorf("liveness: draw %d challenges from a set of %d", n, len(set))
	}
	pool := append([]Challenge(nil), set...)
	if err := entropy.Shuffle(r, len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] }); err != nil {
		return nil, "", fmt.Errorf("liveness: draw: %w", err)
	}
	d, err := Digits(r)
	if err != nil {
		return nil, "", err
	}
	return pool[:n], d, nil
}

// Digits draws four decimal digits from r.
func Digits(r io.Reader) (string, error) {
	var b [4]byte
	for i := range b {
		v, err := entropy.Intn(r, 10)
		if err != nil {
			return "", fmt.Errorf("liveness: digits: %w", err)
		}
		b[i] = byte('0' + v)
	}
	return string(b[:]), nil
}
