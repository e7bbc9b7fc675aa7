package db_test

import (
	"context"
	"fmt"
	"testing"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

const insertLogSQL = `INSERT INTO audit_log (at, actor_id, actor_name, actor_ip, action, object_type, object_id, result, summary, prev_hash, hash)
	VALUES ($1, $2, $3, '', $4, 'appeal', $5, 'ok', '', '', 'h') RETURNING id`

// Insert gives the id an INSERT … RETURNING id gives, on both engines, inside a
// transaction and outside one, prepared or not; a statement without the clause is refused.
func TestPreparedInsert(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, prep := range []*db.Prepared{d.Prepare(insertLogSQL), d.Prepare()} {
			var viaInsert, viaReturning int64
			err := d.WithTx(ctx, func(ctx context.Context) error {
				var err error
				if viaInsert, err = prep.Insert(ctx, insertLogSQL, 1, 7, "甲", "a.create", "1"); err != nil {
					return err
				}
				return prep.WRow(ctx, insertLogSQL, 2, 7, "乙", "a.create", "2").Scan(&viaReturning)
			})
			if err != nil {
				t.Fatal(err)
			}
			outside, err := prep.Insert(ctx, insertLogSQL, 3, 7, "丙", "a.create", "3")
			if err != nil {
				t.Fatal(err)
			}
			if viaInsert == 0 || viaReturning != viaInsert+1 || outside != viaReturning+1 {
				t.Fatalf("ids %d, %d, %d: want three in a row", viaInsert, viaReturning, outside)
			}
			for id, name := range map[int64]string{viaInsert: "甲", outside: "丙"} {
				var got string
				if err := d.R.QueryRowContext(ctx, `SELECT actor_name FROM audit_log WHERE id = $1`, id).Scan(&got); err != nil || got != name {
					t.Fatalf("row %d: %q, %v; want %q", id, got, err, name)
				}
			}
		}
		if _, err := d.Prepare().Insert(ctx, `INSERT INTO counters (name, value) VALUES ('x', 1)`); err == nil {
			t.Fatal("an INSERT without RETURNING id was run")
		}
	})
}

// BenchmarkPreparedInsert compares an audit entry's insert (three indexes) run with its
// RETURNING clause as a query and through Insert, 100 to a transaction:
//
//	go test ./internal/db -run XXX -bench BenchmarkPreparedInsert -count 3
func BenchmarkPreparedInsert(b *testing.B) {
	for _, mode := range []string{"returning", "insert"} {
		b.Run(mode, func(b *testing.B) {
			d := dbtest.Open(b, db.SQLite)
			ctx := context.Background()
			if _, err := d.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			prep := d.Prepare(insertLogSQL)
			b.ResetTimer()
			for i := 0; i < b.N; i += 100 {
				err := d.WithTx(ctx, func(ctx context.Context) error {
					for j := i; j < min(i+100, b.N); j++ {
						args := []any{j, 7, "操作员", "appeal.create", fmt.Sprint(j)}
						var id int64
						var err error
						if mode == "insert" {
							id, err = prep.Insert(ctx, insertLogSQL, args...)
						} else {
							err = prep.WRow(ctx, insertLogSQL, args...).Scan(&id)
						}
						if err != nil || id == 0 {
							return fmt.Errorf("id %d: %v", id, err)
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
