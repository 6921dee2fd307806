package central

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A small database/sql driver over pgx.Conn. pgx's own adapter
// (pgx/v5/stdlib) pulls in pgxpool and its modules, which go.mod does not
// pin; this one needs only the pgx package. database/sql does the pooling.

const pgDriverName = "kiosk-pgx"

func init() { sql.Register(pgDriverName, pgDriver{}) }

type pgDriver struct{}

func (pgDriver) Open(dsn string) (driver.Conn, error) {
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		return nil, err
	}
	return &pgConn{c: c}, nil
}

type pgConn struct {
	c *pgx.Conn
}

var (
	_ driver.ExecerContext      = (*pgConn)(nil)
	_ driver.QueryerContext     = (*pgConn)(nil)
	_ driver.ConnBeginTx        = (*pgConn)(nil)
	_ driver.Pinger             = (*pgConn)(nil)
	_ driver.Validator          = (*pgConn)(nil)
	_ driver.NamedValueChecker  = (*pgConn)(nil)
	_ driver.ConnPrepareContext = (*pgConn)(nil)
)

func (c *pgConn) Prepare(q string) (driver.Stmt, error) { return &pgStmt{c: c, q: q}, nil }
func (c *pgConn) PrepareContext(_ context.Context, q string) (driver.Stmt, error) {
	return &pgStmt{c: c, q: q}, nil
}
func (c *pgConn) Close() error  { return c.c.Close(context.Background()) }
func (c *pgConn) IsValid() bool { return !c.c.IsClosed() }
func (c *pgConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// CheckNamedValue passes every value to pgx as is.
func (c *pgConn) CheckNamedValue(*driver.NamedValue) error { return nil }

func (c *pgConn) Ping(ctx context.Context) error {
	if err := c.c.Ping(ctx); err != nil {
		return badConn(err)
	}
	return nil
}

func (c *pgConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	q := "BEGIN"
	switch sql.IsolationLevel(o.Isolation) {
	case sql.LevelDefault:
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		q += " ISOLATION LEVEL REPEATABLE READ"
	case sql.LevelSerializable:
		q += " ISOLATION LEVEL SERIALIZABLE"
	case sql.LevelReadCommitted:
		q += " ISOLATION LEVEL READ COMMITTED"
	default:
		return nil, fmt.Errorf("central: postgres: isolation level %v not supported", sql.IsolationLevel(o.Isolation))
	}
	if o.ReadOnly {
		q += " READ ONLY"
	}
	if _, err := c.c.Exec(ctx, q); err != nil {
		return nil, badConn(err)
	}
	return pgTx{c}, nil
}

type pgTx struct{ c *pgConn }

func (t pgTx) Commit() error {
	tag, err := t.c.c.Exec(context.Background(), "COMMIT")
	if err != nil {
		return err
	}
	// COMMIT of a failed transaction answers ROLLBACK.
	if tag.String() == "ROLLBACK" {
		return errors.New("central: postgres: transaction rolled back")
	}
	return nil
}

func (t pgTx) Rollback() error {
	_, err := t.c.c.Exec(context.Background(), "ROLLBACK")
	return err
}

func args(nv []driver.NamedValue) []any {
	a := make([]any, len(nv))
	for i, v := range nv {
		a[i] = v.Value
	}
	return a
}

func (c *pgConn) ExecContext(ctx context.Context, q string, nv []driver.NamedValue) (driver.Result, error) {
	tag, err := c.c.Exec(ctx, q, args(nv)...)
	if err != nil {
		return nil, badConn(err)
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

func (c *pgConn) QueryContext(ctx context.Context, q string, nv []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.c.Query(ctx, q, args(nv)...)
	if err != nil {
		return nil, badConn(err)
	}
	fd := rows.FieldDescriptions()
	cols := make([]string, len(fd))
	for i, f := range fd {
		cols[i] = f.Name
	}
	return &pgRows{r: rows, cols: cols}, nil
}

// badConn tells database/sql to retry on another connection when this one
// is closed before anything was sent.
func badConn(err error) error {
	if pgconn.SafeToRetry(err) {
		return driver.ErrBadConn
	}
	return err
}

type pgRows struct {
	r    pgx.Rows
	cols []string
}

func (r *pgRows) Columns() []string { return r.cols }
func (r *pgRows) Close() error {
	r.r.Close()
	return r.r.Err()
}

func (r *pgRows) Next(dest []driver.Value) error {
	if !r.r.Next() {
		if err := r.r.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	vals, err := r.r.Values()
	if err != nil {
		return err
	}
	for i, v := range vals {
		switch x := v.(type) {
		case int16:
			dest[i] = int64(x)
		case int32:
			dest[i] = int64(x)
		case float32:
			dest[i] = float64(x)
		default:
			dest[i] = v
		}
	}
	return nil
}

type pgStmt struct {
	c *pgConn
	q string
}

func (s *pgStmt) Close() error  { return nil }
func (s *pgStmt) NumInput() int { return -1 }
func (s *pgStmt) Exec(a []driver.Value) (driver.Result, error) {
	return s.c.ExecContext(context.Background(), s.q, named(a))
}
func (s *pgStmt) Query(a []driver.Value) (driver.Rows, error) {
	return s.c.QueryContext(context.Background(), s.q, named(a))
}

func named(a []driver.Value) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(a))
	for i, v := range a {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv
}
