package central_test

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/central"
	"github.com/hbzk/kiosk/central/centraltest"
	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/syncclient"
)

type kiosk struct {
	id   string
	site string
	key  ed25519.PrivateKey
	tls  *tls.Config
	ob   *syncclient.MemOutbox
	c    *syncclient.Client
}

func enrol(t *testing.T, srv *centraltest.Server, token string, seed uint64, now func() time.Time) *kiosk {
	t.Helper()
	key, _ := record.GenerateKey(entropy.Seeded(seed))
	en, err := syncclient.Enrol(context.Background(), srv.URL, syncclient.Trust{CA: srv.CA},
		record.EnrolRequest{Token: token, PublicKey: key.Public().(ed25519.PublicKey), Site: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	tc, err := syncclient.TLSConfig([]byte(en.Certificate), key, []byte(en.CA), now)
	if err != nil {
		t.Fatal(err)
	}
	k := &kiosk{id: en.DeviceID, site: en.Site, key: key, tls: tc, ob: syncclient.NewMemOutbox()}
	k.c, err = syncclient.New(syncclient.Config{Central: srv.URL, TLS: tc}, k.ob)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (k *kiosk) sign(t *testing.T, seed uint64) *record.Signed {
	r, _ := record.New(entropy.Seeded(seed), k.id)
	r.Site = k.site
	r.Card.IDNumber = "11010519491231002X"
	s, err := record.Sign(r, k.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSecurity(t *testing.T) {
	clk := clocktest.New(time.Now())
	srv := centraltest.Start(t, centraltest.Options{Clock: clk, Config: func(c *central.Config) {
		c.CertValidity = 48 * time.Hour
		c.MetricsToken = "metrics-secret"
	}})
	toks := srv.Tokens(t, 3)
	a := enrol(t, srv, toks[0], 1, nil)
	b := enrol(t, srv, toks[1], 2, nil)
	ctx := context.Background()

	// A good record, a tampered one, one re-signed after tampering by
	// someone without the key, and one of another device.
	good := a.sign(t, 10)
	tampered := a.sign(t, 11)
	tampered.Body = append([]byte(nil), tampered.Body...)
	tampered.Body[len(tampered.Body)-5] ^= 0x20
	rehashed := a.sign(t, 12)
	rehashed.Body = append([]byte(nil), rehashed.Body...)
	rehashed.Body[len(rehashed.Body)-5] ^= 0x20
	rehashed.Hash = record.Sum(rehashed.Body)
	stolen := b.sign(t, 13) // b's record, uploaded by a
	forged := b.sign(t, 14) // claims device b, signed with a's key
	{
		r, _ := record.Decode(forged.Body)
		f, _ := record.Sign(r, a.key)
		forged = f
	}
	for _, s := range []*record.Signed{good, tampered, rehashed, stolen, forged} {
		a.ob.Add(s)
	}
	res, err := a.c.SyncOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Uploaded != 1 || res.Rejected != 4 {
		t.Errorf("result %+v, want 1 uploaded, 4 rejected", res)
	}
	rej := a.ob.Rejected()
	for uuid, want := range map[string]string{tampered.UUID: central.ReasonTampered, rehashed.UUID: central.ReasonSignature,
		stolen.UUID: central.ReasonOtherDevice, forged.UUID: central.ReasonOtherDevice} {
		if rej[uuid] != want {
			t.Errorf("%s rejected for %q, want %q", uuid, rej[uuid], want)
		}
	}
	// A record signed by b's key but claiming to be a's.
	{
		r, _ := record.Decode(a.sign(t, 15).Body)
		s, _ := record.Sign(r, b.key)
		a.ob.Add(s)
		a.c.SyncOnce(ctx)
		if got := a.ob.Rejected()[s.UUID]; got != central.ReasonSignature {
			t.Errorf("record signed with another key: %q", got)
		}
	}

	// Replayed enrolment token.
	key3, _ := record.GenerateKey(entropy.Seeded(3))
	_, err = syncclient.Enrol(ctx, srv.URL, syncclient.Trust{CA: srv.CA},
		record.EnrolRequest{Token: toks[0], PublicKey: key3.Public().(ed25519.PublicKey)})
	var he *syncclient.HTTPError
	if !errors.As(err, &he) || he.Status != 403 || !strings.Contains(he.Msg, "already used") {
		t.Errorf("replayed token: %v", err)
	}
	_, err = syncclient.Enrol(ctx, srv.URL, syncclient.Trust{CA: srv.CA},
		record.EnrolRequest{Token: "made-up", PublicKey: key3.Public().(ed25519.PublicKey)})
	if !errors.As(err, &he) || he.Status != 403 {
		t.Errorf("unknown token: %v", err)
	}

	// No client certificate.
	pool := a.tls.RootCAs
	plain := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := plain.Post(srv.URL+"/v1/records", "application/json", strings.NewReader(`{"records":[]}`))
	if err != nil || resp.StatusCode != 401 {
		t.Errorf("no certificate: %v %v", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}

	// Health needs no certificate; metrics need the token.
	get := func(p, auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+p, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := plain.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, _ := get("/healthz", ""); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	for _, auth := range []string{"", "Bearer wrong", "metrics-secret"} {
		if code, _ := get("/metrics", auth); code != 401 {
			t.Errorf("metrics with %q: %d, want 401", auth, code)
		}
	}
	if code, body := get("/metrics", "Bearer metrics-secret"); code != 200 || !strings.Contains(body, `central_rejections_total{reason="tampered: hash mismatch"} 1`) {
		t.Errorf("metrics with the token: %d, lack the rejection counter:\n%s", code, body)
	}

	// Expired certificate: the server's clock passes the certificate's
	// end; the handshake fails and the reason is logged.
	clk.Advance(72 * time.Hour)
	a.ob.Add(a.sign(t, 20))
	if _, err := a.c.SyncOnce(ctx); err == nil {
		t.Error("upload with an expired certificate succeeded")
	}
	logs := srv.Logs()
	for _, want := range []string{"reason=\"" + central.ReasonTampered, "reason=\"" + central.ReasonOtherDevice,
		"reason=\"" + central.ReasonTokenUsed, "reason=\"" + central.ReasonClientCert, "expired"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(logs, "11010519491231002X") {
		t.Error("an ID number reached central's log")
	}
	st := srv.Stats(t)
	if st.Records != 1 || st.Rejected < 8 {
		t.Errorf("stats %+v", st)
	}
}

func TestUnknownDeviceAndForeignCA(t *testing.T) {
	ctx := context.Background()
	srv := centraltest.Start(t, centraltest.Options{})
	srv2 := centraltest.Start(t, centraltest.Options{})
	k := enrol(t, srv, srv.Tokens(t, 1)[0], 5, nil)

	// k's certificate is from srv's CA, presented to srv2 (whose CA the
	// client trusts): the handshake fails and srv2 logs why.
	tc := k.tls.Clone()
	tc.RootCAs = x509.NewCertPool()
	tc.RootCAs.AppendCertsFromPEM(srv2.CA)
	ob := syncclient.NewMemOutbox()
	ob.Add(k.sign(t, 1))
	c, _ := syncclient.New(syncclient.Config{Central: srv2.URL, TLS: tc, NoRoster: true, NoHeartbeat: true}, ob)
	if _, err := c.SyncOnce(ctx); err == nil {
		t.Error("certificate of another CA accepted")
	}
	if !strings.Contains(srv2.Logs(), central.ReasonClientCert) || !strings.Contains(srv2.Logs(), "unknown authority") {
		t.Errorf("foreign certificate not logged:\n%s", srv2.Logs())
	}

	// A certificate from srv2's own CA for a key that never enrolled.
	ca, _, err := central.LoadOrCreateTLS(srv2.TLSDir, nil, time.Now(), entropy.System)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := record.GenerateKey(entropy.Seeded(77))
	pub := key.Public().(ed25519.PublicKey)
	certPEM, _, err := ca.IssueClientCert(pub, central.DeviceID(pub), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tc2, err := syncclient.TLSConfig(certPEM, key, srv2.CA, nil)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := syncclient.New(syncclient.Config{Central: srv2.URL, TLS: tc2}, ob)
	_, err = c2.SyncOnce(ctx)
	var he *syncclient.HTTPError
	if !errors.As(err, &he) || he.Status != 403 || he.Msg != central.ReasonUnknownDevice {
		t.Errorf("unknown device: %v", err)
	}
	if !strings.Contains(srv2.Logs(), central.ReasonUnknownDevice) {
		t.Error("unknown device not logged")
	}
}
