package sam

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/hbzk/kiosk/device/idcard"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

var frameCases = []struct {
	name string
	in   []byte
	body []byte // nil with err set
	err  error
}{
	// Known requests, as vendors' manuals print them.
	{"find", unhex("aaaaaa9669000320012" + "2"), unhex("2001"), nil},
	{"select", unhex("aaaaaa96690003200221"), unhex("2002"), nil},
	{"read", unhex("aaaaaa96690003300132"), unhex("3001"), nil},
	{"sam status", unhex("aaaaaa966900031" + "1ffed"), unhex("11ff"), nil},
	{"sam id", unhex("aaaaaa96690003" + "12ffee"), unhex("12ff"), nil},
	{"find answer", unhex("aaaaaa9669000800009f0000000097"), unhex("00009f00000000"), nil},
	{"garbage first", append([]byte{0, 1, 0xAA, 0xAA}, unhex("aaaaaa96690003200122")...), unhex("2001"), nil},
	{"trailing bytes", append(unhex("aaaaaa96690003200122"), 7, 7), unhex("2001"), nil},
	{"false preamble", append(unhex("aaaaaa96690000"), unhex("aaaaaa96690003200122")...), unhex("2001"), nil},
	{"bad checksum", unhex("aaaaaa96690003200123"), nil, ErrChecksum},
	{"truncated", unhex("aaaaaa966900032001"), nil, ErrShort},
	{"header only", unhex("aaaaaa9669"), nil, ErrShort},
	{"no preamble", []byte("hello"), nil, ErrNoFrame},
	{"empty", nil, nil, ErrNoFrame},
	{"too long", unhex("aaaaaa9669ffff"), nil, ErrShort},
}

func TestDecode(t *testing.T) {
	for _, tc := range frameCases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := Decode(tc.in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("got %x, %v; want %v", body, err, tc.err)
				}
				return
			}
			if err != nil || !bytes.Equal(body, tc.body) {
				t.Fatalf("got %x, %v; want %x", body, err, tc.body)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	for _, tc := range frameCases[:6] {
		if got := Encode(tc.body); !bytes.Equal(got, tc.in) {
			t.Errorf("%s: Encode = %x, want %x", tc.name, got, tc.in)
		}
	}
	if got := Request(0x20, 0x01); !bytes.Equal(got, frameCases[0].in) {
		t.Errorf("Request = %x", got)
	}
	a := Answer(StatusCardFound, []byte{0, 0, 0, 0})
	if !bytes.Equal(a, frameCases[5].in) {
		t.Errorf("Answer = %x", a)
	}
}

// TestNextPieces feeds a frame one byte at a time, as a serial port may.
func TestNextPieces(t *testing.T) {
	in := append([]byte{0x55, 0xAA}, Answer(StatusOK, bytes.Repeat([]byte{0xAA}, 300))...)
	var buf []byte
	for i, c := range in {
		buf = append(buf, c)
		body, n, err := Next(buf)
		buf = buf[n:]
		if i < len(in)-1 {
			if !errors.Is(err, ErrShort) {
				t.Fatalf("byte %d: %v", i, err)
			}
			continue
		}
		if err != nil || len(body) != 303 || len(buf) != 0 {
			t.Fatalf("end: %d bytes, %v, %d left", len(body), err, len(buf))
		}
	}
}

func TestStatusKinds(t *testing.T) {
	for _, tc := range []struct {
		st   Status
		want error
	}{
		{StatusOK, nil}, {StatusCardFound, nil},
		{StatusFindFailed, idcard.ErrNoCard}, {StatusSelectFailed, idcard.ErrNoCard}, {StatusNoContent, idcard.ErrNoCard},
		{StatusChecksum, idcard.ErrFrame}, {StatusLength, idcard.ErrFrame},
		{StatusCommand, idcard.ErrReadFailed}, {StatusUnknownError, idcard.ErrReadFailed},
		{StatusUnauthorised, idcard.ErrSAMFault}, {StatusSAMSelfTest, idcard.ErrSAMFault}, {StatusSAMUnauthorised, idcard.ErrSAMFault},
		{StatusAuthSAMCard, idcard.ErrReadFailed}, {StatusAuthCardSAM, idcard.ErrReadFailed}, {StatusAuthInfo, idcard.ErrReadFailed},
		{StatusUnknownCard, idcard.ErrReadFailed}, {StatusReadFailed, idcard.ErrReadFailed}, {StatusRandom, idcard.ErrReadFailed},
		{Status(0x55), idcard.ErrReadFailed},
	} {
		if got := tc.st.Kind(); got != tc.want {
			t.Errorf("%v: kind %v, want %v", tc.st, got, tc.want)
		}
		if tc.want != nil {
			err := error(&StatusError{0x20, 0x01, tc.st})
			if !errors.Is(err, tc.want) {
				t.Errorf("%v: StatusError does not wrap %v", tc.st, tc.want)
			}
		}
		if tc.st.String() == "" {
			t.Errorf("%02X: no name", byte(tc.st))
		}
	}
}

func TestFormatSAMID(t *testing.T) {
	b := unhex("0500010034bb3201" + "3214020033b1e6c6")
	got, err := FormatSAMID(b)
	if err != nil || got != "05.01-20101940-0000136242-3337007411" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := FormatSAMID(b[:15]); !errors.Is(err, idcard.ErrFrame) {
		t.Errorf("short: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, tc := range frameCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		body, err := Decode(in)
		if err != nil {
			return
		}
		// A decoded body encodes to a frame found inside the input.
		if !bytes.Contains(in, Encode(body)) {
			t.Fatalf("body %x not framed in input", body)
		}
		// Next on prefixes never runs past the input (64 prefixes: the
		// check is quadratic).
		for i := 0; i <= len(in); i += 1 + len(in)/64 {
			_, n, _ := Next(in[:i])
			if n < 0 || n > i {
				t.Fatalf("Next(%d bytes) used %d", i, n)
			}
		}
	})
}
