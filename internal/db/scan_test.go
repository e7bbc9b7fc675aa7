package db_test

import (
	"context"
	"testing"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// db.Int64 and db.Float64 read what a plain *int64 and *float64 read — either engine's
// integers and floats, large and negative ones, a number written as text — and refuse what
// those refuse: NULL and text that is not a number.
func TestScannersScanAsDatabaseSQLDoes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// agree scans q's one value into plain and into ours: both refuse it, or both
		// take it and give the same value.
		agree := func(q string, plain, ours any, same func() bool) {
			t.Helper()
			perr := d.R.QueryRowContext(ctx, q).Scan(plain)
			oerr := d.R.QueryRowContext(ctx, q).Scan(ours)
			if (perr == nil) != (oerr == nil) || (perr == nil && !same()) {
				t.Errorf("%s: database/sql's %v (%v), ours %v (%v)", q, plain, perr, ours, oerr)
			}
		}
		refused := 0
		for _, q := range []string{`SELECT 42`, `SELECT -9007199254740993`, `SELECT CAST(9223372036854775807 AS BIGINT)`, `SELECT '17'`,
			`SELECT value FROM counters WHERE name = 'none' UNION ALL SELECT 5`, `SELECT NULL`, `SELECT 'seventeen'`, `SELECT 2.0`, `SELECT 1.5`} {
			var plain, ours int64
			agree(q, &plain, (*db.Int64)(&ours), func() bool { return plain == ours })
			if d.R.QueryRowContext(ctx, q).Scan((*db.Int64)(&ours)) != nil {
				refused++
			}
		}
		for _, q := range []string{`SELECT 1.5`, `SELECT CAST(0.25 AS REAL)`, `SELECT 2`, `SELECT '2.75'`, `SELECT NULL`, `SELECT 'x'`} {
			var plain, ours float64
			agree(q, &plain, (*db.Float64)(&ours), func() bool { return plain == ours })
			if d.R.QueryRowContext(ctx, q).Scan((*db.Float64)(&ours)) != nil {
				refused++
			}
		}
		if refused < 5 { // PostgreSQL's 2.0 is a numeric, which database/sql refuses for an *int64 too
			t.Errorf("%d values refused, want at least 5 (NULL and a word into either, 1.5 into an integer)", refused)
		}
	})
}
