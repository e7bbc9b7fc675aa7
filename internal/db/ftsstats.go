package db

import (
	"context"
	"fmt"
)

// ftsRowsEstimate is the number of rows the planner is told each shadow table holds.
const ftsRowsEstimate = "1000000"

// FixFTSStats tells SQLite's planner that FTS5's shadow tables are large, whatever
// ANALYZE found in them. A bulk load runs ANALYZE before its search index is built, when
// each table of the index holds two rows, and with sqlite_stat1 saying so SQLite plans
// FTS5's own `DELETE FROM x_data WHERE id>=? AND id<=?` — which removes a segment after
// a merge — as a scan of the whole table instead of a range of its rowids (EXPLAIN QUERY
// PLAN: "SCAN appeal_fts_ent_data"). Every merge then read the whole index: at ten
// million appeals 95 % of the search index's rebuild, which had slowed to about 1,000
// appeals/s, and of its compaction, which read 720 MB/s from the kernel
// (docs/benchmarks.md). The bulk load runs it after its ANALYZE, and Migrate for
// databases analysed before.
func (d *DB) FixFTSStats(ctx context.Context) error {
	if d.Engine != SQLite {
		return nil
	}
	var analysed int
	if err := d.W.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'`).Scan(&analysed); err != nil {
		return fmt.Errorf("db: fts5 statistics: %w", err)
	}
	if analysed == 0 {
		return nil
	}
	// A table's estimate is kept until the statistics name another one (a table without a
	// row keeps the estimate it had), so the shadow tables get a large one and their
	// indexes none.
	shadow := `SELECT v.name || s.suffix FROM sqlite_master v,
			(SELECT '_data' AS suffix UNION ALL SELECT '_idx' UNION ALL SELECT '_docsize'
			 UNION ALL SELECT '_config' UNION ALL SELECT '_content') s
		WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'`
	if _, err := d.W.ExecContext(ctx, `DELETE FROM sqlite_stat1 WHERE idx IS NOT NULL AND tbl IN (`+shadow+`)`); err != nil {
		return fmt.Errorf("db: fts5 statistics: %w", err)
	}
	res, err := d.W.ExecContext(ctx, `UPDATE sqlite_stat1 SET stat = '`+ftsRowsEstimate+`' WHERE idx IS NULL AND stat <> '`+ftsRowsEstimate+`' AND tbl IN (`+shadow+`)`)
	if err != nil {
		return fmt.Errorf("db: fts5 statistics: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		// Reloads the statistics and re-prepares this connection's statements.
		if _, err := d.W.ExecContext(ctx, `ANALYZE sqlite_schema`); err != nil {
			return fmt.Errorf("db: fts5 statistics: %w", err)
		}
	}
	return nil
}
