package appeal_test

import (
	"context"
	"fmt"
	"strings"
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
				FROM pg_prepared_statements WHERE statement LIKE $1`, like).Scan(&generic, &custom); err != nil {
				t.Fatal(err)
			}
			return generic, custom
		}
		page := `%FROM appeals a LEFT JOIN appeal_categories c%WHERE a.state = 'submitted' ORDER BY%`
		if g, c := plans(d.RQGeneric(f.ctx), page); g == 0 {
			t.Errorf("the 待受理 page kept no generic plan (%d generic, %d custom runs)", g, c)
		}
		// Briefs by a list of ids (a search's hits) keep their plan too.
		all, err := f.svc.List(f.ctx, f.op, appeal.QueueSubmitted, appeal.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, it := range all.Items {
			ids = append(ids, it.ID)
		}
		for range 3 {
			if b, err := f.svc.Briefs(f.ctx, f.op, ids); err != nil || len(b) != len(ids) {
				t.Fatalf("briefs: %d of %d, %v", len(b), len(ids), err)
			}
		}
		if g, c := plans(d.RQGeneric(f.ctx), `%json_array_elements_text%`); g < 3 || c != 0 {
			t.Errorf("briefs by id: %d generic, %d custom runs on the generic pool; want 3 generic", g, c)
		}
		// An appeal read by its id (its page, an intake's answer) and its timeline too.
		for range 3 {
			if _, err := f.svc.Get(f.ctx, f.op, ids[0]); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Timeline(f.ctx, f.op, ids[0]); err != nil {
				t.Fatal(err)
			}
		}
		for _, like := range []string{`%WHERE a.id = $1`, `%FROM appeal_events WHERE appeal_id = $1%`} {
			if g, c := plans(d.RQGeneric(f.ctx), like); g < 3 || c != 0 {
				t.Errorf("%s: %d generic, %d custom runs on the generic pool; want 3 or more generic", like, g, c)
			}
		}
		titled := `%a.title LIKE%ORDER BY%` // the page, not its count
		if g, c := plans(d.R, titled); g != 0 || c < 8 {
			t.Errorf("a page filtered by title: %d generic, %d custom runs; want none generic, 8 custom", g, c)
		}
		if g, c := plans(d.RQGeneric(f.ctx), titled); g+c != 0 {
			t.Errorf("a page filtered by title ran %d times on the generic pool", g+c)
		}
	})
}

// On PostgreSQL the 已超期 and 即将超期 queues ask for their level alone: the partial
// indexes' IN (which SQLite needs repeated in the query) made PostgreSQL multiply the two
// conditions' shares as if independent and expect a fraction of the level's appeals — at
// 200,000 appeals 5 of 1,019, and a plan that joined and sorted all of them for a page.
// After ANALYZE the red queue's statement expects at least half the red appeals there are.
func TestPostgresLevelQueueEstimate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if d.Engine != db.Postgres {
			return
		}
		f := newFx(t, d)
		for range 40 {
			f.hotline()
		}
		var red int
		if err := d.W.QueryRowContext(f.ctx, `WITH u AS (UPDATE appeals SET sla_level = CASE WHEN id % 5 = 0 THEN 'red' WHEN id % 7 = 1 THEN 'yellow' ELSE sla_level END
			RETURNING sla_level) SELECT COUNT(*) FROM u WHERE sla_level = 'red'`).Scan(&red); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.ExecContext(f.ctx, `ANALYZE appeals`); err != nil {
			t.Fatal(err)
		}
		page, err := f.svc.List(f.ctx, f.op, appeal.QueueRed, appeal.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) == 0 {
			t.Fatal("the red queue is empty")
		}
		var stmt string
		for _, q := range []db.Querier{d.R, d.RQGeneric(f.ctx)} {
			if err := q.QueryRowContext(f.ctx, `SELECT statement FROM pg_prepared_statements
				WHERE statement LIKE '%sla_level = ''red''%' AND statement LIKE '%ORDER BY%' LIMIT 1`).Scan(&stmt); err == nil {
				break
			}
		}
		if stmt == "" {
			t.Fatal("the red queue's statement is not among the prepared ones")
		}
		plan := pgPlan(t, d.W, "EXPLAIN "+stmt)
		expected := appealRows(t, plan)
		if expected < 0 {
			t.Fatalf("no scan of appeals in the plan:\n%s", strings.Join(plan, "\n"))
		}
		if expected*2 < red {
			t.Errorf("the red queue expects %d of its %d appeals:\n%s\n%s", expected, red, stmt, strings.Join(plan, "\n"))
		}
	})
}

// On PostgreSQL a queue page walks its index in the page's order and stops at the page
// however stale the planner's statistics are. After a load PostgreSQL's statistics knew
// of 49 appeals waiting to be accepted; 7,021 intakes later (fewer than autovacuum waits
// for before it analyzes again) it still expected 49, joined all 7,063 with the
// categories and organisations by hashing and sorted them for a page of 51: 22 ms
// instead of 0.2. The pool of statements bound only to ids (RQGeneric) joins by nested
// loops, which keep the index's order.
func TestPostgresQueuePageStopsAtThePage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if d.Engine != db.Postgres {
			return
		}
		f := newFx(t, d)
		if err := f.svc.SetDefaultDepartments(f.ctx, f.admin, map[string]int64{"utilities": f.deptA, "tax": f.deptB, "market": f.deptC}); err != nil {
			t.Fatal(err)
		}
		now := f.clock.Now()
		rows := f.generated(appeal.GenOptions{N: 3000, From: now.AddDate(-2, 0, 0), To: now, Seed: 5})
		// A deferred load ends with VACUUM (ANALYZE): the statistics see the history, all
		// but a few of its appeals closed.
		if _, err := f.svc.ImportAppeals(f.ctx, f.op, rows, nil, nil, appeal.BulkOptions{Now: now, DeferIndexes: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.ExecContext(f.ctx, `ALTER TABLE appeals SET (autovacuum_enabled = false)`); err != nil {
			t.Fatal(err)
		}
		res, err := d.W.ExecContext(f.ctx, `UPDATE appeals SET state = 'submitted' WHERE state = 'closed'`)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n < 2000 {
			t.Fatalf("only %d closed appeals in the history", n)
		}
		const limit = 20
		page, err := f.svc.List(f.ctx, f.op, appeal.QueueSubmitted, appeal.Filter{Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != limit {
			t.Fatalf("a page of %d, want %d", len(page.Items), limit)
		}
		g := d.RQGeneric(f.ctx)
		var stmt string
		if err := g.QueryRowContext(f.ctx, `SELECT statement FROM pg_prepared_statements
			WHERE statement LIKE '%WHERE a.state = ''submitted'' ORDER BY%' LIMIT 1`).Scan(&stmt); err != nil {
			t.Fatalf("the 待受理 page's statement on the generic pool: %v", err)
		}
		plan := pgPlan(t, g, "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) "+stmt)
		read := appealRows(t, plan)
		if read < 0 || read > limit+1 {
			t.Errorf("the page read %d appeals for %d:\n%s", read, limit, strings.Join(plan, "\n"))
		}
	})
}

// pgPlan runs an EXPLAIN on q and returns its lines.
func pgPlan(t *testing.T, q db.Querier, explain string) []string {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), explain)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, l)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// appealRows is the rows= figure of the plan's first scan of appeals (expected, or read
// under ANALYZE with COSTS OFF), -1 without one.
func appealRows(t *testing.T, plan []string) int {
	t.Helper()
	for _, l := range plan {
		if strings.Contains(l, " on appeals a") {
			n := -1
			if _, err := fmt.Sscanf(l[strings.Index(l, "rows=")+len("rows="):], "%d", &n); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
			return n
		}
	}
	return -1
}
