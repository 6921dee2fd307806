package selftest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/device/selftest"
	"github.com/hbzk/kiosk/device/sigpad"
	"github.com/hbzk/kiosk/store"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func stroke(pts ...int) sigpad.Stroke {
	var s sigpad.Stroke
	for i := 0; i+1 < len(pts); i += 2 {
		s = append(s, sigpad.Sample{X: pts[i], Y: pts[i+1], Down: true})
	}
	return s
}

func TestStrokesOf(t *testing.T) {
	up := sigpad.Sample{X: 9, Y: 9}
	d := func(x, y int) sigpad.Sample { return sigpad.Sample{X: x, Y: y, Down: true} }
	got := strokesOf([]sigpad.Sample{up, d(1, 1), d(2, 2), up, up, d(3, 3), up})
	if len(got) != 2 || len(got[0]) != 2 || len(got[1]) != 1 || got[1][0].X != 3 {
		t.Errorf("strokes %v", got)
	}
	if got := strokesOf([]sigpad.Sample{d(1, 1)}); len(got) != 1 {
		t.Errorf("open stroke at the end: %v", got)
	}
	if got := strokesOf(nil); got != nil {
		t.Errorf("none: %v", got)
	}
}

func TestCompareStrokes(t *testing.T) {
	want := []sigpad.Stroke{stroke(1, 1, 2, 2), stroke(5, 5)}
	for _, tc := range []struct {
		name string
		got  []sigpad.Stroke
		diff string
	}{
		{"same", []sigpad.Stroke{stroke(1, 1, 2, 2), stroke(5, 5)}, ""},
		{"stroke lost", []sigpad.Stroke{stroke(1, 1, 2, 2)}, "1 strokes decoded, 2 sent"},
		{"point lost", []sigpad.Stroke{stroke(1, 1), stroke(5, 5)}, "stroke 1: 1 points decoded, 2 sent"},
		{"garbled", []sigpad.Stroke{stroke(1, 1, 2, 3), stroke(5, 5)}, "stroke 1 point 2: decoded (2,3), sent (2,2)"},
	} {
		if got := compareStrokes(tc.got, want); got != tc.diff {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.diff)
		}
	}
}

// tester makes a tester of the dev defaults with its state in a temp dir.
func newTester(t *testing.T, mod func(*config.Config), o Options) *tester {
	t.Helper()
	cfg := config.Defaults(config.Dev)
	cfg.Dir = t.TempDir()
	if mod != nil {
		mod(&cfg)
	}
	if o.Clock == nil {
		o.Clock = clocktest.New(now)
	}
	o.defaults()
	return &tester{cfg: &cfg, o: o}
}

// writeCert writes a device key and a self-signed certificate for it,
// valid until notAfter, into cfg's state folder.
func writeCert(t *testing.T, cfg *config.Config, cn string, notAfter time.Time) {
	t.Helper()
	os.MkdirAll(cfg.Path(cfg.Paths.StateDir), 0o700)
	pub, key, err := ed25519.GenerateKey(entropy.Seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := record.WriteKey(cfg.StatePath(cfg.Sync.DeviceKey), key); err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(entropy.Seeded(4), tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	os.WriteFile(cfg.StatePath(cfg.Sync.Cert), p, 0o644)
	os.WriteFile(cfg.StatePath(cfg.Sync.CA), p, 0o644)
}

func byName(cs []selftest.Check) map[string]selftest.Check {
	m := map[string]selftest.Check{}
	for _, c := range cs {
		m[c.Name] = c
	}
	return m
}

func TestCentral(t *testing.T) {
	t.Run("offline", func(t *testing.T) {
		cs := newTester(t, nil, Options{}).central(context.Background())
		if len(cs) != 1 || !cs[0].OK || cs[0].Value != "offline (not configured)" || !strings.Contains(cs[0].Remedy, "kioskctl provision") {
			t.Errorf("%+v", cs)
		}
	})
	for _, tc := range []struct {
		name     string
		cn       string
		notAfter time.Time
		noCert   bool
		certOK   bool
		want     string
	}{
		{name: "valid", cn: "dev-1", notAfter: now.Add(200 * 24 * time.Hour), certOK: true, want: "200 days left"},
		{name: "expires soon", cn: "dev-1", notAfter: now.Add(10*24*time.Hour + time.Hour), want: "expires in 10 days"},
		{name: "expired", cn: "dev-1", notAfter: now.Add(-time.Hour), want: "expired"},
		{name: "other device", cn: "dev-2", notAfter: now.Add(200 * 24 * time.Hour), want: "[device] id is dev-1"},
		{name: "no certificate", noCert: true, want: "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t, func(c *config.Config) {
				c.Sync.Central = "https://127.0.0.1:1"
				c.Device.ID = "dev-1"
			}, Options{})
			if !tc.noCert {
				writeCert(t, tt.cfg, tc.cn, tc.notAfter)
			}
			m := byName(tt.central(context.Background()))
			cert := m["central certificate"]
			if cert.OK != tc.certOK || !strings.Contains(cert.Value, tc.want) {
				t.Errorf("certificate %+v, want ok=%v and %q", cert, tc.certOK, tc.want)
			}
			if !cert.OK && !strings.Contains(cert.Remedy, "kioskctl provision") {
				t.Errorf("remedy %q", cert.Remedy)
			}
			if reach, ok := m["central reachable"]; ok && (reach.OK || reach.Remedy == "") {
				t.Errorf("nothing listens on port 1, yet %+v", reach)
			}
		})
	}
}

// fakeReader is a real reader's behaviour without a card: WaitCard waits
// for ctx; SAM answers are scripted.
type fakeReader struct {
	samErr  error
	waitErr error
	closed  bool
}

func (r *fakeReader) WaitCard(ctx context.Context) error {
	if r.waitErr != nil {
		return r.waitErr
	}
	<-ctx.Done()
	return ctx.Err()
}
func (r *fakeReader) Read(ctx context.Context) (*idcard.Card, error) { return nil, idcard.ErrNoCard }
func (r *fakeReader) WaitRemoved(ctx context.Context) error          { return nil }
func (r *fakeReader) Close() error                                   { r.closed = true; return nil }
func (r *fakeReader) SAMStatus(ctx context.Context) error            { return r.samErr }
func (r *fakeReader) SAMID(ctx context.Context) (string, error)      { return "05.01-20260101-1-2", nil }

func TestIDCardRealReader(t *testing.T) {
	for _, tc := range []struct {
		name   string
		r      *fakeReader
		check  string
		ok     bool
		value  string
		remedy string
	}{
		{"no test card", &fakeReader{}, "idcard read card", true, "no test card", "lay a test card"},
		{"sam fault", &fakeReader{samErr: idcard.ErrSAMFault}, "idcard sam status", false, "security module", "supplier"},
		{"reader gone", &fakeReader{waitErr: idcard.ErrReaderGone}, "idcard read card", false, "not connected", "USB cable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t, nil, Options{CardWait: 20 * time.Millisecond, Devices: &Devices{IDCard: tc.r}})
			m := byName(tt.idcard(context.Background()))
			c, ok := m[tc.check]
			if !ok || c.OK != tc.ok || !strings.Contains(c.Value, tc.value) || !strings.Contains(c.Remedy, tc.remedy) {
				t.Errorf("%s: %+v, want ok=%v %q %q (all: %+v)", tc.check, c, tc.ok, tc.value, tc.remedy, m)
			}
			if tc.r.closed {
				t.Error("a given device was closed")
			}
			if c := m["idcard open"]; !c.OK || !strings.Contains(c.Value, "opened by the kiosk") {
				t.Errorf("open check of a given device: %+v", c)
			}
		})
	}
}

// silentPad is a real pad nobody draws on.
type silentPad struct{}

func (silentPad) Info() sigpad.Info { return sigpad.Info{Model: "test", MaxX: 100, MaxY: 50} }
func (silentPad) Next(ctx context.Context) (sigpad.Sample, error) {
	<-ctx.Done()
	return sigpad.Sample{}, ctx.Err()
}
func (silentPad) Signature() sigpad.Signature { return sigpad.Signature{} }
func (silentPad) Clear() error                { return nil }
func (silentPad) Close() error                { return nil }

func TestSigpadNobodyDraws(t *testing.T) {
	var prompt bytes.Buffer
	tt := newTester(t, nil, Options{PadWait: 30 * time.Millisecond, Prompt: &prompt, Devices: &Devices{Sigpad: silentPad{}}})
	m := byName(tt.sigpad(context.Background()))
	if c := m["sigpad packets"]; c.OK || !strings.Contains(c.Value, "no packet") || !strings.Contains(c.Remedy, "cable") {
		t.Errorf("%+v", c)
	}
	if !strings.Contains(prompt.String(), "Sign on the signature pad now") {
		t.Errorf("prompt %q", prompt.String())
	}
}

// goneCamera delivers no frame.
type goneCamera struct{}

func (c *goneCamera) Next(ctx context.Context) (camera.Frame, error) {
	return camera.Frame{}, camera.ErrGone
}
func (c *goneCamera) Size() (int, int) { return 640, 480 }
func (c *goneCamera) Close() error     { return nil }

func TestCameraGone(t *testing.T) {
	tt := newTester(t, nil, Options{Devices: &Devices{Camera: &goneCamera{}}})
	m := byName(tt.camera(context.Background()))
	if c := m["camera frame rate"]; c.OK || !strings.Contains(c.Value, "camera gone") || !strings.Contains(c.Remedy, "replug") {
		t.Errorf("%+v", m)
	}
}

func TestDeviceNotFitted(t *testing.T) {
	tt := newTester(t, func(c *config.Config) {
		c.Hardware.GPIO = "none"
		c.Hardware.Camera = "none"
		c.Hardware.Required = []string{"idcard"}
	}, Options{})
	if cs := tt.gpio(context.Background()); len(cs) != 1 || !cs[0].OK || !strings.Contains(cs[0].Value, "not fitted") {
		t.Errorf("optional gpio not fitted: %+v", cs)
	}
	tt.cfg.Hardware.Required = []string{"camera"}
	if cs := tt.camera(context.Background()); len(cs) != 1 || cs[0].OK || !strings.Contains(cs[0].Value, "required") {
		t.Errorf("required camera not fitted: %+v", cs)
	}
}

func TestStoreCheck(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		setup  func(t *testing.T, cfg *config.Config)
		ok     bool
		value  string
		remedy string
	}{
		{"no store yet", func(*testing.T, *config.Config) {}, true, "no store yet", "creates the store"},
		{"good", func(t *testing.T, cfg *config.Config) { makeStore(t, cfg) }, true, "audit chain of 2 entries ok", ""},
		{"key lost", func(t *testing.T, cfg *config.Config) {
			makeStore(t, cfg)
			os.Remove(cfg.StatePath(cfg.Store.Key))
		}, false, "at-rest key", "restore it"},
		{"not a database", func(t *testing.T, cfg *config.Config) {
			makeStore(t, cfg)
			os.Remove(cfg.StatePath(cfg.Store.DB) + "-wal")
			os.Remove(cfg.StatePath(cfg.Store.DB) + "-shm")
			os.WriteFile(cfg.StatePath(cfg.Store.DB), bytes.Repeat([]byte("garbage!"), 1024), 0o600)
		}, false, "kiosk.db", "support team"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t, nil, Options{Clock: clock.Real{}})
			tc.setup(t, tt.cfg)
			cs := tt.store(ctx)
			if len(cs) != 1 || cs[0].OK != tc.ok || !strings.Contains(cs[0].Value, tc.value) || !strings.Contains(cs[0].Remedy, tc.remedy) {
				t.Errorf("%+v, want ok=%v %q %q", cs, tc.ok, tc.value, tc.remedy)
			}
		})
	}
}

func makeStore(t *testing.T, cfg *config.Config) {
	t.Helper()
	os.MkdirAll(cfg.Path(cfg.Paths.StateDir), 0o700)
	if err := store.CreateKey(cfg.StatePath(cfg.Store.Key), entropy.Seeded(5)); err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenConfig(context.Background(), cfg, false, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, ev := range []string{"roster", "commit"} {
		if err := st.Audit(context.Background(), ev, "test"); err != nil {
			t.Fatal(err)
		}
	}
}
