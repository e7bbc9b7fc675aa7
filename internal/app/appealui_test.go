package app_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/demo/citydata"
)

// appealCity is the demo city with one appeal of ent1 that the hotline filed and
// dispatched to the 工信局 (lead) with the 发改委 co-handling.
type appealCity struct {
	e                           *apptest.Env
	ent1, ent2, gxj, fgw, scjg  int64
	number                      string
	id                          int64
	catPower                    int64
	title, body, contact, phone string
	operator, gxjUser, fgwUser  string
	clients                     map[string]*apptest.Client
}

func newAppealCity(t *testing.T, e *apptest.Env) *appealCity {
	t.Helper()
	ctx := context.Background()
	c := &appealCity{e: e, ent1: demoOrg(t, e, "ent1"), ent2: demoOrg(t, e, "ent2"), gxj: e.Demo.Orgs["gxj"], fgw: e.Demo.Orgs["fgw"],
		scjg: e.Demo.Orgs["scjg"], title: "厂区用电增容申请迟迟未批复", body: "我公司三号厂房新增生产线，申请用电增容已两个月，影响投产。",
		contact: "王建国", phone: "13812345678", operator: "operator1", gxjUser: "gxj1", fgwUser: "fgw1", clients: map[string]*apptest.Client{}}
	if c.gxj == 0 || c.fgw == 0 || c.scjg == 0 {
		t.Fatalf("demo departments: gxj %d fgw %d scjg %d", c.gxj, c.fgw, c.scjg)
	}
	op := e.Actor("operator1")
	cat, err := e.App.Appeal.CategoryByCode(ctx, op, "utilities.power")
	if err != nil {
		t.Fatal(err)
	}
	c.catPower = cat.ID
	ap, err := e.App.Appeal.Create(ctx, op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: cat.ID, Title: c.title, Body: c.body,
		EnterpriseOrgID: c.ent1, ContactName: c.contact, ContactPhone: c.phone})
	if err != nil {
		t.Fatal(err)
	}
	ap, err = e.App.Appeal.Accept(ctx, op, ap.ID, ap.Version, "")
	if err != nil {
		t.Fatal(err)
	}
	ap, err = e.App.Appeal.Dispatch(ctx, op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: c.gxj, CoOrgIDs: []int64{c.fgw}})
	if err != nil {
		t.Fatal(err)
	}
	c.number, c.id = ap.Number, ap.ID
	return c
}

// as returns a signed-in client of a demo user (one per user per test).
func (c *appealCity) as(username string) *apptest.Client {
	if cl, ok := c.clients[username]; ok {
		return cl
	}
	cl := c.e.Client()
	pw := apptest.DemoPassword
	if username == "admin" {
		pw = apptest.AdminPassword
	}
	cl.Login(username, pw)
	c.clients[username] = cl
	return cl
}

var versionRE = regexp.MustCompile(`action="/appeals/(ZQ\d+)/([a-z_]+)"[^>]*>\s*<input type="hidden" name="version" value="(\d+)"`)

// version reads the version a form of the appeal page carries.
func version(t *testing.T, page *apptest.Response, action string) string {
	t.Helper()
	for _, m := range versionRE.FindAllStringSubmatch(page.Body, -1) {
		if m[2] == action {
			return m[3]
		}
	}
	t.Fatalf("the page (%d) has no %s form", page.Status, action)
	return ""
}

// move posts a form of the appeal page as it shows it, and expects the redirect back.
func (c *appealCity) move(t *testing.T, user, action string, v url.Values) {
	t.Helper()
	cl := c.as(user)
	page := cl.Get("/appeals/" + c.number)
	form := action
	if action == "refuse_extension" {
		form = "approve_extension"
	}
	if v == nil {
		v = url.Values{}
	}
	v.Set("version", version(t, page, form))
	r := cl.PostForm("/appeals/"+c.number+"/"+action, v)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/appeals/"+c.number {
		t.Fatalf("%s %s: %d %s\n%s", user, action, r.Status, r.Header.Get("Location"), errorText(r.Body))
	}
}

var errorRE = regexp.MustCompile(`class="(?:error|flash flash-error)"[^>]*>([^<]*)<`)

func errorText(body string) string {
	var out []string
	for _, m := range errorRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, " | ")
}

// A flash waits for the page it was set for: a fragment fetched between the redirect and
// that page (the similar appeals, asked for while a title is typed) neither shows nor
// takes it. Seen in a browser: the hint's request, sent as the form was submitted,
// arrived before the redirected page and took the filing's confirmation.
func TestFlashWaitsForItsPage(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		c := newAppealCity(t, e)
		c.move(t, "fgw1", "co_claim", nil)
		c.move(t, "fgw1", "co_answer", url.Values{"text": {"发改委已将该项目列入重点保障清单。"}})
		c.move(t, "gxj1", "claim", nil)
		c.move(t, "gxj1", "reply", url.Values{"outcome": {"solved"}, "text": {"供电公司已完成增容施工并送电。"}})
		c.move(t, "ent1", "callback", url.Values{"satisfaction": {"satisfied"}, "solved": {"1"}})
		ent := c.as("ent1")
		hint := ent.Get("/appeals/similar?title=" + url.QueryEscape("厂区用电增容"))
		if hint.Status != http.StatusOK || strings.Contains(hint.Body, "诉求 "+c.number+"：") {
			t.Fatalf("the fragment: %d %s", hint.Status, hint.Body)
		}
		page := ent.Get("/appeals/" + c.number)
		mustContain(t, page, `class="flash flash-success"`, "诉求 "+c.number+"：")
		if again := ent.Get("/appeals/" + c.number); strings.Contains(again.Body, "诉求 "+c.number+"：") {
			t.Error("the flash was shown twice")
		}
	})
}

// Every appeal page renders for each role that has it and is refused to the others; a
// department or an enterprise never reaches an appeal outside its scope.
func TestAppealPagesByRole(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		c := newAppealCity(t, e)
		ctx := context.Background()
		if _, err := e.App.Appeal.AddAttachment(ctx, e.Actor("operator1"), c.id, "说明.txt", []byte("用电增容申请材料清单")); err != nil {
			t.Fatal(err)
		}
		atts, _ := e.App.Appeal.Attachments(ctx, e.Actor("operator1"), c.id)
		att := fmt.Sprintf("/appeals/%s/attachments/%d", c.number, atts[0].ID)
		cat, _ := e.App.Appeal.CategoryByCode(ctx, e.Actor("operator1"), "tax")
		page := "/appeals/" + c.number
		type check struct {
			path   string
			status int
		}
		matrix := []struct {
			user   string
			checks []check
		}{
			{"operator1", []check{{"/appeals", 200}, {"/appeals?queue=submitted", 200}, {"/appeals?queue=accepted", 200}, {"/appeals?queue=returned", 200},
				{"/appeals?queue=extension_requested", 200}, {"/appeals?queue=replied", 200}, {"/appeals?queue=yellow", 200}, {"/appeals?queue=red", 200},
				{"/appeals?queue=supervised", 200}, {"/appeals?queue=all", 200}, {"/appeals?queue=all&state=dispatched&sort=due", 200},
				{"/appeals?queue=dept_to_claim", 403}, {"/appeals/new", 200}, {page, 200}, {att, 200}, {"/appeals/export.xlsx?queue=all", 200},
				{"/admin/kb", 200}, {"/admin/kb/new", 200}, {"/admin/categories", 403}, {"/admin/appeal-settings", 403}, {"/portal", 403},
				{"/status", 200}, {"/appeals/enterprises?enterprise=长沙", 200}, {"/enterprises/" + id(c.ent1), 200}, {"/", 200},
				{"/appeals/ZQ20200101000001", 404}}},
			{"admin", []check{{"/appeals", 403}, {page, 403}, {"/admin/categories", 200}, {"/admin/categories/new", 200},
				{"/admin/categories/" + id(cat.ID), 200}, {"/admin/appeal-settings", 200}, {"/admin/kb", 200}, {"/portal", 403}}},
			{"gxj1", []check{{"/appeals", 200}, {"/appeals?queue=dept_to_claim", 200}, {"/appeals?queue=dept_handling", 200},
				{"/appeals?queue=dept_yellow", 200}, {"/appeals?queue=dept_red", 200}, {"/appeals?queue=dept_answered", 200},
				{"/appeals?queue=submitted", 403}, {page, 200}, {att, 200}, {"/appeals/new", 403}, {"/admin/kb", 403}, {"/portal", 403}}},
			{"fgw1", []check{{page, 200}, {att, 200}, {"/appeals?queue=dept_to_claim", 200}}},
			{"scjg1", []check{{page, 404}, {att, 404}, {"/appeals?queue=dept_to_claim", 200}, {"/appeals/export.xlsx?queue=dept_to_claim", 200}}},
			{"ent1", []check{{"/portal", 200}, {"/portal/new", 200}, {page, 200}, {att, 200}, {"/appeals", 200}, {"/appeals/new", 303}, {"/admin/kb", 403}}},
			{"ent2", []check{{page, 404}, {att, 404}, {"/portal", 200}}},
			{"chamber1", []check{{"/appeals", 200}, {"/appeals/new", 200}, {page, 404}, {"/portal", 403}}},
			{"leader2", []check{{"/appeals", 200}, {"/appeals?queue=leader", 200}, {"/appeals/new", 200}, {page, 404}}},
			// ent1 is one of leader1's enterprises (the demo city's links): leader1 sees its appeals.
			{"leader1", []check{{page, 200}, {att, 200}}},
			{"analyst1", []check{{"/appeals", 403}, {page, 403}, {"/status", 200}, {"/admin/kb", 403}}},
		}
		for _, m := range matrix {
			cl := c.as(m.user)
			for _, ck := range m.checks {
				if r := cl.Get(ck.path); r.Status != ck.status {
					t.Errorf("%s GET %s: %d, want %d\n%s", m.user, ck.path, r.Status, ck.status, errorText(r.Body))
				}
			}
		}
		anon := e.Client()
		if r := anon.Get("/appeals"); r.Status != http.StatusSeeOther {
			t.Errorf("anonymous /appeals: %d", r.Status)
		}
		if r := anon.Get("/status"); r.Status != 200 {
			t.Errorf("anonymous /status: %d", r.Status)
		}
		if r := anon.Get(att); r.Status != http.StatusSeeOther {
			t.Errorf("anonymous attachment: %d", r.Status)
		}

		// Queues list what is in scope: the 市场监管局 never sees the appeal.
		if r := c.as("gxj1").Get("/appeals?queue=dept_to_claim"); !strings.Contains(r.Body, c.number) {
			t.Errorf("the lead's queue lacks %s", c.number)
		}
		if r := c.as("fgw1").Get("/appeals?queue=dept_to_claim"); !strings.Contains(r.Body, c.number) {
			t.Errorf("the co-handler's queue lacks %s", c.number)
		}
		for _, q := range []string{"dept_to_claim", "dept_handling", "dept_answered"} {
			if r := c.as("scjg1").Get("/appeals?queue=" + q); strings.Contains(r.Body, c.number) {
				t.Errorf("another department's %s lists %s", q, c.number)
			}
		}
		if r := c.as("ent2").Get("/portal"); strings.Contains(r.Body, c.number) {
			t.Errorf("another enterprise's portal lists %s", c.number)
		}
		// The enterprise's own portal and page show it, with the query code.
		ap, _ := e.App.Appeal.Get(ctx, auth.System(), c.id)
		if r := c.as("ent1").Get("/portal"); !strings.Contains(r.Body, c.number) {
			t.Errorf("ent1's portal lacks %s", c.number)
		}
		mustContain(t, c.as("ent1").Get(page), ap.QueryCode, c.title, "签收时限")
		if r := c.as("gxj1").Get(page); strings.Contains(r.Body, ap.QueryCode) {
			t.Errorf("the department sees the query code")
		}

		// Lists mask phones; the page shows the full number to those who may call.
		list := c.as("operator1").Get("/appeals?queue=all")
		mustContain(t, list, c.number, "138****5678")
		if strings.Contains(list.Body, c.phone) {
			t.Error("the list shows the full phone number")
		}
		mustContain(t, c.as("operator1").Get(page), c.phone, "派单", "工业和信息化局")

		// The enterprise's file (一企一档) shows the appeal to the operator, not to another
		// department; the operator may file one for it.
		mustContain(t, c.as("operator1").Get("/enterprises/"+id(c.ent1)), c.number, "/appeals/new?enterprise_id="+id(c.ent1))
		if r := c.as("scjg1").Get("/enterprises/" + id(c.ent1)); r.Status != 200 || strings.Contains(r.Body, c.number) {
			t.Errorf("another department's view of the enterprise file: %d, lists the appeal %v", r.Status, strings.Contains(r.Body, c.number))
		}
		mustContain(t, c.as("operator1").Get("/appeals/new?enterprise_id="+id(c.ent1)), `value="`+enterpriseName(t, e, c.ent1)+`"`)

		// The assessment's drill-down: a department's appeals in a period.
		today := e.Clock.Now().Format("2006-01-02")
		mustContain(t, c.as("operator1").Get("/appeals?dept="+id(c.fgw)+"&from="+today+"&to="+today), c.number, `name="dept"`)
		if r := c.as("operator1").Get("/appeals?dept=" + id(c.scjg) + "&from=" + today + "&to=" + today); r.Status != 200 || strings.Contains(r.Body, c.number) {
			t.Errorf("another department's drill-down: %d, lists the appeal %v", r.Status, strings.Contains(r.Body, c.number))
		}

		// Home cards and navigation counts.
		home := c.as("gxj1").Get("/")
		mustContain(t, home, "待签收", `href="/appeals?queue=dept_to_claim"`)
		if !regexp.MustCompile(`href="/appeals\?queue=dept_to_claim"[^>]*>待签收 <span class="count">1</span>`).MatchString(home.Body) {
			t.Errorf("the navigation does not count the department's appeal to claim")
		}
		mustContain(t, c.as("ent1").Get("/"), `href="/portal"`, "我的诉求")

		// English.
		en := c.as("fgw1")
		en.Lang = "en"
		if r := en.Get("/lang/en?next=/"); r.Status != http.StatusSeeOther {
			t.Fatalf("switch to English: %d", r.Status)
		}
		mustContain(t, en.Get(page), "Time limits", "Timeline", "Co-handler", `lang="en"`)
		mustContain(t, en.Get("/appeals?queue=dept_to_claim"), "To claim", "Export")
	})
}

func enterpriseName(t *testing.T, e *apptest.Env, id int64) string {
	t.Helper()
	ent, err := e.App.Directory.GetEnterprise(context.Background(), auth.System(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ent.Name
}

// The whole loop through the web forms, with different users: the co-handler answers, the
// lead returns it once and is sent it back, claims, asks for more time, replies; the
// enterprise is not satisfied, the operator has it redone, and the second answer closes
// it. Every step is on the timeline.
func TestAppealLoopThroughTheForms(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		c := newAppealCity(t, e)
		c.move(t, "fgw1", "co_claim", nil)
		c.move(t, "fgw1", "co_answer", url.Values{"text": {"发改委已将该项目列入重点保障清单。"}})
		c.move(t, "gxj1", "return", url.Values{"reason": {"用电增容由供电公司办理，建议改派发改委。"}})
		mustContain(t, c.as("operator1").Get("/appeals?queue=returned"), c.number)
		c.move(t, "operator1", "refuse_return", url.Values{"note": {"工信局牵头协调供电公司。"}})
		c.move(t, "gxj1", "claim", nil)
		c.move(t, "gxj1", "request_extension", url.Values{"days": {"3"}, "reason": {"需协调供电公司现场勘查。"}})
		mustContain(t, c.as("operator1").Get("/appeals?queue=extension_requested"), c.number)
		c.move(t, "operator1", "approve_extension", url.Values{"note": {"同意"}})
		c.move(t, "gxj1", "reply", url.Values{"outcome": {"partly"}, "text": {"已协调供电公司制定增容方案，下月施工。"}})
		c.move(t, "ent1", "callback", url.Values{"satisfaction": {"unsatisfied"}, "solved": {"0"}, "note": {"施工时间太晚。"}})
		c.move(t, "operator1", "reopen", url.Values{"lead_org_id": {id(c.gxj)}, "note": {"请加快施工进度。"}})
		c.move(t, "gxj1", "claim", nil)
		c.move(t, "gxj1", "reply", url.Values{"outcome": {"solved"}, "text": {"供电公司已提前完成增容施工并送电。"}})
		c.move(t, "ent1", "callback", url.Values{"satisfaction": {"satisfied"}, "solved": {"1"}})

		ap, err := e.App.Appeal.Get(context.Background(), auth.System(), c.id)
		if err != nil || ap.State != appeal.StateClosed || ap.RedoCount != 1 || ap.Satisfaction != appeal.Satisfied {
			t.Fatalf("after the loop: %s redo %d %s %v", ap.State, ap.RedoCount, ap.Satisfaction, err)
		}
		page := c.as("operator1").Get("/appeals/" + c.number)
		for _, a := range []string{"create", "accept", "dispatch", "co_claim", "co_answer", "return", "refuse_return", "claim",
			"request_extension", "approve_extension", "reply", "callback_unsatisfied", "reopen", "callback_satisfied"} {
			if !strings.Contains(page.Body, `data-action="`+a+`"`) {
				t.Errorf("the timeline lacks %s", a)
			}
		}
		mustContain(t, page, "已办结", "重办 1 次", "需协调供电公司现场勘查。", "发改委已将该项目列入重点保障清单。", "满意")
		// The enterprise sees the public steps only, without staff names.
		ent := c.as("ent1").Get("/appeals/" + c.number)
		for _, internal := range []string{`data-action="return"`, `data-action="co_answer"`, `data-action="request_extension"`, "发改委已将该项目列入重点保障清单。"} {
			if strings.Contains(ent.Body, internal) {
				t.Errorf("the enterprise sees %s", internal)
			}
		}
		mustContain(t, ent, `data-action="reply"`, "供电公司已提前完成增容施工并送电。")

		// The 三率 page counts it once the roll-up has run: two lead parts dispatched and
		// claimed in time, two callbacks (one satisfied, one solved), one redo.
		e.Clock.Advance(time.Minute)
		e.RunJobs()
		stats := c.as("operator1").Get("/stats/assessment")
		row := regexp.MustCompile(`(?s)<tr[^>]*>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*><a href="[^"]*">长沙市工业和信息化局</a>.*?</tr>`).FindString(stats.Body)
		if row == "" {
			t.Fatalf("the assessment (%d) has no row for the 工信局", stats.Status)
		}
		for label, want := range map[string]string{"响应率": "100.0%", "解决率": "50.0%", "满意率": "50.0%", "重办件数": "1", "派单件数": "2", "回访件数": "2"} {
			cell := regexp.MustCompile(`data-label="` + label + `"[^>]*>([^<]*)<`).FindStringSubmatch(row)
			if cell == nil || strings.TrimSpace(cell[1]) != want {
				t.Errorf("the 工信局's %s: %v, want %s", label, cell, want)
			}
		}
		// Its drill-down opens the appeals the department had a part in.
		drill := regexp.MustCompile(`href="(/appeals\?[^"]*dept=` + id(c.gxj) + `[^"]*)"`).FindStringSubmatch(row)
		if drill == nil {
			t.Fatalf("no drill-down link in %s", row)
		}
		mustContain(t, c.as("operator1").Get(strings.ReplaceAll(drill[1], "&amp;", "&")), c.number)
	})
}

// A stale version is refused with 409 and the typed text kept; an illegal move is
// refused with its state and action in words; bad input shows next to its field.
func TestAppealMoveRefusals(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		c := newAppealCity(t, e)
		gxj := c.as("gxj1")
		page := gxj.Get("/appeals/" + c.number)
		stale := version(t, page, "return")
		c.move(t, "gxj1", "claim", nil) // someone signs for it meanwhile
		typed := "本单位不负责用电增容审批，建议改派。"
		r := gxj.PostForm("/appeals/"+c.number+"/return", url.Values{"version": {stale}, "reason": {typed}})
		if r.Status != http.StatusConflict {
			t.Fatalf("stale version: %d", r.Status)
		}
		mustContain(t, r, "该诉求已被他人处理，请刷新后重试", typed)
		if v := version(t, r, "return"); v == stale {
			t.Errorf("the refused form still carries the stale version %s", v)
		}

		// Someone else accepted it meanwhile: the accept form is gone, what was typed is shown.
		fresh, err := e.App.Appeal.Create(context.Background(), e.Actor("operator1"), appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: c.catPower,
			Title: "并发受理", Body: "正文", EnterpriseOrgID: c.ent1, ContactName: "王", ContactPhone: "13800001111"})
		if err != nil {
			t.Fatal(err)
		}
		staleAccept := version(t, c.as("operator1").Get("/appeals/"+fresh.Number), "accept")
		if _, err := e.App.Appeal.Accept(context.Background(), e.Actor("operator2"), fresh.ID, fresh.Version, ""); err != nil {
			t.Fatal(err)
		}
		r = c.as("operator1").PostForm("/appeals/"+fresh.Number+"/accept", url.Values{"version": {staleAccept}, "note": {"已电话核实企业身份"}})
		if r.Status != http.StatusConflict {
			t.Fatalf("stale accept: %d", r.Status)
		}
		mustContain(t, r, "该诉求已被他人处理，请刷新后重试", `data-testid="unsent"`, "已电话核实企业身份", `data-testid="form-dispatch"`)

		// Illegal: accepting a dispatched appeal (an operator, current version).
		op := c.as("operator1")
		cur := version(t, op.Get("/appeals/"+c.number), "supervise")
		r = op.PostForm("/appeals/"+c.number+"/accept", url.Values{"version": {cur}, "note": {"再次受理"}})
		if r.Status != http.StatusConflict {
			t.Fatalf("illegal move: %d", r.Status)
		}
		mustContain(t, r, "该诉求当前为“办理中”状态，不能执行“受理”操作。")

		// Field errors: a reply without outcome or text, an extension of 0 days.
		cur = version(t, gxj.Get("/appeals/"+c.number), "reply")
		r = gxj.PostForm("/appeals/"+c.number+"/reply", url.Values{"version": {cur}, "text": {""}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("empty reply: %d", r.Status)
		}
		mustContain(t, r, `id="rep-text-err">此项为必填项。`, `id="rep-outcome-err"`)
		r = gxj.PostForm("/appeals/"+c.number+"/request_extension", url.Values{"version": {cur}, "days": {"99"}, "reason": {"需要时间"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("extension of 99 days: %d", r.Status)
		}
		mustContain(t, r, `id="ext-days-err"`, `value="99"`, "需要时间")
		// A department that is not a party cannot move it at all, not even see it.
		if r := c.as("scjg1").PostForm("/appeals/"+c.number+"/reply", url.Values{"version": {cur}, "outcome": {"solved"}, "text": {"x"}}); r.Status != http.StatusNotFound {
			t.Errorf("another department replying: %d", r.Status)
		}
		if r := gxj.PostForm("/appeals/"+c.number+"/fly", url.Values{"version": {cur}}); r.Status != http.StatusNotFound {
			t.Errorf("an unknown action: %d", r.Status)
		}

		// Intake: errors next to their fields, what was typed kept.
		r = op.PostForm("/appeals", url.Values{"enterprise": {"某某不存在的公司"}, "contact_name": {"李四"}, "contact_phone": {"12345"},
			"kind": {"appeal"}, "category_id": {""}, "title": {""}, "body": {"正文内容"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad intake: %d", r.Status)
		}
		mustContain(t, r, `id="n-contact_phone-err"`, `id="n-title-err"`, `id="n-category_id-err"`, `value="某某不存在的公司"`, `value="李四"`, "正文内容")
		// A good one by the hotline, for an enterprise found by its credit code.
		ent, _ := e.App.Directory.GetEnterprise(context.Background(), auth.System(), c.ent2)
		body, ct := multipartForm(t, url.Values{"enterprise": {ent.CreditCode}, "contact_name": {"李四"}, "contact_phone": {"0731-84561234"},
			"kind": {"consultation"}, "category_id": {id(c.catPower)}, "title": {"用电报装流程咨询"}, "body": {"新厂房如何报装用电？"}, "channel": {"hotline"}},
			"file", "现场.png", pngBytes())
		r = op.Do("POST", "/appeals", body, http.Header{"Content-Type": {ct}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/appeals/ZQ") {
			t.Fatalf("hotline intake: %d %s %s", r.Status, r.Header.Get("Location"), errorText(r.Body))
		}
		filed := op.Get(r.Header.Get("Location"))
		mustContain(t, filed, ent.Name, "现场.png", "用电报装流程咨询", "诉求已登记")
		// An attachment of a refused type is refused before anything is filed.
		body, ct = multipartForm(t, url.Values{"enterprise": {ent.Name}, "contact_name": {"李四"}, "contact_phone": {"13900001111"},
			"kind": {"appeal"}, "category_id": {id(c.catPower)}, "title": {"不该登记的诉求"}, "body": {"正文"}}, "file", "x.html", []byte("<html><script>1</script>"))
		r = op.Do("POST", "/appeals", body, http.Header{"Content-Type": {ct}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad file: %d", r.Status)
		}
		mustContain(t, r, `id="n-file-err"`, "只能上传图片")
		if p, _ := e.App.Appeal.List(context.Background(), e.Actor("operator1"), appeal.QueueSubmitted, appeal.Filter{Q: "不该登记的诉求"}); p.Total != 0 {
			t.Errorf("the appeal was filed despite its bad file")
		}
	})
}

func pngBytes() []byte {
	return append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
}

func pdfBytes() []byte { return []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n") }

// multipartForm builds a multipart body of fields and one file.
func multipartForm(t *testing.T, fields url.Values, field, name string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	if field != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name))
		h.Set("Content-Type", "application/octet-stream")
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = part.Write(data)
	}
	_ = w.Close()
	return &b, w.FormDataContentType()
}

// Images and PDFs open in the page (framed by this site only); anything else downloads;
// every file is sent with nosniff and only to those who see its appeal.
func TestAppealAttachmentsFromTheWeb(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		c := newAppealCity(t, e)
		ent := c.as("ent1")
		for _, f := range []struct {
			name string
			data []byte
		}{{"现场照片.png", pngBytes()}, {"合同.pdf", pdfBytes()}, {"清单.txt", []byte("材料清单")}} {
			body, ct := multipartForm(t, nil, "file", f.name, f.data)
			r := ent.Do("POST", "/appeals/"+c.number+"/attachments", body, http.Header{"Content-Type": {ct}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("upload %s: %d %s", f.name, r.Status, errorText(r.Body))
			}
		}
		body, ct := multipartForm(t, nil, "file", "a.exe", []byte("MZ\x90\x00binary"))
		if r := ent.Do("POST", "/appeals/"+c.number+"/attachments", body, http.Header{"Content-Type": {ct}}); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "只能上传图片") {
			t.Errorf("a refused type: %d %s", r.Status, errorText(r.Body))
		}
		atts, _ := e.App.Appeal.Attachments(context.Background(), auth.System(), c.id)
		if len(atts) != 3 {
			t.Fatalf("%d attachments", len(atts))
		}
		page := c.as("gxj1").Get("/appeals/" + c.number)
		mustContain(t, page, fmt.Sprintf(`<img src="/appeals/%s/attachments/%d"`, c.number, atts[0].ID),
			fmt.Sprintf(`<iframe src="/appeals/%s/attachments/%d"`, c.number, atts[1].ID))
		for i, want := range []struct{ ct, disp, csp, xfo string }{
			{"image/png", "inline", "frame-ancestors 'self'", "SAMEORIGIN"},
			{"application/pdf", "inline", "frame-ancestors 'self'", "SAMEORIGIN"},
			{"text/plain; charset=utf-8", "attachment", "frame-ancestors 'none'", "DENY"},
		} {
			r := c.as("gxj1").Get(fmt.Sprintf("/appeals/%s/attachments/%d", c.number, atts[i].ID))
			h := r.Header
			if r.Status != 200 || h.Get("Content-Type") != want.ct || !strings.HasPrefix(h.Get("Content-Disposition"), want.disp+";") ||
				h.Get("Content-Security-Policy") == "" || !strings.Contains(h.Get("Content-Security-Policy"), want.csp) ||
				h.Get("X-Frame-Options") != want.xfo || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: %d %q %q %q %q %q", atts[i].Filename, r.Status, h.Get("Content-Type"), h.Get("Content-Disposition"),
					h.Get("Content-Security-Policy"), h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"))
			}
		}
		// Another appeal's number with this file's id: not found.
		other, err := e.App.Appeal.Create(context.Background(), e.Actor("operator1"), appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: c.catPower,
			Title: "另一件", Body: "正文", EnterpriseOrgID: c.ent1, ContactName: "王", ContactPhone: "13800001111"})
		if err != nil {
			t.Fatal(err)
		}
		if r := c.as("operator1").Get(fmt.Sprintf("/appeals/%s/attachments/%d", other.Number, atts[0].ID)); r.Status != http.StatusNotFound {
			t.Errorf("a file under another appeal's number: %d", r.Status)
		}
		for _, u := range []string{"scjg1", "ent2"} {
			if r := c.as(u).Get(fmt.Sprintf("/appeals/%s/attachments/%d", c.number, atts[0].ID)); r.Status != http.StatusNotFound {
				t.Errorf("%s reading the file: %d", u, r.Status)
			}
		}
		body, ct = multipartForm(t, nil, "file", "x.png", pngBytes())
		if r := c.as("ent2").Do("POST", "/appeals/"+c.number+"/attachments", body, http.Header{"Content-Type": {ct}}); r.Status != http.StatusNotFound {
			t.Errorf("another enterprise uploading: %d", r.Status)
		}
	})
}

// The export streams a queue with its filters; phones stay masked.
func TestAppealExport(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		c := newAppealCity(t, e)
		if _, err := e.App.LoadDemoAppeals(context.Background(), e.Demo, 240, 3); err != nil {
			t.Fatal(err)
		}
		r := c.as("operator1").Get("/appeals/export.xlsx?queue=all")
		if r.Status != 200 || !strings.HasPrefix(r.Body, "PK") {
			t.Fatalf("export: %d", r.Status)
		}
		f, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(f.GetSheetList()[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 242 || rows[0][0] != "诉求编号" {
			t.Fatalf("%d rows (want a header and 241), header %v", len(rows), rows[0])
		}
		found := false
		for _, row := range rows[1:] {
			if row[0] == c.number {
				found = true
				if row[8] != "138****5678" || row[1] != c.title {
					t.Errorf("exported row %v", row)
				}
			}
			if strings.Contains(strings.Join(row, ","), c.phone) {
				t.Errorf("a full phone number in the export: %v", row)
			}
		}
		if !found {
			t.Error("the export lacks the appeal")
		}
		// Filters apply: the 工信局's queue of parts to claim.
		r = c.as("gxj1").Get("/appeals/export.xlsx?queue=dept_to_claim&kind=appeal")
		f, _ = excelize.OpenReader(strings.NewReader(r.Body))
		rows, _ = f.GetRows(f.GetSheetList()[0])
		p, _ := e.App.Appeal.List(context.Background(), e.Actor("gxj1"), appeal.QueueDeptToClaim, appeal.Filter{Kind: appeal.KindAppeal, Limit: 200})
		if len(rows)-1 != len(p.Items) || len(rows) < 2 {
			t.Errorf("department export: %d rows, the queue holds %d", len(rows)-1, len(p.Items))
		}
		if countAudit(t, e, "appeal.export", "") != 2 {
			t.Errorf("exports audited %d times", countAudit(t, e, "appeal.export", ""))
		}
		// Paging by cursor: the next page has other rows, the count says 241.
		list := c.as("operator1").Get("/appeals?queue=all")
		mustContain(t, list, "共 241 件", `data-testid="next-page"`)
		next := regexp.MustCompile(`href="([^"]*cursor=[^"]*)" data-testid="next-page"`).FindStringSubmatch(list.Body)
		if next == nil {
			t.Fatal("no next page link")
		}
		second := c.as("operator1").Get("/appeals" + strings.ReplaceAll(next[1], "&amp;", "&"))
		if second.Status != 200 || strings.Contains(second.Body, c.number) || !strings.Contains(second.Body, "第一页") {
			t.Errorf("second page: %d, has the newest %v", second.Status, strings.Contains(second.Body, c.number))
		}
	})
}

// The public status page shows where an appeal stands and nothing personal, and limits
// the lookups of one address.
func TestPublicStatusPage(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		c := newAppealCity(t, e)
		ap, _ := e.App.Appeal.Get(context.Background(), auth.System(), c.id)
		anon := e.Client()
		r := anon.PostForm("/status", url.Values{"number": {c.number}, "code": {strings.ToLower(ap.QueryCode)}})
		if r.Status != 200 {
			t.Fatalf("lookup: %d %s", r.Status, errorText(r.Body))
		}
		mustContain(t, r, c.number, "已派单", "诉求", "用电", `data-testid="status-steps"`, "受理")
		for _, secret := range []string{c.title, c.body, c.contact, c.phone, "138****5678", enterpriseName(t, e, c.ent1), "工业和信息化局", ap.QueryCode} {
			if strings.Contains(r.Body, secret) {
				t.Errorf("the public page shows %q", secret)
			}
		}
		r = anon.PostForm("/status", url.Values{"number": {c.number}, "code": {"AAAAAA"}})
		if r.Status != http.StatusNotFound {
			t.Fatalf("wrong code: %d", r.Status)
		}
		mustContain(t, r, "未找到该诉求", `value="`+c.number+`"`)
		r = anon.PostForm("/status", url.Values{"number": {""}, "code": {""}})
		mustContain(t, r, `id="st-number-err"`, `id="st-code-err"`)
		for i := 3; i <= appeal.StatusTries; i++ {
			anon.PostForm("/status", url.Values{"number": {c.number}, "code": {"BBBBBB"}})
		}
		r = anon.PostForm("/status", url.Values{"number": {c.number}, "code": {ap.QueryCode}})
		if r.Status != http.StatusTooManyRequests {
			t.Fatalf("the 21st lookup: %d", r.Status)
		}
		mustContain(t, r, "查询过于频繁，请 10 分钟后再试。")
		e.Clock.Advance(appeal.StatusWindow + time.Second)
		if r := anon.PostForm("/status", url.Values{"number": {c.number}, "code": {ap.QueryCode}}); r.Status != 200 {
			t.Errorf("after the window: %d", r.Status)
		}
		en := e.Client()
		en.Get("/lang/en?next=/status")
		mustContain(t, en.Get("/status"), "Appeal status", "Query code")
	})
}

// Categories, the knowledge base and the time limits, edited from their pages.
func TestAppealAdminPages(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		c := newAppealCity(t, e)
		admin := e.Client()
		admin.Login("admin", apptest.AdminPassword)
		ctx := context.Background()
		utilities, _ := e.App.Appeal.CategoryByCode(ctx, auth.System(), "utilities")
		r := admin.PostForm("/admin/categories", url.Values{"code": {"Bad Code"}, "name": {""}, "parent_id": {id(utilities.ID)},
			"limits.handle": {"x"}, "active": {"1"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad category: %d", r.Status)
		}
		mustContain(t, r, `value="Bad Code"`, `id="l-limits.handle-err"`)
		r = admin.PostForm("/admin/categories", url.Values{"code": {"Bad Code"}, "name": {""}, "parent_id": {id(utilities.ID)}, "active": {"1"}})
		mustContain(t, r, `id="c-code-err"`, `id="c-name-err"`, `value="Bad Code"`)
		r = admin.PostForm("/admin/categories", url.Values{"code": {"utilities.heat"}, "name": {"供热"}, "name_en": {"Heating"},
			"parent_id": {id(utilities.ID)}, "default_dept_id": {id(c.gxj)}, "limits.handle": {"3"}, "limits.handle.unit": {"d"},
			"limits.claim": {"4"}, "limits.claim.unit": {"h"}, "active": {"1"}, "sort_order": {"5"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create category: %d %s", r.Status, errorText(r.Body))
		}
		heat, err := e.App.Appeal.CategoryByCode(ctx, auth.System(), "utilities.heat")
		if err != nil || heat.ParentID != utilities.ID || heat.DefaultDeptID != c.gxj || heat.Limits.Handle == nil || heat.Limits.Handle.Days != 3 ||
			heat.Limits.Claim == nil || heat.Limits.Claim.Hours != 4 {
			t.Fatalf("created %+v %v", heat, err)
		}
		mustContain(t, admin.Get("/admin/categories"), "供热", "utilities.heat", "3 个工作日")
		edit := admin.Get("/admin/categories/" + id(heat.ID))
		mustContain(t, edit, `value="utilities.heat"`, `value="4"`)
		r = admin.PostForm("/admin/categories/"+id(heat.ID), url.Values{"code": {"utilities.heat"}, "name": {"集中供热"}, "parent_id": {id(utilities.ID)},
			"version": {id(heat.Version)}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("update category: %d %s", r.Status, errorText(r.Body))
		}
		r = admin.PostForm("/admin/categories/"+id(heat.ID), url.Values{"code": {"utilities.heat"}, "name": {"过期版本"}, "version": {id(heat.Version)}})
		if r.Status != http.StatusConflict {
			t.Errorf("stale category: %d", r.Status)
		}
		// The operator's intake offers active categories only.
		if h, _ := e.App.Appeal.Category(ctx, auth.System(), heat.ID); h.Active || h.Name != "集中供热" {
			t.Errorf("after the edit: %+v", h)
		}
		if strings.Contains(c.as("operator1").Get("/appeals/new").Body, "集中供热") {
			t.Error("a retired category is offered at intake")
		}

		// Knowledge base: the operator writes an article and answers from it.
		op := c.as("operator1")
		r = op.PostForm("/admin/kb", url.Values{"title": {""}, "answer": {"x"}})
		mustContain(t, r, `id="k-title-err"`)
		r = op.PostForm("/admin/kb", url.Values{"title": {"用电报装需要哪些材料？"}, "answer": {"营业执照、用电申请表和产权证明。"},
			"category_id": {id(c.catPower)}, "active": {"1"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create article: %d %s", r.Status, errorText(r.Body))
		}
		arts, _ := e.App.Appeal.Articles(ctx, e.Actor("operator1"), appeal.ArticleFilter{Q: "用电报装"})
		if len(arts) != 1 {
			t.Fatalf("%d articles", len(arts))
		}
		mustContain(t, op.Get("/admin/kb?q=用电报装"), "用电报装需要哪些材料？")
		fresh, err := e.App.Appeal.Create(ctx, e.Actor("operator1"), appeal.NewAppeal{Kind: appeal.KindConsultation, CategoryID: c.catPower,
			Title: "用电报装咨询", Body: "需要什么材料？", EnterpriseOrgID: c.ent1, ContactName: "王", ContactPhone: "13800001111"})
		if err != nil {
			t.Fatal(err)
		}
		pg := op.Get("/appeals/" + fresh.Number)
		mustContain(t, pg, `<option value="`+id(arts[0].ID)+`">用电报装需要哪些材料？</option>`)
		r = op.PostForm("/appeals/"+fresh.Number+"/direct_reply", url.Values{"version": {version(t, pg, "direct_reply")}, "article_id": {id(arts[0].ID)},
			"outcome": {"policy_explained"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("direct reply: %d %s", r.Status, errorText(r.Body))
		}
		mustContain(t, op.Get("/appeals/"+fresh.Number), "营业执照、用电申请表和产权证明。", "已答复")
		mustContain(t, op.Get("/admin/kb/"+id(arts[0].ID)), "已用于直接答复 1 次")
		kbPage := op.Get("/admin/kb/" + id(arts[0].ID))
		mustContain(t, kbPage, `action="/admin/kb/`+id(arts[0].ID)+`/delete"`)
		r = op.PostForm("/admin/kb/"+id(arts[0].ID)+"/delete", url.Values{"version": {id(arts[0].Version)}})
		if r.Status != http.StatusSeeOther {
			t.Errorf("delete article: %d %s", r.Status, errorText(r.Body))
		}
		if r := c.as("gxj1").Get("/admin/kb"); r.Status != http.StatusForbidden {
			t.Errorf("a department on the knowledge base: %d", r.Status)
		}

		// Time limits.
		mustContain(t, admin.Get("/admin/appeal-settings"), `name="default.handle" type="number"`, "430102 芙蓉区")
		r = admin.PostForm("/admin/appeal-settings", url.Values{"default.claim": {"1"}, "default.handle": {""}, "default.callback": {"2"},
			"max_extension_days": {"15"}, "districts": {"430102 芙蓉区\n43010 坏代码"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad settings: %d", r.Status)
		}
		mustContain(t, r, "签收、办理、回访三项默认时限均须填写。", "第 2 行：", "43010 坏代码")
		r = admin.PostForm("/admin/appeal-settings", url.Values{"default.claim": {"1"}, "default.handle": {"4"}, "default.callback": {"2"},
			"kinds.consultation.handle": {"2"}, "urgent.claim": {"2"}, "urgent.claim.unit": {"h"}, "urgent.handle": {"1"},
			"max_extension_days": {"10"}, "districts": {"430102 芙蓉区\n430104 岳麓区"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("save settings: %d %s", r.Status, errorText(r.Body))
		}
		st, _ := e.App.Appeal.Settings(ctx)
		if st.Default.Handle.Days != 4 || st.MaxExtensionDays != 10 || len(st.Districts) != 2 || st.Urgent.Claim.Hours != 2 {
			t.Errorf("saved settings %+v", st)
		}
		if r := op.Get("/admin/appeal-settings"); r.Status != http.StatusForbidden {
			t.Errorf("an operator on the settings: %d", r.Status)
		}
	})
}

// A chamber files for a member, a leader files what a visit raised (and supervises it),
// the operator merges a duplicate, refuses one without a reason, and escalates one to a
// leader, who then sees it among their supervised appeals and may raise its level.
func TestAppealIntakeAndOperatorMoves(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		c := newAppealCity(t, e)
		var chamberKey string
		for _, u := range e.Demo.City.Users {
			if u.Username == "chamber1" {
				chamberKey = u.Org.Key
			}
		}
		var member int64
		for _, m := range e.Demo.City.Memberships {
			if m.Chamber == chamberKey {
				member = e.Demo.Orgs[m.Enterprise]
				break
			}
		}
		ch := c.as("chamber1")
		form := ch.Get("/appeals/new")
		mustContain(t, form, `name="enterprise_id"`, `value="`+id(member)+`"`)
		if strings.Contains(form.Body, `value="`+id(c.ent2)+`"`) && member != c.ent2 {
			t.Error("the chamber is offered an enterprise that is not its member")
		}
		r := ch.PostForm("/appeals", url.Values{"enterprise_id": {id(member)}, "contact_name": {"陈会长"}, "contact_phone": {"0731-84567890"},
			"kind": {"suggestion"}, "category_id": {id(c.catPower)}, "title": {"会员企业反映园区停电频繁"}, "body": {"多家会员企业反映。"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("chamber intake: %d %s", r.Status, errorText(r.Body))
		}
		byChamber := strings.TrimPrefix(r.Header.Get("Location"), "/appeals/")
		mustContain(t, ch.Get("/appeals?queue=mine"), byChamber)
		mustContain(t, ch.Get("/appeals/"+byChamber), "商会代为反映", "会员企业反映园区停电频繁")
		// Not a member: refused, shown by the field.
		var stranger int64
		for _, en := range e.Demo.City.Enterprises {
			if o := e.Demo.Orgs[en.Key]; !isMember(e, chamberKey, o) {
				stranger = o
				break
			}
		}
		r = ch.PostForm("/appeals", url.Values{"enterprise_id": {id(stranger)}, "contact_name": {"陈"}, "contact_phone": {"13900001111"},
			"kind": {"appeal"}, "category_id": {id(c.catPower)}, "title": {"x"}, "body": {"y"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("the chamber filing for a non-member: %d", r.Status)
		}
		mustContain(t, r, `id="n-enterprise_id-err"`, "不是本商会的会员企业")

		// A leader records a problem raised on a visit; it is supervised by them.
		ld := c.as("leader1")
		r = ld.PostForm("/appeals", url.Values{"enterprise": {enterpriseName(t, e, c.ent2)}, "contact_name": {"李总"}, "contact_phone": {"13700001111"},
			"kind": {"appeal"}, "category_id": {id(c.catPower)}, "title": {"走访中企业反映用电报装慢"}, "body": {"调研走访时企业反映。"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("leader intake: %d %s", r.Status, errorText(r.Body))
		}
		visit := strings.TrimPrefix(r.Header.Get("Location"), "/appeals/")
		mustContain(t, ld.Get("/appeals?queue=leader"), visit)
		mustContain(t, ld.Get("/appeals/"+visit), "领导走访", "督办")

		// The operator merges the visit's appeal into the chamber's? No: into an earlier one,
		// the hotline appeal of the fixture; a later number is refused by its field.
		op := c.as("operator1")
		pg := op.Get("/appeals/" + visit)
		r = op.PostForm("/appeals/"+visit+"/merge", url.Values{"version": {version(t, pg, "merge")}, "into": {"ZQ20200101000001"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("merge into an unknown number: %d", r.Status)
		}
		mustContain(t, r, `id="mer-into-err"`, "要合并到的诉求不存在。", `value="ZQ20200101000001"`)
		r = op.PostForm("/appeals/"+visit+"/reject", url.Values{"version": {version(t, pg, "reject")}, "reason": {" "}})
		mustContain(t, r, `id="rej-reason-err"`)
		r = op.PostForm("/appeals/"+visit+"/merge", url.Values{"version": {version(t, pg, "merge")}, "into": {strings.ToLower(c.number)}, "note": {"同一问题"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("merge: %d %s", r.Status, errorText(r.Body))
		}
		mustContain(t, op.Get("/appeals/"+visit), "已合并", c.number)
		mustContain(t, op.Get("/appeals/"+c.number), `data-action="merged_in"`, visit)

		// Escalation to a named leader: the leader sees it and raises the supervision.
		leader2 := e.Actor("leader2")
		pg = op.Get("/appeals/" + c.number)
		mustContain(t, pg, `<option value="`+id(leader2.UserID)+`"`)
		r = op.PostForm("/appeals/"+c.number+"/escalate", url.Values{"version": {version(t, pg, "escalate")}, "leader_ids": {id(leader2.UserID)},
			"note": {"涉及多部门，请领导协调。"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("escalate: %d %s", r.Status, errorText(r.Body))
		}
		l2 := c.as("leader2")
		mustContain(t, l2.Get("/appeals?queue=leader"), c.number)
		lp := l2.Get("/appeals/" + c.number)
		mustContain(t, lp, "疑难件已上报", `data-testid="form-supervise"`)
		if strings.Contains(lp.Body, `data-testid="form-escalate"`) || strings.Contains(lp.Body, `data-testid="form-dispatch"`) {
			t.Error("the leader is offered an operator's move")
		}
		r = l2.PostForm("/appeals/"+c.number+"/supervise", url.Values{"version": {version(t, lp, "supervise")}, "level": {"3"}, "note": {"挂牌督办"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("leader supervises: %d %s", r.Status, errorText(r.Body))
		}
		mustContain(t, op.Get("/appeals?queue=supervised"), c.number)
		mustContain(t, op.Get("/appeals/"+c.number), "挂牌督办")
	})
}

func isMember(e *apptest.Env, chamberKey string, org int64) bool {
	for _, m := range e.Demo.City.Memberships {
		if m.Chamber == chamberKey && e.Demo.Orgs[m.Enterprise] == org {
			return true
		}
	}
	return false
}
