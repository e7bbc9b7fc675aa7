package dbtest

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// SQLitePlan returns SQLite's EXPLAIN QUERY PLAN of q with args on pool, one line per
// step (the details only).
func SQLitePlan(t testing.TB, pool *sql.DB, q string, args ...any) string {
	t.Helper()
	rows, err := pool.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
