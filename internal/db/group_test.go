package db_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// Many writers at once, some of them failing, panicking or breaking the transaction
// outright: on SQLite they share transactions (group commit), and still every caller
// whose WithTx returned nil has its row and its after-commit hook, and every other caller
// has neither — whatever group it landed in. Same property on PostgreSQL (one transaction
// each).
func TestGroupCommitKeepsExactlyTheAcknowledged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const writers = 400
		type outcome struct {
			err      error
			panicked bool
			hooked   bool
		}
		out := make([]outcome, writers)
		var sawOwnRow atomic.Int64
		var wg sync.WaitGroup
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					if p := recover(); p != nil {
						out[i].panicked = true
					}
				}()
				mode := rand.IntN(10)
				out[i].err = d.WithTx(ctx, func(ctx context.Context) error {
					if _, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)`, fmt.Sprintf("g%d", i), i); err != nil {
						return err
					}
					// The transaction sees its own row.
					var v int
					if err := d.Q(ctx).QueryRowContext(ctx, `SELECT value FROM counters WHERE name = $1`, fmt.Sprintf("g%d", i)).Scan(&v); err == nil && v == i {
						sawOwnRow.Add(1)
					}
					db.AfterCommit(ctx, func() { out[i].hooked = true })
					switch mode {
					case 0:
						return errors.New("refused")
					case 1:
						panic("boom")
					case 2:
						// A duplicate key: the statement fails, the caller gives up.
						_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, 0)`, fmt.Sprintf("g%d", i))
						return err
					case 3:
						return db.BeforeCommit(ctx, func(ctx context.Context) error { return errors.New("hook refused") })
					}
					return nil
				})
			}()
		}
		wg.Wait()
		if int(sawOwnRow.Load()) != writers {
			t.Errorf("%d of %d transactions saw their own row", sawOwnRow.Load(), writers)
		}
		stored := storedCounters(t, d, "g%")
		acked, refused := 0, 0
		for i, o := range out {
			ok := o.err == nil && !o.panicked
			if ok {
				acked++
			} else {
				refused++
			}
			if stored[fmt.Sprintf("g%d", i)] != ok {
				t.Errorf("writer %d: acknowledged %v (err %v, panicked %v) but stored %v", i, ok, o.err, o.panicked, stored[fmt.Sprintf("g%d", i)])
			}
			if o.hooked != ok {
				t.Errorf("writer %d: acknowledged %v, after-commit hook ran %v", i, ok, o.hooked)
			}
		}
		if acked == 0 || refused == 0 || len(stored) != acked {
			t.Errorf("%d acknowledged, %d refused, %d stored", acked, refused, len(stored))
		}
	})
}

// A caller that ends the shared transaction behind the committer's back (a ROLLBACK of
// its own) breaks the group: the callers already in it are told so, and nothing of the
// group is kept; the next group works.
func TestGroupCommitSurvivesABrokenTransaction(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := context.Background()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.WithTx(ctx, func(ctx context.Context) error {
				if _, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, 1)`, fmt.Sprintf("b%d", i)); err != nil {
					return err
				}
				if i%7 == 3 {
					_, _ = d.Q(ctx).ExecContext(ctx, `ROLLBACK`)
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		var n int
		if qerr := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM counters WHERE name = $1`, fmt.Sprintf("b%d", i)).Scan(&n); qerr != nil {
			t.Fatal(qerr)
		}
		if (err == nil) != (n == 1) {
			t.Errorf("writer %d: err %v, stored %d", i, err, n)
		}
	}
	if err := d.WithTx(ctx, func(ctx context.Context) error {
		_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ('after', 1)`)
		return err
	}); err != nil {
		t.Fatalf("the next transaction: %v", err)
	}
}

// Redoable held transactions (the API's keyed requests) share groups without savepoints
// of their own, beside plain WithTx callers that keep theirs; some fail before writing,
// some after, some on a duplicate key in End. Whatever the groups were, every caller
// acknowledged has its row and its hook and no other caller has either; a redoable caller
// told ErrRedo has nothing stored and runs again. On SQLite the redo must have happened:
// the test would not show the rule otherwise.
func TestGroupCommitRedoesBareTurns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		bg := context.Background()
		const writers = 1500
		type outcome struct {
			acked, hooked bool
			err           error
		}
		out := make([]outcome, writers)
		var redos, stale atomic.Int64
		name := func(i int) string { return fmt.Sprintf("r%d", i) }
		insert := func(ctx context.Context, i int) error {
			_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)`, name(i), i)
			return err
		}
		held := func(i, mode int) error {
			ctx, h := d.HoldTx(bg)
			h.Redoable()
			defer h.Abort()
			if mode == 0 {
				// Fails having only read: nothing to undo.
				err := d.WithTx(ctx, func(ctx context.Context) error {
					var n int
					if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM counters`).Scan(&n); err != nil {
						return err
					}
					return errors.New("refused after reading")
				})
				h.Abort()
				return err
			}
			if err := d.WithTx(ctx, func(ctx context.Context) error { return insert(ctx, i) }); err != nil {
				return err
			}
			var v int
			if err := d.RQ(ctx).QueryRowContext(ctx, `SELECT value FROM counters WHERE name = $1`, name(i)).Scan(&v); err != nil || v != i {
				stale.Add(1)
			}
			db.AfterCommit(ctx, func() { out[i].hooked = true })
			switch mode {
			case 1, 2:
				h.Abort() // gives up after writing
				return errors.New("aborted after writing")
			case 3:
				// A duplicate key in End's last statement.
				return h.End(bg, func(ctx context.Context) error { return insert(ctx, i) })
			}
			return h.End(bg, nil)
		}
		var wg sync.WaitGroup
		start := make(chan struct{}) // all at once: long queues, large groups
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				mode := rand.IntN(10)
				if i%5 == 0 {
					// A plain caller, with its savepoint.
					out[i].err = d.WithTx(bg, func(ctx context.Context) error {
						if err := insert(ctx, i); err != nil {
							return err
						}
						db.AfterCommit(ctx, func() { out[i].hooked = true })
						if mode < 2 {
							return errors.New("refused")
						}
						return nil
					})
					out[i].acked = out[i].err == nil
					return
				}
				for {
					err := held(i, mode)
					if errors.Is(err, db.ErrRedo) {
						redos.Add(1)
						var n int
						if qerr := d.R.QueryRowContext(bg, `SELECT COUNT(*) FROM counters WHERE name = $1`, name(i)).Scan(&n); qerr != nil || n != 0 {
							t.Errorf("writer %d told to redo, but its row is stored (%d, %v)", i, n, qerr)
						}
						out[i].hooked = false
						continue
					}
					out[i].err, out[i].acked = err, err == nil
					return
				}
			}()
		}
		close(start)
		wg.Wait()
		if n := stale.Load(); n > 0 {
			t.Errorf("%d held transactions did not read back their own row", n)
		}
		stored := storedCounters(t, d, "r%")
		acked := 0
		for i, o := range out {
			if o.acked {
				acked++
			}
			if stored[name(i)] != o.acked || o.hooked != o.acked {
				t.Errorf("writer %d: acknowledged %v (err %v), stored %v, hook ran %v", i, o.acked, o.err, stored[name(i)], o.hooked)
			}
		}
		if acked == 0 || acked == writers || len(stored) != acked {
			t.Errorf("%d of %d acknowledged, %d stored", acked, writers, len(stored))
		}
		if d.Engine == db.SQLite && redos.Load() == 0 {
			t.Error("no caller was told to redo: the bare turns were never rolled back for another")
		}
		t.Logf("%s: %d acknowledged of %d, %d redos", d.Engine, acked, writers, redos.Load())
	})
}

// storedCounters is the set of counters' names LIKE pattern, as the readers see them.
func storedCounters(t *testing.T, d *db.DB, pattern string) map[string]bool {
	t.Helper()
	stored := map[string]bool{}
	rows, err := d.R.QueryContext(context.Background(), `SELECT name FROM counters WHERE name LIKE $1`, pattern)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		stored[n] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return stored
}
