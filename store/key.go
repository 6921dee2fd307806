package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/crypto/hkdf"
)

// ErrNoKey: the at-rest key file does not exist (run kioskctl provision).
var ErrNoKey = errors.New("store: no at-rest key file (run kioskctl provision)")

// Key is the at-rest key. The file holds 32 random bytes in hex; an
// encryption key and an HMAC key are derived from them with HKDF-SHA256.
type Key struct {
	enc, mac [32]byte
}

func deriveKey(master []byte) (*Key, error) {
	var k Key
	for _, d := range []struct {
		info string
		out  []byte
	}{{"kiosk store seal v1", k.enc[:]}, {"kiosk store id-hmac v1", k.mac[:]}} {
		if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte(d.info)), d.out); err != nil {
			return nil, fmt.Errorf("store: derive key: %w", err)
		}
	}
	return &k, nil
}

// CreateKey writes a new key read from rand to path (mode 0600). It refuses
// to overwrite an existing file.
func CreateKey(path string, rand io.Reader) error {
	var m [32]byte
	if _, err := io.ReadFull(rand, m[:]); err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(m[:]) + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("store: create key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("store: create key: %w", err)
	}
	return f.Close()
}

// LoadKey reads a key file written by CreateKey. A missing file is
// ErrNoKey; a file others may read is refused.
func LoadKey(path string) (*Key, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoKey, path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("store: key %s has mode %v: want 0600 (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("store: key: %w", err)
	}
	m, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(m) != 32 {
		return nil, fmt.Errorf("store: key %s: want 64 hex digits", path)
	}
	return deriveKey(m)
}

// KeyFromBytes derives a key from 32 bytes (tests, tools).
func KeyFromBytes(master []byte) (*Key, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("store: key: %d bytes, want 32", len(master))
	}
	return deriveKey(master)
}
