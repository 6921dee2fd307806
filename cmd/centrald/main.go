// Command centrald is the reference central sync endpoint: kiosks enrol
// with one-time tokens, upload signed records (stored exactly once) and
// pull the roster. See docs/sync-protocol.md.
//
//	centrald serve --listen ADDR --db DSN --tls-dir DIR --key-file FILE [--hostname H]... [--metrics-listen ADDR] [--metrics-token-file FILE]
//	centrald key create --key-file FILE
//	centrald token create --db DSN --tls-dir DIR --site SITE [--name NAME] [--ttl 72h] [--count N] [--demo]
//	centrald ca fingerprint --tls-dir DIR
//	centrald device list --db DSN [--json]
//	centrald device revoke --db DSN --reason R ID
//	centrald device reinstate --db DSN ID
//	centrald site demo --db DSN SITE on|off
//	centrald audit --db DSN
//	centrald stats --db DSN [--json]
//	centrald roster import --db DSN --key-file FILE [--site SITE] FILE.csv
//	centrald export --db DSN --key-file FILE --out DIR
//
// DSN is a file path or sqlite:PATH (SQLite, one process), or
// postgres://... (PostgreSQL; several centrald may share one database).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hbzk/kiosk/central"
	"github.com/hbzk/kiosk/device/buildinfo"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/logx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  centrald serve --listen ADDR --db DSN --tls-dir DIR --key-file FILE [--hostname NAME]... [--cert-validity 8760h]
                 [--metrics-listen ADDR] [--metrics-token-file FILE] [--log-format json]
  centrald key create --key-file FILE
  centrald token create --db DSN --tls-dir DIR --site SITE [--name NAME] [--ttl 72h] [--count N] [--demo]
  centrald ca fingerprint --tls-dir DIR
  centrald device list --db DSN [--json]
  centrald device revoke --db DSN --reason R ID
  centrald device reinstate --db DSN ID
  centrald site demo --db DSN SITE on|off
  centrald audit --db DSN
  centrald stats --db DSN [--json]
  centrald roster import --db DSN --key-file FILE [--site SITE] FILE.csv
  centrald export --db DSN --key-file FILE --out DIR
DSN: FILE or sqlite:FILE (SQLite), postgres://... (PostgreSQL)
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "token", "roster", "device", "site", "ca", "key":
		if len(rest) > 0 {
			cmd, rest = cmd+" "+rest[0], rest[1:]
		}
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, rest, stderr)
	case "token create":
		err = tokenCreate(ctx, rest, stdout, stderr)
	case "key create":
		err = keyCreate(rest, stdout, stderr)
	case "ca fingerprint":
		err = caFingerprint(rest, stdout, stderr)
	case "device list":
		err = deviceList(ctx, rest, stdout, stderr)
	case "device revoke":
		err = deviceRevoke(ctx, rest, stdout, stderr, true)
	case "device reinstate":
		err = deviceRevoke(ctx, rest, stdout, stderr, false)
	case "site demo":
		err = siteDemo(ctx, rest, stdout, stderr)
	case "audit":
		err = auditList(ctx, rest, stdout, stderr)
	case "stats":
		err = stats(ctx, rest, stdout, stderr)
	case "roster import":
		err = rosterImport(ctx, rest, stdout, stderr)
	case "export":
		err = export(ctx, rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "centrald: unknown command %q\n%s", strings.Join(args[:min(2, len(args))], " "), usage)
		return 2
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "centrald: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "centrald: %v\n", err)
		return 1
	}
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("centrald "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string, positional int) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != positional {
		return usageError{fmt.Sprintf("%s: unexpected arguments %q", fs.Name(), fs.Args())}
	}
	return nil
}

func needDB(db string) error {
	if db == "" {
		return usageError{"--db is required (FILE, sqlite:FILE or postgres://...)"}
	}
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flags("serve", stderr)
	listen := fs.String("listen", "127.0.0.1:8443", "address to listen on")
	db := fs.String("db", "", "database DSN")
	tlsDir := fs.String("tls-dir", "", "folder of the CA and server certificate (created on first start)")
	validity := fs.Duration("cert-validity", 365*24*time.Hour, "lifetime of device certificates")
	logFormat := fs.String("log-format", "text", "text or json")
	keyFile := fs.String("key-file", "", keyFileHelp)
	metricsListen := fs.String("metrics-listen", "", "serve /metrics in plain HTTP on this address only (e.g. 127.0.0.1:9464)")
	metricsTokenFile := fs.String("metrics-token-file", "", "serve /metrics on the main listener to requests with this file's bearer token")
	var hosts multiFlag
	fs.Var(&hosts, "hostname", "a name or address the server certificate must be valid for (repeatable)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := needDB(*db); err != nil {
		return err
	}
	if *tlsDir == "" {
		return usageError{"--tls-dir is required"}
	}
	log, err := logx.New(stderr, logx.Options{Format: *logFormat})
	if err != nil {
		return usageError{err.Error()}
	}
	metricsToken := ""
	if *metricsTokenFile != "" {
		b, err := os.ReadFile(*metricsTokenFile)
		if err != nil {
			return fmt.Errorf("--metrics-token-file: %w", err)
		}
		if metricsToken = strings.TrimSpace(string(b)); len(metricsToken) < 16 {
			return usageError{"--metrics-token-file: want a token of at least 16 characters"}
		}
	}
	st, err := openSealed(ctx, *db, *keyFile)
	if err != nil {
		return err
	}
	defer st.Close()
	ca, cert, err := central.LoadOrCreateTLS(*tlsDir, hosts, time.Now(), entropy.System)
	if err != nil {
		return err
	}
	srv, err := central.NewServer(central.Config{Storage: st, CA: ca, ServerCert: cert, CertValidity: *validity,
		Clock: clock.Real{}, Rand: entropy.System, Log: log, MetricsToken: metricsToken})
	if err != nil {
		return err
	}
	if *metricsListen != "" {
		mln, err := net.Listen("tcp", *metricsListen)
		if err != nil {
			return fmt.Errorf("metrics listen: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		ms := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
		go ms.Serve(mln)
		defer ms.Close()
		log.Info("metrics serving", "addr", mln.Addr().String())
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("centrald serving", "addr", ln.Addr().String(), "version", buildinfo.Version, "ca", *tlsDir+"/"+central.CAFile)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("centrald stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return <-done
}

const keyFileHelp = "the key that seals record bodies and roster personal data (0600, kept apart from the database; centrald key create)"

// openSealed opens the database with the key file (required: personal
// data is sealed at rest).
func openSealed(ctx context.Context, db, keyFile string) (central.Storage, error) {
	if keyFile == "" {
		return nil, usageError{"--key-file is required (" + keyFileHelp + ")"}
	}
	sealer, err := central.LoadKeyFile(keyFile, entropy.System)
	if err != nil {
		return nil, err
	}
	return central.OpenSealed(ctx, db, sealer)
}

func keyCreate(args []string, stdout, stderr io.Writer) error {
	fs := flags("key create", stderr)
	keyFile := fs.String("key-file", "", "file to create (mode 0600; keep it off the database's disk and back it up apart)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *keyFile == "" {
		return usageError{"--key-file is required"}
	}
	if err := central.CreateKeyFile(*keyFile, entropy.System); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s: back it up apart from the database; without it the sealed data cannot be read\n", *keyFile)
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("token create", stderr)
	db := fs.String("db", "", "database DSN")
	count := fs.Int("count", 1, "number of tokens")
	tlsDir := fs.String("tls-dir", "", "the server's TLS folder: each token carries its CA's fingerprint (SECRET.FINGERPRINT)")
	site := fs.String("site", "", "the site the enrolled devices belong to (required; the device cannot choose another)")
	name := fs.String("name", "", "the device's name at central (with --count 1 only)")
	ttl := fs.Duration("ttl", 72*time.Hour, "how long the tokens stay valid (at most 2160h)")
	demo := fs.Bool("demo", false, "also mark the site a demo site: its devices may upload simulated records")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := needDB(*db); err != nil {
		return err
	}
	if *count < 1 || *count > 100000 {
		return usageError{fmt.Sprintf("--count %d: want 1..100000", *count)}
	}
	if *site == "" {
		return usageError{"--site is required: a token is bound to one site"}
	}
	if *tlsDir == "" {
		return usageError{"--tls-dir is required: a token carries central's CA fingerprint"}
	}
	if *ttl <= 0 || *ttl > central.MaxTokenTTL {
		return usageError{fmt.Sprintf("--ttl %s: want more than 0 and at most %s", *ttl, central.MaxTokenTTL)}
	}
	fp, err := central.CAFingerprint(*tlsDir)
	if err != nil {
		return err
	}
	st, err := central.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	if *demo {
		if err := st.SetSiteDemo(ctx, *site, true, operator(), now); err != nil {
			return err
		}
	}
	toks, err := central.CreateTokens(ctx, st, *count, central.TokenSpec{Site: *site, Name: *name, Expires: now.Add(*ttl)}, fp, now, entropy.System)
	if err != nil {
		return err
	}
	for _, t := range toks {
		fmt.Fprintln(stdout, t)
	}
	fmt.Fprintf(stderr, "centrald: %d token(s) for site %q, valid until %s, single use\n", len(toks), *site, now.Add(*ttl).UTC().Format(time.RFC3339))
	return nil
}

// operator names who ran an admin command, for the audit table.
func operator() string {
	if u := os.Getenv("SUDO_USER"); u != "" {
		return "operator:" + u
	}
	if u := os.Getenv("USER"); u != "" {
		return "operator:" + u
	}
	return "operator"
}

func caFingerprint(args []string, stdout, stderr io.Writer) error {
	fs := flags("ca fingerprint", stderr)
	tlsDir := fs.String("tls-dir", "", "the server's TLS folder")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *tlsDir == "" {
		return usageError{"--tls-dir is required"}
	}
	fp, err := central.CAFingerprint(*tlsDir)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, fp)
	return nil
}

// openDB parses the flags, runs check (may be nil) and opens --db.
func openDB(ctx context.Context, fs *flag.FlagSet, args []string, positional int, check func() error) (central.Storage, error) {
	if err := parse(fs, args, positional); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, err
		}
	}
	if db := fs.Lookup("db").Value.String(); db == "" {
		return nil, needDB(db)
	}
	return central.Open(ctx, fs.Lookup("db").Value.String())
}

func deviceList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("device list", stderr)
	fs.String("db", "", "database DSN")
	asJSON := fs.Bool("json", false, "print JSON")
	st, err := openDB(ctx, fs, args, 0, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	ds, err := st.Devices(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		type row struct {
			ID           string    `json:"id"`
			Site         string    `json:"site"`
			Name         string    `json:"name,omitempty"`
			EnrolledAt   time.Time `json:"enrolled_at"`
			LastSeen     time.Time `json:"last_seen,omitzero"`
			Revoked      bool      `json:"revoked"`
			RevokeReason string    `json:"revoke_reason,omitempty"`
			Demo         bool      `json:"demo"`
		}
		out := []row{}
		for _, d := range ds {
			out = append(out, row{d.ID, d.Site, d.Name, d.EnrolledAt, d.LastSeen, d.Revoked, d.RevokeReason, d.Demo})
		}
		b, _ := json.Marshal(out)
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	fmt.Fprintf(stdout, "%-18s %-8s %-20s %-16s %s\n", "ID", "STATE", "ENROLLED", "NAME", "SITE")
	for _, d := range ds {
		state := "active"
		if d.Revoked {
			state = "revoked"
		}
		site := d.Site
		if d.Demo {
			site += " (demo)"
		}
		fmt.Fprintf(stdout, "%-18s %-8s %-20s %-16s %s\n", d.ID, state, d.EnrolledAt.Format("2006-01-02 15:04"), orDash(d.Name), site)
		if d.Revoked {
			fmt.Fprintf(stdout, "%-18s revoked %s: %s\n", "", d.RevokedAt.Format("2006-01-02 15:04"), d.RevokeReason)
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func deviceRevoke(ctx context.Context, args []string, stdout, stderr io.Writer, revoke bool) error {
	name := "device reinstate"
	if revoke {
		name = "device revoke"
	}
	fs := flags(name, stderr)
	fs.String("db", "", "database DSN")
	reason := fs.String("reason", "", "why (kept in the audit table; required to revoke)")
	st, err := openDB(ctx, fs, args, 1, func() error {
		if revoke && strings.TrimSpace(*reason) == "" {
			return usageError{"--reason is required"}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer st.Close()
	id := fs.Arg(0)
	if revoke {
		if err := st.Revoke(ctx, id, *reason, operator(), time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "device %s revoked: it is refused from its next request on\n", id)
		return nil
	}
	if err := st.Reinstate(ctx, id, operator(), time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "device %s reinstated\n", id)
	return nil
}

func siteDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("site demo", stderr)
	fs.String("db", "", "database DSN")
	st, err := openDB(ctx, fs, args, 2, func() error {
		if a := fs.Arg(1); a != "on" && a != "off" {
			return usageError{"usage: centrald site demo --db DSN SITE on|off"}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer st.Close()
	on := fs.Arg(1) == "on"
	if err := st.SetSiteDemo(ctx, fs.Arg(0), on, operator(), time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "site %q demo %s\n", fs.Arg(0), fs.Arg(1))
	return nil
}

func auditList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("audit", stderr)
	fs.String("db", "", "database DSN")
	st, err := openDB(ctx, fs, args, 0, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	es, err := st.Audit(ctx)
	if err != nil {
		return err
	}
	for _, e := range es {
		fmt.Fprintf(stdout, "%s %-20s %-10s %-18s %s\n", e.At.Format(time.RFC3339), e.Actor, e.Action, orDash(e.DeviceID), e.Detail)
	}
	return nil
}

func stats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("stats", stderr)
	db := fs.String("db", "", "database DSN")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := needDB(*db); err != nil {
		return err
	}
	st, err := central.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(s)
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	fmt.Fprintf(stdout, "records     %d\ndevices     %d\nduplicates  %d\nrejected    %d\n", s.Records, s.Devices, s.Duplicates, s.Rejected)
	return nil
}

func rosterImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("roster import", stderr)
	db := fs.String("db", "", "database DSN")
	site := fs.String("site", "", "site of the rows without a site column value (a device sees only its own site's roster)")
	keyFile := fs.String("key-file", "", keyFileHelp)
	if err := parse(fs, args, 1); err != nil {
		return usageError{"usage: centrald roster import --db DSN --key-file FILE [--site SITE] FILE.csv"}
	}
	if err := needDB(*db); err != nil {
		return err
	}
	if *keyFile == "" {
		return usageError{"--key-file is required (" + keyFileHelp + ")"}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	entries, err := central.ParseRosterCSV(f)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	// A row without a site would reach no device.
	for i := range entries {
		if entries[i].Site == "" && !entries[i].Removed {
			if *site == "" {
				return fmt.Errorf("%s: entry %d has no site: add a site column or --site", fs.Arg(0), i+1)
			}
			entries[i].Site = *site
		}
	}
	st, err := openSealed(ctx, *db, *keyFile)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.ImportRoster(ctx, entries)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d entries as roster version %d\n", len(entries), v)
	return nil
}

func export(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("export", stderr)
	db := fs.String("db", "", "database DSN")
	out := fs.String("out", "", "folder to write DEVICE/UUID/record.json and images into (decrypted: keep it on an encrypted disk)")
	keyFile := fs.String("key-file", "", keyFileHelp)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := needDB(*db); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	st, err := openSealed(ctx, *db, *keyFile)
	if err != nil {
		return err
	}
	defer st.Close()
	sum, err := central.Export(ctx, st, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d records, %d files to %s\n", sum.Records, sum.Files, *out)
	return nil
}
