// Package techpin keeps the technician PIN of one kiosk: stored only as a
// slow salted hash (argon2id), checked in constant time, and guarded by a
// lockout that doubles after each run of wrong entries, so that the PIN pad
// in the corner of a public screen cannot be brute-forced.
//
// The guard's state (failures, lockout) is a small value the caller keeps
// durably, so pulling the power does not reset a lockout.
package techpin

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the OWASP minimum for argon2id (19 MiB, 2 passes).
// A check costs tens of milliseconds on the kiosk's CPU, which together with
// the lockout makes guessing a 6-digit PIN take years.
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	keyLen    = 32
	saltLen   = 16
	scheme    = "argon2id"
)

// MinLength and MaxLength bound a PIN's digits.
const (
	MinLength = 6
	MaxLength = 12
)

// ErrFormat: a stored hash that is not one this package wrote.
var ErrFormat = errors.New("techpin: stored hash is not argon2id$m=..,t=..,p=..$salt$hash")

// Validate reports whether pin is acceptable as a new PIN: digits only,
// MinLength to MaxLength of them, and not a trivial sequence.
func Validate(pin string) error {
	if len(pin) < MinLength || len(pin) > MaxLength {
		return fmt.Errorf("techpin: a PIN has %d to %d digits, not %d", MinLength, MaxLength, len(pin))
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return errors.New("techpin: a PIN has digits only")
		}
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		same = same && d == 0
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
	}
	if same || up || down {
		return errors.New("techpin: the PIN is a trivial sequence (one digit repeated, or counting up or down)")
	}
	return nil
}

// Hash returns the stored form of pin with a salt drawn from rnd.
func Hash(pin string, rnd io.Reader) (string, error) {
	if err := Validate(pin); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return "", fmt.Errorf("techpin: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, passes, memoryKiB, lanes, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("%s$m=%d,t=%d,p=%d$%s$%s", scheme, memoryKiB, passes, lanes, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// Verify reports whether pin matches the stored hash, in constant time.
func Verify(stored, pin string) (bool, error) {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != scheme {
		return false, ErrFormat
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[1], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 16 {
		return false, ErrFormat
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(want) < 16 {
		return false, ErrFormat
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Lockout policy: FreeTries wrong entries in a row are allowed, then every
// further wrong entry locks the pad for a time that starts at FirstLock and
// doubles up to MaxLock.
const (
	FreeTries = 3
	FirstLock = 30 * time.Second
	MaxLock   = time.Hour
)

// State is what the guard must keep across restarts.
type State struct {
	Failures    int       `json:"failures"`
	LockedUntil time.Time `json:"locked_until"`
}

// Outcome is the answer to one PIN entry.
type Outcome int

const (
	// Accepted: the PIN was right; the failure count is reset.
	Accepted Outcome = iota
	// Rejected: the PIN was wrong; more tries may follow.
	Rejected
	// Locked: the pad is locked; the entry was not checked.
	Locked
)

func (o Outcome) String() string {
	switch o {
	case Accepted:
		return "accepted"
	case Rejected:
		return "rejected"
	case Locked:
		return "locked"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Check applies one entry of pin at now against the stored hash: it
// returns the outcome, the new state (to be saved before the answer is
// acted on), and how long the pad stays locked from now (zero when not
// locked). A locked pad does not check the PIN at all, so the lockout
// cannot be used as an oracle.
func Check(stored, pin string, st State, now time.Time) (Outcome, State, time.Duration, error) {
	if now.Before(st.LockedUntil) {
		return Locked, st, st.LockedUntil.Sub(now), nil
	}
	ok, err := Verify(stored, pin)
	if err != nil {
		return Rejected, st, 0, err
	}
	if ok {
		return Accepted, State{}, 0, nil
	}
	st.Failures++
	var wait time.Duration
	if over := st.Failures - FreeTries; over > 0 {
		wait = FirstLock
		for i := 1; i < over && wait < MaxLock; i++ {
			wait *= 2
		}
		if wait > MaxLock {
			wait = MaxLock
		}
		st.LockedUntil = now.Add(wait)
	}
	return Rejected, st, wait, nil
}

// FileName is the PIN file in the kiosk's state folder.
const FileName = "techpin.json"

// File is what the PIN file holds: the hash, the PIN's number of digits
// (so the pad knows when an entry is complete) and the guard's state.
type File struct {
	Hash   string `json:"hash"`
	Digits int    `json:"digits"`
	State  State  `json:"state"`
}

// ErrNoPIN: no PIN was set on this kiosk (kioskctl pin set).
var ErrNoPIN = errors.New("techpin: no technician PIN is set on this kiosk (set one with: kioskctl pin set)")

// Load reads the PIN file in dir.
func Load(dir string) (File, error) {
	var f File
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return f, ErrNoPIN
	}
	if err != nil {
		return f, fmt.Errorf("techpin: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("techpin: %s: %w", FileName, err)
	}
	if f.Digits < MinLength || f.Digits > MaxLength {
		return f, fmt.Errorf("techpin: %s: %d digits: %w", FileName, f.Digits, ErrFormat)
	}
	if _, err := Verify(f.Hash, ""); err != nil {
		return f, fmt.Errorf("techpin: %s: %w", FileName, err)
	}
	return f, nil
}

// Save writes the PIN file in dir atomically (a temporary file, synced,
// then renamed), readable by its owner only.
func Save(dir string, f File) error {
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("techpin: %w", err)
	}
	tmp, err := os.CreateTemp(dir, FileName+".*")
	if err != nil {
		return fmt.Errorf("techpin: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		_, err = tmp.Write(b)
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), filepath.Join(dir, FileName))
		}
	} else {
		tmp.Close()
	}
	if err != nil {
		return fmt.Errorf("techpin: save: %w", err)
	}
	return nil
}

// Set hashes pin and writes it as the kiosk's PIN, with a fresh guard.
func Set(dir, pin string, rnd io.Reader) error {
	h, err := Hash(pin, rnd)
	if err != nil {
		return err
	}
	return Save(dir, File{Hash: h, Digits: len(pin)})
}
