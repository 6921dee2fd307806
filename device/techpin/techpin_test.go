package techpin

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		pin  string
		want string // "" = accepted
	}{
		{"258013", ""},
		{"90817263", ""},
		{"24681", "6 to 12 digits"},
		{"1234567890123", "6 to 12 digits"},
		{"12a456", "digits only"},
		{"000000", "trivial"},
		{"123456", "trivial"},
		{"890123", "trivial"},
		{"654321", "trivial"},
	} {
		err := Validate(tt.pin)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Validate(%q) = %v, want %q", tt.pin, err, tt.want)
		}
	}
}

func TestHashVerify(t *testing.T) {
	h, err := Hash("258013", bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "258013") || !strings.HasPrefix(h, "argon2id$m=19456,t=2,p=1$") {
		t.Fatalf("stored form %q", h)
	}
	if ok, err := Verify(h, "258013"); !ok || err != nil {
		t.Errorf("right PIN: %v %v", ok, err)
	}
	if ok, err := Verify(h, "258014"); ok || err != nil {
		t.Errorf("wrong PIN: %v %v", ok, err)
	}
	// Two hashes of one PIN differ by their salt.
	h2, _ := Hash("258013", bytes.NewReader(bytes.Repeat([]byte{8}, 64)))
	if h2 == h {
		t.Error("the salt does not change the hash")
	}
	if _, err := Hash("123456", bytes.NewReader(make([]byte, 64))); err == nil {
		t.Error("a trivial PIN was hashed")
	}
	if _, err := Hash("258013", bytes.NewReader(nil)); err == nil {
		t.Error("no randomness, no error")
	}
}

func TestVerifyMalformed(t *testing.T) {
	h, _ := Hash("258013", bytes.NewReader(make([]byte, 64)))
	parts := strings.Split(h, "$")
	for _, bad := range []string{
		"", "246810", "bcrypt$x$y$z",
		strings.Join([]string{parts[0], "m=0,t=2,p=1", parts[2], parts[3]}, "$"),
		strings.Join([]string{parts[0], "m=99999999,t=2,p=1", parts[2], parts[3]}, "$"),
		strings.Join([]string{parts[0], parts[1], "!!", parts[3]}, "$"),
		strings.Join([]string{parts[0], parts[1], parts[2], "AAAA"}, "$"),
	} {
		if ok, err := Verify(bad, "258013"); ok || !errors.Is(err, ErrFormat) {
			t.Errorf("Verify(%q) = %v, %v; want ErrFormat", bad, ok, err)
		}
	}
}

func TestLockout(t *testing.T) {
	h, _ := Hash("258013", bytes.NewReader(make([]byte, 64)))
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	var st State
	try := func(pin string, want Outcome, wantWait time.Duration) {
		t.Helper()
		out, next, wait, err := Check(h, pin, st, now)
		if err != nil || out != want || wait != wantWait {
			t.Fatalf("Check(%s) at %s = %v wait %v err %v; want %v wait %v", pin, now.Format(time.TimeOnly), out, wait, err, want, wantWait)
		}
		st = next
	}
	// Three free tries, then 30 s, 60 s, 120 s ...
	try("111112", Rejected, 0)
	try("111113", Rejected, 0)
	try("111114", Rejected, 0)
	try("111115", Rejected, 30*time.Second)
	// While locked even the right PIN is not checked.
	now = now.Add(29 * time.Second)
	try("258013", Locked, time.Second)
	now = now.Add(time.Second)
	try("111116", Rejected, 60*time.Second)
	now = now.Add(60 * time.Second)
	try("111117", Rejected, 120*time.Second)
	// The state survives a restart as a value: a fresh Check with it is still locked.
	if out, _, _, _ := Check(h, "258013", st, now.Add(time.Minute)); out != Locked {
		t.Fatalf("the lockout did not survive in the state: %v", out)
	}
	now = now.Add(120 * time.Second)
	try("258013", Accepted, 0)
	if st != (State{}) {
		t.Errorf("a right PIN left state %+v", st)
	}
	// The lock never exceeds MaxLock.
	st = State{Failures: 40}
	try("111118", Rejected, MaxLock)
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); !errors.Is(err, ErrNoPIN) {
		t.Fatalf("no file: %v", err)
	}
	if err := Set(dir, "258013", bytes.NewReader(make([]byte, 64))); err != nil {
		t.Fatal(err)
	}
	f, err := Load(dir)
	if err != nil || f.Digits != 6 {
		t.Fatalf("Load = %+v, %v", f, err)
	}
	if st, _ := os.Stat(filepath.Join(dir, FileName)); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	f.State = State{Failures: 2}
	if err := Save(dir, f); err != nil {
		t.Fatal(err)
	}
	if g, _ := Load(dir); g.State.Failures != 2 {
		t.Errorf("state not kept: %+v", g)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	for name, body := range map[string]string{
		"not json":   "{",
		"bad digits": `{"hash":"` + f.Hash + `","digits":2}`,
		"bad hash":   `{"hash":"246810","digits":6}`,
	} {
		os.WriteFile(filepath.Join(dir, FileName), []byte(body), 0o600)
		if _, err := Load(dir); err == nil || errors.Is(err, ErrNoPIN) {
			t.Errorf("%s: Load = %v", name, err)
		}
	}
}
