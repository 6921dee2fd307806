package record

import (
	"context"
	"errors"
	"time"
)

// Store keeps confirmed records durably. The candidate flow calls Commit
// before it shows "done": when Commit returns nil the record and its outbox
// entry are on disk, signed and encrypted, and will reach central.
type Store interface {
	// Commit signs r with the device key and stores it together with its
	// outbox entry in one transaction. Committing the same record again
	// (same UUID and content) is a no-op; the same UUID with other
	// content is ErrConflict.
	Commit(ctx context.Context, r *Record) error
}

// ErrConflict: a record with this UUID but another content exists.
var ErrConflict = errors.New("record: another record with this uuid exists")

// Roster answers whether a candidate is registered and waiting for
// confirmation.
type Roster interface {
	// Lookup returns the state of an ID (or permit) number: Pending,
	// Confirmed or Unknown. The entry's Name is set when known.
	Lookup(ctx context.Context, idNumber string) (RosterEntry, error)
}

// RosterState is a candidate's state on the roster.
type RosterState string

const (
	// Unknown: not on the roster (not registered, or another site).
	Unknown RosterState = "unknown"
	// Pending: registered, not yet confirmed.
	Pending RosterState = "pending"
	// Confirmed: a record was committed for this candidate (here or at
	// another kiosk, as central reports).
	Confirmed RosterState = "confirmed"
)

// Valid reports whether s is one of the states.
func (s RosterState) Valid() bool { return s == Unknown || s == Pending || s == Confirmed }

// RosterEntry is one registered candidate.
type RosterEntry struct {
	IDNumber string      `cbor:"id_number" json:"id_number"`
	Name     string      `cbor:"name" json:"name"`
	Site     string      `cbor:"site" json:"site"`
	State    RosterState `cbor:"state" json:"state"`
	// What the exam office confirms, shown to the candidate before the
	// biometrics: the registration number (准考证号/报名号), the exam period,
	// the subjects, and the registration photo (JPEG) when there is one.
	RegistrationNo string   `cbor:"registration_no,omitempty" json:"registration_no,omitempty"`
	ExamPeriod     string   `cbor:"exam_period,omitempty" json:"exam_period,omitempty"`
	Subjects       []string `cbor:"subjects,omitempty" json:"subjects,omitempty"`
	Photo          []byte   `cbor:"photo,omitempty" json:"photo,omitempty"`
	// Removed marks an entry withdrawn from the roster (in a delta).
	Removed bool `cbor:"removed,omitempty" json:"removed,omitempty"`
	// ConfirmedAt is when the candidate's record was committed on this
	// kiosk (zero: not here or unknown); the kiosk's own, never synced.
	ConfirmedAt time.Time `cbor:"-" json:"-"`
}

// RosterDelta is what changed on the roster after version Since, up to
// Version. Applying deltas in order gives the roster at Version.
type RosterDelta struct {
	Since   int64         `cbor:"since" json:"since"`
	Version int64         `cbor:"version" json:"version"`
	Entries []RosterEntry `cbor:"entries" json:"entries"`
}
