package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hbzk/kiosk/central"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/syncclient/loadgen"
)

// centrald runs the command in-process.
func centrald(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 0, "usage"},
		{[]string{"frob"}, 2, "unknown command"},
		{[]string{"stats"}, 2, "--db is required"},
		{[]string{"serve", "--db", "x.db"}, 2, "--tls-dir is required"},
		{[]string{"token", "create", "--db", "x", "--count", "0"}, 2, "want 1..100000"},
		{[]string{"device", "revoke", "--db", "x", "k1"}, 2, "--reason is required"},
		{[]string{"site", "demo", "--db", "x", "s1", "maybe"}, 2, "on|off"},
		{[]string{"roster", "import", "--db", "x"}, 2, "usage"},
		{[]string{"export", "--db", "x"}, 2, "--out is required"},
		{[]string{"export", "--db", "x", "--out", "y"}, 2, "--key-file is required"},
		{[]string{"roster", "import", "--db", "x", "f.csv"}, 2, "--key-file is required"},
		{[]string{"stats", "--db", "x", "extra"}, 2, "unexpected"},
	} {
		code, out, errs := centrald(t, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: %d %q %q", tc.args, code, out, errs)
		}
	}
}

func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "c.db")
	tlsDir := filepath.Join(dir, "tls")
	if _, _, err := central.LoadOrCreateTLS(tlsDir, nil, time.Now(), entropy.System); err != nil {
		t.Fatal(err)
	}
	fp, _ := central.CAFingerprint(tlsDir)
	code, out, errs := centrald(t, "token", "create", "--db", db, "--count", "3", "--site", "s1", "--tls-dir", tlsDir)
	if code != 0 || len(strings.Fields(out)) != 3 || !strings.HasSuffix(strings.Fields(out)[0], "."+fp) {
		t.Fatalf("tokens: %d %q %q", code, out, errs)
	}
	if code, out, _ := centrald(t, "ca", "fingerprint", "--tls-dir", tlsDir); code != 0 || strings.TrimSpace(out) != fp {
		t.Errorf("ca fingerprint: %d %q", code, out)
	}
	for _, bad := range [][]string{
		{"token", "create", "--db", db, "--tls-dir", tlsDir},
		{"token", "create", "--db", db, "--site", "s1"},
		{"token", "create", "--db", db, "--site", "s1", "--tls-dir", tlsDir, "--ttl", "3000h"},
		{"token", "create", "--db", db, "--site", "s1", "--tls-dir", tlsDir, "--ttl", "-1h"},
	} {
		if code, _, _ := centrald(t, bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	keyFile := filepath.Join(t.TempDir(), "central.key")
	if code, _, errs := centrald(t, "key", "create", "--key-file", keyFile); code != 0 {
		t.Fatalf("key create: %d %q", code, errs)
	}
	if code, _, _ := centrald(t, "key", "create", "--key-file", keyFile); code != 1 {
		t.Error("key create overwrote a key")
	}
	csv := filepath.Join(dir, "roster.csv")
	os.WriteFile(csv, []byte("id_number,name,site\n11010519491231002X,张三,s1\n420102198506150026,李四,s1\n"), 0o600)
	if code, out, errs := centrald(t, "roster", "import", "--db", db, "--key-file", keyFile, csv); code != 0 || !strings.Contains(out, "2 entries") {
		t.Fatalf("roster: %d %q %q", code, out, errs)
	}
	os.WriteFile(csv, []byte("id_number,name\n420101199001010018,甲\n12345,乙\n"), 0o600)
	if code, _, errs := centrald(t, "roster", "import", "--db", db, "--key-file", keyFile, csv); code != 1 || !strings.Contains(errs, "line 3 column 1: id_number") {
		t.Errorf("bad ID number: %d %q", code, errs)
	}
	os.WriteFile(csv, []byte("id_number,name\n420101199001010018,甲\n"), 0o600)
	if code, _, errs := centrald(t, "roster", "import", "--db", db, "--key-file", keyFile, csv); code != 1 || !strings.Contains(errs, "no site") {
		t.Errorf("roster without a site: %d %q", code, errs)
	}
	if code, out, errs := centrald(t, "roster", "import", "--db", db, "--key-file", keyFile, "--site", "s2", csv); code != 0 || !strings.Contains(out, "1 entries") {
		t.Errorf("roster with --site: %d %q %q", code, out, errs)
	}
	os.WriteFile(csv, []byte("id_number,name,colour\n1,2,3\n"), 0o600)
	if code, _, errs := centrald(t, "roster", "import", "--db", db, "--key-file", keyFile, csv); code != 1 || !strings.Contains(errs, "unknown column") {
		t.Errorf("bad roster: %d %q", code, errs)
	}
	code, out, _ = centrald(t, "stats", "--db", db, "--json")
	var st central.Stats
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.Records != 0 {
		t.Errorf("stats: %d %q", code, out)
	}
	for _, k := range []string{"records", "devices", "duplicates", "rejected"} {
		if !strings.Contains(out, `"`+k+`"`) {
			t.Errorf("stats json lacks %s", k)
		}
	}
	if code, out, _ := centrald(t, "export", "--db", db, "--key-file", keyFile, "--out", filepath.Join(dir, "out")); code != 0 || !strings.Contains(out, "exported 0") {
		t.Errorf("export: %d %q", code, out)
	}
	// A token needs the CA.
	if code, _, errs := centrald(t, "token", "create", "--db", db, "--site", "s1", "--tls-dir", filepath.Join(dir, "none")); code != 1 || !strings.Contains(errs, "CA") {
		t.Errorf("pinned token without CA: %d %q", code, errs)
	}
}

// binary builds centrald into a temporary folder.
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "centrald")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is a running centrald process.
type proc struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
}

func startServe(t *testing.T, bin, addr, db, tlsDir string) *proc {
	t.Helper()
	keyFile := filepath.Join(filepath.Dir(tlsDir), "central.key")
	if _, err := os.Stat(keyFile); err != nil {
		if err := central.CreateKeyFile(keyFile, entropy.System); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "serve", "--listen", addr, "--db", db, "--tls-dir", tlsDir, "--key-file", keyFile)
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stderr: &bytes.Buffer{}}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := false
		for sc.Scan() {
			p.stderr.WriteString(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), "centrald serving") {
				once = true
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("centrald did not start")
	}
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	}
}

// TestLoadgenThroughKill9: N kiosks upload M records each through loadgen
// while the real centrald binary is killed with SIGKILL mid-run and started
// again; central ends with exactly N x M records.
func TestLoadgenThroughKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dbs := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "central.db")}
	if pg := os.Getenv("KIOSK_TEST_POSTGRES"); pg != "" {
		dbs["postgres"] = pg
	} else {
		t.Log("KIOSK_TEST_POSTGRES unset: PostgreSQL run skipped")
	}
	bin := binary(t)
	for name, db := range dbs {
		t.Run(name, func(t *testing.T) { loadgenKill(t, bin, db) })
	}
}

func loadgenKill(t *testing.T, bin, db string) {
	const devices, records = 4, 150
	tlsDir := filepath.Join(t.TempDir(), "tls")
	addr := freePort(t)
	p := startServe(t, bin, addr, db, tlsDir)
	// loadgen's records are simulated: its site is a demo site.
	code, out, errs := centrald(t, "token", "create", "--db", db, "--count", fmt.Sprint(devices), "--tls-dir", tlsDir, "--site", "loadgen", "--demo")
	if code != 0 {
		t.Fatalf("tokens: %s", errs)
	}
	before := dbStats(t, db)
	done := make(chan error, 1)
	var rep *loadgen.Report
	go func() {
		var err error
		rep, err = loadgen.Run(context.Background(), loadgen.Options{Central: "https://" + addr,
			Tokens: strings.Fields(out), Devices: devices, Records: records, Batch: 10,
			MinBackoff: 20 * time.Millisecond, MaxBackoff: 300 * time.Millisecond})
		done <- err
	}()
	// Kill when part of the records are in.
	deadline := time.Now().Add(60 * time.Second)
	for dbStats(t, db).Records-before.Records < devices*records/4 {
		if time.Now().After(deadline) {
			t.Fatal("no progress before the kill")
		}
		select {
		case err := <-done:
			t.Fatalf("loadgen finished before the kill: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	p.kill()
	mid := dbStats(t, db).Records - before.Records
	p2 := startServe(t, bin, addr, db, tlsDir)
	var err error
	select {
	case err = <-done:
	case <-time.After(120 * time.Second):
		t.Fatal("loadgen did not finish")
	}
	if err != nil {
		t.Fatal(err)
	}
	after := dbStats(t, db)
	if got := after.Records - before.Records; got != devices*records {
		t.Errorf("central holds %d records, want exactly %d", got, devices*records)
	}
	if rep.Acknowledged != devices*records || rep.Rejected != 0 {
		t.Errorf("report %+v", rep)
	}
	t.Logf("killed at %d records; %d retries, %d duplicates acknowledged; %.0f records/s",
		mid, rep.Retries, rep.Duplicates, rep.PerSecond)
	if strings.Contains(p2.stderr.String(), "LG0") {
		t.Error("an ID number reached the log")
	}
}

func dbStats(t *testing.T, db string) central.Stats {
	t.Helper()
	st, err := central.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// device list | revoke | reinstate, site demo and audit on a database
// with one enrolled device.
func TestDeviceCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "c.db")
	ctx := context.Background()
	st, err := central.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	fp := strings.Repeat("ab", 32)
	toks, err := central.CreateTokens(ctx, st, 1, central.TokenSpec{Site: "考点1", Name: "hall-2", Expires: now.Add(time.Hour)}, fp, now, entropy.System)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := record.GenerateKey(entropy.Seeded(1))
	pub := key.Public().(ed25519.PublicKey)
	id := central.DeviceID(pub)
	secret, _, _ := strings.Cut(toks[0], ".")
	if _, err := st.Enrol(ctx, central.TokenHash(secret), "", central.Device{ID: id, PublicKey: pub, EnrolledAt: now, CertSerial: "1"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	if code, out, errs := centrald(t, "device", "list", "--db", db); code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "active") ||
		!strings.Contains(out, "hall-2") || !strings.Contains(out, "考点1") {
		t.Errorf("device list: %d %q %q", code, out, errs)
	}
	if code, _, errs := centrald(t, "device", "revoke", "--db", db, "--reason", "lost", "k0000000000000000"); code != 1 || !strings.Contains(errs, "unknown device") {
		t.Errorf("revoke unknown: %d %q", code, errs)
	}
	if code, out, errs := centrald(t, "device", "revoke", "--db", db, "--reason", "lost in transport", id); code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("revoke: %d %q %q", code, out, errs)
	}
	code, out, _ := centrald(t, "device", "list", "--db", db, "--json")
	var rows []struct {
		ID           string `json:"id"`
		Revoked      bool   `json:"revoked"`
		RevokeReason string `json:"revoke_reason"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || !rows[0].Revoked || rows[0].RevokeReason != "lost in transport" {
		t.Errorf("list --json after revoke: %d %q", code, out)
	}
	if code, _, errs := centrald(t, "device", "reinstate", "--db", db, id); code != 0 {
		t.Errorf("reinstate: %d %q", code, errs)
	}
	if code, _, errs := centrald(t, "site", "demo", "--db", db, "考点1", "on"); code != 0 {
		t.Errorf("site demo: %d %q", code, errs)
	}
	if code, out, _ := centrald(t, "device", "list", "--db", db); !strings.Contains(out, "(demo)") || strings.Contains(out, "revoked") {
		t.Errorf("list after reinstate and demo: %d %q", code, out)
	}
	code, out, _ = centrald(t, "audit", "--db", db)
	for _, want := range []string{"enrol", "revoke", "lost in transport", "reinstate", "site-demo", "demo on"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("audit lacks %q: %q", want, out)
		}
	}
}
