package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"yingshang/internal/api"
	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
	"yingshang/internal/demo/citydata"
)

// demo is the environment every appeal API test runs on: the demo city (departments
// 工信局 gxj1, 发改委 fgw1, 市场监管局 scjg1; enterprises ent1…ent10; operators; leaders).
var demo = apptest.Options{Demo: citydata.MinEnterprises}

// orgOf is the organisation of a demo user (or a demo org key).
func orgOf(t *testing.T, e *apptest.Env, key string) int64 {
	t.Helper()
	for _, u := range e.Demo.City.Users {
		if u.Username == key {
			return e.Demo.Orgs[u.Org.Key]
		}
	}
	if id := e.Demo.Orgs[key]; id != 0 {
		return id
	}
	t.Fatalf("no demo user or org %s", key)
	return 0
}

// appealOut is what the tests read of an appeal.
type appealOut struct {
	Number    string `json:"number"`
	QueryCode string `json:"query_code"`
	State     string `json:"state"`
	Version   int64  `json:"version"`
	RedoCount int    `json:"redo_count"`
	Round     int    `json:"round"`
	Kind      string `json:"kind"`
	Channel   string `json:"channel"`
	District  string `json:"district_code"`
	Category  struct {
		Code string `json:"code"`
	} `json:"category"`
	Enterprise *struct {
		OrgID *int64 `json:"org_id"`
		Name  string `json:"name"`
	} `json:"enterprise"`
	Contact *struct {
		Name        string `json:"name"`
		Phone       string `json:"phone"`
		PhoneMasked bool   `json:"phone_masked"`
	} `json:"contact"`
	LeadDepartment *struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"lead_department"`
	Reply *struct {
		Outcome string `json:"outcome"`
		Text    string `json:"text"`
	} `json:"reply"`
	Callback *struct {
		Satisfaction string `json:"satisfaction"`
	} `json:"callback"`
	SupervisionLevel int  `json:"supervision_level"`
	Escalated        bool `json:"escalated"`
	Clocks           struct {
		Claim    *struct{ Due string } `json:"claim"`
		Handle   *struct{ Due string } `json:"handle"`
		Callback *struct{ Due string } `json:"callback"`
	} `json:"clocks"`
	SLA struct {
		Level string `json:"level"`
		Clock string `json:"clock"`
		Due   string `json:"due"`
	} `json:"sla"`
	CreatedAt  string   `json:"created_at"`
	ClosedAt   *string  `json:"closed_at"`
	MergedInto string   `json:"merged_into"`
	Actions    []string `json:"actions"`
	Timeline   []struct {
		Action    string         `json:"action"`
		From      string         `json:"from"`
		To        string         `json:"to"`
		ActorName string         `json:"actor_name"`
		Note      string         `json:"note"`
		Public    bool           `json:"public"`
		Data      map[string]any `json:"data"`
	} `json:"timeline"`
	Assignments []struct {
		Org struct {
			ID int64 `json:"id"`
		} `json:"org"`
		Role   string `json:"role"`
		Round  int    `json:"round"`
		State  string `json:"state"`
		Answer string `json:"answer"`
	} `json:"assignments"`
	Callbacks []struct {
		Satisfaction string `json:"satisfaction"`
		Via          string `json:"via"`
	} `json:"callbacks"`
	Extensions  *[]map[string]any `json:"extensions"`
	Attachments []struct {
		ID       int64  `json:"id"`
		Filename string `json:"filename"`
		URL      string `json:"url"`
	} `json:"attachments"`
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (p problem) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// ok decodes a successful answer, failing the test on any other status.
func ok(t *testing.T, r *apptest.Response, status int) appealOut {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	var out appealOut
	r.JSON(t, &out)
	return out
}

// fails decodes a problem answer with the wanted status and type.
func fails(t *testing.T, r *apptest.Response, status int, typ string) problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	var p problem
	r.JSON(t, &p)
	if p.Type != api.ProblemBase+typ {
		t.Fatalf("problem type %q, want %s: %s", p.Type, typ, r.Body)
	}
	return p
}

func move(c *apptest.Client, number, action string, body map[string]any) *apptest.Response {
	return c.PostJSON("/api/v1/appeals/"+number+"/"+action, body)
}

// newAppeal is a valid filing by an enterprise user for its own enterprise.
func newAppeal(title string) map[string]any {
	return map[string]any{"kind": "appeal", "category": "utilities.power", "title": title,
		"body": "我公司厂区用电增容申请已提交两个月，至今没有答复，影响新生产线投产。", "location": "岳麓区麓谷大道 100 号",
		"contact_name": "王经理", "contact_phone": "13807310001"}
}

// file creates an appeal through the API as the given client.
func file(t *testing.T, c *apptest.Client, body map[string]any) appealOut {
	t.Helper()
	return ok(t, c.PostJSON("/api/v1/appeals", body), http.StatusCreated)
}

// The whole loop through the API, each move by the party the table names: filed by the
// enterprise, accepted and dispatched (lead 工信局, co-handler 发改委) by an operator, the
// co-handler signs for and answers its part, the lead returns it, the operator refuses
// the return, the lead signs for it, asks for more time and gets it, replies; the
// enterprise calls back unsatisfied, the operator reopens, the lead replies again, the
// operator's callback is satisfied and the appeal is closed.
func TestAppealAPIWholeLoop(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		ent := e.APIClient("ent1", "appeals:write")
		op := e.APIClient("operator1", "appeals:write")
		lead := e.APIClient("gxj1", "appeals:write")
		co := e.APIClient("fgw1", "appeals:write")
		gxj, fgw := orgOf(t, e, "gxj"), orgOf(t, e, "fgw")

		a := file(t, ent, newAppeal("厂区用电增容迟迟未批复"))
		if a.State != "submitted" || a.Channel != "api" || a.Version != 1 || a.QueryCode == "" || !strings.HasPrefix(a.Number, "ZQ20260302") {
			t.Fatalf("filed: %+v", a)
		}
		if a.Enterprise == nil || a.Enterprise.OrgID == nil || *a.Enterprise.OrgID != orgOf(t, e, "ent1") {
			t.Fatalf("enterprise: %+v", a.Enterprise)
		}
		if !strings.HasSuffix(a.CreatedAt, "+08:00") {
			t.Errorf("created_at %q is not in +08:00", a.CreatedAt)
		}
		n := a.Number
		step := func(c *apptest.Client, action string, body map[string]any, want string) appealOut {
			t.Helper()
			body["version"] = a.Version
			got := ok(t, move(c, n, action, body), http.StatusOK)
			if got.State != want || got.Version != a.Version+1 {
				t.Fatalf("%s: state %s version %d, want %s %d", action, got.State, got.Version, want, a.Version+1)
			}
			a = got
			return got
		}
		step(op, "accept", map[string]any{"note": "已核实"}, "accepted")
		d := step(op, "dispatch", map[string]any{"lead_org_id": gxj, "co_org_ids": []int64{fgw}}, "dispatched")
		if d.LeadDepartment == nil || d.LeadDepartment.ID != gxj || d.Clocks.Claim == nil || d.Clocks.Handle == nil || d.SLA.Level != "green" {
			t.Fatalf("dispatched: %+v", d)
		}
		step(co, "claim-part", map[string]any{}, "dispatched")
		step(co, "answer-part", map[string]any{"text": "发改委意见：增容项目已列入年度计划。"}, "dispatched")
		step(lead, "return", map[string]any{"reason": "应由供电公司办理"}, "returned")
		// A refused return may not name departments.
		p := fails(t, move(op, n, "rule-return", map[string]any{"version": a.Version, "decision": "refuse", "note": "属于工信局职责", "lead_org_id": fgw}),
			http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"lead_org_id"}) {
			t.Errorf("rule-return fields %v", p.fields())
		}
		step(op, "rule-return", map[string]any{"decision": "refuse", "note": "属于工信局职责，请协调供电公司"}, "dispatched")
		step(lead, "claim", map[string]any{"note": "已签收"}, "in_progress")
		before := a.Clocks.Handle.Due
		step(lead, "request-extension", map[string]any{"days": 3, "reason": "需现场勘查"}, "extension_requested")
		x := step(op, "decide-extension", map[string]any{"decision": "approve"}, "in_progress")
		if x.Clocks.Handle.Due <= before {
			t.Errorf("approved extension: handle due %s, was %s", x.Clocks.Handle.Due, before)
		}
		r := step(lead, "reply", map[string]any{"outcome": "partly", "text": "已协调供电公司，增容方案下周确定。"}, "replied")
		if r.Reply == nil || r.Reply.Outcome != "partly" || r.Clocks.Callback == nil {
			t.Fatalf("replied: %+v", r)
		}
		u := step(ent, "callback", map[string]any{"satisfaction": "unsatisfied", "solved": false, "note": "仍未通电"}, "replied")
		if u.Callback == nil || u.Callback.Satisfaction != "unsatisfied" {
			t.Fatalf("callback: %+v", u.Callback)
		}
		ro := step(op, "reopen", map[string]any{"lead_org_id": gxj, "note": "企业不满意，重办"}, "dispatched")
		if ro.RedoCount != 1 || ro.Round != 2 || ro.Reply != nil {
			t.Fatalf("reopened: redo %d round %d reply %+v", ro.RedoCount, ro.Round, ro.Reply)
		}
		step(lead, "claim", map[string]any{}, "in_progress")
		step(lead, "reply", map[string]any{"outcome": "solved", "text": "增容已完成，已通电。"}, "replied")
		c := step(op, "callback", map[string]any{"satisfaction": "satisfied", "solved": true}, "closed")
		if c.ClosedAt == nil {
			t.Fatal("closed without closed_at")
		}

		// The operator's view: the whole timeline in order, both rounds, both callbacks,
		// the extension, and no moves left.
		full := ok(t, op.Get("/api/v1/appeals/"+n), http.StatusOK)
		var steps []string
		for _, ev := range full.Timeline {
			steps = append(steps, ev.Action)
		}
		want := []string{"create", "accept", "dispatch", "co_claim", "co_answer", "return", "refuse_return", "claim",
			"request_extension", "approve_extension", "reply", "callback_unsatisfied", "reopen", "claim", "reply", "callback_satisfied"}
		if !slices.Equal(steps, want) {
			t.Errorf("timeline\n got %v\nwant %v", steps, want)
		}
		if len(full.Assignments) != 3 || len(full.Callbacks) != 2 || full.Extensions == nil || len(*full.Extensions) != 1 || len(full.Actions) != 0 {
			t.Errorf("parts %d callbacks %d extensions %v actions %v", len(full.Assignments), len(full.Callbacks), full.Extensions, full.Actions)
		}
		if full.Callbacks[0].Via != "self" || full.Callbacks[1].Via != "phone" {
			t.Errorf("callbacks via %+v", full.Callbacks)
		}
		if full.Contact == nil || full.Contact.Phone != "13807310001" || full.Contact.PhoneMasked {
			t.Errorf("operator sees contact %+v", full.Contact)
		}
		// The enterprise: public steps only, no staff names, no extensions, its own phone.
		mine := ok(t, ent.Get("/api/v1/appeals/"+n), http.StatusOK)
		for _, ev := range mine.Timeline {
			if !ev.Public || (ev.ActorName != "" && ev.Action != "create" && ev.Action != "callback_unsatisfied") {
				t.Errorf("enterprise sees %+v", ev)
			}
		}
		if mine.Extensions != nil || mine.Contact == nil || mine.Contact.PhoneMasked || mine.QueryCode == "" {
			t.Errorf("enterprise view: extensions %v contact %+v code %q", mine.Extensions, mine.Contact, mine.QueryCode)
		}
		for _, p := range mine.Assignments {
			if p.Answer != "" {
				t.Errorf("enterprise reads a department's internal answer %q", p.Answer)
			}
		}
		// The department: the phone masked, no query code; extensions listed even when none.
		dept := ok(t, lead.Get("/api/v1/appeals/"+n), http.StatusOK)
		other := ok(t, op.Get("/api/v1/appeals/"+file(t, ent, newAppeal("无延期")).Number), http.StatusOK)
		if other.Extensions == nil || len(*other.Extensions) != 0 {
			t.Errorf("government side without extensions: %v", other.Extensions)
		}
		if dept.Contact == nil || !dept.Contact.PhoneMasked || dept.Contact.Phone != "138****0001" || dept.QueryCode != "" {
			t.Errorf("department view: contact %+v code %q", dept.Contact, dept.QueryCode)
		}
	})
}

// The moves the main loop does not take: reject, merge, direct reply from the knowledge
// base, both other rulings on a return, a refused extension, close after an unsatisfied
// callback, supervision and escalation, and a co-handler signing with plain claim.
func TestAppealAPIOtherMoves(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		ent := e.APIClient("ent1", "appeals:write")
		op := e.APIClient("operator1", "appeals:write")
		gxj1, fgw1 := e.APIClient("gxj1", "appeals:write"), e.APIClient("fgw1", "appeals:write")
		gxj, fgw, scjg := orgOf(t, e, "gxj"), orgOf(t, e, "fgw"), orgOf(t, e, "scjg")
		v := func(a appealOut, kv ...any) map[string]any {
			m := map[string]any{"version": a.Version}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}

		// reject
		a := file(t, ent, newAppeal("申请 1"))
		r := ok(t, move(op, a.Number, "reject", v(a, "reason", "不属于受理范围")), http.StatusOK)
		if r.State != "rejected" || r.ClosedAt == nil {
			t.Fatalf("reject: %+v", r)
		}

		// merge into an earlier, open appeal
		orig := file(t, ent, newAppeal("原诉求"))
		dup := file(t, ent, newAppeal("重复诉求"))
		p := fails(t, move(op, dup.Number, "merge", v(dup, "into", "ZQ20990101000001")), http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"into"}) {
			t.Errorf("merge into nothing: %v", p.fields())
		}
		m := ok(t, move(op, dup.Number, "merge", v(dup, "into", orig.Number, "note", "重复")), http.StatusOK)
		if m.State != "merged" {
			t.Fatalf("merge: %+v", m)
		}
		if got := ok(t, op.Get("/api/v1/appeals/"+dup.Number), http.StatusOK); got.MergedInto != orig.Number {
			t.Errorf("merged_into %q, want %s", got.MergedInto, orig.Number)
		}

		// direct reply from the knowledge base
		art, err := e.App.Appeal.CreateArticle(ctx, e.Actor("operator1"), appeal.ArticleInput{Title: "用电增容办理流程", Answer: "请通过国网 App 提交增容申请。", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		dr := ok(t, move(op, orig.Number, "direct-reply", v(orig, "article_id", art.ID)), http.StatusOK)
		if dr.State != "replied" || dr.Reply == nil || dr.Reply.Text != "请通过国网 App 提交增容申请。" || dr.Reply.Outcome != "policy_explained" {
			t.Fatalf("direct reply: %+v", dr.Reply)
		}
		// close after an unsatisfied callback, with a note
		u := ok(t, move(op, orig.Number, "callback", v(dr, "satisfaction", "unsatisfied", "solved", false)), http.StatusOK)
		p = fails(t, move(op, orig.Number, "close", v(u)), http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"note"}) {
			t.Errorf("close without note: %v", p.fields())
		}
		if c := ok(t, move(op, orig.Number, "close", v(u, "note", "企业电话无法接通")), http.StatusOK); c.State != "closed" {
			t.Fatalf("close: %+v", c)
		}

		// approve a return, then redispatch another one
		b := file(t, ent, newAppeal("申请 2"))
		b = ok(t, move(op, b.Number, "accept", v(b)), http.StatusOK)
		b = ok(t, move(op, b.Number, "dispatch", v(b, "lead_org_id", gxj, "co_org_ids", []int64{fgw})), http.StatusOK)
		// a co-handler's plain claim signs for its part
		if c := ok(t, move(fgw1, b.Number, "claim", v(b)), http.StatusOK); c.State != "dispatched" {
			t.Fatalf("co claim: %+v", c)
		} else {
			b = c
		}
		b = ok(t, move(gxj1, b.Number, "return", v(b, "reason", "非本单位职责")), http.StatusOK)
		b = ok(t, move(op, b.Number, "rule-return", v(b, "decision", "approve")), http.StatusOK)
		if b.State != "accepted" || b.LeadDepartment != nil {
			t.Fatalf("approved return: %+v", b)
		}
		b = ok(t, move(op, b.Number, "dispatch", v(b, "lead_org_id", gxj)), http.StatusOK)
		b = ok(t, move(gxj1, b.Number, "return", v(b, "reason", "非本单位职责")), http.StatusOK)
		p = fails(t, move(op, b.Number, "rule-return", v(b, "decision", "redispatch", "lead_org_id", gxj)), http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"lead_org_id"}) {
			t.Errorf("redispatch to the returning department: %v", p.fields())
		}
		b = ok(t, move(op, b.Number, "rule-return", v(b, "decision", "redispatch", "lead_org_id", scjg)), http.StatusOK)
		if b.State != "dispatched" || b.LeadDepartment == nil || b.LeadDepartment.ID != scjg {
			t.Fatalf("redispatch: %+v", b)
		}

		// a refused extension keeps the deadline
		scjg1 := e.APIClient("scjg1", "appeals:write")
		b = ok(t, move(scjg1, b.Number, "claim", v(b)), http.StatusOK)
		due := b.Clocks.Handle.Due
		b = ok(t, move(scjg1, b.Number, "request-extension", v(b, "days", 2, "reason", "需补充材料")), http.StatusOK)
		p = fails(t, move(op, b.Number, "decide-extension", v(b, "decision", "refuse")), http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"note"}) {
			t.Errorf("refuse without note: %v", p.fields())
		}
		b = ok(t, move(op, b.Number, "decide-extension", v(b, "decision", "refuse", "note", "时限内可以办结")), http.StatusOK)
		if b.State != "in_progress" || b.Clocks.Handle.Due != due {
			t.Fatalf("refused extension: %s %s, was %s", b.State, b.Clocks.Handle.Due, due)
		}

		// supervision (a flag) and escalation to a named leader
		b = ok(t, move(op, b.Number, "supervise", v(b, "level", 2, "note", "重点督办")), http.StatusOK)
		if b.SupervisionLevel != 2 || b.State != "in_progress" {
			t.Fatalf("supervise: %+v", b)
		}
		leader := e.Actor("leader1")
		p = fails(t, move(op, b.Number, "escalate", v(b, "note", "疑难件", "leader_ids", []int64{e.Actor("operator2").UserID})), http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"leader_ids"}) {
			t.Errorf("escalate to a non-leader: %v", p.fields())
		}
		b = ok(t, move(op, b.Number, "escalate", v(b, "note", "疑难件", "leader_ids", []int64{leader.UserID})), http.StatusOK)
		if !b.Escalated {
			t.Fatalf("escalate: %+v", b)
		}
		// the leader now sees it and may supervise it
		lc := e.APIClient("leader1", "appeals:write")
		got := ok(t, lc.Get("/api/v1/appeals/"+b.Number), http.StatusOK)
		if !slices.Contains(got.Actions, "supervise") {
			t.Errorf("leader's actions %v", got.Actions)
		}
		if s := ok(t, move(lc, b.Number, "supervise", v(got, "level", 3)), http.StatusOK); s.SupervisionLevel != 3 {
			t.Errorf("leader's supervision: %d", s.SupervisionLevel)
		}
	})
}

// Errors of the moves: a stale version is a conflict, a move the state does not allow
// is an illegal move whose detail names both in the caller's language, bad input is a
// 422 naming the fields, malformed JSON a 400, a party that may not move a 403.
func TestAppealAPIMoveErrors(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		ent := e.APIClient("ent1", "appeals:write")
		op := e.APIClient("operator1", "appeals:write")
		a := file(t, ent, newAppeal("用电"))
		acc := ok(t, move(op, a.Number, "accept", map[string]any{"version": a.Version}), http.StatusOK)

		p := fails(t, move(op, a.Number, "dispatch", map[string]any{"version": a.Version, "lead_org_id": orgOf(t, e, "gxj")}), http.StatusConflict, "conflict")
		if p.Detail == "" {
			t.Error("conflict without detail")
		}
		p = fails(t, move(op, a.Number, "accept", map[string]any{"version": acc.Version}), http.StatusConflict, "illegal-move")
		if p.Detail != "该诉求当前为“已受理”状态，不能执行“受理”操作。" {
			t.Errorf("illegal move detail %q", p.Detail)
		}
		op.Lang = "en"
		p = fails(t, move(op, a.Number, "reply", map[string]any{"version": acc.Version, "outcome": "solved", "text": "x"}), http.StatusConflict, "illegal-move")
		if !strings.Contains(p.Detail, "Accepted") || !strings.Contains(p.Detail, "Reply") {
			t.Errorf("English illegal move detail %q", p.Detail)
		}
		op.Lang = ""

		// validation: missing version, bad values, field names as in the JSON
		p = fails(t, move(op, a.Number, "dispatch", map[string]any{"lead_org_id": orgOf(t, e, "gxj")}), http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"version"}) || p.Errors[0].Message != "此项为必填项。" {
			t.Errorf("missing version: %+v", p.Errors)
		}
		p = fails(t, move(op, a.Number, "dispatch", map[string]any{"version": acc.Version, "lead_org_id": orgOf(t, e, "ent2"),
			"co_org_ids": []int64{1, 2, 3, 4, 5, 6}}), http.StatusUnprocessableEntity, "validation")
		if !slices.Contains(p.fields(), "lead_org_id") || !slices.Contains(p.fields(), "co_org_ids") {
			t.Errorf("bad dispatch: %v", p.fields())
		}
		p = fails(t, move(op, a.Number, "callback", map[string]any{"version": acc.Version, "satisfaction": "satisfied"}), http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"solved"}) {
			t.Errorf("callback without solved: %v", p.fields())
		}
		p = fails(t, move(op, a.Number, "rule-return", map[string]any{"version": acc.Version, "decision": "maybe"}), http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"decision"}) {
			t.Errorf("rule-return decision: %v", p.fields())
		}
		p = fails(t, move(op, a.Number, "supervise", map[string]any{"version": acc.Version, "level": 7}), http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"level"}) {
			t.Errorf("supervise level 7: %v", p.fields())
		}
		// malformed bodies
		for _, body := range []string{`{"version": "one"}`, `{"version": 2, "colour": "red"}`, `{"version": 2} {}`, `[`, ``} {
			r := op.Do("POST", "/api/v1/appeals/"+a.Number+"/accept", strings.NewReader(body), http.Header{"Content-Type": {"application/json"}})
			fails(t, r, http.StatusBadRequest, "bad-request")
		}
		r := op.Do("POST", "/api/v1/appeals/"+a.Number+"/accept", strings.NewReader(`{"version":2}`), http.Header{"Content-Type": {"text/plain"}})
		fails(t, r, http.StatusBadRequest, "bad-request")
		// the wrong party: the enterprise may not dispatch its own appeal
		fails(t, move(ent, a.Number, "dispatch", map[string]any{"version": acc.Version, "lead_org_id": orgOf(t, e, "gxj")}), http.StatusForbidden, "forbidden")
		// an unknown number is 404
		fails(t, move(op, "ZQ20990101000001", "accept", map[string]any{"version": 1}), http.StatusNotFound, "not-found")
		// creating: every invalid field named as in the JSON
		p = fails(t, ent.PostJSON("/api/v1/appeals", map[string]any{"kind": "wish", "title": "", "body": "x", "contact_phone": "12"}),
			http.StatusUnprocessableEntity, "validation")
		for _, f := range []string{"kind", "title", "category", "contact_phone"} {
			if !slices.Contains(p.fields(), f) {
				t.Errorf("create errors %v lack %s", p.fields(), f)
			}
		}
		p = fails(t, ent.PostJSON("/api/v1/appeals", map[string]any{"kind": "appeal", "category": "no.such", "title": "t", "body": "b"}),
			http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"category"}) || p.Errors[0].Message != "诉求分类不存在。" {
			t.Errorf("unknown category: %+v", p.Errors)
		}
	})
}

// Two people acting on the same version at once, through HTTP: exactly one wins, the
// other gets 409 conflict — for several moves, on both engines.
func TestAppealAPIConcurrentMoves(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		ent := e.APIClient("ent1", "appeals:write")
		ops := []*apptest.Client{e.APIClient("operator1", "appeals:write"), e.APIClient("operator2", "appeals:write")}
		gxj := orgOf(t, e, "gxj")
		race := func(number, action string, body map[string]any) appealOut {
			t.Helper()
			var wg sync.WaitGroup
			start := make(chan struct{})
			res := make([]*apptest.Response, len(ops))
			for i, c := range ops {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					res[i] = move(c, number, action, body)
				}()
			}
			close(start)
			wg.Wait()
			var won appealOut
			wins, conflicts := 0, 0
			for _, r := range res {
				switch r.Status {
				case http.StatusOK:
					wins++
					r.JSON(t, &won)
				case http.StatusConflict:
					var p problem
					r.JSON(t, &p)
					if p.Type == api.ProblemBase+"conflict" {
						conflicts++
					}
				}
			}
			if wins != 1 || conflicts != 1 {
				t.Fatalf("%s race: %d won, %d conflicts: %s | %s", action, wins, conflicts, res[0].Body, res[1].Body)
			}
			return won
		}
		for i := range 3 {
			a := file(t, ent, newAppeal(fmt.Sprintf("并发 %d", i)))
			acc := race(a.Number, "accept", map[string]any{"version": a.Version})
			d := race(a.Number, "dispatch", map[string]any{"version": acc.Version, "lead_org_id": gxj})
			if d.State != "dispatched" || d.Version != a.Version+2 {
				t.Fatalf("after the races: %+v", d)
			}
			// the loser's move left no trace: one accept, one dispatch
			full := ok(t, ops[0].Get("/api/v1/appeals/"+a.Number), http.StatusOK)
			if len(full.Timeline) != 3 || len(full.Assignments) != 1 {
				t.Errorf("timeline %d steps, %d parts", len(full.Timeline), len(full.Assignments))
			}
		}
	})
}

// Scope from outside: another department's appeal, another enterprise's appeal, a token
// without the appeals scope, a read-only token moving, an analyst's list; confidential
// appeals hide the enterprise from departments.
func TestAppealAPIAccess(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		ent1 := e.APIClient("ent1", "appeals:write")
		ent2 := e.APIClient("ent2", "appeals:write")
		op := e.APIClient("operator1", "appeals:write")
		gxj1, fgw1 := e.APIClient("gxj1", "appeals:write"), e.APIClient("fgw1", "appeals:write")

		body := newAppeal("保密诉求")
		body["confidential"] = true
		a := file(t, ent1, body)
		a = ok(t, move(op, a.Number, "accept", map[string]any{"version": a.Version}), http.StatusOK)
		a = ok(t, move(op, a.Number, "dispatch", map[string]any{"version": a.Version, "lead_org_id": orgOf(t, e, "fgw")}), http.StatusOK)

		// 工信局 has no part of it: 404 for reading, moving, files
		for _, r := range []*apptest.Response{
			gxj1.Get("/api/v1/appeals/" + a.Number),
			move(gxj1, a.Number, "claim", map[string]any{"version": a.Version}),
			gxj1.Get("/api/v1/appeals/" + a.Number + "/attachments/1"),
		} {
			fails(t, r, http.StatusNotFound, "not-found")
		}
		// another enterprise: 404 too
		fails(t, ent2.Get("/api/v1/appeals/"+a.Number), http.StatusNotFound, "not-found")
		fails(t, move(ent2, a.Number, "callback", map[string]any{"version": a.Version, "satisfaction": "satisfied", "solved": true}), http.StatusNotFound, "not-found")
		var page api.AppealPage
		ent2r := ent2.Get("/api/v1/appeals")
		ent2r.JSON(t, &page)
		if ent2r.Status != http.StatusOK || len(page.Items) != 0 {
			t.Errorf("ent2 lists %d appeals (%d)", len(page.Items), ent2r.Status)
		}
		// 发改委 holds the lead part: it sees the appeal, without the confidential enterprise
		got := ok(t, fgw1.Get("/api/v1/appeals/"+a.Number), http.StatusOK)
		if got.Enterprise != nil || got.Contact != nil {
			t.Errorf("department sees a confidential appeal's enterprise %+v / contact %+v", got.Enterprise, got.Contact)
		}
		// and a move's answer hides it the same way
		cl := ok(t, move(fgw1, a.Number, "claim", map[string]any{"version": a.Version}), http.StatusOK)
		if cl.Enterprise != nil || cl.Contact != nil || cl.QueryCode != "" {
			t.Errorf("move answer reveals %+v %+v %q", cl.Enterprise, cl.Contact, cl.QueryCode)
		}
		// the operator sees everything
		if full := ok(t, op.Get("/api/v1/appeals/"+a.Number), http.StatusOK); full.Enterprise == nil || full.Contact == nil {
			t.Error("operator does not see the confidential appeal's enterprise")
		}

		// token scopes: no appeals scope → 403 on every appeal route; read-only → no moves
		dir := e.APIClient("operator1", "directory:read")
		fails(t, dir.Get("/api/v1/appeals"), http.StatusForbidden, "forbidden")
		fails(t, dir.Get("/api/v1/appeals/"+a.Number), http.StatusForbidden, "forbidden")
		fails(t, dir.PostJSON("/api/v1/appeals", newAppeal("x")), http.StatusForbidden, "forbidden")
		fails(t, dir.Get("/api/v1/appeal-categories"), http.StatusForbidden, "forbidden")
		ro := e.APIClient("operator1", "appeals:read")
		if r := ro.Get("/api/v1/appeals/" + a.Number); r.Status != http.StatusOK {
			t.Errorf("read-only token reads: %d", r.Status)
		}
		fails(t, move(ro, a.Number, "supervise", map[string]any{"version": cl.Version, "level": 1}), http.StatusForbidden, "forbidden")
		fails(t, ro.PostJSON("/api/v1/appeals", newAppeal("x")), http.StatusForbidden, "forbidden")
		// no credentials
		anon := e.Client()
		fails(t, anon.Get("/api/v1/appeals"), http.StatusUnauthorized, "unauthorized")
		// an analyst has no appeal queue: 403; a queue of another role: 403
		fails(t, e.APIClient("analyst1", "read").Get("/api/v1/appeals"), http.StatusForbidden, "forbidden")
		fails(t, ent1.Get("/api/v1/appeals?queue=all"), http.StatusForbidden, "forbidden")
		// lists mask phones for everyone, operators included
		var opPage api.AppealPage
		op.Get("/api/v1/appeals").JSON(t, &opPage)
		if len(opPage.Items) != 1 || opPage.Items[0].ContactPhoneMasked != "138****0001" {
			t.Errorf("operator list: %+v", opPage.Items)
		}
		// the department's list hides the confidential enterprise
		var deptPage api.AppealPage
		fgw1.Get("/api/v1/appeals?queue=dept_handling").JSON(t, &deptPage)
		if len(deptPage.Items) != 1 || deptPage.Items[0].EnterpriseName != "" || deptPage.Items[0].Part == nil || deptPage.Items[0].Part.Role != "lead" {
			t.Errorf("department list: %+v", deptPage.Items)
		}
	})
}

// A retry with the same Idempotency-Key answers the first result; two requests racing
// with the same key create one appeal.
func TestAppealAPIIdempotentCreate(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		ent := e.APIClient("ent1", "appeals:write")
		body := newAppeal("幂等")
		first := ent.PostJSON("/api/v1/appeals", body, "Idempotency-Key", "k-1")
		a := ok(t, first, http.StatusCreated)
		again := ent.PostJSON("/api/v1/appeals", body, "Idempotency-Key", "k-1")
		b := ok(t, again, http.StatusCreated)
		if b.Number != a.Number || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %s (replayed %q), first %s", b.Number, again.Header.Get("Idempotent-Replayed"), a.Number)
		}
		// the same key with another body is refused
		other := newAppeal("另一件")
		fails(t, ent.PostJSON("/api/v1/appeals", other, "Idempotency-Key", "k-1"), http.StatusUnprocessableEntity, "validation")

		// a concurrent duplicate
		var wg sync.WaitGroup
		start := make(chan struct{})
		res := make([]*apptest.Response, 4)
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res[i] = ent.PostJSON("/api/v1/appeals", newAppeal("并发幂等"), "Idempotency-Key", "k-2")
			}()
		}
		close(start)
		wg.Wait()
		// Each gets the one appeal, or 409 while the first is under way.
		numbers := map[string]bool{}
		for _, r := range res {
			if r.Status == http.StatusConflict {
				fails(t, r, http.StatusConflict, "conflict")
				continue
			}
			numbers[ok(t, r, http.StatusCreated).Number] = true
		}
		if len(numbers) != 1 {
			t.Fatalf("concurrent duplicates created %v", numbers)
		}
		var page api.AppealPage
		ent.Get("/api/v1/appeals?q="+url.QueryEscape("并发幂等")).JSON(t, &page)
		if page.Total == nil || *page.Total != 1 {
			t.Errorf("%v appeals titled 并发幂等", page.Total)
		}
		// The answer is stored on the key: status and body as sent.
		var status int
		var stored string
		if err := e.App.DB.R.QueryRowContext(context.Background(), `SELECT status, body FROM idempotency_keys WHERE key = $1`, "k-1").
			Scan(&status, &stored); err != nil || status != http.StatusCreated || stored != string(first.Body) {
			t.Errorf("stored answer of k-1: %d %.80s, %v; sent %.80s", status, stored, err, first.Body)
		}
		// A refused filing does not use up its key: corrected, the same key files.
		bad := newAppeal("")
		fails(t, ent.PostJSON("/api/v1/appeals", bad, "Idempotency-Key", "k-3"), http.StatusUnprocessableEntity, "validation")
		ok(t, ent.PostJSON("/api/v1/appeals", newAppeal("改正后"), "Idempotency-Key", "k-3"), http.StatusCreated)
		// A key whose first request committed but was cut off before its answer was stored
		// (status 0): a retry gets 409 and creates nothing.
		if _, err := e.App.DB.W.ExecContext(context.Background(), `UPDATE idempotency_keys SET status = 0, body = '' WHERE key = $1`, "k-3"); err != nil {
			t.Fatal(err)
		}
		fails(t, ent.PostJSON("/api/v1/appeals", newAppeal("改正后"), "Idempotency-Key", "k-3"), http.StatusConflict, "conflict")
		ent.Get("/api/v1/appeals?q="+url.QueryEscape("改正后")).JSON(t, &page)
		if page.Total == nil || *page.Total != 1 {
			t.Errorf("%v appeals titled 改正后", page.Total)
		}
		// without a key, two posts are two appeals
		x, y := file(t, ent, newAppeal("无键")), file(t, ent, newAppeal("无键"))
		if x.Number == y.Number {
			t.Error("two posts without a key made one appeal")
		}
	})
}

// The list's filters, sorts and keyset paging.
func TestAppealAPIListFilters(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		ent := e.APIClient("ent1", "appeals:write")
		op := e.APIClient("operator1", "appeals:write")
		mk := func(title, kind, category, priority string) appealOut {
			b := newAppeal(title)
			b["kind"], b["category"] = kind, category
			if priority != "" {
				b["priority"] = priority
			}
			return file(t, ent, b)
		}
		p1 := mk("电力一", "appeal", "utilities.power", "")
		if p1.District == "" {
			t.Fatal("no district")
		}
		mk("供水二", "complaint", "utilities.water", "urgent")
		e.Clock.Advance(24 * time.Hour)
		mk("税费三", "consultation", "tax.refund", "")
		p4 := mk("电力四", "appeal", "utilities.power", "")
		p4 = ok(t, move(op, p4.Number, "accept", map[string]any{"version": p4.Version}), http.StatusOK)
		ok(t, move(op, p4.Number, "supervise", map[string]any{"version": p4.Version, "level": 1}), http.StatusOK)

		titles := func(query string) []string {
			t.Helper()
			r := op.Get("/api/v1/appeals?" + query)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", query, r.Status, r.Body)
			}
			var p api.AppealPage
			r.JSON(t, &p)
			var out []string
			for _, it := range p.Items {
				out = append(out, it.Title)
				// each row names its category by code and name, as filing takes it
				want := map[string]string{"电力": "utilities.power", "供水": "utilities.water", "税费": "tax.refund"}[string([]rune(it.Title)[:2])]
				if it.Category.Code != want || it.Category.Name == "" || it.Category.ID == 0 {
					t.Errorf("%s: category %+v, want code %s", it.Title, it.Category, want)
				}
			}
			return out
		}
		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{"电力四", "税费三", "供水二", "电力一"}},
			{"kind=appeal", []string{"电力四", "电力一"}},
			{"category=utilities", []string{"电力四", "供水二", "电力一"}},
			{"category=utilities.water", []string{"供水二"}},
			{"priority=urgent", []string{"供水二"}},
			{"state=accepted", []string{"电力四"}},
			{"queue=accepted", []string{"电力四"}},
			{"queue=submitted&sort=updated", []string{"税费三", "供水二", "电力一"}},
			{"supervised=true", []string{"电力四"}},
			{"q=" + url.QueryEscape("税费"), []string{"税费三"}},
			{"q=" + p1.Number, []string{"电力一"}},
			{"from=2026-03-03", []string{"电力四", "税费三"}},
			{"to=2026-03-02", []string{"供水二", "电力一"}},
			{"to=" + url.QueryEscape("2026-03-02T09:30:00+08:00"), nil},
			{"district=" + p1.District + "&kind=consultation", []string{"税费三"}},
			{"district=000000", nil},
		}
		for _, c := range cases {
			got := titles(c.query)
			if !slices.Equal(got, c.want) {
				t.Errorf("%q: %v, want %v", c.query, got, c.want)
			}
		}
		// keyset paging: two pages of two, then none, no overlap
		r := op.Get("/api/v1/appeals?limit=3")
		var pg api.AppealPage
		r.JSON(t, &pg)
		if len(pg.Items) != 3 || pg.NextCursor == "" || pg.Total == nil || *pg.Total != 4 {
			t.Fatalf("page 1: %d items, cursor %q, total %v", len(pg.Items), pg.NextCursor, pg.Total)
		}
		var pg2 api.AppealPage
		op.Get("/api/v1/appeals?limit=3&cursor="+pg.NextCursor).JSON(t, &pg2)
		if len(pg2.Items) != 1 || pg2.Items[0].Title != "电力一" || pg2.NextCursor != "" || pg2.Total != nil {
			t.Fatalf("page 2: %+v", pg2)
		}
		// invalid parameters are named
		p := fails(t, op.Get("/api/v1/appeals?queue=nope&kind=wish&priority=high&from=yesterday&supervised=maybe&level=blue&category=x.y"),
			http.StatusUnprocessableEntity, "validation")
		for _, f := range []string{"queue", "priority", "from", "supervised", "level", "category"} {
			if !slices.Contains(p.fields(), f) {
				t.Errorf("list errors %v lack %s", p.fields(), f)
			}
		}
		fails(t, op.Get("/api/v1/appeals?cursor=%21%21"), http.StatusUnprocessableEntity, "validation")
		fails(t, op.Get("/api/v1/appeals?queue=all&sort=due"), http.StatusUnprocessableEntity, "validation")
		fails(t, op.Get("/api/v1/appeals?limit=500"), http.StatusUnprocessableEntity, "validation")
	})
}

// The catalogue and the knowledge base.
func TestAppealAPICatalogueAndKB(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		op := e.APIClient("operator1", "appeals:read")
		var cats struct {
			Items []api.AppealCategoryJSON `json:"items"`
		}
		r := op.Get("/api/v1/appeal-categories")
		r.JSON(t, &cats)
		if r.Status != http.StatusOK || len(cats.Items) != len(appeal.DefaultCategories) {
			t.Fatalf("%d categories (%d)", len(cats.Items), r.Status)
		}
		parents := map[string]string{}
		for _, c := range cats.Items {
			parents[c.Code] = c.ParentCode
		}
		if parents["utilities.power"] != "utilities" || parents["utilities"] != "" {
			t.Errorf("parents: %v", parents)
		}
		// an enterprise reads the catalogue too (its intake form needs it)
		if r := e.APIClient("ent1", "appeals:read").Get("/api/v1/appeal-categories"); r.Status != http.StatusOK {
			t.Errorf("enterprise catalogue: %d", r.Status)
		}

		opA := e.Actor("operator1")
		power, err := e.App.Appeal.CategoryByCode(ctx, opA, "utilities.power")
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			cat := int64(0)
			if i < 2 {
				cat = power.ID
			}
			if _, err := e.App.Appeal.CreateArticle(ctx, opA, appeal.ArticleInput{CategoryID: cat, Title: fmt.Sprintf("条目 %d", i),
				Answer: "标准答复", Active: true}); err != nil {
				t.Fatal(err)
			}
		}
		var kb api.Page[api.ArticleJSON]
		op.Get("/api/v1/kb?limit=2").JSON(t, &kb)
		if len(kb.Items) != 2 || kb.Items[0].Title != "条目 2" || kb.NextCursor == "" {
			t.Fatalf("kb page 1: %+v", kb)
		}
		var kb2 api.Page[api.ArticleJSON]
		op.Get("/api/v1/kb?limit=2&cursor="+kb.NextCursor).JSON(t, &kb2)
		if len(kb2.Items) != 1 || kb2.Items[0].Title != "条目 0" || kb2.Items[0].Category != "utilities.power" {
			t.Fatalf("kb page 2: %+v", kb2)
		}
		var byCat api.Page[api.ArticleJSON]
		op.Get("/api/v1/kb?category=utilities.power").JSON(t, &byCat)
		if len(byCat.Items) != 2 {
			t.Errorf("kb by category: %d", len(byCat.Items))
		}
		fails(t, op.Get("/api/v1/kb?category=nope"), http.StatusUnprocessableEntity, "validation")
		fails(t, e.APIClient("ent1", "appeals:read").Get("/api/v1/kb"), http.StatusForbidden, "forbidden")
	})
}

// Every appeal route of the table is in the OpenAPI document, and every move of the
// service's table has its endpoint.
func TestAppealRoutesDocumented(t *testing.T) {
	doc, err := api.Document()
	if err != nil {
		t.Fatal(err)
	}
	e := apptest.New(t, "sqlite", apptest.Options{})
	var names []string
	for _, rt := range e.App.API.Routes() {
		if !strings.HasPrefix(rt.Pattern, "/api/v1/appeal") && rt.Pattern != "/api/v1/kb" {
			continue
		}
		if rt.Area != "appeals" {
			t.Errorf("%s %s is in area %q", rt.Method, rt.Pattern, rt.Area)
		}
		p := doc.Paths.Find(rt.Pattern)
		if p == nil || p.GetOperation(rt.Method) == nil {
			t.Errorf("%s %s is not documented", rt.Method, rt.Pattern)
		}
		if name, ok := strings.CutPrefix(rt.Pattern, "/api/v1/appeals/{number}/"); ok && rt.Method == "POST" && name != "attachments" {
			names = append(names, name)
		}
	}
	for _, m := range appeal.Moves {
		if !slices.Contains(names, api.ActionName(m)) {
			t.Errorf("move %s has no endpoint", m)
		}
	}
	want := []string{"accept", "reject", "merge", "dispatch", "claim", "return", "rule-return", "request-extension",
		"decide-extension", "reply", "callback", "reopen", "close", "supervise", "direct-reply", "answer-part", "claim-part", "escalate"}
	for _, w := range want {
		if !slices.Contains(names, w) {
			t.Errorf("no endpoint %s", w)
		}
	}
	if len(names) != len(want) {
		t.Errorf("endpoints %v", names)
	}
}

// multipartFile builds a multipart body with one part "file".
func multipartFile(t *testing.T, field, name string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// Files: upload (multipart, sniffed, 10 MB), list with the appeal, download as an
// attachment, and the scope and size limits.
func TestAppealAPIAttachments(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		ent1 := e.APIClient("ent1", "appeals:write")
		ent2 := e.APIClient("ent2", "appeals:write")
		op := e.APIClient("operator1", "appeals:read")
		a := file(t, ent1, newAppeal("附件"))
		b := file(t, ent1, newAppeal("另一件"))
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 300)...)
		upload := func(c *apptest.Client, number, field, name string, data []byte) *apptest.Response {
			body, ct := multipartFile(t, field, name, data)
			return c.Do("POST", "/api/v1/appeals/"+number+"/attachments", body, http.Header{"Content-Type": {ct}})
		}
		// a retry sends the very same bytes (the same multipart boundary) with the same key
		body, ct := multipartFile(t, "file", "现场照片.png", png)
		raw := body.Bytes()
		send := func() *apptest.Response {
			return ent1.Do("POST", "/api/v1/appeals/"+a.Number+"/attachments", bytes.NewReader(raw),
				http.Header{"Content-Type": {ct}, "Idempotency-Key": {"f-1"}})
		}
		r := send()
		if r.Status != http.StatusCreated {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		var at api.AttachmentJSON
		r.JSON(t, &at)
		if at.ContentType != "image/png" || at.Size != int64(len(png)) || at.Filename != "现场照片.png" || r.Header.Get("Location") != at.URL {
			t.Fatalf("attachment %+v (location %q)", at, r.Header.Get("Location"))
		}
		// a retry with the key stores nothing new
		var again api.AttachmentJSON
		send().JSON(t, &again)
		if again.ID != at.ID {
			t.Errorf("retried upload stored %d, first %d", again.ID, at.ID)
		}
		got := ok(t, op.Get("/api/v1/appeals/"+a.Number), http.StatusOK)
		if len(got.Attachments) != 1 || got.Attachments[0].ID != at.ID {
			t.Fatalf("listed attachments %+v", got.Attachments)
		}
		d := op.Get(at.URL)
		if d.Status != http.StatusOK || d.Body != string(png) || d.Header.Get("Content-Type") != "image/png" ||
			d.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(d.Header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("download: %d %q %q", d.Status, d.Header.Get("Content-Type"), d.Header.Get("Content-Disposition"))
		}
		// the file through another appeal's path, another enterprise: 404
		fails(t, op.Get(fmt.Sprintf("/api/v1/appeals/%s/attachments/%d", b.Number, at.ID)), http.StatusNotFound, "not-found")
		fails(t, ent2.Get(at.URL), http.StatusNotFound, "not-found")
		fails(t, upload(ent2, a.Number, "file", "x.png", png), http.StatusNotFound, "not-found")
		// limits and bad input
		fails(t, upload(ent1, a.Number, "file", "big.png", append(png, make([]byte, appeal.MaxAttachmentSize)...)), http.StatusRequestEntityTooLarge, "too-large")
		p := fails(t, upload(ent1, a.Number, "file", "tool.exe", []byte("MZ\x90\x00binary")), http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"file"}) {
			t.Errorf("bad type: %v", p.fields())
		}
		p = fails(t, upload(ent1, a.Number, "photo", "x.png", png), http.StatusUnprocessableEntity, "validation")
		if !slices.Equal(p.fields(), []string{"file"}) {
			t.Errorf("no file part: %v", p.fields())
		}
		fails(t, ent1.Do("POST", "/api/v1/appeals/"+a.Number+"/attachments", strings.NewReader("{}"), http.Header{"Content-Type": {"application/json"}}),
			http.StatusBadRequest, "bad-request")
		// a read-only token may download but not upload
		fails(t, upload(op, a.Number, "file", "x.png", png), http.StatusForbidden, "forbidden")
	})
}
