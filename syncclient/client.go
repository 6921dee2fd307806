// Package syncclient is the kiosk's side of the sync protocol
// (docs/sync-protocol.md): it drains the store's outbox to central over
// HTTPS with mutual TLS in batches, acknowledges what central stored (or
// already had), pulls the roster as deltas from a version cursor, and sends
// heartbeats. Failures back off exponentially with jitter drawn from an
// injected random source and honour Retry-After. All state that must
// survive a restart is in the store (outbox, roster version, last status),
// so a restarted kiosk resumes where it stopped.
//
// Enrol is the other half: the one-time exchange of an enrolment token and
// the device's public key for a client certificate, used by kioskctl
// provision.
package syncclient

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/device/record"
)

// Outbox is what the client needs from the store (store.Store implements
// it; MemOutbox is an in-memory twin).
type Outbox interface {
	// Pending returns up to n records to upload, oldest first.
	Pending(ctx context.Context, n int) ([]*record.Signed, error)
	// MarkAttempt counts an upload attempt.
	MarkAttempt(ctx context.Context, uuids []string) error
	// Ack removes acknowledged records from the outbox.
	Ack(ctx context.Context, uuids []string) error
	// Reject sets aside a record central refused for good.
	Reject(ctx context.Context, uuid, reason string) error
	// QueueDepth is the number of records waiting.
	QueueDepth(ctx context.Context) (int, error)
	// RosterVersion and ApplyRoster keep the roster.
	RosterVersion(ctx context.Context) (int64, error)
	ApplyRoster(ctx context.Context, d *record.RosterDelta) error
	// SetMeta and Meta keep the last status across restarts.
	SetMeta(ctx context.Context, k string, v []byte) error
	Meta(ctx context.Context, k string) ([]byte, error)
}

// RosterResetter is implemented by outboxes that can drop their roster
// (store.Store); the client calls it when central says the cursor is ahead
// of it (409: central restored from a backup) and pulls again from 0.
type RosterResetter interface {
	ResetRoster(ctx context.Context) error
}

// Purger is implemented by outboxes that purge personal data after
// acknowledgement (store.Store); the client calls it after each sync.
type Purger interface {
	Purge(ctx context.Context) (int, error)
}

// Config configures a Client.
type Config struct {
	// Central is the base URL, https://host:port.
	Central string
	// TLS carries the client certificate and central's CA (LoadTLS).
	TLS *tls.Config
	// Batch is the number of records per upload (default 20).
	Batch int
	// Interval is the time between syncs when all is well (default 30s).
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failure (default
	// 1s and 5m). The wait doubles with each failure in a row and is
	// jittered to between half and all of it.
	MinBackoff, MaxBackoff time.Duration
	// Timeout bounds one HTTP exchange (default 60s).
	Timeout time.Duration
	// Software is the kiosk version sent in heartbeats.
	Software string
	// Health reports device health for heartbeats (may be nil).
	Health func() map[string]string
	// JSON sends JSON bodies instead of CBOR.
	JSON bool
	// NoRoster skips the roster pull; NoHeartbeat the heartbeat.
	NoRoster, NoHeartbeat bool
	Clock                 clock.Clock
	Rand                  io.Reader
	Log                   *slog.Logger
	// Transport replaces the HTTP transport (tests); TLS is then unused.
	Transport http.RoundTripper
	// CertFile is where the device certificate lives: when set, the
	// client renews the certificate over its mutual TLS once less than
	// RenewWithin of its lifetime is left, writes the new one there
	// atomically and uses it from the next connection on.
	CertFile string
	// RenewWithin is the fraction of the lifetime left at which the
	// certificate is renewed (default 1/3).
	RenewWithin float64
}

// Status is what the UI and kioskctl show about syncing.
type Status struct {
	// State is "idle", "syncing", "backoff" or "offline" (no central
	// configured).
	State         string        `json:"state"`
	QueueDepth    int           `json:"queue_depth"`
	RosterVersion int64         `json:"roster_version"`
	LastAttempt   time.Time     `json:"last_attempt"`
	LastSuccess   time.Time     `json:"last_success"`
	LastError     string        `json:"last_error,omitempty"`
	Failures      int           `json:"failures"`
	NextAttempt   time.Time     `json:"next_attempt"`
	Uploaded      int64         `json:"uploaded"`
	Duplicates    int64         `json:"duplicates"`
	Rejected      int64         `json:"rejected"`
	ClockSkew     time.Duration `json:"clock_skew"`
}

// MetaStatus is the meta key the status is saved under.
const MetaStatus = "sync_status"

// Client syncs one outbox with central.
type Client struct {
	cfg  Config
	ob   Outbox
	hc   *http.Client
	base *url.URL
	kick chan struct{}

	mu sync.Mutex
	st Status
	// syncMu makes SyncOnce calls take turns.
	syncMu sync.Mutex
	// cert is the client certificate in use (renewals replace it).
	cert atomic.Pointer[tls.Certificate]
}

// New checks cfg and returns a client. The last saved status is loaded.
func New(cfg Config, ob Outbox) (*Client, error) {
	u, err := url.Parse(cfg.Central)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("syncclient: central %q: want an https:// URL", cfg.Central)
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 20
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(5*time.Minute, cfg.MinBackoff)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Rand == nil {
		cfg.Rand = entropy.System
	}
	if cfg.Log == nil {
		cfg.Log = logx.Discard()
	}
	if cfg.RenewWithin <= 0 || cfg.RenewWithin >= 1 {
		cfg.RenewWithin = 1.0 / 3
	}
	c := &Client{cfg: cfg, ob: ob, base: u, kick: make(chan struct{}, 1)}
	tr := cfg.Transport
	if tr == nil {
		tc := cfg.TLS.Clone()
		if tc != nil && len(tc.Certificates) == 1 {
			// The certificate is looked up per handshake, so that a
			// renewed one is used from the next connection on.
			cert := tc.Certificates[0]
			c.cert.Store(&cert)
			tc.Certificates = nil
			tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return c.cert.Load(), nil }
		}
		tr = &http.Transport{TLSClientConfig: tc, MaxIdleConnsPerHost: 2, IdleConnTimeout: 90 * time.Second,
			TLSHandshakeTimeout: 15 * time.Second, ForceAttemptHTTP2: true}
	}
	c.hc = &http.Client{Transport: tr, Timeout: cfg.Timeout}
	c.st.State = "idle"
	if b, err := ob.Meta(context.Background(), MetaStatus); err == nil && b != nil {
		var st Status
		if json.Unmarshal(b, &st) == nil {
			st.State = "idle"
			c.st = st
		}
	}
	return c, nil
}

// Status returns the current status.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st
}

// LoadStatus reads the status a client saved in the store (for kioskctl,
// which runs beside the kiosk).
func LoadStatus(ctx context.Context, ob Outbox) (Status, error) {
	var st Status
	b, err := ob.Meta(ctx, MetaStatus)
	if err != nil {
		return st, err
	}
	st.State = "never synced"
	if b != nil {
		if err := json.Unmarshal(b, &st); err != nil {
			return st, fmt.Errorf("syncclient: saved status: %w", err)
		}
	}
	if n, err := ob.QueueDepth(ctx); err == nil {
		st.QueueDepth = n
	}
	if v, err := ob.RosterVersion(ctx); err == nil {
		st.RosterVersion = v
	}
	return st, nil
}

func (c *Client) update(f func(*Status)) {
	c.mu.Lock()
	f(&c.st)
	st := c.st
	c.mu.Unlock()
	b, _ := json.Marshal(st)
	if err := c.ob.SetMeta(context.Background(), MetaStatus, b); err != nil {
		c.cfg.Log.Warn("sync status not saved", "err", err)
	}
}

// Kick asks Run to sync now (after a commit).
func (c *Client) Kick() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// HTTPError is a non-200 answer from central.
type HTTPError struct {
	Status     int
	Msg        string
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("central answered %d: %s", e.Status, e.Msg)
}

// Result counts what one SyncOnce did.
type Result struct {
	Uploaded, Duplicates, Rejected int
	RosterEntries                  int
}

// SyncOnce drains the outbox, pulls the roster and sends a heartbeat. It
// stops at the first failure and returns it (the records not acknowledged
// stay in the outbox).
func (c *Client) SyncOnce(ctx context.Context) (Result, error) {
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	var res Result
	now := c.cfg.Clock.Now()
	c.update(func(s *Status) { s.State, s.LastAttempt = "syncing", now })
	err := c.syncOnce(ctx, &res)
	depth, _ := c.ob.QueueDepth(ctx)
	rv, _ := c.ob.RosterVersion(ctx)
	c.update(func(s *Status) {
		s.QueueDepth, s.RosterVersion = depth, rv
		s.Uploaded += int64(res.Uploaded)
		s.Duplicates += int64(res.Duplicates)
		s.Rejected += int64(res.Rejected)
		if err != nil {
			s.Failures++
			s.LastError = logx.Mask(err.Error())
			s.State = "backoff"
		} else {
			s.Failures, s.LastError, s.State = 0, "", "idle"
			s.LastSuccess = c.cfg.Clock.Now()
		}
	})
	return res, err
}

func (c *Client) syncOnce(ctx context.Context, res *Result) error {
	if err := c.maybeRenew(ctx); err != nil {
		// The certificate still works: records go on, renewal is tried
		// again at the next sync.
		c.cfg.Log.Warn("certificate renewal failed", "err", err)
	}
	for {
		batch, err := c.ob.Pending(ctx, c.cfg.Batch)
		if err != nil {
			return fmt.Errorf("syncclient: outbox: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		if err := c.upload(ctx, batch, res); err != nil {
			return err
		}
		if len(batch) < c.cfg.Batch {
			break
		}
	}
	if p, ok := c.ob.(Purger); ok {
		if n, err := p.Purge(ctx); err != nil {
			c.cfg.Log.Warn("purge", "err", err)
		} else if n > 0 {
			c.cfg.Log.Info("personal data purged", "records", n)
		}
	}
	if !c.cfg.NoRoster {
		n, err := c.PullRoster(ctx)
		if err != nil {
			return err
		}
		res.RosterEntries = n
	}
	if !c.cfg.NoHeartbeat {
		if err := c.heartbeat(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) upload(ctx context.Context, batch []*record.Signed, res *Result) error {
	req := record.UploadRequest{Records: make([]record.Signed, len(batch))}
	ids := make([]string, len(batch))
	for i, s := range batch {
		req.Records[i], ids[i] = *s, s.UUID
	}
	if err := c.ob.MarkAttempt(ctx, ids); err != nil {
		return fmt.Errorf("syncclient: outbox: %w", err)
	}
	var resp record.UploadResponse
	if err := c.do(ctx, http.MethodPost, "/v1/records", &req, &resp); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var ack []string
	for _, r := range resp.Results {
		if !want[r.UUID] {
			continue
		}
		switch r.Status {
		case record.StatusStored, record.StatusDuplicate:
			ack = append(ack, r.UUID)
			if r.Status == record.StatusStored {
				res.Uploaded++
			} else {
				res.Duplicates++
			}
		case record.StatusRejected:
			res.Rejected++
			c.cfg.Log.Warn("record rejected by central", "uuid", r.UUID, "reason", r.Reason)
			if err := c.ob.Reject(ctx, r.UUID, r.Reason); err != nil {
				return fmt.Errorf("syncclient: outbox: %w", err)
			}
		}
	}
	if err := c.ob.Ack(ctx, ack); err != nil {
		return fmt.Errorf("syncclient: outbox: %w", err)
	}
	if len(ack)+res.Rejected == 0 {
		return fmt.Errorf("syncclient: central acknowledged none of %d records", len(batch))
	}
	return nil
}

// PullRoster applies every roster change since the store's version and
// returns the number of entries received.
func (c *Client) PullRoster(ctx context.Context) (int, error) {
	v, err := c.ob.RosterVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("syncclient: roster: %w", err)
	}
	var d record.RosterDelta
	err = c.do(ctx, http.MethodGet, "/v1/roster?since="+strconv.FormatInt(v, 10), nil, &d)
	var he *HTTPError
	if errors.As(err, &he) && he.Status == http.StatusConflict && v > 0 {
		r, ok := c.ob.(RosterResetter)
		if !ok {
			return 0, err
		}
		c.cfg.Log.Warn("roster cursor ahead of central: pulling the whole roster again", "version", v)
		if err := r.ResetRoster(ctx); err != nil {
			return 0, fmt.Errorf("syncclient: roster: %w", err)
		}
		v = 0
		err = c.do(ctx, http.MethodGet, "/v1/roster?since=0", nil, &d)
	}
	if err != nil {
		return 0, err
	}
	if d.Since != v {
		return 0, fmt.Errorf("syncclient: roster: asked for changes since %d, got since %d", v, d.Since)
	}
	if d.Version == v && len(d.Entries) == 0 {
		return 0, nil
	}
	if err := c.ob.ApplyRoster(ctx, &d); err != nil {
		return 0, fmt.Errorf("syncclient: roster: %w", err)
	}
	return len(d.Entries), nil
}

func (c *Client) heartbeat(ctx context.Context) error {
	depth, _ := c.ob.QueueDepth(ctx)
	rv, _ := c.ob.RosterVersion(ctx)
	hb := record.Heartbeat{Software: c.cfg.Software, QueueDepth: depth, RosterVersion: rv, Time: c.cfg.Clock.Now().UTC()}
	if c.cfg.Health != nil {
		hb.Health = c.cfg.Health()
	}
	var resp record.HeartbeatResponse
	sent := c.cfg.Clock.Now()
	if err := c.do(ctx, http.MethodPost, "/v1/heartbeat", &hb, &resp); err != nil {
		return err
	}
	skew := sent.Sub(resp.Time).Round(time.Second)
	c.update(func(s *Status) { s.ClockSkew = skew })
	return nil
}

// CertLeaf is the client certificate in use (nil without TLS).
func (c *Client) CertLeaf() *x509.Certificate {
	if cert := c.cert.Load(); cert != nil {
		return cert.Leaf
	}
	return nil
}

// maybeRenew renews the certificate when less than RenewWithin of its
// lifetime is left: POST /v1/renew over the current mutual TLS, the
// answer checked (same key, chains to central's CA, for client
// authentication), written to CertFile through a temporary file and a
// rename, then used.
func (c *Client) maybeRenew(ctx context.Context) error {
	cur := c.cert.Load()
	if c.cfg.CertFile == "" || cur == nil || cur.Leaf == nil {
		return nil
	}
	now := c.cfg.Clock.Now()
	life := cur.Leaf.NotAfter.Sub(cur.Leaf.NotBefore)
	if left := cur.Leaf.NotAfter.Sub(now); left > time.Duration(float64(life)*c.cfg.RenewWithin) {
		return nil
	}
	var resp record.RenewResponse
	if err := c.do(ctx, http.MethodPost, "/v1/renew", &record.RenewRequest{Software: c.cfg.Software}, &resp); err != nil {
		return err
	}
	b, _ := pem.Decode([]byte(resp.Certificate))
	if b == nil {
		return errors.New("syncclient: renew: answer has no certificate")
	}
	leaf, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return fmt.Errorf("syncclient: renew: %w", err)
	}
	key, ok := cur.PrivateKey.(ed25519.PrivateKey)
	if pk, isEd := leaf.PublicKey.(ed25519.PublicKey); !ok || !isEd || !pk.Equal(key.Public()) {
		return errors.New("syncclient: renew: the new certificate is not for this device's key")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: c.cfg.TLS.RootCAs, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return fmt.Errorf("syncclient: renew: new certificate: %w", err)
	}
	if !leaf.NotAfter.After(cur.Leaf.NotAfter) {
		return errors.New("syncclient: renew: the new certificate does not last longer")
	}
	if err := writeAtomic(c.cfg.CertFile, []byte(resp.Certificate), 0o644); err != nil {
		return fmt.Errorf("syncclient: renew: %w", err)
	}
	c.cert.Store(&tls.Certificate{Certificate: [][]byte{b.Bytes}, PrivateKey: key, Leaf: leaf})
	if t, ok := c.hc.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
	c.cfg.Log.Info("certificate renewed", "until", leaf.NotAfter.UTC().Format(time.RFC3339))
	return nil
}

// writeAtomic writes path through path.tmp, fsync and rename, then syncs
// the folder.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// do sends one request and decodes the answer.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	ct := "application/cbor"
	if c.cfg.JSON {
		ct = "application/json"
	}
	if in != nil {
		b, err := marshal(ct, in)
		if err != nil {
			return fmt.Errorf("syncclient: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.base.String(), "/")+path, body)
	if err != nil {
		return fmt.Errorf("syncclient: %w", err)
	}
	req.Header.Set("Accept", ct)
	if in != nil {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Kiosk-Protocol", record.WireVersion)
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("syncclient: %s %s: %w", method, strings.SplitN(path, "?", 2)[0], err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("syncclient: %s %s: %w", method, path, err)
	}
	rct := resp.Header.Get("Content-Type")
	if resp.StatusCode != http.StatusOK {
		he := &HTTPError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), c.cfg.Clock.Now())}
		var eb record.ErrorBody
		if unmarshal(rct, b, &eb) == nil && eb.Error != "" {
			he.Msg = eb.Error
		} else {
			he.Msg = strings.TrimSpace(string(b[:min(len(b), 200)]))
		}
		return fmt.Errorf("syncclient: %s %s: %w", method, strings.SplitN(path, "?", 2)[0], he)
	}
	if err := unmarshal(rct, b, out); err != nil {
		return fmt.Errorf("syncclient: %s %s: bad answer: %w", method, path, err)
	}
	return nil
}

func marshal(ct string, v any) ([]byte, error) {
	if ct == "application/cbor" {
		em, _ := record.CBOR()
		return em.Marshal(v)
	}
	return json.Marshal(v)
}

func unmarshal(ct string, b []byte, v any) error {
	if strings.HasPrefix(ct, "application/cbor") {
		_, dm := record.CBOR()
		return dm.Unmarshal(b, v)
	}
	return json.Unmarshal(b, v)
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n >= 0 {
		return time.Duration(min(n, 7*24*3600)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Backoff returns the wait after the given number of failures in a row:
// min * 2^(failures-1) capped at max, jittered into [d/2, d) with r, and
// at least retryAfter (capped at one hour).
func Backoff(failures int, minB, maxB, retryAfter time.Duration, r io.Reader) time.Duration {
	d := minB
	for i := 1; i < failures && d < maxB; i++ {
		d *= 2
	}
	d = min(d, maxB)
	if f, err := entropy.Float64(r); err == nil {
		d = d/2 + time.Duration(f*float64(d/2))
	}
	if ra := min(retryAfter, time.Hour); ra > d {
		d = ra
	}
	return d
}

// Run syncs until ctx ends: every Interval, at once after Kick, and after
// a failure when the backoff has passed.
func (c *Client) Run(ctx context.Context) error {
	for {
		_, err := c.SyncOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := c.cfg.Interval
		if err != nil {
			var he *HTTPError
			ra := time.Duration(0)
			if errors.As(err, &he) {
				ra = he.RetryAfter
			}
			wait = Backoff(c.Status().Failures, c.cfg.MinBackoff, c.cfg.MaxBackoff, ra, c.cfg.Rand)
			c.cfg.Log.Warn("sync failed", "err", err, "retry_in", wait.String())
		}
		next := c.cfg.Clock.Now().Add(wait)
		c.update(func(s *Status) { s.NextAttempt = next })
		t := c.cfg.Clock.NewTimer(wait)
		// A kick (a new record) syncs at once when central is healthy; after
		// a failure the back-off and central's Retry-After stand, so that a
		// kiosk committing records does not hammer a central that is down.
		kick := c.kick
		if err != nil {
			kick = nil
		}
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C():
		case <-kick:
			t.Stop()
		}
	}
}
