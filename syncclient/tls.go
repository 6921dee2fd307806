package syncclient

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/record"
)

// LoadTLS builds the client's TLS configuration: the device certificate
// (PEM file) with the device key, and central's CA (PEM file) as the only
// root. now is the clock certificates are checked against (nil: system
// time).
func LoadTLS(certFile string, key ed25519.PrivateKey, caFile string, now func() time.Time) (*tls.Config, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("syncclient: device certificate: %w (run kioskctl provision)", err)
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("syncclient: central CA: %w (run kioskctl provision)", err)
	}
	return TLSConfig(certPEM, key, caPEM, now)
}

// TLSConfig is LoadTLS from bytes.
func TLSConfig(certPEM []byte, key ed25519.PrivateKey, caPEM []byte, now func() time.Time) (*tls.Config, error) {
	var chain [][]byte
	rest := certPEM
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			chain = append(chain, b.Bytes)
		}
	}
	if len(chain) == 0 {
		return nil, errors.New("syncclient: device certificate: no PEM CERTIFICATE")
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return nil, fmt.Errorf("syncclient: device certificate: %w", err)
	}
	if pk, ok := leaf.PublicKey.(ed25519.PublicKey); !ok || !pk.Equal(key.Public()) {
		return nil, errors.New("syncclient: device certificate is not for the device key (provision again with --force)")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("syncclient: central CA: no PEM CERTIFICATE")
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		RootCAs:      pool,
		Certificates: []tls.Certificate{{Certificate: chain, PrivateKey: key, Leaf: leaf}},
		Time:         now,
	}, nil
}

// CertInfo describes the device certificate, for status and self-test.
func CertInfo(certPEM []byte) (deviceID string, notAfter time.Time, err error) {
	b, _ := pem.Decode(certPEM)
	if b == nil {
		return "", time.Time{}, errors.New("syncclient: certificate: not PEM")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("syncclient: certificate: %w", err)
	}
	return c.Subject.CommonName, c.NotAfter, nil
}

// Fingerprint is the pin of a CA certificate: hex SHA-256 of its DER.
func Fingerprint(der []byte) string {
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:])
}

// Trust says how Enrol trusts central before it has central's CA.
type Trust struct {
	// CA is central's CA certificate (PEM) when the technician has it.
	CA []byte
	// Pin is a prefix (at least 16 hex digits) of the CA's Fingerprint,
	// e.g. from a pinned token "SECRET.PIN".
	Pin string
	// FirstUse accepts whatever CA central presents (trust on first use);
	// Enrol reports its fingerprint so the technician can compare.
	FirstUse bool
}

// SplitToken separates a pinned token "SECRET.PIN" into its parts.
func SplitToken(tok string) (secret, pin string) {
	if i := strings.IndexByte(tok, '.'); i >= 0 {
		return tok[:i], tok[i+1:]
	}
	return tok, ""
}

// Enrolment is what Enrol got from central.
type Enrolment struct {
	record.EnrolResponse
	// CAFingerprint is the fingerprint of the CA central presented.
	CAFingerprint string
}

// Enrol sends the token and the device's public key to central and returns
// the device id, the client certificate and the CA. The server must prove
// itself according to trust before the token is sent.
func Enrol(ctx context.Context, central string, trust Trust, req record.EnrolRequest) (*Enrolment, error) {
	u, err := url.Parse(central)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("syncclient: enrol: central %q: want an https:// URL", central)
	}
	host := u.Hostname()
	// Only the secret goes to central; a pinned token's fingerprint is
	// the trust when the caller gave none.
	secret, tokPin := SplitToken(req.Token)
	req.Token = secret
	if trust.CA == nil && trust.Pin == "" && !trust.FirstUse {
		trust.Pin = tokPin
	}
	var presented *x509.Certificate
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case trust.CA != nil:
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(trust.CA) {
			return nil, errors.New("syncclient: enrol: CA file holds no PEM certificate")
		}
		tc.RootCAs = pool
	case trust.Pin != "" || trust.FirstUse:
		pin := strings.ToLower(trust.Pin)
		if !trust.FirstUse && (len(pin) < 16 || strings.Trim(pin, "0123456789abcdef") != "") {
			return nil, fmt.Errorf("syncclient: enrol: CA pin %q: want at least 16 hex digits", trust.Pin)
		}
		// Verify by hand: the chain must hold a CA with the pinned
		// fingerprint that signed a leaf valid for the host.
		tc.InsecureSkipVerify = true
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) < 2 {
				return errors.New("central sent no CA certificate in its chain")
			}
			for _, ca := range cs.PeerCertificates[1:] {
				if !trust.FirstUse && !strings.HasPrefix(Fingerprint(ca.Raw), pin) {
					continue
				}
				pool := x509.NewCertPool()
				pool.AddCert(ca)
				if _, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool, DNSName: host}); err == nil {
					presented = ca
					return nil
				}
			}
			return errors.New("central's certificate does not chain to the pinned CA")
		}
	default:
		// System roots (central with a public certificate).
	}
	body, _ := json.Marshal(req)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(central, "/")+"/v1/enrol", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("syncclient: enrol: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: tc,
		DialContext: (&net.Dialer{Timeout: 15 * time.Second}).DialContext}}
	resp, err := hc.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("syncclient: enrol: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var eb record.ErrorBody
		msg := strings.TrimSpace(string(b))
		if json.Unmarshal(b, &eb) == nil && eb.Error != "" {
			msg = eb.Error
		}
		return nil, fmt.Errorf("syncclient: enrol: %w", &HTTPError{Status: resp.StatusCode, Msg: msg})
	}
	var out Enrolment
	if err := json.Unmarshal(b, &out.EnrolResponse); err != nil {
		return nil, fmt.Errorf("syncclient: enrol: bad answer: %w", err)
	}
	cb, _ := pem.Decode([]byte(out.CA))
	if cb == nil {
		return nil, errors.New("syncclient: enrol: answer has no CA")
	}
	out.CAFingerprint = Fingerprint(cb.Bytes)
	if presented != nil && !bytes.Equal(presented.Raw, cb.Bytes) {
		return nil, errors.New("syncclient: enrol: the CA in the answer is not the one central's certificate chains to")
	}
	// The certificate must be for our key and chain to the CA.
	if err := verifyIssued([]byte(out.Certificate), []byte(out.CA), req.PublicKey); err != nil {
		return nil, fmt.Errorf("syncclient: enrol: %w", err)
	}
	return &out, nil
}

// verifyIssued checks an issued certificate: for pub, chaining to ca, for
// client authentication.
func verifyIssued(certPEM, caPEM []byte, pub []byte) error {
	b, _ := pem.Decode(certPEM)
	if b == nil {
		return errors.New("answer has no certificate")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	if pk, ok := c.PublicKey.(ed25519.PublicKey); !ok || !pk.Equal(ed25519.PublicKey(pub)) {
		return errors.New("issued certificate is not for this device's key")
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	// Checked at the issuing time (central backdates by an hour): the
	// chain and the usage matter here, the kiosk's clock may be off.
	if _, err := c.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: c.NotBefore.Add(time.Hour),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return fmt.Errorf("issued certificate: %w", err)
	}
	return nil
}
