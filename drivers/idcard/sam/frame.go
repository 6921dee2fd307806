package sam

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Preamble starts every frame.
var Preamble = [5]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

const (
	// MinLen is the smallest LEN: a request's CMD PARA and the checksum.
	MinLen = 3
	// MaxLen is the largest LEN this driver accepts: a 30 10 answer with
	// 1024 bytes of fingerprint data is 2315; anything far above is noise.
	MaxLen = 4096
	// headerSize is the preamble and LEN.
	headerSize = len(Preamble) + 2
)

// Errors of the codec.
var (
	// ErrShort: the buffer ends before the frame does; read more.
	ErrShort = errors.New("sam: frame incomplete")
	// ErrChecksum: the frame's XOR is wrong.
	ErrChecksum = errors.New("sam: frame checksum wrong")
	// ErrLength: LEN is outside MinLen..MaxLen.
	ErrLength = errors.New("sam: frame length out of range")
	// ErrNoFrame: no preamble in the input.
	ErrNoFrame = errors.New("sam: no frame preamble")
)

// Checksum is the XOR of b.
func Checksum(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// Encode wraps a body into a frame.
func Encode(body []byte) []byte {
	out := make([]byte, 0, headerSize+len(body)+1)
	out = append(out, Preamble[:]...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(body)+1))
	out = append(out, body...)
	return append(out, Checksum(out[len(Preamble):]))
}

// Request builds a request frame.
func Request(cmd, para byte, data ...byte) []byte {
	return Encode(append([]byte{cmd, para}, data...))
}

// Answer builds an answer frame (SW1 SW2 = 00 00).
func Answer(st Status, data []byte) []byte {
	return Encode(append([]byte{0, 0, byte(st)}, data...))
}

// Next finds the first frame in buf and returns its body (a sub-slice of
// buf) and how many bytes of buf it used up, garbage before the preamble
// included. When it returns an error, n bytes can still be dropped:
// ErrShort (n is the garbage before a partial preamble or frame: read
// more), ErrLength (n moves past the false preamble), ErrChecksum (n is
// the whole corrupt frame).
func Next(buf []byte) (body []byte, n int, err error) {
	i := indexPreamble(buf)
	if i < 0 {
		// Keep a tail that may be the start of a preamble.
		keep := 0
		for k := min(len(Preamble)-1, len(buf)); k > 0; k-- {
			if string(buf[len(buf)-k:]) == string(Preamble[:k]) {
				keep = k
				break
			}
		}
		return nil, len(buf) - keep, ErrShort
	}
	if len(buf)-i < headerSize {
		return nil, i, ErrShort
	}
	l := int(binary.BigEndian.Uint16(buf[i+len(Preamble):]))
	if l < MinLen || l > MaxLen {
		return nil, i + 1, fmt.Errorf("%w: LEN %d", ErrLength, l)
	}
	end := i + headerSize + l
	if len(buf) < end {
		return nil, i, ErrShort
	}
	if Checksum(buf[i+len(Preamble):end-1]) != buf[end-1] {
		return nil, end, ErrChecksum
	}
	return buf[i+headerSize : end-1], end, nil
}

func indexPreamble(b []byte) int {
	for i := 0; i+len(Preamble) <= len(b); i++ {
		if b[i] == 0xAA && string(b[i:i+len(Preamble)]) == string(Preamble[:]) {
			return i
		}
	}
	return -1
}

// Decode reads one complete frame from b, skipping garbage before the
// preamble, and returns its body. A truncated frame is an error.
func Decode(b []byte) ([]byte, error) {
	body, n, err := Next(b)
	for errors.Is(err, ErrLength) {
		var m int
		body, m, err = Next(b[n:])
		n += m
	}
	switch {
	case err == nil:
		return body, nil
	case errors.Is(err, ErrShort) && indexPreamble(b) < 0:
		return nil, ErrNoFrame
	case errors.Is(err, ErrShort):
		return nil, fmt.Errorf("sam: frame truncated: %w", err)
	}
	return nil, err
}

// Response is a decoded answer body.
type Response struct {
	SW1, SW2 byte
	Status   Status
	Data     []byte
}

// ParseResponse splits an answer body.
func ParseResponse(body []byte) (Response, error) {
	if len(body) < 3 {
		return Response{}, fmt.Errorf("%w: answer body of %d bytes, want at least 3", ErrLength, len(body))
	}
	return Response{SW1: body[0], SW2: body[1], Status: Status(body[2]), Data: body[3:]}, nil
}
