package central_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hbzk/kiosk/central"
	"github.com/hbzk/kiosk/central/centraltest"
	"github.com/hbzk/kiosk/device/record"
)

// post sends body to path over cfg's TLS and returns the status and error
// message.
func post(t *testing.T, srv *centraltest.Server, cfg *tls.Config, path, ct string, body io.Reader) (int, string) {
	t.Helper()
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 20 * time.Second}
	resp, err := cl.Post(srv.URL+path, ct, body)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var eb record.ErrorBody
	if json.Unmarshal(b, &eb) != nil {
		em, dm := record.CBOR()
		_ = em
		dm.Unmarshal(b, &eb)
	}
	return resp.StatusCode, eb.Error
}

// endless is a body that never ends (a reader of 'a's).
type endless struct{ n atomic.Int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n.Add(int64(len(p)))
	return len(p), nil
}

// Bodies are limited per endpoint and read as a stream: the read stops at
// the first limit crossed (an endless enrolment body is refused after a
// few KB), an upload's record count is checked before any record is
// decoded, and trailing data after a request's value is refused.
func TestBodyLimits(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	k := enrol(t, srv, srv.Tokens(t, 1)[0], 1, nil)
	anon := &tls.Config{RootCAs: k.tls.RootCAs}

	body := &endless{}
	code, msg := post(t, srv, anon, "/v1/enrol", "application/json", io.MultiReader(strings.NewReader(`{"token":"`), body))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "8192") {
		t.Errorf("endless enrolment: %d %q", code, msg)
	}
	if body.n.Load() > 4<<20 {
		t.Errorf("server read %d bytes of an enrolment body", body.n.Load())
	}

	// CBOR: the array header says 100000 records, and nothing follows:
	// refused on the header alone.
	code, msg = post(t, srv, k.tls, "/v1/records", "application/cbor", bytes.NewReader([]byte("\xa1\x67records\x9a\x00\x01\x86\xa0")))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "batch of 100000 records: at most 64") {
		t.Errorf("cbor batch count: %d %q", code, msg)
	}
	// JSON: counted while streaming, refused at the 65th, before the rest
	// (here endless) is read.
	body = &endless{}
	many := strings.Repeat(`{"uuid":"x"},`, 65)
	code, msg = post(t, srv, k.tls, "/v1/records", "application/json", io.MultiReader(strings.NewReader(`{"records":[`+many), body))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "at most 64") {
		t.Errorf("json batch count: %d %q", code, msg)
	}
	if body.n.Load() > 4<<20 {
		t.Errorf("server read %d bytes past the 65th record", body.n.Load())
	}
	// A record body over the largest record size.
	big, _ := json.Marshal(record.UploadRequest{Records: []record.Signed{{UUID: "u", Body: make([]byte, central.DefaultMaxRecordBytes+1)}}})
	if code, msg = post(t, srv, k.tls, "/v1/records", "application/json", bytes.NewReader(big)); code != http.StatusBadRequest || !strings.Contains(msg, "at most") {
		t.Errorf("oversized record: %d %q", code, msg)
	}

	// Trailing garbage.
	for _, tc := range []struct{ path, ct, body string }{
		{"/v1/records", "application/json", `{"records":[]} {"records":[]}`},
		{"/v1/records", "application/json", `{"records":[]}x`},
		{"/v1/heartbeat", "application/json", `{"software":"t"}garbage`},
		{"/v1/enrol", "application/json", `{"token":"t"}[]`},
		{"/v1/records", "application/cbor", "\xa1\x67records\x80\x00"},
		{"/v1/heartbeat", "application/cbor", "\xa0\xa0"},
	} {
		cfg := k.tls
		if tc.path == "/v1/enrol" {
			cfg = anon
		}
		if code, msg := post(t, srv, cfg, tc.path, tc.ct, strings.NewReader(tc.body)); code != http.StatusBadRequest || !strings.Contains(msg, "trailing") {
			t.Errorf("%s %q: %d %q, want 400 trailing", tc.path, tc.body, code, msg)
		}
	}
	// The same bodies without the garbage are fine.
	if code, msg := post(t, srv, k.tls, "/v1/records", "application/json", strings.NewReader(`{"records":[]}`+"\n")); code != 200 {
		t.Errorf("empty upload: %d %q", code, msg)
	}
	if code, msg := post(t, srv, k.tls, "/v1/records", "application/cbor", strings.NewReader("\xa1\x67records\x80")); code != 200 {
		t.Errorf("empty cbor upload: %d %q", code, msg)
	}
}

// A connection that sends nothing is closed after the header timeout; at
// most MaxConns connections are served at once (the next one waits).
func TestConnectionLimits(t *testing.T) {
	slow := centraltest.Start(t, centraltest.Options{Config: func(c *central.Config) { c.ReadHeaderTimeout = 300 * time.Millisecond }})
	silent, err := net.Dial("tcp", slow.Addr)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	silent.SetReadDeadline(time.Now().Add(8 * time.Second))
	if _, err := silent.Read(make([]byte, 1)); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("silent connection: %v after %s, want closed by the server within the header timeout", err, time.Since(start))
	}
	silent.Close()

	srv := centraltest.Start(t, centraltest.Options{Config: func(c *central.Config) {
		c.MaxConns = 3
		c.ReadHeaderTimeout = time.Minute
	}})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(srv.CA)
	anon := &tls.Config{RootCAs: pool}
	var held []*tls.Conn
	for range 3 {
		c, err := tls.Dial("tcp", srv.Addr, anon)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	fourth, err := tls.DialWithDialer(&net.Dialer{Deadline: time.Now().Add(500 * time.Millisecond)}, "tcp", srv.Addr, anon)
	if err == nil {
		fourth.Close()
		t.Error("a fourth connection was served while three were open")
	}
	held[0].Close()
	if c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", srv.Addr, anon); err != nil {
		t.Errorf("after one closed: %v", err)
	} else {
		c.Close()
	}
	for _, c := range held[1:] {
		c.Close()
	}
}

// A flood of rejected requests writes a bounded number of rows (rate
// limited); the metrics still count them all.
func TestRejectionsRateLimited(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{Config: func(c *central.Config) {
		c.RejectRate, c.RejectBurst = 0.001, 5
	}})
	k := enrol(t, srv, srv.Tokens(t, 1)[0], 1, nil)
	anon := &tls.Config{RootCAs: k.tls.RootCAs}
	for range 60 {
		if code, _ := post(t, srv, anon, "/v1/records", "application/json", strings.NewReader(`{"records":[]}`)); code != 401 {
			t.Fatalf("no certificate: %d", code)
		}
	}
	if st := srv.Stats(t); st.Rejected > 6 {
		t.Errorf("%d rejection rows for 60 rejected requests (burst 5)", st.Rejected)
	}
	if n := strings.Count(srv.Logs(), "rejected"); n > 6 {
		t.Errorf("%d rejection log lines", n)
	}
}
