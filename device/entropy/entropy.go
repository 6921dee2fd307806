// Package entropy passes randomness in: production code takes an io.Reader
// (crypto/rand.Reader on the device), tests take Seeded, so that a challenge
// order or a retry jitter is reproducible under test.
package entropy

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	mrand "math/rand/v2"
)

// System is the operating system's cryptographic random source.
var System io.Reader = rand.Reader

// Seeded returns a deterministic random stream for tests and simulations.
func Seeded(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return mrand.NewChaCha8(s)
}

// Uint64 reads 8 bytes from r.
func Uint64(r io.Reader) (uint64, error) {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, fmt.Errorf("entropy: read: %w", err)
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// Intn returns a uniform integer in [0, n) read from r, without modulo bias.
func Intn(r io.Reader, n int) (int, error) {
	if n <= 0 {
		return 0, fmt.Errorf("entropy: Intn(%d): n must be positive", n)
	}
	max := ^uint64(0) - ^uint64(0)%uint64(n)
	for {
		v, err := Uint64(r)
		if err != nil {
			return 0, err
		}
		if v < max {
			return int(v % uint64(n)), nil
		}
	}
}

// Float64 returns a uniform number in [0, 1) read from r.
func Float64(r io.Reader) (float64, error) {
	v, err := Uint64(r)
	if err != nil {
		return 0, err
	}
	return float64(v>>11) / (1 << 53), nil
}

// Shuffle permutes n elements with swap, reading from r (Fisher-Yates).
func Shuffle(r io.Reader, n int, swap func(i, j int)) error {
	for i := n - 1; i > 0; i-- {
		j, err := Intn(r, i+1)
		if err != nil {
			return err
		}
		swap(i, j)
	}
	return nil
}
