package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hbzk/kiosk/device/record"
)

const metaRosterVersion = "roster_version"

// rosterData is what is sealed for a roster entry.
type rosterData struct {
	IDNumber string `json:"i"`
	Name     string `json:"n"`
	Site     string `json:"s"`
	// The registration shown before the biometrics.
	RegistrationNo string   `json:"r,omitempty"`
	ExamPeriod     string   `json:"p,omitempty"`
	Subjects       []string `json:"j,omitempty"`
	Photo          []byte   `json:"f,omitempty"`
}

// ApplyRoster applies a delta from central in one transaction. A delta
// that does not start at the store's version is refused, so that a
// missed delta cannot go unnoticed.
func (s *Store) ApplyRoster(ctx context.Context, d *record.RosterDelta) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: roster: %w", err)
	}
	defer tx.Rollback()
	cur, err := rosterVersion(ctx, tx)
	if err != nil {
		return err
	}
	if d.Since != cur {
		return fmt.Errorf("store: roster delta since version %d, store is at %d", d.Since, cur)
	}
	if d.Version < d.Since {
		return fmt.Errorf("store: roster delta goes back from %d to %d", d.Since, d.Version)
	}
	for _, e := range d.Entries {
		if e.IDNumber == "" {
			return fmt.Errorf("store: roster delta: entry without an ID number")
		}
		k := s.idKey(e.IDNumber)
		if e.Removed {
			if _, err := tx.ExecContext(ctx, `DELETE FROM roster WHERE id_key = ?`, k); err != nil {
				return fmt.Errorf("store: roster: %w", err)
			}
			continue
		}
		if !e.State.Valid() || e.State == record.Unknown {
			return fmt.Errorf("store: roster delta: state %q: want pending or confirmed", e.State)
		}
		plain, _ := json.Marshal(rosterData{IDNumber: e.IDNumber, Name: e.Name, Site: e.Site,
			RegistrationNo: e.RegistrationNo, ExamPeriod: e.ExamPeriod, Subjects: e.Subjects, Photo: e.Photo})
		sealed, err := s.seal(plain, "roster")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO roster(id_key, sealed, state) VALUES(?,?,?)
			ON CONFLICT(id_key) DO UPDATE SET sealed = excluded.sealed, state = excluded.state`, k, sealed, string(e.State)); err != nil {
			return fmt.Errorf("store: roster: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`,
		metaRosterVersion, []byte(strconv.FormatInt(d.Version, 10))); err != nil {
		return fmt.Errorf("store: roster: %w", err)
	}
	if err := appendAudit(ctx, tx, s.now(), "roster", fmt.Sprintf("version %d->%d, %d entries", d.Since, d.Version, len(d.Entries))); err != nil {
		return err
	}
	return tx.Commit()
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func rosterVersion(ctx context.Context, q querier) (int64, error) {
	var v []byte
	err := q.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = ?`, metaRosterVersion).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: roster version: %w", err)
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("store: roster version %q: %w", v, ErrCorrupt)
	}
	return n, nil
}

// RosterVersion is the version of the roster the store holds (0: none).
func (s *Store) RosterVersion(ctx context.Context) (int64, error) { return rosterVersion(ctx, s.db) }

// Lookup returns the roster state of an ID or permit number. A candidate
// with a record committed on this kiosk is Confirmed whatever the roster
// says; one not on the roster is Unknown.
func (s *Store) Lookup(ctx context.Context, idNumber string) (record.RosterEntry, error) {
	out := record.RosterEntry{IDNumber: idNumber, State: record.Unknown}
	k := s.idKey(idNumber)
	var sealed []byte
	var state string
	err := s.db.QueryRowContext(ctx, `SELECT sealed, state FROM roster WHERE id_key = ?`, k).Scan(&sealed, &state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return out, nil
	case err != nil:
		return out, fmt.Errorf("store: lookup: %w", err)
	}
	plain, err := s.open(sealed, "roster")
	if err != nil {
		return out, fmt.Errorf("store: lookup: %w", err)
	}
	var d rosterData
	if err := json.Unmarshal(plain, &d); err != nil {
		return out, fmt.Errorf("store: lookup: %w: %w", ErrCorrupt, err)
	}
	out.Name, out.Site, out.State = d.Name, d.Site, record.RosterState(state)
	out.RegistrationNo, out.ExamPeriod, out.Subjects, out.Photo = d.RegistrationNo, d.ExamPeriod, d.Subjects, d.Photo
	var n int
	var last sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*), max(created_at) FROM records WHERE id_key = ?`, k).Scan(&n, &last); err != nil {
		return out, fmt.Errorf("store: lookup: %w", err)
	}
	if n > 0 {
		out.State = record.Confirmed
		if last.Valid {
			out.ConfirmedAt = time.UnixMilli(last.Int64).UTC()
		}
	}
	return out, nil
}

// ResetRoster forgets the roster and its version, so that the next pull
// starts from version 0 (central answers 409 to a cursor ahead of it, after
// a restore from backup).
func (s *Store) ResetRoster(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: roster reset: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM roster`); err != nil {
		return fmt.Errorf("store: roster reset: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE k = ?`, metaRosterVersion); err != nil {
		return fmt.Errorf("store: roster reset: %w", err)
	}
	if err := appendAudit(ctx, tx, s.now(), "roster", "reset to version 0"); err != nil {
		return err
	}
	return tx.Commit()
}
