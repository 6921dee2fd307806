package central

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/device/record"
)

// Config configures a Server.
type Config struct {
	Storage    Storage
	CA         *CA
	ServerCert tls.Certificate
	// CertValidity is the lifetime of client certificates (default one
	// year).
	CertValidity time.Duration
	// MaxBatch is the most records one upload may carry (default
	// DefaultMaxBatch); MaxRecordBytes the largest record body (default
	// DefaultMaxRecordBytes). The upload body limit is their product.
	MaxBatch       int
	MaxRecordBytes int
	// MaxConns bounds the connections served at once (default 512).
	MaxConns int
	// ReadHeaderTimeout (default 10s, the TLS handshake included),
	// ReadTimeout and WriteTimeout (default 2m) and IdleTimeout (default
	// 90s) bound slow and idle connections.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// RejectRate and RejectBurst bound rejection rows and log lines
	// (default 20 a second, bursts of 200); beyond, rejections are only
	// counted in metrics.
	RejectRate, RejectBurst float64
	// MetricsToken, when set, serves /metrics on the main listener to a
	// request bearing "Authorization: Bearer TOKEN"; without it /metrics
	// is only on MetricsHandler (a separate listen address).
	MetricsToken string
	Clock        clock.Clock
	Rand         io.Reader
	Log          *slog.Logger
}

// Server is the central sync endpoint.
type Server struct {
	cfg      Config
	reg      *prometheus.Registry
	records  *prometheus.CounterVec
	rejects  *prometheus.CounterVec
	enrols   prometheus.Counter
	beats    prometheus.Counter
	renewals prometheus.Counter
	upload   prometheus.Histogram
	mux      *http.ServeMux
	http     *http.Server
	// rejectLim bounds the rejection rows and log lines.
	rejectLim *rejectLimiter
}

// Reasons a request or record is rejected (logged, counted, and sent back
// to the kiosk).
const (
	ReasonTampered      = "tampered: hash mismatch"
	ReasonSignature     = "bad signature"
	ReasonInvalid       = "invalid record"
	ReasonOtherDevice   = "record of another device"
	ReasonConflict      = "uuid conflict: another record has this uuid"
	ReasonUnknownDevice = "unknown device"
	ReasonRevoked       = "revoked device"
	ReasonKeyMismatch   = "certificate key is not the enrolled key"
	ReasonNoCert        = "no client certificate"
	ReasonTokenUnknown  = "enrolment token unknown"
	ReasonTokenUsed     = "enrolment token already used"
	ReasonClientCert    = "client certificate rejected"
	ReasonTokenExpired  = "enrolment token expired"
	ReasonTokenNoSite   = "enrolment token bound to no site"
	ReasonSiteMismatch  = "enrolment request names another site than its token"
	ReasonRevokedKey    = "device key revoked: re-enrolment refused"
	ReasonRecordSite    = "record of another site"
	ReasonSimulated     = "simulated record: the device's site is not a demo site"
)

// NewServer checks cfg and returns a server.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Storage == nil || cfg.CA == nil {
		return nil, errors.New("central: server needs storage and a CA")
	}
	if cfg.CertValidity == 0 {
		cfg.CertValidity = 365 * 24 * time.Hour
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.MaxRecordBytes == 0 {
		cfg.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 512
	}
	for _, d := range []struct {
		p   *time.Duration
		def time.Duration
	}{{&cfg.ReadHeaderTimeout, 10 * time.Second}, {&cfg.ReadTimeout, 2 * time.Minute}, {&cfg.WriteTimeout, 2 * time.Minute},
		{&cfg.IdleTimeout, 90 * time.Second}} {
		if *d.p == 0 {
			*d.p = d.def
		}
	}
	if cfg.RejectRate == 0 {
		cfg.RejectRate = 20
	}
	if cfg.RejectBurst == 0 {
		cfg.RejectBurst = 200
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
	cfg.CA.rand = cfg.Rand
	s := &Server{cfg: cfg, reg: prometheus.NewRegistry(), mux: http.NewServeMux(),
		rejectLim: &rejectLimiter{rate: cfg.RejectRate, burst: cfg.RejectBurst}}
	s.records = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "central_records_total",
		Help: "Records received, by result (stored, duplicate, rejected)."}, []string{"result"})
	s.rejects = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "central_rejections_total",
		Help: "Rejected requests and records, by reason."}, []string{"reason"})
	s.enrols = prometheus.NewCounter(prometheus.CounterOpts{Name: "central_enrolments_total", Help: "Devices enrolled."})
	s.beats = prometheus.NewCounter(prometheus.CounterOpts{Name: "central_heartbeats_total", Help: "Heartbeats received."})
	s.renewals = prometheus.NewCounter(prometheus.CounterOpts{Name: "central_renewals_total", Help: "Device certificates renewed."})
	s.upload = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "central_upload_seconds",
		Help: "Time to verify and store one upload batch.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)})
	s.reg.MustRegister(s.records, s.rejects, s.enrols, s.beats, s.renewals, s.upload,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	s.mux.HandleFunc("POST /v1/enrol", s.handleEnrol)
	s.mux.HandleFunc("POST /v1/records", s.handleRecords)
	s.mux.HandleFunc("GET /v1/roster", s.handleRoster)
	s.mux.HandleFunc("POST /v1/heartbeat", s.handleHeartbeat)
	s.mux.HandleFunc("POST /v1/renew", s.handleRenew)
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	if cfg.MetricsToken != "" {
		s.mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
			want := "Bearer " + cfg.MetricsToken
			if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(want)) != 1 {
				w.Header().Set("WWW-Authenticate", "Bearer")
				http.Error(w, "metrics: bearer token required", http.StatusUnauthorized)
				return
			}
			s.MetricsHandler().ServeHTTP(w, r)
		})
	}
	s.http = &http.Server{
		Handler:           s.mux,
		TLSConfig:         s.TLSConfig(),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          log.New(logWriter{s.cfg.Log}, "", 0),
	}
	return s, nil
}

// MetricsHandler serves the Prometheus metrics, for a listener of its
// own (centrald serve --metrics-listen).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}

// Handler is the server's HTTP handler (it expects TLS state on requests
// that need a device).
func (s *Server) Handler() http.Handler { return s.mux }

// TLSConfig asks for (does not require) a client certificate, and verifies
// one that is given against the CA at the server's clock. A certificate
// that fails is refused in the handshake, logged and counted.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{s.cfg.ServerCert},
		ClientAuth:   tls.RequestClientCert,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return nil
			}
			leaf := cs.PeerCertificates[0]
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := leaf.Verify(x509.VerifyOptions{Roots: s.cfg.CA.Pool, Intermediates: inter,
				CurrentTime: s.cfg.Clock.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			if err != nil {
				s.reject(context.Background(), leaf.Subject.CommonName, "", ReasonClientCert, err)
				return fmt.Errorf("central: client certificate: %w", err)
			}
			return nil
		},
	}
}

// Serve serves HTTPS on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.http.Serve(tls.NewListener(newLimitListener(ln, s.cfg.MaxConns), s.http.TLSConfig))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// CloseNow closes the listener and every connection at once, as a crash
// would (tests).
func (s *Server) CloseNow() error {
	return s.http.Close()
}

// Shutdown stops Serve, letting requests in flight finish until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}

// logWriter sends net/http's own messages (handshake errors) to slog,
// masked.
type logWriter struct{ l *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.l.Info("http", "msg", strings.TrimSpace(logx.Mask(string(p))))
	return len(p), nil
}

// reject logs and counts a rejection. Nothing personal goes in: device id,
// record UUID and the reason.
func (s *Server) reject(ctx context.Context, device, uuid, reason string, cause error) {
	s.rejects.WithLabelValues(reason).Inc()
	ok, suppressed := s.rejectLim.allow(s.cfg.Clock.Now())
	if !ok {
		return
	}
	attrs := []any{"device", device, "reason", reason}
	if suppressed > 0 {
		attrs = append(attrs, "suppressed_before", suppressed)
	}
	if uuid != "" {
		attrs = append(attrs, "uuid", uuid)
	}
	if cause != nil {
		attrs = append(attrs, "cause", cause)
	}
	s.cfg.Log.Warn("rejected", attrs...)
	if err := s.cfg.Storage.Reject(ctx, device, reason, s.cfg.Clock.Now()); err != nil {
		s.cfg.Log.Error("cannot count a rejection", "err", err)
	}
}

// codec is the body format of a request, answered in kind.
type codec struct{ cbor bool }

func codecOf(r *http.Request) (codec, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = r.Header.Get("Accept")
	}
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case "application/cbor":
		return codec{cbor: true}, nil
	case "application/json", "":
		return codec{}, nil
	}
	return codec{}, fmt.Errorf("content type %q: want application/json or application/cbor", ct)
}

// badBody answers a body that could not be decoded: 413 when a limit
// was crossed (the connection is then closed: the rest is not read), 400
// otherwise.
func (c codec) badBody(w http.ResponseWriter, what string, err error) {
	var mbe *http.MaxBytesError
	var big errBatchTooLarge
	switch {
	case errors.As(err, &mbe):
		w.Header().Set("Connection", "close")
		c.fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%s: body over %d bytes", what, mbe.Limit))
	case errors.As(err, &big):
		w.Header().Set("Connection", "close")
		c.fail(w, http.StatusRequestEntityTooLarge, big.Error())
	default:
		c.fail(w, http.StatusBadRequest, what+": "+err.Error())
	}
}

func (c codec) write(w http.ResponseWriter, status int, v any) {
	var b []byte
	var err error
	if c.cbor {
		em, _ := record.CBOR()
		b, err = em.Marshal(v)
		w.Header().Set("Content-Type", "application/cbor")
	} else {
		b, err = json.Marshal(v)
		w.Header().Set("Content-Type", "application/json")
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Kiosk-Protocol", record.WireVersion)
	w.WriteHeader(status)
	w.Write(b)
}

func (c codec) fail(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	c.write(w, status, record.ErrorBody{Error: msg})
}

// TokenHash is how tokens are stored: hex SHA-256 of the token text.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (s *Server) handleEnrol(w http.ResponseWriter, r *http.Request) {
	c, err := codecOf(r)
	if err != nil {
		c.fail(w, http.StatusUnsupportedMediaType, err.Error())
		return
	}
	var req record.EnrolRequest
	if err := c.decodeOne(w, r, MaxEnrolBody, &req); err != nil {
		c.badBody(w, "bad enrolment request", err)
		return
	}
	if len(req.PublicKey) != ed25519.PublicKeySize || req.Token == "" {
		c.fail(w, http.StatusBadRequest, "bad enrolment request: want a token and a 32-byte ed25519 public key")
		return
	}
	pub := ed25519.PublicKey(req.PublicKey)
	id := DeviceID(pub)
	now := s.cfg.Clock.Now()
	certPEM, cert, err := s.cfg.CA.IssueClientCert(pub, id, now.Add(-time.Hour), now.Add(s.cfg.CertValidity))
	if err != nil {
		c.fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	// A token is SECRET.FINGERPRINT; only the secret is hashed (a kiosk
	// sends the secret alone, a whole token is accepted too).
	secret, _, _ := strings.Cut(req.Token, ".")
	d, err := s.cfg.Storage.Enrol(r.Context(), TokenHash(secret), req.Site, Device{ID: id, PublicKey: pub,
		EnrolledAt: now, CertSerial: cert.SerialNumber.Text(16)})
	for _, m := range []struct {
		err    error
		reason string
	}{{ErrTokenUnknown, ReasonTokenUnknown}, {ErrTokenUsed, ReasonTokenUsed}, {ErrTokenExpired, ReasonTokenExpired},
		{ErrTokenNoSite, ReasonTokenNoSite}, {ErrSiteMismatch, ReasonSiteMismatch}, {ErrDeviceRevoked, ReasonRevokedKey}} {
		if errors.Is(err, m.err) {
			s.reject(r.Context(), id, "", m.reason, nil)
			c.fail(w, http.StatusForbidden, m.reason)
			return
		}
	}
	if err != nil {
		s.cfg.Log.Error("enrol", "device", id, "err", err)
		c.fail(w, http.StatusServiceUnavailable, "storage unavailable")
		return
	}
	s.enrols.Inc()
	s.cfg.Log.Info("device enrolled", "device", id, "site", d.Site, "software", req.Software)
	c.write(w, http.StatusOK, record.EnrolResponse{DeviceID: id, Certificate: string(certPEM), CA: string(s.cfg.CA.PEM),
		Site: d.Site, Name: d.Name})
}

// device returns the enrolled device behind the request's (verified)
// client certificate, or writes the refusal.
func (s *Server) device(w http.ResponseWriter, r *http.Request, c codec) *Device {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		s.reject(r.Context(), "", "", ReasonNoCert, nil)
		c.fail(w, http.StatusUnauthorized, ReasonNoCert)
		return nil
	}
	leaf := r.TLS.PeerCertificates[0]
	id := leaf.Subject.CommonName
	// The handshake checked the dates, but a connection may outlive the
	// certificate.
	if now := s.cfg.Clock.Now(); now.After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		s.reject(r.Context(), id, "", ReasonClientCert, errors.New("certificate has expired or is not yet valid"))
		c.fail(w, http.StatusUnauthorized, ReasonClientCert+": expired or not yet valid")
		return nil
	}
	d, err := s.cfg.Storage.Device(r.Context(), id)
	switch {
	case errors.Is(err, ErrUnknownDevice):
		s.reject(r.Context(), id, "", ReasonUnknownDevice, nil)
		c.fail(w, http.StatusForbidden, ReasonUnknownDevice)
		return nil
	case err != nil:
		s.cfg.Log.Error("device lookup", "device", id, "err", err)
		c.fail(w, http.StatusServiceUnavailable, "storage unavailable")
		return nil
	case d.Revoked:
		s.reject(r.Context(), id, "", ReasonRevoked, nil)
		c.fail(w, http.StatusForbidden, ReasonRevoked)
		return nil
	}
	if pk, ok := leaf.PublicKey.(ed25519.PublicKey); !ok || !pk.Equal(d.PublicKey) {
		s.reject(r.Context(), id, "", ReasonKeyMismatch, nil)
		c.fail(w, http.StatusForbidden, ReasonKeyMismatch)
		return nil
	}
	return d
}

func (s *Server) handleRecords(w http.ResponseWriter, r *http.Request) {
	c, err := codecOf(r)
	if err != nil {
		c.fail(w, http.StatusUnsupportedMediaType, err.Error())
		return
	}
	d := s.device(w, r, c)
	if d == nil {
		return
	}
	var req record.UploadRequest
	req.Records, err = c.decodeUpload(w, r, s.uploadLimit(), s.cfg.MaxBatch, s.cfg.MaxRecordBytes)
	if err != nil {
		c.badBody(w, "bad upload", err)
		return
	}
	start := time.Now()
	res, err := s.Ingest(r.Context(), d, req.Records)
	if err != nil {
		s.cfg.Log.Error("ingest", "device", d.ID, "err", err)
		c.fail(w, http.StatusServiceUnavailable, "storage unavailable")
		return
	}
	s.upload.Observe(time.Since(start).Seconds())
	c.write(w, http.StatusOK, record.UploadResponse{Results: res})
}

// Ingest verifies a batch from device d and stores what passes, exactly
// once. It returns one result per record; an error means nothing of the
// batch is known to be stored and the kiosk should retry.
func (s *Server) Ingest(ctx context.Context, d *Device, recs []record.Signed) ([]record.UploadResult, error) {
	res := make([]record.UploadResult, len(recs))
	var rows []Row
	var idx []int
	now := s.cfg.Clock.Now()
	for i := range recs {
		sg := &recs[i]
		res[i] = record.UploadResult{UUID: sg.UUID, Status: record.StatusRejected}
		if sg.DeviceID != d.ID {
			res[i].Reason = ReasonOtherDevice
			continue
		}
		rec, err := record.Verify(sg, d.PublicKey)
		switch {
		case errors.Is(err, record.ErrHash):
			res[i].Reason = ReasonTampered
			continue
		case errors.Is(err, record.ErrSignature):
			res[i].Reason = ReasonSignature
			continue
		case err != nil:
			res[i].Reason = ReasonInvalid
			continue
		}
		// The site and the simulated mark are checked against central's
		// own device row, not what the device says.
		if rec.Site != d.Site {
			res[i].Reason = ReasonRecordSite
			continue
		}
		if rec.Simulated && !d.Demo {
			res[i].Reason = ReasonSimulated
			continue
		}
		id := rec.Card.IDNumber
		if id == "" {
			id = rec.Card.PermitNumber
		}
		rows = append(rows, Row{UUID: sg.UUID, DeviceID: d.ID, Hash: sg.Hash, Sig: sg.Sig, Body: sg.Body, ReceivedAt: now, IDNumber: id, Site: d.Site})
		idx = append(idx, i)
	}
	if len(rows) > 0 {
		st, err := s.cfg.Storage.PutRecords(ctx, rows)
		if err != nil {
			return nil, err
		}
		for k, p := range st {
			i := idx[k]
			switch p {
			case Stored:
				res[i].Status = record.StatusStored
			case Duplicate:
				res[i].Status = record.StatusDuplicate
			default:
				res[i].Reason = ReasonConflict
			}
		}
	}
	for _, x := range res {
		s.records.WithLabelValues(x.Status).Inc()
		if x.Status == record.StatusRejected {
			s.reject(ctx, d.ID, x.UUID, x.Reason, nil)
		}
	}
	return res, nil
}

func (s *Server) handleRoster(w http.ResponseWriter, r *http.Request) {
	c, _ := codecOf(r)
	d := s.device(w, r, c)
	if d == nil {
		return
	}
	since, err := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	if r.URL.Query().Get("since") == "" {
		since, err = 0, nil
	}
	if err != nil || since < 0 {
		c.fail(w, http.StatusBadRequest, "since: want a version number")
		return
	}
	delta, err := s.cfg.Storage.Roster(r.Context(), d.Site, since)
	if err != nil {
		// A cursor ahead of central (central restored from a backup):
		// the kiosk starts again from 0.
		if strings.Contains(err.Error(), "ahead of version") {
			c.fail(w, http.StatusConflict, err.Error())
			return
		}
		s.cfg.Log.Error("roster", "device", d.ID, "err", err)
		c.fail(w, http.StatusServiceUnavailable, "storage unavailable")
		return
	}
	c.write(w, http.StatusOK, delta)
}

func (s *Server) handleHeartbeat(w http.ResponseWriter, r *http.Request) {
	c, err := codecOf(r)
	if err != nil {
		c.fail(w, http.StatusUnsupportedMediaType, err.Error())
		return
	}
	d := s.device(w, r, c)
	if d == nil {
		return
	}
	var hb record.Heartbeat
	if err := c.decodeOne(w, r, MaxSmallBody, &hb); err != nil {
		c.badBody(w, "bad heartbeat", err)
		return
	}
	info, _ := json.Marshal(hb)
	now := s.cfg.Clock.Now()
	if err := s.cfg.Storage.Heartbeat(r.Context(), d.ID, now, info); err != nil {
		s.cfg.Log.Error("heartbeat", "device", d.ID, "err", err)
		c.fail(w, http.StatusServiceUnavailable, "storage unavailable")
		return
	}
	s.beats.Inc()
	if skew := hb.Time.Sub(now); skew > 5*time.Minute || skew < -5*time.Minute {
		s.cfg.Log.Warn("device clock skew", "device", d.ID, "skew", skew.Round(time.Second).String())
	}
	c.write(w, http.StatusOK, record.HeartbeatResponse{Time: now})
}

// handleRenew issues a new certificate for the key of the (valid,
// enrolled, not revoked) certificate the device connects with: renewal
// rides on the existing mutual TLS, so an expired certificate cannot renew
// (the kiosk enrols again with a new token, see docs/sync-protocol.md).
func (s *Server) handleRenew(w http.ResponseWriter, r *http.Request) {
	c, err := codecOf(r)
	if err != nil {
		c.fail(w, http.StatusUnsupportedMediaType, err.Error())
		return
	}
	d := s.device(w, r, c)
	if d == nil {
		return
	}
	var req record.RenewRequest
	if err := c.decodeOne(w, r, MaxSmallBody, &req); err != nil {
		c.badBody(w, "bad renewal", err)
		return
	}
	now := s.cfg.Clock.Now()
	certPEM, cert, err := s.cfg.CA.IssueClientCert(d.PublicKey, d.ID, now.Add(-time.Hour), now.Add(s.cfg.CertValidity))
	if err != nil {
		c.fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	if err := s.cfg.Storage.Renewed(r.Context(), d.ID, cert.SerialNumber.Text(16), now); err != nil {
		s.cfg.Log.Error("renew", "device", d.ID, "err", err)
		c.fail(w, http.StatusServiceUnavailable, "storage unavailable")
		return
	}
	s.renewals.Inc()
	s.cfg.Log.Info("certificate renewed", "device", d.ID, "until", cert.NotAfter.UTC().Format(time.RFC3339))
	c.write(w, http.StatusOK, record.RenewResponse{Certificate: string(certPEM)})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Storage.Ping(ctx); err != nil {
		// The cause goes to the log, never to an anonymous caller.
		s.cfg.Log.Error("health", "err", err)
		http.Error(w, "not ok", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok\n")
}
