// Package loadgen simulates a fleet of kiosks against a central endpoint:
// each enrols with a one-time token and uploads signed records through the
// real sync client, retrying through central outages (with the client's
// backoff) until every record is acknowledged. kioskctl loadgen prints its
// Report.
package loadgen

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/syncclient"
)

// Options configure Run.
type Options struct {
	Central string
	// CA is central's CA certificate (PEM).
	CA []byte
	// Tokens are one-time enrolment tokens, one per device.
	Tokens  []string
	Devices int
	Records int
	// Batch is records per upload (default 20).
	Batch int
	// ImageBytes is the size of each record's synthetic photo (default
	// 4096).
	ImageBytes int
	// MinBackoff and MaxBackoff bound the wait after a failure (default
	// 100ms and 5s).
	MinBackoff, MaxBackoff time.Duration
	// Rand seeds keys, UUIDs and jitter (default: system randomness).
	Rand io.Reader
	Log  *slog.Logger
}

// Report is what a run measured.
type Report struct {
	Devices      int           `json:"devices"`
	Records      int           `json:"records_per_device"`
	Acknowledged int           `json:"acknowledged"`
	Stored       int64         `json:"stored"`
	Duplicates   int64         `json:"duplicates"`
	Rejected     int           `json:"rejected"`
	Retries      int64         `json:"retries"`
	Elapsed      time.Duration `json:"-"`
	ElapsedSec   float64       `json:"elapsed_s"`
	PerSecond    float64       `json:"records_per_s"`
	Requests     int           `json:"upload_requests"`
	P50ms        float64       `json:"latency_p50_ms"`
	P90ms        float64       `json:"latency_p90_ms"`
	P99ms        float64       `json:"latency_p99_ms"`
	Maxms        float64       `json:"latency_max_ms"`
}

// timer records the latency of each successful upload request.
type timer struct {
	next http.RoundTripper
	mu   sync.Mutex
	lat  []time.Duration
}

func (t *timer) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusOK && strings.HasSuffix(r.URL.Path, "/v1/records") {
		d := time.Since(start)
		t.mu.Lock()
		t.lat = append(t.lat, d)
		t.mu.Unlock()
	}
	return resp, err
}

// Run enrols opt.Devices kiosks and uploads opt.Records records from each,
// concurrently, until all are acknowledged or ctx ends.
func Run(ctx context.Context, opt Options) (*Report, error) {
	if opt.Devices < 1 || opt.Records < 0 {
		return nil, fmt.Errorf("loadgen: want at least one device and no negative record count")
	}
	if len(opt.Tokens) < opt.Devices {
		return nil, fmt.Errorf("loadgen: %d tokens for %d devices (centrald token create --count %d)", len(opt.Tokens), opt.Devices, opt.Devices)
	}
	if opt.Batch <= 0 {
		opt.Batch = 20
	}
	if opt.ImageBytes <= 0 {
		opt.ImageBytes = 4096
	}
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = 100 * time.Millisecond
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 5 * time.Second
	}
	if opt.Rand == nil {
		opt.Rand = entropy.System
	}
	if opt.Log == nil {
		opt.Log = logx.Discard()
	}
	// One random stream per device, drawn up front: devices run in
	// parallel and a shared reader would race.
	seeds := make([]uint64, opt.Devices)
	for i := range seeds {
		s, err := entropy.Uint64(opt.Rand)
		if err != nil {
			return nil, err
		}
		seeds[i] = s
	}
	tm := &timer{}
	rep := &Report{Devices: opt.Devices, Records: opt.Records}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, opt.Devices)
	start := time.Now()
	for i := 0; i < opt.Devices; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := runDevice(ctx, opt, i, entropy.Seeded(seeds[i]), tm)
			mu.Lock()
			defer mu.Unlock()
			errs[i] = err
			if st != nil {
				rep.Acknowledged += st.acked
				rep.Rejected += st.rejected
				rep.Stored += st.status.Uploaded
				rep.Duplicates += st.status.Duplicates
				rep.Retries += st.retries
			}
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	rep.ElapsedSec = rep.Elapsed.Seconds()
	if rep.ElapsedSec > 0 {
		rep.PerSecond = float64(rep.Acknowledged) / rep.ElapsedSec
	}
	tm.mu.Lock()
	lat := append([]time.Duration(nil), tm.lat...)
	tm.mu.Unlock()
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	rep.Requests = len(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(p*float64(len(lat)-1) + 0.5)
		return float64(lat[i].Microseconds()) / 1000
	}
	rep.P50ms, rep.P90ms, rep.P99ms, rep.Maxms = pct(0.5), pct(0.9), pct(0.99), pct(1)
	return rep, errors.Join(errs...)
}

type deviceResult struct {
	acked, rejected int
	retries         int64
	status          syncclient.Status
}

func runDevice(ctx context.Context, opt Options, i int, rnd io.Reader, tm *timer) (*deviceResult, error) {
	key, err := record.GenerateKey(rnd)
	if err != nil {
		return nil, err
	}
	res := &deviceResult{}
	secret, pin := syncclient.SplitToken(opt.Tokens[i])
	trust := syncclient.Trust{CA: opt.CA, Pin: pin}
	var en *syncclient.Enrolment
	for failures := 1; ; failures++ {
		en, err = syncclient.Enrol(ctx, opt.Central, trust, record.EnrolRequest{Token: secret,
			PublicKey: key.Public().(ed25519.PublicKey), Software: "loadgen"})
		if err == nil {
			break
		}
		var he *syncclient.HTTPError
		if errors.As(err, &he) && he.Status >= 400 && he.Status < 500 {
			return nil, fmt.Errorf("loadgen: device %d: %w", i, err)
		}
		res.retries++
		if werr := wait(ctx, syncclient.Backoff(failures, opt.MinBackoff, opt.MaxBackoff, 0, rnd)); werr != nil {
			return nil, fmt.Errorf("loadgen: device %d: enrol: %w (last: %v)", i, werr, err)
		}
	}
	tc, err := syncclient.TLSConfig([]byte(en.Certificate), key, []byte(en.CA), nil)
	if err != nil {
		return nil, err
	}
	ob := syncclient.NewMemOutbox()
	photo := make([]byte, opt.ImageBytes)
	for n := 0; n < opt.Records; n++ {
		r, err := record.New(rnd, en.DeviceID)
		if err != nil {
			return nil, err
		}
		// Simulated records: central takes them only from a demo site
		// (centrald site demo SITE on, or token create --demo).
		r.Site, r.Simulated, r.Software = en.Site, true, "loadgen"
		r.Card = record.Card{Type: " ", Name: "模拟", IDNumber: fmt.Sprintf("LG%04d%08d", i, n)}
		r.Times.Confirmed = time.Now()
		io.ReadFull(rnd, photo[:16])
		r.Images.RegPhoto = record.Blob{Type: record.TypeJPEG, Data: append([]byte(nil), photo...)}
		r.Scores = record.Scores{Match: 0.6, MatchThreshold: 0.3, Liveness: 0.9, LivenessThreshold: 0.5}
		s, err := record.Sign(r, key)
		if err != nil {
			return nil, err
		}
		ob.Add(s)
	}
	tr := &http.Transport{TLSClientConfig: tc, MaxIdleConnsPerHost: 1, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	tm2 := &timer{next: tr}
	c, err := syncclient.New(syncclient.Config{Central: opt.Central, Batch: opt.Batch, Transport: tm2,
		NoRoster: true, NoHeartbeat: true, Timeout: 30 * time.Second, Rand: rnd, Log: opt.Log}, ob)
	if err != nil {
		return nil, err
	}
	defer func() {
		tm2.mu.Lock()
		tm.mu.Lock()
		tm.lat = append(tm.lat, tm2.lat...)
		tm.mu.Unlock()
		tm2.mu.Unlock()
	}()
	for failures := 0; ; {
		_, err := c.SyncOnce(ctx)
		depth, _ := ob.QueueDepth(ctx)
		if err == nil && depth == 0 {
			break
		}
		if err == nil {
			continue
		}
		failures++
		res.retries++
		var he *syncclient.HTTPError
		ra := time.Duration(0)
		if errors.As(err, &he) {
			ra = he.RetryAfter
		}
		if werr := wait(ctx, syncclient.Backoff(failures, opt.MinBackoff, opt.MaxBackoff, ra, rnd)); werr != nil {
			return res, fmt.Errorf("loadgen: device %d: %d records not acknowledged: %w (last: %v)", i, depth, werr, err)
		}
	}
	res.acked = ob.Acked()
	res.rejected = len(ob.Rejected())
	res.status = c.Status()
	return res, nil
}

func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
