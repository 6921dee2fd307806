// Package store is the kiosk's local record store: one SQLite file
// (modernc.org/sqlite, pure Go) in WAL mode with synchronous=FULL.
//
// It holds the signed records, the outbox of records central has not yet
// acknowledged, the roster of registered candidates, and an append-only
// audit log whose entries are hash-chained. A record and its outbox row are
// written in one transaction, so kill -9 at any instant leaves either both
// or neither. Personal data (the record body, roster names and numbers) is
// sealed at rest with XChaCha20-Poly1305 under a 32-byte key kept in a file
// of mode 0600 created at provisioning; roster lookups go through an HMAC of
// the ID number so that no number is stored in clear. After central
// acknowledges a record and the retention has passed, Purge deletes the
// sealed body and keeps the UUID, hash, signature and acknowledgement.
package store

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
	_ "modernc.org/sqlite"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/device/record"
)

// Errors callers branch on.
var (
	ErrNotFound = errors.New("store: no such record")
	ErrPurged   = errors.New("store: personal data purged after acknowledgement")
	ErrReadOnly = errors.New("store: no device key: opened for reading only")
	ErrCorrupt  = errors.New("store: integrity check failed")
)

// Options configure Open.
type Options struct {
	// Path is the SQLite file.
	Path string
	// Key is the at-rest key (see LoadKey).
	Key *Key
	// DeviceKey signs committed records; nil opens the store for reading
	// and syncing only.
	DeviceKey ed25519.PrivateKey
	// DeviceID is written into each committed record and into the
	// envelopes Pending returns (set it for syncing too).
	DeviceID string
	// Retention is how long personal data stays after acknowledgement.
	Retention time.Duration
	Clock     clock.Clock
	Rand      io.Reader
	Log       *slog.Logger
}

// Store is the local store. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	aead interface {
		Seal(dst, nonce, plaintext, ad []byte) []byte
		Open(dst, nonce, ciphertext, ad []byte) ([]byte, error)
		NonceSize() int
	}
	mac  []byte
	opts Options
}

var (
	_ record.Store  = (*Store)(nil)
	_ record.Roster = (*Store)(nil)
)

const schema = `
CREATE TABLE IF NOT EXISTS records(
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	uuid       TEXT NOT NULL UNIQUE,
	hash       BLOB NOT NULL,
	sig        BLOB NOT NULL,
	sealed     BLOB,
	id_key     BLOB,
	created_at INTEGER NOT NULL,
	acked_at   INTEGER,
	purged_at  INTEGER
);
CREATE INDEX IF NOT EXISTS records_id_key ON records(id_key);
CREATE TABLE IF NOT EXISTS outbox(
	seq         INTEGER PRIMARY KEY REFERENCES records(seq),
	uuid        TEXT NOT NULL UNIQUE REFERENCES records(uuid),
	enqueued_at INTEGER NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	rejected    TEXT
);
CREATE TABLE IF NOT EXISTS roster(
	id_key  BLOB PRIMARY KEY,
	sealed  BLOB NOT NULL,
	state   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS audit(
	seq    INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,
	event  TEXT NOT NULL,
	detail TEXT NOT NULL,
	prev   BLOB NOT NULL,
	hash   BLOB NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`

// Open opens (creating if needed) the store at o.Path.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Key == nil {
		return nil, fmt.Errorf("store: open %s: no at-rest key", o.Path)
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Rand == nil {
		o.Rand = entropy.System
	}
	if o.Log == nil {
		o.Log = logx.Discard()
	}
	if o.DeviceKey != nil && o.DeviceID == "" {
		return nil, fmt.Errorf("store: open %s: a device key needs a device id", o.Path)
	}
	db, err := sql.Open("sqlite", DSN(o.Path))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", o.Path, err)
	}
	// One connection: writes are serialised in the process, and
	// busy_timeout serialises them with other processes (kioskctl).
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", o.Path, err)
	}
	aead, err := chacha20poly1305.NewX(o.Key.enc[:])
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	return &Store{db: db, aead: aead, mac: o.Key.mac[:], opts: o}, nil
}

// DSN is the modernc.org/sqlite data source for a file with the pragmas the
// store needs (WAL, synchronous=FULL, a busy timeout, foreign keys).
func DSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) now() int64 { return s.opts.Clock.Now().UnixMilli() }

func (s *Store) seal(plain []byte, ad string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+16)
	if _, err := io.ReadFull(s.opts.Rand, nonce); err != nil {
		return nil, fmt.Errorf("store: nonce: %w", err)
	}
	return s.aead.Seal(nonce, nonce, plain, []byte(ad)), nil
}

func (s *Store) open(sealed []byte, ad string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, fmt.Errorf("%w: sealed data too short", ErrCorrupt)
	}
	p, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(ad))
	if err != nil {
		return nil, fmt.Errorf("%w: cannot decrypt (wrong key file?): %w", ErrCorrupt, err)
	}
	return p, nil
}

// idKey is the HMAC of an ID number under the store's key.
func (s *Store) idKey(idNumber string) []byte {
	m := hmac.New(sha256.New, s.mac)
	m.Write([]byte(idNumber))
	return m.Sum(nil)
}

// Commit signs r with the device key and stores the record and its outbox
// entry in one transaction, with an audit entry. r.DeviceID is set to the
// store's device id when empty.
func (s *Store) Commit(ctx context.Context, r *record.Record) error {
	if s.opts.DeviceKey == nil {
		return ErrReadOnly
	}
	if r.DeviceID == "" {
		r.DeviceID = s.opts.DeviceID
	}
	if r.DeviceID != s.opts.DeviceID {
		return fmt.Errorf("store: commit %s: device id %q is not this device's: %w", r.UUID, r.DeviceID, record.ErrInvalid)
	}
	sg, err := record.Sign(r, s.opts.DeviceKey)
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	sealed, err := s.seal(sg.Body, "record:"+sg.UUID)
	if err != nil {
		return err
	}
	var idk []byte
	if id := cardNumber(&r.Card); id != "" {
		idk = s.idKey(id)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	defer tx.Rollback()
	var old []byte
	err = tx.QueryRowContext(ctx, `SELECT hash FROM records WHERE uuid = ?`, sg.UUID).Scan(&old)
	switch {
	case err == nil:
		if string(old) == string(sg.Hash[:]) {
			return nil
		}
		return fmt.Errorf("store: commit %s: %w", sg.UUID, record.ErrConflict)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: commit: %w", err)
	}
	now := s.now()
	res, err := tx.ExecContext(ctx, `INSERT INTO records(uuid, hash, sig, sealed, id_key, created_at) VALUES(?,?,?,?,?,?)`,
		sg.UUID, sg.Hash[:], sg.Sig, sealed, idk, now)
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox(seq, uuid, enqueued_at) VALUES(?,?,?)`, seq, sg.UUID, now); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if idk != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE roster SET state = ? WHERE id_key = ?`, string(record.Confirmed), idk); err != nil {
			return fmt.Errorf("store: commit: %w", err)
		}
	}
	if err := appendAudit(ctx, tx, now, "commit", sg.UUID+" "+sg.Hash.String()); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	s.opts.Log.Info("record committed", "uuid", sg.UUID, "hash", sg.Hash.String())
	return nil
}

func cardNumber(c *record.Card) string {
	if c.IDNumber != "" {
		return c.IDNumber
	}
	return c.PermitNumber
}

// Pending returns up to n records of the outbox, oldest first, with their
// decrypted bodies.
func (s *Store) Pending(ctx context.Context, n int) ([]*record.Signed, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.uuid, r.hash, r.sig, r.sealed FROM outbox o JOIN records r ON r.seq = o.seq
		WHERE o.rejected IS NULL ORDER BY o.seq LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("store: pending: %w", err)
	}
	defer rows.Close()
	var out []*record.Signed
	for rows.Next() {
		var sg record.Signed
		var hash, sealed []byte
		if err := rows.Scan(&sg.UUID, &hash, &sg.Sig, &sealed); err != nil {
			return nil, fmt.Errorf("store: pending: %w", err)
		}
		if len(hash) != len(sg.Hash) {
			return nil, fmt.Errorf("store: pending %s: %w: bad hash", sg.UUID, ErrCorrupt)
		}
		copy(sg.Hash[:], hash)
		if sg.Body, err = s.open(sealed, "record:"+sg.UUID); err != nil {
			return nil, fmt.Errorf("store: pending %s: %w", sg.UUID, err)
		}
		sg.DeviceID = s.opts.DeviceID
		out = append(out, &sg)
	}
	return out, rows.Err()
}

// MarkAttempt counts an upload attempt for the given outbox entries.
func (s *Store) MarkAttempt(ctx context.Context, uuids []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: attempt: %w", err)
	}
	defer tx.Rollback()
	for _, u := range uuids {
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1 WHERE uuid = ?`, u); err != nil {
			return fmt.Errorf("store: attempt: %w", err)
		}
	}
	return tx.Commit()
}

// Ack records central's acknowledgement of records: they leave the outbox
// and their retention starts. Unknown or already acknowledged UUIDs are
// ignored.
func (s *Store) Ack(ctx context.Context, uuids []string) error {
	if len(uuids) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: ack: %w", err)
	}
	defer tx.Rollback()
	now := s.now()
	n := 0
	for _, u := range uuids {
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE uuid = ?`, u)
		if err != nil {
			return fmt.Errorf("store: ack: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE records SET acked_at = ? WHERE uuid = ? AND acked_at IS NULL`, now, u); err != nil {
			return fmt.Errorf("store: ack: %w", err)
		}
		if err := appendAudit(ctx, tx, now, "ack", u); err != nil {
			return err
		}
		n++
	}
	return tx.Commit()
}

// Purge deletes the personal data of records acknowledged more than the
// retention ago, keeping UUID, hash, signature and acknowledgement. It
// returns how many records it purged.
func (s *Store) Purge(ctx context.Context) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: purge: %w", err)
	}
	defer tx.Rollback()
	now := s.now()
	cut := now - s.opts.Retention.Milliseconds()
	rows, err := tx.QueryContext(ctx, `SELECT uuid FROM records WHERE acked_at IS NOT NULL AND acked_at <= ? AND purged_at IS NULL ORDER BY seq`, cut)
	if err != nil {
		return 0, fmt.Errorf("store: purge: %w", err)
	}
	var ids []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: purge: %w", err)
		}
		ids = append(ids, u)
	}
	rows.Close()
	for _, u := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE records SET sealed = NULL, purged_at = ? WHERE uuid = ?`, now, u); err != nil {
			return 0, fmt.Errorf("store: purge: %w", err)
		}
		if err := appendAudit(ctx, tx, now, "purge", u); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: purge: %w", err)
	}
	return len(ids), nil
}

// Reject sets aside an outbox entry central refused for good (a bad
// signature, a UUID conflict): it stays in the store and in the outbox,
// counted by Rejected, but is no longer uploaded. The reason is audited.
func (s *Store) Reject(ctx context.Context, uuid, reason string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: reject: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET rejected = ? WHERE uuid = ? AND rejected IS NULL`, reason, uuid)
	if err != nil {
		return fmt.Errorf("store: reject: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	if err := appendAudit(ctx, tx, s.now(), "rejected", uuid+" "+logx.Mask(reason)); err != nil {
		return err
	}
	return tx.Commit()
}

// Rejected is the number of outbox entries central refused.
func (s *Store) Rejected(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE rejected IS NOT NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: rejected: %w", err)
	}
	return n, nil
}

// QueueDepth is the number of records waiting to be uploaded.
func (s *Store) QueueDepth(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE rejected IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: queue depth: %w", err)
	}
	return n, nil
}

// Summary describes a stored record without personal data.
type Summary struct {
	Seq      int64       `json:"seq"`
	UUID     string      `json:"uuid"`
	Hash     record.Hash `json:"hash"`
	Created  time.Time   `json:"created"`
	Acked    *time.Time  `json:"acked,omitempty"`
	Purged   *time.Time  `json:"purged,omitempty"`
	Pending  bool        `json:"pending"`
	Attempts int         `json:"attempts"`
	// Rejected is central's reason for refusing the record, if it did.
	Rejected string `json:"rejected,omitempty"`
}

func msTime(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := time.UnixMilli(ms.Int64).UTC()
	return &t
}

const summaryCols = `r.seq, r.uuid, r.hash, r.created_at, r.acked_at, r.purged_at, o.uuid IS NOT NULL, coalesce(o.attempts, 0), coalesce(o.rejected, '')`

func scanSummary(sc interface{ Scan(...any) error }) (Summary, error) {
	var sm Summary
	var hash []byte
	var created int64
	var acked, purged sql.NullInt64
	if err := sc.Scan(&sm.Seq, &sm.UUID, &hash, &created, &acked, &purged, &sm.Pending, &sm.Attempts, &sm.Rejected); err != nil {
		return sm, err
	}
	copy(sm.Hash[:], hash)
	sm.Created = time.UnixMilli(created).UTC()
	sm.Acked, sm.Purged = msTime(acked), msTime(purged)
	return sm, nil
}

// List returns summaries of the records, newest first, at most limit
// (0 = all).
func (s *Store) List(ctx context.Context, limit int) ([]Summary, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+summaryCols+` FROM records r LEFT JOIN outbox o ON o.uuid = r.uuid
		ORDER BY r.seq DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		sm, err := scanSummary(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list: %w", err)
		}
		out = append(out, sm)
	}
	return out, rows.Err()
}

// Get returns one record, decrypted and verified against its stored hash,
// with its summary. A purged record returns its summary and ErrPurged.
func (s *Store) Get(ctx context.Context, uuid string) (*record.Record, Summary, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+summaryCols+`, r.sealed FROM records r LEFT JOIN outbox o ON o.uuid = r.uuid WHERE r.uuid = ?`, uuid)
	var sealed []byte
	sm, err := scanSummary(scanExtra{row, &sealed})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sm, fmt.Errorf("store: %s: %w", uuid, ErrNotFound)
	}
	if err != nil {
		return nil, sm, fmt.Errorf("store: get: %w", err)
	}
	if sealed == nil {
		return nil, sm, fmt.Errorf("store: %s: %w", uuid, ErrPurged)
	}
	body, err := s.open(sealed, "record:"+uuid)
	if err != nil {
		return nil, sm, fmt.Errorf("store: get %s: %w", uuid, err)
	}
	if record.Sum(body) != sm.Hash {
		return nil, sm, fmt.Errorf("store: get %s: %w: body does not match its hash", uuid, ErrCorrupt)
	}
	r, err := record.Decode(body)
	if err != nil {
		return nil, sm, fmt.Errorf("store: get %s: %w", uuid, err)
	}
	return r, sm, nil
}

// scanExtra appends destinations to a Scan call.
type scanExtra struct {
	row   *sql.Row
	extra *[]byte
}

func (x scanExtra) Scan(dest ...any) error { return x.row.Scan(append(dest, x.extra)...) }

// SetMeta stores a small value (sync status, cursors) under a name.
func (s *Store) SetMeta(ctx context.Context, k string, v []byte) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, k, v); err != nil {
		return fmt.Errorf("store: meta %s: %w", k, err)
	}
	return nil
}

// Meta reads a value stored with SetMeta; nil when absent.
func (s *Store) Meta(ctx context.Context, k string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = ?`, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: meta %s: %w", k, err)
	}
	return v, nil
}

func i64(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
