package central

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
)

// FuzzUploadBody feeds arbitrary bodies to POST /v1/records from an
// enrolled device: the answer is 200 (with one result per record) or 400,
// never a panic or a 5xx. Seeded with a good CBOR and JSON upload, a
// tampered one and garbage.
func FuzzUploadBody(f *testing.F) {
	seeds, call := uploadHarness(f)
	for i, seed := range seeds {
		f.Add(seed, i != len(seeds)-1)
	}
	f.Fuzz(func(t *testing.T, body []byte, cbor bool) {
		if code, msg := call(body, cbor); code != http.StatusOK && code != http.StatusBadRequest && code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d: %s", code, msg)
		}
	})
}

// TestUploadBodyMutations runs the fuzz target's check over a few thousand
// deterministic mutations of its seeds (a fuzzing smoke test in every
// go test run).
func TestUploadBodyMutations(t *testing.T) {
	seeds, call := uploadHarness(t)
	rnd := entropy.Seeded(9)
	n := 3000
	if testing.Short() {
		n = 300
	}
	for range n {
		i, _ := entropy.Intn(rnd, len(seeds))
		b := append([]byte(nil), seeds[i]...)
		k, _ := entropy.Intn(rnd, 4)
		for ; k >= 0 && len(b) > 0; k-- {
			at, _ := entropy.Intn(rnd, len(b))
			v, _ := entropy.Intn(rnd, 256)
			b[at] = byte(v)
		}
		if cut, _ := entropy.Intn(rnd, 5); cut == 0 && len(b) > 1 {
			l, _ := entropy.Intn(rnd, len(b))
			b = b[:l]
		}
		if code, msg := call(b, i != len(seeds)-1); code != http.StatusOK && code != http.StatusBadRequest && code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d: %s (body % x)", code, msg, b)
		}
	}
}

// uploadHarness is an enrolled device in front of a server on SQLite: it
// returns seed bodies (the last one JSON) and a function that posts a body
// and returns the status.
func uploadHarness(tb testing.TB) ([][]byte, func(body []byte, cbor bool) (int, string)) {
	dir := tb.TempDir()
	st, err := Open(context.Background(), "sqlite:"+filepath.Join(dir, "c.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	f := tb
	ca, cert, err := LoadOrCreateTLS(filepath.Join(dir, "tls"), nil, time.Now(), entropy.Seeded(1))
	if err != nil {
		f.Fatal(err)
	}
	srv, _ := NewServer(Config{Storage: st, CA: ca, ServerCert: cert})
	d, key := testDevice(1, "")
	toks, _ := CreateTokens(context.Background(), st, 1, TokenSpec{Site: "s1", Expires: time.Now().Add(time.Hour)}, testFP, time.Now(), entropy.Seeded(2))
	if _, err := st.Enrol(context.Background(), TokenHash(secretOf(toks[0])), "", d); err != nil {
		f.Fatal(err)
	}
	certPEM, _, _ := ca.IssueClientCert(d.PublicKey, d.ID, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	blk, _ := pem.Decode(certPEM)
	leaf, _ := x509.ParseCertificate(blk.Bytes)

	r, _ := record.New(entropy.Seeded(3), d.ID)
	s, _ := record.Sign(r, key)
	em, _ := record.CBOR()
	good, _ := em.Marshal(record.UploadRequest{Records: []record.Signed{*s}})
	js, _ := json.Marshal(record.UploadRequest{Records: []record.Signed{*s}})
	bad := *s
	bad.Body = append([]byte(nil), s.Body...)
	bad.Body[5] ^= 1
	tampered, _ := em.Marshal(record.UploadRequest{Records: []record.Signed{bad}})
	seeds := [][]byte{good, tampered, {0xa0}, {0xff, 0x00}, []byte("{}"), js}
	return seeds, func(body []byte, cbor bool) (int, string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/records", bytes.NewReader(body))
		if cbor {
			req.Header.Set("Content-Type", "application/cbor")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		req.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}}
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
}
