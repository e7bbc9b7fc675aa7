package db

import (
	"context"
	"database/sql"
	"testing"
)

// FTS5Instances is on every connection of both pools and gives how often a matched row
// holds the query's phrases; where FTS5 has no row to give it (inside an aggregate) it is
// FTS5's error, not a crash.
func TestFTS5Instances(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Config{DataDir: t.TempDir(), MaxReaders: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.W.ExecContext(ctx, `CREATE VIRTUAL TABLE t USING fts5(terms, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0')`); err != nil {
		t.Fatal(err)
	}
	for id, doc := range map[int]string{1: "融资 资难 融资 贷款", 2: "贷款 利率 融资", 3: "用电", 4: "融资"} {
		if _, err := d.W.ExecContext(ctx, `INSERT INTO t (rowid, terms) VALUES ($1, $2)`, id, doc); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		match string
		want  map[int64]int64
	}{
		{`"融资"`, map[int64]int64{1: 2, 2: 1, 4: 1}},
		{`"融资 资难"`, map[int64]int64{1: 1}},
		{`"融资" AND "贷款"`, map[int64]int64{1: 3, 2: 2}},
		{`"贷"*`, map[int64]int64{1: 1, 2: 1}},
	}
	for i, pool := range []*sql.DB{d.W, d.R, d.R} {
		c, err := pool.Conn(ctx) // a connection of each pool, two of the readers'
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, tc := range cases {
			rows, err := c.QueryContext(ctx, `SELECT rowid, `+FTS5Instances+`(t) FROM t WHERE t MATCH $1`, tc.match)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int64]int64{}
			for rows.Next() {
				var id, s int64
				if err := rows.Scan(&id, &s); err != nil {
					t.Fatal(err)
				}
				got[id] = s
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Errorf("connection %d, %s: %v, want %v", i, tc.match, got, tc.want)
			}
			for id, w := range tc.want {
				if got[id] != w {
					t.Errorf("connection %d, %s: row %d holds %d instances, want %d", i, tc.match, id, got[id], w)
				}
			}
		}
	}
	var sum int64
	if err := d.R.QueryRowContext(ctx, `SELECT SUM(`+FTS5Instances+`(t)) FROM t`).Scan(&sum); err == nil {
		t.Errorf("inside an aggregate: %v, want FTS5's error", sum)
	}
}
