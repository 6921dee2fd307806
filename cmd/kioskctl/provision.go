package main

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/buildinfo"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/store"
	"github.com/hbzk/kiosk/syncclient"
)

func init() {
	register(command{name: "provision", summary: "create the device keys, enrol with central, write the identity into kiosk.toml", run: provision})
}

const provisionUsage = "usage: kioskctl provision --central URL --token SECRET.FINGERPRINT [--site NAME] [--ca FILE | --trust-first-use] [--config kiosk.toml] [--force]"

// provisionStep, when set (tests), is called after each file provisioning
// writes; an error stops provisioning there, as a kill would.
var provisionStep func(step string) error

func stepDone(step string) error {
	if provisionStep != nil {
		return provisionStep(step)
	}
	return nil
}

func provision(c *cli, args []string) int {
	fs := flag.NewFlagSet("provision", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	central := fs.String("central", "", "central endpoint, https://host:port")
	token := fs.String("token", "", "one-time enrolment token from centrald token create (SECRET.FINGERPRINT: the fingerprint pins central's CA)")
	site := fs.String("site", "", "exam office name the technician expects (central refuses it if the token is for another site; default: the token's)")
	caFile := fs.String("ca", "", "central's CA certificate, for a token that carries no fingerprint")
	tofu := fs.Bool("trust-first-use", false, "DANGEROUS: with a token without fingerprint and no --ca, trust whatever CA the server presents (prints its fingerprint)")
	cfgPath := fs.String("config", "kiosk.toml", "config file to write the identity into (created if missing)")
	force := fs.Bool("force", false, "replace an existing identity (new device key, new certificate)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *central == "" || *token == "" {
		return c.usagef(provisionUsage)
	}
	*central = strings.TrimSuffix(*central, "/")
	var data []byte
	cfg := config.Defaults(config.DefaultProfile)
	if b, err := os.ReadFile(*cfgPath); err == nil {
		data = b
		loaded, err := config.Load(*cfgPath, config.DefaultProfile)
		if err != nil {
			return c.usagef("%v", err)
		}
		cfg = *loaded
	} else if errors.Is(err, iofs.ErrNotExist) {
		abs, _ := filepath.Abs(*cfgPath)
		cfg.Dir, cfg.File = filepath.Dir(abs), *cfgPath
	} else {
		return c.errorf("%v", err)
	}
	if err := validateEdits(&cfg, *central, *site); err != nil {
		return c.usagef("%v", err)
	}
	stateDir := cfg.Path(cfg.Paths.StateDir)
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return c.errorf("state folder: %v", err)
	}
	keyPath, certPath, caPath := cfg.StatePath(cfg.Sync.DeviceKey), cfg.StatePath(cfg.Sync.Cert), cfg.StatePath(cfg.Sync.CA)
	storeKey := cfg.StatePath(cfg.Store.Key)

	// An identity exists when a certificate does. Same central, site and
	// key: provisioning again is a no-op. A certificate for the device
	// key that the config does not name yet is an interrupted
	// provisioning: it resumes (central enrols the same key with the
	// same token again). Anything else needs --force.
	if certPEM, err := os.ReadFile(certPath); err == nil {
		id, notAfter, cerr := syncclient.CertInfo(certPEM)
		key, kerr := record.ReadKey(keyPath)
		ownKey := kerr == nil && cerr == nil && certForKey(certPEM, key)
		same := cerr == nil && id == cfg.Device.ID && cfg.Sync.Central == *central && (*site == "" || *site == cfg.Device.Site)
		expired := cerr == nil && time.Now().After(notAfter)
		if same && !*force && ownKey && !expired {
			fmt.Fprintf(c.stdout, "already provisioned as %s (site %q, central %s, certificate valid until %s)\n",
				id, cfg.Device.Site, *central, notAfter.Format("2006-01-02"))
			return 0
		}
		resume := ownKey && (id != cfg.Device.ID || expired) && !*force
		switch {
		case resume && expired:
			// Renewal needs a valid certificate: the same key enrols
			// again with a new token, and the records it signed stay
			// deliverable (same device at central).
			fmt.Fprintf(c.stderr, "kioskctl: the certificate of %s expired on %s: enrolling the same key again (pending records are kept)\n",
				id, notAfter.Format("2006-01-02"))
		case resume:
			fmt.Fprintf(c.stderr, "kioskctl: resuming an interrupted provisioning of %s\n", id)
		}
		if !*force && !resume {
			return c.errorf("this kiosk already has an identity (%s, central %s): use --force to replace it", orNone(id), orNone(cfg.Sync.Central))
		}
		if err := checkOutboxEmpty(&cfg); err != nil {
			return c.errorf("%v", err)
		}
		if *force {
			stamp := time.Now().UTC().Format("20060102T150405")
			for _, p := range []string{keyPath, certPath, caPath} {
				if _, err := os.Stat(p); err == nil {
					if err := os.Rename(p, p+".old-"+stamp); err != nil {
						return c.errorf("set aside %s: %v", p, err)
					}
				}
			}
		}
	}

	// Keys: the device key (kept when a previous provisioning stopped
	// before enrolment finished) and the at-rest key (never replaced: it
	// encrypts the records already stored).
	key, err := record.ReadKey(keyPath)
	if errors.Is(err, record.ErrNoKey) {
		if key, err = record.GenerateKey(entropy.System); err == nil {
			err = record.WriteKey(keyPath, key)
		}
	}
	if err != nil {
		return c.errorf("device key: %v", err)
	}
	if _, err := os.Stat(storeKey); errors.Is(err, iofs.ErrNotExist) {
		if err := store.CreateKey(storeKey, entropy.System); err != nil {
			return c.errorf("%v", err)
		}
	} else if _, err := store.LoadKey(storeKey); err != nil {
		return c.errorf("%v", err)
	}

	// Trust in central before the token leaves the kiosk: the token's CA
	// fingerprint (the default), else --ca, else only with the explicit
	// --trust-first-use.
	secret, pin := syncclient.SplitToken(*token)
	trust := syncclient.Trust{Pin: pin}
	if pin != "" && len(pin) != 64 {
		return c.usagef("--token: the fingerprint after the dot has %d characters, want 64 hex digits (copy the whole token)", len(pin))
	}
	if *caFile != "" {
		if trust.CA, err = os.ReadFile(*caFile); err != nil {
			return c.errorf("--ca: %v", err)
		}
	}
	if trust.CA == nil && pin == "" {
		if !*tofu {
			return c.usagef("the token carries no CA fingerprint: give --ca FILE (central's ca.pem) or, knowingly, --trust-first-use")
		}
		trust.FirstUse = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	en, err := syncclient.Enrol(ctx, *central, trust, record.EnrolRequest{Token: secret,
		PublicKey: key.Public().(ed25519.PublicKey), Site: *site, Software: buildinfo.Version})
	if err != nil {
		return c.errorf("enrol: %v", err)
	}
	if trust.FirstUse {
		fmt.Fprintf(c.stderr, "kioskctl: WARNING: TRUST ON FIRST USE: central's CA was NOT checked (no fingerprint in the token, no --ca).\n"+
			"kioskctl: WARNING: this kiosk now trusts the CA with SHA-256 fingerprint\n  %s\n"+
			"kioskctl: WARNING: compare it with `centrald ca fingerprint` on central NOW; if it differs, run provision --force with a new token.\n", en.CAFingerprint)
	}
	edits := map[string]map[string]string{
		"device": {"id": en.DeviceID, "site": en.Site},
		"sync":   {"central": *central},
	}
	out := data
	for _, sec := range []string{"device", "sync"} {
		out = setTOMLKeys(out, sec, edits[sec])
	}
	// The edited file must still be a valid config with the new values.
	check := config.Defaults(config.DefaultProfile)
	check.File = *cfgPath
	if err := config.Parse(out, &check); err != nil {
		return c.errorf("edited %s does not parse (left unchanged): %v", *cfgPath, err)
	}
	if check.Device.ID != en.DeviceID || check.Sync.Central != *central {
		return c.errorf("edited %s does not hold the new identity (left unchanged)", *cfgPath)
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(*cfgPath); err == nil {
		mode = st.Mode().Perm()
	}
	// Every file is written to a temporary name first; the renames come
	// last, the config's after the certificates'. Killed anywhere, the
	// next run either finds the identity complete or resumes (same key,
	// same token).
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{{certPath, []byte(en.Certificate), 0o644}, {caPath, []byte(en.CA), 0o644}, {*cfgPath, out, mode}}
	for _, f := range files {
		if err := writeTemp(f.path, f.data, f.mode); err != nil {
			return c.errorf("%v", err)
		}
	}
	for _, f := range files {
		if err := os.Rename(f.path+".tmp", f.path); err != nil {
			return c.errorf("%v", err)
		}
		if err := stepDone(filepath.Base(f.path)); err != nil {
			return c.errorf("%v", err)
		}
	}
	syncDir(filepath.Dir(certPath))
	syncDir(filepath.Dir(*cfgPath))
	_, notAfter, _ := syncclient.CertInfo([]byte(en.Certificate))
	fmt.Fprintf(c.stdout, "provisioned as %s (site %q, central %s)\ncertificate valid until %s\nkeys and certificates in %s\n",
		en.DeviceID, check.Device.Site, *central, notAfter.Format("2006-01-02"), stateDir)
	return 0
}

func validateEdits(cfg *config.Config, central, site string) error {
	c := *cfg
	c.Sync.Central = central
	c.Device.Site = site
	return c.Validate()
}

func certForKey(certPEM []byte, key ed25519.PrivateKey) bool {
	b, _ := pem.Decode(certPEM)
	if b == nil {
		return false
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return false
	}
	pk, ok := cert.PublicKey.(ed25519.PublicKey)
	return ok && pk.Equal(key.Public())
}

// checkOutboxEmpty refuses a new identity while records signed with the
// old one wait for upload: central would refuse them from the new device.
func checkOutboxEmpty(cfg *config.Config) error {
	if _, err := os.Stat(cfg.StatePath(cfg.Store.DB)); errors.Is(err, iofs.ErrNotExist) {
		return nil
	}
	st, err := store.OpenConfig(context.Background(), cfg, false, nil, nil, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.QueueDepth(context.Background())
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%d records signed with the current identity are waiting for upload: run kioskctl sync now first", n)
	}
	return nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if err := writeTemp(path, data, mode); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// syncDir flushes a folder's entries (renames) to disk.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// writeTemp writes path+".tmp" and syncs it.
func writeTemp(path string, data []byte, mode os.FileMode) error {
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
	return f.Close()
}

var (
	tableRe = regexp.MustCompile(`^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$`)
	anyHdr  = regexp.MustCompile(`^\s*\[`)
)

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// setTOMLKeys sets string keys of one [section] of a TOML document and
// leaves every other line as it was: an existing "key = ..." line is
// replaced, a missing key goes after the section's last key, a missing
// section is appended.
func setTOMLKeys(data []byte, section string, kv map[string]string) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	start, end := -1, len(lines)
	for i, l := range lines {
		if m := tableRe.FindStringSubmatch(strings.TrimRight(l, "\r\n")); m != nil {
			if start >= 0 {
				end = i
				break
			}
			if m[1] == section {
				start = i
			}
		} else if start >= 0 && anyHdr.MatchString(l) {
			end = i
			break
		}
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sortStrings(keys)
	if start < 0 {
		var b strings.Builder
		b.WriteString(strings.Join(lines, ""))
		if len(lines) > 0 && !strings.HasSuffix(lines[len(lines)-1], "\n") {
			b.WriteByte('\n')
		}
		if len(lines) > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("[" + section + "]\n")
		for _, k := range keys {
			b.WriteString(k + " = " + tomlString(kv[k]) + "\n")
		}
		return []byte(b.String())
	}
	lastKey := start
	for _, k := range keys {
		re := regexp.MustCompile(`^\s*` + regexp.QuoteMeta(k) + `\s*=`)
		done := false
		for i := start + 1; i < end; i++ {
			if re.MatchString(lines[i]) {
				lines[i] = k + " = " + tomlString(kv[k]) + "\n"
				done = true
				break
			}
		}
		if !done {
			for i := start + 1; i < end; i++ {
				t := strings.TrimSpace(lines[i])
				if t != "" && !strings.HasPrefix(t, "#") {
					lastKey = i
				}
			}
			if !strings.HasSuffix(lines[lastKey], "\n") {
				lines[lastKey] += "\n"
			}
			ins := k + " = " + tomlString(kv[k]) + "\n"
			lines = append(lines[:lastKey+1], append([]string{ins}, lines[lastKey+1:]...)...)
			end++
			lastKey++
		}
	}
	return []byte(strings.Join(lines, ""))
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
