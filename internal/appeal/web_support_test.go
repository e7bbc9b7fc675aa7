package appeal_test

import (
	"archive/zip"
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// A number resolves within the actor's scope only.
func TestIDByNumber(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ap := f.dispatched() // ent1's, lead A, co B
		for _, c := range []struct {
			name   string
			a      auth.Actor
			number string
			ok     bool
		}{
			{"operator", f.op, ap.Number, true},
			{"operator, lower case and spaces", f.op, " " + strings.ToLower(ap.Number) + " ", true},
			{"lead department", f.a1, ap.Number, true},
			{"co-handler", f.b1, ap.Number, true},
			{"another department", f.c1, ap.Number, false},
			{"its enterprise", f.e1, ap.Number, true},
			{"another enterprise", f.e2, ap.Number, false},
			{"analyst", f.analyst, ap.Number, false},
			{"unknown number", f.op, "ZQ20260302999999", false},
		} {
			id, err := f.svc.IDByNumber(f.ctx, c.a, c.number)
			switch {
			case c.ok && (err != nil || id != ap.ID):
				t.Errorf("%s: %d %v, want %d", c.name, id, err, ap.ID)
			case !c.ok && !isErr(err, apperr.ErrNotFound, ""):
				t.Errorf("%s: %d %v, want NotFound", c.name, id, err)
			}
		}
	})
}

// CountQueues counts the named queues of the actor's, in the order asked, like Counts.
func TestCountQueues(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		f.hotline()
		f.hotline()
		f.accepted()
		f.dispatched()
		got, err := f.svc.CountQueues(f.ctx, f.op, appeal.QueueAccepted, appeal.QueueSubmitted, appeal.QueueDeptToClaim)
		if err != nil {
			t.Fatal(err)
		}
		want := []appeal.QueueCount{{Queue: appeal.QueueAccepted, Count: 1}, {Queue: appeal.QueueSubmitted, Count: 2}}
		if !slices.Equal(got, want) {
			t.Errorf("operator: %+v, want %+v", got, want)
		}
		all, _ := f.svc.Counts(f.ctx, f.a1)
		got, err = f.svc.CountQueues(f.ctx, f.a1, appeal.QueueDeptToClaim, appeal.QueueSubmitted)
		if err != nil || len(got) != 1 || got[0].Count != 1 {
			t.Errorf("department: %+v %v", got, err)
		}
		for _, c := range all {
			if c.Queue == appeal.QueueDeptToClaim && c.Count != got[0].Count {
				t.Errorf("Counts says %d to claim, CountQueues %d", c.Count, got[0].Count)
			}
		}
		if got, _ := f.svc.CountQueues(f.ctx, f.analyst, appeal.QueueSubmitted); len(got) != 0 {
			t.Errorf("analyst: %+v", got)
		}
	})
}

// An enterprise's file lists the appeals its viewer may see, confidential ones never to
// departments or leaders who are not told whose they are.
func TestEnterpriseAppeals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		open := f.dispatched() // ent1's: lead A, co B
		secret := f.hotline(func(n *appeal.NewAppeal) { n.Confidential = true; n.Title = "保密诉求" })
		secret = f.must(s.Accept(ctx, f.op, secret.ID, secret.Version, ""))
		secret = f.must(s.Dispatch(ctx, f.op, secret.ID, secret.Version, appeal.DispatchInput{LeadOrgID: f.deptA}))
		waiting := f.hotline() // ent1's, submitted
		byChamber, err := s.Create(ctx, f.ch, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: f.catTax, Title: "商会代会员反映",
			Body: "退税慢。", EnterpriseOrgID: f.ent1, ContactName: "陈会长", ContactPhone: "0731-84567890"})
		if err != nil {
			t.Fatal(err)
		}
		supervised := f.must(s.Supervise(ctx, f.op, waiting.ID, waiting.Version, appeal.SuperviseInput{Level: 1}))
		_ = supervised
		escalated := f.must(s.Escalate(ctx, f.op, open.ID, open.Version, appeal.EscalateInput{LeaderIDs: []int64{f.leader.UserID}, Note: "疑难"}))
		other, err := s.Create(ctx, f.op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: f.catTax, Title: "另一企业",
			Body: "内容", EnterpriseOrgID: f.ent2, ContactName: "李", ContactPhone: "13900001111"})
		if err != nil {
			t.Fatal(err)
		}
		ids := func(p appeal.Page) []int64 {
			var out []int64
			for _, it := range p.Items {
				out = append(out, it.ID)
			}
			return out
		}
		for _, c := range []struct {
			name string
			a    auth.Actor
			ent  int64
			want []int64
		}{
			{"operator", f.op, f.ent1, []int64{byChamber.ID, waiting.ID, secret.ID, escalated.ID}},
			{"its enterprise", f.e1, f.ent1, []int64{byChamber.ID, waiting.ID, secret.ID, escalated.ID}},
			{"another enterprise", f.e2, f.ent1, nil},
			{"the other's own", f.e2, f.ent2, []int64{other.ID}},
			{"chamber: what it filed", f.ch, f.ent1, []int64{byChamber.ID}},
			{"lead department: not the confidential one", f.a1, f.ent1, []int64{escalated.ID}},
			{"co-handler", f.b1, f.ent1, []int64{escalated.ID}},
			{"another department", f.c1, f.ent1, nil},
			{"leader escalated to", f.leader, f.ent1, []int64{escalated.ID}},
			{"another leader", f.leader2, f.ent1, nil},
			{"analyst", f.analyst, f.ent1, nil},
		} {
			p, err := s.EnterpriseAppeals(ctx, c.a, c.ent, 10)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := ids(p); !slices.Equal(got, c.want) || p.Total != len(c.want) {
				t.Errorf("%s: %v (total %d), want %v", c.name, got, p.Total, c.want)
			}
		}
		// A leader linked to the enterprise sees all of it but the confidential one.
		f.links.link(f.ent1, f.leader2.UserID)
		p, _ := s.EnterpriseAppeals(ctx, f.leader2, f.ent1, 10)
		if got := ids(p); !slices.Equal(got, []int64{byChamber.ID, waiting.ID, escalated.ID}) {
			t.Errorf("linked leader: %v", got)
		}
		// The limit bounds the page, not the total; phones are masked.
		p, _ = s.EnterpriseAppeals(ctx, f.op, f.ent1, 2)
		if len(p.Items) != 2 || p.Total != 4 || p.Items[0].ContactPhoneMasked != "138****5678" && p.Items[1].ContactPhoneMasked != "138****5678" {
			t.Errorf("limited page: %d items, total %d, %+v", len(p.Items), p.Total, p.Items)
		}
		token := f.op
		token.Via, token.Scopes = "token", []string{"directory:read"}
		if _, err := s.EnterpriseAppeals(ctx, token, f.ent1, 10); !isErr(err, apperr.ErrForbidden, "") {
			t.Errorf("token without appeals scope: %v", err)
		}
	})
}

func TestLeaderChoices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		got, err := f.svc.LeaderChoices(f.ctx, f.op)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, l := range got {
			ids = append(ids, l.UserID)
			if l.Name == "" || l.OrgName == "" {
				t.Errorf("leader without name or organisation: %+v", l)
			}
		}
		if !slices.Equal(ids, []int64{f.leader.UserID, f.leader2.UserID}) {
			t.Errorf("leaders %v, want %d, %d", ids, f.leader.UserID, f.leader2.UserID)
		}
		for _, a := range []auth.Actor{f.a1, f.e1, f.leader, f.analyst} {
			if _, err := f.svc.LeaderChoices(f.ctx, a); !isErr(err, apperr.ErrForbidden, "") {
				t.Errorf("%s: %v, want Forbidden", a.Username, err)
			}
		}
	})
}

// CheckAttachment refuses exactly what AddAttachment refuses, with the same field error.
func TestCheckAttachmentAgreesWithAddAttachment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
		var docx bytes.Buffer
		zw := zip.NewWriter(&docx)
		for _, n := range []string{"[Content_Types].xml", "word/document.xml"} {
			w, _ := zw.Create(n)
			_, _ = w.Write([]byte("<x/>"))
		}
		_ = zw.Close()
		for _, c := range []struct {
			name, file string
			data       []byte
			key        string
		}{
			{"png", "照片.png", png, ""},
			{"pdf", "说明.pdf", []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj\n"), ""},
			{"text", "a.txt", []byte("退税材料清单"), ""},
			{"docx", "a.docx", docx.Bytes(), ""},
			{"docx named xlsx", "a.xlsx", docx.Bytes(), "appeal.error.attachment_type"},
			{"html", "a.html", []byte("<html><script>alert(1)</script></html>"), "appeal.error.attachment_type"},
			{"empty", "a.txt", nil, "appeal.error.attachment_empty"},
			{"too large", "a.txt", bytes.Repeat([]byte("a"), appeal.MaxAttachmentSize+1), "appeal.error.attachment_too_large"},
			{"no name", " ", []byte("x"), "appeal.error.attachment_name"},
			{"long name", strings.Repeat("名", 101) + ".txt", []byte("x"), "appeal.error.attachment_name"},
		} {
			ap := f.hotline()
			checked := appeal.CheckAttachment(c.file, c.data)
			_, added := f.svc.AddAttachment(f.ctx, f.op, ap.ID, c.file, c.data)
			if c.key == "" {
				if checked != nil || added != nil {
					t.Errorf("%s: check %v, add %v", c.name, checked, added)
				}
				continue
			}
			if !fieldErr(checked, "file", c.key) || !fieldErr(added, "file", c.key) {
				t.Errorf("%s: check %v, add %v, want %s", c.name, checked, added, c.key)
			}
		}
	})
}

// The public query counts every lookup of an address in the database: the 21st within
// ten minutes is refused even with the right code, other addresses are not affected, and
// the window's end lets the address in again.
func TestPublicStatusLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ap := f.hotline()
		for i := 0; i < appeal.StatusTries-1; i++ {
			if _, err := f.svc.PublicStatusLimited(f.ctx, "203.0.113.7", ap.Number, "WRONG1"); !isErr(err, apperr.ErrNotFound, "") {
				t.Fatalf("try %d: %v, want NotFound", i+1, err)
			}
		}
		if v, err := f.svc.PublicStatusLimited(f.ctx, "203.0.113.7", ap.Number, ap.QueryCode); err != nil || v.Number != ap.Number {
			t.Fatalf("20th try with the right code: %+v %v", v, err)
		}
		f.clock.Advance(3 * time.Minute)
		_, err := f.svc.PublicStatusLimited(f.ctx, "203.0.113.7", ap.Number, ap.QueryCode)
		if e, ok := apperr.As(err); !ok || !isErr(err, apperr.ErrTooMany, "appeal.error.status_limited") || e.Args["Minutes"] != 7 {
			t.Fatalf("21st try: %v %+v, want TooMany for 7 more minutes", err, e)
		}
		if _, err := f.svc.PublicStatusLimited(f.ctx, "198.51.100.2", ap.Number, ap.QueryCode); err != nil {
			t.Errorf("another address: %v", err)
		}
		f.clock.Advance(7 * time.Minute)
		if _, err := f.svc.PublicStatusLimited(f.ctx, "203.0.113.7", ap.Number, ap.QueryCode); err != nil {
			t.Errorf("after the window: %v", err)
		}
		var n int
		if err := d.R.QueryRow(`SELECT fails FROM login_throttle WHERE key = $1`, "status:203.0.113.7").Scan(&n); err != nil || n != 1 {
			t.Errorf("the new window counts %d tries (%v), want 1", n, err)
		}
	})
}

// Filter.Dept keeps the appeals a department has or had a part in, in any round.
func TestDeptFilter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		both := f.dispatched() // lead A, co B
		onlyC := f.accepted()
		onlyC = f.must(s.Dispatch(ctx, f.op, onlyC.ID, onlyC.Version, appeal.DispatchInput{LeadOrgID: f.deptC}))
		redone := f.replied() // lead A, co B; then redone to C
		redone = f.must(s.Callback(ctx, f.op, redone.ID, redone.Version, appeal.CallbackInput{Satisfaction: appeal.Unsatisfied}))
		redone = f.must(s.Reopen(ctx, f.op, redone.ID, redone.Version, appeal.DispatchInput{LeadOrgID: f.deptC}))
		f.hotline() // nobody's
		for _, c := range []struct {
			dept int64
			want []int64
		}{
			{f.deptA, []int64{redone.ID, both.ID}},
			{f.deptB, []int64{redone.ID, both.ID}},
			{f.deptC, []int64{redone.ID, onlyC.ID}},
		} {
			p, err := s.List(ctx, f.op, appeal.QueueAll, appeal.Filter{Dept: c.dept})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, it := range p.Items {
				got = append(got, it.ID)
			}
			if !slices.Equal(got, c.want) || p.Total != len(c.want) {
				t.Errorf("dept %d: %v (total %d), want %v", c.dept, got, p.Total, c.want)
			}
		}
		// A department's own queue narrowed to another department: their shared appeals.
		p, err := s.List(ctx, f.a1, appeal.QueueDeptAnswered, appeal.Filter{Dept: f.deptC})
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != redone.ID {
			t.Errorf("A's answered shared with C: %+v %v", p.Items, err)
		}
	})
}
