package appeal

import (
	"context"
	"fmt"
	"testing"

	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// The department filter (the assessment's drill-down) and an enterprise's appeals (its
// file) read indexes, never a whole table, for every kind of viewer.
func TestWebSupportUsesIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := planService(t, d), context.Background()
		op := auth.Actor{UserID: 1, OrgID: 1, Roles: []auth.Role{auth.RoleOperator}}
		dept := auth.Actor{UserID: 2, OrgID: 2, Roles: []auth.Role{auth.RoleDepartment}}
		ent := auth.Actor{UserID: 3, OrgID: 3, Roles: []auth.Role{auth.RoleEnterprise}}
		ch := auth.Actor{UserID: 4, OrgID: 4, Roles: []auth.Role{auth.RoleChamber}}
		leader := auth.Actor{UserID: 5, OrgID: 1, Roles: []auth.Role{auth.RoleLeader}}
		for _, a := range []auth.Actor{op, dept} {
			for _, q := range QueuesFor(a) {
				for _, sort := range allSorts {
					p, err := s.plan(ctx, a, q, Filter{Dept: 7, Sort: sort})
					if err != nil {
						continue // a sort the queue does not offer
					}
					name := fmt.Sprintf("%s/%s/%s/dept", a.Roles[0], q, sort)
					if plan := explain(t, d, p.query, p.args); scans(d.Engine, plan, q == QueueAll) {
						t.Errorf("%s scans a table:\n%s\n%s", name, p.query, plan)
					}
					if cp := explain(t, d, p.countQuery, p.countArgs); scans(d.Engine, cp, q == QueueAll) {
						t.Errorf("%s count scans a table:\n%s", name, cp)
					}
				}
			}
		}
		for _, a := range []auth.Actor{op, dept, ent, ch, leader} {
			sp, q, ok, err := s.enterpriseSQL(ctx, a, 3, 10)
			if err != nil || !ok {
				t.Fatalf("%s: %v %v", a.Roles[0], ok, err)
			}
			if plan := explain(t, d, q, sp.args); scans(d.Engine, plan, false) {
				t.Errorf("%s's view of an enterprise scans a table:\n%s\n%s", a.Roles[0], q, plan)
			}
			if cp := explain(t, d, countSQL(sp), sp.args); scans(d.Engine, cp, false) {
				t.Errorf("%s's count of an enterprise's appeals scans a table:\n%s", a.Roles[0], cp)
			}
		}
	})
}
