package entropy

import (
	"bytes"
	"io"
	"testing"
)

func TestSeededIsReproducible(t *testing.T) {
	a, b := make([]byte, 64), make([]byte, 64)
	io.ReadFull(Seeded(7), a)
	io.ReadFull(Seeded(7), b)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed gave different streams")
	}
	io.ReadFull(Seeded(8), b)
	if bytes.Equal(a, b) {
		t.Fatal("different seeds gave the same stream")
	}
}

func TestIntnIsInRangeAndCoversIt(t *testing.T) {
	r := Seeded(1)
	seen := make([]int, 5)
	for i := 0; i < 5000; i++ {
		v, err := Intn(r, 5)
		if err != nil {
			t.Fatal(err)
		}
		seen[v]++
	}
	for v, n := range seen {
		if n < 800 || n > 1200 {
			t.Errorf("value %d drawn %d times of 5000", v, n)
		}
	}
	if _, err := Intn(r, 0); err == nil {
		t.Error("Intn(0) gave no error")
	}
}

func TestShortReaderIsAnError(t *testing.T) {
	if _, err := Intn(bytes.NewReader([]byte{1, 2}), 3); err == nil {
		t.Fatal("want error on short read")
	}
}
