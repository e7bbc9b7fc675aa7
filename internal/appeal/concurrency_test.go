package appeal_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/directory"
	"yingshang/internal/directory/directorytest"
)

// race runs n goroutines released together and returns their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer done.Done()
			ready.Done()
			<-gate
			errs[i] = fn(i)
		}()
	}
	ready.Wait()
	close(gate)
	done.Wait()
	return errs
}

// Twenty people acting on the same version at once: exactly one wins, the others get a
// conflict, and the appeal moved once.
func TestConcurrentMovesConflict(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		const n = 20
		for _, c := range []struct {
			name string
			ap   func() appeal.Appeal
			move func(ap appeal.Appeal, i int) error
			want appeal.State
		}{
			{"accept", func() appeal.Appeal { return f.hotline() }, func(ap appeal.Appeal, i int) error {
				a := f.op
				if i%2 == 1 {
					a = f.op2
				}
				_, err := f.svc.Accept(f.ctx, a, ap.ID, ap.Version, fmt.Sprint("受理 ", i))
				return err
			}, appeal.StateAccepted},
			{"claim", f.dispatched, func(ap appeal.Appeal, i int) error {
				a := f.a1
				if i%2 == 1 {
					a = f.a2
				}
				_, err := f.svc.Claim(f.ctx, a, ap.ID, ap.Version, "")
				return err
			}, appeal.StateInProgress},
		} {
			ap := c.ap()
			errs := race(n, func(i int) error { return c.move(ap, i) })
			won, conflicts := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case errors.Is(err, apperr.ErrConflict):
					conflicts++
				default:
					t.Errorf("%s: unexpected %v", c.name, err)
				}
			}
			if won != 1 || conflicts != n-1 {
				t.Fatalf("%s: %d won, %d conflicts", c.name, won, conflicts)
			}
			got, _ := f.svc.Get(f.ctx, f.op, ap.ID)
			if got.State != c.want || got.Version != ap.Version+1 {
				t.Errorf("%s: %s version %d", c.name, got.State, got.Version)
			}
			tl, _ := f.svc.Timeline(f.ctx, f.op, ap.ID)
			if last := tl[len(tl)-1]; last.Action != appeal.Action(c.name) || (len(tl) > 1 && tl[len(tl)-2].Action == appeal.Action(c.name)) {
				t.Errorf("%s: timeline %v", c.name, actions(tl))
			}
		}
	})
}

// Numbers stay unique when many file at once, and the day's sequence has no holes.
func TestConcurrentIntakeNumbers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		const n = 40
		numbers := make([]string, n)
		errs := race(n, func(i int) error {
			a := f.op
			in := appeal.NewAppeal{Kind: appeal.KindConsultation, CategoryID: f.catTax, Title: fmt.Sprintf("留抵退税咨询 %d", i),
				Body: "咨询增值税留抵退税的申请条件。", EnterpriseOrgID: f.ent1, ContactName: "王经理", ContactPhone: "13812345678"}
			if i%3 == 0 {
				a = f.e1
				in.EnterpriseOrgID = 0
			}
			ap, err := f.svc.Create(f.ctx, a, in)
			numbers[i] = ap.Number
			return err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		sort.Strings(numbers)
		for i, num := range numbers {
			if want := fmt.Sprintf("ZQ20260302%06d", i+1); num != want {
				t.Fatalf("number %d is %s, want %s (all: %v)", i, num, want, numbers)
			}
		}
	})
}

// Different roles filing: the enterprise for itself, a chamber for a member.
func TestIntakeByRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		base := func() appeal.NewAppeal {
			return appeal.NewAppeal{Kind: appeal.KindComplaint, CategoryCode: "market.competition", Title: "同行恶意低价倾销",
				Body: "某公司长期以低于成本价销售，扰乱市场。"}
		}
		// The enterprise files for itself: contact from its user, district from its org.
		in := base()
		in.EnterpriseOrgID = f.ent2 // ignored: an enterprise files for itself
		ap, err := s.Create(ctx, f.e1, in)
		if err != nil {
			t.Fatal(err)
		}
		if ap.EnterpriseOrgID != f.ent1 || ap.Channel != appeal.ChannelPortal || ap.ContactPhone != "13812345678" || ap.ContactName == "" || ap.DistrictCode != "430104" {
			t.Errorf("portal appeal %+v", ap)
		}
		// A chamber for a member, typed by name when it is not in the directory.
		in = base()
		in.EnterpriseName, in.CreditCode, in.ContactName, in.ContactPhone, in.DistrictCode = "长沙浙商五金有限公司", "91430111MA4L16JQ9B", "陈会长", "0731-84567890", "430111"
		ap, err = s.Create(ctx, f.ch, in)
		if err != nil {
			t.Fatal(err)
		}
		if ap.ChamberOrgID != f.chamber || ap.Channel != appeal.ChannelChamber || ap.EnterpriseOrgID != 0 || ap.EnterpriseName != "长沙浙商五金有限公司" {
			t.Errorf("chamber appeal %+v", ap)
		}
		if n := f.notes(f.op); len(n) != 0 {
			t.Errorf("operators heard of a normal appeal: %v", n)
		}
		// Field errors, all at once.
		bad := appeal.NewAppeal{Kind: "wish", Channel: appeal.ChannelPortal, CategoryID: 999999, Title: strings.Repeat("长", 101),
			CreditCode: "91430111MA4L16JQ9X", ContactPhone: "12345", DistrictCode: "110101", Priority: "now"}
		_, err = s.Create(ctx, f.op, bad)
		for _, fe := range []struct{ field, key string }{
			{"kind", "error.choice"}, {"channel", "appeal.error.channel"}, {"category_id", "appeal.error.category_unknown"},
			{"title", "error.too_long"}, {"body", "error.required"}, {"enterprise_name", "error.required"},
			{"credit_code", "appeal.error.credit_code"}, {"contact_name", "error.required"}, {"contact_phone", "error.phone_format"},
			{"district_code", "appeal.error.district"}, {"priority", "error.choice"},
		} {
			if !fieldErr(err, fe.field, fe.key) {
				t.Errorf("%s: want %s in %v", fe.field, fe.key, err)
			}
		}
		in = base()
		in.EnterpriseOrgID = f.bank
		in.ContactName, in.ContactPhone = "张三", "13800001111"
		if _, err := s.Create(ctx, f.op, in); !fieldErr(err, "enterprise_org_id", "appeal.error.not_enterprise") {
			t.Errorf("a bank as the enterprise: %v", err)
		}
		// A retired category cannot take new appeals.
		cat, _ := s.CategoryByCode(ctx, f.admin, "other")
		if _, err := s.UpdateCategory(ctx, f.admin, cat.ID, appeal.CategoryInput{Code: cat.Code, Name: cat.Name, Active: false, Version: cat.Version}); err != nil {
			t.Fatal(err)
		}
		in = base()
		in.CategoryCode, in.EnterpriseOrgID, in.ContactName, in.ContactPhone = "other", f.ent1, "张三", "13800001111"
		if _, err := s.Create(ctx, f.op, in); !fieldErr(err, "category_id", "appeal.error.category_inactive") {
			t.Errorf("retired category: %v", err)
		}
		// Neither analysts nor departments file.
		for _, a := range []auth.Actor{f.analyst, f.a1, f.admin} {
			if _, err := s.Create(ctx, a, base()); !isErr(err, apperr.ErrForbidden, "") {
				t.Errorf("%s files: %v", a.Roles, err)
			}
		}
		// An urgent appeal reaches the operators at once.
		in = base()
		in.Priority, in.EnterpriseOrgID, in.ContactName, in.ContactPhone = appeal.PriorityUrgent, f.ent1, "张三", "13800001111"
		if _, err := s.Create(ctx, f.op2, in); err != nil {
			t.Fatal(err)
		}
		if n := f.notes(f.op); count(n, "appeal.notify.created") != 1 {
			t.Errorf("operators heard %v", n)
		}
	})
}

// A chamber files for its current members, and only for them, whatever the surface.
func TestChamberFilesForMembersOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		in := appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: f.catTax, Title: "会员企业出口退税慢", Body: "退税申请已三个月未到账。",
			EnterpriseOrgID: f.ent1, ContactName: "李秘书长", ContactPhone: "13800001111"}
		if _, err := f.svc.Create(f.ctx, f.ch, in); err != nil {
			t.Fatalf("for a member: %v", err)
		}
		other := f.bank // not an enterprise at all; and a non-member enterprise:
		dir := directory.New(d, f.audit, f.clock.Now)
		in2 := directorytest.Enterprise(99)
		stranger, err := dir.CreateEnterprise(f.ctx, f.sys, in2)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{stranger.ID, other} {
			in.EnterpriseOrgID = id
			_, err := f.svc.Create(f.ctx, f.ch, in)
			if e, ok := apperr.As(err); !ok || len(e.Fields) == 0 || e.Fields[0].Field != "enterprise_org_id" {
				t.Errorf("chamber filing for org %d: got %v", id, err)
			}
		}
		// Naming the stranger by its credit code does not get round the rule.
		in.EnterpriseOrgID, in.EnterpriseName, in.CreditCode = 0, in2.Name, in2.CreditCode
		_, err = f.svc.Create(f.ctx, f.ch, in)
		if e, ok := apperr.As(err); !ok || len(e.Fields) == 0 || e.Fields[0].Field != "credit_code" {
			t.Errorf("chamber naming a non-member by credit code: got %v", err)
		}
	})
}
