package liaison_test

import (
	"slices"
	"testing"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/liaison"
)

// The rules of a link: a leader with a profile, an enterprise or a chamber, an officer of
// the leader's office holding role leader, valid dates not in the future, and never two
// links of one pair sharing a day.
func TestLinkRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		l := f.link(f.leaderA, f.ent1, f.officer.UserID, "2024-01-15")
		if !l.Active() || l.OrgKind != auth.OrgEnterprise || l.LeaderTitle != "副市长" || l.OfficerID != f.officer.UserID {
			t.Fatalf("link %+v", l)
		}
		in := func(mod func(*liaison.LinkInput)) liaison.LinkInput {
			x := liaison.LinkInput{LeaderID: f.leaderA.UserID, OrgID: f.ent2, SinceOn: "2025-03-01"}
			mod(&x)
			return x
		}
		for _, c := range []struct {
			name  string
			in    liaison.LinkInput
			field string
			key   string
		}{
			{"the same pair again", in(func(x *liaison.LinkInput) { x.OrgID = f.ent1 }), "org_id", "liaison.error.link_active"},
			{"no leader", in(func(x *liaison.LinkInput) { x.LeaderID = 0 }), "leader_id", "error.required"},
			{"a leader without profile", in(func(x *liaison.LinkInput) { x.LeaderID = f.officer.UserID }), "leader_id", "liaison.error.leader_unknown"},
			{"a department", in(func(x *liaison.LinkInput) { x.OrgID = f.deptA }), "org_id", "liaison.error.org_kind"},
			{"an unknown name", in(func(x *liaison.LinkInput) { x.OrgID, x.OrgName = 0, "不存在的公司" }), "org_id", "liaison.error.org_unknown"},
			{"a bad date", in(func(x *liaison.LinkInput) { x.SinceOn = "2025-02-30" }), "since_on", "error.date"},
			{"no date", in(func(x *liaison.LinkInput) { x.SinceOn = "" }), "since_on", "error.required"},
			{"a future start", in(func(x *liaison.LinkInput) { x.SinceOn = "2026-03-03" }), "since_on", "liaison.error.future"},
			{"an end before the start", in(func(x *liaison.LinkInput) { x.UntilOn = "2025-01-01" }), "until_on", "liaison.error.until_before_since"},
			{"a future end", in(func(x *liaison.LinkInput) { x.UntilOn = "2026-12-31" }), "until_on", "liaison.error.future"},
			{"an officer of another office", in(func(x *liaison.LinkInput) { x.OfficerID = f.stranger.UserID }), "officer_id", "liaison.error.officer"},
			{"a leader as officer", in(func(x *liaison.LinkInput) { x.OfficerID = f.leaderB.UserID }), "officer_id", "liaison.error.officer"},
			{"the leader as own officer", in(func(x *liaison.LinkInput) { x.OfficerID = f.leaderA.UserID }), "officer_id", "liaison.error.officer"},
			{"an officer without role leader", in(func(x *liaison.LinkInput) { x.OfficerID = f.a1.UserID }), "officer_id", "liaison.error.officer"},
		} {
			if _, err := f.svc.CreateLink(f.ctx, f.op, c.in); !fieldErr(err, c.field, c.key) {
				t.Errorf("%s: %v, want %s on %s", c.name, err, c.key, c.field)
			}
		}
		// By name and by credit code; a chamber.
		if got, err := f.svc.CreateLink(f.ctx, f.op, liaison.LinkInput{LeaderID: f.leaderB.UserID, OrgName: "长沙市浙江商会", SinceOn: "2023-05-01"}); err != nil || got.OrgID != f.chamber || got.OrgKind != auth.OrgChamber {
			t.Errorf("chamber by name: %+v %v", got, err)
		}
		// Ending: not before the start, not twice, with the version.
		if _, err := f.svc.EndLink(f.ctx, f.op, l.ID, "2024-01-01", l.Version); !fieldErr(err, "until_on", "liaison.error.until_before_since") {
			t.Errorf("end before start: %v", err)
		}
		if _, err := f.svc.EndLink(f.ctx, f.op, l.ID, "2025-06-30", l.Version+1); !isErr(err, apperr.ErrConflict) {
			t.Errorf("stale version: %v", err)
		}
		if _, err := f.svc.EndLink(f.ctx, f.leaderA, l.ID, "", l.Version); !isErr(err, apperr.ErrForbidden) {
			t.Errorf("a leader ends own link: %v", err)
		}
		if _, err := f.svc.EndLink(f.ctx, f.leaderB, l.ID, "", l.Version); !isErr(err, apperr.ErrNotFound) {
			t.Errorf("another leader ends it: %v", err)
		}
		ended, err := f.svc.EndLink(f.ctx, f.op, l.ID, "2025-06-30", l.Version)
		if err != nil || ended.Active() || ended.UntilOn != "2025-06-30" {
			t.Fatalf("end: %+v %v", ended, err)
		}
		if _, err := f.svc.EndLink(f.ctx, f.op, l.ID, "", ended.Version); !fieldErr(err, "until_on", "liaison.error.link_ended") {
			t.Errorf("end twice: %v", err)
		}
		// A new link of the pair may start the day the old one ended, not before.
		if _, err := f.svc.CreateLink(f.ctx, f.op, liaison.LinkInput{LeaderID: f.leaderA.UserID, OrgID: f.ent1, SinceOn: "2025-06-29"}); !fieldErr(err, "org_id", "liaison.error.link_overlap") {
			t.Errorf("overlapping the ended link: %v", err)
		}
		again, err := f.svc.CreateLink(f.ctx, f.op, liaison.LinkInput{LeaderID: f.leaderA.UserID, OrgID: f.ent1, SinceOn: "2025-06-30"})
		if err != nil {
			t.Fatalf("relink: %v", err)
		}
		// Every change is in the audit log.
		if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'liaison_link.%'`); n != 4 {
			t.Errorf("%d link audit entries, want 4", n)
		}
		// The appeal loop asks who looks after ent1: leaderA (again linked) — the officer
		// was on the ended link only.
		ids, err := f.svc.LeadersFor(f.ctx, f.ent1)
		if err != nil || !slices.Equal(ids, []int64{f.leaderA.UserID}) {
			t.Errorf("LeadersFor(ent1) = %v %v", ids, err)
		}
		f.link(f.leaderA, f.ent2, f.officer.UserID, "2025-01-01")
		ids, _ = f.svc.LeadersFor(f.ctx, f.ent1)
		if !slices.Equal(ids, []int64{f.leaderA.UserID, f.officer.UserID}) {
			t.Errorf("with an officer on another link of the leader: LeadersFor(ent1) = %v", ids)
		}
		if ok, _ := f.svc.ActsFor(f.ctx, f.officer.UserID, f.leaderA.UserID); !ok {
			t.Error("the officer does not act for leaderA")
		}
		if ok, _ := f.svc.ActsFor(f.ctx, f.officer.UserID, f.leaderB.UserID); ok {
			t.Error("the officer acts for leaderB")
		}
		_ = again
	})
}

// Who sees which link: operators and administrators all, a leader and their officer the
// leader's, an enterprise or chamber its own, everyone else none; outside: NotFound.
func TestLinkScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		la := f.link(f.leaderA, f.ent1, f.officer.UserID, "2024-01-15")
		lb := f.link(f.leaderB, f.ent2, 0, "2024-01-15")
		lc := f.link(f.leaderB, f.chamber, 0, "2024-01-15")
		for _, c := range []struct {
			who  auth.Actor
			sees []int64
		}{
			{f.op, []int64{la.ID, lb.ID, lc.ID}},
			{f.admin, []int64{la.ID, lb.ID, lc.ID}},
			{f.leaderA, []int64{la.ID}},
			{f.officer, []int64{la.ID}},
			{f.leaderB, []int64{lb.ID, lc.ID}},
			{f.stranger, nil},
			{f.e1, []int64{la.ID}},
			{f.e2, []int64{lb.ID}},
			{f.ch, []int64{lc.ID}},
			{f.a1, nil},
			{f.ana, nil},
		} {
			got, total, err := f.svc.ListLinks(f.ctx, c.who, liaison.LinkFilter{Status: liaison.StatusAll})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, l := range got {
				ids = append(ids, l.ID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, c.sees) || total != len(c.sees) {
				t.Errorf("%s lists %v (total %d), want %v", c.who.Username, ids, total, c.sees)
			}
			for _, l := range []liaison.Link{la, lb, lc} {
				_, err := f.svc.GetLink(f.ctx, c.who, l.ID)
				if want := slices.Contains(c.sees, l.ID); (err == nil) != want || (!want && !isErr(err, apperr.ErrNotFound)) {
					t.Errorf("%s gets link %d: %v", c.who.Username, l.ID, err)
				}
			}
		}
		for _, a := range []auth.Actor{f.leaderA, f.e1, f.a1} {
			if _, err := f.svc.CreateLink(f.ctx, a, liaison.LinkInput{LeaderID: f.leaderA.UserID, OrgID: f.ent3, SinceOn: "2025-01-01"}); !isErr(err, apperr.ErrForbidden) {
				t.Errorf("%s creates a link: %v", a.Username, err)
			}
		}
		// Filters.
		if got, _, _ := f.svc.ListLinks(f.ctx, f.op, liaison.LinkFilter{Kind: auth.OrgChamber}); len(got) != 1 || got[0].ID != lc.ID {
			t.Errorf("chamber links %+v", got)
		}
		if got, _, _ := f.svc.ListLinks(f.ctx, f.op, liaison.LinkFilter{Q: "星城"}); len(got) != 1 || got[0].ID != lb.ID {
			t.Errorf("by name %+v", got)
		}
		if _, _, err := f.svc.ListLinks(f.ctx, f.op, liaison.LinkFilter{Status: "soon"}); !fieldErr(err, "status", "error.choice") {
			t.Errorf("bad status: %v", err)
		}
	})
}

// Leader profiles: the user must hold role leader; one profile per user; edits carry the
// version.
func TestLeaderProfiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		if _, err := f.svc.SaveLeader(f.ctx, f.op, liaison.LeaderInput{UserID: f.a1.UserID, Title: "局长"}); !fieldErr(err, "user_id", "liaison.error.not_leader_user") {
			t.Errorf("a department user as leader: %v", err)
		}
		if _, err := f.svc.SaveLeader(f.ctx, f.op, liaison.LeaderInput{UserID: f.leaderA.UserID, Title: "副市长"}); !fieldErr(err, "user_id", "liaison.error.leader_exists") {
			t.Errorf("twice: %v", err)
		}
		if _, err := f.svc.SaveLeader(f.ctx, f.op, liaison.LeaderInput{UserID: f.stranger.UserID}); !fieldErr(err, "title", "error.required") {
			t.Errorf("no title: %v", err)
		}
		if _, err := f.svc.SaveLeader(f.ctx, f.leaderA, liaison.LeaderInput{UserID: f.stranger.UserID, Title: "秘书长"}); !isErr(err, apperr.ErrForbidden) {
			t.Errorf("a leader saves a profile: %v", err)
		}
		l, err := f.svc.Leader(f.ctx, f.op, f.leaderA.UserID)
		if err != nil {
			t.Fatal(err)
		}
		l2, err := f.svc.SaveLeader(f.ctx, f.op, liaison.LeaderInput{UserID: l.UserID, Title: "市委常委、副市长", Version: l.Version})
		if err != nil || l2.Title != "市委常委、副市长" || l2.Version != l.Version+1 {
			t.Errorf("edit: %+v %v", l2, err)
		}
		if _, err := f.svc.SaveLeader(f.ctx, f.op, liaison.LeaderInput{UserID: l.UserID, Title: "x", Version: l.Version}); !isErr(err, apperr.ErrConflict) {
			t.Errorf("stale edit: %v", err)
		}
		cands, _ := f.svc.LeaderCandidates(f.ctx, f.op)
		var names []int64
		for _, c := range cands {
			names = append(names, c.ID)
		}
		if !slices.Equal(names, []int64{f.officer.UserID, f.stranger.UserID}) {
			t.Errorf("candidates %v, want the officer and the stranger", names)
		}
		offs, _ := f.svc.OfficerCandidates(f.ctx, f.op, f.leaderA.UserID)
		if len(offs) != 1 || offs[0].ID != f.officer.UserID {
			t.Errorf("officer candidates %+v", offs)
		}
		all, err := f.svc.Leaders(f.ctx, f.a1)
		if err != nil || len(all) != 2 || all[0].UserID != f.leaderA.UserID {
			t.Errorf("leaders %+v %v", all, err)
		}
		if _, err := f.svc.Leaders(f.ctx, f.e1); !isErr(err, apperr.ErrForbidden) {
			t.Errorf("an enterprise lists leaders: %v", err)
		}
	})
}
