package liaison

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// explain returns the engine's plan of q. On PostgreSQL sequential scans are switched
// off: a plan that still scans a table has no index to use.
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

// bigTables grow with the city's years: a query must reach them through an index.
var bigTables = []string{"liaison_links", "liaison_visits", "liaison_visit_orgs", "liaison_visit_depts", "liaison_problems"}

// scans reports a full scan of a big table. ordered accepts a scan in the result's order
// that stops at the LIMIT (the unfiltered list of every visit, latest first).
func scans(engine db.Engine, plan string, ordered bool) bool {
	for _, l := range strings.Split(plan, "\n") {
		for _, tb := range bigTables {
			if engine == db.Postgres && strings.Contains(l, "Seq Scan on "+tb) {
				return true
			}
			if engine == db.SQLite && strings.HasPrefix(strings.TrimSpace(l), "SCAN ") && !strings.Contains(l, "USING") {
				return true
			}
		}
		if engine == db.SQLite && strings.HasPrefix(strings.TrimSpace(l), "SCAN ") && strings.Contains(l, "USING") && !ordered {
			return true
		}
	}
	return false
}

// The queries that run on every leader's access check, on the desk and in the lists read
// indexes, whoever asks — no full scan of links, visits or problems.
func TestQueriesUseIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := New(Deps{DB: d})
		ctx := context.Background()
		type query struct {
			name    string
			q       string
			args    []any
			ordered bool
		}
		qs := []query{
			{"LeadersFor", leadersForSQL, []any{int64(7)}, false},
			{"ActsFor", actsForSQL, []any{int64(3), int64(4)}, false},
			{"ActingFor", actingForSQL, []any{int64(3)}, false},
			{"last visits", lastVisitsSQL([]int64{7, 8, 9}), []any{int64(3)}, false},
			{"problems of a leader", `SELECT ` + problemCols + problemFrom + ` WHERE p.leader_user_id = $1 ORDER BY p.id DESC LIMIT 200`, []any{int64(3)}, false},
			{"problems of a visit", `SELECT ` + problemCols + problemFrom + ` WHERE p.visit_id = $1 ORDER BY p.id`, []any{int64(3)}, false},
			{"problems of a roundtable", `SELECT ` + problemCols + problemFrom + ` WHERE p.roundtable_id = $1 ORDER BY p.id`, []any{int64(3)}, false},
			{"problems of an enterprise", `SELECT ` + problemCols + problemFrom + ` WHERE p.org_id = $1 ORDER BY p.id DESC LIMIT 100`, []any{int64(3)}, false},
			{"links of an organisation", `SELECT ` + linkCols + linkFrom + ` WHERE k.org_id = $1 ORDER BY k.id DESC LIMIT 10`, []any{int64(3)}, false},
			{"links of a leader", `SELECT ` + linkCols + linkFrom + ` WHERE k.leader_user_id IN (3) AND k.until_on = '' ORDER BY k.id DESC LIMIT 50`, nil, false},
		}
		for _, c := range []struct {
			name    string
			a       auth.Actor
			f       VisitFilter
			ordered bool
		}{
			{"operator", auth.Actor{UserID: 1, OrgID: 1, Roles: []auth.Role{auth.RoleOperator}}, VisitFilter{}, true},
			{"operator by organisation", auth.Actor{UserID: 1, OrgID: 1, Roles: []auth.Role{auth.RoleOperator}}, VisitFilter{OrgID: 9}, true},
			{"operator by leader", auth.Actor{UserID: 1, OrgID: 1, Roles: []auth.Role{auth.RoleOperator}}, VisitFilter{LeaderID: 3, From: "2026-01-01"}, false},
			{"department", auth.Actor{UserID: 5, OrgID: 5, Roles: []auth.Role{auth.RoleDepartment}}, VisitFilter{}, true},
			{"enterprise", auth.Actor{UserID: 6, OrgID: 6, Roles: []auth.Role{auth.RoleEnterprise}}, VisitFilter{}, true},
		} {
			p, err := s.visitsQuery(ctx, c.a, c.f)
			if err != nil {
				t.Fatal(err)
			}
			qs = append(qs, query{"visits: " + c.name, p.query, p.args, c.ordered}, query{"visits count: " + c.name, p.count, p.countArgs, c.ordered})
		}
		for _, q := range qs {
			if plan := explain(t, d, q.q, q.args); scans(d.Engine, plan, q.ordered) {
				t.Errorf("%s scans:\n%s\n%s", q.name, q.q, plan)
			}
		}
		// The check itself: a query no index serves is caught.
		if plan := explain(t, d, `SELECT id FROM liaison_visits WHERE summary = $1`, []any{"x"}); !scans(d.Engine, plan, false) {
			t.Errorf("an unindexed query passes the check:\n%s", plan)
		}
	})
}
