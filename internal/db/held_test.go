package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// counter reads a counter through the reader pool (what other requests see); -1 when
// the row is missing.
func counter(t *testing.T, d *db.DB, name string) int {
	t.Helper()
	var v int
	err := d.R.QueryRowContext(context.Background(), `SELECT value FROM counters WHERE name = $1`, name).Scan(&v)
	if db.IsNoRows(err) {
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func insertCounter(ctx context.Context, d *db.DB, name string, v int) error {
	_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)`, name, v)
	return err
}

// A held transaction begins at the first WithTx, stays open when it returns (its rows
// unseen by others, read back by the request), takes later writes and End's last
// statement, and commits them together; Abort keeps none of them.
func TestHeldTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		bg := context.Background()
		t.Run("end commits everything together", func(t *testing.T) {
			ctx, h := d.HoldTx(bg)
			defer h.Abort()
			if db.InTx(ctx) || h.Began() {
				t.Fatal("a held transaction began before any write")
			}
			if err := d.WithTx(ctx, func(ctx context.Context) error { return insertCounter(ctx, d, "h1", 1) }); err != nil {
				t.Fatal(err)
			}
			if !db.InTx(ctx) || !h.Began() {
				t.Fatal("the first WithTx did not begin the held transaction")
			}
			if got := counter(t, d, "h1"); got != -1 {
				t.Fatalf("another reader sees the held row before End: %d", got)
			}
			var v int
			if err := d.RQ(ctx).QueryRowContext(ctx, `SELECT value FROM counters WHERE name = $1`, "h1").Scan(&v); err != nil || v != 1 {
				t.Fatalf("the request does not read back its own row: %d, %v", v, err)
			}
			if err := d.WithTx(ctx, func(ctx context.Context) error { return insertCounter(ctx, d, "h2", 2) }); err != nil {
				t.Fatal(err)
			}
			hooked := false
			db.AfterCommit(ctx, func() { hooked = true })
			if err := h.End(bg, func(ctx context.Context) error { return insertCounter(ctx, d, "h3", 3) }); err != nil {
				t.Fatal(err)
			}
			if counter(t, d, "h1") != 1 || counter(t, d, "h2") != 2 || counter(t, d, "h3") != 3 || !hooked {
				t.Fatalf("after End: h1 %d h2 %d h3 %d, hook ran %v", counter(t, d, "h1"), counter(t, d, "h2"), counter(t, d, "h3"), hooked)
			}
		})
		t.Run("abort keeps nothing", func(t *testing.T) {
			ctx, h := d.HoldTx(bg)
			if err := d.WithTx(ctx, func(ctx context.Context) error { return insertCounter(ctx, d, "a1", 1) }); err != nil {
				t.Fatal(err)
			}
			hooked := false
			db.AfterCommit(ctx, func() { hooked = true })
			h.Abort()
			h.Abort() // twice is harmless
			if got := counter(t, d, "a1"); got != -1 || hooked {
				t.Fatalf("after Abort: a1 %d, hook ran %v", got, hooked)
			}
			if err := h.End(bg, nil); err == nil {
				t.Fatal("End after Abort succeeded")
			}
		})
		t.Run("a failing last statement keeps nothing", func(t *testing.T) {
			ctx, h := d.HoldTx(bg)
			if err := d.WithTx(ctx, func(ctx context.Context) error { return insertCounter(ctx, d, "f1", 1) }); err != nil {
				t.Fatal(err)
			}
			refused := errors.New("refused")
			if err := h.End(bg, func(ctx context.Context) error { return refused }); !errors.Is(err, refused) {
				t.Fatalf("End returned %v, want the last statement's error", err)
			}
			if got := counter(t, d, "f1"); got != -1 {
				t.Fatalf("the held row was kept after its last statement failed: %d", got)
			}
		})
		t.Run("nothing written", func(t *testing.T) {
			_, h := d.HoldTx(bg)
			if err := h.End(bg, nil); err != nil {
				t.Fatal(err)
			}
			_, h = d.HoldTx(bg)
			if err := h.End(bg, func(ctx context.Context) error {
				if !db.InTx(ctx) {
					return errors.New("last ran outside a transaction")
				}
				return insertCounter(ctx, d, "n1", 1)
			}); err != nil {
				t.Fatal(err)
			}
			if got := counter(t, d, "n1"); got != 1 {
				t.Fatalf("End without an earlier write did not commit its last statement: %d", got)
			}
		})
		t.Run("a panic in the last statement releases the writer", func(t *testing.T) {
			ctx, h := d.HoldTx(bg)
			if err := d.WithTx(ctx, func(ctx context.Context) error { return insertCounter(ctx, d, "p1", 1) }); err != nil {
				t.Fatal(err)
			}
			func() {
				defer func() { _ = recover() }()
				_ = h.End(bg, func(ctx context.Context) error { panic("boom") })
			}()
			h.Abort() // after End: nothing to do
			if err := d.WithTx(bg, func(ctx context.Context) error { return insertCounter(ctx, d, "p2", 2) }); err != nil {
				t.Fatal(err)
			}
			if counter(t, d, "p1") != -1 || counter(t, d, "p2") != 2 {
				t.Fatalf("after the panic: p1 %d (want none), p2 %d", counter(t, d, "p1"), counter(t, d, "p2"))
			}
		})
		t.Run("others writing meanwhile keep their work", func(t *testing.T) {
			ctx, h := d.HoldTx(bg)
			if err := d.WithTx(ctx, func(ctx context.Context) error { return insertCounter(ctx, d, "o1", 1) }); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 8)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = d.WithTx(bg, func(ctx context.Context) error { return insertCounter(ctx, d, "o-other-"+string(rune('a'+i)), i) })
				}()
			}
			h.Abort()
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("writer %d: %v", i, err)
				}
				if got := counter(t, d, "o-other-"+string(rune('a'+i))); got != i {
					t.Fatalf("writer %d's row: %d", i, got)
				}
			}
			if got := counter(t, d, "o1"); got != -1 {
				t.Fatalf("the aborted held row was kept: %d", got)
			}
		})
	})
}
