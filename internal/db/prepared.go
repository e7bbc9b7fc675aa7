package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Prepared is a set of statements a service runs on its hot path. On SQLite database/sql
// parses an ad-hoc statement at every call (pgx caches them per connection on
// PostgreSQL), and parsing can be half the cost of a small write; these are prepared once
// on the writer connection and bound to each transaction, which reuses them. They must be
// prepared outside any transaction: the writer has a single connection. A statement that
// fails to prepare (an unmigrated database) simply runs unprepared.
type Prepared struct {
	d     *DB
	stmts map[string]*sql.Stmt
}

// Prepare readies qs (SQLite only; on PostgreSQL the set stays empty and every call runs
// the plain statement).
func (d *DB) Prepare(qs ...string) *Prepared {
	p := &Prepared{d: d, stmts: map[string]*sql.Stmt{}}
	if d.Engine != SQLite {
		return p
	}
	for _, q := range qs {
		// An INSERT … RETURNING id is also readied without its clause, for Insert.
		for _, q := range []string{q, strings.TrimSuffix(q, returningID)} {
			if p.stmts[q] != nil {
				continue
			}
			if st, err := d.W.PrepareContext(context.Background(), q); err == nil {
				p.stmts[q] = st
			}
		}
	}
	return p
}

// returningID ends the INSERTs that Insert runs.
const returningID = " RETURNING id"

// Insert runs q, an INSERT of one row ending in " RETURNING id", and returns the row's
// id. On SQLite the statement runs without its RETURNING clause and the id is the row id
// SQLite gives the insert (sql.Result's LastInsertId, which triggers do not move): a
// RETURNING clause makes SQLite keep the returned rows in a table of their own, and a
// query in a transaction makes database/sql start a goroutine to watch it, while an
// insert run as a write does neither: an audit entry's insert (three indexes) in a
// transaction 23.5–27.3 → 12.9–15.0 µs (BenchmarkPreparedInsert). Not for an insert that
// may insert nothing (OR IGNORE, ON CONFLICT DO NOTHING): SQLite's last row id would be
// an older row's.
func (p *Prepared) Insert(ctx context.Context, q string, args ...any) (int64, error) {
	plain, ok := strings.CutSuffix(q, returningID)
	if !ok {
		return 0, fmt.Errorf("db: Insert needs a statement ending in%s: %.60s", returningID, q)
	}
	var id int64
	if p.d.Engine != SQLite {
		err := p.WRow(ctx, q, args...).Scan(&id)
		return id, err
	}
	res, err := p.Exec(ctx, plain, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// bound returns statement q prepared and bound to the transaction in ctx, or nil, and
// the context to run it with (quiet in a writer's turn: quiet.go).
func (p *Prepared) bound(ctx context.Context, q string) (*sql.Stmt, context.Context) {
	st := p.stmts[q]
	if st == nil {
		return nil, ctx
	}
	state := txOf(ctx)
	if state == nil {
		return nil, ctx
	}
	if state.quiet {
		ctx = quiet(ctx)
	}
	state.mark(q)
	return state.tx.StmtContext(ctx, st), ctx
}

// Row runs a single-row read: prepared inside a transaction, else on the readers. A set's
// statements are its service's hot path, bound to keys (an appeal's id, its parts, an
// organisation): outside a transaction they read through RQGeneric, whose plans are kept
// on PostgreSQL — an appeal read by its id was planned again at every call, 0.36 ms of
// planning for 0.04 ms of running, in every intake's answer and every appeal's page.
func (p *Prepared) Row(ctx context.Context, q string, args ...any) *sql.Row {
	if st, ctx := p.bound(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.d.RQGeneric(ctx).QueryRowContext(ctx, q, args...)
}

// WRow runs a single-row write (INSERT … RETURNING) or a locking read.
func (p *Prepared) WRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st, ctx := p.bound(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.d.Q(ctx).QueryRowContext(ctx, q, args...)
}

// Rows runs a read of several rows, like Row (RQGeneric outside a transaction).
func (p *Prepared) Rows(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st, ctx := p.bound(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.d.RQGeneric(ctx).QueryContext(ctx, q, args...)
}

// Exec runs a write.
func (p *Prepared) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st, ctx := p.bound(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.d.Q(ctx).ExecContext(ctx, q, args...)
}

// Close closes the set's statements (a set made for one task, such as a bulk load).
func (p *Prepared) Close() error {
	var first error
	for _, st := range p.stmts {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
