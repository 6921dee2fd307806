// Command centrald is the reference central sync endpoint: kiosks enrol
// with one-time tokens, upload signed records (stored exactly once) and
// pull the roster. See docs/sync-protocol.md.
//
//	centrald serve --listen ADDR --db DSN --tls-dir DIR [--hostname H]...
//	centrald token create --db DSN [--count N] [--tls-dir DIR]
//	centrald stats --db DSN [--json]
//	centrald roster import --db DSN [--site SITE] FILE.csv
//	centrald export --db DSN --out DIR
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
  centrald serve --listen ADDR --db DSN --tls-dir DIR [--hostname NAME]... [--cert-validity 8760h] [--log-format json]
  centrald token create --db DSN [--count N] [--tls-dir DIR]
  centrald stats --db DSN [--json]
  centrald roster import --db DSN [--site SITE] FILE.csv
  centrald export --db DSN --out DIR
DSN: FILE or sqlite:FILE (SQLite), postgres://... (PostgreSQL)
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "token" || cmd == "roster") && len(rest) > 0 {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, rest, stderr)
	case "token create":
		err = tokenCreate(ctx, rest, stdout, stderr)
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
	st, err := central.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	ca, cert, err := central.LoadOrCreateTLS(*tlsDir, hosts, time.Now(), entropy.System)
	if err != nil {
		return err
	}
	srv, err := central.NewServer(central.Config{Storage: st, CA: ca, ServerCert: cert, CertValidity: *validity,
		Clock: clock.Real{}, Rand: entropy.System, Log: log})
	if err != nil {
		return err
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

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("token create", stderr)
	db := fs.String("db", "", "database DSN")
	count := fs.Int("count", 1, "number of tokens")
	tlsDir := fs.String("tls-dir", "", "with the server's TLS folder, tokens carry the CA fingerprint (SECRET.PIN) so provisioning can check central")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := needDB(*db); err != nil {
		return err
	}
	if *count < 1 || *count > 100000 {
		return usageError{fmt.Sprintf("--count %d: want 1..100000", *count)}
	}
	pin := ""
	if *tlsDir != "" {
		fp, err := central.CAFingerprint(*tlsDir)
		if err != nil {
			return err
		}
		pin = "." + fp[:32]
	}
	st, err := central.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	toks, err := central.CreateTokens(ctx, st, *count, time.Now(), entropy.System)
	if err != nil {
		return err
	}
	for _, t := range toks {
		fmt.Fprintln(stdout, t+pin)
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
	if err := parse(fs, args, 1); err != nil {
		return usageError{"usage: centrald roster import --db DSN [--site SITE] FILE.csv"}
	}
	if err := needDB(*db); err != nil {
		return err
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
	st, err := central.Open(ctx, *db)
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
	out := fs.String("out", "", "folder to write UUID/record.json and images into")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := needDB(*db); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	st, err := central.Open(ctx, *db)
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
