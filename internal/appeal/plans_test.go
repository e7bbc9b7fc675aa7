package appeal_test

import (
	"testing"

	"yingshang/internal/appeal"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// On PostgreSQL a queue page bound only to ids keeps a generic plan after five runs
// (RQGeneric), while a page filtered by a title's text is planned with its value at every
// run. Calls one after another reuse the pool's idle connection, where the prepared
// statements' counters live.
func TestQueuePagesKeepTheirPlan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if d.Engine != db.Postgres {
			return
		}
		f := newFx(t, d)
		for range 3 {
			f.hotline()
		}
		for i := 0; i < 8; i++ {
			if _, err := f.svc.List(f.ctx, f.op, appeal.QueueSubmitted, appeal.Filter{}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.List(f.ctx, f.op, appeal.QueueSubmitted, appeal.Filter{Q: "用电"}); err != nil {
				t.Fatal(err)
			}
		}
		plans := func(q db.Querier, like string) (generic, custom int) {
			t.Helper()
			if err := q.QueryRowContext(f.ctx, `SELECT COALESCE(SUM(generic_plans), 0), COALESCE(SUM(custom_plans), 0)
				FROM pg_prepared_statements WHERE statement LIKE $1 AND statement LIKE '%ORDER BY%'`, like).Scan(&generic, &custom); err != nil {
				t.Fatal(err)
			}
			return generic, custom
		}
		page := `%FROM appeals a LEFT JOIN appeal_categories c%WHERE a.state = 'submitted' ORDER BY%`
		if g, c := plans(d.RQGeneric(f.ctx), page); g == 0 {
			t.Errorf("the 待受理 page kept no generic plan (%d generic, %d custom runs)", g, c)
		}
		titled := `%a.title LIKE%`
		if g, c := plans(d.R, titled); g != 0 || c < 8 {
			t.Errorf("a page filtered by title: %d generic, %d custom runs; want none generic, 8 custom", g, c)
		}
		if g, c := plans(d.RQGeneric(f.ctx), titled); g+c != 0 {
			t.Errorf("a page filtered by title ran %d times on the generic pool", g+c)
		}
	})
}
