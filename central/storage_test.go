package central

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
)

// backends returns a function per storage backend that opens a fresh, empty
// storage: SQLite always, PostgreSQL when KIOSK_TEST_POSTGRES names a
// server (build/ci/postgres.sh start). Every storage test runs on each.
func backends(t testing.TB) map[string]func(t testing.TB) string {
	b := map[string]func(t testing.TB) string{
		"sqlite": func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "central.db") },
	}
	if dsn := os.Getenv("KIOSK_TEST_POSTGRES"); dsn != "" {
		b["postgres"] = func(t testing.TB) string { return freshPostgres(t, dsn) }
	} else {
		t.Log("KIOSK_TEST_POSTGRES unset: PostgreSQL part skipped (eval \"$(build/ci/postgres.sh start)\" to run it)")
	}
	return b
}

var pgSeq struct {
	sync.Mutex
	n int
}

// freshPostgres creates a database of its own for one test and drops it
// afterwards.
func freshPostgres(t testing.TB, dsn string) string {
	t.Helper()
	admin, err := sql.Open(pgDriverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	pgSeq.Lock()
	pgSeq.n++
	name := fmt.Sprintf("kt_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, pgSeq.n)
	pgSeq.Unlock()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("postgres: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open(pgDriverName, dsn)
		if err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u, _ := url.Parse(dsn)
	u.Path = "/" + name
	return u.String()
}

func openStorage(t testing.TB, dsn string) Storage {
	t.Helper()
	st, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// forEach runs a storage test on every backend.
func forEach(t *testing.T, f func(t *testing.T, dsn string)) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) { f(t, mk(t)) })
	}
}

var t0 = time.Date(2026, 4, 11, 8, 0, 0, 0, time.UTC)

func testDevice(seed uint64, site string) (Device, ed25519.PrivateKey) {
	k, _ := record.GenerateKey(entropy.Seeded(seed))
	pub := k.Public().(ed25519.PublicKey)
	return Device{ID: DeviceID(pub), PublicKey: pub, Site: site, EnrolledAt: t0, CertSerial: "1"}, k
}

const testFP = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func secretOf(tok string) string { s, _, _ := strings.Cut(tok, "."); return s }

func TestStorageEnrol(t *testing.T) {
	forEach(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStorage(t, dsn)
		spec := TokenSpec{Site: "site-a", Expires: t0.Add(time.Hour)}
		toks, err := CreateTokens(ctx, st, 3, spec, testFP, t0, entropy.Seeded(1))
		if err != nil || len(toks) != 3 || !strings.HasSuffix(toks[0], "."+testFP) {
			t.Fatal(toks, err)
		}
		d, _ := testDevice(1, "")
		if _, err := st.Enrol(ctx, TokenHash("nope"), "", d); !errors.Is(err, ErrTokenUnknown) {
			t.Errorf("unknown token: %v", err)
		}
		// The request naming another site than the token's: refused, the
		// token stays unused.
		if _, err := st.Enrol(ctx, TokenHash(secretOf(toks[0])), "site-b", d); !errors.Is(err, ErrSiteMismatch) {
			t.Errorf("other site: %v", err)
		}
		got, err := st.Enrol(ctx, TokenHash(secretOf(toks[0])), "", d)
		if err != nil || got.Site != "site-a" {
			t.Fatal(got, err)
		}
		// The same device again (lost answer, resumed provisioning):
		// fine. Another key: replay.
		if _, err := st.Enrol(ctx, TokenHash(secretOf(toks[0])), "site-a", d); err != nil {
			t.Errorf("same device, same token: %v", err)
		}
		d2, _ := testDevice(2, "")
		if _, err := st.Enrol(ctx, TokenHash(secretOf(toks[0])), "", d2); !errors.Is(err, ErrTokenUsed) {
			t.Errorf("replayed token: %v", err)
		}
		// An expired token.
		late := d2
		late.EnrolledAt = t0.Add(2 * time.Hour)
		if _, err := st.Enrol(ctx, TokenHash(secretOf(toks[1])), "", late); !errors.Is(err, ErrTokenExpired) {
			t.Errorf("expired token: %v", err)
		}
		// The same key again with a new token of another site: same
		// device, moved.
		tb, _ := CreateTokens(ctx, st, 1, TokenSpec{Site: "site-b", Name: "hall 2", Expires: t0.Add(time.Hour)}, testFP, t0, entropy.Seeded(5))
		if _, err := st.Enrol(ctx, TokenHash(secretOf(tb[0])), "", d); err != nil {
			t.Fatal(err)
		}
		got, err = st.Device(ctx, d.ID)
		if err != nil || got.Site != "site-b" || got.Name != "hall 2" || !got.PublicKey.Equal(d.PublicKey) {
			t.Errorf("device: %+v %v", got, err)
		}
		if _, err := st.Device(ctx, "kzzz"); !errors.Is(err, ErrUnknownDevice) {
			t.Errorf("unknown device: %v", err)
		}
		// A revoked key cannot enrol again, with its own token or a new one.
		if err := st.Revoke(ctx, d.ID, "stolen", "op", t0); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Enrol(ctx, TokenHash(secretOf(tb[0])), "", d); !errors.Is(err, ErrDeviceRevoked) {
			t.Errorf("revoked key, own token: %v", err)
		}
		if _, err := st.Enrol(ctx, TokenHash(secretOf(toks[1])), "", d); !errors.Is(err, ErrDeviceRevoked) {
			t.Errorf("revoked key, new token: %v", err)
		}
		if got, _ := st.Device(ctx, d.ID); !got.Revoked || got.RevokeReason != "stolen" {
			t.Errorf("revoked device: %+v", got)
		}
		// Many racing enrolments with one token: exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dd, _ := testDevice(uint64(10+i), "")
				if _, err := st.Enrol(ctx, TokenHash(secretOf(toks[2])), "", dd); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d enrolments with one token", wins)
		}
		if s, _ := st.Stats(ctx); s.Devices != 2 {
			t.Errorf("devices %d", s.Devices)
		}
		if err := st.AddTokens(ctx, []string{"x"}, TokenSpec{Expires: t0}, t0); !errors.Is(err, ErrTokenNoSite) {
			t.Errorf("token without site: %v", err)
		}
		for _, bad := range []TokenSpec{{Site: "s", Expires: t0}, {Site: "s", Expires: t0.Add(100 * 24 * time.Hour)}, {Expires: t0.Add(time.Hour)}} {
			if _, err := CreateTokens(ctx, st, 1, bad, testFP, t0, entropy.Seeded(1)); err == nil {
				t.Errorf("token spec %+v accepted", bad)
			}
		}
		if _, err := CreateTokens(ctx, st, 1, spec, "abc", t0, entropy.Seeded(1)); err == nil {
			t.Error("short fingerprint accepted")
		}
	})
}

func testRows(t testing.TB, key ed25519.PrivateKey, deviceID string, n int, seed uint64) []Row {
	rows := make([]Row, n)
	rnd := entropy.Seeded(seed)
	for i := range rows {
		r, err := record.New(rnd, deviceID)
		if err != nil {
			t.Fatal(err)
		}
		r.Card.IDNumber = fmt.Sprintf("ID%06d", i)
		s, err := record.Sign(r, key)
		if err != nil {
			t.Fatal(err)
		}
		rows[i] = Row{UUID: s.UUID, DeviceID: deviceID, Hash: s.Hash, Sig: s.Sig, Body: s.Body, ReceivedAt: t0}
	}
	return rows
}

func TestStorageExactlyOnce(t *testing.T) {
	forEach(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStorage(t, dsn)
		// A second handle on the same database stands for a second
		// centrald process.
		st2 := openStorage(t, dsn)
		_, key := testDevice(1, "")
		rows := testRows(t, key, "k1", 40, 1)
		res, err := st.PutRecords(ctx, rows[:10])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r != Stored {
				t.Fatalf("first put: %v", res)
			}
		}
		// Racing writers upload overlapping batches through both handles.
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := st
				if w%2 == 1 {
					h = st2
				}
				for lo := 0; lo < 40; lo += 8 {
					if _, err := h.PutRecords(ctx, rows[lo:lo+8]); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		s, _ := st.Stats(ctx)
		if s.Records != 40 {
			t.Errorf("records %d, want 40", s.Records)
		}
		// 8 writers x 40 rows + 10 first = 330 puts, 40 stored.
		if s.Duplicates != 330-40 {
			t.Errorf("duplicates %d, want %d", s.Duplicates, 330-40)
		}
		// Same UUID, other content: conflict, not stored.
		bad := rows[0]
		bad.Hash[0] ^= 1
		res, err = st2.PutRecords(ctx, []Row{bad})
		if err != nil || res[0] != Conflict {
			t.Errorf("conflict: %v %v", res, err)
		}
		n := 0
		err = st.Records(ctx, func(r Row) error {
			if r.UUID != rows[n%40].UUID && n < 10 {
				return fmt.Errorf("order: %d", n)
			}
			n++
			return nil
		})
		if err != nil || n != 40 {
			t.Errorf("records: %d %v", n, err)
		}
		if err := st.Reject(ctx, "k1", ReasonTampered, t0); err != nil {
			t.Fatal(err)
		}
		if s, _ := st.Stats(ctx); s.Rejected != 1 {
			t.Errorf("rejected %d", s.Rejected)
		}
	})
}

func TestStorageRoster(t *testing.T) {
	forEach(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStorage(t, dsn)
		v1, err := st.ImportRoster(ctx, []record.RosterEntry{
			{IDNumber: "A", Name: "甲", Site: "s1"}, {IDNumber: "B", Name: "乙", Site: "s2"}, {IDNumber: "C", Name: "丙"},
		})
		if err != nil {
			t.Fatal(err)
		}
		d, err := st.Roster(ctx, "s1", 0)
		if err != nil || d.Version != v1 || len(d.Entries) != 1 || d.Entries[0].IDNumber != "A" {
			t.Fatalf("s1 roster: %+v %v", d, err)
		}
		// No site, no entries: not every site's candidates.
		if d, err := st.Roster(ctx, "", 0); err != nil || len(d.Entries) != 0 {
			t.Fatalf("empty-site roster: %+v %v", d, err)
		}
		// A record for A confirms it under a new version.
		_, key := testDevice(1, "")
		rows := testRows(t, key, "k1", 2, 2)
		rows[0].IDNumber = "A"
		rows[0].Site = "s1"
		// A device of s1 cannot confirm B, a candidate of s2: its record
		// is stored, B stays pending.
		rows[1].IDNumber, rows[1].Site = "B", "s1"
		if _, err := st.PutRecords(ctx, rows); err != nil {
			t.Fatal(err)
		}
		d, _ = st.Roster(ctx, "s1", v1)
		if len(d.Entries) != 1 || d.Entries[0].IDNumber != "A" || d.Entries[0].State != record.Confirmed || d.Version <= v1 {
			t.Errorf("confirm delta: %+v", d)
		}
		// Importing again keeps A confirmed; removing C is a delta.
		v3, _ := st.ImportRoster(ctx, []record.RosterEntry{{IDNumber: "A", Name: "甲", Site: "s1"}, {IDNumber: "C", Removed: true}})
		d, _ = st.Roster(ctx, "s1", d.Version)
		if d.Version != v3 || len(d.Entries) != 1 || d.Entries[0].State != record.Confirmed {
			t.Errorf("reimport delta: %+v", d)
		}
		if s2, _ := st.Roster(ctx, "s2", 0); len(s2.Entries) != 1 || s2.Entries[0].IDNumber != "B" || s2.Entries[0].State != record.Pending {
			t.Errorf("s2 roster (B confirmed by a device of s1?): %+v", s2)
		}
		if _, err := st.Roster(ctx, "", v3+5); err == nil {
			t.Error("cursor ahead accepted")
		}
	})
}

func TestStorageHeartbeatAndPing(t *testing.T) {
	forEach(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStorage(t, dsn)
		if err := st.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		if err := st.Heartbeat(ctx, "k1", t0, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(context.Background(), ""); err == nil {
		t.Error("empty DSN accepted")
	}
	if _, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")); err == nil {
		t.Error("bad sqlite path accepted")
	}
	if _, err := Open(context.Background(), "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"); err == nil ||
		!strings.Contains(err.Error(), "central:") {
		t.Errorf("unreachable postgres: %v", err)
	}
}

// A database of schema version 1 (before tokens had a site and records
// were keyed by device and uuid) is migrated in place: its records stay,
// another device may now use a uuid one device used, and its old tokens
// (bound to no site) are refused.
func TestStorageMigrateV1(t *testing.T) {
	forEach(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		pg := strings.HasPrefix(dsn, "postgres")
		var db *sql.DB
		var err error
		if pg {
			db, err = sql.Open(pgDriverName, dsn)
		} else {
			db, err = sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:"))
		}
		if err != nil {
			t.Fatal(err)
		}
		old := &sqlStorage{db: db, pg: pg}
		v1 := old.baseSchema()
		for _, st := range v1[:len(v1)-1] {
			if _, err := db.Exec(st); err != nil {
				t.Fatal(err)
			}
		}
		_, keyA := testDevice(1, "")
		rows := testRows(t, keyA, "kA", 1, 7)
		r := rows[0]
		if _, err := db.Exec(old.q(`INSERT INTO records(uuid, device_id, hash, sig, body, received_at) VALUES($1, $2, $3, $4, $5, $6)`),
			r.UUID, r.DeviceID, r.Hash[:], r.Sig, r.Body, ms(t0)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(old.q(`INSERT INTO tokens(hash, created_at) VALUES($1, $2)`), TokenHash("oldtoken"), ms(t0)); err != nil {
			t.Fatal(err)
		}
		db.Close()

		st := openStorage(t, dsn)
		// Opening twice more changes nothing.
		openStorage(t, dsn).Close()
		var v int
		if err := st.(*sqlStorage).db.QueryRow(`SELECT n FROM counters WHERE name = 'schema'`).Scan(&v); err != nil || v != SchemaVersion {
			t.Fatalf("schema version %d %v, want %d", v, err, SchemaVersion)
		}
		n := 0
		st.Records(ctx, func(got Row) error {
			if got.UUID != r.UUID || string(got.Body) != string(r.Body) {
				t.Errorf("record after migration: %+v", got.UUID)
			}
			n++
			return nil
		})
		if n != 1 {
			t.Errorf("%d records after migration", n)
		}
		// Device B with A's uuid: its own record, stored; A's again: duplicate.
		squat := r
		squat.DeviceID = "kB"
		squat.Hash[0] ^= 1
		if res, err := st.PutRecords(ctx, []Row{squat, r}); err != nil || res[0] != Stored || res[1] != Duplicate {
			t.Errorf("after migration: %v %v", res, err)
		}
		d, _ := testDevice(3, "")
		if _, err := st.Enrol(ctx, TokenHash("oldtoken"), "", d); !errors.Is(err, ErrTokenNoSite) {
			t.Errorf("old token: %v", err)
		}
	})
}

// With a Sealer, record bodies, roster names and ID numbers are not in
// the database in clear (the roster is keyed by an HMAC of the number),
// yet confirmation, roster deltas and Records work; data stored in clear
// before is sealed on the first sealed open; without the key, personal
// data can be neither read nor written.
func TestStorageSealed(t *testing.T) {
	forEach(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		const id, name = "11010519491231002X", "王小明"
		plain := openStorage(t, dsn)
		if _, err := plain.ImportRoster(ctx, []record.RosterEntry{{IDNumber: id, Name: name, Site: "s1"}}); err != nil {
			t.Fatal(err)
		}
		_, key := testDevice(1, "")
		rows := testRows(t, key, "k1", 2, 3)
		if _, err := plain.PutRecords(ctx, rows[:1]); err != nil {
			t.Fatal(err)
		}
		plain.Close()

		sealer, _ := NewSealer(bytes32(7), entropy.Seeded(1))
		st, err := OpenSealed(ctx, dsn, sealer)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		rows[1].IDNumber, rows[1].Site = id, "s1"
		if _, err := st.PutRecords(ctx, rows[1:]); err != nil {
			t.Fatal(err)
		}
		d, err := st.Roster(ctx, "s1", 0)
		if err != nil || len(d.Entries) != 1 || d.Entries[0].IDNumber != id || d.Entries[0].Name != name || d.Entries[0].State != record.Confirmed {
			t.Fatalf("sealed roster: %+v %v", d, err)
		}
		n := 0
		if err := st.Records(ctx, func(r Row) error {
			if string(r.Body) != string(rows[n].Body) {
				t.Errorf("record %d body does not round-trip", n)
			}
			n++
			return nil
		}); err != nil || n != 2 {
			t.Fatalf("records: %d %v", n, err)
		}
		// Nothing personal in clear in the database's tables.
		db := st.(*sqlStorage).db
		var dump strings.Builder
		for _, q := range []string{`SELECT id_number || name || id_enc FROM roster`} {
			rs, _ := db.Query(q)
			for rs.Next() {
				var v string
				rs.Scan(&v)
				dump.WriteString(v)
			}
			rs.Close()
		}
		rs, _ := db.Query(`SELECT body FROM records`)
		for rs.Next() {
			var b []byte
			rs.Scan(&b)
			if !isSealed(b) {
				t.Error("a record body is stored in clear")
			}
			dump.Write(b)
		}
		rs.Close()
		for _, secret := range []string{id, name, "ID000000"} {
			if strings.Contains(dump.String(), secret) {
				t.Errorf("%q in clear in the database", secret)
			}
		}
		// Without the key: refused, with a named error.
		nokey := openStorage(t, dsn)
		if err := nokey.Records(ctx, func(Row) error { return nil }); !errors.Is(err, ErrNeedsKey) {
			t.Errorf("records without the key: %v", err)
		}
		if _, err := nokey.ImportRoster(ctx, []record.RosterEntry{{IDNumber: id, Name: name, Site: "s1"}}); !errors.Is(err, ErrNeedsKey) {
			t.Errorf("roster import without the key: %v", err)
		}
		if _, err := nokey.Roster(ctx, "s1", 0); !errors.Is(err, ErrNeedsKey) {
			t.Errorf("roster without the key: %v", err)
		}
		// Another key does not open it.
		other, _ := NewSealer(bytes32(8), entropy.Seeded(2))
		wrong, err := OpenSealed(ctx, dsn, other)
		if err != nil {
			t.Fatal(err)
		}
		defer wrong.Close()
		if err := wrong.Records(ctx, func(Row) error { return nil }); !errors.Is(err, ErrUnseal) {
			t.Errorf("records with another key: %v", err)
		}
	})
}

func bytes32(b byte) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = b
	}
	return k
}

func TestKeyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k")
	if err := CreateKeyFile(p, entropy.Seeded(1)); err != nil {
		t.Fatal(err)
	}
	if err := CreateKeyFile(p, entropy.Seeded(1)); err == nil {
		t.Error("existing key file overwritten")
	}
	if _, err := LoadKeyFile(p, entropy.System); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o644)
	if _, err := LoadKeyFile(p, entropy.System); err == nil || !strings.Contains(err.Error(), "0600") {
		t.Errorf("world-readable key file: %v", err)
	}
}

// The rejection table keeps at most its bound of rows, the newest.
func TestStorageRejectionsBounded(t *testing.T) {
	forEach(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStorage(t, dsn)
		st.(*sqlStorage).maxRejections = 10
		for i := range 100 {
			if err := st.Reject(ctx, fmt.Sprint("k", i), ReasonNoCert, t0); err != nil {
				t.Fatal(err)
			}
		}
		if s, _ := st.Stats(ctx); s.Rejected != 10 {
			t.Errorf("%d rejection rows kept, want 10", s.Rejected)
		}
	})
}
