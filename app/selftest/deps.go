package selftest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/device/selftest"
	"github.com/hbzk/kiosk/store"
	"github.com/hbzk/kiosk/syncclient"
	"github.com/hbzk/kiosk/ui"
)

func (t *tester) font(ctx context.Context) []selftest.Check {
	path := t.cfg.Path(t.cfg.Paths.Font)
	f, err := ui.LoadFont(path)
	if err != nil {
		remedy := "install a CJK font: apt-get install fonts-wqy-microhei, or set [paths] font in kiosk.toml to a CJK TTF/TTC/OTF file"
		return []selftest.Check{selftest.Fail("font", err.Error(), remedy)}
	}
	return []selftest.Check{selftest.Pass("font", filepath.Base(f.Path())+": loads, has CJK and Latin glyphs")}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

func (t *tester) store(ctx context.Context) []selftest.Check {
	const name = "store integrity"
	db := t.cfg.StatePath(t.cfg.Store.DB)
	if !exists(db) {
		c := selftest.Pass(name, "no store yet at "+db)
		c.Remedy = "the kiosk creates the store when it first runs (after kioskctl provision); nothing to check"
		return []selftest.Check{c}
	}
	st, err := store.OpenConfig(ctx, t.cfg, false, t.o.Clock, t.o.Rand, t.o.Log)
	if err != nil {
		remedy := "the store cannot be opened: stop the kiosk (systemctl stop kiosk), copy " + db + " for the support team, and report it"
		if errors.Is(err, store.ErrNoKey) || errors.Is(err, record.ErrNoKey) {
			remedy = "the store's at-rest key (" + t.cfg.StatePath(t.cfg.Store.Key) + ") is missing: restore it from the provisioning backup; without it the stored records cannot be read"
		}
		return []selftest.Check{selftest.Fail(name, err.Error(), remedy)}
	}
	defer st.Close()
	corrupt := "the store is damaged: do not delete it; stop the kiosk, copy " + db + " (and its -wal file) for the support team, then sync what can be synced (kioskctl sync now)"
	n, err := st.VerifyAudit(ctx)
	if err != nil {
		return []selftest.Check{selftest.Fail(name, fmt.Sprintf("audit chain: %v", err), corrupt)}
	}
	if err := st.Check(ctx); err != nil {
		return []selftest.Check{selftest.Fail(name, err.Error(), corrupt)}
	}
	depth, err := st.QueueDepth(ctx)
	if err != nil {
		return []selftest.Check{selftest.Fail(name, err.Error(), corrupt)}
	}
	return []selftest.Check{selftest.Pass(name, fmt.Sprintf("sqlite ok, audit chain of %d entries ok, records decrypt, %d in the outbox", n, depth))}
}

func (t *tester) central(ctx context.Context) []selftest.Check {
	if t.cfg.Sync.Central == "" {
		c := selftest.Pass("central", "offline (not configured)")
		c.Remedy = "records stay on the kiosk; run kioskctl provision --central URL --token TOKEN to connect it to central"
		return []selftest.Check{c}
	}
	provision := "provision the kiosk again: kioskctl provision --central " + t.cfg.Sync.Central + " --token TOKEN --force"
	certPath := t.cfg.StatePath(t.cfg.Sync.Cert)
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return []selftest.Check{selftest.Fail("central certificate", err.Error(), provision)}
	}
	id, notAfter, err := syncclient.CertInfo(certPEM)
	if err != nil {
		return []selftest.Check{selftest.Fail("central certificate", err.Error(), provision)}
	}
	now := t.o.Clock.Now()
	left := notAfter.Sub(now)
	value := fmt.Sprintf("device %s, valid until %s", id, notAfter.UTC().Format("2006-01-02"))
	var out []selftest.Check
	switch {
	case left <= 0:
		out = append(out, selftest.Fail("central certificate", value+": expired", provision))
	case left < t.o.CertMinValid:
		out = append(out, selftest.Fail("central certificate", fmt.Sprintf("%s: expires in %d days", value, int(left.Hours()/24)),
			"renew the certificate before it expires: "+provision))
	default:
		out = append(out, selftest.Pass("central certificate", fmt.Sprintf("%s (%d days left)", value, int(left.Hours()/24))))
	}
	if t.cfg.Device.ID != "" && id != t.cfg.Device.ID {
		out[len(out)-1] = selftest.Fail("central certificate", fmt.Sprintf("%s, but [device] id is %s", value, t.cfg.Device.ID), provision)
	}
	key, err := record.ReadKey(t.cfg.StatePath(t.cfg.Sync.DeviceKey))
	if err != nil {
		return append(out, selftest.Fail("central reachable", "device key: "+err.Error(), provision))
	}
	tc, err := syncclient.LoadTLS(certPath, key, t.cfg.StatePath(t.cfg.Sync.CA), t.o.Clock.Now)
	if err != nil {
		return append(out, selftest.Fail("central reachable", err.Error(), provision))
	}
	return append(out, t.reach(ctx, tc))
}

// reach asks central's /healthz over mutual TLS.
func (t *tester) reach(ctx context.Context, tc *tls.Config) selftest.Check {
	const name = "central reachable"
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}}
	defer hc.CloseIdleConnections()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	url := strings.TrimSuffix(t.cfg.Sync.Central, "/") + "/healthz"
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
	if err != nil {
		return selftest.Fail(name, err.Error(), "fix [sync] central in kiosk.toml")
	}
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		var ua x509.UnknownAuthorityError
		var ci x509.CertificateInvalidError
		var hn x509.HostnameError
		switch {
		case errors.As(err, &ua), errors.As(err, &ci), errors.As(err, &hn):
			return selftest.Fail(name, err.Error(), "central's certificate does not match the stored CA or host: provision the kiosk again (kioskctl provision --force)")
		}
		return selftest.Fail(name, err.Error(), "check the network cable or Wi-Fi, DNS, the firewall (HTTPS to central) and [sync] central")
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	took := time.Since(start).Round(time.Millisecond)
	if resp.StatusCode != http.StatusOK {
		return selftest.Fail(name, fmt.Sprintf("%s: HTTP %d: %s", url, resp.StatusCode, strings.TrimSpace(string(body))),
			"central answers but is unhealthy: tell central's operators")
	}
	return selftest.Pass(name, fmt.Sprintf("%s answered in %s", t.cfg.Sync.Central, took))
}
