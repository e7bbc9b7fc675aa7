package appeal_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// Paging by cursor in each sort order visits every appeal once, in order; filters narrow.
func TestQueuePagingAndFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		var all []appeal.Appeal
		for i := 0; i < 7; i++ {
			f.clock.Advance(time.Hour)
			ap := f.hotline(func(in *appeal.NewAppeal) {
				in.Title = fmt.Sprintf("第%d件 用电问题", i)
				if i%2 == 1 {
					in.Kind, in.CategoryID, in.DistrictCode, in.Priority = appeal.KindComplaint, f.catTax, "430111", appeal.PriorityUrgent
				}
			})
			ap = f.must(s.Accept(ctx, f.op, ap.ID, ap.Version, ""))
			all = append(all, ap)
		}
		// Touch them in a shuffled order so "updated" differs from "created".
		for _, i := range []int{3, 0, 5, 1, 6, 2, 4} {
			f.clock.Advance(time.Minute)
			all[i] = f.must(s.Supervise(ctx, f.op, all[i].ID, all[i].Version, appeal.SuperviseInput{Level: 1}))
		}
		walk := func(q appeal.Queue, flt appeal.Filter) []int64 {
			t.Helper()
			var ids []int64
			flt.Limit = 3
			for pages := 0; ; pages++ {
				p, err := s.List(ctx, f.op, q, flt)
				if err != nil {
					t.Fatalf("%s %+v: %v", q, flt, err)
				}
				if pages == 0 && (p.Total != 7 || p.TotalCapped) && flt.Kind == "" && flt.CategoryID == 0 {
					t.Errorf("%s total %d", q, p.Total)
				}
				for _, it := range p.Items {
					ids = append(ids, it.ID)
				}
				if p.NextCursor == "" {
					return ids
				}
				flt.Cursor, flt.SkipCount = p.NextCursor, true
				if pages > 10 {
					t.Fatal("paging does not end")
				}
			}
		}
		byCreated := make([]int64, 0, 7)
		for i := len(all) - 1; i >= 0; i-- {
			byCreated = append(byCreated, all[i].ID)
		}
		if got := walk(appeal.QueueAccepted, appeal.Filter{}); !slices.Equal(got, byCreated) {
			t.Errorf("created order %v, want %v", got, byCreated)
		}
		upd := slices.Clone(all)
		slices.SortFunc(upd, func(a, b appeal.Appeal) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
		var byUpdated []int64
		for _, a := range upd {
			byUpdated = append(byUpdated, a.ID)
		}
		if got := walk(appeal.QueueAccepted, appeal.Filter{Sort: appeal.SortUpdated}); !slices.Equal(got, byUpdated) {
			t.Errorf("updated order %v, want %v", got, byUpdated)
		}
		// A category with children, by last move: the newest of each category, merged
		// (byCategory), page by page in the same order as the unfiltered walk.
		var utilByUpdated []int64
		for _, a := range upd {
			if a.CategoryID != f.catTax {
				utilByUpdated = append(utilByUpdated, a.ID)
			}
		}
		for q, flt := range map[appeal.Queue]appeal.Filter{
			appeal.QueueAccepted: {CategoryID: f.catUtilities, Sort: appeal.SortUpdated},
			appeal.QueueAll:      {CategoryID: f.catUtilities, Sort: appeal.SortUpdated, State: appeal.StateAccepted},
		} {
			if got := walk(q, flt); len(utilByUpdated) != 4 || !slices.Equal(got, utilByUpdated) {
				t.Errorf("%s, utilities by last move: %v, want %v", q, got, utilByUpdated)
			}
		}
		if got := walk(appeal.QueueSupervised, appeal.Filter{Sort: appeal.SortDue}); len(got) != 7 {
			t.Errorf("supervised by due: %v", got)
		}
		for _, c := range []struct {
			name string
			flt  appeal.Filter
			want int
		}{
			{"kind", appeal.Filter{Kind: appeal.KindComplaint}, 3},
			{"category with children", appeal.Filter{CategoryID: f.catUtilities}, 4},
			{"no such category", appeal.Filter{CategoryID: 987654}, 0},
			{"district", appeal.Filter{District: "430111"}, 3},
			{"district outside the city", appeal.Filter{District: "110101"}, 0},
			{"district with quotes", appeal.Filter{District: "430111' OR '1'='1"}, 0},
			{"priority", appeal.Filter{Priority: appeal.PriorityUrgent}, 3},
			{"title", appeal.Filter{Q: "第2件"}, 1},
			{"number", appeal.Filter{Q: all[4].Number}, 1},
			{"like is escaped", appeal.Filter{Q: "%"}, 0},
			{"from", appeal.Filter{From: all[5].CreatedAt}, 2},
			{"to", appeal.Filter{To: all[1].CreatedAt}, 1},
			{"supervised", appeal.Filter{Supervised: true}, 7},
			{"level", appeal.Filter{Level: "red"}, 0},
		} {
			p, err := s.List(ctx, f.op, appeal.QueueAccepted, c.flt)
			if err != nil || len(p.Items) != c.want || p.Total != c.want {
				t.Errorf("%s: %d items, total %d (%v), want %d", c.name, len(p.Items), p.Total, err, c.want)
			}
		}
		if _, err := s.List(ctx, f.op, appeal.QueueAll, appeal.Filter{Sort: appeal.SortDue}); !fieldErr(err, "sort", "appeal.error.sort") {
			t.Errorf("all by due without a state: %v", err)
		}
		if _, err := s.List(ctx, f.op, appeal.QueueAll, appeal.Filter{Sort: appeal.SortDue, State: appeal.StateAccepted}); err != nil {
			t.Errorf("all by due within a state: %v", err)
		}
		if _, err := s.List(ctx, f.op, appeal.QueueAccepted, appeal.Filter{Cursor: "!!"}); !fieldErr(err, "cursor", "error.cursor") {
			t.Errorf("bad cursor: %v", err)
		}
		counts, err := s.Counts(ctx, f.op)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range counts {
			want := map[appeal.Queue]int{appeal.QueueAccepted: 7, appeal.QueueSupervised: 7, appeal.QueueAll: 7}[c.Queue]
			if c.Count != want || c.Capped {
				t.Errorf("count of %s: %d", c.Queue, c.Count)
			}
		}
		if _, err := s.Counts(ctx, f.analyst); err != nil {
			t.Errorf("analyst counts: %v", err)
		}
		if _, err := s.List(ctx, f.analyst, appeal.QueueAll, appeal.Filter{}); !isErr(err, apperr.ErrForbidden, "") {
			t.Errorf("analyst lists: %v", err)
		}
	})
}

// Counts stop at CountCap ("10,000+"), the history queues' at HistoryCountCap ("1,000+").
func TestCountIsCapped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		seed := f.hotline()
		ins := `INSERT INTO appeals (number, query_code, kind, channel, category_id, district_code, title, body, enterprise_name, state, created_at, updated_at)
			SELECT 'ZQ19990101' || i, 'AAAAAA', 'appeal', 'hotline', $1, '430104', 't', 'b', 'e', 'closed', 1, 1 FROM `
		q := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10050) ` + ins + `n`
		if d.Engine == db.Postgres {
			q = ins + `generate_series(1, 10050) AS g(i)`
		}
		_, err := d.W.Exec(q, seed.CategoryID)
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.List(f.ctx, f.op, appeal.QueueAll, appeal.Filter{State: appeal.StateClosed, Limit: 5})
		if err != nil || !p.TotalCapped || p.Total != appeal.HistoryCountCap || len(p.Items) != 5 {
			t.Fatalf("%d capped=%v items=%d %v", p.Total, p.TotalCapped, len(p.Items), err)
		}
		// An open-state queue counts to CountCap: accept 10,050 at once.
		if _, err := d.W.Exec(`UPDATE appeals SET state = 'accepted' WHERE state = 'closed'`); err != nil {
			t.Fatal(err)
		}
		p, err = f.svc.List(f.ctx, f.op, appeal.QueueAccepted, appeal.Filter{Limit: 5})
		if err != nil || !p.TotalCapped || p.Total != appeal.CountCap {
			t.Fatalf("accepted: %d capped=%v %v", p.Total, p.TotalCapped, err)
		}
		p, _ = f.svc.List(f.ctx, f.op, appeal.QueueSubmitted, appeal.Filter{})
		if p.Total != 1 || p.TotalCapped {
			t.Errorf("submitted: %d", p.Total)
		}
	})
}

// A department's 待签收 and 办理中 by deadline read the parts' copy of the appeal's
// deadline: paging visits the department's open parts in the order of their appeals'
// deadlines, which an approved extension and a claim move.
func TestDeptQueuesByDeadline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		var aps []appeal.Appeal
		for i := 0; i < 7; i++ {
			f.clock.Advance(time.Duration(1+i%3) * time.Hour)
			aps = append(aps, f.dispatched())
		}
		// deptA claims five in a shuffled order, at different times; the oldest claimed
		// gets three more working days.
		for _, i := range []int{4, 0, 6, 2, 1} {
			f.clock.Advance(50 * time.Minute)
			aps[i] = f.must(s.Claim(ctx, f.a1, aps[i].ID, aps[i].Version, ""))
		}
		aps[0] = f.must(s.RequestExtension(ctx, f.a1, aps[0].ID, aps[0].Version, appeal.ExtensionRequest{Days: 3, Reason: "需现场勘查"}))
		aps[0] = f.must(s.DecideExtension(ctx, f.op, aps[0].ID, aps[0].Version, appeal.ExtensionDecision{Approve: true}))
		byDue := func(ids []int) []int64 {
			var sel []appeal.Appeal
			for _, i := range ids {
				ap, err := s.Get(ctx, f.op, aps[i].ID)
				if err != nil {
					t.Fatal(err)
				}
				f.checkPartDue(ap.ID)
				sel = append(sel, ap)
			}
			slices.SortFunc(sel, func(a, b appeal.Appeal) int {
				if c := a.SLADue.Compare(b.SLADue); c != 0 {
					return c
				}
				return int(a.ID - b.ID)
			})
			out := make([]int64, len(sel))
			for i, ap := range sel {
				out[i] = ap.ID
			}
			return out
		}
		walk := func(q appeal.Queue) []int64 {
			t.Helper()
			var ids []int64
			flt := appeal.Filter{Sort: appeal.SortDue, Limit: 2}
			for pages := 0; pages < 10; pages++ {
				p, err := s.List(ctx, f.a1, q, flt)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				for _, it := range p.Items {
					ids = append(ids, it.ID)
				}
				if p.NextCursor == "" {
					return ids
				}
				flt.Cursor, flt.SkipCount = p.NextCursor, true
			}
			t.Fatal("paging does not end")
			return nil
		}
		want := byDue([]int{0, 1, 2, 4, 6})
		if want[len(want)-1] != aps[0].ID {
			t.Fatalf("the extended appeal is not the latest deadline: %v", want)
		}
		if got := walk(appeal.QueueDeptHandling); !slices.Equal(got, want) {
			t.Errorf("办理中 by deadline %v, want %v", got, want)
		}
		if got, want := walk(appeal.QueueDeptToClaim), byDue([]int{3, 5}); !slices.Equal(got, want) {
			t.Errorf("待签收 by deadline %v, want %v", got, want)
		}
		// Counts: the parts alone without a condition on the appeal, joined with one.
		aps[1] = f.must(s.Supervise(ctx, f.op, aps[1].ID, aps[1].Version, appeal.SuperviseInput{Level: 1}))
		for _, c := range []struct {
			q    appeal.Queue
			flt  appeal.Filter
			want int
		}{
			{appeal.QueueDeptHandling, appeal.Filter{}, 5},
			{appeal.QueueDeptToClaim, appeal.Filter{}, 2},
			{appeal.QueueDeptHandling, appeal.Filter{Supervised: true}, 1},
			{appeal.QueueDeptToClaim, appeal.Filter{Supervised: true}, 0},
		} {
			p, err := s.List(ctx, f.a1, c.q, c.flt)
			if err != nil || p.Total != c.want || len(p.Items) != c.want {
				t.Errorf("%s %+v: total %d, %d items (%v), want %d", c.q, c.flt, p.Total, len(p.Items), err, c.want)
			}
		}
	})
}

// A queue's count is kept until this process commits a write: a change made behind the
// service's back (plain SQL, as another process would) is not seen until then, a
// committed intake is seen at once, and a count taken inside a transaction — its own
// uncommitted appeal included — is never kept for others.
func TestCountsCachedUntilACommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		total := func() int {
			t.Helper()
			p, err := f.svc.List(f.ctx, f.op, appeal.QueueSubmitted, appeal.Filter{Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			return p.Total
		}
		f.hotline()
		f.hotline()
		if n := total(); n != 2 {
			t.Fatalf("submitted: %d, want 2", n)
		}
		// Behind the service's back: the count is the cached one.
		if _, err := d.W.Exec(`UPDATE appeals SET state = 'accepted' WHERE state = 'submitted'`); err != nil {
			t.Fatal(err)
		}
		if n := total(); n != 2 {
			t.Fatalf("submitted after a change behind the service's back: %d, want the cached 2", n)
		}
		// A committed intake: counted again (the change above included).
		f.hotline()
		if n := total(); n != 1 {
			t.Fatalf("submitted after an intake: %d, want 1 (two accepted behind its back, one filed)", n)
		}
		// Inside a transaction that rolls back.
		err := d.WithTx(f.ctx, func(ctx context.Context) error {
			if _, err := f.svc.Create(ctx, f.op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: f.catPower, Title: "事务内",
				Body: "不会提交", EnterpriseOrgID: f.ent1, ContactName: "王经理", ContactPhone: "13812345678"}); err != nil {
				return err
			}
			p, err := f.svc.List(ctx, f.op, appeal.QueueSubmitted, appeal.Filter{Limit: 5})
			if err != nil {
				return err
			}
			if p.Total != 2 {
				t.Errorf("inside the transaction: %d, want 2 (its own appeal too)", p.Total)
			}
			return errors.New("roll back")
		})
		if err == nil || err.Error() != "roll back" {
			t.Fatalf("the transaction ended with %v, want its own rollback", err)
		}
		if n := total(); n != 1 {
			t.Fatalf("after the rollback: %d, want 1 (the transaction's count was kept)", n)
		}
	})
}

// A category's filter holds its whole subtree, however deep the catalogue goes, and
// nothing beside it.
func TestCategoryFilterHoldsTheSubtree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		// utilities → utilities.power → …grid → …grid.meter: four levels, the deepest allowed.
		parent := f.catPower
		var deep []int64
		for _, code := range []string{"utilities.power.grid", "utilities.power.grid.meter"} {
			c, err := s.CreateCategory(ctx, f.admin, appeal.CategoryInput{Code: code, Name: code, ParentID: parent, Active: true})
			if err != nil {
				t.Fatalf("create %s: %v", code, err)
			}
			deep = append(deep, c.ID)
			parent = c.ID
		}
		byCat := map[int64][]int64{}
		for _, c := range []int64{f.catUtilities, f.catPower, deep[0], deep[1], f.catTax} {
			ap := f.hotline(func(in *appeal.NewAppeal) { in.CategoryID = c })
			byCat[c] = append(byCat[c], ap.ID)
		}
		for _, c := range []struct {
			name string
			cat  int64
			want []int64
		}{
			{"root", f.catUtilities, slices.Concat(byCat[f.catUtilities], byCat[f.catPower], byCat[deep[0]], byCat[deep[1]])},
			{"second level", f.catPower, slices.Concat(byCat[f.catPower], byCat[deep[0]], byCat[deep[1]])},
			{"deepest", deep[1], byCat[deep[1]]},
			{"beside", f.catTax, byCat[f.catTax]},
		} {
			p, err := s.List(ctx, f.op, appeal.QueueSubmitted, appeal.Filter{CategoryID: c.cat})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var got []int64
			for _, it := range p.Items {
				got = append(got, it.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) || p.Total != len(c.want) {
				t.Errorf("%s: %v (total %d), want %v", c.name, got, p.Total, c.want)
			}
		}
	})
}

// The dispatch catalogue is read once per CatalogueTTL: a change made behind this
// process's back (another process) is seen after the TTL and not before; this process's
// own changes at once; a caller's copy of a category is its own.
func TestCatalogueIsReusedBriefly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		name := func() string {
			t.Helper()
			c, err := s.CategoryByCode(ctx, f.op, "tax")
			if err != nil {
				t.Fatal(err)
			}
			return c.Name
		}
		before := name()
		if _, err := d.W.ExecContext(ctx, `UPDATE appeal_categories SET name = '税务（改）' WHERE code = 'tax'`); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(appeal.CatalogueTTL - time.Millisecond)
		if got := name(); got != before {
			t.Errorf("within the TTL: %q, want the kept %q", got, before)
		}
		f.clock.Advance(time.Millisecond)
		if got := name(); got != "税务（改）" {
			t.Errorf("after the TTL: %q, want the stored name", got)
		}

		// This process's change: at once, for the filter's subtree and for intake too.
		tax, err := s.Category(ctx, f.admin, f.catTax)
		if err != nil {
			t.Fatal(err)
		}
		child, err := s.CreateCategory(ctx, f.admin, appeal.CategoryInput{Code: "tax.rebate", Name: "出口退税", ParentID: f.catTax, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		ap := f.hotline(func(in *appeal.NewAppeal) { in.CategoryID = child.ID })
		p, err := s.List(ctx, f.op, appeal.QueueSubmitted, appeal.Filter{CategoryID: f.catTax})
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != ap.ID {
			t.Fatalf("the new child's appeal under its parent's filter: %+v, %v", p.Items, err)
		}
		in := appeal.CategoryInput{Code: tax.Code, Name: tax.Name, ParentID: tax.ParentID, Active: false,
			Limits: appeal.LimitSet{Handle: &appeal.Limit{Days: 3}}, SortOrder: tax.SortOrder, Version: tax.Version}
		if _, err := s.UpdateCategory(ctx, f.admin, f.catTax, in); err != nil {
			t.Fatal(err)
		}
		_, err = s.Create(ctx, f.op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryCode: "tax", Title: "退税迟迟未到账",
			Body: "申请出口退税三个月未到账。", EnterpriseOrgID: f.ent1, ContactName: "王经理", ContactPhone: "13812345678"})
		if !fieldErr(err, "category_id", "appeal.error.category_inactive") {
			t.Fatalf("intake in a category retired a moment ago: %v, want category_inactive", err)
		}
		c, err := s.CategoryByCode(ctx, f.op, "tax")
		if err != nil || c.Active || c.Limits.Handle == nil || c.Limits.Handle.Days != 3 {
			t.Fatalf("after UpdateCategory: %+v, %v", c, err)
		}
		c.Limits.Handle.Days = 99 // the caller's copy
		if c, _ := s.CategoryByCode(ctx, f.op, "tax"); c.Limits.Handle.Days != 3 {
			t.Errorf("a caller's change reached the kept catalogue: %d days", c.Limits.Handle.Days)
		}
		if _, err := s.CategoryByCode(ctx, f.op, "no.such"); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("an unknown code: %v, want not found", err)
		}
	})
}

// An appeal's page reads the appeal once for all its parts (RememberSeen): under the
// page's context the parts see the appeal as first loaded; another actor under that
// context is checked as always.
func TestAppealPageReadsTheAppealOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ap := f.hotline()
		page := appeal.RememberSeen(f.ctx, f.op)
		if _, err := f.svc.Get(page, f.op, ap.ID); err != nil {
			t.Fatal(err)
		}
		before, err := f.svc.Actions(page, f.op, ap.ID)
		if err != nil || len(before) == 0 {
			t.Fatalf("actions: %v, %v", before, err)
		}
		if _, err := d.W.ExecContext(f.ctx, `UPDATE appeals SET state = 'rejected' WHERE id = $1`, ap.ID); err != nil {
			t.Fatal(err)
		}
		if during, err := f.svc.Actions(page, f.op, ap.ID); err != nil || !slices.Equal(during, before) {
			t.Errorf("under the page's context: %v, %v; want the first read's %v", during, err, before)
		}
		if fresh, err := f.svc.Actions(f.ctx, f.op, ap.ID); err != nil || slices.Equal(fresh, before) {
			t.Errorf("outside it: %v, %v; want the stored state's actions", fresh, err)
		}
		if _, err := f.svc.Timeline(page, f.e2, ap.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("another enterprise under the page's context: %v, want not found", err)
		}
	})
}
