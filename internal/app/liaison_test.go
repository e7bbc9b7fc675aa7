package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/demo/citydata"
	"yingshang/internal/liaison"
)

// leaderEnterprise returns demo leader n's first linked enterprise (org id).
func leaderEnterprise(t *testing.T, e *apptest.Env, n int) int64 {
	t.Helper()
	key := e.Demo.City.Leaders[n-1].Key
	for _, l := range e.Demo.City.LeaderLinks {
		if l.Leader == key && l.Target.Kind == citydata.KindEnterprise {
			return e.Demo.Orgs[l.Target.Key]
		}
	}
	t.Fatalf("leader%d has no enterprise", n)
	return 0
}

func category(t *testing.T, e *apptest.Env, code string) int64 {
	t.Helper()
	c, err := e.App.Appeal.CategoryByCode(context.Background(), e.Actor("operator1"), code)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// The demo city is linked as the report says: 39 leaders with their officers, 71
// enterprises and 22 chambers; the appeal loop knows who looks after an enterprise, and a
// difficult case escalated without naming anyone lands on the linked leader's desk.
func TestLiaisonDemoCityAndEscalation(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		op := e.Actor("operator1")
		leaders, err := e.App.Liaison.Leaders(ctx, op)
		if err != nil || len(leaders) != citydata.LeaderCount || leaders[0].Title != e.Demo.City.Leaders[0].Title {
			t.Fatalf("%d leaders %v", len(leaders), err)
		}
		for _, c := range []struct {
			kind string
			want int
		}{{auth.OrgEnterprise, citydata.LinkedEnterpriseCount}, {auth.OrgChamber, citydata.LinkedChamberCount}} {
			_, n, err := e.App.Liaison.ListLinks(ctx, op, liaison.LinkFilter{Kind: c.kind})
			if err != nil || n != c.want {
				t.Errorf("%s links %d, want %d (%v)", c.kind, n, c.want, err)
			}
		}
		ent := leaderEnterprise(t, e, 1)
		l1, off1 := e.Actor("leader1"), e.Actor("liaison1")
		ids, _ := e.App.Liaison.LeadersFor(ctx, ent)
		if !slices.Contains(ids, l1.UserID) || !slices.Contains(ids, off1.UserID) {
			t.Errorf("LeadersFor(%d) = %v, want leader1 %d and liaison1 %d", ent, ids, l1.UserID, off1.UserID)
		}
		ap, err := e.App.Appeal.Create(ctx, op, appeal.NewAppeal{Kind: appeal.KindComplaint, CategoryID: category(t, e, "tax"),
			Title: "多次反映退税问题无果", Body: "企业多次反映出口退税迟迟不到账，涉及多个部门。", EnterpriseOrgID: ent,
			ContactName: "王经理", ContactPhone: "13812345678"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Appeal.Escalate(ctx, op, ap.ID, ap.Version, appeal.EscalateInput{Note: "疑难件，请联系领导协调"}); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"leader1", "liaison1"} {
			c := e.Client()
			c.Login(who, apptest.DemoPassword)
			r := c.Get("/liaison/desk")
			if r.Status != http.StatusOK {
				t.Fatalf("%s desk: %d", who, r.Status)
			}
			mustContain(t, r, `data-testid="desk-escalated"`, ap.Number, "多次反映退税问题无果")
			var desk struct {
				Escalated []struct{ Number string } `json:"escalated"`
				Orgs      []struct {
					LastVisit *string `json:"last_visit"`
				} `json:"orgs"`
			}
			e.APIClient(who, "read").Get("/api/v1/liaison/desk").JSON(t, &desk)
			if len(desk.Escalated) != 1 || desk.Escalated[0].Number != ap.Number {
				t.Errorf("%s's desk API: %+v", who, desk.Escalated)
			}
		}
		// Another leader neither sees the case nor the desk.
		c := e.Client()
		c.Login("leader2", apptest.DemoPassword)
		if r := c.Get(fmt.Sprintf("/liaison/desk?leader=%d", l1.UserID)); r.Status != http.StatusNotFound {
			t.Errorf("leader2 opens leader1's desk: %d", r.Status)
		}
		if _, err := e.App.Appeal.Get(ctx, e.Actor("leader2"), ap.ID); err == nil && !slices.Contains(mustLeadersFor(t, e, ent), e.Actor("leader2").UserID) {
			t.Error("leader2 reads leader1's enterprise's appeal")
		}
		// The demo's year of visits: some organisations never visited, shown first.
		if r := e.Client(); true {
			r.Login("leader1", apptest.DemoPassword)
			mustContain(t, r.Get("/liaison/desk"), "我联系的企业和商会", "月度汇总")
		}
		if n := countRows(t, e, "liaison_visits"); n == 0 {
			t.Error("the demo city has no visits")
		}
	})
}

func mustLeadersFor(t *testing.T, e *apptest.Env, ent int64) []int64 {
	ids, err := e.App.Liaison.LeadersFor(context.Background(), ent)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

var numberRE = regexp.MustCompile(`ZQ\d{14}`)

// A leader records a visit with two problems through the pages: step one picks the
// enterprise, step two files the problems; both are appeals supervised by the leader in
// the operators' 待受理 queue. A blank title comes back next to its field with every
// value kept, and nothing is filed.
func TestLiaisonVisitThroughThePages(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		ent := leaderEnterprise(t, e, 1)
		c := e.Client()
		c.Login("leader1", apptest.DemoPassword)
		r := c.Get("/liaison/visits/new")
		mustContain(t, r, `data-testid="linked-orgs"`, fmt.Sprintf(`value="%d"`, ent))
		r = c.Get(fmt.Sprintf("/liaison/visits/new?step=2&org=%d", ent))
		mustContain(t, r, `data-testid="visit-form"`, `name="problems[0].title"`, `name="problems[1].title"`, fmt.Sprintf(`name="org_id" value="%d"`, ent))
		cat := category(t, e, "utilities.power")
		form := url.Values{"leader_id": {fmt.Sprint(e.Actor("leader1").UserID)}, "org_id": {fmt.Sprint(ent)}, "kind": {"visit"},
			"visited_on": {"2026-03-02"}, "summary": {"走访企业，察看新建产线。"}, "dept_id": {fmt.Sprint(e.Demo.Orgs["gxj"])},
			"problems[0].org_id": {fmt.Sprint(ent)}, "problems[0].kind": {"appeal"}, "problems[0].category_id": {fmt.Sprint(cat)},
			"problems[0].title": {"新厂房用电增容审批慢"}, "problems[0].body": {"增容申请两个月未批复。"}, "problems[0].priority": {"normal"},
			"problems[1].org_id": {fmt.Sprint(ent)}, "problems[1].kind": {"suggestion"}, "problems[1].category_id": {fmt.Sprint(cat)},
			"problems[1].title": {""}, "problems[1].body": {"建议供电部门设立企业专员。"}, "problems[1].priority": {"normal"}}
		before := countRows(t, e, "appeals")
		r = c.PostForm("/liaison/visits", form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("blank title: %d", r.Status)
		}
		mustContain(t, r, `id="p1-title-err"`, "新厂房用电增容审批慢", "建议供电部门设立企业专员。")
		if n := countRows(t, e, "appeals"); n != before {
			t.Errorf("appeals filed by a refused visit: %d → %d", before, n)
		}
		form.Set("problems[1].title", "建议设立供电企业专员")
		r = c.PostForm("/liaison/visits", form)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/liaison/visits/") {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		page := c.Get(r.Header.Get("Location"))
		numbers := slices.Compact(numberRE.FindAllString(page.Body, -1))
		if len(numbers) != 2 {
			t.Fatalf("the visit page shows %v", numbers)
		}
		q, err := e.App.Appeal.List(ctx, e.Actor("operator1"), appeal.QueueSubmitted, appeal.Filter{Supervised: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range numbers {
			if !slices.ContainsFunc(q.Items, func(it appeal.ListItem) bool { return it.Number == n && it.Channel == appeal.ChannelLeaderVisit }) {
				t.Errorf("%s is not a supervised leader-visit appeal in 待受理", n)
			}
		}
		// The enterprise's file shows the visit and its problems to its own user.
		var entUser string
		for _, u := range e.Demo.City.Users {
			if u.Org.Kind == citydata.KindEnterprise && e.Demo.Orgs[u.Org.Key] == ent {
				entUser = u.Username
			}
		}
		if entUser != "" {
			ec := e.Client()
			ec.Login(entUser, apptest.DemoPassword)
			mustContain(t, ec.Get(fmt.Sprintf("/enterprises/%d", ent)), `data-section="liaison"`, `data-testid="section-leaders"`, numbers[0])
		}
		// Through the API: leader2 files one visit, its problem field errors are named.
		api := e.APIClient("leader2", "write")
		ent2 := leaderEnterprise(t, e, 2)
		body := map[string]any{"kind": "research", "visited_on": "2026-03-01", "org_ids": []int64{ent2}, "summary": "调研",
			"problems": []map[string]any{{"org_id": ent2, "kind": "appeal", "category_id": cat, "title": "", "body": "x"}}}
		r = api.PostJSON("/api/v1/liaison/visits", body)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"problems[0].title"`) {
			t.Errorf("API field error: %d %s", r.Status, r.Body)
		}
		body["problems"] = []map[string]any{{"org_id": ent2, "kind": "appeal", "category_id": cat, "title": "园区道路破损", "body": "影响货车通行。"}}
		r = api.PostJSON("/api/v1/liaison/visits", body, "Idempotency-Key", "visit-1")
		var v struct {
			ID       int64 `json:"id"`
			Problems []struct {
				Appeal struct {
					Number           string `json:"number"`
					SupervisionLevel int    `json:"supervision_level"`
				} `json:"appeal"`
				CanOpen bool `json:"can_open"`
			} `json:"problems"`
		}
		r.JSON(t, &v)
		if r.Status != http.StatusCreated || len(v.Problems) != 1 || v.Problems[0].Appeal.SupervisionLevel != 1 || !v.Problems[0].CanOpen {
			t.Fatalf("API create: %d %s", r.Status, r.Body)
		}
		again := api.PostJSON("/api/v1/liaison/visits", body, "Idempotency-Key", "visit-1")
		if again.Status != http.StatusCreated || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay: %d %v", again.Status, again.Header)
		}
	})
}

// The scope from outside, web and API: another leader's visit, link and desk are 404; the
// leader's officer sees them; operators and administrators see everything; a department
// that came along sees the visit but opens only appeals dispatched to it; an enterprise
// sees itself only; an analyst has no liaison pages.
func TestLiaisonScopeFromOutside(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		ent := leaderEnterprise(t, e, 1)
		gxj, fgw := e.Demo.Orgs["gxj"], e.Demo.Orgs["fgw"]
		cat := category(t, e, "utilities.power")
		v, err := e.App.Liaison.CreateVisit(ctx, e.Actor("leader1"), liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02",
			OrgIDs: []int64{ent}, DeptIDs: []int64{gxj}, Summary: "走访座谈，企业反映用电问题。",
			Problems: []liaison.ProblemInput{{OrgID: ent, Kind: appeal.KindAppeal, CategoryID: cat, Title: "用电增容", Body: "增容慢。"},
				{OrgID: ent, Kind: appeal.KindAppeal, CategoryID: cat, Title: "电价政策", Body: "政策不清楚。"}}})
		if err != nil {
			t.Fatal(err)
		}
		// The second problem goes to 发改委, the first to 工信局 (who came along).
		op := e.Actor("operator1")
		for i, dept := range []int64{gxj, fgw} {
			ap, _ := e.App.Appeal.Get(ctx, op, v.Problems[i].AppealID)
			ap, err = e.App.Appeal.Accept(ctx, op, ap.ID, ap.Version, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.App.Appeal.Dispatch(ctx, op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: dept}); err != nil {
				t.Fatal(err)
			}
		}
		var link liaison.Link
		links, _, _ := e.App.Liaison.ListLinks(ctx, op, liaison.LinkFilter{OrgID: ent})
		for _, l := range links {
			if l.LeaderID == e.Actor("leader1").UserID {
				link = l
			}
		}
		var ownUser, otherUser string
		for _, u := range e.Demo.City.Users {
			if u.Org.Kind != citydata.KindEnterprise {
				continue
			}
			if e.Demo.Orgs[u.Org.Key] == ent {
				ownUser = u.Username
			} else if otherUser == "" {
				otherUser = u.Username
			}
		}
		visit, vAPI := fmt.Sprintf("/liaison/visits/%d", v.ID), fmt.Sprintf("/api/v1/liaison/visits/%d", v.ID)
		linkAPI := fmt.Sprintf("/api/v1/liaison/links/%d", link.ID)
		type check struct {
			path   string
			status int
		}
		matrix := []struct {
			user   string
			checks []check
		}{
			{"leader1", []check{{visit, 200}, {vAPI, 200}, {linkAPI, 200}, {"/liaison/desk", 200}}},
			{"liaison1", []check{{visit, 200}, {vAPI, 200}, {linkAPI, 200}, {"/liaison/desk", 200}}},
			{"leader2", []check{{visit, 404}, {vAPI, 404}, {linkAPI, 404}}},
			{"operator2", []check{{visit, 200}, {vAPI, 200}, {linkAPI, 200}, {"/liaison/links", 200}, {"/liaison/desk", 403}}},
			{"admin", []check{{visit, 200}, {"/liaison/links", 200}, {"/liaison/leaders", 200}}},
			{"gxj1", []check{{visit, 200}, {vAPI, 200}, {linkAPI, 404}, {"/liaison/links", 403}}},
			{"fgw1", []check{{visit, 404}, {vAPI, 404}}},
			{"analyst1", []check{{visit, 403}, {vAPI, 404}, {"/liaison/suggestions", 200}}},
			{"auditor", []check{{visit, 403}, {vAPI, 404}}},
		}
		if ownUser != "" {
			matrix = append(matrix, struct {
				user   string
				checks []check
			}{ownUser, []check{{visit, 200}, {vAPI, 200}, {linkAPI, 200}}})
		}
		if otherUser != "" {
			matrix = append(matrix, struct {
				user   string
				checks []check
			}{otherUser, []check{{visit, 404}, {vAPI, 404}, {linkAPI, 404}}})
		}
		for _, m := range matrix {
			c := e.Client()
			c.Login(m.user, func() string {
				if m.user == "admin" {
					return apptest.AdminPassword
				}
				return apptest.DemoPassword
			}())
			api := e.APIClient(m.user, "read")
			for _, ck := range m.checks {
				cl := c
				if strings.HasPrefix(ck.path, "/api/") {
					cl = api
				}
				if r := cl.Get(ck.path); r.Status != ck.status {
					t.Errorf("%s GET %s: %d, want %d", m.user, ck.path, r.Status, ck.status)
				}
			}
		}
		// 工信局 reads both states but opens only its own appeal; the API says the same.
		c := e.Client()
		c.Login("gxj1", apptest.DemoPassword)
		page := c.Get(visit)
		a0, _ := e.App.Appeal.Get(ctx, op, v.Problems[0].AppealID)
		a1, _ := e.App.Appeal.Get(ctx, op, v.Problems[1].AppealID)
		mustContain(t, page, `href="/appeals/`+a0.Number+`"`, a1.Number)
		if strings.Contains(page.Body, `href="/appeals/`+a1.Number+`"`) {
			t.Error("工信局 gets a link to 发改委's appeal")
		}
		var got struct {
			Problems []struct {
				CanOpen bool `json:"can_open"`
			} `json:"problems"`
		}
		e.APIClient("gxj1", "read").Get(vAPI).JSON(t, &got)
		if len(got.Problems) != 2 || !got.Problems[0].CanOpen || got.Problems[1].CanOpen {
			t.Errorf("工信局's API view %+v", got.Problems)
		}
		// The enterprise sees itself only: no summary, no other organisation.
		if ownUser != "" {
			ec := e.Client()
			ec.Login(ownUser, apptest.DemoPassword)
			if p := ec.Get(visit); strings.Contains(p.Body, "走访座谈，企业反映用电问题。") {
				t.Error("the enterprise reads the leader's summary")
			}
		}
		// Lists keep the scope: leader2 lists none of leader1's visits or links.
		var vs struct {
			Items []struct {
				LeaderID int64 `json:"leader_id"`
			} `json:"items"`
		}
		e.APIClient("leader2", "read").Get("/api/v1/liaison/visits?limit=200").JSON(t, &vs)
		for _, it := range vs.Items {
			if it.LeaderID != e.Actor("leader2").UserID {
				t.Errorf("leader2 lists a visit of leader %d", it.LeaderID)
			}
		}
		var ls struct {
			Items []struct {
				LeaderID int64 `json:"leader_id"`
			} `json:"items"`
		}
		e.APIClient("liaison1", "read").Get("/api/v1/liaison/links?status=all&limit=200").JSON(t, &ls)
		if len(ls.Items) == 0 {
			t.Error("liaison1 lists no links")
		}
		for _, it := range ls.Items {
			if it.LeaderID != e.Actor("leader1").UserID {
				t.Errorf("liaison1 lists a link of leader %d", it.LeaderID)
			}
		}
		// A token without the liaison scope is refused.
		if r := e.APIClient("leader1", "appeals:read").Get("/api/v1/liaison/visits"); r.Status != http.StatusForbidden {
			t.Errorf("appeals-only token: %d", r.Status)
		}
	})
}

// Links through the pages and the workbook: create, end, export (every link in it), and
// import — a bad workbook shows its errors and imports nothing, a good one imports.
func TestLiaisonLinksImportExport(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		c := e.Client()
		c.Login("operator1", apptest.DemoPassword)
		r := c.Get("/liaison/links/export.xlsx?status=all")
		if r.Status != http.StatusOK {
			t.Fatalf("export: %d", r.Status)
		}
		x, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows(x.GetSheetList()[0])
		if want := citydata.LinkedEnterpriseCount + citydata.LinkedChamberCount; len(rows)-1 != want {
			t.Errorf("export has %d links, want %d", len(rows)-1, want)
		}
		// A new link through the form: by the enterprise's credit code; twice is refused.
		var target citydata.Enterprise
		linked := map[string]bool{}
		for _, l := range e.Demo.City.LeaderLinks {
			linked[l.Target.Key] = true
		}
		for _, en := range e.Demo.City.Enterprises {
			if !linked[en.Key] {
				target = en
				break
			}
		}
		l3 := e.Actor("leader3")
		form := url.Values{"leader_id": {fmt.Sprint(l3.UserID)}, "org": {target.CreditCode}, "since_on": {"2026-01-05"}}
		if r := c.PostForm("/liaison/links", form); r.Status != http.StatusSeeOther {
			t.Fatalf("create link: %d %s", r.Status, r.Body)
		}
		r = c.PostForm("/liaison/links", form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("twice: %d", r.Status)
		}
		mustContain(t, r, `id="f-org-err"`, target.CreditCode)
		links, _, _ := e.App.Liaison.ListLinks(ctx, e.Actor("operator1"), liaison.LinkFilter{OrgID: e.Demo.Orgs[target.Key]})
		if len(links) != 1 {
			t.Fatalf("links %+v", links)
		}
		if r := c.PostForm(fmt.Sprintf("/liaison/links/%d/end", links[0].ID), url.Values{"version": {fmt.Sprint(links[0].Version)}}); r.Status != http.StatusSeeOther {
			t.Errorf("end: %d", r.Status)
		}
		// Import.
		if r := c.Get("/liaison/links/import/template.xlsx"); r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "PK") {
			t.Errorf("template: %d", r.Status)
		}
		book := func(rows ...[]any) []byte {
			f := excelize.NewFile()
			for i, h := range []string{"联系领导", "联系对象", "联络员", "开始日期", "结束日期", "备注"} {
				cell, _ := excelize.CoordinatesToCellName(i+1, 1)
				f.SetCellValue("Sheet1", cell, h)
			}
			for r, row := range rows {
				for i, v := range row {
					cell, _ := excelize.CoordinatesToCellName(i+1, r+2)
					f.SetCellValue("Sheet1", cell, v)
				}
			}
			var b bytes.Buffer
			f.Write(&b)
			return b.Bytes()
		}
		before := countRows(t, e, "liaison_links")
		bad := book([]any{"leader4", target.Name, "liaison4", "2026-02-01", "", ""}, []any{"没有的领导", target.Name, "", "2026-02-01", "", ""})
		body, ct := multipartFile(t, "links.xlsx", bad)
		r = c.Do("POST", "/liaison/links/import", body, http.Header{"Content-Type": {ct}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad import: %d", r.Status)
		}
		mustContain(t, r, `data-testid="import-errors"`, "没有的领导")
		if n := countRows(t, e, "liaison_links"); n != before {
			t.Errorf("a bad workbook imported %d links", n-before)
		}
		good := book([]any{"leader4", target.Name, "liaison4", "2026-02-01", "", "导入"})
		body, ct = multipartFile(t, "links.xlsx", good)
		if r := c.Do("POST", "/liaison/links/import", body, http.Header{"Content-Type": {ct}}); r.Status != http.StatusSeeOther {
			t.Fatalf("good import: %d %s", r.Status, r.Body)
		}
		if n := countRows(t, e, "liaison_links"); n != before+1 {
			t.Errorf("%d links imported", n-before)
		}
		// Leaders and their officers may not manage links.
		lc := e.Client()
		lc.Login("leader1", apptest.DemoPassword)
		if r := lc.PostForm("/liaison/links", form); r.Status != http.StatusForbidden {
			t.Errorf("a leader creates a link: %d", r.Status)
		}
		if r := e.APIClient("leader1", "write").PostJSON("/api/v1/liaison/links", map[string]any{"leader_id": l3.UserID,
			"org_id": e.Demo.Orgs[target.Key], "since_on": "2026-01-05"}); r.Status != http.StatusForbidden {
			t.Errorf("a leader creates a link by API: %d", r.Status)
		}
	})
}

// A roundtable through the pages: recorded by an operator, its issues dispatched to the
// departments named; the hosts read the follow-up and print the report; the department
// answers a suggestion "adopted" and the follow-up and the statistics count it.
func TestLiaisonRoundtableAndSuggestions(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		gxj, fgw := e.Demo.Orgs["gxj"], e.Demo.Orgs["fgw"]
		ent := leaderEnterprise(t, e, 1)
		var entName string
		for _, en := range e.Demo.City.Enterprises {
			if e.Demo.Orgs[en.Key] == ent {
				entName = en.Name
			}
		}
		c := e.Client()
		c.Login("operator1", apptest.DemoPassword)
		r := c.PostForm("/liaison/roundtables", url.Values{"title": {"2026年第一季度政企恳谈会"}, "held_on": {"2026-02-27"},
			"host_id": {fmt.Sprint(gxj)}, "participants": {entName}, "topics": {"制造业用工与融资"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		page := r.Header.Get("Location")
		cat := category(t, e, "tax")
		r = c.PostForm(page+"/issues", url.Values{"problems[0].org_id": {fmt.Sprint(ent)}, "problems[0].kind": {"suggestion"},
			"problems[0].category_id": {fmt.Sprint(cat)}, "problems[0].title": {"建议开设制造业用工对接专场"}, "problems[0].body": {"企业用工缺口大。"},
			"problems[0].dept_id": {fmt.Sprint(gxj)}, "problems[1].org_id": {fmt.Sprint(ent)}, "problems[1].kind": {"appeal"},
			"problems[1].category_id": {fmt.Sprint(cat)}, "problems[1].title": {"研发费用加计扣除申报难"}, "problems[1].body": {"申报材料复杂。"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("an issue without department: %d", r.Status)
		}
		mustContain(t, r, `id="p1-dept-err"`, "研发费用加计扣除申报难")
		r = c.PostForm(page+"/issues", url.Values{"problems[0].org_id": {fmt.Sprint(ent)}, "problems[0].kind": {"suggestion"},
			"problems[0].category_id": {fmt.Sprint(cat)}, "problems[0].title": {"建议开设制造业用工对接专场"}, "problems[0].body": {"企业用工缺口大。"},
			"problems[0].dept_id": {fmt.Sprint(gxj)}, "problems[1].org_id": {fmt.Sprint(ent)}, "problems[1].kind": {"appeal"},
			"problems[1].category_id": {fmt.Sprint(cat)}, "problems[1].title": {"研发费用加计扣除申报难"}, "problems[1].body": {"申报材料复杂。"},
			"problems[1].dept_id": {fmt.Sprint(fgw)}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("issues: %d %s", r.Status, r.Body)
		}
		mustContain(t, c.Get(page), `data-testid="answered">0 / 2<`)
		// 工信局 (host) answers its suggestion: adopted.
		p, err := e.App.Appeal.List(ctx, e.Actor("gxj1"), appeal.QueueDeptToClaim, appeal.Filter{Kind: appeal.KindSuggestion})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("工信局's queue: %+v %v", p.Items, err)
		}
		ap, err := e.App.Appeal.Claim(ctx, e.Actor("gxj1"), p.Items[0].ID, p.Items[0].Version, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Appeal.Reply(ctx, e.Actor("gxj1"), ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomeAdopted, Text: "采纳，下月举办专场。"}); err != nil {
			t.Fatal(err)
		}
		host := e.Client()
		host.Login("gxj1", apptest.DemoPassword)
		mustContain(t, host.Get(page), `data-testid="answered">1 / 2<`, "采纳")
		mustContain(t, host.Get(page+"/report"), `data-testid="report-answered">1<`, "制造业用工与融资")
		other := e.Client()
		other.Login("fgw1", apptest.DemoPassword)
		if r := other.Get(page); r.Status != http.StatusNotFound {
			t.Errorf("a department that did not host opens the roundtable: %d", r.Status)
		}
		// The statistics count the adopted suggestion; the page shows the handled figure.
		st, err := e.App.Liaison.SuggestionStats(ctx, e.Actor("analyst1"), e.Clock.Now().AddDate(0, 0, -1), e.Clock.Now().AddDate(0, 0, 1))
		if err != nil || st.BySource[appeal.SourceRoundtable].Handled != 1 || st.Total.ByOutcome[appeal.OutcomeAdopted] != 1 {
			t.Fatalf("stats %+v %v", st, err)
		}
		an := e.Client()
		an.Login("analyst1", apptest.DemoPassword)
		r = an.Get("/liaison/suggestions?from=2026-03-01&to=2026-03-02")
		mustContain(t, r, `data-testid="handled">1<`)
		var api struct {
			Total    struct{ Handled int } `json:"total"`
			BySource map[string]struct {
				Filed int `json:"filed"`
			} `json:"by_source"`
		}
		e.APIClient("analyst1", "read").Get("/api/v1/liaison/suggestions/stats?from=2026-03-01&to=2026-03-02").JSON(t, &api)
		if api.Total.Handled != 1 || api.BySource["roundtable"].Filed != 1 {
			t.Errorf("API stats %+v", api)
		}
		if r := an.Get("/liaison/suggestions?from=nonsense"); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("bad date: %d", r.Status)
		}
		ec := e.Client()
		ec.Login("ent1", apptest.DemoPassword)
		if r := ec.Get("/liaison/suggestions"); r.Status != http.StatusForbidden {
			t.Errorf("an enterprise reads the statistics: %d", r.Status)
		}
	})
}

// The desk's one action supervises (or comments on) an appeal through appeal.Supervise,
// and the monthly summary downloads.
func TestLiaisonDeskSuperviseAndExport(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		ent := leaderEnterprise(t, e, 1)
		v, err := e.App.Liaison.CreateVisit(ctx, e.Actor("liaison1"), liaison.VisitInput{LeaderID: e.Actor("leader1").UserID, Kind: liaison.KindVisit,
			VisitedOn: "2026-03-02", OrgIDs: []int64{ent}, Summary: "走访",
			Problems: []liaison.ProblemInput{{OrgID: ent, Kind: appeal.KindAppeal, CategoryID: category(t, e, "tax"), Title: "退税慢", Body: "出口退税慢。"}}})
		if err != nil {
			t.Fatal(err)
		}
		ap, _ := e.App.Appeal.Get(ctx, e.Actor("operator1"), v.Problems[0].AppealID)
		c := e.Client()
		c.Login("leader1", apptest.DemoPassword)
		mustContain(t, c.Get("/liaison/desk"), `data-appeal="`+ap.Number+`"`, `data-testid="desk-orgs"`)
		r := c.PostForm("/liaison/desk/supervise", url.Values{"appeal_id": {fmt.Sprint(ap.ID)}, "version": {fmt.Sprint(ap.Version)},
			"level": {"3"}, "note": {"请尽快办理"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("supervise: %d %s", r.Status, r.Body)
		}
		got, _ := e.App.Appeal.Get(ctx, e.Actor("operator1"), ap.ID)
		if got.SupervisionLevel != 3 {
			t.Errorf("level %d", got.SupervisionLevel)
		}
		if r := c.PostForm("/liaison/desk/supervise", url.Values{"appeal_id": {fmt.Sprint(ap.ID)}, "version": {fmt.Sprint(ap.Version)}, "level": {"1"}}); r.Status != http.StatusConflict {
			t.Errorf("stale version: %d", r.Status)
		}
		l2 := e.Client()
		l2.Login("leader2", apptest.DemoPassword)
		if r := l2.PostForm("/liaison/desk/supervise", url.Values{"appeal_id": {fmt.Sprint(ap.ID)}, "version": {fmt.Sprint(got.Version)}, "level": {"1"}}); r.Status != http.StatusNotFound {
			t.Errorf("another leader supervises: %d", r.Status)
		}
		r = c.Get("/liaison/desk/summary.xlsx")
		if r.Status != http.StatusOK {
			t.Fatalf("summary export: %d", r.Status)
		}
		x, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows(x.GetSheetList()[0])
		if len(rows) != 13 || rows[1][0] != "2026-03" || rows[1][3] != "1" {
			t.Errorf("summary rows %v", rows[:2])
		}
	})
}

var rawKeyRE = regexp.MustCompile(`>[^<]*\b(liaison|appeal|nav|flash|object|error)\.[a-z_]+(\.[a-z0-9_]+)*[^<]*<`)

// Every liaison page renders in both languages for the users it is for, with no catalog
// key left untranslated.
func TestLiaisonPagesInBothLanguages(t *testing.T) {
	e := apptest.New(t, "sqlite", apptest.Options{Demo: citydata.MinEnterprises})
	ctx := context.Background()
	ent := leaderEnterprise(t, e, 1)
	cat := category(t, e, "tax")
	v, err := e.App.Liaison.CreateVisit(ctx, e.Actor("leader1"), liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02",
		OrgIDs: []int64{ent}, DeptIDs: []int64{e.Demo.Orgs["gxj"]}, Summary: "走访",
		Problems: []liaison.ProblemInput{{OrgID: ent, Kind: appeal.KindAppeal, CategoryID: cat, Title: "退税慢", Body: "出口退税慢。"}}})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := e.App.Liaison.CreateRoundtable(ctx, e.Actor("operator1"), liaison.RoundtableInput{Title: "恳谈会", HeldOn: "2026-02-27", Topics: "融资",
		HostIDs: []int64{e.Demo.Orgs["gxj"]}, ParticipantIDs: []int64{ent},
		Issues: []liaison.ProblemInput{{OrgID: ent, Kind: appeal.KindSuggestion, CategoryID: cat, Title: "建议", Body: "建议内容。", DeptID: e.Demo.Orgs["gxj"]}}})
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string][]string{
		"leader1": {"/liaison/desk", "/liaison/links", "/liaison/visits", "/liaison/visits/new", fmt.Sprintf("/liaison/visits/new?step=2&org=%d", ent),
			fmt.Sprintf("/liaison/visits/%d", v.ID), "/liaison/suggestions", fmt.Sprintf("/enterprises/%d", ent),
			fmt.Sprintf("/liaison/problem-row?i=2&org=%d", ent), "/"},
		"operator1": {"/liaison/links", "/liaison/links/new", "/liaison/links/import", "/liaison/leaders", "/liaison/visits/new?leader=" + fmt.Sprint(e.Actor("leader1").UserID),
			"/liaison/roundtables", "/liaison/roundtables/new", fmt.Sprintf("/liaison/roundtables/%d", rt.ID),
			fmt.Sprintf("/liaison/roundtables/%d/report", rt.ID), "/liaison/suggestions?all=1"},
		"gxj1": {fmt.Sprintf("/liaison/visits/%d", v.ID), fmt.Sprintf("/liaison/roundtables/%d", rt.ID), "/liaison/visits", "/liaison/roundtables"},
	}
	// An operator who goes on without a leader is asked for one.
	oc := e.Client()
	oc.Login("operator1", apptest.DemoPassword)
	if r := oc.Get(fmt.Sprintf("/liaison/visits/new?step=2&org=%d", ent)); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `class="error"`) {
		t.Errorf("step 2 without a leader: %d", r.Status)
	}
	lc := e.Client()
	lc.Login("leader1", apptest.DemoPassword)
	mustContain(t, lc.Get("/"), "我联系的企业和商会", `href="/liaison/desk"`)
	for user, paths := range pages {
		for _, lang := range []string{"zh-CN", "en"} {
			c := e.Client()
			c.Login(user, apptest.DemoPassword)
			c.Get("/lang/" + lang)
			for _, p := range paths {
				r := c.Get(p)
				if r.Status != http.StatusOK {
					t.Errorf("%s %s %s: %d", user, lang, p, r.Status)
					continue
				}
				if m := rawKeyRE.FindString(r.Body); m != "" {
					t.Errorf("%s %s %s shows a catalog key: %s", user, lang, p, m)
				}
				if lang == "en" && strings.Contains(r.Body, "走访日期") {
					t.Errorf("%s %s is Chinese in English", user, p)
				}
				if nav := map[string]string{"zh-CN": "领导联系", "en": "Leader liaison"}[lang]; !strings.Contains(p, "problem-row") && !strings.Contains(r.Body, nav) {
					t.Errorf("%s %s %s lacks the navigation group %q", user, lang, p, nav)
				}
			}
		}
	}
}

// The API's links and roundtables, held to the OpenAPI document: an operator links, ends,
// records a roundtable with an issue; the host reads it; lists page by cursor.
func TestLiaisonAPILinksAndRoundtables(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		op := e.APIClient("operator1", "write")
		var leaders struct {
			Items []struct {
				UserID int64  `json:"user_id"`
				Title  string `json:"title"`
			} `json:"items"`
		}
		op.Get("/api/v1/liaison/leaders").JSON(t, &leaders)
		if len(leaders.Items) != citydata.LeaderCount {
			t.Fatalf("%d leaders", len(leaders.Items))
		}
		ent := leaderEnterprise(t, e, 1)
		var chamber int64
		for _, o := range e.Demo.City.Orgs {
			if o.Kind == citydata.KindChamber {
				chamber = e.Demo.Orgs[o.Key]
				break
			}
		}
		r := op.PostJSON("/api/v1/liaison/links", map[string]any{"leader_id": leaders.Items[5].UserID, "org_id": chamber, "since_on": "2025-11-01"})
		var link struct {
			ID      int64   `json:"id"`
			Version int64   `json:"version"`
			Active  bool    `json:"active"`
			UntilOn *string `json:"until_on"`
		}
		r.JSON(t, &link)
		if r.Status != http.StatusCreated && r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("create link: %d %s", r.Status, r.Body)
		}
		if r.Status == http.StatusCreated {
			r = op.PostJSON(fmt.Sprintf("/api/v1/liaison/links/%d/end", link.ID), map[string]any{"version": link.Version})
			r.JSON(t, &link)
			if r.Status != http.StatusOK || link.Active || link.UntilOn == nil {
				t.Errorf("end: %d %s", r.Status, r.Body)
			}
		}
		if r := op.PostJSON("/api/v1/liaison/links", map[string]any{"leader_id": leaders.Items[0].UserID, "org_id": ent, "since_on": "2020-01-01"}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"org_id"`) {
			t.Errorf("overlapping link: %d %s", r.Status, r.Body)
		}
		// Pages by cursor cover the links once.
		seen := map[int64]bool{}
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			var page struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			op.Get("/api/v1/liaison/links?status=all&limit=40&cursor="+url.QueryEscape(cursor)).JSON(t, &page)
			for _, it := range page.Items {
				if seen[it.ID] {
					t.Errorf("link %d twice", it.ID)
				}
				seen[it.ID] = true
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if _, n, _ := e.App.Liaison.ListLinks(context.Background(), e.Actor("operator1"), liaison.LinkFilter{Status: liaison.StatusAll}); len(seen) != n {
			t.Errorf("pages hold %d links, there are %d", len(seen), n)
		}
		gxj := e.Demo.Orgs["gxj"]
		body := map[string]any{"title": "民营企业座谈会", "held_on": "2026-02-26", "topics": "融资", "host_ids": []int64{gxj},
			"participant_ids": []int64{ent, chamber}, "issues": []map[string]any{{"org_id": ent, "kind": "suggestion",
				"category_id": category(t, e, "tax"), "title": "建议优化办税流程", "body": "建议。"}}}
		r = op.PostJSON("/api/v1/liaison/roundtables", body)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"issues[0].department_id"`) {
			t.Errorf("an issue without department: %d %s", r.Status, r.Body)
		}
		body["issues"].([]map[string]any)[0]["department_id"] = gxj
		r = op.PostJSON("/api/v1/liaison/roundtables", body, "Idempotency-Key", "rt-1")
		var rt struct {
			ID     int64 `json:"id"`
			Issues []struct {
				Appeal struct {
					State string `json:"state"`
				} `json:"appeal"`
			} `json:"issues"`
		}
		r.JSON(t, &rt)
		if r.Status != http.StatusCreated || len(rt.Issues) != 1 || rt.Issues[0].Appeal.State != "dispatched" {
			t.Fatalf("roundtable: %d %s", r.Status, r.Body)
		}
		more := map[string]any{"issues": []map[string]any{{"org_id": ent, "kind": "appeal", "category_id": category(t, e, "tax"),
			"title": "退税慢", "body": "退税慢。", "department_id": gxj}}}
		if r := op.PostJSON(fmt.Sprintf("/api/v1/liaison/roundtables/%d/issues", rt.ID), more); r.Status != http.StatusCreated {
			t.Errorf("more issues: %d %s", r.Status, r.Body)
		}
		// The department answers the suggestion "adopted" through the appeal API; the appeal
		// with its suggestion outcome is held to the document.
		var ap struct {
			Number  string `json:"number"`
			Version int64  `json:"version"`
			Reply   *struct {
				Outcome string `json:"outcome"`
			} `json:"reply"`
		}
		dept := e.APIClient("gxj1", "write")
		var briefs []appeal.Brief
		if got, err := e.App.Liaison.GetRoundtable(context.Background(), e.Actor("operator1"), rt.ID); err == nil {
			for _, p := range got.Issues {
				briefs = append(briefs, p.Appeal)
			}
		}
		if len(briefs) != 2 || briefs[0].Kind != appeal.KindSuggestion {
			t.Fatalf("issues %+v", briefs)
		}
		dept.Get("/api/v1/appeals/"+briefs[0].Number).JSON(t, &ap)
		r = dept.PostJSON("/api/v1/appeals/"+ap.Number+"/claim", map[string]any{"version": ap.Version})
		r.JSON(t, &ap)
		r = dept.PostJSON("/api/v1/appeals/"+ap.Number+"/reply", map[string]any{"version": ap.Version, "outcome": "adopted", "text": "采纳。"})
		r.JSON(t, &ap)
		if r.Status != http.StatusOK || ap.Reply == nil || ap.Reply.Outcome != "adopted" {
			t.Errorf("reply adopted: %d %s", r.Status, r.Body)
		}
		host := e.APIClient("gxj1", "read")
		if r := host.Get(fmt.Sprintf("/api/v1/liaison/roundtables/%d", rt.ID)); r.Status != http.StatusOK || !strings.Contains(r.Body, `"answered":1`) {
			t.Errorf("host reads: %d %s", r.Status, r.Body)
		}
		if r := e.APIClient("fgw1", "read").Get(fmt.Sprintf("/api/v1/liaison/roundtables/%d", rt.ID)); r.Status != http.StatusNotFound {
			t.Errorf("another department reads: %d", r.Status)
		}
		var list struct {
			Items []struct {
				Issues int `json:"issues"`
			} `json:"items"`
		}
		host.Get("/api/v1/liaison/roundtables").JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].Issues != 2 {
			t.Errorf("host's list %+v", list.Items)
		}
		if r := e.APIClient("gxj1", "write").PostJSON("/api/v1/liaison/roundtables", body); r.Status != http.StatusForbidden {
			t.Errorf("a department records a roundtable: %d", r.Status)
		}
	})
}
