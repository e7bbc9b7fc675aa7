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
		stored := map[string]bool{}
		rows, err := d.R.QueryContext(ctx, `SELECT name FROM counters WHERE name LIKE 'g%'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			stored[n] = true
		}
		rows.Close()
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
