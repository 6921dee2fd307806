// Package centraltest runs a real central server in the test process, on
// 127.0.0.1, over a real database, for the sync client's, kioskctl's and
// loadgen's tests. The server can be stopped abruptly and restarted on the
// same address and database.
package centraltest

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hbzk/kiosk/central"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/logx"
)

// Options configure Start.
type Options struct {
	// DSN is the database (default: SQLite in a temporary folder).
	DSN string
	// Clock is the server's clock (default: real).
	Clock clock.Clock
	// Config adjusts the server config before it starts.
	Config func(*central.Config)
	// TLSDir shares a CA between servers (several centrald on one
	// database); default: a folder of its own.
	TLSDir string
}

// Server is a running central.
type Server struct {
	URL, Addr, DSN, TLSDir string
	// CA is central's CA certificate (PEM); CAFile its path.
	CA     []byte
	CAFile string
	// KeyFile is the key that seals personal data at rest (outside
	// the database's folder).
	KeyFile string

	o     Options
	logs  *syncBuffer
	mu    sync.Mutex
	st    central.Storage
	srv   *central.Server
	done  chan error
	ln    net.Listener
	dirty bool
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	dir := t.TempDir()
	if o.DSN == "" {
		o.DSN = "sqlite:" + filepath.Join(dir, "central.db")
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.TLSDir == "" {
		o.TLSDir = filepath.Join(dir, "tls")
	}
	s := &Server{DSN: o.DSN, TLSDir: o.TLSDir, o: o, logs: &syncBuffer{}}
	s.KeyFile = filepath.Join(t.TempDir(), "central.key")
	if err := central.CreateKeyFile(s.KeyFile, entropy.System); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.URL = "https://" + s.Addr
	s.start(t, ln)
	s.CAFile = filepath.Join(s.TLSDir, central.CAFile)
	s.CA, _ = os.ReadFile(s.CAFile)
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start(t testing.TB, ln net.Listener) {
	t.Helper()
	sealer, err := central.LoadKeyFile(s.KeyFile, entropy.System)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	st, err := central.OpenSealed(context.Background(), s.o.DSN, sealer)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ca, cert, err := central.LoadOrCreateTLS(s.TLSDir, nil, s.o.Clock.Now(), entropy.System)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	log, _ := logx.New(s.logs, logx.Options{Format: "text", Level: "debug"})
	cfg := central.Config{Storage: st, CA: ca, ServerCert: cert, Clock: s.o.Clock, Log: log}
	if s.o.Config != nil {
		s.o.Config(&cfg)
	}
	srv, err := central.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	s.mu.Lock()
	s.st, s.srv, s.done, s.ln = st, srv, done, ln
	s.mu.Unlock()
}

// Stop closes the server abruptly: connections are cut, requests in flight
// fail, the database is closed. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, st, done := s.srv, s.st, s.done
	s.srv, s.st = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	srv.CloseNow()
	<-done
	st.Close()
}

// Restart starts a stopped server again on the same address and database.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("restart on %s: %v", s.Addr, err)
	}
	s.start(t, ln)
}

// Storage is the running server's storage (nil when stopped).
func (s *Server) Storage() central.Storage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// Site is the site Tokens binds its tokens to.
const Site = "s1"

// Tokens creates n enrolment tokens for Site, valid for 72 hours, in the
// form centrald token create prints (SECRET.FINGERPRINT).
func (s *Server) Tokens(t testing.TB, n int) []string {
	t.Helper()
	return s.TokensFor(t, n, central.TokenSpec{Site: Site})
}

// TokensFor creates n enrolment tokens bound to spec (an Expires of zero
// is 72 hours from the server's clock).
func (s *Server) TokensFor(t testing.TB, n int, spec central.TokenSpec) []string {
	t.Helper()
	st, err := central.Open(context.Background(), s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := s.o.Clock.Now()
	if spec.Expires.IsZero() {
		spec.Expires = now.Add(72 * time.Hour)
	}
	fp, err := central.CAFingerprint(s.TLSDir)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := central.CreateTokens(context.Background(), st, n, spec, fp, now, entropy.System)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

// SetDemo marks a site demo (simulated records accepted) or not.
func (s *Server) SetDemo(t testing.TB, site string, demo bool) {
	t.Helper()
	st, err := central.Open(context.Background(), s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSiteDemo(context.Background(), site, demo, "test", s.o.Clock.Now()); err != nil {
		t.Fatal(err)
	}
}

// Stats reads the counts from the database.
func (s *Server) Stats(t testing.TB) central.Stats {
	t.Helper()
	st, err := central.Open(context.Background(), s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Logs returns what the server logged.
func (s *Server) Logs() string { return s.logs.String() }
