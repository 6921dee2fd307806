package syncclient_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hbzk/kiosk/central/centraltest"
	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/store"
	"github.com/hbzk/kiosk/syncclient"
)

var _ syncclient.Outbox = (*store.Store)(nil)
var _ syncclient.Purger = (*store.Store)(nil)
var _ syncclient.RosterResetter = (*store.Store)(nil)

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		failures   int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{1, 0, 500 * time.Millisecond, time.Second},
		{2, 0, time.Second, 2 * time.Second},
		{5, 0, 8 * time.Second, 16 * time.Second},
		{30, 0, 150 * time.Second, 300 * time.Second},
		{1, 42 * time.Second, 42 * time.Second, 42 * time.Second},
		{1, 48 * time.Hour, time.Hour, time.Hour},
	} {
		r := entropy.Seeded(uint64(tc.failures))
		for range 50 {
			d := syncclient.Backoff(tc.failures, time.Second, 5*time.Minute, tc.retryAfter, r)
			if d < tc.lo || d > tc.hi {
				t.Fatalf("failures %d retry-after %v: %v not in [%v, %v]", tc.failures, tc.retryAfter, d, tc.lo, tc.hi)
			}
		}
	}
	// Jitter: the same failure count gives different waits.
	r := entropy.Seeded(1)
	a, b := syncclient.Backoff(4, time.Second, time.Minute, 0, r), syncclient.Backoff(4, time.Second, time.Minute, 0, r)
	if a == b {
		t.Error("no jitter")
	}
}

// TestRetryAfter: a 503 with Retry-After is reported with its wait, in
// seconds or as an HTTP date.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 4, 11, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{{"7", 7 * time.Second}, {"", 0}, {"soon", 0}, {now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.header != "" {
				w.Header().Set("Retry-After", tc.header)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			io.WriteString(w, `{"error":"busy"}`)
		}))
		ob := syncclient.NewMemOutbox()
		ob.Add(&record.Signed{UUID: "x"})
		c, err := syncclient.New(syncclient.Config{Central: srv.URL, JSON: true, Clock: clocktest.New(now)}, ob)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.SyncOnce(context.Background())
		var he *syncclient.HTTPError
		if !errors.As(err, &he) || he.Status != 503 || he.RetryAfter != tc.want || he.Msg != "busy" {
			t.Errorf("Retry-After %q: %v (%+v)", tc.header, err, he)
		}
		if st := c.Status(); st.Failures != 1 || st.State != "backoff" || !strings.Contains(st.LastError, "busy") {
			t.Errorf("status %+v", st)
		}
		srv.Close()
	}
}

// kiosk is a provisioned kiosk: key, certificate, store and client.
type kiosk struct {
	id    string
	site  string
	key   ed25519.PrivateKey
	store *store.Store
	cfg   syncclient.Config
}

func newKiosk(t testing.TB, srv *centraltest.Server, central string, clk *clocktest.Fake, seed uint64) *kiosk {
	t.Helper()
	key, _ := record.GenerateKey(entropy.Seeded(seed))
	en, err := syncclient.Enrol(context.Background(), srv.URL, syncclient.Trust{CA: srv.CA},
		record.EnrolRequest{Token: srv.Tokens(t, 1)[0], PublicKey: key.Public().(ed25519.PublicKey), Site: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	sk, _ := store.KeyFromBytes(bytes.Repeat([]byte{byte(seed)}, 32))
	o := store.Options{Path: filepath.Join(t.TempDir(), "kiosk.db"), Key: sk, DeviceKey: key, DeviceID: en.DeviceID, Retention: time.Hour}
	if clk != nil {
		o.Clock = clk
	}
	st, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var now func() time.Time
	if clk != nil {
		now = clk.Now
	}
	tc, err := syncclient.TLSConfig([]byte(en.Certificate), key, []byte(en.CA), now)
	if err != nil {
		t.Fatal(err)
	}
	cfg := syncclient.Config{Central: central, TLS: tc, Batch: 20, Software: "test", Timeout: 10 * time.Second}
	if clk != nil {
		cfg.Clock = clk
	}
	return &kiosk{id: en.DeviceID, site: en.Site, key: key, store: st, cfg: cfg}
}

func (k *kiosk) commit(t *testing.T, n int, seed uint64) { k.commitB(t, n, seed) }

func (k *kiosk) commitB(t testing.TB, n int, seed uint64) {
	t.Helper()
	rnd := entropy.Seeded(seed)
	for i := range n {
		r, _ := record.New(rnd, k.id)
		r.Site = k.site
		r.Card.IDNumber = fmt.Sprintf("%d-%d", seed, i)
		r.Times.Confirmed = time.Date(2026, 4, 11, 8, 0, i, 0, time.UTC)
		r.Images.RegPhoto = record.Blob{Type: record.TypeJPEG, Data: bytes.Repeat([]byte{byte(i)}, 2000)}
		if err := k.store.Commit(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// drain syncs until the outbox is empty, through failures, with a bound.
func drain(t *testing.T, c *syncclient.Client, k *kiosk) {
	t.Helper()
	for i := 0; ; i++ {
		_, err := c.SyncOnce(context.Background())
		n, _ := k.store.QueueDepth(context.Background())
		if err == nil && n == 0 {
			return
		}
		if i > 200 {
			t.Fatalf("outbox not drained: %d left, last error %v", n, err)
		}
	}
}

// TestCentralRestartMidBatch: central is stopped abruptly while uploads
// are in flight and started again; every record ends up stored exactly
// once and acknowledged.
func TestCentralRestartMidBatch(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	k := newKiosk(t, srv, srv.URL, nil, 1)
	const total = 400
	k.commit(t, total, 1)
	c, _ := syncclient.New(k.cfg, k.store)
	errs := make(chan error, 1)
	go func() {
		_, err := c.SyncOnce(context.Background())
		errs <- err
	}()
	// Stop central as soon as it has stored part of the batch stream.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if st := srv.Storage(); st != nil {
			if s, err := st.Stats(context.Background()); err == nil && s.Records > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("central stored nothing")
		}
		select {
		case err := <-errs:
			t.Fatalf("sync ended before central was stopped: %v", err)
		default:
		}
	}
	srv.Stop()
	if err := <-errs; err == nil {
		t.Log("the sync finished before the stop took effect")
	}
	left, _ := k.store.QueueDepth(context.Background())
	if _, err := c.SyncOnce(context.Background()); err == nil {
		t.Error("sync with central down succeeded")
	}
	srv.Restart(t)
	drain(t, c, k)
	st := srv.Stats(t)
	if st.Records != total {
		t.Errorf("central holds %d records, want %d", st.Records, total)
	}
	t.Logf("stopped with %d records left; duplicates after restart: %d", left, st.Duplicates)
	if s := c.Status(); s.QueueDepth != 0 || s.Failures != 0 || s.LastSuccess.IsZero() {
		t.Errorf("status %+v", s)
	}
	// A restarted kiosk (new client on the same store) resumes with the
	// saved status and an empty outbox; uploading again changes nothing.
	c2, _ := syncclient.New(k.cfg, k.store)
	if s := c2.Status(); s.Uploaded == 0 {
		t.Errorf("status not resumed: %+v", s)
	}
	drain(t, c2, k)
	if st2 := srv.Stats(t); st2.Records != total {
		t.Errorf("records after resume %d", st2.Records)
	}
}

// cutter is a TCP proxy whose links can be cut and restored: the network
// between kiosk and central.
type cutter struct {
	ln     net.Listener
	addr   string
	target string
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func newCutter(t *testing.T, target string) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln, addr: ln.Addr().String(), target: target}
	go c.accept(ln)
	t.Cleanup(func() { c.cut() })
	return c
}

func (c *cutter) accept(ln net.Listener) {
	for {
		a, err := ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", c.target)
		if err != nil {
			a.Close()
			continue
		}
		c.mu.Lock()
		c.conns = append(c.conns, a, b)
		c.mu.Unlock()
		go func() { io.Copy(a, b); a.Close() }()
		go func() { io.Copy(b, a); b.Close() }()
	}
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ln.Close()
	for _, x := range c.conns {
		x.Close()
	}
	c.conns = nil
}

func (c *cutter) restore(t *testing.T) {
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.ln = ln
	c.mu.Unlock()
	go c.accept(ln)
}

// TestNetworkCutAndDuplicates: the network goes away mid-drain and comes
// back; records uploaded twice (acknowledgement lost) are stored once.
func TestNetworkCutAndDuplicates(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	px := newCutter(t, srv.Addr)
	k := newKiosk(t, srv, "https://"+px.addr, nil, 2)
	k.commit(t, 100, 2)
	c, _ := syncclient.New(k.cfg, k.store)
	px.cut()
	if _, err := c.SyncOnce(context.Background()); err == nil {
		t.Fatal("sync through a cut network succeeded")
	}
	px.restore(t)
	drain(t, c, k)
	// Lose the acknowledgements: the kiosk's copy thinks nothing was
	// sent. A second kiosk store holding the same signed records uploads
	// them again.
	pend := syncclient.NewMemOutbox()
	list, _ := k.store.List(context.Background(), 0)
	for _, sm := range list {
		r, _, err := k.store.Get(context.Background(), sm.UUID)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := record.Sign(r, k.key)
		pend.Add(s)
	}
	c2, _ := syncclient.New(k.cfg, pend)
	res, err := c2.SyncOnce(context.Background())
	if err != nil || res.Duplicates != 100 || res.Uploaded != 0 || pend.Acked() != 100 {
		t.Errorf("re-upload: %+v %v", res, err)
	}
	st := srv.Stats(t)
	if st.Records != 100 || st.Duplicates != 100 {
		t.Errorf("stats %+v", st)
	}
}

// TestClockSkew: kiosks whose clocks run days ahead or behind still sync
// exactly once; the heartbeat reports the skew.
func TestClockSkew(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	for i, skew := range []time.Duration{72 * time.Hour, -48 * time.Hour} {
		clk := clocktest.New(time.Now().Add(skew))
		k := newKiosk(t, srv, srv.URL, clk, uint64(10+i))
		k.commit(t, 30, uint64(10+i))
		c, _ := syncclient.New(k.cfg, k.store)
		drain(t, c, k)
		drain(t, c, k)
		got := c.Status().ClockSkew
		if d := got - skew; d < -time.Minute || d > time.Minute {
			t.Errorf("skew %v reported as %v", skew, got)
		}
	}
	if st := srv.Stats(t); st.Records != 60 || st.Duplicates != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestRosterPull: the roster arrives as deltas from the version cursor and
// the kiosk's lookups follow it.
func TestRosterPull(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	k := newKiosk(t, srv, srv.URL, nil, 3)
	ctx := context.Background()
	st := srv.Storage()
	st.ImportRoster(ctx, []record.RosterEntry{{IDNumber: "P1", Name: "甲", Site: "s1"}, {IDNumber: "P2", Name: "乙", Site: "s1"},
		{IDNumber: "O1", Name: "丙", Site: "other"}})
	c, _ := syncclient.New(k.cfg, k.store)
	if n, err := c.PullRoster(ctx); err != nil || n != 2 {
		t.Fatalf("pull: %d %v", n, err)
	}
	if n, err := c.PullRoster(ctx); err != nil || n != 0 {
		t.Fatalf("second pull: %d %v", n, err)
	}
	st.ImportRoster(ctx, []record.RosterEntry{{IDNumber: "P2", Removed: true}, {IDNumber: "P3", Name: "丁", Site: "s1"}})
	if n, err := c.PullRoster(ctx); err != nil || n != 2 {
		t.Fatalf("delta pull: %d %v", n, err)
	}
	for id, want := range map[string]record.RosterState{"P1": record.Pending, "P2": record.Unknown, "P3": record.Pending, "O1": record.Unknown} {
		if e, _ := k.store.Lookup(ctx, id); e.State != want {
			t.Errorf("%s: %s, want %s", id, e.State, want)
		}
	}
	// Central restored from an older backup (a fresh database here): the
	// kiosk's cursor is ahead; it drops its roster and pulls from 0.
	srv.Stop()
	srv2 := centraltest.Start(t, centraltest.Options{TLSDir: srv.TLSDir})
	_ = srv2
	k.cfg.Central = srv2.URL
	// The device must exist in the new database: enrol the same key.
	if _, err := syncclient.Enrol(ctx, srv2.URL, syncclient.Trust{CA: srv2.CA}, record.EnrolRequest{Token: srv2.Tokens(t, 1)[0],
		PublicKey: k.key.Public().(ed25519.PublicKey), Site: "s1"}); err != nil {
		t.Fatal(err)
	}
	srv2.Storage().ImportRoster(ctx, []record.RosterEntry{{IDNumber: "Q1", Name: "戊", Site: "s1"}})
	c2, _ := syncclient.New(k.cfg, k.store)
	if n, err := c2.PullRoster(ctx); err != nil || n != 1 {
		t.Fatalf("pull after restore: %d %v", n, err)
	}
	if e, _ := k.store.Lookup(ctx, "P1"); e.State != record.Unknown {
		t.Errorf("P1 after reset: %s", e.State)
	}
	if e, _ := k.store.Lookup(ctx, "Q1"); e.State != record.Pending {
		t.Errorf("Q1 after reset: %s", e.State)
	}
}

// TestEnrolTrust: enrolment checks central before sending the token.
func TestEnrolTrust(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	other := centraltest.Start(t, centraltest.Options{})
	ctx := context.Background()
	key, _ := record.GenerateKey(entropy.Seeded(9))
	req := func() record.EnrolRequest {
		return record.EnrolRequest{Token: srv.Tokens(t, 1)[0], PublicKey: key.Public().(ed25519.PublicKey)}
	}
	blk := func(pemb []byte) []byte {
		i := bytes.Index(pemb, []byte("\n"))
		_ = i
		return pemb
	}
	_ = blk
	// Pin: right and wrong.
	en, err := syncclient.Enrol(ctx, srv.URL, syncclient.Trust{FirstUse: true}, req())
	if err != nil {
		t.Fatal(err)
	}
	pin := en.CAFingerprint[:32]
	if _, err := syncclient.Enrol(ctx, srv.URL, syncclient.Trust{Pin: pin}, req()); err != nil {
		t.Errorf("right pin: %v", err)
	}
	if _, err := syncclient.Enrol(ctx, other.URL, syncclient.Trust{Pin: pin}, req()); err == nil {
		t.Error("a central with another CA passed the pin")
	}
	if _, err := syncclient.Enrol(ctx, srv.URL, syncclient.Trust{CA: other.CA}, req()); err == nil {
		t.Error("a central with another CA passed the CA file")
	}
	for _, bad := range []string{"abc", "zzzzzzzzzzzzzzzzzz"} {
		if _, err := syncclient.Enrol(ctx, srv.URL, syncclient.Trust{Pin: bad}, req()); err == nil {
			t.Errorf("pin %q accepted", bad)
		}
	}
	if _, err := syncclient.Enrol(ctx, "http://"+srv.Addr, syncclient.Trust{FirstUse: true}, req()); err == nil {
		t.Error("plain http accepted")
	}
	s, p := syncclient.SplitToken("secret.abcd")
	if s != "secret" || p != "abcd" {
		t.Errorf("split: %q %q", s, p)
	}
}

// waitArmed spins until Run has armed its timer (the fake clock has one
// pending), failing the test after a deadline.
func waitArmed(t *testing.T, clk *clocktest.Fake) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for clk.Pending() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not arm its timer")
		}
		runtime.Gosched()
	}
}

// TestRun drives the background loop with a fake clock: a failure backs
// off, the backoff's end syncs, Kick syncs at once, cancel stops it.
func TestRun(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	clk := clocktest.New(time.Now())
	k := newKiosk(t, srv, srv.URL, clk, 21)
	k.cfg.Rand = entropy.Seeded(1)
	k.cfg.Interval = time.Minute
	k.commit(t, 5, 21)
	srv.Stop()
	c, _ := syncclient.New(k.cfg, k.store)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	waitArmed(t, clk)
	st := c.Status()
	if st.Failures != 1 || st.State != "backoff" {
		t.Fatalf("after a failure: %+v", st)
	}
	if d := st.NextAttempt.Sub(clk.Now()); d < 500*time.Millisecond || d > time.Second {
		t.Errorf("first backoff %v, want 0.5..1s", d)
	}
	srv.Restart(t)
	// A kick (a commit) during the back-off does not cut it short: the
	// records stay queued until the back-off ends on the clock.
	c.Kick()
	for until := time.Now().Add(200 * time.Millisecond); time.Now().Before(until); runtime.Gosched() {
		if n, _ := k.store.QueueDepth(ctx); n != 5 {
			t.Fatalf("a kick during the back-off synced (queue %d)", n)
		}
	}
	clk.Advance(time.Second)
	for c.Status().State != "idle" || clk.Pending() == 0 {
		runtime.Gosched()
	}
	if n, _ := k.store.QueueDepth(ctx); n != 0 {
		t.Errorf("queue %d after the retry", n)
	}
	if d := c.Status().NextAttempt.Sub(clk.Now()); d != time.Minute {
		t.Errorf("next sync in %v", d)
	}
	// A commit kicks a sync without waiting for the interval.
	k.commit(t, 2, 22)
	c.Kick()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if n, _ := k.store.QueueDepth(ctx); n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Kick did not sync")
		}
		runtime.Gosched()
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	if st := srv.Stats(t); st.Records != 7 {
		t.Errorf("central records %d", st.Records)
	}
}
