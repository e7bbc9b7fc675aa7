package stats_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/stats"
)

type city struct {
	e     *apptest.Env
	ctx   context.Context
	op    auth.Actor
	ents  []int64
	cats  map[string]appeal.Category
	files int
}

func newCity(t *testing.T, e *apptest.Env) *city {
	t.Helper()
	c := &city{e: e, ctx: context.Background(), op: e.Actor("operator1"), cats: map[string]appeal.Category{}}
	depts := map[string]int64{}
	for _, cat := range e.Demo.City.Categories {
		if id := e.Demo.Orgs[cat.DefaultDept]; id != 0 {
			depts[cat.Code] = id
		}
	}
	if err := e.App.Appeal.SetDefaultDepartments(c.ctx, auth.System(), depts); err != nil {
		t.Fatal(err)
	}
	cats, err := e.App.Appeal.Categories(c.ctx, c.op, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, cat := range cats {
		c.cats[cat.Code] = cat
	}
	for _, en := range e.Demo.City.Enterprises {
		c.ents = append(c.ents, e.Demo.Orgs[en.Key])
	}
	return c
}

// file files an appeal for enterprise number ent in category code.
func (c *city) file(t *testing.T, ent int, code, title, body string) appeal.Appeal {
	t.Helper()
	c.files++
	ap, err := c.e.App.Appeal.Create(c.ctx, c.op, appeal.NewAppeal{Kind: appeal.KindAppeal, Channel: appeal.ChannelHotline,
		CategoryID: c.cats[code].ID, Title: title, Body: body, EnterpriseOrgID: c.ents[ent],
		ContactName: "李先生", ContactPhone: fmt.Sprintf("138%08d", c.files)})
	if err != nil {
		t.Fatalf("file: %v", err)
	}
	c.e.Clock.Advance(time.Hour)
	return ap
}

func tasksIn(t *testing.T, c *city, code string) []stats.Task {
	t.Helper()
	p, err := c.e.App.Stats.Tasks(c.ctx, c.op, stats.TaskFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var out []stats.Task
	for _, x := range p.Items {
		if x.CategoryCode == code {
			out = append(out, x)
		}
	}
	return out
}

// The detector raises a task exactly when enough distinct enterprises raise the same
// kind of problem in similar words within the window.
func TestDetectThresholds(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 30}, func(t *testing.T, e *apptest.Env) {
		c := newCity(t, e)
		const title = "园区频繁停电影响生产"
		body := func(i int) string {
			return fmt.Sprintf("我公司反映：园区近期频繁停电，第%d次影响生产线运转，恳请协调解决。", i)
		}

		// Outside the window: one appeal 15 days before the other four.
		c.file(t, 0, "utilities.water", "自来水管网压力不足影响生产", "厂区自来水管网压力不足，影响生产用水。")
		c.e.Clock.Advance(15 * 24 * time.Hour)
		for i := 1; i <= 4; i++ {
			c.file(t, i, "utilities.water", "自来水管网压力不足影响生产", "厂区自来水管网压力不足，影响生产用水。")
		}
		cases := []struct {
			name  string
			code  string
			files func()
			want  int // tasks in the category
		}{
			{"four enterprises are not enough", "utilities.power", func() {
				for i := 0; i < 4; i++ {
					c.file(t, i, "utilities.power", title, body(i))
				}
			}, 0},
			{"five appeals from three enterprises", "utilities.gas", func() {
				for i := 0; i < 5; i++ {
					c.file(t, i%3, "utilities.gas", "天然气开户报装费用过高", "天然气开户报装费用过高，希望规范收费。")
				}
			}, 0},
			{"five enterprises in dissimilar words", "tax.refund", func() {
				for i, ti := range []string{"增值税留抵退税到账慢", "出口退税审核时间过长", "小规模纳税人减免政策咨询", "研发费用加计扣除怎么享受", "残疾人就业保障金减免"} {
					c.file(t, 10+i, "tax.refund", ti, ti+"。")
				}
			}, 0},
			{"five enterprises split over two categories", "labour.recruit", func() {
				for i := 0; i < 5; i++ {
					code := "labour.recruit"
					if i%2 == 1 {
						code = "labour.talent"
					}
					c.file(t, i, code, "企业招工难希望组织专场招聘", "企业招工难，希望组织专场招聘会。")
				}
			}, 0},
			{"the window leaves the oldest out", "utilities.water", func() {}, 0},
			{"five enterprises in similar words", "finance.loan", func() {
				for i := 0; i < 5; i++ {
					c.file(t, 20+i, "finance.loan", "小微企业贷款审批难", fmt.Sprintf("我司申请小微企业贷款，审批难、周期长（第%d家）。", i))
				}
			}, 1},
		}
		for _, tc := range cases {
			tc.files()
		}
		res, err := e.App.Stats.Detect(c.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 1 {
			t.Errorf("created %d tasks, want 1 (%+v)", res.Created, res)
		}
		for _, tc := range cases {
			if got := tasksIn(t, c, tc.code); len(got) != tc.want {
				t.Errorf("%s: %d tasks, want %d", tc.name, len(got), tc.want)
			}
		}
		loan := tasksIn(t, c, "finance.loan")[0]
		if loan.Enterprises != 5 || loan.Appeals != 5 || loan.State != stats.TaskOpen || loan.Title != "小微企业贷款审批难" {
			t.Fatalf("%+v", loan)
		}

		// A wider window (settings) takes the oldest water appeal in.
		st, _ := e.App.Stats.Settings(c.ctx)
		st.WindowDays = 20
		if err := e.App.Stats.UpdateSettings(c.ctx, e.Actor("admin"), st); err != nil {
			t.Fatal(err)
		}
		if res, err = e.App.Stats.Detect(c.ctx); err != nil || res.Created != 1 {
			t.Fatalf("wider window: %+v %v", res, err)
		}
		if got := tasksIn(t, c, "utilities.water"); len(got) != 1 || got[0].Enterprises != 5 {
			t.Fatalf("water tasks %+v", got)
		}

		// The fifth power appeal (a fifth enterprise) makes the power task; a sixth
		// similar appeal joins the open task instead of raising another.
		c.file(t, 4, "utilities.power", title, body(4))
		if res, err = e.App.Stats.Detect(c.ctx); err != nil || res.Created != 1 {
			t.Fatalf("fifth power appeal: %+v %v", res, err)
		}
		c.file(t, 5, "utilities.power", title, body(5))
		if res, err = e.App.Stats.Detect(c.ctx); err != nil || res.Created != 0 || res.Attached != 1 {
			t.Fatalf("sixth power appeal: %+v %v", res, err)
		}
		power := tasksIn(t, c, "utilities.power")
		if len(power) != 1 || power[0].Enterprises != 6 || power[0].Appeals != 6 {
			t.Fatalf("power tasks %+v", power)
		}
		// Running again changes nothing.
		if res, err = e.App.Stats.Detect(c.ctx); err != nil || res.Created != 0 || res.Attached != 0 {
			t.Fatalf("rerun: %+v %v", res, err)
		}
	})
}

// Dispatching a task files a proactive appeal to the category's department; dismissing
// needs a note; each works once; only operators handle tasks.
func TestProactiveDispatch(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 30}, func(t *testing.T, e *apptest.Env) {
		c := newCity(t, e)
		for i := 0; i < 5; i++ {
			c.file(t, i, "arrears", "政府工程项目款项被长期拖欠", "政府工程项目款项被长期拖欠，请协调支付。")
			c.file(t, 5+i, "enforcement", "一个月内多次重复检查", "一个月内多次重复检查，影响经营。")
		}
		if res, err := e.App.Stats.Detect(c.ctx); err != nil || res.Created != 2 {
			t.Fatalf("%+v %v", res, err)
		}
		task := tasksIn(t, c, "arrears")[0]
		for _, who := range []string{"analyst1", "admin", "fgw1"} {
			if _, err := e.App.Stats.Tasks(c.ctx, e.Actor(who), stats.TaskFilter{}); !errors.Is(err, apperr.ErrForbidden) {
				t.Errorf("%s lists tasks: %v", who, err)
			}
		}
		full, err := e.App.Stats.Task(c.ctx, c.op, task.ID)
		if err != nil || len(full.Members) != 5 {
			t.Fatalf("%d members %v", len(full.Members), err)
		}
		in := e.App.Stats.DefaultDispatch(c.ctx, c.op, full)
		if in.LeadOrgID != c.cats["arrears"].DefaultDeptID || in.LeadOrgID == 0 {
			t.Fatalf("default department %d", in.LeadOrgID)
		}
		in.ContactPhone = ""
		if _, err := e.App.Stats.DispatchTask(c.ctx, c.op, task.ID, in); !errors.Is(err, apperr.ErrInvalid) {
			t.Fatalf("without a phone: %v", err)
		}
		if got, _ := e.App.Stats.Task(c.ctx, c.op, task.ID); got.State != stats.TaskOpen || got.AppealID != 0 {
			t.Fatalf("a failed dispatch changed the task: %+v", got)
		}
		in.ContactPhone = "0731-88886666"
		done, err := e.App.Stats.DispatchTask(c.ctx, c.op, task.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if done.State != stats.TaskDispatched || done.AppealID == 0 {
			t.Fatalf("%+v", done)
		}
		ap, err := e.App.Appeal.Get(c.ctx, c.op, done.AppealID)
		if err != nil || ap.Channel != appeal.ChannelProactive || ap.State != appeal.StateDispatched || ap.LeadOrgID != in.LeadOrgID {
			t.Fatalf("%+v %v", ap, err)
		}
		if _, err := e.App.Stats.DispatchTask(c.ctx, c.op, task.ID, in); !errors.Is(err, apperr.ErrConflict) {
			t.Fatalf("second dispatch: %v", err)
		}
		other := tasksIn(t, c, "enforcement")[0]
		if _, err := e.App.Stats.DismissTask(c.ctx, c.op, other.ID, other.Version, " "); !errors.Is(err, apperr.ErrInvalid) {
			t.Fatalf("dismiss without note: %v", err)
		}
		if got, err := e.App.Stats.DismissTask(c.ctx, c.op, other.ID, other.Version, "已由专项整治覆盖"); err != nil || got.State != stats.TaskDismissed {
			t.Fatalf("%+v %v", got, err)
		}
		if _, err := e.App.Stats.Task(c.ctx, c.op, 999999); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("unknown task: %v", err)
		}
		// The new appeal (channel proactive) is not itself taken for a common problem.
		if res, err := e.App.Stats.Detect(c.ctx); err != nil || res.Created != 0 || res.Attached != 0 {
			t.Fatalf("%+v %v", res, err)
		}
	})
}
