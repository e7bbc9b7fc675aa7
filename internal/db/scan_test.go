package db_test

import (
	"context"
	"testing"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// db.Int64 reads what a plain *int64 reads — integers of either engine, large and
// negative ones too, an integer written as text — and refuses what it refuses: NULL and
// text that is not a number.
func TestInt64ScansAsInt64Does(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, q := range []string{`SELECT 42`, `SELECT -9007199254740993`, `SELECT CAST(9223372036854775807 AS BIGINT)`, `SELECT '17'`,
			`SELECT value FROM counters WHERE name = 'none' UNION ALL SELECT 5`} {
			var want int64
			werr := d.R.QueryRowContext(ctx, q).Scan(&want)
			var got int64
			gerr := d.R.QueryRowContext(ctx, q).Scan((*db.Int64)(&got))
			if werr != nil || gerr != nil || got != want {
				t.Errorf("%s: *int64 %d (%v), db.Int64 %d (%v)", q, want, werr, got, gerr)
			}
		}
		for _, q := range []string{`SELECT NULL`, `SELECT 'seventeen'`} {
			var want int64
			werr := d.R.QueryRowContext(ctx, q).Scan(&want)
			got := int64(-1)
			gerr := d.R.QueryRowContext(ctx, q).Scan((*db.Int64)(&got))
			if werr == nil || gerr == nil || got != -1 {
				t.Errorf("%s: *int64 refused it: %v; db.Int64 %d, %v", q, werr, got, gerr)
			}
		}
	})
}
