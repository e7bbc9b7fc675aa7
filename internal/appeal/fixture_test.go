package appeal_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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
	"yingshang/internal/notify"
)

// start is a Monday morning in Shanghai, far from holidays.
var start = time.Date(2026, 3, 2, 9, 30, 0, 0, calendar.Location())

// links is a LeaderLinks for tests: leader ids by enterprise org id.
type links struct {
	mu sync.Mutex
	m  map[int64][]int64
}

func (l *links) LeadersFor(_ context.Context, org int64) ([]int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.m[org]), nil
}

func (l *links) link(org, leader int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[org] = append(l.m[org], leader)
}

// indexer records what the search hook receives.
type indexer struct {
	mu   sync.Mutex
	puts map[int64]string
}

func (x *indexer) Document(title, body string) string { return title + "|" + body }

func (x *indexer) PutAppeal(_ context.Context, id, scope int64, doc string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.puts[id] = fmt.Sprintf("%d|%s", scope, doc)
	return nil
}

// fx is a small city: the federation with an operator, three departments, two
// enterprises, a chamber, two leaders, an analyst and an administrator.
type fx struct {
	t     testing.TB
	ctx   context.Context
	d     *db.DB
	svc   *appeal.Service
	clock *calendar.TestClock
	cal   *calendar.Calendar
	audit *audit.Log
	links *links
	index *indexer

	fed, deptA, deptB, deptC, ent1, ent2, chamber, bank                       int64
	op, op2, a1, a2, b1, c1, e1, e2, ch, leader, leader2, analyst, admin, sys auth.Actor
	catPower, catUtilities, catTax                                            int64
}

func newFx(t testing.TB, d *db.DB) *fx {
	t.Helper()
	ctx := context.Background()
	clock := calendar.NewTestClock(start)
	cal := calendar.Default()
	al := audit.New(d, clock.Now)
	f := &fx{t: t, ctx: ctx, d: d, clock: clock, cal: cal, audit: al, links: &links{m: map[int64][]int64{}},
		index: &indexer{puts: map[int64]string{}}, sys: auth.System()}
	f.svc = appeal.New(appeal.Deps{DB: d, Audit: al, Notify: notify.New(d, clock.Now), Calendar: cal, Clock: clock,
		Indexer: f.index, Leaders: f.links})
	if _, err := f.svc.EnsureDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	dir := directory.New(d, al, clock.Now)
	as := auth.NewService(d, al, auth.Options{BcryptCost: 4, Now: clock.Now})
	nEnt := 0
	org := func(kind, name, district string) int64 {
		if kind == auth.OrgEnterprise {
			nEnt++
			in := directorytest.Enterprise(nEnt)
			in.Name, in.District = name, district
			e, err := dir.CreateEnterprise(ctx, f.sys, in)
			if err != nil {
				t.Fatal(err)
			}
			return e.ID
		}
		o, err := dir.CreateOrg(ctx, f.sys, directory.OrgInput{Kind: kind, Name: name, DistrictCode: district})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	f.fed = org(auth.OrgFederation, "长沙市工商业联合会", "430100")
	f.deptA = org(auth.OrgGovernment, "长沙市工业和信息化局", "")
	f.deptB = org(auth.OrgGovernment, "长沙市发展和改革委员会", "")
	f.deptC = org(auth.OrgGovernment, "长沙市市场监督管理局", "")
	f.ent1 = org(auth.OrgEnterprise, "湖南麓谷智造科技有限公司", "430104")
	f.ent2 = org(auth.OrgEnterprise, "长沙星城食品有限公司", "430111")
	f.chamber = org(auth.OrgChamber, "长沙市浙江商会", "")
	f.bank = org(auth.OrgBank, "长沙银行股份有限公司", "")
	for _, e := range []int64{f.ent1, f.ent2} {
		if _, err := dir.AddMembership(ctx, f.sys, directory.MembershipInput{ChamberID: f.chamber, EnterpriseID: e, Post: "会员", JoinedOn: "2020-01-01"}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	user := func(orgID int64, phone string, roles ...auth.Role) auth.Actor {
		n++
		name := fmt.Sprintf("u%02d.%s", n, roles[0])
		u, err := as.CreateUser(ctx, f.sys, auth.NewUser{Username: name, DisplayName: "用户" + name, OrgID: orgID, Phone: phone,
			PasswordHash: "x", Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		return auth.Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, OrgID: u.OrgID, OrgKind: u.OrgKind,
			OrgName: u.OrgName, Roles: u.Roles, Via: "session"}
	}
	f.op = user(f.fed, "", auth.RoleOperator)
	f.op2 = user(f.fed, "", auth.RoleOperator)
	f.a1 = user(f.deptA, "", auth.RoleDepartment)
	f.a2 = user(f.deptA, "", auth.RoleDepartment)
	f.b1 = user(f.deptB, "", auth.RoleDepartment)
	f.c1 = user(f.deptC, "", auth.RoleDepartment)
	f.e1 = user(f.ent1, "13812345678", auth.RoleEnterprise)
	f.e2 = user(f.ent2, "13987654321", auth.RoleEnterprise)
	f.ch = user(f.chamber, "", auth.RoleChamber)
	f.leader = user(f.fed, "", auth.RoleLeader)
	f.leader2 = user(f.fed, "", auth.RoleLeader)
	f.analyst = user(f.fed, "", auth.RoleAnalyst)
	f.admin = user(f.fed, "", auth.RoleAdmin)
	f.catPower = f.category("utilities.power")
	f.catUtilities = f.category("utilities")
	f.catTax = f.category("tax")
	return f
}

func (f *fx) category(code string) int64 {
	c, err := f.svc.CategoryByCode(f.ctx, f.op, code)
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

// hotline files an appeal of ent1 by phone.
func (f *fx) hotline(mods ...func(*appeal.NewAppeal)) appeal.Appeal {
	f.t.Helper()
	in := appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: f.catPower, Title: "厂区用电增容申请迟迟未批复",
		Body: "我公司三号厂房新增生产线，申请用电增容已两个月，供电公司一直未答复，影响投产。", EnterpriseOrgID: f.ent1,
		ContactName: "王经理", ContactPhone: "13812345678"}
	for _, m := range mods {
		m(&in)
	}
	ap, err := f.svc.Create(f.ctx, f.op, in)
	if err != nil {
		f.t.Fatalf("create: %v", err)
	}
	return ap
}

func (f *fx) must(ap appeal.Appeal, err error) appeal.Appeal {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("move: %v", err)
	}
	return ap
}

func (f *fx) accepted() appeal.Appeal {
	ap := f.hotline()
	return f.must(f.svc.Accept(f.ctx, f.op, ap.ID, ap.Version, ""))
}

// dispatched sends an accepted appeal to deptA with deptB as co-handler.
func (f *fx) dispatched() appeal.Appeal {
	ap := f.accepted()
	return f.must(f.svc.Dispatch(f.ctx, f.op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: f.deptA, CoOrgIDs: []int64{f.deptB}}))
}

func (f *fx) inProgress() appeal.Appeal {
	ap := f.dispatched()
	return f.must(f.svc.Claim(f.ctx, f.a1, ap.ID, ap.Version, ""))
}

func (f *fx) replied() appeal.Appeal {
	ap := f.inProgress()
	return f.must(f.svc.Reply(f.ctx, f.a1, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: "已协调供电公司完成增容。"}))
}

// inState builds an appeal in state s (returned: from in_progress).
func (f *fx) inState(s appeal.State) appeal.Appeal {
	f.t.Helper()
	switch s {
	case appeal.StateSubmitted:
		return f.hotline()
	case appeal.StateAccepted:
		return f.accepted()
	case appeal.StateRejected:
		ap := f.hotline()
		return f.must(f.svc.Reject(f.ctx, f.op, ap.ID, ap.Version, "不属于涉企诉求"))
	case appeal.StateMerged:
		orig := f.hotline()
		ap := f.hotline()
		return f.must(f.svc.Merge(f.ctx, f.op, ap.ID, ap.Version, orig.ID, ""))
	case appeal.StateDispatched:
		return f.dispatched()
	case appeal.StateInProgress:
		return f.inProgress()
	case appeal.StateReturned:
		ap := f.inProgress()
		return f.must(f.svc.Return(f.ctx, f.a1, ap.ID, ap.Version, "不属于本单位职责"))
	case appeal.StateExtensionRequested:
		ap := f.inProgress()
		return f.must(f.svc.RequestExtension(f.ctx, f.a1, ap.ID, ap.Version, appeal.ExtensionRequest{Days: 3, Reason: "需现场勘查"}))
	case appeal.StateReplied:
		return f.replied()
	case appeal.StateClosed:
		ap := f.replied()
		return f.must(f.svc.Callback(f.ctx, f.op, ap.ID, ap.Version, appeal.CallbackInput{Satisfaction: appeal.Satisfied, Solved: true}))
	}
	f.t.Fatalf("no builder for %s", s)
	return appeal.Appeal{}
}

// isErr reports whether err is an *apperr.Error of kind with key (any key if empty).
func isErr(err error, kind error, key string) bool {
	e, ok := apperr.As(err)
	return ok && errors.Is(err, kind) && (key == "" || e.Key == key)
}

// fieldErr reports whether err is a validation error on field with key.
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

// notes returns the notification keys a user received, in order.
func (f *fx) notes(a auth.Actor) []string {
	f.t.Helper()
	rows, err := f.d.R.QueryContext(f.ctx, `SELECT title FROM notifications WHERE user_id = $1 ORDER BY id`, a.UserID)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func count(keys []string, key string) int {
	n := 0
	for _, k := range keys {
		if k == key {
			n++
		}
	}
	return n
}

// snapshot is everything a move could change about one appeal, as text.
func (f *fx) snapshot(id int64) string {
	f.t.Helper()
	var b strings.Builder
	dump := func(q string, args ...any) {
		rows, err := f.d.R.QueryContext(f.ctx, q, args...)
		if err != nil {
			f.t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				f.t.Fatal(err)
			}
			for i, c := range cols {
				fmt.Fprintf(&b, "%s=%v;", c, vals[i])
			}
			b.WriteString("\n")
		}
	}
	dump(`SELECT * FROM appeals WHERE id = $1 OR merged_into_id = $1 ORDER BY id`, id)
	dump(`SELECT * FROM appeal_events WHERE appeal_id = $1 ORDER BY id`, id)
	dump(`SELECT * FROM appeal_assignments WHERE appeal_id = $1 ORDER BY id`, id)
	dump(`SELECT * FROM appeal_callbacks WHERE appeal_id = $1 ORDER BY id`, id)
	dump(`SELECT * FROM appeal_extensions WHERE appeal_id = $1 ORDER BY id`, id)
	dump(`SELECT * FROM appeal_leaders WHERE appeal_id = $1 ORDER BY user_id, kind`, id)
	dump(`SELECT * FROM appeal_alerts WHERE appeal_id = $1 ORDER BY clock, level`, id)
	dump(`SELECT COUNT(*) AS audit FROM audit_log`)
	dump(`SELECT COUNT(*) AS notifications FROM notifications`)
	dump(`SELECT COUNT(*) AS events FROM appeal_events`)
	return b.String()
}

// checkPartDue fails the test unless every open part of the appeal carries the appeal's
// deadline (the department queues sort by the copy).
func (f *fx) checkPartDue(id int64) {
	f.t.Helper()
	var open, stale int
	if err := f.d.R.QueryRow(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN x.sla_due <> a.sla_due THEN 1 ELSE 0 END), 0)
		FROM appeal_assignments x JOIN appeals a ON a.id = x.appeal_id
		WHERE x.appeal_id = $1 AND x.state IN ('dispatched', 'claimed', 'returned')`, id).Scan(&open, &stale); err != nil {
		f.t.Fatal(err)
	}
	if stale > 0 {
		f.t.Errorf("appeal %d: %d of %d open parts without the appeal's deadline", id, stale, open)
	}
}
