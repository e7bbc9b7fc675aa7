package app_test

import (
	"context"
	"testing"

	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
)

// The application wires the appeal loop: the catalogue is seeded, the demo city's
// categories get their departments, a history loads through the moves, and the job
// queue runs the deadline sweep over it.
func TestAppealLoopIsWired(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 300}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		op := e.Actor("operator1")
		cats, err := e.App.Appeal.Categories(ctx, op, false)
		if err != nil || len(cats) != len(appeal.DefaultCategories) {
			t.Fatalf("%d categories: %v", len(cats), err)
		}
		res, err := e.App.LoadDemoAppeals(ctx, e.Demo, 150, 1)
		if err != nil {
			t.Fatal(err)
		}
		if res.Appeals != 150 {
			t.Fatalf("%+v", res)
		}
		for _, c := range cats {
			got, _ := e.App.Appeal.Category(ctx, op, c.ID)
			if got.DefaultDeptID == 0 {
				t.Errorf("%s has no department", c.Code)
			}
		}
		// The demo departments' users see their own parts, nobody else's.
		p, err := e.App.Appeal.List(ctx, e.Actor("gxj1"), appeal.QueueDeptAnswered, appeal.Filter{})
		if err != nil || len(p.Items) == 0 {
			t.Fatalf("工信局 answered: %d %v", len(p.Items), err)
		}
		for _, it := range p.Items {
			if _, err := e.App.Appeal.Get(ctx, e.Actor("fgw1"), it.ID); err == nil {
				parts, _ := e.App.Appeal.Assignments(ctx, op, it.ID)
				shared := false
				for _, x := range parts {
					shared = shared || x.OrgID == e.Demo.Orgs["fgw"]
				}
				if !shared {
					t.Errorf("发改委 sees %s without a part in it", it.Number)
				}
			}
		}
		all, _ := e.App.Appeal.List(ctx, op, appeal.QueueAll, appeal.Filter{})
		if all.Total != 150 {
			t.Errorf("operator sees %d", all.Total)
		}
		// The sweep is a registered periodic job.
		e.RunJobs()
		var n int
		_ = e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = 'done'`, appeal.JobSweep).Scan(&n)
		if n == 0 {
			t.Error("the sweep did not run")
		}
	})
}
