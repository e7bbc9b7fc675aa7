package db_test

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"modernc.org/sqlite"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// watchers counts the goroutines modernc's driver has running to watch a statement's
// context.
func watchers() int64 {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return int64(bytes.Count(buf[:n], []byte("created by modernc.org/sqlite.interruptOnDone")))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// watchers() answers it from inside a statement.
func init() {
	sqlite.MustRegisterScalarFunction("watchers", 0, func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
		return watchers(), nil
	})
}

// The statements of SQLite's writer turn — in a WithTx and in a held transaction, on Q
// and as a prepared statement; Q in a turn prepares (the bulk writer relies on it) — start no goroutine to watch their context (quiet.go),
// while the same statement on the writer outside a turn does; and a context that has
// ended still stops the turn's next statement.
func TestTurnStatementsStartNoWatchers(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	bg := context.Background()
	if _, err := d.Migrate(bg); err != nil {
		t.Fatal(err)
	}
	const ins = `INSERT INTO counters (name, value) VALUES ($1, watchers()) RETURNING value`
	prep := d.Prepare(ins)
	n := 0
	// started is how many watchers were running during the statement; those of earlier
	// statements, told to end when theirs did, are let go first.
	started := func(t *testing.T, run func(name string) (int, error)) int {
		t.Helper()
		for i := 0; watchers() > 0; i++ {
			if i == 10000 {
				t.Fatal("the watchers of earlier statements do not end")
			}
			runtime.Gosched()
		}
		n++
		during, err := run(fmt.Sprintf("g%d", n))
		if err != nil {
			t.Fatal(err)
		}
		return during
	}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	if k := started(t, func(name string) (v int, err error) {
		err = d.W.QueryRowContext(ctx, ins, name).Scan(&v)
		return v, err
	}); k != 1 {
		t.Fatalf("a statement outside a turn ran with %d watchers, want 1: this test cannot see them", k)
	}
	check := func(t *testing.T, ctx context.Context) {
		t.Helper()
		for name, run := range map[string]func(string) (int, error){
			"Q": func(name string) (v int, err error) {
				err = d.Q(ctx).QueryRowContext(ctx, ins, name).Scan(&v)
				return v, err
			},
			"prepared": func(name string) (v int, err error) {
				err = prep.WRow(ctx, ins, name).Scan(&v)
				return v, err
			},
		} {
			if k := started(t, run); k != 0 {
				t.Errorf("%s in the turn: %d watchers", name, k)
			}
		}
	}
	tctx, tcancel := context.WithCancel(bg)
	err := d.WithTx(tctx, func(ctx context.Context) error {
		check(t, ctx)
		if _, ok := d.Q(ctx).(db.Preparer); !ok {
			t.Errorf("Q in a turn is a %T: it does not prepare", d.Q(ctx))
		}
		tcancel()
		return insertCounter(ctx, d, "after-cancel", 1)
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("a statement after the cancel: %v, want context.Canceled", err)
	}
	if v := counter(t, d, "after-cancel"); v != -1 {
		t.Errorf("the row written after the cancel is stored (%d)", v)
	}
	hctx, h := d.HoldTx(ctx)
	defer h.Abort()
	if err := d.WithTx(hctx, func(ctx context.Context) error { return insertCounter(ctx, d, "held", 1) }); err != nil {
		t.Fatal(err)
	}
	check(t, hctx)
	if err := h.End(hctx, nil); err != nil {
		t.Fatal(err)
	}
	if v := counter(t, d, "held"); v != 1 {
		t.Errorf("the held transaction's row: %d", v)
	}
}
