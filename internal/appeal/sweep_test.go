package appeal_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/jobs"
)

func (f *fx) sweep() appeal.SweepResult {
	f.t.Helper()
	r, err := f.svc.Sweep(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// The clock moves past 80% of a limit: yellow and one warning; past due: red and one
// overdue alert — however often and by however many processes the sweep runs.
func TestSweepLevelsAndExactlyOnceAlerts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		// Dispatched Monday 09:30, claim due Tuesday 17:30: 6.5 + 7 = 13.5 working hours, of
		// which 80% (10 h 48 min) are used on Tuesday at 14:48.
		ap := f.dispatched()
		yellow := time.Date(2026, 3, 3, 14, 48, 0, 0, calendar.Location())
		if total := f.cal.WorkingDuration(ap.Claim.Start, ap.Claim.Due); total != 13*time.Hour+30*time.Minute {
			t.Fatalf("claim budget %v", total)
		}
		if !ap.NextAlertAt.Equal(yellow) {
			t.Fatalf("next alert %v, want the 80%% point %v", ap.NextAlertAt, yellow)
		}
		if r := f.sweep(); r.Checked != 0 {
			t.Fatalf("swept too early: %+v", r)
		}
		f.clock.Set(yellow.Add(-time.Minute))
		if r := f.sweep(); r.Checked != 0 {
			t.Fatalf("swept before the 80%% point: %+v", r)
		}
		f.clock.Set(yellow)
		if r := f.sweep(); r.Warnings != 1 || r.Overdue != 0 {
			t.Fatalf("at 80%%: %+v", r)
		}
		got, _ := f.svc.Get(f.ctx, f.op, ap.ID)
		if got.SLALevel != calendar.LevelYellow || !got.NextAlertAt.Equal(got.Claim.Due.Add(time.Millisecond)) || got.Version != ap.Version {
			t.Fatalf("after the warning: level %s next %v version %d", got.SLALevel, got.NextAlertAt, got.Version)
		}
		f.checkPartDue(ap.ID)
		// Two queues (two processes) and a second direct sweep: nothing more.
		f.sweep()
		for i := 0; i < 2; i++ {
			q := jobs.New(d, jobs.Options{Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			f.svc.RegisterJobs(q)
			if _, err := q.RunOnce(f.ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, a := range []struct {
			name string
			keys []string
		}{{"a1", f.notes(f.a1)}, {"a2", f.notes(f.a2)}} {
			if count(a.keys, "appeal.notify.claim_warning") != 1 {
				t.Errorf("%s heard %v", a.name, a.keys)
			}
		}
		if count(f.notes(f.b1), "appeal.notify.claim_warning") != 0 || count(f.notes(f.op), "appeal.notify.claim_warning") != 0 {
			t.Error("a warning went beyond the lead department")
		}
		var events int
		_ = d.R.QueryRow(`SELECT COUNT(*) FROM notify_events WHERE type = 'appeal.claim_warning'`).Scan(&events)
		if events != 1 {
			t.Errorf("%d claim_warning events, want 1 (for email and webhooks too)", events)
		}
		// The yellow queues list it.
		for _, c := range []struct {
			q     appeal.Queue
			actor int
		}{{appeal.QueueYellow, 0}, {appeal.QueueDeptYellow, 1}} {
			a := f.op
			if c.actor == 1 {
				a = f.a1
			}
			p, err := f.svc.List(f.ctx, a, c.q, appeal.Filter{Sort: appeal.SortDue})
			if err != nil || len(p.Items) != 1 || p.Items[0].ID != ap.ID || p.Total != 1 {
				t.Errorf("%s: %+v %v", c.q, p, err)
			}
		}
		// Past the claim deadline: red, one overdue alert to the department and operators.
		f.clock.Set(got.Claim.Due.Add(time.Minute))
		if r := f.sweep(); r.Overdue != 1 || r.Warnings != 0 {
			t.Fatalf("past due: %+v", r)
		}
		f.sweep()
		q := jobs.New(d, jobs.Options{Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		f.svc.RegisterJobs(q)
		_, _ = q.RunOnce(f.ctx)
		got, _ = f.svc.Get(f.ctx, f.op, ap.ID)
		if got.SLALevel != calendar.LevelRed {
			t.Fatalf("level %s", got.SLALevel)
		}
		if count(f.notes(f.a1), "appeal.notify.claim_overdue") != 1 || count(f.notes(f.op), "appeal.notify.claim_overdue") != 1 {
			t.Errorf("overdue heard by a1 %v, op %v", f.notes(f.a1), f.notes(f.op))
		}
		// The handle clock still runs: its next alert is its own 80% point.
		if at, before := f.cal.SLAProgress(got.Handle, got.NextAlertAt), f.cal.SLAProgress(got.Handle, got.NextAlertAt.Add(-time.Millisecond)); at < calendar.WarnAt || before >= calendar.WarnAt {
			t.Errorf("next alert %v is not the handle clock's 80%% point (progress %v, a millisecond before %v)", got.NextAlertAt, at, before)
		}
		tl, _ := f.svc.Timeline(f.ctx, f.op, ap.ID)
		if n := len(tl); tl[n-2].Action != appeal.ActSLAWarning || tl[n-1].Action != appeal.ActSLAOverdue || tl[n-1].Data["clock"] != "claim" {
			t.Errorf("timeline %v", actions(tl))
		}
		// Claimed late: recorded as not on time; only the green handle clock runs now.
		got = f.must(f.svc.Claim(f.ctx, f.a1, got.ID, got.Version, ""))
		if got.SLALevel != calendar.LevelGreen || got.SLAClock != appeal.ClockHandle {
			t.Errorf("after the late claim: %s %s", got.SLALevel, got.SLAClock)
		}
		parts, _ := f.svc.Assignments(f.ctx, f.op, got.ID)
		if parts[0].ClaimedOnTime == nil || *parts[0].ClaimedOnTime {
			t.Errorf("late claim recorded on time: %+v", parts[0])
		}
		// Handle overdue: the department, operators and supervising leaders hear it once.
		f.links.link(f.ent1, f.leader.UserID)
		got = f.must(f.svc.Supervise(f.ctx, f.leader, got.ID, got.Version, appeal.SuperviseInput{Level: 1}))
		f.clock.Set(got.Handle.Due.Add(time.Hour))
		r := f.sweep()
		if r.Overdue != 1 || r.Warnings != 0 {
			t.Fatalf("handle past due: %+v (the warning was skipped: straight to red)", r)
		}
		f.sweep()
		if count(f.notes(f.leader), "appeal.notify.handle_overdue") != 1 || count(f.notes(f.a1), "appeal.notify.handle_warning") != 0 {
			t.Errorf("leader heard %v; a1 %v", f.notes(f.leader), f.notes(f.a1))
		}
		got, _ = f.svc.Get(f.ctx, f.op, ap.ID)
		if got.SLALevel != calendar.LevelRed || !got.NextAlertAt.IsZero() {
			t.Errorf("all clocks red: level %s next %v", got.SLALevel, got.NextAlertAt)
		}
		// An approved extension moves the deadline: the clock can warn again, once.
		got = f.must(f.svc.RequestExtension(f.ctx, f.a1, got.ID, got.Version, appeal.ExtensionRequest{Days: 10, Reason: "需协调"}))
		got = f.must(f.svc.DecideExtension(f.ctx, f.op, got.ID, got.Version, appeal.ExtensionDecision{Approve: true}))
		if got.SLALevel != calendar.LevelGreen {
			t.Errorf("after the extension: %s", got.SLALevel)
		}
		f.clock.Set(got.Handle.Due.Add(-time.Hour))
		if r := f.sweep(); r.Warnings != 1 {
			t.Errorf("after the extension: %+v", r)
		}
	})
}

// A move on an appeal that is already yellow asks for a sweep at once (the move cannot
// know whether the warning went out); the sweep sends it exactly once.
func TestMoveOnYellowAppealStillWarnsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ap := f.inProgress()
		f.clock.Set(ap.Handle.Due.Add(-30 * time.Minute)) // well past 80%, before due
		ap = f.must(f.svc.Supervise(f.ctx, f.op, ap.ID, ap.Version, appeal.SuperviseInput{Level: 1}))
		if ap.SLALevel != calendar.LevelYellow || !ap.NextAlertAt.Equal(f.clock.Now()) {
			t.Fatalf("after a move on a yellow appeal: %s next %v", ap.SLALevel, ap.NextAlertAt)
		}
		if r := f.sweep(); r.Warnings != 1 {
			t.Fatalf("%+v", r)
		}
		ap = f.must(f.svc.Supervise(f.ctx, f.op, ap.ID, ap.Version, appeal.SuperviseInput{Level: 2}))
		if r := f.sweep(); r.Checked != 1 || r.Warnings != 0 {
			t.Fatalf("second sweep after another move: %+v", r)
		}
		if count(f.notes(f.a1), "appeal.notify.handle_warning") != 1 {
			t.Errorf("a1 heard %v", f.notes(f.a1))
		}
	})
}

// The callback clock runs from the reply until the first callback; operators hear.
func TestCallbackClock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ap := f.replied()
		f.clock.Set(ap.Callback.Due.Add(time.Minute))
		if r := f.sweep(); r.Overdue != 1 {
			t.Fatalf("%+v", r)
		}
		if count(f.notes(f.op), "appeal.notify.callback_overdue") != 1 {
			t.Errorf("operator heard %v", f.notes(f.op))
		}
		ap = f.must(f.svc.Callback(f.ctx, f.op, ap.ID, ap.Version+0, appeal.CallbackInput{Satisfaction: appeal.Unsatisfied}))
		cbs, _ := f.svc.Callbacks(f.ctx, f.op, ap.ID)
		if len(cbs) != 1 || cbs[0].OnTime {
			t.Errorf("late callback: %+v", cbs)
		}
		if ap.SLALevel != "" || !ap.NextAlertAt.IsZero() {
			t.Errorf("after the callback the clock still runs: %s %v", ap.SLALevel, ap.NextAlertAt)
		}
	})
}

// Sweeps racing in several goroutines (as several processes would) alert exactly once.
func TestConcurrentSweeps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		var due time.Time
		for i := 0; i < 5; i++ {
			due = f.dispatched().Claim.Due
		}
		f.clock.Set(due.Add(-time.Hour)) // every claim clock past 80%
		results := make([]appeal.SweepResult, 4)
		errs := race(4, func(i int) error {
			var err error
			results[i], err = f.svc.Sweep(f.ctx)
			return err
		})
		warnings := 0
		for i, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
			warnings += results[i].Warnings
		}
		if warnings != 5 || count(f.notes(f.a1), "appeal.notify.claim_warning") != 5 {
			t.Fatalf("%d warnings, a1 heard %d", warnings, count(f.notes(f.a1), "appeal.notify.claim_warning"))
		}
	})
}
