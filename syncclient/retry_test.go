package syncclient

import (
	"testing"
	"time"
)

var retryCases = []struct {
	in   string
	want time.Duration
}{
	{"", 0}, {"0", 0}, {"99999999999999999", 7 * 24 * time.Hour}, {"7", 7 * time.Second}, {" 30 ", 30 * time.Second}, {"-3", 0}, {"soon", 0},
	{"Sat, 11 Apr 2026 08:01:30 GMT", 90 * time.Second}, {"Sat, 11 Apr 2026 07:00:00 GMT", 0},
}

var retryNow = time.Date(2026, 4, 11, 8, 0, 0, 0, time.UTC)

func TestRetryAfterParse(t *testing.T) {
	for _, tc := range retryCases {
		if got := retryAfter(tc.in, retryNow); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.in, got, tc.want)
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, tc := range retryCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if d := retryAfter(in, retryNow); d < 0 {
			t.Fatalf("%q: negative wait %v", in, d)
		}
	})
}
