package db

import (
	"context"
	"database/sql"
	"strings"
)

// The statements of SQLite's writer turn run without their context's Done channel. For a
// statement whose context can end, modernc's driver starts a goroutine that interrupts
// SQLite when it does, and ends it when the statement returns: a goroutine started and
// woken for every statement, about ten in an intake, inside the single writer's turn. A
// trace of API intake (200,000 appeals, 16 clients, 3 s) had the turn's holder waiting to
// run again for 260 ms of the turns' 1,860 ms, most of it after those wake-ups; quiet, 111
// ms (docs/benchmarks.md). A turn's statements are short and the group's commit waits for
// a cancelled caller in any case; a context that has ended is still seen: the statement is
// not started (quiet hands it over as it is, and database/sql refuses it), and code between
// statements sees Err as before. (database/sql itself still watches the rows of a query in
// a transaction: it watches the transaction's own context, which can always end.)

// quietCtx is a context's values, deadline and Err without its Done channel.
type quietCtx struct{ context.Context }

func (quietCtx) Done() <-chan struct{} { return nil }

// quiet is ctx for one statement of a writer's turn: as it is when it has ended (the
// statement is refused) or cannot end, else without its Done channel.
func quiet(ctx context.Context) context.Context {
	if ctx.Done() == nil || ctx.Err() != nil {
		return ctx
	}
	return quietCtx{ctx}
}

// turnTx is the transaction of a writer's turn as Q, RQ and RQOnce hand it out: each
// statement runs with quiet(ctx), and one that may write marks the turn (txState.wrote).
type turnTx struct{ st *txState }

func (t turnTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.st.wrote = true
	return t.st.tx.ExecContext(quiet(ctx), query, args...)
}

func (t turnTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.st.mark(query)
	return t.st.tx.QueryContext(quiet(ctx), query, args...)
}

func (t turnTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	t.st.mark(query)
	return t.st.tx.QueryRowContext(quiet(ctx), query, args...)
}

// PrepareContext prepares a statement in the transaction (the bulk writer's multi-row
// INSERTs, parsed once for all their full chunks); what it will run is not known, so the
// turn counts as writing.
func (t turnTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	t.st.wrote = true
	return t.st.tx.PrepareContext(quiet(ctx), query)
}

// querier is the transaction for statements: quiet in a writer's turn (SQLite).
func (st *txState) querier() Querier {
	if st.quiet {
		return turnTx{st}
	}
	return st.tx
}

// mark records that the turn ran query unless it only reads.
func (st *txState) mark(query string) {
	if !readOnly(query) {
		st.wrote = true
	}
}

// readOnly reports whether statement q only reads: it begins with SELECT (SQLite runs no
// write in a SELECT). Anything else — a WITH, an INSERT … RETURNING — may write.
func readOnly(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n(")
	return len(q) >= 6 && strings.EqualFold(q[:6], "select")
}
