package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
)

var crashIterations = flag.Int("crash-iterations", 30, "kill -9 iterations of TestCrash")

const testDevice = "kiosk-test"

func testKey(t testing.TB) *Key {
	k, err := KeyFromBytes(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openTest(t testing.TB, path string, clk *clocktest.Fake, seed uint64) *Store {
	t.Helper()
	dk, _ := record.GenerateKey(entropy.Seeded(1))
	o := Options{Path: path, Key: testKey(t), DeviceKey: dk, DeviceID: testDevice, Retention: 24 * time.Hour,
		Rand: entropy.Seeded(seed)}
	if clk != nil {
		o.Clock = clk
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newRecord makes a synthetic record.
func newRecord(t testing.TB, seed uint64, idNumber string) *record.Record {
	r, err := record.New(entropy.Seeded(seed), testDevice)
	if err != nil {
		t.Fatal(err)
	}
	r.Card = record.Card{Type: " ", Name: "张三丰", IDNumber: idNumber}
	r.Times.Confirmed = time.Date(2026, 4, 11, 9, 0, 0, 0, time.UTC)
	r.Images.RegPhoto = record.Blob{Type: record.TypeJPEG, Data: bytes.Repeat([]byte("PHOTO"), 200)}
	return r
}

func TestCommitAckPurge(t *testing.T) {
	ctx := context.Background()
	clk := clocktest.New(time.Date(2026, 4, 11, 9, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s := openTest(t, path, clk, 1)
	var ids []string
	for i := range 5 {
		r := newRecord(t, uint64(100+i), fmt.Sprintf("1101051949123100%02d", i))
		if err := s.Commit(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.UUID)
	}
	// Same record again: no-op. Same UUID, other content: conflict.
	again := newRecord(t, 100, "110105194912310000")
	if err := s.Commit(ctx, again); err != nil {
		t.Errorf("recommit: %v", err)
	}
	again.Card.Name = "李四"
	if err := s.Commit(ctx, again); !errors.Is(err, record.ErrConflict) {
		t.Errorf("conflicting commit: %v", err)
	}
	other := newRecord(t, 200, "x")
	other.DeviceID = "another"
	if err := s.Commit(ctx, other); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("foreign device id: %v", err)
	}
	if n, _ := s.QueueDepth(ctx); n != 5 {
		t.Fatalf("queue depth %d", n)
	}
	p, err := s.Pending(ctx, 3)
	if err != nil || len(p) != 3 || p[0].UUID != ids[0] {
		t.Fatalf("pending: %v %d", err, len(p))
	}
	dk, _ := record.GenerateKey(entropy.Seeded(1))
	if _, err := record.Verify(p[0], dk.Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("verify pending: %v", err)
	}
	if err := s.Ack(ctx, []string{ids[0], ids[1], "unknown"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.QueueDepth(ctx); n != 3 {
		t.Errorf("queue after ack %d", n)
	}
	// Not yet past retention.
	if n, _ := s.Purge(ctx); n != 0 {
		t.Errorf("purged %d before retention", n)
	}
	clk.Advance(25 * time.Hour)
	if n, err := s.Purge(ctx); n != 2 || err != nil {
		t.Errorf("purge: %d %v", n, err)
	}
	if _, sm, err := s.Get(ctx, ids[0]); !errors.Is(err, ErrPurged) || sm.Acked == nil || sm.Hash != p[0].Hash {
		t.Errorf("purged get: %v %+v", err, sm)
	}
	got, sm, err := s.Get(ctx, ids[2])
	if err != nil || got.Card.Name != "张三丰" || !sm.Pending {
		t.Errorf("get: %v %+v", err, sm)
	}
	if _, _, err := s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
	list, _ := s.List(ctx, 0)
	if len(list) != 5 || list[0].UUID != ids[4] {
		t.Errorf("list: %d", len(list))
	}
	if err := s.Check(ctx); err != nil {
		t.Errorf("check: %v", err)
	}
	if n, err := s.VerifyAudit(ctx); n != 5+2+2 || err != nil {
		t.Errorf("audit: %d %v", n, err)
	}
	s.Close()
	// Personal data is not in the file in clear.
	for _, f := range []string{path, path + "-wal"} {
		data, _ := os.ReadFile(f)
		if bytes.Contains(data, []byte("张三丰")) || bytes.Contains(data, []byte("PHOTOPHOTO")) || bytes.Contains(data, []byte("1101051949")) {
			t.Errorf("%s holds personal data in clear", filepath.Base(f))
		}
	}
}

func TestReadOnlyAndWrongKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s := openTest(t, path, nil, 1)
	r := newRecord(t, 1, "1")
	if err := s.Commit(ctx, r); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := Open(ctx, Options{Path: path, Key: testKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.Commit(ctx, newRecord(t, 2, "2")); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only commit: %v", err)
	}
	wrong, _ := KeyFromBytes(bytes.Repeat([]byte{8}, 32))
	w, err := Open(ctx, Options{Path: path, Key: wrong})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, _, err := w.Get(ctx, r.UUID); !errors.Is(err, ErrCorrupt) {
		t.Errorf("wrong key: %v", err)
	}
}

func TestRoster(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "kiosk.db"), nil, 1)
	d := &record.RosterDelta{Since: 0, Version: 3, Entries: []record.RosterEntry{
		{IDNumber: "A1", Name: "甲", State: record.Pending},
		{IDNumber: "B2", Name: "乙", State: record.Confirmed},
		{IDNumber: "C3", Name: "丙", State: record.Pending},
	}}
	if err := s.ApplyRoster(ctx, d); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []*record.RosterDelta{
		{Since: 1, Version: 4},
		{Since: 3, Version: 2},
		{Since: 3, Version: 4, Entries: []record.RosterEntry{{IDNumber: "", State: record.Pending}}},
		{Since: 3, Version: 4, Entries: []record.RosterEntry{{IDNumber: "D", State: "weird"}}},
	} {
		if err := s.ApplyRoster(ctx, bad); err == nil {
			t.Errorf("bad delta %+v accepted", bad)
		}
	}
	if err := s.ApplyRoster(ctx, &record.RosterDelta{Since: 3, Version: 5, Entries: []record.RosterEntry{{IDNumber: "C3", Removed: true}}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.RosterVersion(ctx); v != 5 {
		t.Errorf("version %d", v)
	}
	if err := s.Commit(ctx, newRecord(t, 1, "A1")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   string
		want record.RosterState
		name string
	}{{"A1", record.Confirmed, "甲"}, {"B2", record.Confirmed, "乙"}, {"C3", record.Unknown, ""}, {"Z9", record.Unknown, ""}} {
		e, err := s.Lookup(ctx, tc.id)
		if err != nil || e.State != tc.want || e.Name != tc.name {
			t.Errorf("lookup %s: %+v %v", tc.id, e, err)
		}
	}
}

func TestAuditTamper(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s := openTest(t, path, nil, 1)
	for i := range 3 {
		s.Commit(ctx, newRecord(t, uint64(i), "1"))
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE audit SET detail = 'x' WHERE seq = 2`); err == nil {
		t.Fatal("audit update allowed")
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM audit WHERE seq = 2`); err == nil {
		t.Fatal("audit delete allowed")
	}
	// Someone with the file drops the trigger and edits: the chain says so.
	s.db.ExecContext(ctx, `DROP TRIGGER audit_no_update`)
	if _, err := s.db.ExecContext(ctx, `UPDATE audit SET detail = 'x' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyAudit(ctx); !errors.Is(err, ErrCorrupt) {
		t.Errorf("tampered chain verified: %v", err)
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "store.key")
	if _, err := LoadKey(p); !errors.Is(err, ErrNoKey) {
		t.Errorf("missing: %v", err)
	}
	if err := CreateKey(p, entropy.Seeded(1)); err != nil {
		t.Fatal(err)
	}
	if err := CreateKey(p, entropy.Seeded(2)); err == nil {
		t.Error("overwrote the key")
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	if _, err := LoadKey(p); err != nil {
		t.Error(err)
	}
	os.Chmod(p, 0o640)
	if _, err := LoadKey(p); err == nil {
		t.Error("group-readable key accepted")
	}
	for _, bad := range []string{"", "zz", strings.Repeat("ab", 31)} {
		b := filepath.Join(dir, "bad"+fmt.Sprint(len(bad)))
		os.WriteFile(b, []byte(bad), 0o600)
		if _, err := LoadKey(b); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
}

// TestMain lets the test binary act as the crash test's writer.
func TestMain(m *testing.M) {
	if path := os.Getenv("KIOSK_STORE_CRASH_WRITER"); path != "" {
		crashWriter(path)
		return
	}
	flag.Parse()
	os.Exit(m.Run())
}

// crashWriter commits records forever, printing each UUID after Commit
// returned.
func crashWriter(path string) {
	ctx := context.Background()
	dk, _ := record.GenerateKey(entropy.Seeded(1))
	k, _ := KeyFromBytes(bytes.Repeat([]byte{7}, 32))
	s, err := Open(ctx, Options{Path: path, Key: k, DeviceKey: dk, DeviceID: testDevice})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "ready")
	w.Flush()
	for i := 0; ; i++ {
		r, _ := record.New(entropy.System, testDevice)
		r.Card.IDNumber = fmt.Sprint(i)
		r.Images.LiveFrame = record.Blob{Type: record.TypeJPEG, Data: bytes.Repeat([]byte{byte(i)}, 4000)}
		if err := s.Commit(ctx, r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
		if i%7 == 3 {
			if p, err := s.Pending(ctx, 2); err == nil && len(p) > 0 {
				s.Ack(ctx, []string{p[0].UUID})
			}
		}
		fmt.Fprintln(w, r.UUID)
		w.Flush()
	}
}

// TestCrash kills a writer with SIGKILL at random instants and checks after
// each kill that every record it reported committed is there, in the outbox
// or acknowledged, and that the store is consistent.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short")
	}
	path := filepath.Join(t.TempDir(), "kiosk.db")
	rnd := entropy.Seeded(42)
	committed := map[string]bool{}
	for it := 0; it < *crashIterations; it++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "KIOSK_STORE_CRASH_WRITER="+path)
		out, _ := cmd.StdoutPipe()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		if !sc.Scan() || sc.Text() != "ready" {
			cmd.Wait()
			t.Fatalf("writer did not start: %s", stderr.String())
		}
		// Kill after a random number of committed records (0..40), at
		// a random point of the next commit.
		n, _ := entropy.Intn(rnd, 40)
		var got []string
		for len(got) < n && sc.Scan() {
			got = append(got, sc.Text())
		}
		spin, _ := entropy.Intn(rnd, 200000)
		for i := 0; i < spin; i++ {
			_ = i * i
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for sc.Scan() { // lines written before the kill
			got = append(got, sc.Text())
		}
		cmd.Wait()
		for _, u := range got {
			committed[u] = true
		}
		s, err := Open(context.Background(), Options{Path: path, Key: testKey(t)})
		if err != nil {
			t.Fatalf("iteration %d: reopen: %v", it, err)
		}
		if err := s.Check(context.Background()); err != nil {
			t.Fatalf("iteration %d: %v", it, err)
		}
		have := map[string]bool{}
		list, _ := s.List(context.Background(), 0)
		for _, sm := range list {
			have[sm.UUID] = true
		}
		for u := range committed {
			if !have[u] {
				t.Fatalf("iteration %d: committed record %s lost", it, u)
			}
		}
		s.Close()
	}
	t.Logf("%d kills, %d committed records checked", *crashIterations, len(committed))
	_ = sql.ErrNoRows
}

// The roster keeps the registration the kiosk shows before the biometrics.
func TestRosterKeepsTheRegistration(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "kiosk.db"), nil, 1)
	want := record.RosterEntry{IDNumber: "420106199003072113", Name: "甲", Site: "武昌区", State: record.Pending,
		RegistrationNo: "0126110300123", ExamPeriod: "2026年10月", Subjects: []string{"00015 英语（二）", "03708 中国近现代史纲要"},
		Photo: []byte{0xff, 0xd8, 0xff}}
	if err := s.ApplyRoster(ctx, &record.RosterDelta{Since: 0, Version: 1, Entries: []record.RosterEntry{want}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Lookup(ctx, want.IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lookup %+v, want %+v", got, want)
	}
}
