package record

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/entropy"
)

// Sample returns a filled record for tests (synthetic data only).
func sample(t testing.TB, seed uint64) *Record {
	r, err := New(entropy.Seeded(seed), "kiosk-test")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 4, 11, 8, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	r.Site = "site-1"
	r.Times = Times{Started: at, CardRead: at.Add(3 * time.Second), Confirmed: at.Add(55 * time.Second)}
	r.Card = Card{Type: " ", Name: "测试", Sex: "1", Nation: "01", Birth: "19990101", IDNumber: "11010519491231002X"}
	r.Images.ChipPhotoWLT = Blob{TypeWLT, bytes.Repeat([]byte{1, 2, 3}, 100)}
	r.Images.RegPhoto = Blob{TypeJPEG, []byte{0xff, 0xd8, 0xff, 0xd9}}
	r.Scores = Scores{Match: 0.61, MatchThreshold: 0.3, Liveness: 0.97, LivenessThreshold: 0.5}
	r.Attempts = Attempts{Face: 1, Photo: 2, Signature: 1}
	r.Models = map[string]string{"feature": "87aacdfe", "detect": "6c0256cc"}
	return r
}

func TestEncodeRoundTrip(t *testing.T) {
	r := sample(t, 1)
	b, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := Encode(got)
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("re-encode differs: %v", err)
	}
	if !got.Times.CardRead.Equal(r.Times.CardRead) || got.Card != r.Card || got.Models["detect"] != "6c0256cc" {
		t.Errorf("round trip lost data: %+v", got)
	}
	// The same values in another time zone encode the same.
	r2 := *r
	r2.Times.Started = r.Times.Started.UTC()
	if b3, _ := Encode(&r2); !bytes.Equal(b, b3) {
		t.Error("time zone changes the encoding")
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Record)
	}{
		{"schema 0", func(r *Record) { r.Schema = 0 }},
		{"schema future", func(r *Record) { r.Schema = SchemaVersion + 1 }},
		{"bad uuid", func(r *Record) { r.UUID = "not-a-uuid" }},
		{"upper uuid", func(r *Record) { r.UUID = "6BA7B810-9DAD-11D1-80B4-00C04FD430C8" }},
		{"no device", func(r *Record) { r.DeviceID = "" }},
		{"NaN score", func(r *Record) { r.Scores.Match = math.NaN() }},
		{"Inf score", func(r *Record) { r.Scores.Liveness = math.Inf(1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sample(t, 2)
			tc.edit(r)
			if _, err := Encode(r); !errors.Is(err, ErrInvalid) {
				t.Errorf("Encode: %v, want ErrInvalid", err)
			}
		})
	}
}

// decodeCases seed TestDecodeBad and FuzzDecode.
func decodeCases(t testing.TB) [][]byte {
	good, err := Encode(sample(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	trunc := good[:len(good)/2]
	// Non-canonical: a map with the same content but an indefinite length.
	indef := append([]byte{0xbf}, good[1:]...)
	indef = append(indef, 0xff)
	return [][]byte{good, {}, {0xa0}, {0xff}, trunc, indef, []byte("{}"), {0xa1, 0x63, 'f', 'o', 'o', 0x01}}
}

func TestDecodeBad(t *testing.T) {
	cases := decodeCases(t)
	if _, err := Decode(cases[0]); err != nil {
		t.Fatalf("good: %v", err)
	}
	for i, b := range cases[1:] {
		if _, err := Decode(b); !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d (% x...): %v, want ErrInvalid", i+1, b[:min(len(b), 8)], err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range decodeCases(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Encode(r)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded but does not re-encode to the same bytes: %v", err)
		}
	})
}

func TestSignVerify(t *testing.T) {
	key, _ := GenerateKey(entropy.Seeded(7))
	other, _ := GenerateKey(entropy.Seeded(8))
	pub := key.Public().(ed25519.PublicKey)
	r := sample(t, 4)
	s, err := Sign(r, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(s, pub); err != nil {
		t.Fatalf("verify: %v", err)
	}
	tamper := func(edit func(*Signed)) *Signed {
		c := *s
		c.Body = append([]byte(nil), s.Body...)
		c.Sig = append([]byte(nil), s.Sig...)
		edit(&c)
		return &c
	}
	otherSigned, _ := Sign(sample(t, 4), other)
	for _, tc := range []struct {
		name string
		s    *Signed
		pub  ed25519.PublicKey
		want error
	}{
		{"body byte flipped", tamper(func(c *Signed) { c.Body[len(c.Body)-3] ^= 1 }), pub, ErrHash},
		{"hash replaced to match tampered body", tamper(func(c *Signed) { c.Body[len(c.Body)-3] ^= 1; c.Hash = Sum(c.Body) }), pub, ErrSignature},
		{"signature flipped", tamper(func(c *Signed) { c.Sig[0] ^= 1 }), pub, ErrSignature},
		{"another device's key", otherSigned, pub, ErrSignature},
		{"envelope uuid changed", tamper(func(c *Signed) { c.UUID = "00000000-0000-4000-8000-000000000000" }), pub, ErrInvalid},
		{"short public key", s, pub[:10], ErrSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Verify(tc.s, tc.pub); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	// Envelope round trip, CBOR and JSON.
	b, err := MarshalSigned(s)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := UnmarshalSigned(b)
	if err != nil || s2.Hash != s.Hash || !bytes.Equal(s2.Body, s.Body) {
		t.Fatalf("signed round trip: %v", err)
	}
	j, _ := json.Marshal(s)
	var s3 Signed
	if err := json.Unmarshal(j, &s3); err != nil || s3.Hash != s.Hash {
		t.Fatalf("json round trip: %v", err)
	}
	if !bytes.Contains(j, []byte(s.Hash.String())) {
		t.Error("json hash is not hex")
	}
}

func FuzzUnmarshalSigned(f *testing.F) {
	key, _ := GenerateKey(entropy.Seeded(7))
	s, _ := Sign(sample(f, 5), key)
	b, _ := MarshalSigned(s)
	f.Add(b)
	f.Add([]byte{})
	f.Add(b[:20])
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := UnmarshalSigned(b)
		if err != nil {
			return
		}
		_, _ = Verify(s, key.Public().(ed25519.PublicKey))
	})
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "device.key")
	if _, err := ReadKey(p); !errors.Is(err, ErrNoKey) {
		t.Fatalf("missing: %v", err)
	}
	k, _ := GenerateKey(entropy.Seeded(9))
	if err := WriteKey(p, k); err != nil {
		t.Fatal(err)
	}
	if err := WriteKey(p, k); err == nil {
		t.Error("overwrote an existing key")
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	k2, err := ReadKey(p)
	if err != nil || !k2.Equal(k) {
		t.Fatalf("read back: %v", err)
	}
	os.Chmod(p, 0o644)
	if _, err := ReadKey(p); err == nil {
		t.Error("accepted a world-readable key")
	}
	for _, bad := range []string{"", "garbage", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"} {
		if _, err := ParseKey([]byte(bad)); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}

func TestReference(t *testing.T) {
	for in, want := range map[string]string{
		"3f2a91c0-7d4e-4b8a-9c1d-2e5f6a7b8c9d": "3F2A-91C0",
		"3F2A":                                 "3F2A",
		"":                                     "",
	} {
		if got := Reference(in); got != want {
			t.Errorf("Reference(%q) = %q, want %q", in, got, want)
		}
	}
}
