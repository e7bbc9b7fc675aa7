package appeal_test

import (
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// A year of history through the real moves: the distributions hold and the rows are
// consistent with what the loop itself produces.
func TestGenerateHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		if err := f.svc.SetDefaultDepartments(f.ctx, f.admin, map[string]int64{"utilities": f.deptA, "tax": f.deptB, "market": f.deptC}); err != nil {
			t.Fatal(err)
		}
		from := time.Date(2025, 1, 1, 0, 0, 0, 0, calendar.Location())
		to := time.Date(2025, 12, 31, 0, 0, 0, 0, calendar.Location())
		res, err := appeal.GenerateHistory(f.ctx, f.svc, appeal.HistoryOptions{N: 600, From: from, To: to, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d appeals, %d moves in %v: %v", res.Appeals, res.Moves, res.Elapsed, res.ByState)
		if res.Appeals != 600 || res.Moves < 5*600/2 {
			t.Fatalf("%+v", res)
		}
		if share := float64(res.ByKind[appeal.KindAppeal]) / 600; share < 0.5 || share > 0.7 {
			t.Errorf("诉求 share %.2f", share)
		}
		if res.ByState[appeal.StateClosed] < 400 || res.ByState[appeal.StateRejected] == 0 || res.ByState[appeal.StateMerged] == 0 {
			t.Errorf("states %v", res.ByState)
		}
		var open int
		for _, s := range appeal.OpenStates {
			open += res.ByState[s]
		}
		if open == 0 {
			t.Error("no appeal is still open at the end of the history")
		}
		q := func(sql string) float64 {
			var v float64
			if err := d.R.QueryRow(sql).Scan(&v); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			return v
		}
		if sat := q(`SELECT 1.0 * SUM(CASE WHEN satisfaction IN ('satisfied', 'basically') THEN 1 ELSE 0 END) / COUNT(*) FROM appeal_callbacks`); sat < 0.8 || sat > 0.97 {
			t.Errorf("satisfaction rate %.2f", sat)
		}
		if late := q(`SELECT COUNT(*) FROM appeals WHERE handled_on_time = FALSE`); late == 0 {
			t.Error("nothing answered late")
		}
		if late := q(`SELECT COUNT(*) FROM appeal_assignments WHERE claimed_on_time = FALSE`); late == 0 {
			t.Error("nothing claimed late")
		}
		if redo := q(`SELECT COUNT(*) FROM appeals WHERE redo_count > 0`); redo == 0 {
			t.Error("nothing redone")
		}
		if co := q(`SELECT COUNT(*) FROM appeal_assignments WHERE role = 'co'`); co == 0 {
			t.Error("no co-handlers")
		}
		// Invariants: every dispatched appeal has its round's lead part; every closed one a
		// close time; filing times within the range and numbers of their day.
		if bad := q(`SELECT COUNT(*) FROM appeals a WHERE a.round > 0 AND a.state IN ('dispatched', 'in_progress', 'returned', 'extension_requested')
			AND NOT EXISTS (SELECT 1 FROM appeal_assignments x WHERE x.appeal_id = a.id AND x.round = a.round AND x.role = 'lead')`); bad != 0 {
			t.Errorf("%v appeals without their lead part", bad)
		}
		if bad := q(`SELECT COUNT(*) FROM appeals WHERE state IN ('closed', 'rejected', 'merged') AND closed_at = 0`); bad != 0 {
			t.Errorf("%v finished appeals without a close time", bad)
		}
		if bad := q(`SELECT COUNT(*) FROM appeals WHERE created_at < ` + idStr(from.UnixMilli()) + ` OR updated_at > ` + idStr(to.UnixMilli())); bad != 0 {
			t.Errorf("%v appeals outside the history's range", bad)
		}
		if n := q(`SELECT COUNT(*) FROM notifications`); n != 0 {
			t.Errorf("history wrote %v notifications", n)
		}
		// The same seed gives the same history.
		d2 := dbtest.New(t, d.Engine)
		f2 := newFx(t, d2)
		if err := f2.svc.SetDefaultDepartments(f2.ctx, f2.admin, map[string]int64{"utilities": f2.deptA, "tax": f2.deptB, "market": f2.deptC}); err != nil {
			t.Fatal(err)
		}
		res2, err := appeal.GenerateHistory(f2.ctx, f2.svc, appeal.HistoryOptions{N: 600, From: from, To: to, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if res2.Moves != res.Moves || res2.ByState[appeal.StateClosed] != res.ByState[appeal.StateClosed] {
			t.Errorf("seed 7 twice: %d/%d moves", res.Moves, res2.Moves)
		}
		// The sweep then alerts on what the history left late.
		if r := f.sweep(); r.Checked == 0 {
			t.Errorf("sweep after history: %+v", r)
		}
	})
}
