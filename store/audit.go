package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The audit log is append-only (triggers refuse UPDATE and DELETE) and
// hash-chained: entry n's hash is
// SHA-256(prev hash || seq || at || event || 0x00 || detail), the first
// entry's prev is 32 zero bytes. Details never hold personal data (record
// UUIDs and hashes, versions, counts).

func auditHash(prev []byte, seq, at int64, event, detail string) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(i64(seq))
	h.Write(i64(at))
	h.Write([]byte(event))
	h.Write([]byte{0})
	h.Write([]byte(detail))
	return h.Sum(nil)
}

func appendAudit(ctx context.Context, tx *sql.Tx, at int64, event, detail string) error {
	var seq int64
	var prev []byte
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		prev = make([]byte, sha256.Size)
	case err != nil:
		return fmt.Errorf("store: audit: %w", err)
	}
	seq++
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit(seq, at, event, detail, prev, hash) VALUES(?,?,?,?,?,?)`,
		seq, at, event, detail, prev, auditHash(prev, seq, at, event, detail)); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// Audit appends an event to the audit log. detail must not hold personal
// data.
func (s *Store) Audit(ctx context.Context, event, detail string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	defer tx.Rollback()
	if err := appendAudit(ctx, tx, s.now(), event, detail); err != nil {
		return err
	}
	return tx.Commit()
}

// AuditEntry is one entry of the audit log.
type AuditEntry struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Event  string    `json:"event"`
	Detail string    `json:"detail"`
}

// AuditLog returns the last n entries (0 = all), oldest first.
func (s *Store) AuditLog(ctx context.Context, n int) ([]AuditEntry, error) {
	if n <= 0 {
		n = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, event, detail FROM (SELECT * FROM audit ORDER BY seq DESC LIMIT ?) ORDER BY seq`, n)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Event, &e.Detail); err != nil {
			return nil, fmt.Errorf("store: audit: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// VerifyAudit walks the chain and returns the number of entries, or
// ErrCorrupt naming the first entry that breaks it.
func (s *Store) VerifyAudit(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, event, detail, prev, hash FROM audit ORDER BY seq`)
	if err != nil {
		return 0, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	prev := make([]byte, sha256.Size)
	n := 0
	for rows.Next() {
		var seq, at int64
		var event, detail string
		var p, h []byte
		if err := rows.Scan(&seq, &at, &event, &detail, &p, &h); err != nil {
			return n, fmt.Errorf("store: audit: %w", err)
		}
		n++
		if seq != int64(n) {
			return n, fmt.Errorf("%w: audit entry %d missing (found %d)", ErrCorrupt, n, seq)
		}
		if string(p) != string(prev) || string(h) != string(auditHash(prev, seq, at, event, detail)) {
			return n, fmt.Errorf("%w: audit entry %d does not chain", ErrCorrupt, seq)
		}
		prev = h
	}
	return n, rows.Err()
}

// Check verifies the store: SQLite's integrity check, the audit chain, that
// every outbox entry has its record, and that every record not yet purged
// decrypts and matches its hash.
func (s *Store) Check(ctx context.Context) error {
	var res string
	if err := s.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("store: check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("%w: sqlite: %s", ErrCorrupt, res)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		return err
	}
	var orphans int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox o LEFT JOIN records r ON r.uuid = o.uuid WHERE r.uuid IS NULL`).Scan(&orphans); err != nil {
		return fmt.Errorf("store: check: %w", err)
	}
	if orphans > 0 {
		return fmt.Errorf("%w: %d outbox entries without a record", ErrCorrupt, orphans)
	}
	var unqueued int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM records r LEFT JOIN outbox o ON o.uuid = r.uuid WHERE r.acked_at IS NULL AND o.uuid IS NULL`).Scan(&unqueued); err != nil {
		return fmt.Errorf("store: check: %w", err)
	}
	if unqueued > 0 {
		return fmt.Errorf("%w: %d unacknowledged records not in the outbox", ErrCorrupt, unqueued)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT uuid FROM records WHERE sealed IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("store: check: %w", err)
	}
	var ids []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return fmt.Errorf("store: check: %w", err)
		}
		ids = append(ids, u)
	}
	rows.Close()
	for _, u := range ids {
		if _, _, err := s.Get(ctx, u); err != nil {
			return err
		}
	}
	return nil
}
