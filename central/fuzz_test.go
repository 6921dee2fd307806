package central

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
)

// The upload fuzz targets run each execution against the same state: an
// in-memory SQLite store with a device enrolled for site "s1" and a roster
// of one pending candidate, reset before every execution (records,
// rejections and counters deleted, the candidate pending again), so the
// same input always meets the same store. A fresh store per execution
// costs ~4 ms, which makes the fuzzer's minimisation of each new input
// take most of a run; the reset costs a few statements.

const (
	fuzzSite      = "s1"
	fuzzCandidate = "11010519491231002X"
)

// fuzzEnv is what does not change between executions: the CA, the device
// key and its certificate.
type fuzzEnv struct {
	ca   *CA
	cert tls.Certificate
	dev  Device
	key  ed25519.PrivateKey
	leaf *x509.Certificate
	// shared is the store the fuzz targets reset (see store).
	shared  *fuzzStore
	version int64
}

func newFuzzEnv(tb testing.TB) *fuzzEnv {
	ca, cert, err := LoadOrCreateTLS(filepath.Join(tb.TempDir(), "tls"), nil, time.Now(), entropy.Seeded(1))
	if err != nil {
		tb.Fatal(err)
	}
	d, key := testDevice(1, "")
	certPEM, _, _ := ca.IssueClientCert(d.PublicKey, d.ID, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	blk, _ := pem.Decode(certPEM)
	leaf, _ := x509.ParseCertificate(blk.Bytes)
	return &fuzzEnv{ca: ca, cert: cert, dev: d, key: key, leaf: leaf}
}

// fuzzStore is one execution's server over a fresh in-memory store.
type fuzzStore struct {
	st  Storage
	srv *Server
	env *fuzzEnv
}

func (e *fuzzEnv) fresh(tb testing.TB) *fuzzStore {
	st, err := Open(context.Background(), "sqlite::memory:")
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	if err := st.AddTokens(ctx, []string{"t"}, TokenSpec{Site: fuzzSite, Expires: t0.Add(time.Hour)}, t0); err != nil {
		tb.Fatal(err)
	}
	if _, err := st.Enrol(ctx, "t", "", Device{ID: e.dev.ID, PublicKey: e.dev.PublicKey, EnrolledAt: t0, CertSerial: "1"}); err != nil {
		tb.Fatal(err)
	}
	if _, err := st.ImportRoster(ctx, []record.RosterEntry{{IDNumber: fuzzCandidate, Name: "甲", Site: fuzzSite}}); err != nil {
		tb.Fatal(err)
	}
	srv, _ := NewServer(Config{Storage: st, CA: e.ca, ServerCert: e.cert, Rand: entropy.Seeded(3), RejectRate: 1e9, RejectBurst: 1e9})
	return &fuzzStore{st: st, srv: srv, env: e}
}

func (f *fuzzStore) close() {}

// store returns the environment's store, reset to its state after fresh.
func (e *fuzzEnv) store(tb testing.TB) *fuzzStore {
	if e.shared == nil {
		e.shared = e.fresh(tb)
		v, _ := e.shared.st.Roster(context.Background(), fuzzSite, 0)
		e.version = v.Version
		return e.shared
	}
	db := e.shared.st.(*sqlStorage).db
	for _, q := range []string{`DELETE FROM records`, `DELETE FROM rejections`, `UPDATE counters SET n = 0 WHERE name = 'duplicates'`,
		`UPDATE counters SET n = ?1 WHERE name = 'roster_version'`, `UPDATE roster SET state = 'pending', removed = FALSE, version = ?1`} {
		var args []any
		if strings.Contains(q, "?1") {
			args = []any{e.version}
		}
		if _, err := db.Exec(q, args...); err != nil {
			tb.Fatal(err)
		}
	}
	return e.shared
}

// post sends body to /v1/records as the enrolled device.
func (f *fuzzStore) post(body []byte, cbor bool) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, "/v1/records", bytes.NewReader(body))
	if cbor {
		req.Header.Set("Content-Type", "application/cbor")
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{f.env.leaf}}
	w := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

func (f *fuzzStore) rosterState(tb testing.TB) record.RosterState {
	d, err := f.st.Roster(context.Background(), fuzzSite, 0)
	if err != nil || len(d.Entries) != 1 {
		tb.Fatalf("roster: %+v %v", d, err)
	}
	return d.Entries[0].State
}

// FuzzUploadBody feeds arbitrary bodies to POST /v1/records from an
// enrolled device: the answer is 200 (one result per record), 400 or 413,
// never a panic or a 5xx. Seeded with good CBOR and JSON uploads, a
// tampered one and garbage.
func FuzzUploadBody(f *testing.F) {
	env := newFuzzEnv(f)
	for i, seed := range uploadSeeds(env) {
		f.Add(seed, i != len(uploadSeeds(env))-1)
	}
	f.Fuzz(func(t *testing.T, body []byte, cbor bool) {
		s := env.store(t)
		if code, msg := s.post(body, cbor); code != http.StatusOK && code != http.StatusBadRequest && code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d: %s", code, msg)
		}
	})
}

func uploadSeeds(env *fuzzEnv) [][]byte {
	r, _ := record.New(entropy.Seeded(3), env.dev.ID)
	r.Site = fuzzSite
	s, _ := record.Sign(r, env.key)
	em, _ := record.CBOR()
	good, _ := em.Marshal(record.UploadRequest{Records: []record.Signed{*s}})
	js, _ := json.Marshal(record.UploadRequest{Records: []record.Signed{*s}})
	bad := *s
	bad.Body = append([]byte(nil), s.Body...)
	bad.Body[5] ^= 1
	tampered, _ := em.Marshal(record.UploadRequest{Records: []record.Signed{bad}})
	return [][]byte{good, tampered, {0xa0}, {0xff, 0x00}, []byte("{}"), js}
}

// recordCase is one record built from fuzzed fields.
type recordCase struct {
	IDNumber, Site, Name, Device string
	Simulated, Resign, CBOR      bool
	Tamper                       uint16
	Score                        float64
}

// recordCases seed FuzzRecordFields and run as a table in
// TestRecordFieldCases.
var recordCases = []recordCase{
	{IDNumber: fuzzCandidate, Site: fuzzSite, Name: "甲", CBOR: true},
	{IDNumber: fuzzCandidate, Site: "s2", Name: "甲"},
	{IDNumber: fuzzCandidate, Site: fuzzSite, Simulated: true, CBOR: true},
	{IDNumber: "110105194912310021", Site: fuzzSite},
	{IDNumber: fuzzCandidate, Site: fuzzSite, Device: "kother"},
	{IDNumber: fuzzCandidate, Site: fuzzSite, Tamper: 7, CBOR: true},
	{IDNumber: fuzzCandidate, Site: fuzzSite, Tamper: 7, Resign: true},
	{IDNumber: "", Site: "", Name: "\x00\xff", Score: 1e308},
}

// checkRecordCase builds a record from c's fields, signs it with the
// device key (or a tampered copy, re-signed or not), uploads it twice to a
// fresh store and checks what central did: decoded, verified, stored once,
// the roster candidate confirmed only by a stored, real record of its own
// site.
func checkRecordCase(t *testing.T, env *fuzzEnv, c recordCase) string {
	s := env.store(t)
	dev := env.dev.ID
	if c.Device != "" {
		dev = c.Device
	}
	r, err := record.New(entropy.Seeded(uint64(c.Tamper)+1), dev)
	if err != nil {
		t.Fatal(err)
	}
	r.Site, r.Simulated = c.Site, c.Simulated
	r.Card = record.Card{Type: " ", Name: c.Name, IDNumber: c.IDNumber}
	r.Scores.Match = c.Score
	sg, err := record.Sign(r, env.key)
	if err != nil {
		return "unsigned" // the fields make no valid record
	}
	if c.Tamper != 0 && len(sg.Body) > 0 {
		sg.Body = append([]byte(nil), sg.Body...)
		sg.Body[int(c.Tamper)%len(sg.Body)] ^= byte(c.Tamper>>8) | 1
		if c.Resign {
			sg.Hash = record.Sum(sg.Body)
			sg.Sig = ed25519.Sign(env.key, record.SignedMessage(sg.Hash))
		}
	}
	var body []byte
	if c.CBOR {
		em, _ := record.CBOR()
		body, _ = em.Marshal(record.UploadRequest{Records: []record.Signed{*sg}})
	} else {
		body, _ = json.Marshal(record.UploadRequest{Records: []record.Signed{*sg}})
	}
	var first record.UploadResult
	for i := range 2 {
		code, out := s.post(body, c.CBOR)
		if code != http.StatusOK {
			if code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge {
				return "bad body"
			}
			t.Fatalf("status %d: %s", code, out)
		}
		var resp record.UploadResponse
		if c.CBOR {
			_, dm := record.CBOR()
			err = dm.Unmarshal(out, &resp)
		} else {
			err = json.Unmarshal(out, &resp)
		}
		if err != nil || len(resp.Results) != 1 {
			t.Fatalf("answer %q: %v", out, err)
		}
		res := resp.Results[0]
		if i == 0 {
			first = res
			continue
		}
		want := res.Status
		if first.Status == record.StatusStored {
			want = record.StatusDuplicate
		}
		if res.Status != want || (first.Status == record.StatusRejected && res.Reason != first.Reason) {
			t.Fatalf("second upload %+v after %+v", res, first)
		}
	}
	rec, verr := record.Verify(sg, env.key.Public().(ed25519.PublicKey))
	valid := verr == nil && dev == env.dev.ID && rec.Site == fuzzSite && !rec.Simulated
	if valid != (first.Status == record.StatusStored) {
		t.Fatalf("result %+v for a record valid=%v (%v)", first, valid, verr)
	}
	if st, _ := s.st.Stats(context.Background()); st.Records != map[bool]int64{true: 1}[valid] {
		t.Fatalf("%d records stored", st.Records)
	}
	confirmed := valid && (rec.Card.IDNumber == fuzzCandidate)
	if got := s.rosterState(t); (got == record.Confirmed) != confirmed {
		t.Fatalf("roster state %s after %+v", got, first)
	}
	return first.Status + " " + first.Reason
}

// FuzzRecordFields builds and signs a record from fuzzed fields, so that
// mutations reach record decoding, verification, the sender checks,
// storage and roster confirmation (a mutated body alone only breaks the
// hash).
func FuzzRecordFields(f *testing.F) {
	env := newFuzzEnv(f)
	for _, c := range recordCases {
		f.Add(c.IDNumber, c.Site, c.Name, c.Device, c.Simulated, c.Resign, c.CBOR, c.Tamper, c.Score)
	}
	f.Fuzz(func(t *testing.T, id, site, name, dev string, sim, resign, cbor bool, tamper uint16, score float64) {
		_ = checkRecordCase(t, env, recordCase{IDNumber: id, Site: site, Name: name, Device: dev, Simulated: sim,
			Resign: resign, CBOR: cbor, Tamper: tamper, Score: score})
	})
}

func TestRecordFieldCases(t *testing.T) {
	env := newFuzzEnv(t)
	want := []string{"stored ", "rejected " + ReasonRecordSite, "rejected " + ReasonSimulated, "stored ",
		"rejected " + ReasonOtherDevice, "rejected " + ReasonTampered, "", ""}
	for i, c := range recordCases {
		got := checkRecordCase(t, env, c)
		t.Logf("case %d: %s", i, got)
		if want[i] != "" && got != want[i] {
			t.Errorf("case %d: %q, want %q", i, got, want[i])
		}
	}
}

// TestUploadBodyMutations runs the body fuzz target's check over
// deterministic mutations of its seeds (a fuzzing smoke test in every go
// test run).
func TestUploadBodyMutations(t *testing.T) {
	env := newFuzzEnv(t)
	seeds := uploadSeeds(env)
	rnd := entropy.Seeded(9)
	n := 600
	if testing.Short() {
		n = 100
	}
	s := env.fresh(t)
	defer s.close()
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
		if code, msg := s.post(b, i != len(seeds)-1); code != http.StatusOK && code != http.StatusBadRequest && code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d: %s (body % x)", code, msg, b)
		}
	}
}
