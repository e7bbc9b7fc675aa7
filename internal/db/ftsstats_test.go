package db_test

import (
	"context"
	"strings"
	"testing"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// After ANALYZE of an empty FTS5 table (its data table holds two rows), as a bulk load
// leaves it before its search index is built, SQLite scans its whole data table to
// delete a range of rowids; told the table is large it searches the range, and the
// other tables keep their statistics.
func TestFixFTSStatsRestoresRowidRanges(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE VIRTUAL TABLE zz_fts USING fts5(terms, content='', contentless_delete=1)`,
		`CREATE TABLE zz_plain (id INTEGER PRIMARY KEY, k INTEGER)`,
		`CREATE INDEX zz_plain_k ON zz_plain (k)`,
		`INSERT INTO zz_plain (id, k) VALUES (1, 1), (2, 1), (3, 2)`,
	} {
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// The writer's connection: the one that reloads the statistics.
	plan := func() string {
		t.Helper()
		return dbtest.SQLitePlan(t, d.W, `DELETE FROM zz_fts_data WHERE id >= ? AND id <= ?`, 1, 2)
	}
	if err := d.FixFTSStats(ctx); err != nil { // never analysed: nothing to do
		t.Fatal(err)
	}
	if _, err := d.W.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	if p := plan(); !strings.Contains(p, "SCAN") {
		t.Fatalf("after ANALYZE the delete's plan is %q; the case this guards against is gone", p)
	}
	if err := d.FixFTSStats(ctx); err != nil {
		t.Fatal(err)
	}
	if p := plan(); !strings.Contains(p, "INTEGER PRIMARY KEY") {
		t.Errorf("after FixFTSStats the delete's plan is %q, want a rowid range", p)
	}
	var fts, plain string
	if err := d.W.QueryRowContext(ctx, `SELECT (SELECT group_concat(stat) FROM sqlite_stat1 WHERE tbl LIKE 'zz_fts%'),
		(SELECT stat FROM sqlite_stat1 WHERE tbl = 'zz_plain')`).Scan(&fts, &plain); err != nil {
		t.Fatal(err)
	}
	if fts != "1000000" || plain != "3 2" {
		t.Errorf("statistics: the FTS5 table's %q, the plain table's %q", fts, plain)
	}
	if err := d.FixFTSStats(ctx); err != nil { // again: nothing changes
		t.Fatal(err)
	}
	if p := plan(); !strings.Contains(p, "INTEGER PRIMARY KEY") {
		t.Errorf("fixed twice, the delete's plan is %q", p)
	}
}
