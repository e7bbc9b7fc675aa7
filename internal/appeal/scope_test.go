package appeal_test

import (
	"slices"
	"testing"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// Who sees which appeal, by role and organisation: outside the scope an appeal does
// not exist (NotFound), for reading, for moves, for attachments and in every queue.
func TestScopeMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		// A1: ent1's, dispatched to A with B co-handling. A2: ent2's, filed by the chamber,
		// dispatched to C, escalated to leader2. A3: ent1's, still submitted.
		a1 := f.dispatched()
		in := appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: f.catTax, Title: "会员企业反映退税慢", Body: "出口退税到账慢。",
			EnterpriseOrgID: f.ent2, ContactName: "陈会长", ContactPhone: "0731-84567890"}
		a2, err := s.Create(ctx, f.ch, in)
		if err != nil {
			t.Fatal(err)
		}
		a2 = f.must(s.Accept(ctx, f.op, a2.ID, a2.Version, ""))
		a2 = f.must(s.Dispatch(ctx, f.op, a2.ID, a2.Version, appeal.DispatchInput{LeadOrgID: f.deptC}))
		a2 = f.must(s.Escalate(ctx, f.op, a2.ID, a2.Version, appeal.EscalateInput{LeaderIDs: []int64{f.leader2.UserID}, Note: "疑难"}))
		a3 := f.hotline()
		if _, err := s.AddAttachment(ctx, f.op, a2.ID, "说明.txt", []byte("退税材料清单")); err != nil {
			t.Fatal(err)
		}
		atts, _ := s.Attachments(ctx, f.op, a2.ID)
		token := f.a1
		token.Via, token.Scopes = "token", []string{"read"}
		for _, c := range []struct {
			name  string
			actor auth.Actor
			sees  []int64
		}{
			{"operator", f.op, []int64{a1.ID, a2.ID, a3.ID}},
			{"lead department", f.a1, []int64{a1.ID}},
			{"co-handler", f.b1, []int64{a1.ID}},
			{"department C", f.c1, []int64{a2.ID}},
			{"enterprise 1", f.e1, []int64{a1.ID, a3.ID}},
			{"enterprise 2", f.e2, []int64{a2.ID}},
			{"chamber", f.ch, []int64{a2.ID}},
			{"leader (nothing yet)", f.leader, nil},
			{"leader escalated to", f.leader2, []int64{a2.ID}},
			{"analyst", f.analyst, nil},
			{"admin", f.admin, nil},
			{"read-only token of A", token, []int64{a1.ID}},
		} {
			for _, ap := range []appeal.Appeal{a1, a2, a3} {
				want := slices.Contains(c.sees, ap.ID)
				got, err := s.Get(ctx, c.actor, ap.ID)
				if want && (err != nil || got.ID != ap.ID) {
					t.Errorf("%s cannot see %s: %v", c.name, ap.Number, err)
				}
				if !want && !isErr(err, apperr.ErrNotFound, "") {
					t.Errorf("%s sees %s: %v", c.name, ap.Number, err)
				}
				if _, err := s.Timeline(ctx, c.actor, ap.ID); want != (err == nil) {
					t.Errorf("%s timeline of %s: %v", c.name, ap.Number, err)
				}
				if !want {
					// Out of scope, a move is NotFound too, whatever the state.
					if _, err := s.Claim(ctx, c.actor, ap.ID, ap.Version, ""); !isErr(err, apperr.ErrNotFound, "") && !isErr(err, apperr.ErrForbidden, "") {
						t.Errorf("%s claims %s: %v", c.name, ap.Number, err)
					}
				}
			}
			_, _, err := s.AttachmentContent(ctx, c.actor, atts[0].ID)
			if want := slices.Contains(c.sees, a2.ID); want != (err == nil) || (!want && !isErr(err, apperr.ErrNotFound, "")) {
				t.Errorf("%s reads A2's attachment: %v", c.name, err)
			}
			// Every queue the actor has lists only what it may see.
			for _, q := range appeal.QueuesFor(c.actor) {
				p, err := s.List(ctx, c.actor, q, appeal.Filter{})
				if err != nil {
					t.Errorf("%s %s: %v", c.name, q, err)
					continue
				}
				for _, it := range p.Items {
					if !slices.Contains(c.sees, it.ID) {
						t.Errorf("%s's %s lists %s", c.name, q, it.Number)
					}
				}
			}
		}
		// A department's move on another department's appeal: NotFound; a co-handler's on
		// the lead's move: Forbidden; the enterprise accepting its own: Forbidden.
		if _, err := s.Claim(ctx, f.c1, a1.ID, a1.Version, ""); !isErr(err, apperr.ErrNotFound, "") {
			t.Errorf("C claims A1: %v", err)
		}
		if _, err := s.Return(ctx, f.b1, a1.ID, a1.Version, "x"); !isErr(err, apperr.ErrForbidden, "") {
			t.Errorf("co-handler returns: %v", err)
		}
		if _, err := s.Accept(ctx, f.e1, a3.ID, a3.Version, ""); !isErr(err, apperr.ErrForbidden, "") {
			t.Errorf("enterprise accepts: %v", err)
		}
		if _, err := s.Claim(ctx, token, a1.ID, a1.Version, ""); !isErr(err, apperr.ErrForbidden, "") {
			t.Errorf("read-only token moves: %v", err)
		}
		// Queues outside one's roles are Forbidden.
		for _, c := range []struct {
			a auth.Actor
			q appeal.Queue
		}{{f.e1, appeal.QueueSubmitted}, {f.a1, appeal.QueueAll}, {f.analyst, appeal.QueueMine}, {f.op, appeal.QueueDeptToClaim}} {
			if _, err := s.List(ctx, c.a, c.q, appeal.Filter{}); !isErr(err, apperr.ErrForbidden, "") {
				t.Errorf("%v opens %s: %v", c.a.Roles, c.q, err)
			}
		}
		// The query code is for the operators and whoever filed it.
		if g, _ := s.Get(ctx, f.a1, a1.ID); g.QueryCode != "" {
			t.Error("a department reads the query code")
		}
		if g, _ := s.Get(ctx, f.e1, a1.ID); g.QueryCode == "" {
			t.Error("the enterprise cannot read its query code")
		}
		if g, _ := s.Get(ctx, f.ch, a2.ID); g.QueryCode == "" {
			t.Error("the filing chamber cannot read the query code")
		}
		// Reading a full record with a phone number is audited.
		var reads int
		_ = d.R.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'appeal.read' AND actor_id = $1`, f.a1.UserID).Scan(&reads)
		if reads == 0 {
			t.Error("reads of full records are not audited")
		}
	})
}

// A confidential appeal hides the enterprise from departments, in Get, lists and timeline.
func TestConfidential(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		in := appeal.NewAppeal{Kind: appeal.KindComplaint, CategoryCode: "enforcement.inspection", Title: "执法检查过于频繁",
			Body: "一个月内被同一部门检查五次。", Confidential: true}
		ap, err := s.Create(ctx, f.e1, in)
		if err != nil {
			t.Fatal(err)
		}
		ap = f.must(s.Accept(ctx, f.op, ap.ID, ap.Version, ""))
		ap = f.must(s.Dispatch(ctx, f.op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: f.deptA}))
		g, err := s.Get(ctx, f.a1, ap.ID)
		if err != nil || g.EnterpriseName != "" || g.ContactPhone != "" || g.EnterpriseOrgID != 0 || g.ContactName != "" {
			t.Errorf("department sees %+v %v", g, err)
		}
		p, _ := s.List(ctx, f.a1, appeal.QueueDeptToClaim, appeal.Filter{})
		if len(p.Items) != 1 || p.Items[0].EnterpriseName != "" || p.Items[0].ContactPhoneMasked != "" {
			t.Errorf("department's list shows %+v", p.Items)
		}
		tl, _ := s.Timeline(ctx, f.a1, ap.ID)
		if tl[0].Action != appeal.ActCreate || tl[0].ActorName != "" || tl[0].ActorOrgName != "" {
			t.Errorf("department's timeline shows the filer: %+v", tl[0])
		}
		if g, _ := s.Get(ctx, f.op, ap.ID); g.EnterpriseName == "" || g.ContactPhone == "" {
			t.Error("the operator cannot see the enterprise")
		}
		if g, _ := s.Get(ctx, f.e1, ap.ID); g.EnterpriseName == "" {
			t.Error("the enterprise cannot see itself")
		}
		p, _ = s.List(ctx, f.op, appeal.QueueAll, appeal.Filter{})
		if len(p.Items) != 1 || p.Items[0].ContactPhoneMasked != "138****5678" {
			t.Errorf("operator's list: %+v", p.Items)
		}
	})
}

// The chamber that filed an appeal hears of its progress with the enterprise.
func TestChamberHearsOfWhatItFiled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ap, err := f.svc.Create(f.ctx, f.ch, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: f.catTax, Title: "会员企业退税慢",
			Body: "出口退税到账慢。", EnterpriseOrgID: f.ent2, ContactName: "陈会长", ContactPhone: "0731-84567890"})
		if err != nil {
			t.Fatal(err)
		}
		ap = f.must(f.svc.Accept(f.ctx, f.op, ap.ID, ap.Version, ""))
		if n := f.notes(f.ch); !slices.Equal(n, []string{"appeal.notify.accepted"}) {
			t.Errorf("chamber heard %v", n)
		}
		if n := f.notes(f.e2); !slices.Equal(n, []string{"appeal.notify.created", "appeal.notify.accepted"}) {
			t.Errorf("enterprise heard %v", n)
		}
	})
}

func TestCanSee(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ap := f.dispatched()
		for _, c := range []struct {
			a    auth.Actor
			id   int64
			want bool
		}{{f.a1, ap.ID, true}, {f.c1, ap.ID, false}, {f.e1, ap.ID, true}, {f.e2, ap.ID, false}, {f.op, 999999, false}} {
			if got, err := f.svc.CanSee(f.ctx, c.a, c.id); got != c.want || err != nil {
				t.Errorf("%v on %d: %v %v", c.a.Roles, c.id, got, err)
			}
		}
	})
}
