package record

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNoKey: the key file does not exist (the device is not provisioned).
var ErrNoKey = errors.New("no device key (run kioskctl provision)")

// GenerateKey makes a device key from rand.
func GenerateKey(rand io.Reader) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("record: generate device key: %w", err)
	}
	return priv, nil
}

// WriteKey writes key as PKCS#8 PEM to a new file of mode 0600. It refuses
// to overwrite an existing file.
func WriteKey(path string, key ed25519.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("record: write key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("record: write key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return fmt.Errorf("record: write key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("record: write key: %w", err)
	}
	return f.Close()
}

// ReadKey reads a key written by WriteKey. A missing file is ErrNoKey; a
// file readable by others is refused.
func ReadKey(path string) (ed25519.PrivateKey, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("record: %s: %w", path, ErrNoKey)
	}
	if err != nil {
		return nil, fmt.Errorf("record: read key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("record: key %s has mode %v: want 0600 (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("record: read key: %w", err)
	}
	return ParseKey(data)
}

// ParseKey reads a PKCS#8 PEM ed25519 key.
func ParseKey(data []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("record: device key: not a PEM PRIVATE KEY")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("record: device key: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("record: device key: %T, want ed25519", k)
	}
	return ek, nil
}
