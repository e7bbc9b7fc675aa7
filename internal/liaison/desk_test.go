package liaison_test

import (
	"slices"
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/liaison"
)

// The desk: never-visited organisations first, open appeals overdue first (red, yellow,
// then by deadline, unclocked last), closed ones off the list, escalations to the leader
// on it; the officer sees the same desk; other leaders get NotFound.
func TestDeskOrdering(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		f.link(f.leaderA, f.ent1, f.officer.UserID, "2024-01-15")
		f.link(f.leaderA, f.ent2, 0, "2024-01-15")
		f.link(f.leaderA, f.chamber, 0, "2024-01-15")
		f.visit(f.leaderA, 0, "2026-01-10", []int64{f.ent2})
		v := f.visit(f.leaderA, 0, "2026-02-20", []int64{f.ent1, f.ent3},
			problem(f.ent1, f.catPower, "用电增容"), problem(f.ent1, f.catTax, "退税"), problem(f.ent3, f.catTax, "非联系企业的问题"))
		// An ent2 appeal by the hotline; ent1's first problem dispatched, its second closed.
		hot, err := f.appeal.Create(f.ctx, f.op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: f.catPower, Title: "停电频繁",
			Body: "厂区每周停电。", EnterpriseOrgID: f.ent2, ContactName: "刘总", ContactPhone: "13900001111"})
		if err != nil {
			t.Fatal(err)
		}
		move := func(ap appeal.Appeal, err error) appeal.Appeal {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return ap
		}
		get := func(id int64) appeal.Appeal { return move(f.appeal.Get(f.ctx, f.op, id)) }
		p1 := get(v.Problems[0].AppealID)
		p1 = move(f.appeal.Accept(f.ctx, f.op, p1.ID, p1.Version, ""))
		p1 = move(f.appeal.Dispatch(f.ctx, f.op, p1.ID, p1.Version, appeal.DispatchInput{LeadOrgID: f.deptA}))
		p2 := get(v.Problems[1].AppealID)
		p2 = move(f.appeal.Accept(f.ctx, f.op, p2.ID, p2.Version, ""))
		p2 = move(f.appeal.Dispatch(f.ctx, f.op, p2.ID, p2.Version, appeal.DispatchInput{LeadOrgID: f.deptA}))
		p2 = move(f.appeal.Claim(f.ctx, f.a1, p2.ID, p2.Version, ""))
		p2 = move(f.appeal.Reply(f.ctx, f.a1, p2.ID, p2.Version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: "已解决"}))
		move(f.appeal.Callback(f.ctx, f.op, p2.ID, p2.Version, appeal.CallbackInput{Satisfaction: appeal.Satisfied, Solved: true}))
		// hot is accepted and dispatched later: its deadline comes after p1's.
		f.clock.Advance(time.Hour)
		hot = move(f.appeal.Accept(f.ctx, f.op, hot.ID, hot.Version, ""))
		hot = move(f.appeal.Dispatch(f.ctx, f.op, hot.ID, hot.Version, appeal.DispatchInput{LeadOrgID: f.deptB}))
		// A difficult case of ent1 escalated to the linked leaders (the default).
		esc, err := f.appeal.Create(f.ctx, f.op, appeal.NewAppeal{Kind: appeal.KindComplaint, CategoryID: f.catTax, Title: "多部门推诿",
			Body: "反映三次无果。", EnterpriseOrgID: f.ent1, ContactName: "王经理", ContactPhone: "13800002222"})
		if err != nil {
			t.Fatal(err)
		}
		move(f.appeal.Escalate(f.ctx, f.op, esc.ID, esc.Version, appeal.EscalateInput{Note: "疑难件，请领导协调"}))

		desk, err := f.svc.Desk(f.ctx, f.leaderA, 0)
		if err != nil {
			t.Fatal(err)
		}
		var orgs []int64
		for _, o := range desk.Orgs {
			orgs = append(orgs, o.Link.OrgID)
		}
		// Never visited (the chamber) first, then ent2 (January), then ent1 (February).
		if !slices.Equal(orgs, []int64{f.chamber, f.ent2, f.ent1}) || desk.Orgs[0].LastVisit != "" || desk.Orgs[2].LastVisit != "2026-02-20" {
			t.Errorf("orgs %v %+v", orgs, desk.Orgs)
		}
		ids := func(xs []liaison.DeskAppeal) []int64 {
			var out []int64
			for _, x := range xs {
				out = append(out, x.ID)
			}
			return out
		}
		// Before any deadline: by deadline (p1 dispatched first, then hot), then the
		// unclocked (submitted) ones by id: the escalated one and ent3's problem.
		want := []int64{p1.ID, hot.ID, v.Problems[2].AppealID, esc.ID}
		if got := ids(desk.Open); !slices.Equal(got, want) {
			t.Errorf("open %v, want %v", got, want)
		}
		if got := ids(desk.Escalated); !slices.Equal(got, []int64{esc.ID}) {
			t.Errorf("escalated %v", got)
		}
		// hot's claim deadline passes (p1 is claimed first, so its claim clock stops): hot
		// is overdue and comes first, even before the sweep paints it red.
		p1 = move(f.appeal.Claim(f.ctx, f.a1, p1.ID, p1.Version, ""))
		f.clock.Advance(48 * time.Hour)
		desk, _ = f.svc.Desk(f.ctx, f.leaderA, 0)
		if got := ids(desk.Open); len(got) == 0 || got[0] != hot.ID || !desk.Open[0].Overdue || desk.Open[1].Overdue {
			t.Errorf("after hot's deadline: %v", got)
		}
		if _, err := f.appeal.Sweep(f.ctx); err != nil {
			t.Fatal(err)
		}
		desk, _ = f.svc.Desk(f.ctx, f.leaderA, 0)
		if desk.Open[0].ID != hot.ID || desk.Open[0].SLALevel != "red" {
			t.Errorf("after the sweep: %d %s", desk.Open[0].ID, desk.Open[0].SLALevel)
		}
		for _, o := range desk.Orgs {
			if o.Link.OrgID == f.ent2 && (o.Open != 1 || o.Overdue != 1) {
				t.Errorf("ent2 counts %+v", o)
			}
		}
		// The problems of the leader's visits, closed included.
		states := map[int64]appeal.State{}
		for _, p := range desk.Problems {
			states[p.AppealID] = p.Appeal.State
		}
		if states[p2.ID] != appeal.StateClosed || states[p1.ID] != appeal.StateInProgress || len(states) != 3 {
			t.Errorf("problems %v", states)
		}
		// The officer has the same desk; others none.
		od, err := f.svc.Desk(f.ctx, f.officer, f.leaderA.UserID)
		if err != nil || !slices.Equal(ids(od.Open), ids(desk.Open)) {
			t.Errorf("officer's desk %v %v", ids(od.Open), err)
		}
		if _, err := f.svc.Desk(f.ctx, f.leaderB, f.leaderA.UserID); !isErr(err, apperr.ErrNotFound) {
			t.Errorf("another leader opens the desk: %v", err)
		}
		if _, err := f.svc.Desk(f.ctx, f.op, 0); !isErr(err, apperr.ErrForbidden) {
			t.Errorf("an operator opens a desk: %v", err)
		}
	})
}

// The monthly summary agrees with direct counts over the tables.
func TestMonthlySummary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		f.link(f.leaderA, f.ent1, f.officer.UserID, "2024-01-15")
		move := func(ap appeal.Appeal, err error) appeal.Appeal {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return ap
		}
		finish := func(id int64, sat appeal.Satisfaction, solved bool) {
			ap := move(f.appeal.Get(f.ctx, f.op, id))
			ap = move(f.appeal.Accept(f.ctx, f.op, ap.ID, ap.Version, ""))
			ap = move(f.appeal.Dispatch(f.ctx, f.op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: f.deptA}))
			ap = move(f.appeal.Claim(f.ctx, f.a1, ap.ID, ap.Version, ""))
			ap = move(f.appeal.Reply(f.ctx, f.a1, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: "已办理"}))
			if sat != "" {
				move(f.appeal.Callback(f.ctx, f.op, ap.ID, ap.Version, appeal.CallbackInput{Satisfaction: sat, Solved: solved}))
			}
		}
		// February: two visits, three problems; March: one visit, one problem; December
		// (three months ago): one visit without problems; another leader's visit in March.
		feb1 := f.visit(f.leaderA, 0, "2026-02-03", []int64{f.ent1, f.ent2}, problem(f.ent1, f.catPower, "一"), problem(f.ent2, f.catTax, "二"))
		feb2 := f.visit(f.officer, f.leaderA.UserID, "2026-02-27", []int64{f.ent1}, problem(f.ent1, f.catTax, "三"))
		mar := f.visit(f.leaderA, 0, "2026-03-01", []int64{f.ent3}, problem(f.ent3, f.catTax, "四"))
		f.visit(f.leaderA, 0, "2025-12-15", []int64{f.ent1})
		f.visit(f.leaderB, 0, "2026-03-02", []int64{f.ent1}, problem(f.ent1, f.catTax, "别人的"))
		finish(feb1.Problems[0].AppealID, appeal.Satisfied, true)
		finish(feb1.Problems[1].AppealID, appeal.Unsatisfied, false)
		finish(feb2.Problems[0].AppealID, "", false)
		finish(mar.Problems[0].AppealID, appeal.Basically, true)

		months, err := f.svc.MonthlySummary(f.ctx, f.leaderA, 0, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(months) != 4 || months[0].Month != "2026-03" || months[3].Month != "2025-12" {
			t.Fatalf("months %+v", months)
		}
		for _, m := range months {
			from, to := m.Month+"-01", nextMonth(m.Month)+"-01"
			direct := liaison.MonthSummary{Month: m.Month,
				Visits: f.count(`SELECT COUNT(*) FROM liaison_visits WHERE leader_user_id = $1 AND visited_on >= $2 AND visited_on < $3`, f.leaderA.UserID, from, to),
				OrgsVisited: f.count(`SELECT COUNT(DISTINCT o.org_id) FROM liaison_visit_orgs o JOIN liaison_visits v ON v.id = o.visit_id
					WHERE v.leader_user_id = $1 AND v.visited_on >= $2 AND v.visited_on < $3`, f.leaderA.UserID, from, to)}
			q := `SELECT COUNT(*) FROM liaison_problems p JOIN liaison_visits v ON v.id = p.visit_id JOIN appeals a ON a.id = p.appeal_id
				WHERE v.leader_user_id = $1 AND v.visited_on >= $2 AND v.visited_on < $3`
			direct.Problems = f.count(q, f.leaderA.UserID, from, to)
			direct.Answered = f.count(q+` AND a.state IN ('replied', 'closed')`, f.leaderA.UserID, from, to)
			direct.Closed = f.count(q+` AND a.state = 'closed'`, f.leaderA.UserID, from, to)
			direct.Solved = f.count(q+` AND a.solved = TRUE`, f.leaderA.UserID, from, to)
			direct.CalledBack = f.count(q+` AND a.satisfaction <> ''`, f.leaderA.UserID, from, to)
			direct.Satisfied = f.count(q+` AND a.satisfaction IN ('satisfied', 'basically')`, f.leaderA.UserID, from, to)
			if m != direct {
				t.Errorf("%s: summary %+v, direct %+v", m.Month, m, direct)
			}
		}
		if feb := months[1]; feb.Visits != 2 || feb.Problems != 3 || feb.Solved != 1 || feb.CalledBack != 2 || feb.SatisfactionRate() != 0.5 {
			t.Errorf("February %+v", feb)
		}
		if _, err := f.svc.MonthlySummary(f.ctx, f.leaderB, f.leaderA.UserID, 4); !isErr(err, apperr.ErrNotFound) {
			t.Errorf("another leader's summary: %v", err)
		}
		if _, err := f.svc.MonthlySummary(f.ctx, f.leaderA, 0, 0); !fieldErr(err, "months", "error.range") {
			t.Errorf("0 months: %v", err)
		}
	})
}

func nextMonth(m string) string {
	t, _ := time.Parse("2006-01", m)
	return t.AddDate(0, 1, 0).Format("2006-01")
}
