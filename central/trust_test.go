package central_test

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
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

// getRoster fetches /v1/roster over k's mutual TLS as the kiosk does,
// with whatever query the caller chooses.
func getRoster(t *testing.T, srv *centraltest.Server, k *kiosk, query string) *record.RosterDelta {
	t.Helper()
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: k.tls}}
	resp, err := cl.Get(srv.URL + "/v1/roster" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("roster%s: %d %s", query, resp.StatusCode, body)
	}
	var d record.RosterDelta
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// A device sees only its own site's roster, whatever it asks for, and
// its records confirm only candidates of its own site.
func TestRosterScopeAndCrossSiteConfirm(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	ctx := context.Background()
	a := enrol(t, srv, srv.Tokens(t, 1)[0], 1, nil) // site s1
	const own, other = "11010519491231002X", "110105194912310021"
	if _, err := srv.Storage().ImportRoster(ctx, []record.RosterEntry{
		{IDNumber: own, Name: "甲", Site: "s1"}, {IDNumber: other, Name: "乙", Site: "s2"}, {IDNumber: "C", Name: "丙"},
	}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"", "?site=", "?site=s2", "?since=0&site=s2"} {
		d := getRoster(t, srv, a, q)
		if len(d.Entries) != 1 || d.Entries[0].IDNumber != own {
			t.Errorf("roster%s: %+v, want only s1's candidate", q, d.Entries)
		}
	}

	// a uploads a record for s2's candidate: stored, but the candidate
	// stays pending (the real candidate at s2 can still confirm).
	r, _ := record.New(entropy.Seeded(29), a.id)
	r.Site = a.site
	r.Card.IDNumber = other
	sg, err := record.Sign(r, a.key)
	if err != nil {
		t.Fatal(err)
	}
	a.ob.Add(sg)
	if res, err := a.c.SyncOnce(ctx); err != nil || res.Uploaded != 1 {
		t.Fatalf("upload: %+v %v", res, err)
	}
	d, err := srv.Storage().Roster(ctx, "s2", 0)
	if err != nil || len(d.Entries) != 1 || d.Entries[0].State != record.Pending {
		t.Errorf("s2 roster after a record of s1's device: %+v %v", d, err)
	}
	// Its own site's candidate it does confirm.
	a.ob.Add(a.sign(t, 30))
	if _, err := a.c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if d := getRoster(t, srv, a, ""); len(d.Entries) != 1 || d.Entries[0].State != record.Confirmed {
		t.Errorf("own candidate not confirmed: %+v", d.Entries)
	}
}

// /healthz tells an anonymous caller ok or not ok, never the storage
// error.
func TestHealthSaysOnlyOK(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	a := enrol(t, srv, srv.Tokens(t, 1)[0], 1, nil)
	plain := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: a.tls.RootCAs}}}
	get := func() (int, string) {
		resp, err := plain.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || body != "ok\n" {
		t.Errorf("healthy: %d %q", code, body)
	}
	srv.Storage().Close()
	if code, body := get(); code != 503 || strings.TrimSpace(body) != "not ok" {
		t.Errorf("storage closed: %d %q, want 503 \"not ok\"", code, body)
	}
}

// enrolAs sends an enrolment for key seed with token, naming site, and
// returns the answer or the refusal.
func enrolAs(t *testing.T, srv *centraltest.Server, token string, seed uint64, site string) (*syncclient.Enrolment, error) {
	t.Helper()
	key, _ := record.GenerateKey(entropy.Seeded(seed))
	return syncclient.Enrol(context.Background(), srv.URL, syncclient.Trust{},
		record.EnrolRequest{Token: token, PublicKey: key.Public().(ed25519.PublicKey), Site: site})
}

// refused checks err is central's 403 with reason.
func refused(t *testing.T, what string, err error, reason string) {
	t.Helper()
	var he *syncclient.HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusForbidden || he.Msg != reason {
		t.Errorf("%s: %v, want 403 %q", what, err, reason)
	}
}

// A token is bound to its site (and device name), used once, and
// expires; the device's site comes from the token, never the request.
// Every case goes through the real server over TLS, trusting central by
// the token's own CA fingerprint.
func TestEnrolTokenBoundToSite(t *testing.T) {
	clk := clocktest.New(time.Now())
	srv := centraltest.Start(t, centraltest.Options{Clock: clk})
	toks := srv.TokensFor(t, 1, central.TokenSpec{Site: "考点A", Name: "hall-1", Expires: clk.Now().Add(time.Hour)})
	fp, _ := central.CAFingerprint(srv.TLSDir)
	if !strings.HasSuffix(toks[0], "."+fp) {
		t.Fatalf("token %q does not carry the CA fingerprint %s", toks[0], fp)
	}
	// Site spoofing: the request names another site. Refused; the
	// token stays good.
	_, err := enrolAs(t, srv, toks[0], 1, "考点B")
	refused(t, "other site", err, central.ReasonSiteMismatch)
	en, err := enrolAs(t, srv, toks[0], 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if en.Site != "考点A" || en.Name != "hall-1" {
		t.Errorf("enrolment answer site %q name %q", en.Site, en.Name)
	}
	d, err := srv.Storage().Device(context.Background(), en.DeviceID)
	if err != nil || d.Site != "考点A" || d.Name != "hall-1" {
		t.Errorf("device row %+v %v", d, err)
	}
	// Same key, same token (a resumed provisioning): the same device.
	again, err := enrolAs(t, srv, toks[0], 1, "考点A")
	if err != nil || again.DeviceID != en.DeviceID {
		t.Errorf("same key and token again: %+v %v", again, err)
	}
	// Another key with the used token; an unknown token.
	_, err = enrolAs(t, srv, toks[0], 2, "")
	refused(t, "used token", err, central.ReasonTokenUsed)
	secret, _, _ := strings.Cut(toks[0], ".")
	_, err = enrolAs(t, srv, strings.Repeat("a", len(secret))+"."+fp, 2, "")
	refused(t, "unknown token", err, central.ReasonTokenUnknown)
	// An expired token.
	late := srv.TokensFor(t, 1, central.TokenSpec{Site: "考点A", Expires: clk.Now().Add(time.Minute)})
	clk.Advance(2 * time.Minute)
	_, err = enrolAs(t, srv, late[0], 3, "")
	refused(t, "expired token", err, central.ReasonTokenExpired)
	if st := srv.Stats(t); st.Devices != 1 || st.Rejected != 4 {
		t.Errorf("stats %+v, want 1 device and 4 rejections", st)
	}
}

// status posts nothing but asks for the roster: the first handler's
// answer for k's identity.
func rosterStatus(t *testing.T, srv *centraltest.Server, k *kiosk) (int, string) {
	t.Helper()
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: k.tls}}
	resp, err := cl.Get(srv.URL + "/v1/roster")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb record.ErrorBody
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &eb)
	return resp.StatusCode, eb.Error
}

// A revoked device is refused at the first handler of every endpoint,
// cannot enrol again (its own token or a new one), and is let in again
// when reinstated; both steps are audited.
func TestRevokedDevice(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	ctx := context.Background()
	toks := srv.Tokens(t, 2)
	a := enrol(t, srv, toks[0], 1, nil)
	a.ob.Add(a.sign(t, 40))
	if res, err := a.c.SyncOnce(ctx); err != nil || res.Uploaded != 1 {
		t.Fatalf("before revocation: %+v %v", res, err)
	}
	if err := srv.Storage().Revoke(ctx, a.id, "stolen from the hall", "op:test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, msg := rosterStatus(t, srv, a); code != http.StatusForbidden || msg != central.ReasonRevoked {
		t.Errorf("roster of a revoked device: %d %q", code, msg)
	}
	a.ob.Add(a.sign(t, 41))
	_, err := a.c.SyncOnce(ctx)
	var he *syncclient.HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusForbidden || he.Msg != central.ReasonRevoked {
		t.Errorf("upload of a revoked device: %v", err)
	}
	if st := srv.Stats(t); st.Records != 1 {
		t.Errorf("records %d after a revoked upload", st.Records)
	}
	// Re-enrolment of the revoked key: with its used token, with a new one.
	_, err = enrolAs(t, srv, toks[0], 1, "")
	refused(t, "revoked key, used token", err, central.ReasonRevokedKey)
	_, err = enrolAs(t, srv, toks[1], 1, "")
	refused(t, "revoked key, new token", err, central.ReasonRevokedKey)

	if err := srv.Storage().Reinstate(ctx, a.id, "op:test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if res, err := a.c.SyncOnce(ctx); err != nil || res.Uploaded != 1 {
		t.Errorf("after reinstatement: %+v %v", res, err)
	}
	au, _ := srv.Storage().Audit(ctx)
	var actions []string
	for _, e := range au {
		if e.DeviceID == a.id {
			actions = append(actions, e.Action+":"+e.Detail)
		}
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "revoke:stolen from the hall,reinstate:") {
		t.Errorf("audit of %s: %s", a.id, got)
	}
}

// Records are checked against the sender's device row: another site in
// the record is refused, a simulated record is refused unless the site is
// a demo site, and a device cannot take another device's uuid.
func TestRecordsCheckedAgainstSender(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	ctx := context.Background()
	toks := srv.Tokens(t, 2)
	a := enrol(t, srv, toks[0], 1, nil)
	b := enrol(t, srv, toks[1], 2, nil)

	resign := func(k *kiosk, seed uint64, f func(r *record.Record)) *record.Signed {
		r, _ := record.Decode(k.sign(t, seed).Body)
		f(r)
		s, err := record.Sign(r, k.key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	otherSite := resign(a, 50, func(r *record.Record) { r.Site = "s2" })
	simulated := resign(a, 51, func(r *record.Record) { r.Simulated = true })
	a.ob.Add(otherSite)
	a.ob.Add(simulated)
	if res, err := a.c.SyncOnce(ctx); err != nil || res.Rejected != 2 {
		t.Fatalf("site/simulated: %+v %v", res, err)
	}
	rej := a.ob.Rejected()
	if rej[otherSite.UUID] != central.ReasonRecordSite || rej[simulated.UUID] != central.ReasonSimulated {
		t.Errorf("rejections %q", rej)
	}
	// The site marked demo: a simulated record is taken.
	srv.SetDemo(t, centraltest.Site, true)
	sim2 := resign(a, 52, func(r *record.Record) { r.Simulated = true })
	a.ob.Add(sim2)
	if res, err := a.c.SyncOnce(ctx); err != nil || res.Uploaded != 1 {
		t.Errorf("simulated record at a demo site: %+v %v", res, err)
	}
	srv.SetDemo(t, centraltest.Site, false)

	// UUID squatting: b uploads its own record under a's pending uuid
	// first; a's upload is still stored, and each device's copy is its own.
	pending := a.sign(t, 53)
	squat := resign(b, 54, func(r *record.Record) { r.UUID = pending.UUID })
	b.ob.Add(squat)
	if res, err := b.c.SyncOnce(ctx); err != nil || res.Uploaded != 1 {
		t.Fatalf("b's record: %+v %v", res, err)
	}
	a.ob.Add(pending)
	if res, err := a.c.SyncOnce(ctx); err != nil || res.Uploaded != 1 || res.Rejected != 0 {
		t.Errorf("a's record after b took its uuid: %+v %v (rejected %q)", res, err, a.ob.Rejected())
	}
	owners := map[string]string{}
	srv.Storage().Records(ctx, func(r central.Row) error {
		if r.UUID == pending.UUID {
			owners[r.DeviceID] = string(r.Hash[:])
		}
		return nil
	})
	if len(owners) != 2 || owners[a.id] != string(pending.Hash[:]) {
		t.Errorf("rows for uuid %s: %d", pending.UUID, len(owners))
	}
}

// A certificate is renewed over the existing mutual TLS once less than a
// third of its life is left, written atomically and used from then on; a
// kiosk whose certificate did expire cannot renew, and recovers by
// enrolling the same key with a new token: its pending records are
// delivered as the same device.
func TestCertRenewalAndExpiredRecovery(t *testing.T) {
	clk := clocktest.New(time.Now())
	srv := centraltest.Start(t, centraltest.Options{Clock: clk, Config: func(c *central.Config) { c.CertValidity = 30 * 24 * time.Hour }})
	ctx := context.Background()
	key, _ := record.GenerateKey(entropy.Seeded(7))
	en, err := syncclient.Enrol(ctx, srv.URL, syncclient.Trust{}, record.EnrolRequest{Token: srv.Tokens(t, 1)[0], PublicKey: key.Public().(ed25519.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(t.TempDir(), "device.pem")
	os.WriteFile(certFile, []byte(en.Certificate), 0o644)
	ob := syncclient.NewMemOutbox()
	client := func() *syncclient.Client {
		tc, err := syncclient.LoadTLS(certFile, key, writeTemp(t, en.CA), clk.Now)
		if err != nil {
			t.Fatal(err)
		}
		c, err := syncclient.New(syncclient.Config{Central: srv.URL, TLS: tc, Clock: clk, CertFile: certFile}, ob)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	k := &kiosk{id: en.DeviceID, site: en.Site, key: key}
	c := client()
	first := c.CertLeaf()
	// Day 10: two thirds left, nothing to do.
	clk.Advance(10 * 24 * time.Hour)
	if _, err := c.SyncOnce(ctx); err != nil || c.CertLeaf().SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Fatalf("day 10: %v (renewed too early?)", err)
	}
	// Day 21: less than a third left: renewed.
	clk.Advance(11 * 24 * time.Hour)
	ob.Add(k.sign(t, 70))
	if res, err := c.SyncOnce(ctx); err != nil || res.Uploaded != 1 {
		t.Fatalf("day 21: %+v %v", res, err)
	}
	renewed := c.CertLeaf()
	if !renewed.NotAfter.After(first.NotAfter) {
		t.Fatalf("not renewed: until %s", renewed.NotAfter)
	}
	onDisk, _ := os.ReadFile(certFile)
	if id, until, err := syncclient.CertInfo(onDisk); err != nil || id != en.DeviceID || !until.Equal(renewed.NotAfter) {
		t.Errorf("certificate file after renewal: %s %s %v", id, until, err)
	}
	if _, err := os.Stat(certFile + ".tmp"); err == nil {
		t.Error("temporary certificate file left behind")
	}
	d, _ := srv.Storage().Device(ctx, en.DeviceID)
	if d.CertSerial != renewed.SerialNumber.Text(16) {
		t.Errorf("device row serial %s, want %s", d.CertSerial, renewed.SerialNumber.Text(16))
	}
	// A fresh client from the file (a restarted kiosk) works on day 40,
	// past the first certificate's end.
	clk.Advance(19 * 24 * time.Hour)
	c = client()
	ob.Add(k.sign(t, 71))
	if res, err := c.SyncOnce(ctx); err != nil || res.Uploaded != 1 {
		t.Fatalf("day 40 with the renewed certificate: %+v %v", res, err)
	}

	// Offline for two months: the certificate expires with a record pending.
	clk.Advance(60 * 24 * time.Hour)
	ob.Add(k.sign(t, 72))
	if _, err := c.SyncOnce(ctx); err == nil {
		t.Fatal("sync with an expired certificate succeeded")
	}
	// Recovery: the same key enrols with a new token; the record goes.
	en2, err := syncclient.Enrol(ctx, srv.URL, syncclient.Trust{}, record.EnrolRequest{Token: srv.Tokens(t, 1)[0], PublicKey: key.Public().(ed25519.PublicKey)})
	if err != nil || en2.DeviceID != en.DeviceID {
		t.Fatalf("re-enrol: %+v %v", en2, err)
	}
	os.WriteFile(certFile, []byte(en2.Certificate), 0o644)
	if res, err := client().SyncOnce(ctx); err != nil || res.Uploaded != 1 {
		t.Errorf("after recovery: %+v %v", res, err)
	}
	if st := srv.Stats(t); st.Records != 3 || st.Devices != 1 {
		t.Errorf("stats %+v", st)
	}
}

func writeTemp(t *testing.T, data string) string {
	p := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(p, []byte(data), 0o644)
	return p
}
