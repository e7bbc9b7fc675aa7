package stats_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/stats"
)

// direct computes the 三率 counters per department straight from the raw rows, with the
// package doc's definitions written out literally (state = 'answered', Go-side day
// bounds): the roll-up must always agree with it.
func direct(t *testing.T, d *db.DB, from, to time.Time, kind appeal.Kind) map[int64]stats.Counts {
	t.Helper()
	lo, hi := from.UnixMilli(), to.UnixMilli()
	out := map[int64]stats.Counts{}
	k := ""
	args := []any{lo, hi}
	if kind != "" {
		k = ` AND a.kind = $3`
		args = append(args, string(kind))
	}
	q := func(sql string, f func(c *stats.Counts, v []int64)) {
		rows, err := d.R.Query(sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		defer rows.Close()
		for rows.Next() {
			var org int64
			v := make([]int64, 4)
			if err := rows.Scan(&org, &v[0], &v[1], &v[2], &v[3]); err != nil {
				t.Fatal(err)
			}
			c := out[org]
			f(&c, v)
			out[org] = c
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT x.org_id, COUNT(*), COALESCE(SUM(CASE WHEN x.claimed_on_time = TRUE THEN 1 ELSE 0 END), 0), 0, 0
		FROM appeal_assignments x JOIN appeals a ON a.id = x.appeal_id
		WHERE x.dispatched_at >= $1 AND x.dispatched_at < $2 AND x.return_approved = FALSE`+k+` GROUP BY x.org_id`,
		func(c *stats.Counts, v []int64) { c.Dispatched, c.ClaimedOnTime = v[0], v[1] })
	q(`SELECT x.org_id, COUNT(*), COALESCE(SUM(CASE WHEN x.answered_on_time = TRUE THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(x.handle_working_ms), 0), COALESCE(SUM(CASE WHEN x.redone = TRUE THEN 1 ELSE 0 END), 0)
		FROM appeal_assignments x JOIN appeals a ON a.id = x.appeal_id
		WHERE x.role = 'lead' AND x.state = 'answered' AND x.answered_at >= $1 AND x.answered_at < $2`+k+` GROUP BY x.org_id`,
		func(c *stats.Counts, v []int64) {
			c.Answered, c.AnsweredOnTime, c.HandlingMs, c.Redone = v[0], v[1], v[2], v[3]
		})
	q(`SELECT c.lead_org_id, COUNT(*), COALESCE(SUM(CASE WHEN c.solved = TRUE THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.satisfaction IN ('satisfied', 'basically') THEN 1 ELSE 0 END), 0), 0
		FROM appeal_callbacks c JOIN appeals a ON a.id = c.appeal_id
		WHERE c.lead_org_id IS NOT NULL AND c.at >= $1 AND c.at < $2`+k+` GROUP BY c.lead_org_id`,
		func(c *stats.Counts, v []int64) { c.CalledBack, c.Solved, c.Satisfied = v[0], v[1], v[2] })
	return out
}

// directIntake counts appeals filed per category and district in [from, to).
func directIntake(t *testing.T, d *db.DB, from, to time.Time) map[string]int64 {
	t.Helper()
	rows, err := d.R.Query(`SELECT category_id, district_code, COUNT(*) FROM appeals WHERE created_at >= $1 AND created_at < $2
		GROUP BY category_id, district_code`, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var cat, n int64
		var dist string
		if err := rows.Scan(&cat, &dist, &n); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%d/%s", cat, dist)] = n
	}
	return out
}

func rollupIntake(t *testing.T, d *db.DB, p stats.Period) map[string]int64 {
	t.Helper()
	rows, err := d.R.Query(`SELECT category_id, district_code, SUM(filed) FROM stats_intake_day WHERE day >= $1 AND day <= $2
		GROUP BY category_id, district_code`, int64(p.From), int64(p.To))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var cat, n int64
		var dist string
		if err := rows.Scan(&cat, &dist, &n); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%d/%s", cat, dist)] = n
	}
	return out
}

// compare checks the report of random periods (and the whole history) against direct.
func compare(t *testing.T, e *apptest.Env, rng *rand.Rand, first, last time.Time, n int) {
	t.Helper()
	ctx := context.Background()
	loc := calendar.Location()
	span := int(last.Sub(first).Hours()/24) + 1
	an := e.Actor("analyst1")
	for i := 0; i < n; i++ {
		a := first.AddDate(0, 0, rng.IntN(span))
		b := a.AddDate(0, 0, rng.IntN(120))
		if i == 0 {
			a, b = first.AddDate(0, 0, -1), last.AddDate(0, 0, 1)
		}
		if i%4 == 1 { // whole months only: the month roll-up alone
			a = time.Date(a.Year(), a.Month(), 1, 0, 0, 0, 0, loc)
			b = time.Date(b.Year(), b.Month()+1, 0, 0, 0, 0, 0, loc)
		}
		from := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, loc)
		to := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, loc)
		p, err := stats.ParsePeriod("", from.Format("2006-01-02"), to.Format("2006-01-02"), e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		var kind appeal.Kind
		if i%3 == 2 {
			kind = appeal.Kinds[rng.IntN(len(appeal.Kinds))]
		}
		rep, err := e.App.Stats.Assessment(ctx, an, stats.AssessmentQuery{Period: p, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		want := direct(t, e.App.DB, from, to.AddDate(0, 0, 1), kind)
		got := map[int64]stats.Counts{}
		for _, r := range append(rep.Rows, rep.Inactive...) {
			if r.Counts != (stats.Counts{}) {
				got[r.OrgID] = r.Counts
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("period %s..%s kind %q:\n roll-up %v\n direct  %v", p.From, p.To, kind, got, want)
		}
		if gi, wi := rollupIntake(t, e.App.DB, p), directIntake(t, e.App.DB, from, to.AddDate(0, 0, 1)); !reflect.DeepEqual(gi, wi) {
			t.Fatalf("intake %s..%s:\n roll-up %v\n direct  %v", p.From, p.To, gi, wi)
		}
	}
}

func snapshot(t *testing.T, d *db.DB) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT day, org_id, kind, dispatched, claimed_on_time, answered, answered_on_time, handling_ms, redone, called_back, solved, satisfied
			FROM stats_dept_day ORDER BY day, org_id, kind`,
		`SELECT month, org_id, kind, dispatched, claimed_on_time, answered, answered_on_time, handling_ms, redone, called_back, solved, satisfied
			FROM stats_dept_month ORDER BY month, org_id, kind`,
		`SELECT day, category_id, district_code, kind, filed, 0, 0, 0, 0, 0, 0, 0 FROM stats_intake_day ORDER BY day, category_id, district_code, kind`,
	} {
		rows, err := d.R.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			v := make([]any, 12)
			for i := range v {
				v[i] = new(any)
			}
			if err := rows.Scan(v...); err != nil {
				t.Fatal(err)
			}
			s := ""
			for _, x := range v {
				s += fmt.Sprint(*(x.(*any))) + " "
			}
			out = append(out, s)
		}
		rows.Close()
	}
	return out
}

// deptActor is a department user of org.
func deptActor(t *testing.T, e *apptest.Env, org int64) (auth.Actor, bool) {
	var name string
	err := e.App.DB.R.QueryRow(`SELECT u.username FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE u.org_id = $1 AND r.role = 'department' ORDER BY u.id LIMIT 1`, org).Scan(&name)
	if err != nil {
		return auth.Actor{}, false
	}
	return e.Actor(name), true
}

// mutate moves open appeals on: claims, replies, callbacks, reopens and approved
// returns, across several days.
func mutate(t *testing.T, e *apptest.Env, rng *rand.Rand) int {
	t.Helper()
	ctx := context.Background()
	op := e.Actor("operator1")
	type open struct {
		id, lead, version int64
		state             appeal.State
		sat               string
	}
	rows, err := e.App.DB.R.Query(`SELECT id, COALESCE(lead_org_id, 0), version, state, satisfaction FROM appeals
		WHERE state IN ('dispatched', 'in_progress', 'replied', 'returned') ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var list []open
	for rows.Next() {
		var o open
		if err := rows.Scan(&o.id, &o.lead, &o.version, &o.state, &o.sat); err != nil {
			t.Fatal(err)
		}
		list = append(list, o)
	}
	rows.Close()
	moved := 0
	for _, o := range list {
		e.Clock.Advance(time.Duration(1+rng.IntN(20)) * time.Hour)
		var err error
		switch o.state {
		case appeal.StateDispatched:
			if a, ok := deptActor(t, e, o.lead); ok {
				_, err = e.App.Appeal.Claim(ctx, a, o.id, o.version, "")
			}
		case appeal.StateInProgress:
			if a, ok := deptActor(t, e, o.lead); ok {
				_, err = e.App.Appeal.Reply(ctx, a, o.id, o.version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: "已协调办理"})
			}
		case appeal.StateReplied:
			if o.sat == string(appeal.Unsatisfied) && o.lead != 0 {
				_, err = e.App.Appeal.Reopen(ctx, op, o.id, o.version, appeal.DispatchInput{LeadOrgID: o.lead})
			} else {
				_, err = e.App.Appeal.Callback(ctx, op, o.id, o.version, appeal.CallbackInput{
					Satisfaction: appeal.Satisfactions[rng.IntN(3)], Solved: rng.IntN(2) == 0})
			}
		case appeal.StateReturned:
			_, err = e.App.Appeal.RuleReturn(ctx, op, o.id, o.version, appeal.ReturnRuling{Approve: true, Note: "非本单位职责"})
		}
		if err != nil {
			t.Fatalf("%s on %d: %v", o.state, o.id, err)
		}
		moved++
	}
	return moved
}

// The roll-up always equals the direct computation over the raw rows: after a history,
// after further moves on the same appeals (cells recomputed incrementally), after a
// rebuild, and after replaying every event from the start (idempotent).
func TestRollupEqualsDirect(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 60}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(11, 3))
		to := e.Clock.Now()
		first := to.AddDate(-1, 0, 0)
		if _, err := e.App.LoadDemoAppeals(ctx, e.Demo, 120, 5); err != nil {
			t.Fatal(err)
		}
		// A busier last month leaves appeals open in every state.
		if _, err := appeal.GenerateHistory(ctx, e.App.Appeal, appeal.HistoryOptions{N: 80, From: to.AddDate(0, 0, -20), To: to, Seed: 9}); err != nil {
			t.Fatal(err)
		}
		e.RunJobs()
		fr, err := e.App.Stats.Freshness(ctx)
		if err != nil || fr.Pending != 0 || fr.Watermark == 0 {
			t.Fatalf("freshness %+v %v", fr, err)
		}
		compare(t, e, rng, first, to, 25)

		// Moves on the same appeals: the cells they touch are recomputed.
		moved := 0
		for range 3 {
			moved += mutate(t, e, rng)
		}
		if moved < 15 {
			t.Fatalf("only %d moves", moved)
		}
		fr, _ = e.App.Stats.Freshness(ctx)
		if fr.Pending == 0 {
			t.Fatal("moves left no pending events")
		}
		e.RunJobs()
		compare(t, e, rng, first, e.Clock.Now(), 25)

		// A rebuild gives the same rows; so does replaying every event again.
		inc := snapshot(t, e.App.DB)
		if len(inc) == 0 {
			t.Fatal("empty roll-up")
		}
		res, err := e.App.Stats.RebuildRollup(ctx)
		if err != nil || !res.Rebuilt {
			t.Fatalf("rebuild %+v %v", res, err)
		}
		if got := snapshot(t, e.App.DB); !reflect.DeepEqual(got, inc) {
			t.Fatalf("rebuild differs: %d rows vs %d", len(got), len(inc))
		}
		if _, err := e.App.DB.W.Exec(`UPDATE stats_watermark SET event_id = 0`); err != nil {
			t.Fatal(err)
		}
		for _, tb := range []string{"stats_dept_month", "stats_dept_day"} {
			if _, err := e.App.DB.W.Exec(`DELETE FROM ` + tb + ` WHERE org_id = (SELECT MIN(org_id) FROM stats_dept_day)`); err != nil {
				t.Fatal(err)
			}
		}
		res, err = e.App.Stats.CatchUp(ctx)
		if err != nil || res.Batches == 0 || res.Rebuilt {
			t.Fatalf("replay %+v %v", res, err)
		}
		if got := snapshot(t, e.App.DB); !reflect.DeepEqual(got, inc) {
			t.Fatalf("replay differs: %d rows vs %d", len(got), len(inc))
		}
		// Caught up: another run consumes nothing.
		res, err = e.App.Stats.CatchUp(ctx)
		if err != nil || res.Events != 0 {
			t.Fatalf("second catch-up %+v %v", res, err)
		}
	})
}

// A run recomputes each cell once for all the events of a batch, however many steps it
// reads them in: a burst of intake into one category's day is one recomputation, not one
// for every few thousand events. Batches still end at their cells' or events' bound, and
// the roll-up equals the direct counts either way.
func TestRollupBatchesByCells(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 20}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.RunJobs()
		op := e.Actor("operator1")
		cats := []string{"finance", "tax"}
		file := func(n int, catsUsed int) {
			t.Helper()
			for i := range n {
				_, err := e.App.Appeal.Create(ctx, op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryCode: cats[i%catsUsed],
					Title: fmt.Sprintf("贷款审批周期过长 %d", i), Body: "银行审批周期过长，影响融资。", EnterpriseName: "长沙某科技有限公司",
					DistrictCode: "430104", ContactName: "王经理", ContactPhone: "13800138000"})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		today := func() {
			t.Helper()
			now := e.Clock.Now()
			day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, calendar.Location())
			p, err := stats.ParsePeriod("", day.Format("2006-01-02"), day.Format("2006-01-02"), now)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := rollupIntake(t, e.App.DB, p), directIntake(t, e.App.DB, day, day.AddDate(0, 0, 1)); !reflect.DeepEqual(got, want) || len(want) == 0 {
				t.Fatalf("today's intake: roll-up %v, direct %v", got, want)
			}
		}
		cases := []struct {
			name                 string
			step, events         int64
			cells, n, cats       int
			batches, intakeCells int
		}{
			{"one category's day in steps of 10", 10, 100_000, 200, 40, 1, 1, 1},
			{"a batch ends at its cells", 10, 100_000, 1, 40, 2, 4, 8},
			{"a batch ends at its events", 10, 20, 200, 40, 1, 2, 2},
		}
		for _, c := range cases {
			restore := stats.SetBatches(c.step, c.cells, c.events)
			file(c.n, c.cats)
			res, err := e.App.Stats.CatchUp(ctx)
			restore()
			if err != nil {
				t.Fatal(err)
			}
			if res.Events != int64(c.n) || res.Batches != c.batches || res.Intake != c.intakeCells {
				t.Errorf("%s: %d events in %d transactions, %d category days recomputed; want %d, %d, %d",
					c.name, res.Events, res.Batches, res.Intake, c.n, c.batches, c.intakeCells)
			}
			today()
		}
	})
}
