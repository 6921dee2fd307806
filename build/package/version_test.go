package main

import (
	"strings"
	"testing"
)

var debVersionTests = []struct {
	in, want string
	err      bool
}{
	{in: "v1.2.0", want: "1.2.0"},
	{in: "1.2.0", want: "1.2.0"},
	{in: "v1.2.0-3-g1a2b3c4", want: "1.2.0+3.g1a2b3c4"},
	{in: "v1.2.0-3-g1a2b3c4-dirty", want: "1.2.0+3.g1a2b3c4.dirty"},
	{in: "1a2b3c4", want: "0.0.0+1a2b3c4"}, // a hash starting with a digit
	{in: "1a2b3c4-dirty", want: "0.0.0+1a2b3c4.dirty"},
	{in: "v1.2", want: "1.2"},
	{in: "ba8a60a", want: "0.0.0+ba8a60a"},
	{in: "ba8a60a-dirty", want: "0.0.0+ba8a60a.dirty"},
	{in: "0.0.0+ba8a60a-dirty", want: "0.0.0+ba8a60a.dirty"},
	{in: "1.2.0~rc1", want: "1.2.0~rc1"},
	{in: " v2.0.0\n", want: "2.0.0"},
	{in: "", err: true},
	{in: "v1.2.0 beta", err: true},
	{in: "1.2.0/x", err: true},
	{in: "1.2.0-", err: true},
	{in: "1..2", err: true},
	{in: "版本1", err: true},
}

func TestDebVersion(t *testing.T) {
	for _, tt := range debVersionTests {
		got, err := debVersion(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("debVersion(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("debVersion(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzDebVersion(f *testing.F) {
	for _, tt := range debVersionTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := debVersion(in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "package: ") {
				t.Fatalf("error %q lacks the prefix", err)
			}
			return
		}
		if v == "" || v[0] < '0' || v[0] > '9' {
			t.Fatalf("%q -> %q: does not start with a digit", in, v)
		}
		for _, r := range v {
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune(".+~", r)) {
				t.Fatalf("%q -> %q: character %q", in, v, r)
			}
		}
		if again, err := debVersion(v); err != nil || again != v {
			t.Fatalf("%q -> %q -> %q, %v: not stable", in, v, again, err)
		}
	})
}
