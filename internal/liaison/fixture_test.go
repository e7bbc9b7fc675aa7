package liaison_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/directory"
	"yingshang/internal/directory/directorytest"
	"yingshang/internal/liaison"
	"yingshang/internal/notify"
)

// start is a Monday morning in Shanghai, far from holidays.
var start = time.Date(2026, 3, 2, 9, 30, 0, 0, calendar.Location())

// fx is a small city: the federation with operators, two leaders' office with two
// leaders and a liaison officer, three departments, three enterprises and a chamber.
type fx struct {
	t      testing.TB
	ctx    context.Context
	d      *db.DB
	clock  *calendar.TestClock
	appeal *appeal.Service
	dir    *directory.Service
	svc    *liaison.Service

	fed, office, office2, deptA, deptB, deptC, ent1, ent2, ent3, chamber    int64
	op, admin, leaderA, leaderB, officer, stranger, e1, e2, ch, a1, b1, ana auth.Actor
	sys                                                                     auth.Actor
	catPower, catTax                                                        int64
}

func newFx(t testing.TB, d *db.DB) *fx {
	t.Helper()
	ctx := context.Background()
	clock := calendar.NewTestClock(start)
	al := audit.New(d, clock.Now)
	f := &fx{t: t, ctx: ctx, d: d, clock: clock, sys: auth.System()}
	f.appeal = appeal.New(appeal.Deps{DB: d, Audit: al, Notify: notify.New(d, clock.Now), Calendar: calendar.Default(), Clock: clock})
	if _, err := f.appeal.EnsureDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	f.dir = directory.New(d, al, clock.Now)
	f.svc = liaison.New(liaison.Deps{DB: d, Audit: al, Appeal: f.appeal, Directory: f.dir, Clock: clock})
	f.appeal.SetLeaderLinks(f.svc)
	as := auth.NewService(d, al, auth.Options{BcryptCost: 4, Now: clock.Now})
	nEnt := 0
	org := func(kind, name string) int64 {
		if kind == auth.OrgEnterprise {
			nEnt++
			in := directorytest.Enterprise(nEnt)
			in.Name = name
			e, err := f.dir.CreateEnterprise(ctx, f.sys, in)
			if err != nil {
				t.Fatal(err)
			}
			return e.ID
		}
		o, err := f.dir.CreateOrg(ctx, f.sys, directory.OrgInput{Kind: kind, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	f.fed = org(auth.OrgFederation, "长沙市工商业联合会")
	f.office = org(auth.OrgGovernment, "长沙市人民政府办公厅")
	f.office2 = org(auth.OrgGovernment, "中共长沙市委办公厅")
	f.deptA = org(auth.OrgGovernment, "长沙市工业和信息化局")
	f.deptB = org(auth.OrgGovernment, "长沙市发展和改革委员会")
	f.deptC = org(auth.OrgGovernment, "长沙市商务局")
	f.ent1 = org(auth.OrgEnterprise, "湖南麓谷智造科技有限公司")
	f.ent2 = org(auth.OrgEnterprise, "长沙星城食品有限公司")
	f.ent3 = org(auth.OrgEnterprise, "浏阳花炮新材料有限公司")
	f.chamber = org(auth.OrgChamber, "长沙市浙江商会")
	n := 0
	user := func(orgID int64, roles ...auth.Role) auth.Actor {
		n++
		name := fmt.Sprintf("u%02d", n)
		u, err := as.CreateUser(ctx, f.sys, auth.NewUser{Username: name, DisplayName: "用户" + name, OrgID: orgID,
			PasswordHash: "x", Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		return auth.Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, OrgID: u.OrgID, OrgKind: u.OrgKind,
			OrgName: u.OrgName, Roles: u.Roles, Via: "session"}
	}
	f.op = user(f.fed, auth.RoleOperator)
	f.admin = user(f.fed, auth.RoleAdmin)
	f.leaderA = user(f.office, auth.RoleLeader)
	f.leaderB = user(f.office, auth.RoleLeader)
	f.officer = user(f.office, auth.RoleLeader)
	f.stranger = user(f.office2, auth.RoleLeader)
	f.e1 = user(f.ent1, auth.RoleEnterprise)
	f.e2 = user(f.ent2, auth.RoleEnterprise)
	f.ch = user(f.chamber, auth.RoleChamber)
	f.a1 = user(f.deptA, auth.RoleDepartment)
	f.b1 = user(f.deptB, auth.RoleDepartment)
	f.ana = user(f.fed, auth.RoleAnalyst)
	for i, l := range []auth.Actor{f.leaderA, f.leaderB} {
		if _, err := f.svc.SaveLeader(ctx, f.admin, liaison.LeaderInput{UserID: l.UserID, Title: []string{"副市长", "市委常委、常务副市长"}[i], SortOrder: i}); err != nil {
			t.Fatal(err)
		}
	}
	f.catPower, f.catTax = f.category("utilities.power"), f.category("tax")
	return f
}

func (f *fx) category(code string) int64 {
	c, err := f.appeal.CategoryByCode(f.ctx, f.op, code)
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

// link creates an active link from since.
func (f *fx) link(leader auth.Actor, org int64, officer int64, since string) liaison.Link {
	f.t.Helper()
	l, err := f.svc.CreateLink(f.ctx, f.op, liaison.LinkInput{LeaderID: leader.UserID, OrgID: org, OfficerID: officer, SinceOn: since})
	if err != nil {
		f.t.Fatalf("link: %v", err)
	}
	return l
}

// problem is a valid problem of enterprise org.
func problem(org, category int64, title string) liaison.ProblemInput {
	return liaison.ProblemInput{OrgID: org, Kind: appeal.KindAppeal, CategoryID: category, Title: title,
		Body: "走访中企业反映：" + title + "，希望尽快协调解决。"}
}

// visit records a visit of leader (by actor) to orgs with problems.
func (f *fx) visit(by auth.Actor, leader int64, on string, orgs []int64, ps ...liaison.ProblemInput) liaison.Visit {
	f.t.Helper()
	v, err := f.svc.CreateVisit(f.ctx, by, liaison.VisitInput{LeaderID: leader, Kind: liaison.KindVisit, VisitedOn: on, OrgIDs: orgs,
		Summary: "实地察看生产线，听取企业发展情况汇报。", Problems: ps})
	if err != nil {
		f.t.Fatalf("visit: %v", err)
	}
	return v
}

func isErr(err error, kind error) bool { return errors.Is(err, kind) }

// fieldErr reports whether err is a validation error on field (with key, if given).
func fieldErr(err error, field, key string) bool {
	e, ok := apperr.As(err)
	if !ok || !errors.Is(err, apperr.ErrInvalid) {
		return false
	}
	for _, fe := range e.Fields {
		if fe.Field == field && (key == "" || fe.Key == key) {
			return true
		}
	}
	return false
}

func (f *fx) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.R.QueryRowContext(f.ctx, q, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}
