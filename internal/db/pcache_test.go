package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// The page caches of the writer's and the readers' connections are groups of their own:
// SQLite's shared group (pcache1.grp, behind the process-wide mutex) holds none of their
// pages, while a cache created with the shared setting joins it (so the check can fail).
func TestSQLitePageCachesAreSeparate(t *testing.T) {
	ctx := context.Background()
	dir, conns := openHeld(t)
	if _, err := conns[0].ExecContext(ctx, `CREATE TABLE t (v TEXT)`); err != nil { // conns[0] is the writer's
		t.Fatal(err)
	}
	for i, c := range conns {
		var n int
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	if g := pcache1G.Fgrp; g.FnMinPage != 0 || g.FnMaxPage != 0 {
		t.Fatalf("the shared page cache group holds the connections' caches: min %d, max %d pages", g.FnMinPage, g.FnMaxPage)
	}

	pcache1G.FseparateCache = 0
	plain, err := sql.Open("sqlite", filepath.Join(dir, "yingshang.db"))
	if err == nil {
		defer plain.Close()
		var n int
		err = plain.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n)
	}
	pcache1G.FseparateCache = 1
	if err != nil {
		t.Fatal(err)
	}
	if pcache1G.Fgrp.FnMinPage == 0 {
		t.Fatal("a cache created with the shared setting did not join the shared group either: the check above proves nothing")
	}
}
