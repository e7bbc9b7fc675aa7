package appeal_test

import (
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

func sh(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, calendar.Location())
}

// Filed and dispatched on the eve of National Day 2025 (1–8 October off with
// Mid-Autumn; Saturday 11 October a make-up working day): the deadlines land after the
// break, on the days the calendar says.
func TestDeadlinesAcrossNationalDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		f.clock.Set(sh(2025, 9, 30, 16, 0))
		cases := []struct {
			name                        string
			kind                        appeal.Kind
			priority                    appeal.Priority
			claim, handle, callbackFrom time.Time
		}{
			// 1 working day → Thursday 9 October; 5 → 9, 10, 11 (Sat, make-up), 13, 14.
			{"appeal", appeal.KindAppeal, appeal.PriorityNormal, sh(2025, 10, 9, 17, 30), sh(2025, 10, 14, 17, 30), time.Time{}},
			// Consultations: 2 working days.
			{"consultation", appeal.KindConsultation, appeal.PriorityNormal, sh(2025, 10, 9, 17, 30), sh(2025, 10, 10, 17, 30), time.Time{}},
			// Urgent: 2 working hours (16:00–17:30, then 09:00–09:30), 1 working day.
			{"urgent", appeal.KindComplaint, appeal.PriorityUrgent, sh(2025, 10, 9, 9, 30), sh(2025, 10, 9, 17, 30), time.Time{}},
		}
		for _, c := range cases {
			ap := f.hotline(func(in *appeal.NewAppeal) { in.Kind, in.Priority = c.kind, c.priority })
			ap = f.must(f.svc.Accept(f.ctx, f.op, ap.ID, ap.Version, ""))
			ap = f.must(f.svc.Dispatch(f.ctx, f.op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: f.deptA}))
			if !ap.Claim.Due.Equal(c.claim) || !ap.Handle.Due.Equal(c.handle) {
				t.Errorf("%s: claim %v handle %v, want %v %v", c.name, ap.Claim.Due.In(calendar.Location()), ap.Handle.Due.In(calendar.Location()), c.claim, c.handle)
			}
			// And the calendar agrees.
			if c.priority == appeal.PriorityNormal && !f.cal.AddWorkingDays(f.clock.Now(), 1).Equal(ap.Claim.Due) {
				t.Errorf("%s: the calendar disagrees", c.name)
			}
			if ap.Number != "ZQ20250930"+ap.Number[10:] {
				t.Errorf("number %s is not of the Shanghai day", ap.Number)
			}
		}
		// The callback clock: replied on 14 October at 10:00, 2 working days → 16 October.
		ap := f.inProgress()
		f.clock.Set(sh(2025, 10, 14, 10, 0))
		ap = f.must(f.svc.Reply(f.ctx, f.a1, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: "已办结"}))
		if want := sh(2025, 10, 16, 17, 30); !ap.Callback.Due.Equal(want) {
			t.Errorf("callback due %v, want %v", ap.Callback.Due, want)
		}
		// An appeal filed at 23:59 Shanghai time belongs to that day, whatever UTC says.
		f.clock.Set(sh(2025, 12, 31, 23, 59))
		if ap := f.hotline(); ap.Number[:10] != "ZQ20251231" {
			t.Errorf("number %s", ap.Number)
		}
		f.clock.Set(sh(2026, 1, 1, 0, 1))
		if ap := f.hotline(); ap.Number != "ZQ20260101000001" {
			t.Errorf("new day's first number %s", ap.Number)
		}
	})
}

func lim(days int) *appeal.Limit { return &appeal.Limit{Days: days} }

// Limits resolve default → kind → category (parent, then child) → urgent.
func TestLimitsResolution(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		util, _ := s.Category(ctx, f.admin, f.catUtilities)
		if _, err := s.UpdateCategory(ctx, f.admin, util.ID, appeal.CategoryInput{Code: util.Code, Name: util.Name, NameEN: util.NameEN,
			Active: true, SortOrder: util.SortOrder, Limits: appeal.LimitSet{Handle: lim(10), Callback: lim(3)}, Version: util.Version}); err != nil {
			t.Fatal(err)
		}
		pow, _ := s.Category(ctx, f.admin, f.catPower)
		if _, err := s.UpdateCategory(ctx, f.admin, pow.ID, appeal.CategoryInput{Code: pow.Code, Name: pow.Name, ParentID: pow.ParentID,
			Active: true, Limits: appeal.LimitSet{Handle: lim(7)}, Version: pow.Version}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name     string
			kind     appeal.Kind
			cat      int64
			prio     appeal.Priority
			claim    appeal.Limit
			handle   appeal.Limit
			callback appeal.Limit
		}{
			{"default", appeal.KindAppeal, f.catTax, appeal.PriorityNormal, appeal.Limit{Days: 1}, appeal.Limit{Days: 5}, appeal.Limit{Days: 2}},
			{"consultation", appeal.KindConsultation, f.catTax, appeal.PriorityNormal, appeal.Limit{Days: 1}, appeal.Limit{Days: 2}, appeal.Limit{Days: 2}},
			{"urgent", appeal.KindAppeal, f.catTax, appeal.PriorityUrgent, appeal.Limit{Hours: 2}, appeal.Limit{Days: 1}, appeal.Limit{Days: 2}},
			{"parent category", appeal.KindConsultation, f.catUtilities, appeal.PriorityNormal, appeal.Limit{Days: 1}, appeal.Limit{Days: 10}, appeal.Limit{Days: 3}},
			{"child over parent", appeal.KindAppeal, f.catPower, appeal.PriorityNormal, appeal.Limit{Days: 1}, appeal.Limit{Days: 7}, appeal.Limit{Days: 3}},
			{"urgent over category", appeal.KindAppeal, f.catPower, appeal.PriorityUrgent, appeal.Limit{Hours: 2}, appeal.Limit{Days: 1}, appeal.Limit{Days: 3}},
		} {
			got, err := s.Limits(ctx, c.kind, c.cat, c.prio)
			if err != nil {
				t.Fatal(err)
			}
			if got.Claim != c.claim || got.Handle != c.handle || got.Callback != c.callback {
				t.Errorf("%s: %+v", c.name, got)
			}
		}
		// Settings: administrators only, validated, and in force at once in this process.
		st, _ := s.Settings(ctx)
		st.Default.Handle = lim(4)
		if err := s.UpdateSettings(ctx, f.op, st); !isErr(err, apperr.ErrForbidden, "") {
			t.Errorf("operator edits settings: %v", err)
		}
		bad := st
		bad.Default.Claim = &appeal.Limit{Days: 1, Hours: 2}
		bad.Urgent.Handle = lim(400)
		bad.Districts = append(bad.Districts, appeal.District{Code: "4301", Name: "x"})
		bad.MaxExtensionDays = 0
		err := s.UpdateSettings(ctx, f.admin, bad)
		for _, fe := range []string{"default.claim", "urgent.handle", "districts.9.code", "max_extension_days"} {
			if !fieldErr(err, fe, "") {
				t.Errorf("want an error on %s: %v", fe, err)
			}
		}
		if err := s.UpdateSettings(ctx, f.admin, st); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Limits(ctx, appeal.KindAppeal, f.catTax, appeal.PriorityNormal); got.Handle != (appeal.Limit{Days: 4}) {
			t.Errorf("after the edit: %+v", got)
		}
		// Another process (a fresh service on the same database) reads the stored row.
		other := appeal.New(appeal.Deps{DB: d, Audit: f.audit, Calendar: f.cal, Clock: f.clock})
		if got, _ := other.Limits(ctx, appeal.KindAppeal, f.catTax, appeal.PriorityNormal); got.Handle != (appeal.Limit{Days: 4}) {
			t.Errorf("another process: %+v", got)
		}
	})
}

// The catalogue: seeded once, edited by administrators, validated.
func TestCategories(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		if n, err := s.EnsureDefaults(ctx); n != 0 || err != nil {
			t.Fatalf("second seed added %d (%v)", n, err)
		}
		cats, err := s.Categories(ctx, f.e1, false)
		if err != nil || len(cats) != len(appeal.DefaultCategories) {
			t.Fatalf("%d categories (%v)", len(cats), err)
		}
		// Parents come before their children.
		pos := map[int64]int{}
		for i, c := range cats {
			pos[c.ID] = i
			if c.ParentID != 0 && pos[c.ParentID] >= i {
				t.Errorf("%s before its parent", c.Code)
			}
		}
		if err := s.SetDefaultDepartments(ctx, f.admin, map[string]int64{"utilities.power": f.deptA, "tax": f.deptB}); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.Category(ctx, f.op, f.catPower); c.DefaultDeptID != f.deptA {
			t.Errorf("default department %d", c.DefaultDeptID)
		}
		if err := s.SetDefaultDepartments(ctx, f.admin, map[string]int64{"tax": f.ent1}); !fieldErr(err, "default_dept_id", "appeal.error.department") {
			t.Errorf("an enterprise as department: %v", err)
		}
		if err := s.SetDefaultDepartments(ctx, f.admin, map[string]int64{"nope": f.deptA}); !fieldErr(err, "code", "appeal.error.category_unknown") {
			t.Errorf("unknown code: %v", err)
		}
		if _, err := s.CreateCategory(ctx, f.op, appeal.CategoryInput{Code: "x", Name: "x"}); !isErr(err, apperr.ErrForbidden, "") {
			t.Errorf("operator creates a category: %v", err)
		}
		c, err := s.CreateCategory(ctx, f.admin, appeal.CategoryInput{Code: "utilities.heat", Name: "供热", ParentID: f.catUtilities, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []struct {
			in    appeal.CategoryInput
			field string
		}{
			{appeal.CategoryInput{Code: "utilities.heat", Name: "重复"}, "code"},
			{appeal.CategoryInput{Code: "Bad Code", Name: "x"}, "code"},
			{appeal.CategoryInput{Code: "y", Name: ""}, "name"},
			{appeal.CategoryInput{Code: "y", Name: "y", ParentID: 999999}, "parent_id"},
			{appeal.CategoryInput{Code: "y", Name: "y", Limits: appeal.LimitSet{Claim: &appeal.Limit{}}}, "limits.claim"},
		} {
			if _, err := s.CreateCategory(ctx, f.admin, bad.in); !fieldErr(err, bad.field, "") {
				t.Errorf("%+v: %v", bad.in, err)
			}
		}
		// A category cannot become its own ancestor.
		if _, err := s.UpdateCategory(ctx, f.admin, f.catUtilities, appeal.CategoryInput{Code: "utilities", Name: "水电气网", ParentID: c.ID, Active: true, Version: 1}); !fieldErr(err, "parent_id", "appeal.error.category_cycle") {
			t.Errorf("cycle: %v", err)
		}
	})
}
