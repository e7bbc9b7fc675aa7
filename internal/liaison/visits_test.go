package liaison_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"testing"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/liaison"
)

// A leader's visit with two problems files two appeals in the same transaction: channel
// leader visit, the visited enterprise, supervised by the leader, waiting in the
// operators' 待受理 queue; the visit page shows them with their states.
func TestVisitWithTwoProblems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		f.link(f.leaderA, f.ent1, f.officer.UserID, "2024-01-15")
		v := f.visit(f.leaderA, 0, "2026-03-02", []int64{f.ent1},
			problem(f.ent1, f.catPower, "新厂房用电增容审批慢"), problem(f.ent1, f.catTax, "研发费用加计扣除政策不清楚"))
		if v.LeaderID != f.leaderA.UserID || len(v.Problems) != 2 || len(v.Orgs) != 1 || v.Orgs[0].ID != f.ent1 {
			t.Fatalf("visit %+v", v)
		}
		queue, err := f.appeal.List(f.ctx, f.op, appeal.QueueSubmitted, appeal.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(queue.Items) != 2 {
			t.Fatalf("operator's 待受理 holds %d", len(queue.Items))
		}
		for _, p := range v.Problems {
			ap, err := f.appeal.Get(f.ctx, f.op, p.AppealID)
			if err != nil {
				t.Fatal(err)
			}
			if ap.Channel != appeal.ChannelLeaderVisit || ap.EnterpriseOrgID != f.ent1 || ap.State != appeal.StateSubmitted ||
				ap.SupervisionLevel != 1 || ap.ContactName != "李敏" || ap.ContactPhone != "13812345678" {
				t.Errorf("appeal %+v", ap)
			}
			if !p.HasAppeal || p.Appeal.Number != ap.Number || !p.CanOpen || p.Appeal.State != appeal.StateSubmitted {
				t.Errorf("problem %+v", p)
			}
			if n := f.count(`SELECT COUNT(*) FROM appeal_leaders WHERE appeal_id = $1 AND user_id = $2 AND kind = 'supervise'`, ap.ID, f.leaderA.UserID); n != 1 {
				t.Errorf("%s not supervised by the leader", ap.Number)
			}
			if !slices.ContainsFunc(queue.Items, func(it appeal.ListItem) bool { return it.ID == ap.ID && it.SupervisionLevel == 1 }) {
				t.Errorf("%s is not in 待受理 as supervised", ap.Number)
			}
		}
		// The leader's own queue (督办) holds both.
		if q, _ := f.appeal.List(f.ctx, f.leaderA, appeal.QueueLeader, appeal.Filter{}); len(q.Items) != 2 {
			t.Errorf("leader queue %d", len(q.Items))
		}
		// The officer records a visit for the leader: supervised by the leader too.
		v2 := f.visit(f.officer, f.leaderA.UserID, "2026-03-01", []int64{f.ent3}, problem(f.ent3, f.catPower, "园区道路破损"))
		if n := f.count(`SELECT COUNT(*) FROM appeal_leaders WHERE appeal_id = $1 AND user_id = $2`, v2.Problems[0].AppealID, f.leaderA.UserID); n != 1 {
			t.Error("the officer's problem is not supervised by the leader")
		}
		if !v2.Problems[0].CanOpen {
			t.Error("the officer cannot open the appeal filed for the leader")
		}
		// An operator records one for a leader.
		v3 := f.visit(f.op, f.leaderB.UserID, "2026-02-27", []int64{f.ent2}, problem(f.ent2, f.catTax, "出口退税到账慢"))
		if n := f.count(`SELECT COUNT(*) FROM appeal_leaders WHERE appeal_id = $1 AND user_id = $2`, v3.Problems[0].AppealID, f.leaderB.UserID); n != 1 {
			t.Error("the operator's problem is not supervised by leaderB")
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'liaison_visit.create'`); n != 3 {
			t.Errorf("%d visit audit entries", n)
		}
	})
}

// A mistake anywhere refuses the whole visit with every problem's errors, and nothing is
// written: no visit, no appeal, no audit entry.
func TestVisitIsAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		good := problem(f.ent1, f.catPower, "用电增容审批慢")
		noTitle := problem(f.ent1, f.catTax, "")
		otherOrg := problem(f.ent2, f.catTax, "不在走访名单的企业")
		badCat := problem(f.ent1, 999999, "类别不存在")
		audits := f.count(`SELECT COUNT(*) FROM audit_log`)
		_, err := f.svc.CreateVisit(f.ctx, f.leaderA, liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02", OrgIDs: []int64{f.ent1},
			Summary: "座谈", Problems: []liaison.ProblemInput{good, noTitle, otherOrg, badCat}})
		for _, fe := range [][2]string{{"problems[1].title", "error.required"}, {"problems[2].org_id", "liaison.error.problem_org"},
			{"problems[3].category_id", "appeal.error.category_unknown"}} {
			if !fieldErr(err, fe[0], fe[1]) {
				t.Errorf("want %s on %s: %v", fe[1], fe[0], err)
			}
		}
		if n := f.count(`SELECT COUNT(*) FROM liaison_visits`) + f.count(`SELECT COUNT(*) FROM appeals`) + f.count(`SELECT COUNT(*) FROM liaison_problems`); n != 0 {
			t.Errorf("%d rows written", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_log`); n != audits {
			t.Errorf("audit grew %d → %d", audits, n)
		}
		for _, c := range []struct {
			name  string
			in    liaison.VisitInput
			field string
			key   string
		}{
			{"no organisation", liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02", Summary: "x"}, "org_ids", "liaison.error.orgs_required"},
			{"a department visited", liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02", Summary: "x", OrgIDs: []int64{f.deptA}}, "org_ids", "liaison.error.org_kind"},
			{"an enterprise as department", liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02", Summary: "x", OrgIDs: []int64{f.ent1}, DeptIDs: []int64{f.ent2}}, "dept_ids", "liaison.error.department"},
			{"tomorrow", liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-03", Summary: "x", OrgIDs: []int64{f.ent1}}, "visited_on", "liaison.error.future"},
			{"a bad kind", liaison.VisitInput{Kind: "party", VisitedOn: "2026-03-02", Summary: "x", OrgIDs: []int64{f.ent1}}, "kind", "error.choice"},
			{"no summary", liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02", OrgIDs: []int64{f.ent1}}, "summary", "error.required"},
			{"another leader", liaison.VisitInput{LeaderID: f.leaderB.UserID, Kind: liaison.KindVisit, VisitedOn: "2026-03-02", Summary: "x", OrgIDs: []int64{f.ent1}}, "leader_id", "liaison.error.leader_not_yours"},
			{"an unknown name", liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02", Summary: "x", OrgNames: []string{"没有这家公司"}}, "org_names", "liaison.error.org_unknown"},
			{"a file that is not a photo", liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02", Summary: "x", OrgIDs: []int64{f.ent1},
				Files: []liaison.FileInput{{Name: "photo.jpg", Data: []byte("MZ\x90\x00 this is an executable")}}}, "files", "liaison.error.file_type"},
			{"an empty file", liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02", Summary: "x", OrgIDs: []int64{f.ent1},
				Files: []liaison.FileInput{{Name: "a.png"}}}, "files", "liaison.error.file_empty"},
			{"a file too large", liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02", Summary: "x", OrgIDs: []int64{f.ent1},
				Files: []liaison.FileInput{{Name: "a.png", Data: append(pngBytes(t), make([]byte, liaison.MaxFileSize)...)}}}, "files", "liaison.error.file_too_large"},
		} {
			if _, err := f.svc.CreateVisit(f.ctx, f.leaderA, c.in); !fieldErr(err, c.field, c.key) {
				t.Errorf("%s: %v, want %s on %s", c.name, err, c.key, c.field)
			}
		}
		for _, a := range []auth.Actor{f.e1, f.a1, f.admin, f.ana} {
			if _, err := f.svc.CreateVisit(f.ctx, a, liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02", Summary: "x", OrgIDs: []int64{f.ent1}}); !isErr(err, apperr.ErrForbidden) {
				t.Errorf("%s records a visit: %v", a.Username, err)
			}
		}
		// A chamber visited: a problem may name a member that is not in the directory.
		v, err := f.svc.CreateVisit(f.ctx, f.leaderA, liaison.VisitInput{Kind: liaison.KindResearch, VisitedOn: "2026-03-02", Summary: "商会座谈",
			OrgNames: []string{"长沙市浙江商会"}, Problems: []liaison.ProblemInput{{EnterpriseName: "长沙某某贸易有限公司", DistrictCode: "430102",
				Kind: appeal.KindSuggestion, CategoryID: f.catTax, Title: "建议简化退税手续", Body: "商会会员建议。", ContactName: "陈会长", ContactPhone: "0731-84567890"}}})
		if err != nil || len(v.Problems) != 1 || v.Problems[0].Appeal.Kind != appeal.KindSuggestion || v.Problems[0].OrgName != "长沙某某贸易有限公司" {
			t.Errorf("chamber visit: %+v %v", v, err)
		}
	})
}

// pngBytes is a tiny real PNG.
func pngBytes(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Photos are stored with the visit, typed by their bytes, and read by those who see the
// whole visit only.
func TestVisitFiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		photo := pngBytes(t)
		v, err := f.svc.CreateVisit(f.ctx, f.leaderA, liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-02", Summary: "走访",
			OrgIDs: []int64{f.ent1}, DeptIDs: []int64{f.deptA}, Files: []liaison.FileInput{{Name: `C:\相册\现场.JPG`, Data: photo}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Files) != 1 || v.Files[0].ContentType != "image/png" || v.Files[0].Filename != "现场.JPG" || !v.Files[0].IsImage() {
			t.Fatalf("files %+v", v.Files)
		}
		if err := f.svc.AddVisitFiles(f.ctx, f.op, v.ID, []liaison.FileInput{{Name: "纪要.pdf", Data: []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj\n")}}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AddVisitFiles(f.ctx, f.a1, v.ID, []liaison.FileInput{{Name: "a.png", Data: photo}}); !isErr(err, apperr.ErrForbidden) {
			t.Errorf("a department that came along adds files: %v", err)
		}
		if err := f.svc.AddVisitFiles(f.ctx, f.leaderB, v.ID, []liaison.FileInput{{Name: "a.png", Data: photo}}); !isErr(err, apperr.ErrNotFound) {
			t.Errorf("another leader adds files: %v", err)
		}
		for _, c := range []struct {
			who auth.Actor
			ok  bool
		}{{f.leaderA, true}, {f.a1, true}, {f.op, true}, {f.leaderB, false}, {f.e1, false}, {f.e2, false}, {f.b1, false}} {
			_, data, err := f.svc.VisitFile(f.ctx, c.who, v.Files[0].ID)
			if c.ok && (err != nil || !bytes.Equal(data, photo)) {
				t.Errorf("%s reads the photo: %v", c.who.Username, err)
			}
			if !c.ok && !isErr(err, apperr.ErrNotFound) {
				t.Errorf("%s reads the photo: %v", c.who.Username, err)
			}
		}
		for name, data := range map[string][]byte{"x.png": []byte("<html><script>alert(1)</script>"), "x.docx": []byte("PK\x03\x04not a zip")} {
			if _, ok := liaison.Sniff(name, data); ok {
				t.Errorf("%s accepted", name)
			}
		}
	})
}

// Who sees which visit: the leader and their officer, operators and administrators, the
// departments that came along; a visited enterprise sees itself only; everyone else
// gets NotFound — in lists too.
func TestVisitScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		f.link(f.leaderA, f.ent1, f.officer.UserID, "2024-01-15")
		va := f.visit(f.leaderA, 0, "2026-03-02", []int64{f.ent1, f.ent2}, problem(f.ent1, f.catPower, "用电"), problem(f.ent2, f.catTax, "退税"))
		if _, err := f.svc.CreateVisit(f.ctx, f.leaderB, liaison.VisitInput{Kind: liaison.KindVisit, VisitedOn: "2026-03-01", Summary: "调研",
			OrgIDs: []int64{f.ent3, f.chamber}, DeptIDs: []int64{f.deptB}}); err != nil {
			t.Fatal(err)
		}
		vbRows, _, _ := f.svc.ListVisits(f.ctx, f.op, liaison.VisitFilter{LeaderID: f.leaderB.UserID})
		vb := vbRows[0]
		if _, err := f.d.W.Exec(`INSERT INTO liaison_visit_depts (visit_id, org_id) VALUES ($1, $2)`, va.ID, f.deptA); err != nil {
			t.Fatal(err)
		}
		type want struct {
			sees    []int64
			limited bool
		}
		for _, c := range []struct {
			who auth.Actor
			w   want
		}{
			{f.op, want{[]int64{va.ID, vb.ID}, false}},
			{f.admin, want{[]int64{va.ID, vb.ID}, false}},
			{f.leaderA, want{[]int64{va.ID}, false}},
			{f.officer, want{[]int64{va.ID}, false}},
			{f.leaderB, want{[]int64{vb.ID}, false}},
			{f.stranger, want{nil, false}},
			{f.a1, want{[]int64{va.ID}, false}},
			{f.b1, want{[]int64{vb.ID}, false}},
			{f.e1, want{[]int64{va.ID}, true}},
			{f.e2, want{[]int64{va.ID}, true}},
			{f.ch, want{[]int64{vb.ID}, true}},
			{f.ana, want{nil, false}},
		} {
			rows, total, err := f.svc.ListVisits(f.ctx, c.who, liaison.VisitFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, r := range rows {
				ids = append(ids, r.ID)
				if c.w.limited && (len(r.Orgs) != 1 || r.Orgs[0].ID != c.who.OrgID) {
					t.Errorf("%s's list row shows %+v", c.who.Username, r.Orgs)
				}
			}
			slices.Sort(ids)
			if !slices.Equal(ids, c.w.sees) || total != len(c.w.sees) {
				t.Errorf("%s lists %v (%d), want %v", c.who.Username, ids, total, c.w.sees)
			}
			for _, id := range []int64{va.ID, vb.ID} {
				v, err := f.svc.GetVisit(f.ctx, c.who, id)
				if !slices.Contains(c.w.sees, id) {
					if !isErr(err, apperr.ErrNotFound) {
						t.Errorf("%s gets visit %d: %v, want NotFound", c.who.Username, id, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s gets visit %d: %v", c.who.Username, id, err)
				}
				if v.Limited != c.w.limited {
					t.Errorf("%s: limited %v", c.who.Username, v.Limited)
				}
				if c.w.limited {
					if v.Summary != "" || len(v.Files) != 0 || len(v.Orgs) != 1 || v.Orgs[0].ID != c.who.OrgID {
						t.Errorf("%s sees more than itself: %+v", c.who.Username, v)
					}
					for _, p := range v.Problems {
						if p.OrgID != c.who.OrgID {
							t.Errorf("%s sees %s's problem", c.who.Username, p.OrgName)
						}
					}
				}
			}
		}
		// The problems keep the appeal loop's scope: deptA (came along) reads the states but
		// cannot open appeals not dispatched to it; ent2 opens its own.
		v, _ := f.svc.GetVisit(f.ctx, f.a1, va.ID)
		for _, p := range v.Problems {
			if !p.HasAppeal || p.CanOpen {
				t.Errorf("department: %s has appeal %v, opens %v", p.Title, p.HasAppeal, p.CanOpen)
			}
		}
		v, _ = f.svc.GetVisit(f.ctx, f.e2, va.ID)
		if len(v.Problems) != 1 || !v.Problems[0].CanOpen || v.Problems[0].OrgID != f.ent2 {
			t.Errorf("ent2 sees %+v", v.Problems)
		}
		// Filters: by organisation and dates.
		if rows, _, _ := f.svc.ListVisits(f.ctx, f.op, liaison.VisitFilter{OrgID: f.chamber}); len(rows) != 1 || rows[0].ID != vb.ID {
			t.Errorf("by chamber %+v", rows)
		}
		if rows, _, _ := f.svc.ListVisits(f.ctx, f.op, liaison.VisitFilter{From: "2026-03-02"}); len(rows) != 1 || rows[0].ID != va.ID || rows[0].Problems != 2 {
			t.Errorf("from 2026-03-02 %+v", rows)
		}
		if _, _, err := f.svc.ListVisits(f.ctx, f.op, liaison.VisitFilter{To: "yesterday"}); !fieldErr(err, "to", "error.date") {
			t.Errorf("bad date: %v", err)
		}
		// Keyset pages cover everything once.
		first, _, _ := f.svc.ListVisits(f.ctx, f.op, liaison.VisitFilter{Limit: 1, NoCount: true})
		next, _, _ := f.svc.ListVisits(f.ctx, f.op, liaison.VisitFilter{Limit: 1, NoCount: true, AfterDate: first[0].VisitedOn, AfterID: first[0].ID})
		if len(first) != 1 || len(next) != 1 || first[0].ID != va.ID || next[0].ID != vb.ID {
			t.Errorf("pages %v %v", first, next)
		}
		if !strings.Contains(va.LeaderTitle, "副市长") {
			t.Errorf("leader title %q", va.LeaderTitle)
		}
	})
}
