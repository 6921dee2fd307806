package central_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/central/centraltest"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
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
