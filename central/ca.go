package central

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// CA is central's certificate authority: it signs the server certificate
// and the devices' client certificates.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	PEM  []byte
	Pool *x509.CertPool
	rand io.Reader
}

// Files in the TLS folder.
const (
	CAFile         = "ca.pem"
	caKeyFile      = "ca.key"
	ServerCertFile = "server.pem"
	serverKeyFile  = "server.key"
)

// serverBackdate lets kiosks whose clock runs behind still accept the
// server certificate.
const serverBackdate = 7 * 24 * time.Hour

// LoadOrCreateTLS reads the CA and server certificate from dir, creating
// what is missing: the CA on first start, and the server certificate when
// it is missing, does not name every host, or expires within 30 days. The
// server certificate always names 127.0.0.1, ::1 and localhost.
func LoadOrCreateTLS(dir string, hosts []string, now time.Time, rand io.Reader) (*CA, tls.Certificate, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("central: tls dir: %w", err)
	}
	ca, err := loadCA(dir, rand)
	if errors.Is(err, fs.ErrNotExist) {
		ca, err = createCA(dir, now, rand)
	}
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	hosts = append([]string{"127.0.0.1", "::1", "localhost"}, hosts...)
	certPath, keyPath := filepath.Join(dir, ServerCertFile), filepath.Join(dir, serverKeyFile)
	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && serverCertFits(c, ca, hosts, now) {
		return ca, withCA(c, ca), nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("central: server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(rand),
		Subject:      pkix.Name{CommonName: "centrald"},
		NotBefore:    now.Add(-serverBackdate),
		NotAfter:     now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("central: server certificate: %w", err)
	}
	if err := writePEM(certPath, "CERTIFICATE", der, 0o644); err != nil {
		return nil, tls.Certificate{}, err
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	if err := writePEM(keyPath, "PRIVATE KEY", kder, 0o600); err != nil {
		return nil, tls.Certificate{}, err
	}
	c, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("central: server certificate: %w", err)
	}
	return ca, withCA(c, ca), nil
}

// withCA sends the CA after the leaf, so that a kiosk enrolling with a
// pinned CA fingerprint can check it before it sends its token.
func withCA(c tls.Certificate, ca *CA) tls.Certificate {
	c.Certificate = append(c.Certificate[:1:1], ca.Cert.Raw)
	return c
}

func serverCertFits(c tls.Certificate, ca *CA, hosts []string, now time.Time) bool {
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil || now.Add(30*24*time.Hour).After(leaf.NotAfter) {
		return false
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: ca.Pool, CurrentTime: now}); err != nil {
		return false
	}
	for _, h := range hosts {
		if h != "" && leaf.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

func loadCA(dir string, rand io.Reader) (*CA, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, CAFile))
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, caKeyFile))
	if err != nil {
		return nil, fmt.Errorf("central: CA key: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("central: CA in %s: %w", dir, err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("central: CA: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{Cert: cert, Key: pair.PrivateKey.(crypto.Signer), PEM: certPEM, Pool: pool, rand: rand}, nil
}

func createCA(dir string, now time.Time, rand io.Reader) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand)
	if err != nil {
		return nil, fmt.Errorf("central: CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(rand),
		Subject:               pkix.Name{CommonName: "kiosk central CA"},
		NotBefore:             now.Add(-serverBackdate),
		NotAfter:              now.Add(20 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("central: CA: %w", err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	// Key first: a ca.pem without its key would be a broken CA.
	if err := writePEM(filepath.Join(dir, caKeyFile), "PRIVATE KEY", kder, 0o600); err != nil {
		return nil, err
	}
	if err := writePEM(filepath.Join(dir, CAFile), "CERTIFICATE", der, 0o644); err != nil {
		return nil, err
	}
	return loadCA(dir, rand)
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("central: write %s: %w", path, err)
	}
	if err := pem.Encode(f, &pem.Block{Type: typ, Bytes: der}); err != nil {
		f.Close()
		return fmt.Errorf("central: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("central: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("central: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("central: write %s: %w", path, err)
	}
	return nil
}

func serial(rand io.Reader) *big.Int {
	b := make([]byte, 16)
	io.ReadFull(rand, b)
	b[0] &= 0x7f
	return new(big.Int).SetBytes(b)
}

// DeviceID is the id central gives the device holding pub: "k" and the
// first 16 hex digits of SHA-256(pub). The same key always gets the same id.
func DeviceID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return "k" + hex.EncodeToString(h[:8])
}

// IssueClientCert signs a client certificate for a device key, valid from
// notBefore to notAfter, with the device id as common name.
func (ca *CA) IssueClientCert(pub ed25519.PublicKey, deviceID string, notBefore, notAfter time.Time) ([]byte, *x509.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber: serial(ca.rand),
		Subject:      pkix.Name{CommonName: deviceID, OrganizationalUnit: []string{"kiosk"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(ca.rand, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("central: client certificate: %w", err)
	}
	cert, _ := x509.ParseCertificate(der)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), cert, nil
}

// CAFingerprint is the hex SHA-256 of the DER of the CA in a TLS folder
// (what a pinned enrolment token carries, prefix of 32 hex digits).
func CAFingerprint(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, CAFile))
	if err != nil {
		return "", fmt.Errorf("central: CA: %w (start centrald serve once to create it)", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return "", fmt.Errorf("central: %s: not PEM", filepath.Join(dir, CAFile))
	}
	h := sha256.Sum256(blk.Bytes)
	return hex.EncodeToString(h[:]), nil
}
