package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"yingshang/internal/app"
	"yingshang/internal/app/apptest"
	"yingshang/internal/db"
	"yingshang/internal/search"
)

// A populated database of the schema before the search index (migration 00005 rolled
// back, as a deployment made before it landed) is upgraded by starting the new binary on
// it: the missing migration is applied although later numbers are present, nothing else
// changes (every table hashed before and after), readiness reports pending until then, and
// the catch-up job indexes every existing appeal.
func TestUpgradePopulatedDatabase(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 60}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		if _, err := e.App.LoadDemoAppeals(ctx, e.Demo, 80, 5); err != nil {
			t.Fatal(err)
		}
		// The search tables came in 00005 and, on SQLite, the pending and live tables in
		// 00011 and 00014.
		if e.App.DB.Engine == db.SQLite {
			for _, v := range []int64{14, 11} {
				if err := e.App.DB.RollBack(ctx, v); err != nil {
					t.Fatalf("roll back %05d: %v", v, err)
				}
			}
		}
		if err := e.App.DB.RollBack(ctx, 5); err != nil {
			t.Fatalf("roll back 00005: %v", err)
		}
		if err := e.App.DB.CheckCurrent(ctx); !errors.Is(err, db.ErrMigrationsPending) {
			t.Fatalf("readiness of a database without 00005: %v", err)
		}
		before := withoutSearch(tableHashes(t, e.App.DB))
		if len(before) < 20 {
			t.Fatalf("only %d tables", len(before))
		}
		var appeals int
		if err := e.App.DB.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeals`).Scan(&appeals); err != nil || appeals < 80 {
			t.Fatalf("%d appeals (%v)", appeals, err)
		}
		a2, err := app.Open(ctx, e.App.Cfg)
		if err != nil {
			t.Fatalf("the new binary on the old database: %v", err)
		}
		defer a2.Close()
		if err := a2.DB.CheckCurrent(ctx); err != nil {
			t.Fatalf("after the upgrade: %v", err)
		}
		after := withoutSearch(tableHashes(t, a2.DB))
		for tb, h := range before {
			if after[tb] != h {
				t.Errorf("table %s changed in the upgrade", tb)
			}
		}
		for tb := range after {
			if _, ok := before[tb]; !ok {
				t.Errorf("table %s appeared in the upgrade", tb)
			}
		}
		op := e.Actor("operator1")
		if page, err := a2.Search.Appeals(ctx, op, a2.Appeal, search.AppealQuery{Q: "企业"}); err != nil || page.Total != 0 {
			t.Fatalf("before the catch-up the new index finds %d (%v)", page.Total, err)
		}
		n, err := a2.Search.CatchUp(ctx)
		if err != nil || n != appeals {
			t.Fatalf("catch-up indexed %d of %d appeals (%v)", n, appeals, err)
		}
		page, err := a2.Search.Appeals(ctx, op, a2.Appeal, search.AppealQuery{Q: "企业"})
		if err != nil || page.Total == 0 {
			t.Errorf("after the catch-up 企业 finds %d (%v)", page.Total, err)
		}
	})
}

// withoutSearch leaves out the search index's tables (FTS5 keeps shadow tables).
func withoutSearch(h map[string]string) map[string]string {
	out := map[string]string{}
	for tb, v := range h {
		if !strings.HasPrefix(tb, "appeal_fts") && tb != "appeal_search" {
			out[tb] = v
		}
	}
	return out
}
