package central_test

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/json"
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
