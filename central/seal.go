package central

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Sealer encrypts central's personal data at rest: record bodies and the
// roster's names and ID numbers. The key never goes into the database. A
// key file is one implementation (FileSealer); an external KMS can be
// another behind the same three methods.
type Sealer interface {
	// Seal encrypts and authenticates plaintext, bound to aad (the
	// row's identity, so a sealed value cannot be moved to another row).
	Seal(plaintext, aad []byte) ([]byte, error)
	// Unseal reverses Seal; ErrUnseal when the value or aad do not match.
	Unseal(sealed, aad []byte) ([]byte, error)
	// Lookup is a keyed hash (HMAC) of a value that must be found by
	// equality, such as an ID number: stored instead of the value.
	Lookup(value string) string
}

// Errors of sealing.
var (
	ErrUnseal    = errors.New("central: sealed data does not open with this key (wrong key file or tampered row)")
	ErrNeedsKey  = errors.New("central: this database holds sealed personal data: give --key-file")
	ErrKeyFile   = errors.New("central: key file")
	sealedPrefix = []byte("KSE1")
)

// keyFileSize is the length of a key file: 64 hex digits and a newline.
const keyFileSize = 65

// CreateKeyFile writes a new random 256-bit master key to path (mode
// 0600), refusing to overwrite one: a lost key loses the data it sealed.
func CreateKeyFile(path string, rand io.Reader) error {
	k := make([]byte, 32)
	if _, err := io.ReadFull(rand, k); err != nil {
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	return f.Close()
}

// FileSealer seals with AES-256-GCM under a key derived from a master key
// file, and looks up with HMAC-SHA256 under another derived key.
type FileSealer struct {
	aead cipher.AEAD
	mac  []byte
	rand io.Reader
}

// LoadKeyFile reads a master key written by CreateKeyFile. The file must
// be readable by its owner only (0600 or tighter).
func LoadKeyFile(path string, rand io.Reader) (*FileSealer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w (create one with centrald key create --key-file %s)", ErrKeyFile, err, path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w %s: mode %v: want 0600 (chmod 600 %s)", ErrKeyFile, path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	master, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(master) != 32 {
		return nil, fmt.Errorf("%w %s: want 64 hex digits", ErrKeyFile, path)
	}
	return NewSealer(master, rand)
}

// NewSealer derives the sealing and lookup keys from a 32-byte master.
func NewSealer(master []byte, rand io.Reader) (*FileSealer, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("%w: master key of %d bytes, want 32", ErrKeyFile, len(master))
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, master)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	blk, err := aes.NewCipher(derive("kiosk central seal v1"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	return &FileSealer{aead: aead, mac: derive("kiosk central lookup v1"), rand: rand}, nil
}

var _ Sealer = (*FileSealer)(nil)

// Seal returns "KSE1" | nonce | ciphertext+tag.
func (f *FileSealer) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, len(sealedPrefix)+f.aead.NonceSize(), len(sealedPrefix)+f.aead.NonceSize()+len(plaintext)+f.aead.Overhead())
	copy(out, sealedPrefix)
	if _, err := io.ReadFull(f.rand, out[len(sealedPrefix):]); err != nil {
		return nil, fmt.Errorf("central: seal: %w", err)
	}
	return f.aead.Seal(out, out[len(sealedPrefix):], plaintext, aad), nil
}

func (f *FileSealer) Unseal(sealed, aad []byte) ([]byte, error) {
	n := len(sealedPrefix) + f.aead.NonceSize()
	if !isSealed(sealed) || len(sealed) < n+f.aead.Overhead() {
		return nil, ErrUnseal
	}
	p, err := f.aead.Open(nil, sealed[len(sealedPrefix):n], sealed[n:], aad)
	if err != nil {
		return nil, ErrUnseal
	}
	return p, nil
}

func (f *FileSealer) Lookup(value string) string {
	m := hmac.New(sha256.New, f.mac)
	m.Write([]byte(value))
	return lookupPrefix + hex.EncodeToString(m.Sum(nil))
}

// lookupPrefix marks a roster key that is a Lookup, not an ID number.
const lookupPrefix = "h1:"

func isSealed(b []byte) bool {
	return len(b) >= len(sealedPrefix) && string(b[:len(sealedPrefix)]) == string(sealedPrefix)
}
