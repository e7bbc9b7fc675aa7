package liaison_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/liaison"
)

// A roundtable's issues become appeals and suggestions dispatched to their departments;
// the follow-up list counts them answered as the departments reply. The hosts see it
// all, a participant its own issues, other departments nothing.
func TestRoundtableFollowUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		sug := problem(f.ent1, f.catTax, "建议设立企业服务专员")
		sug.Kind, sug.DeptID = appeal.KindSuggestion, f.deptA
		iss := problem(f.ent2, f.catPower, "园区供电不稳定")
		iss.DeptID = f.deptC
		rt, err := f.svc.CreateRoundtable(f.ctx, f.op, liaison.RoundtableInput{Title: "2026年第一季度政企恳谈会", HeldOn: "2026-02-28",
			Location: "市民之家", Topics: "优化营商环境\n融资难", HostIDs: []int64{f.deptA, f.deptB}, ParticipantIDs: []int64{f.ent1, f.ent2},
			ParticipantNames: []string{"长沙市浙江商会"}, Issues: []liaison.ProblemInput{sug, iss}})
		if err != nil {
			t.Fatal(err)
		}
		if len(rt.Hosts) != 2 || len(rt.Participants) != 3 || len(rt.Issues) != 2 || rt.AnsweredCount() != 0 {
			t.Fatalf("roundtable %+v", rt)
		}
		for i, want := range []struct {
			kind appeal.Kind
			dept int64
		}{{appeal.KindSuggestion, f.deptA}, {appeal.KindAppeal, f.deptC}} {
			ap, err := f.appeal.Get(f.ctx, f.op, rt.Issues[i].AppealID)
			if err != nil {
				t.Fatal(err)
			}
			if ap.State != appeal.StateDispatched || ap.LeadOrgID != want.dept || ap.Kind != want.kind || ap.Channel != appeal.ChannelRoundtable {
				t.Errorf("issue %d: %s %d %s %s", i, ap.State, ap.LeadOrgID, ap.Kind, ap.Channel)
			}
			if rt.Issues[i].DeptID != want.dept {
				t.Errorf("issue %d recorded for %d", i, rt.Issues[i].DeptID)
			}
		}
		// deptA answers the suggestion: adopted.
		ap, _ := f.appeal.Get(f.ctx, f.a1, rt.Issues[0].AppealID)
		ap, err = f.appeal.Claim(f.ctx, f.a1, ap.ID, ap.Version, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.appeal.Reply(f.ctx, f.a1, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomeAdopted, Text: "采纳，已设立专员。"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			who      auth.Actor
			issues   int
			answered int
			limited  bool
		}{{f.op, 2, 1, false}, {f.a1, 2, 1, false}, {f.b1, 2, 1, false}, {f.e1, 1, 1, true}, {f.e2, 1, 0, true}} {
			got, err := f.svc.GetRoundtable(f.ctx, c.who, rt.ID)
			if err != nil {
				t.Fatalf("%s: %v", c.who.Username, err)
			}
			if len(got.Issues) != c.issues || got.AnsweredCount() != c.answered || got.Limited != c.limited {
				t.Errorf("%s sees %d issues, %d answered, limited %v", c.who.Username, len(got.Issues), got.AnsweredCount(), got.Limited)
			}
			rows, _, _ := f.svc.ListRoundtables(f.ctx, c.who, liaison.RoundtableFilter{})
			if len(rows) != 1 || rows[0].Issues != c.issues || rows[0].Answered != c.answered {
				t.Errorf("%s lists %+v", c.who.Username, rows)
			}
		}
		// The host deptB reads the follow-up but cannot open deptC's appeal.
		got, _ := f.svc.GetRoundtable(f.ctx, f.b1, rt.ID)
		if !got.Issues[1].HasAppeal || got.Issues[1].CanOpen || got.Issues[1].Appeal.LeadOrgID != f.deptC {
			t.Errorf("host's view of deptC's issue %+v", got.Issues[1])
		}
		for _, a := range []auth.Actor{f.leaderA, f.ana, f.e2} {
			if a.Username == f.e2.Username {
				continue
			}
			if _, err := f.svc.GetRoundtable(f.ctx, a, rt.ID); !isErr(err, apperr.ErrNotFound) {
				t.Errorf("%s opens the roundtable: %v", a.Username, err)
			}
		}
		// deptC is not a host: nothing of the roundtable itself (its appeal is in its queue).
		c1 := f.a1
		c1.OrgID = f.deptC
		if _, err := f.svc.GetRoundtable(f.ctx, c1, rt.ID); !isErr(err, apperr.ErrNotFound) {
			t.Errorf("a non-host department: %v", err)
		}
		// More issues afterwards; a participant that is not at the table is refused.
		late := problem(f.ent3, f.catTax, "不在场企业")
		late.DeptID = f.deptA
		if _, err := f.svc.AddRoundtableIssues(f.ctx, f.op, rt.ID, []liaison.ProblemInput{late}); !fieldErr(err, "problems[0].org_id", "liaison.error.problem_org") {
			t.Errorf("an absent enterprise: %v", err)
		}
		noDept := problem(f.ent1, f.catTax, "没有承办单位")
		if _, err := f.svc.AddRoundtableIssues(f.ctx, f.op, rt.ID, []liaison.ProblemInput{noDept}); !fieldErr(err, "problems[0].dept_id", "error.required") {
			t.Errorf("no department: %v", err)
		}
		noDept.DeptID = f.ent2
		if _, err := f.svc.AddRoundtableIssues(f.ctx, f.op, rt.ID, []liaison.ProblemInput{noDept}); !fieldErr(err, "problems[0].dept_id", "liaison.error.department") {
			t.Errorf("an enterprise as department: %v", err)
		}
		noDept.DeptID = f.deptB
		rt2, err := f.svc.AddRoundtableIssues(f.ctx, f.op, rt.ID, []liaison.ProblemInput{noDept})
		if err != nil || len(rt2.Issues) != 3 {
			t.Errorf("add: %v", err)
		}
		if _, err := f.svc.AddRoundtableIssues(f.ctx, f.a1, rt.ID, []liaison.ProblemInput{noDept}); !isErr(err, apperr.ErrForbidden) {
			t.Errorf("a host records issues: %v", err)
		}
		if _, err := f.svc.CreateRoundtable(f.ctx, f.op, liaison.RoundtableInput{Title: "x", HeldOn: "2026-02-28", Topics: "x",
			ParticipantIDs: []int64{f.ent1}}); !fieldErr(err, "host_ids", "liaison.error.hosts_required") {
			t.Errorf("no host: %v", err)
		}
		if _, err := f.svc.CreateRoundtable(f.ctx, f.a1, liaison.RoundtableInput{}); !isErr(err, apperr.ErrForbidden) {
			t.Errorf("a department records a roundtable: %v", err)
		}
	})
}

// workbook builds an .xlsx with headers and rows.
func workbook(t testing.TB, headers []string, rows ...[]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	for i, h := range headers {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		_ = x.SetCellValue("Sheet1", cell, h)
	}
	for r, row := range rows {
		for i, v := range row {
			cell, _ := excelize.CoordinatesToCellName(i+1, r+2)
			_ = x.SetCellValue("Sheet1", cell, v)
		}
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Importing links: every row checked like a link made on the page and against the other
// rows; one bad row imports nothing; a clean workbook imports every row.
func TestImportLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		h := []string{"联系领导", "联系对象", "联络员", "开始日期", "结束日期", "备注"}
		ent1Code := f.creditCode(f.ent1)
		bad := workbook(t, h,
			[]any{f.leaderA.Username, ent1Code, f.officer.Username, "2024-01-15", "", "按信用代码"},
			[]any{"用户u04", "长沙星城食品有限公司", "", "2024/3/1", "", ""},
			[]any{"没有这位领导", "长沙星城食品有限公司", "", "2024-03-01", "", ""},
			[]any{f.leaderA.Username, "长沙市工业和信息化局", "", "2024-03-01", "", ""},
			[]any{f.leaderA.Username, "长沙市浙江商会", f.stranger.Username, "2099-01-01", "", ""},
			[]any{f.leaderA.Username, ent1Code, "", "2024-06-01", "", "与第2行重叠"},
		)
		res, err := f.svc.ImportLinks(f.ctx, f.op, bad)
		if err != nil {
			t.Fatal(err)
		}
		type cell struct {
			row int
			col string
			key string
		}
		var got []cell
		for _, e := range res.Errors {
			got = append(got, cell{e.Row, e.Column, e.Key})
		}
		want := []cell{{4, "A", "liaison.error.import_leader"}, {5, "B", "liaison.error.import_org"}, {6, "C", "liaison.error.officer"},
			{6, "D", "liaison.error.future"}, {7, "B", "liaison.error.import_overlap"}}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("missing error %+v in %+v", w, got)
			}
		}
		if res.Rows != 6 || res.Imported != 0 || f.count(`SELECT COUNT(*) FROM liaison_links`) != 0 {
			t.Errorf("bad workbook: %+v, %d links", res, f.count(`SELECT COUNT(*) FROM liaison_links`))
		}
		good := workbook(t, h,
			[]any{f.leaderA.Username, ent1Code, f.officer.Username, "2024-01-15", "", ""},
			[]any{"用户u04", "长沙星城食品有限公司", "", 45352, "", "Excel 日期"}, // 2024-03-01
			[]any{"用户u04", "长沙市浙江商会", "", "2020年5月1日", "2023年4月30日", "已结束"},
			[]any{"用户u04", "长沙市浙江商会", "", "2023-04-30", "", "再次联系"},
		)
		res, err = f.svc.ImportLinks(f.ctx, f.op, good)
		if err != nil || len(res.Errors) != 0 || res.Imported != 4 {
			t.Fatalf("good workbook: %+v %v", res, err)
		}
		links, _, _ := f.svc.ListLinks(f.ctx, f.op, liaison.LinkFilter{Status: liaison.StatusAll})
		dates := map[string]bool{}
		for _, l := range links {
			dates[l.SinceOn+"/"+l.UntilOn] = true
		}
		for _, w := range []string{"2024-01-15/", "2024-03-01/", "2020-05-01/2023-04-30", "2023-04-30/"} {
			if !dates[w] {
				t.Errorf("no link %s in %v", w, dates)
			}
		}
		// Importing again overlaps every row.
		res, _ = f.svc.ImportLinks(f.ctx, f.op, good)
		if len(res.Errors) != 4 || res.Imported != 0 {
			t.Errorf("again: %+v", res)
		}
		// Not a workbook; wrong headers; who may import.
		if _, err := f.svc.ImportLinks(f.ctx, f.op, []byte("领导,企业\n")); !fieldErr(err, "file", "") {
			t.Errorf("csv: %v", err)
		}
		res, _ = f.svc.ImportLinks(f.ctx, f.op, workbook(t, []string{"领导", "联系对象"}, []any{"x", "y"}))
		if len(res.Errors) != 3 || res.Errors[0].Key != "error.import_header_unknown" {
			t.Errorf("headers: %+v", res.Errors)
		}
		if _, err := f.svc.ImportLinks(f.ctx, f.leaderA, good); !isErr(err, apperr.ErrForbidden) {
			t.Errorf("a leader imports: %v", err)
		}
		var tpl bytes.Buffer
		if err := liaison.WriteLinkTemplate(&tpl); err != nil {
			t.Fatal(err)
		}
		if res, _ := f.svc.ImportLinks(f.ctx, f.op, tpl.Bytes()); len(res.Errors) == 0 || res.Errors[0].Row != 2 {
			t.Errorf("the template's example row: %+v", res)
		}
	})
}

func (f *fx) creditCode(org int64) string {
	var c string
	if err := f.d.R.QueryRow(`SELECT credit_code FROM enterprises WHERE org_id = $1`, org).Scan(&c); err != nil {
		f.t.Fatal(err)
	}
	return c
}

// The enterprise's file shows its leader, its visits and its problems, in scope: its own
// user sees them, another enterprise nothing, a leader of another enterprise nothing.
func TestEnterpriseFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		f.link(f.leaderA, f.ent1, f.officer.UserID, "2024-01-15")
		f.visit(f.leaderA, 0, "2026-02-20", []int64{f.ent1, f.ent2}, problem(f.ent1, f.catPower, "用电"), problem(f.ent2, f.catTax, "退税"))
		for _, c := range []struct {
			who                     auth.Actor
			links, visits, problems int
		}{{f.e1, 1, 1, 1}, {f.leaderA, 1, 1, 1}, {f.officer, 1, 1, 1}, {f.op, 1, 1, 1}, {f.e2, 0, 0, 0}, {f.leaderB, 0, 0, 0}, {f.a1, 0, 0, 0}} {
			file, err := f.svc.EnterpriseFile(f.ctx, c.who, f.ent1)
			if err != nil {
				t.Fatal(err)
			}
			if len(file.Links) != c.links || len(file.Visits) != c.visits || len(file.Problems) != c.problems {
				t.Errorf("%s sees %d links, %d visits, %d problems", c.who.Username, len(file.Links), len(file.Visits), len(file.Problems))
			}
			if c.who.Username == f.e1.Username && (len(file.Visits[0].Orgs) != 1 || file.Visits[0].Orgs[0].ID != f.ent1) {
				t.Errorf("ent1 sees the visit's other organisations: %+v", file.Visits[0].Orgs)
			}
		}
	})
}
