package appeal

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// planService is the appeal service on d with its default categories, for plan tests.
func planService(t *testing.T, d *db.DB) *Service {
	t.Helper()
	s := New(Deps{DB: d, Audit: audit.New(d, nil)})
	if _, err := s.EnsureDefaults(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// explain returns the engine's plan of q, one line per step. On PostgreSQL sequential
// scans are switched off: a plan that still scans a table has no index to use.
func explain(t *testing.T, d *db.DB, q string, args []any) string {
	t.Helper()
	ctx := context.Background()
	if d.Engine == db.SQLite {
		return dbtest.SQLitePlan(t, d.R, q, args...)
	}
	conn, err := d.R.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// partialIndexes hold only the rows of one small queue: scanning one is reading the queue.
var partialIndexes = []string{"appeals_supervised", "appeals_level", "appeals_chamber", "appeals_next_alert", "appeal_assignments_done"}

// scans reports a full scan of a big table in a plan. allowOrdered accepts a scan in
// the order of the result that stops at the LIMIT (the unfiltered list of all appeals,
// newest first, is exactly that).
func scans(engine db.Engine, plan string, allowOrdered bool) bool {
	if engine == db.Postgres {
		return strings.Contains(plan, "Seq Scan on appeals") || strings.Contains(plan, "Seq Scan on appeal_assignments") ||
			strings.Contains(plan, "Seq Scan on appeal_leaders")
	}
	sorts := strings.Contains(plan, "TEMP B-TREE FOR ORDER BY")
	for _, l := range strings.Split(plan, "\n") {
		if !(strings.HasPrefix(l, "SCAN a") || strings.HasPrefix(l, "SCAN x") || strings.HasPrefix(l, "SCAN appeal")) {
			continue
		}
		partial := false
		for _, p := range partialIndexes {
			partial = partial || strings.Contains(l, " "+p)
		}
		if !partial && !(allowOrdered && !sorts) {
			return true
		}
	}
	return false
}

// Every queue, in every sort order it offers, with and without filters, reads an index
// — no full scan of appeals or assignments — and the queues that can grow without bound
// (states, all appeals, a department's answered parts) read it in their sort order, so a
// page never sorts the whole set.
// boundID finds an id compared with a bare parameter ($1, not +$1: x.org_id = $1).
var boundID = regexp.MustCompile(`_id = \$[0-9]`)

func TestQueuesUseIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := planService(t, d), context.Background()
		op := auth.Actor{UserID: 1, OrgID: 1, Roles: []auth.Role{auth.RoleOperator}}
		dept := auth.Actor{UserID: 2, OrgID: 2, Roles: []auth.Role{auth.RoleDepartment}}
		ent := auth.Actor{UserID: 3, OrgID: 3, Roles: []auth.Role{auth.RoleEnterprise}}
		ch := auth.Actor{UserID: 4, OrgID: 4, Roles: []auth.Role{auth.RoleChamber}}
		leader := auth.Actor{UserID: 5, OrgID: 1, Roles: []auth.Role{auth.RoleLeader}}
		// Ordered by an index (SQLite must not build a temporary b-tree for ORDER BY).
		ordered := map[Queue][]Sort{
			QueueSubmitted: allSorts, QueueAccepted: allSorts, QueueReturned: allSorts, QueueExtension: allSorts,
			QueueReplied: allSorts, QueueYellow: {SortDue}, QueueRed: {SortDue}, QueueAll: {SortCreated},
			QueueSupervised: {SortCreated}, QueueDeptAnswered: {SortCreated}, QueueMine: {SortCreated},
			QueueDeptToClaim: {SortCreated, SortDue}, QueueDeptHandling: {SortCreated, SortDue},
		}
		filters := []Filter{{}, {Kind: KindComplaint, District: "430104", Priority: PriorityUrgent, Q: "用电"}, {CategoryID: 1}, {State: StateClosed}}
		checked := 0
		for _, a := range []auth.Actor{op, dept, ent, ch, leader} {
			for _, q := range QueuesFor(a) {
				for _, sort := range allSorts {
					for fi, f := range filters {
						f.Sort = sort
						p, err := s.plan(ctx, a, q, f)
						if err != nil {
							continue // a sort the queue does not offer
						}
						name := fmt.Sprintf("%s/%s/%s/filter%d", a.Roles[0], q, sort, fi)
						plan := explain(t, d, p.query, p.args)
						if scans(d.Engine, plan, q == QueueAll) {
							t.Errorf("%s scans a table:\n%s\n%s", name, p.query, plan)
						}
						if d.Engine == db.SQLite && fi == 0 {
							for _, os := range ordered[q] {
								if os == sort && strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
									t.Errorf("%s sorts instead of reading in index order:\n%s", name, plan)
								}
							}
						}
						if cp := explain(t, d, p.countQuery, p.countArgs); scans(d.Engine, cp, q == QueueAll) {
							t.Errorf("%s count scans a table:\n%s", name, cp)
						}
						// A value bound to a column with an index makes SQLite (STAT4) prepare
						// the statement again at every run: the values of fixed sets are in
						// the text (lit) — only the title's LIKE pattern is bound — and on
						// SQLite an id is bound as +? (idParam).
						for _, arg := range append(slices.Clone(p.args), p.countArgs...) {
							if v, ok := arg.(string); ok && !strings.HasPrefix(v, "%") {
								t.Errorf("%s binds %q:\n%s", name, v, p.query)
							}
						}
						if d.Engine == db.SQLite && boundID.MatchString(p.query+p.countQuery) {
							t.Errorf("%s binds an id without +:\n%s\n%s", name, p.query, p.countQuery)
						}
						checked++
					}
				}
			}
		}
		// The sweep and the public query.
		for _, q := range []string{
			`SELECT id, next_alert_at FROM appeals WHERE next_alert_at <= $1 AND (next_alert_at, id) > ($2, $3) ORDER BY next_alert_at, id LIMIT 200`,
			`SELECT id FROM appeals WHERE number = $1`,
		} {
			args := []any{int64(1), int64(0), int64(0)}
			if strings.Contains(q, "number") {
				args = []any{"ZQ20260101000001"}
			}
			if plan := explain(t, d, q, args); scans(d.Engine, plan, false) {
				t.Errorf("%s scans:\n%s", q, plan)
			}
		}
		// The statements of every move find one appeal's rows by the appeal, never by the
		// department (whose index holds all of its parts).
		for _, c := range []struct {
			q    string
			args []any
		}{
			{partsSQL, []any{1}}, {deptSeesSQL, []any{1, 2}}, {claimActionSQL, []any{1, 2}}, {leaderSeesSQL, []any{1, 2}},
			{childrenSQL, []any{1}}, {loadSQL, []any{1}},
		} {
			plan := explain(t, d, c.q, c.args)
			if scans(d.Engine, plan, false) || strings.Contains(plan, "appeal_assignments_queue") || strings.Contains(plan, "appeal_assignments_stats") {
				t.Errorf("%s:\n%s", c.q, plan)
			}
		}
		t.Logf("%d queue plans checked", checked)
	})
}

// A department with a thousand parts in hand (办理中) among 50,000 answered, by deadline:
// both engines read the first page from the open parts' index in deadline order (at ten
// million appeals PostgreSQL had joined and sorted all 4,821 parts in hand when the query
// repeated the index's predicate: it then expected 26).
func TestDeptHandlingByDeadlineReadsTheOpenPartsIndex(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := planService(t, d), context.Background()
		var cat int64
		if err := d.R.QueryRowContext(ctx, `SELECT MIN(id) FROM appeal_categories`).Scan(&cat); err != nil {
			t.Fatal(err)
		}
		const n = 50_000
		for _, org := range []int64{2, 3} {
			if _, err := d.W.ExecContext(ctx, `INSERT INTO orgs (id, kind, name, created_at, updated_at) VALUES ($1, 'department', $2, 0, 0)`,
				org, fmt.Sprint("局", org)); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{
			`INSERT INTO appeals (id, number, query_code, kind, channel, category_id, district_code, title, body, enterprise_name, state, created_at, updated_at, sla_due)
				SELECT g, 'ZQ' || g, 'Q' || g, 'appeal', 'hotline', $1, '430104', 't', 'b', 'e', 'in_progress', g, g, 1000000 + (g * 7919) % 100000
				FROM gen`,
			`INSERT INTO appeal_assignments (appeal_id, org_id, role, round, state, dispatched_at, claim_due, sla_due)
				SELECT g, CASE WHEN g % 10 = 3 THEN 3 ELSE 2 END, 'lead', 1, CASE WHEN g % 50 = 0 THEN 'claimed' ELSE 'answered' END, g, g,
					CASE WHEN g % 50 = 0 THEN 1000000 + (g * 7919) % 100000 ELSE 0 END
				FROM gen`,
		} {
			q = `WITH RECURSIVE gen(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM gen WHERE g < 50000) ` + q
			args := []any{cat}
			if !strings.Contains(q, "$1") {
				args = nil
			}
			if _, err := d.W.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
		}
		if _, err := d.W.ExecContext(ctx, `ANALYZE`); err != nil {
			t.Fatal(err)
		}
		dept := auth.Actor{UserID: 2, OrgID: 2, Roles: []auth.Role{auth.RoleDepartment}}
		p, err := s.plan(ctx, dept, QueueDeptHandling, Filter{Sort: SortDue})
		if err != nil {
			t.Fatal(err)
		}
		plan := explain(t, d, p.query, p.args)
		if !strings.Contains(plan, "appeal_assignments_open_due") || strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") ||
			strings.Contains(plan, "Sort Key") || strings.Contains(plan, "Sort (") {
			t.Errorf("办理中 by deadline does not read the open parts' index in order:\n%s\n%s", p.query, plan)
		}
		// and the page is the earliest deadlines of the department's claimed parts
		page, err := s.List(ctx, dept, QueueDeptHandling, Filter{Sort: SortDue, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for g := int64(1); g <= n; g++ {
			if g%50 == 0 {
				want = append(want, g)
			}
		}
		slices.SortFunc(want, func(a, b int64) int { return cmp.Or(cmp.Compare((a*7919)%100000, (b*7919)%100000), cmp.Compare(a, b)) })
		var got []int64
		for _, ap := range page.Items {
			got = append(got, ap.ID)
		}
		if !slices.Equal(got, want[:20]) {
			t.Errorf("first page %v, want %v", got, want[:20])
		}
	})
}
