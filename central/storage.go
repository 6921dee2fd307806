package central

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/hbzk/kiosk/device/record"
)

// Storage is central's database. One implementation serves SQLite and
// PostgreSQL (see Open); every method is safe for concurrent use, and on
// PostgreSQL several centrald processes may share one database: exactly-once
// storage rests on the primary key of records, not on locks in the process.
type Storage interface {
	// AddTokens stores hashes of new one-time enrolment tokens, all
	// bound to the same site (and device name, when given) and expiring
	// at the same time.
	AddTokens(ctx context.Context, hashes []string, spec TokenSpec, now time.Time) error
	// Enrol consumes a token and records the device (or, for a key
	// enrolled before, updates it). The device's site and name come from
	// the token row; wantSite, when not empty, is the site the request
	// named and must be the token's. The same key presenting the token
	// it already used is the same device (a resumed provisioning).
	// ErrTokenUnknown, ErrTokenUsed, ErrTokenExpired, ErrTokenNoSite,
	// ErrSiteMismatch, ErrDeviceRevoked.
	Enrol(ctx context.Context, tokenHash, wantSite string, d Device) (*Device, error)
	// Device returns an enrolled device (with its site's demo mark);
	// ErrUnknownDevice.
	Device(ctx context.Context, id string) (*Device, error)
	// Devices lists every enrolled device, by id.
	Devices(ctx context.Context) ([]Device, error)
	// Revoke marks a device revoked with a reason; Reinstate lifts it.
	// Both write an audit row. ErrUnknownDevice.
	Revoke(ctx context.Context, id, reason, actor string, at time.Time) error
	Reinstate(ctx context.Context, id, actor string, at time.Time) error
	// Renewed records the serial of a device's renewed certificate.
	Renewed(ctx context.Context, id, serial string, at time.Time) error
	// SetSiteDemo marks a site as a demo site (simulated records are
	// accepted from its devices) or not, with an audit row.
	SetSiteDemo(ctx context.Context, site string, demo bool, actor string, at time.Time) error
	// Audit lists the audit rows, oldest first.
	Audit(ctx context.Context) ([]AuditEntry, error)
	// PutRecords stores a batch in one transaction and says for each row
	// whether it was stored, was a duplicate (same UUID and hash), or
	// conflicts (same UUID, another hash).
	PutRecords(ctx context.Context, rows []Row) ([]PutStatus, error)
	// Reject counts a rejected request or record with its reason.
	Reject(ctx context.Context, deviceID, reason string, at time.Time) error
	// Heartbeat records a device's last report.
	Heartbeat(ctx context.Context, deviceID string, at time.Time, info []byte) error
	// ImportRoster adds or updates roster entries as one new version.
	ImportRoster(ctx context.Context, entries []record.RosterEntry) (int64, error)
	// Roster returns the changes after version since for one site; an
	// empty site returns no entries (a device sees only its own site).
	Roster(ctx context.Context, site string, since int64) (*record.RosterDelta, error)
	// Stats counts records, devices, duplicates and rejections.
	Stats(ctx context.Context) (Stats, error)
	// Records calls fn for every stored record, in arrival order.
	Records(ctx context.Context, fn func(Row) error) error
	// Ping checks the database is reachable.
	Ping(ctx context.Context) error
	Close() error
}

// Errors callers branch on.
var (
	ErrTokenUnknown  = errors.New("central: unknown enrolment token")
	ErrTokenUsed     = errors.New("central: enrolment token already used")
	ErrTokenExpired  = errors.New("central: enrolment token expired")
	ErrTokenNoSite   = errors.New("central: enrolment token bound to no site")
	ErrSiteMismatch  = errors.New("central: enrolment request names another site than its token")
	ErrDeviceRevoked = errors.New("central: device revoked")
	ErrUnknownDevice = errors.New("central: unknown device")
)

// TokenSpec is what an enrolment token is bound to.
type TokenSpec struct {
	// Site is the site the enrolled device belongs to (required).
	Site string
	// Name, when set, is the device's name at central.
	Name string
	// Expires is when the token stops being accepted.
	Expires time.Time
}

// AuditEntry is one operator action or trust event.
type AuditEntry struct {
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	DeviceID string    `json:"device_id,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// Device is an enrolled kiosk.
type Device struct {
	ID         string
	PublicKey  ed25519.PublicKey
	Site       string
	Name       string
	EnrolledAt time.Time
	CertSerial string
	Revoked    bool
	// RevokedAt and RevokeReason are set while Revoked.
	RevokedAt    time.Time
	RevokeReason string
	// LastSeen is the last heartbeat (zero: none yet).
	LastSeen time.Time
	// Demo is the mark of the device's site: simulated records are
	// accepted only from a demo site's devices.
	Demo bool
}

// Row is a stored record.
type Row struct {
	UUID       string
	DeviceID   string
	Hash       record.Hash
	Sig        []byte
	Body       []byte
	ReceivedAt time.Time
	// IDNumber, when set, marks the roster entry confirmed (not stored
	// apart from the body).
	IDNumber string
	// Site is the sending device's site (central's device row): only a
	// roster entry of that site is confirmed.
	Site string
}

// PutStatus is the outcome of storing one row.
type PutStatus int

const (
	Stored PutStatus = iota
	Duplicate
	Conflict
)

func (p PutStatus) String() string {
	switch p {
	case Stored:
		return "stored"
	case Duplicate:
		return "duplicate"
	}
	return "conflict"
}

// Stats are the counts centrald stats prints.
type Stats struct {
	Records    int64 `json:"records"`
	Devices    int64 `json:"devices"`
	Duplicates int64 `json:"duplicates"`
	Rejected   int64 `json:"rejected"`
}

// Open opens the storage a DSN names: "postgres://..." (or
// "postgresql://...") for PostgreSQL, "sqlite:PATH" or a plain file path for
// SQLite. The schema is created when missing.
func Open(ctx context.Context, dsn string) (Storage, error) {
	return OpenSealed(ctx, dsn, nil)
}

// OpenSealed is Open with a Sealer: record bodies, roster names and ID
// numbers are stored sealed (the roster keyed by the Sealer's Lookup of
// the ID number), and data stored in clear before is sealed on the first
// such open. Without a Sealer (Open), a database that holds sealed data
// can be used for everything but personal data (ErrNeedsKey).
func OpenSealed(ctx context.Context, dsn string, sealer Sealer) (Storage, error) {
	s, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if sealer != nil {
		s.seal = sealer
		if err := s.sealExisting(ctx); err != nil {
			s.db.Close()
			return nil, err
		}
	}
	return s, nil
}

func open(ctx context.Context, dsn string) (*sqlStorage, error) {
	var s *sqlStorage
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open(pgDriverName, dsn)
		if err != nil {
			return nil, fmt.Errorf("central: open postgres: %w", err)
		}
		db.SetMaxOpenConns(16)
		s = &sqlStorage{db: db, pg: true}
	case dsn == "":
		return nil, fmt.Errorf("central: open: empty --db (want a file, sqlite:PATH or postgres://...)")
	default:
		path := strings.TrimPrefix(dsn, "sqlite:")
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			return nil, fmt.Errorf("central: open sqlite: %w", err)
		}
		// SQLite has one writer; one connection keeps it simple.
		db.SetMaxOpenConns(1)
		s = &sqlStorage{db: db}
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

type sqlStorage struct {
	db   *sql.DB
	pg   bool
	seal Sealer
	// maxRejections overrides MaxRejectionRows (tests).
	maxRejections int
}

// q adapts a query written with $N placeholders to the dialect (SQLite
// takes ?N).
func (s *sqlStorage) q(query string) string {
	if s.pg {
		return query
	}
	return strings.ReplaceAll(query, "$", "?")
}

func (s *sqlStorage) blob() string {
	if s.pg {
		return "BYTEA"
	}
	return "BLOB"
}

// migrate creates the schema of version 1 when missing, then applies
// each later migration once, in order, recording the version reached in
// counters('schema'). Each migration runs in a transaction of its own,
// under an advisory lock on PostgreSQL (several centrald may start at
// once) and the database's write lock on SQLite.
func (s *sqlStorage) migrate(ctx context.Context) error {
	for _, st := range s.baseSchema() {
		if _, err := s.db.ExecContext(ctx, st); err != nil {
			if s.pg && isUniqueViolation(err) {
				// Two processes creating the schema at once: the other won.
				continue
			}
			return fmt.Errorf("central: create schema: %w", err)
		}
	}
	for i, m := range s.migrations() {
		if err := s.applyMigration(ctx, i+2, m); err != nil {
			return err
		}
	}
	return nil
}

// baseSchema is schema version 1, as databases from before numbered
// migrations have it, and the version row (last).
func (s *sqlStorage) baseSchema() []string {
	serial := "INTEGER PRIMARY KEY"
	if s.pg {
		serial = "BIGSERIAL PRIMARY KEY"
	}
	b := s.blob()
	return []string{
		`CREATE TABLE IF NOT EXISTS tokens(hash TEXT PRIMARY KEY, created_at BIGINT NOT NULL, used_at BIGINT, device_id TEXT)`,
		`CREATE TABLE IF NOT EXISTS devices(id TEXT PRIMARY KEY, public_key ` + b + ` NOT NULL, site TEXT NOT NULL,
			enrolled_at BIGINT NOT NULL, cert_serial TEXT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE,
			last_seen BIGINT, heartbeat ` + b + `)`,
		`CREATE TABLE IF NOT EXISTS records(seq ` + serial + `, uuid TEXT NOT NULL UNIQUE, device_id TEXT NOT NULL,
			hash ` + b + ` NOT NULL, sig ` + b + ` NOT NULL, body ` + b + ` NOT NULL, received_at BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS rejections(seq ` + serial + `, at BIGINT NOT NULL, device_id TEXT NOT NULL, reason TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, n BIGINT NOT NULL)`,
		`INSERT INTO counters(name, n) VALUES('duplicates', 0), ('roster_version', 0) ON CONFLICT(name) DO NOTHING`,
		`CREATE TABLE IF NOT EXISTS roster(id_number TEXT PRIMARY KEY, name TEXT NOT NULL, site TEXT NOT NULL,
			state TEXT NOT NULL, removed BOOLEAN NOT NULL DEFAULT FALSE, version BIGINT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS roster_version ON roster(version)`,
		// A database without this row is of version 1 (the schema
		// above, from before migrations were numbered).
		`INSERT INTO counters(name, n) VALUES('schema', 1) ON CONFLICT(name) DO NOTHING`,
	}
}

// SchemaVersion is the schema version Open migrates a database to.
const SchemaVersion = 3

// migrations returns the statements of versions 2, 3, ... in order.
func (s *sqlStorage) migrations() [][]string {
	serial := "INTEGER PRIMARY KEY"
	if s.pg {
		serial = "BIGSERIAL PRIMARY KEY"
	}
	b := s.blob()
	// 2: tokens bound to a site, a device name and an expiry; device
	// names and revocation reasons; demo sites; the audit table; records
	// identified by (device, uuid), so that no device can take another's
	// uuid. Tokens from before have no site and are refused.
	v2 := []string{
		`ALTER TABLE tokens ADD COLUMN site TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE tokens ADD COLUMN name TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE tokens ADD COLUMN expires_at BIGINT`,
		`ALTER TABLE devices ADD COLUMN name TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE devices ADD COLUMN revoked_at BIGINT`,
		`ALTER TABLE devices ADD COLUMN revoke_reason TEXT NOT NULL DEFAULT ''`,
		`CREATE TABLE sites(name TEXT PRIMARY KEY, demo BOOLEAN NOT NULL DEFAULT FALSE)`,
		`CREATE TABLE audit(seq ` + serial + `, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
			device_id TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '')`,
	}
	if s.pg {
		v2 = append(v2,
			`ALTER TABLE records DROP CONSTRAINT IF EXISTS records_uuid_key`,
			`ALTER TABLE records ADD CONSTRAINT records_device_uuid UNIQUE(device_id, uuid)`)
	} else {
		// SQLite cannot drop a constraint: the table is rebuilt.
		v2 = append(v2,
			`CREATE TABLE records_v2(seq INTEGER PRIMARY KEY, uuid TEXT NOT NULL, device_id TEXT NOT NULL,
				hash `+b+` NOT NULL, sig `+b+` NOT NULL, body `+b+` NOT NULL, received_at BIGINT NOT NULL,
				UNIQUE(device_id, uuid))`,
			`INSERT INTO records_v2(seq, uuid, device_id, hash, sig, body, received_at)
				SELECT seq, uuid, device_id, hash, sig, body, received_at FROM records`,
			`DROP TABLE records`,
			`ALTER TABLE records_v2 RENAME TO records`)
	}
	// 3: the roster's sealed ID number (id_number then holds its
	// keyed lookup hash), see OpenSealed.
	v3 := []string{`ALTER TABLE roster ADD COLUMN id_enc TEXT NOT NULL DEFAULT ''`}
	return [][]string{v2, v3}
}

// migrationLock is the PostgreSQL advisory lock key of migrations.
const migrationLock = 0x6b696f736b

func (s *sqlStorage) applyMigration(ctx context.Context, version int, stmts []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("central: migrate to %d: %w", version, err)
	}
	defer tx.Rollback()
	if s.pg {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("central: migrate to %d: %w", version, err)
		}
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT n FROM counters WHERE name = 'schema'`).Scan(&have); err != nil {
		return fmt.Errorf("central: migrate to %d: %w", version, err)
	}
	if have >= version {
		return nil
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("central: migrate to %d: %w", version, err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE counters SET n = $1 WHERE name = 'schema'`), version); err != nil {
		return fmt.Errorf("central: migrate to %d: %w", version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("central: migrate to %d: %w", version, err)
	}
	return nil
}

func isUniqueViolation(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "SQLSTATE 23505") || strings.Contains(err.Error(), "UNIQUE constraint"))
}

func (s *sqlStorage) Close() error                   { return s.db.Close() }
func (s *sqlStorage) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func ms(t time.Time) int64 { return t.UnixMilli() }

func (s *sqlStorage) AddTokens(ctx context.Context, hashes []string, spec TokenSpec, now time.Time) error {
	if spec.Site == "" {
		return ErrTokenNoSite
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("central: tokens: %w", err)
	}
	defer tx.Rollback()
	for _, h := range hashes {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO tokens(hash, created_at, site, name, expires_at) VALUES($1, $2, $3, $4, $5)`),
			h, ms(now), spec.Site, spec.Name, ms(spec.Expires)); err != nil {
			return fmt.Errorf("central: tokens: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("central: tokens: %w", err)
	}
	return nil
}

func (s *sqlStorage) Enrol(ctx context.Context, tokenHash, wantSite string, d Device) (*Device, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("central: enrol: %w", err)
	}
	defer tx.Rollback()
	var site, name string
	var expires, used sql.NullInt64
	var by sql.NullString
	err = tx.QueryRowContext(ctx, s.q(`SELECT site, name, expires_at, used_at, device_id FROM tokens WHERE hash = $1`), tokenHash).
		Scan(&site, &name, &expires, &used, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrTokenUnknown
	}
	if err != nil {
		return nil, fmt.Errorf("central: enrol: %w", err)
	}
	// The same key presenting the token it used (its answer was lost, or
	// provisioning was interrupted): the same device, enrolled again.
	// Any other key: a replay.
	again := used.Valid && by.Valid && by.String == d.ID
	switch {
	case used.Valid && !again:
		return nil, ErrTokenUsed
	case site == "":
		return nil, ErrTokenNoSite
	case !again && (!expires.Valid || d.EnrolledAt.UnixMilli() >= expires.Int64):
		return nil, ErrTokenExpired
	case wantSite != "" && wantSite != site:
		return nil, fmt.Errorf("%w (request %q)", ErrSiteMismatch, wantSite)
	}
	var revoked bool
	err = tx.QueryRowContext(ctx, s.q(`SELECT revoked FROM devices WHERE id = $1`), d.ID).Scan(&revoked)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("central: enrol: %w", err)
	}
	if revoked {
		return nil, ErrDeviceRevoked
	}
	// The conditional update is the one-time check: of two requests with
	// the same token, in one process or many, one updates a row.
	res, err := tx.ExecContext(ctx, s.q(`UPDATE tokens SET used_at = $1, device_id = $2 WHERE hash = $3 AND (used_at IS NULL OR device_id = $2)`),
		ms(d.EnrolledAt), d.ID, tokenHash)
	if err != nil {
		return nil, fmt.Errorf("central: enrol: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, ErrTokenUsed
	}
	d.Site, d.Name = site, name
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO devices(id, public_key, site, name, enrolled_at, cert_serial) VALUES($1, $2, $3, $4, $5, $6)
		ON CONFLICT(id) DO UPDATE SET site = excluded.site, name = excluded.name, enrolled_at = excluded.enrolled_at,
		cert_serial = excluded.cert_serial`),
		d.ID, []byte(d.PublicKey), d.Site, d.Name, ms(d.EnrolledAt), d.CertSerial); err != nil {
		return nil, fmt.Errorf("central: enrol: %w", err)
	}
	if err := s.audit(ctx, tx, d.EnrolledAt, "device", "enrol", d.ID, "site "+d.Site); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("central: enrol: %w", err)
	}
	return &d, nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *sqlStorage) audit(ctx context.Context, ex execer, at time.Time, actor, action, device, detail string) error {
	if _, err := ex.ExecContext(ctx, s.q(`INSERT INTO audit(at, actor, action, device_id, detail) VALUES($1, $2, $3, $4, $5)`),
		ms(at), actor, action, device, detail); err != nil {
		return fmt.Errorf("central: audit: %w", err)
	}
	return nil
}

const deviceCols = `d.id, d.public_key, d.site, d.name, d.enrolled_at, d.cert_serial, d.revoked, d.revoked_at, d.revoke_reason,
	d.last_seen, COALESCE(s.demo, FALSE) FROM devices d LEFT JOIN sites s ON s.name = d.site`

type scanner interface{ Scan(dest ...any) error }

func scanDevice(sc scanner) (*Device, error) {
	var d Device
	var pub []byte
	var at int64
	var revAt, seen sql.NullInt64
	if err := sc.Scan(&d.ID, &pub, &d.Site, &d.Name, &at, &d.CertSerial, &d.Revoked, &revAt, &d.RevokeReason, &seen, &d.Demo); err != nil {
		return nil, err
	}
	d.PublicKey, d.EnrolledAt = ed25519.PublicKey(pub), time.UnixMilli(at).UTC()
	if revAt.Valid {
		d.RevokedAt = time.UnixMilli(revAt.Int64).UTC()
	}
	if seen.Valid {
		d.LastSeen = time.UnixMilli(seen.Int64).UTC()
	}
	return &d, nil
}

func (s *sqlStorage) Device(ctx context.Context, id string) (*Device, error) {
	d, err := scanDevice(s.db.QueryRowContext(ctx, s.q(`SELECT `+deviceCols+` WHERE d.id = $1`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownDevice, id)
	}
	if err != nil {
		return nil, fmt.Errorf("central: device: %w", err)
	}
	return d, nil
}

func (s *sqlStorage) Devices(ctx context.Context) ([]Device, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deviceCols+` ORDER BY d.id`)
	if err != nil {
		return nil, fmt.Errorf("central: devices: %w", err)
	}
	defer rows.Close()
	var out []Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, fmt.Errorf("central: devices: %w", err)
		}
		out = append(out, *d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("central: devices: %w", err)
	}
	return out, nil
}

func (s *sqlStorage) setRevoked(ctx context.Context, id string, revoked bool, reason, actor string, at time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("central: revoke: %w", err)
	}
	defer tx.Rollback()
	var revAt any
	action := "reinstate"
	if revoked {
		revAt, action = ms(at), "revoke"
	}
	res, err := tx.ExecContext(ctx, s.q(`UPDATE devices SET revoked = $1, revoked_at = $2, revoke_reason = $3 WHERE id = $4`),
		revoked, revAt, reason, id)
	if err != nil {
		return fmt.Errorf("central: %s: %w", action, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%w: %q", ErrUnknownDevice, id)
	}
	if err := s.audit(ctx, tx, at, actor, action, id, reason); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("central: %s: %w", action, err)
	}
	return nil
}

func (s *sqlStorage) Revoke(ctx context.Context, id, reason, actor string, at time.Time) error {
	if strings.TrimSpace(reason) == "" {
		return errors.New("central: revoke: a reason is required")
	}
	return s.setRevoked(ctx, id, true, reason, actor, at)
}

func (s *sqlStorage) Reinstate(ctx context.Context, id, actor string, at time.Time) error {
	return s.setRevoked(ctx, id, false, "", actor, at)
}

func (s *sqlStorage) Renewed(ctx context.Context, id, serial string, at time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("central: renew: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE devices SET cert_serial = $1 WHERE id = $2`), serial, id); err != nil {
		return fmt.Errorf("central: renew: %w", err)
	}
	if err := s.audit(ctx, tx, at, "device", "renew", id, "serial "+serial); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("central: renew: %w", err)
	}
	return nil
}

func (s *sqlStorage) SetSiteDemo(ctx context.Context, site string, demo bool, actor string, at time.Time) error {
	if site == "" {
		return errors.New("central: site demo: empty site")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("central: site demo: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO sites(name, demo) VALUES($1, $2) ON CONFLICT(name) DO UPDATE SET demo = excluded.demo`),
		site, demo); err != nil {
		return fmt.Errorf("central: site demo: %w", err)
	}
	detail := "site " + site + " demo off"
	if demo {
		detail = "site " + site + " demo on"
	}
	if err := s.audit(ctx, tx, at, actor, "site-demo", "", detail); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("central: site demo: %w", err)
	}
	return nil
}

func (s *sqlStorage) Audit(ctx context.Context) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, actor, action, device_id, detail FROM audit ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("central: audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.DeviceID, &e.Detail); err != nil {
			return nil, fmt.Errorf("central: audit: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *sqlStorage) PutRecords(ctx context.Context, rows []Row) ([]PutStatus, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("central: put: %w", err)
	}
	defer tx.Rollback()
	if err := s.needKey(ctx, tx); err != nil {
		return nil, err
	}
	out := make([]PutStatus, len(rows))
	dups := 0
	for i, r := range rows {
		body, err := s.sealBody(r.Body, r.DeviceID, r.UUID)
		if err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO records(uuid, device_id, hash, sig, body, received_at) VALUES($1, $2, $3, $4, $5, $6)
			ON CONFLICT(device_id, uuid) DO NOTHING`), r.UUID, r.DeviceID, r.Hash[:], r.Sig, body, ms(r.ReceivedAt))
		if err != nil {
			return nil, fmt.Errorf("central: put: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			out[i] = Stored
			if r.IDNumber != "" {
				if err := s.confirm(ctx, tx, r.IDNumber, r.Site); err != nil {
					return nil, err
				}
			}
			continue
		}
		var h []byte
		if err := tx.QueryRowContext(ctx, s.q(`SELECT hash FROM records WHERE device_id = $1 AND uuid = $2`), r.DeviceID, r.UUID).Scan(&h); err != nil {
			return nil, fmt.Errorf("central: put: %w", err)
		}
		if string(h) == string(r.Hash[:]) {
			out[i] = Duplicate
			dups++
		} else {
			out[i] = Conflict
		}
	}
	if dups > 0 {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE counters SET n = n + $1 WHERE name = 'duplicates'`), dups); err != nil {
			return nil, fmt.Errorf("central: put: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("central: put: %w", err)
	}
	return out, nil
}

// confirm marks a pending roster entry confirmed under a new roster
// version. The counter row's lock orders versions by commit.
func (s *sqlStorage) confirm(ctx context.Context, tx *sql.Tx, id, site string) error {
	var state string
	if site == "" {
		return nil
	}
	id = s.rosterKey(id)
	err := tx.QueryRowContext(ctx, s.q(`SELECT state FROM roster WHERE id_number = $1 AND site = $2 AND NOT removed`), id, site).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) || state == string(record.Confirmed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("central: roster confirm: %w", err)
	}
	v, err := s.nextVersion(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE roster SET state = $1, version = $2 WHERE id_number = $3`), string(record.Confirmed), v, id); err != nil {
		return fmt.Errorf("central: roster confirm: %w", err)
	}
	return nil
}

func (s *sqlStorage) nextVersion(ctx context.Context, tx *sql.Tx) (int64, error) {
	var v int64
	if err := tx.QueryRowContext(ctx, `UPDATE counters SET n = n + 1 WHERE name = 'roster_version' RETURNING n`).Scan(&v); err != nil {
		return 0, fmt.Errorf("central: roster version: %w", err)
	}
	return v, nil
}

// MaxRejectionRows is how many rejection rows are kept: older ones are
// deleted as new ones come (the metrics keep the totals).
const MaxRejectionRows = 100000

func (s *sqlStorage) Reject(ctx context.Context, deviceID, reason string, at time.Time) error {
	var seq int64
	if err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO rejections(at, device_id, reason) VALUES($1, $2, $3) RETURNING seq`),
		ms(at), deviceID[:min(len(deviceID), 64)], reason[:min(len(reason), 200)]).Scan(&seq); err != nil {
		return fmt.Errorf("central: reject: %w", err)
	}
	keep := s.maxRejections
	if keep == 0 {
		keep = MaxRejectionRows
	}
	// Trim now and then: every keep/16 rows (at least every row when keep is tiny).
	if every := max(int64(keep)/16, 1); seq%every == 0 {
		if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM rejections WHERE seq <= $1`), seq-int64(keep)); err != nil {
			return fmt.Errorf("central: reject: %w", err)
		}
	}
	return nil
}

func (s *sqlStorage) Heartbeat(ctx context.Context, deviceID string, at time.Time, info []byte) error {
	if _, err := s.db.ExecContext(ctx, s.q(`UPDATE devices SET last_seen = $1, heartbeat = $2 WHERE id = $3`), ms(at), info, deviceID); err != nil {
		return fmt.Errorf("central: heartbeat: %w", err)
	}
	return nil
}

func (s *sqlStorage) ImportRoster(ctx context.Context, entries []record.RosterEntry) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("central: roster import: %w", err)
	}
	defer tx.Rollback()
	if err := s.needKey(ctx, tx); err != nil {
		return 0, err
	}
	v, err := s.nextVersion(ctx, tx)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		key := s.rosterKey(e.IDNumber)
		name, err := s.sealText(e.Name, key)
		if err != nil {
			return 0, err
		}
		idEnc := ""
		if s.seal != nil {
			if idEnc, err = s.sealText(e.IDNumber, key); err != nil {
				return 0, err
			}
		}
		state := e.State
		if state == "" {
			state = record.Pending
		}
		// A confirmed candidate stays confirmed when a roster is
		// imported again; a row without a site (a removal) keeps the
		// site it had, so the removal reaches that site's kiosks.
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO roster(id_number, name, site, state, removed, version, id_enc) VALUES($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT(id_number) DO UPDATE SET name = excluded.name, id_enc = excluded.id_enc,
			site = CASE WHEN excluded.site = '' THEN roster.site ELSE excluded.site END, removed = excluded.removed,
			version = excluded.version,
			state = CASE WHEN roster.state = 'confirmed' THEN roster.state ELSE excluded.state END`),
			key, name, e.Site, string(state), e.Removed, v, idEnc); err != nil {
			return 0, fmt.Errorf("central: roster import: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("central: roster import: %w", err)
	}
	return v, nil
}

func (s *sqlStorage) Roster(ctx context.Context, site string, since int64) (*record.RosterDelta, error) {
	var opts *sql.TxOptions
	if s.pg {
		// One snapshot: the version and the rows agree.
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("central: roster: %w", err)
	}
	defer tx.Rollback()
	d := &record.RosterDelta{Since: since, Entries: []record.RosterEntry{}}
	if err := tx.QueryRowContext(ctx, `SELECT n FROM counters WHERE name = 'roster_version'`).Scan(&d.Version); err != nil {
		return nil, fmt.Errorf("central: roster: %w", err)
	}
	if since > d.Version {
		return nil, fmt.Errorf("central: roster: cursor %d is ahead of version %d", since, d.Version)
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT id_number, id_enc, name, site, state, removed FROM roster
		WHERE version > $1 AND version <= $2 AND $3 <> '' AND site = $3 ORDER BY version, id_number`), since, d.Version, site)
	if err != nil {
		return nil, fmt.Errorf("central: roster: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e record.RosterEntry
		var state, key, idEnc string
		if err := rows.Scan(&key, &idEnc, &e.Name, &e.Site, &state, &e.Removed); err != nil {
			return nil, fmt.Errorf("central: roster: %w", err)
		}
		e.IDNumber = key
		if idEnc != "" {
			var err error
			if e.IDNumber, err = s.openText(idEnc, key); err != nil {
				return nil, err
			}
		}
		var err error
		if e.Name, err = s.openText(e.Name, key); err != nil {
			return nil, err
		}
		e.State = record.RosterState(state)
		if e.Removed {
			e.Name, e.Site, e.State = "", "", ""
		}
		d.Entries = append(d.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("central: roster: %w", err)
	}
	return d, nil
}

func (s *sqlStorage) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM records), (SELECT count(*) FROM devices),
		(SELECT n FROM counters WHERE name = 'duplicates'), (SELECT count(*) FROM rejections)`).
		Scan(&st.Records, &st.Devices, &st.Duplicates, &st.Rejected)
	if err != nil {
		return st, fmt.Errorf("central: stats: %w", err)
	}
	return st, nil
}

func (s *sqlStorage) Records(ctx context.Context, fn func(Row) error) error {
	last := int64(0)
	for {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT seq, uuid, device_id, hash, sig, body, received_at FROM records WHERE seq > $1 ORDER BY seq LIMIT 200`), last)
		if err != nil {
			return fmt.Errorf("central: records: %w", err)
		}
		var batch []Row
		for rows.Next() {
			var r Row
			var h []byte
			var at int64
			if err := rows.Scan(&last, &r.UUID, &r.DeviceID, &h, &r.Sig, &r.Body, &at); err != nil {
				rows.Close()
				return fmt.Errorf("central: records: %w", err)
			}
			copy(r.Hash[:], h)
			r.ReceivedAt = time.UnixMilli(at).UTC()
			if isSealed(r.Body) {
				if s.seal == nil {
					rows.Close()
					return ErrNeedsKey
				}
				b, err := s.seal.Unseal(r.Body, bodyAAD(r.DeviceID, r.UUID))
				if err != nil {
					rows.Close()
					return fmt.Errorf("central: record %s: %w", r.UUID, err)
				}
				r.Body = b
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("central: records: %w", err)
		}
		for _, r := range batch {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(batch) < 200 {
			return nil
		}
	}
}

// Sealing at rest (see OpenSealed and Sealer).

// textPrefix marks a sealed text column: base64 of a Seal.
const textPrefix = "enc1:"

func bodyAAD(device, uuid string) []byte { return []byte("record/" + device + "/" + uuid) }

func (s *sqlStorage) sealBody(body []byte, device, uuid string) ([]byte, error) {
	if s.seal == nil {
		return body, nil
	}
	return s.seal.Seal(body, bodyAAD(device, uuid))
}

// rosterKey is the roster's primary key for an ID number: its lookup
// hash when sealing, else the number.
func (s *sqlStorage) rosterKey(id string) string {
	if s.seal == nil {
		return id
	}
	return s.seal.Lookup(id)
}

func (s *sqlStorage) sealText(v, rowKey string) (string, error) {
	if s.seal == nil {
		return v, nil
	}
	b, err := s.seal.Seal([]byte(v), []byte("roster/"+rowKey))
	if err != nil {
		return "", err
	}
	return textPrefix + base64.StdEncoding.EncodeToString(b), nil
}

func (s *sqlStorage) openText(v, rowKey string) (string, error) {
	if !strings.HasPrefix(v, textPrefix) {
		return v, nil
	}
	if s.seal == nil {
		return "", ErrNeedsKey
	}
	b, err := base64.StdEncoding.DecodeString(v[len(textPrefix):])
	if err != nil {
		return "", ErrUnseal
	}
	p, err := s.seal.Unseal(b, []byte("roster/"+rowKey))
	return string(p), err
}

// needKey refuses to write personal data in clear into a database that
// holds sealed data.
func (s *sqlStorage) needKey(ctx context.Context, tx *sql.Tx) error {
	if s.seal != nil {
		return nil
	}
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT n FROM counters WHERE name = 'sealed'`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("central: %w", err)
	}
	if n != 0 {
		return ErrNeedsKey
	}
	return nil
}

// sealExisting seals what an unsealed centrald stored (once: the
// counters row 'sealed' marks it done) and marks the database sealed.
func (s *sqlStorage) sealExisting(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("central: seal existing data: %w", err)
	}
	defer tx.Rollback()
	if s.pg {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock+1); err != nil {
			return fmt.Errorf("central: seal existing data: %w", err)
		}
	}
	var n int64
	err = tx.QueryRowContext(ctx, `SELECT n FROM counters WHERE name = 'sealed'`).Scan(&n)
	if err == nil && n != 0 {
		return nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("central: seal existing data: %w", err)
	}
	// Roster rows keyed by a clear ID number.
	type rrow struct{ id, name string }
	var rs []rrow
	rows, err := tx.QueryContext(ctx, `SELECT id_number, name FROM roster WHERE id_enc = ''`)
	if err != nil {
		return fmt.Errorf("central: seal existing data: %w", err)
	}
	for rows.Next() {
		var r rrow
		if err := rows.Scan(&r.id, &r.name); err != nil {
			rows.Close()
			return fmt.Errorf("central: seal existing data: %w", err)
		}
		rs = append(rs, r)
	}
	rows.Close()
	for _, r := range rs {
		key := s.rosterKey(r.id)
		name, err := s.sealText(r.name, key)
		if err != nil {
			return err
		}
		idEnc, err := s.sealText(r.id, key)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE roster SET id_number = $1, name = $2, id_enc = $3 WHERE id_number = $4`), key, name, idEnc, r.id); err != nil {
			return fmt.Errorf("central: seal existing data: %w", err)
		}
	}
	// Record bodies in clear.
	for last := int64(0); ; {
		type brow struct {
			seq          int64
			uuid, device string
			body         []byte
		}
		var bs []brow
		rows, err := tx.QueryContext(ctx, s.q(`SELECT seq, uuid, device_id, body FROM records WHERE seq > $1 ORDER BY seq LIMIT 200`), last)
		if err != nil {
			return fmt.Errorf("central: seal existing data: %w", err)
		}
		for rows.Next() {
			var b brow
			if err := rows.Scan(&b.seq, &b.uuid, &b.device, &b.body); err != nil {
				rows.Close()
				return fmt.Errorf("central: seal existing data: %w", err)
			}
			last = b.seq
			if !isSealed(b.body) {
				bs = append(bs, b)
			}
		}
		rows.Close()
		for _, b := range bs {
			sealed, err := s.sealBody(b.body, b.device, b.uuid)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE records SET body = $1 WHERE seq = $2`), sealed, b.seq); err != nil {
				return fmt.Errorf("central: seal existing data: %w", err)
			}
		}
		var more int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM records WHERE seq > $1`), last).Scan(&more); err != nil {
			return fmt.Errorf("central: seal existing data: %w", err)
		}
		if more == 0 {
			break
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO counters(name, n) VALUES('sealed', 1) ON CONFLICT(name) DO UPDATE SET n = 1`); err != nil {
		return fmt.Errorf("central: seal existing data: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("central: seal existing data: %w", err)
	}
	return nil
}
