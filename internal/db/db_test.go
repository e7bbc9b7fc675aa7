package db_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

func TestMigrateAndCurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.CheckCurrent(ctx); err != nil {
			t.Fatalf("after migrate: %v", err)
		}
		n, err := d.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second migrate applied %d, err %v; want 0, nil", n, err)
		}
	})
}

func TestPendingMigrationsAreReported(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	if err := d.CheckCurrent(context.Background()); !errors.Is(err, db.ErrMigrationsPending) {
		t.Fatalf("empty database: got %v, want ErrMigrationsPending", err)
	}
}

func TestWithTxJoinsOuterAndRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.WithTx(ctx, func(ctx context.Context) error {
			if _, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)`, "outer", 1); err != nil {
				return err
			}
			// The inner call joins: its write is undone with the outer rollback.
			if err := d.WithTx(ctx, func(ctx context.Context) error {
				_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)`, "inner", 2)
				return err
			}); err != nil {
				return err
			}
			var n int
			if err := d.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM counters`).Scan(&n); err != nil {
				return err
			}
			if n != 2 {
				t.Errorf("inside the transaction: %d rows, want 2", n)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
		var n int
		if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM counters`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("after rollback: %d rows, want 0", n)
		}
	})
}

func TestAfterCommitRunsOnlyOnCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ran := 0
		_ = d.WithTx(ctx, func(ctx context.Context) error {
			db.AfterCommit(ctx, func() { ran++ })
			return errors.New("rollback")
		})
		if ran != 0 {
			t.Fatalf("after rollback ran %d times", ran)
		}
		_ = d.WithTx(ctx, func(ctx context.Context) error {
			db.AfterCommit(ctx, func() { ran++ })
			return nil
		})
		if ran != 1 {
			t.Fatalf("after commit ran %d times, want 1", ran)
		}
	})
}

// OnFirstTx's work shares the first transaction that commits: it runs first in it, is
// undone with a rollback (and runs again in the next transaction), runs in no later
// transaction, and its error fails the transaction before the transaction's own work.
func TestOnFirstTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		count := func(name string) int {
			t.Helper()
			var n int
			if err := d.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM counters WHERE name = $1`, name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		insert := func(name string) func(ctx context.Context) error {
			return func(ctx context.Context) error {
				_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, 1)`, name)
				return err
			}
		}
		runs := 0
		ctx, first := db.OnFirstTx(context.Background(), func(ctx context.Context) error {
			runs++
			return insert("claim")(ctx)
		})
		boom := errors.New("boom")
		if err := d.WithTx(ctx, func(ctx context.Context) error {
			if runs != 1 {
				t.Errorf("the transaction's work began after %d runs of the first work", runs)
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
		if first.Committed() || count("claim") != 0 {
			t.Fatalf("after a rollback: committed %v, %d claims", first.Committed(), count("claim"))
		}
		if err := d.WithTx(ctx, insert("a")); err != nil {
			t.Fatal(err)
		}
		if err := d.WithTx(ctx, insert("b")); err != nil {
			t.Fatal(err)
		}
		if runs != 2 || !first.Committed() || count("claim") != 1 || count("a") != 1 || count("b") != 1 {
			t.Fatalf("runs %d, committed %v, claims %d, a %d, b %d; want 2, true, 1, 1, 1", runs, first.Committed(), count("claim"), count("a"), count("b"))
		}
		// Its error fails the transaction, whose own work does not run.
		ctx, first = db.OnFirstTx(context.Background(), insert("claim")) // a duplicate key
		ran := false
		err := d.WithTx(ctx, func(ctx context.Context) error {
			ran = true
			return insert("c")(ctx)
		})
		if !db.IsUniqueViolation(err) || ran || first.Committed() || count("c") != 0 {
			t.Fatalf("a failing first work: %v, own work ran %v, committed %v, c %d", err, ran, first.Committed(), count("c"))
		}
	})
}

// BeforeCommit hooks run last inside the transaction (they see its writes, their error
// rolls it all back).
func TestBeforeCommitAndOutside(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		count := func(name string) int {
			var n int
			if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM counters WHERE name = $1`, name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		var order []string
		err := d.WithTx(ctx, func(ctx context.Context) error {
			if err := db.BeforeCommit(ctx, func(ctx context.Context) error {
				order = append(order, "hook")
				var n int
				if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM counters WHERE name = 'bc-in'`).Scan(&n); err != nil || n != 1 {
					return fmt.Errorf("the hook does not see the transaction's row: %d %v", n, err)
				}
				// A hook registered by a hook runs too.
				return db.BeforeCommit(ctx, func(context.Context) error { order = append(order, "nested"); return nil })
			}); err != nil {
				return err
			}
			if _, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ('bc-in', 1)`); err != nil {
				return err
			}
			order = append(order, "body")
			return nil
		})
		if err != nil || strings.Join(order, ",") != "body,hook,nested" || count("bc-in") != 1 {
			t.Fatalf("commit with hooks: %v, order %v, rows %d", err, order, count("bc-in"))
		}
		err = d.WithTx(ctx, func(ctx context.Context) error {
			if _, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ('bc-rolled', 1)`); err != nil {
				return err
			}
			return db.BeforeCommit(ctx, func(context.Context) error { return errors.New("refused") })
		})
		if err == nil || count("bc-rolled") != 0 {
			t.Fatalf("a failing hook: err %v, rolled-back rows %d", err, count("bc-rolled"))
		}
	})
}

func TestConcurrentWritersSerialise(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.W.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ('c', 0)`); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- d.WithTx(ctx, func(ctx context.Context) error {
					var v int
					if err := d.Q(ctx).QueryRowContext(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'c' RETURNING value`).Scan(&v); err != nil {
						return err
					}
					return nil
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var v int
		if err := d.R.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'c'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != 40 {
			t.Fatalf("counter %d, want 40", v)
		}
	})
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.W.ExecContext(ctx, `INSERT INTO audit_log (at, actor_name, action, prev_hash, hash) VALUES (1, 'x', 'a', '', 'h')`); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`UPDATE audit_log SET action = 'b'`, `DELETE FROM audit_log`} {
			if _, err := d.W.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: got %v, want append-only refusal", q, err)
			}
		}
	})
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := `INSERT INTO counters (name, value) VALUES ('u', 1)`
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
		_, err := d.W.ExecContext(ctx, q)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("got %v, want a unique violation", err)
		}
	})
}

// modernc.org/sqlite is a translation of C that runs on modernc.org/libc; the two must be
// the exact pair sqlite was released with, or memory corruption follows. Another module
// (goose, say) asking for a newer libc would silently lift it: this test fails when it does.
func TestLibcMatchesSQLite(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "modernc.org/sqlite", "modernc.org/libc").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	v := strings.Fields(string(out))
	if len(v) != 2 {
		t.Fatalf("go list printed %q", out)
	}
	graph, err := exec.Command("go", "mod", "graph").Output()
	if err != nil {
		t.Fatalf("go mod graph: %v", err)
	}
	want := ""
	prefix := fmt.Sprintf("modernc.org/sqlite@%s modernc.org/libc@", v[0])
	for _, line := range strings.Split(string(graph), "\n") {
		if strings.HasPrefix(line, prefix) {
			want = strings.TrimPrefix(line, prefix)
		}
	}
	if want == "" {
		t.Fatalf("modernc.org/sqlite@%s names no libc in go mod graph", v[0])
	}
	if v[1] != want {
		t.Fatalf("modernc.org/libc is %s but modernc.org/sqlite %s requires exactly %s: pin it in go.mod", v[1], v[0], want)
	}
}

// PostgreSQL connections plan every statement with its parameters' values, without JIT
// compilation or parallel workers (pgDSN).
func TestPostgresPlansWithTheValues(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if d.Engine != db.Postgres {
			return
		}
		var mode, jit string
		if err := d.R.QueryRowContext(context.Background(), `SHOW plan_cache_mode`).Scan(&mode); err != nil || mode != "force_custom_plan" {
			t.Fatalf("plan_cache_mode %q (%v)", mode, err)
		}
		// and without JIT compilation or parallel workers
		if err := d.R.QueryRowContext(context.Background(), `SHOW jit`).Scan(&jit); err != nil || jit != "off" {
			t.Fatalf("jit %q (%v)", jit, err)
		}
		var workers string
		if err := d.R.QueryRowContext(context.Background(), `SHOW max_parallel_workers_per_gather`).Scan(&workers); err != nil || workers != "0" {
			t.Fatalf("max_parallel_workers_per_gather %q (%v)", workers, err)
		}
		// The pool of statements bound only to ids keeps generic plans, joins by nested
		// loops only, and is otherwise like the other.
		g := d.RQGeneric(context.Background())
		for _, c := range []struct{ name, want string }{
			{"plan_cache_mode", "force_generic_plan"}, {"enable_mergejoin", "off"}, {"enable_hashjoin", "off"}, {"jit", "off"},
			{"max_parallel_workers_per_gather", "0"}, {"random_page_cost", "1.1"},
		} {
			var v string
			if err := g.QueryRowContext(context.Background(), `SHOW `+c.name).Scan(&v); err != nil || v != c.want {
				t.Errorf("RQGeneric: %s %q (%v), want %q", c.name, v, err, c.want)
			}
		}
		for _, join := range []string{"enable_mergejoin", "enable_hashjoin"} {
			var v string
			if err := d.R.QueryRowContext(context.Background(), `SHOW `+join).Scan(&v); err != nil || v != "on" {
				t.Errorf("R: %s %q (%v), want on", join, v, err)
			}
		}
		// The writer — and every transaction — keeps PostgreSQL's own plan cache mode.
		for _, c := range []struct{ name, want string }{
			{"plan_cache_mode", "auto"}, {"enable_mergejoin", "on"}, {"enable_hashjoin", "on"}, {"jit", "off"}, {"max_parallel_workers_per_gather", "0"},
		} {
			var v string
			if err := d.W.QueryRowContext(context.Background(), `SHOW `+c.name).Scan(&v); err != nil || v != c.want {
				t.Errorf("W: %s %q (%v), want %q", c.name, v, err, c.want)
			}
		}
		err := d.WithTx(context.Background(), func(ctx context.Context) error {
			var v string
			if err := d.Q(ctx).QueryRowContext(ctx, `SHOW plan_cache_mode`).Scan(&v); err != nil || v != "auto" {
				t.Errorf("in a transaction: plan_cache_mode %q (%v), want auto", v, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// SQLite's writer copies the WAL back after WriterCheckpointPages, not SQLite's 1,000;
// the readers never write, and keep the default.
func TestWriterCheckpointsLessOften(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := context.Background()
	var w, r int
	if err := d.W.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&w); err != nil {
		t.Fatal(err)
	}
	if err := d.R.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&r); err != nil {
		t.Fatal(err)
	}
	if w != db.WriterCheckpointPages || r != 1000 {
		t.Fatalf("wal_autocheckpoint: writer %d, reader %d; want %d and 1000", w, r, db.WriterCheckpointPages)
	}
}
