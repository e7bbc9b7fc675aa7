package directory_test

import (
	"errors"
	"strconv"
	"testing"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/directory"
	"yingshang/internal/directory/directorytest"
)

func TestChamberMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ch := f.org(auth.OrgChamber, "长沙市湖北商会", 0)
		med := f.org(auth.OrgMediation, "长沙市湖北商会人民调解委员会", ch)
		var ents []int64
		for n := 1; n <= 6; n++ {
			ents = append(ents, f.enterprise(directorytest.Enterprise(n)))
		}
		op := actor(f.fic, auth.RoleOperator)
		posts := []string{"会员", "理事", "会长", "会员", "副会长", "member"} // names or codes
		var ms []int64
		for i, e := range ents {
			m, err := f.svc.AddMembership(ctx, op, directory.MembershipInput{ChamberID: ch, EnterpriseID: e, Post: posts[i], JoinedOn: "2021/3/" + strconv.Itoa(i+1)})
			if err != nil {
				t.Fatalf("add %d: %v", i, err)
			}
			ms = append(ms, m.ID)
		}
		// Refusals: a second current membership, a chamber that is not a chamber, a post
		// that does not exist, a future date, and a user who is not an editor.
		refusals := []struct {
			name  string
			a     auth.Actor
			in    directory.MembershipInput
			field string
		}{
			{"twice", op, directory.MembershipInput{ChamberID: ch, EnterpriseID: ents[0], Post: "会员", JoinedOn: "2022-01-01"}, "enterprise_id"},
			{"not a chamber", op, directory.MembershipInput{ChamberID: f.gov, EnterpriseID: ents[0], Post: "会员", JoinedOn: "2022-01-01"}, "chamber_id"},
			{"not an enterprise", op, directory.MembershipInput{ChamberID: ch, EnterpriseID: f.gov, Post: "会员", JoinedOn: "2022-01-01"}, "enterprise_id"},
			{"post", op, directory.MembershipInput{ChamberID: ch, EnterpriseID: ents[0], Post: "名誉主席", JoinedOn: "2022-01-01"}, "post"},
			{"future", op, directory.MembershipInput{ChamberID: ch, EnterpriseID: ents[0], Post: "会员", JoinedOn: "2027-01-01"}, "joined_on"},
		}
		for _, tt := range refusals {
			_, err := f.svc.AddMembership(ctx, tt.a, tt.in)
			fieldErr(t, err, tt.field)
		}
		if _, err := f.svc.AddMembership(ctx, actor(ch, auth.RoleChamber), directory.MembershipInput{ChamberID: ch, EnterpriseID: ents[0], Post: "会员", JoinedOn: "2022-01-01"}); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("chamber user adding: %v", err)
		}
		// Listed from the top post down; filter by post; paging.
		list, total, err := f.svc.ListMembers(ctx, op, directory.MemberFilter{ChamberID: ch})
		if err != nil || total != 6 || list[0].EnterpriseID != ents[2] || list[0].Post != directory.PostPresident || list[1].Post != directory.PostVicePresident {
			t.Fatalf("members: %d %+v %v", total, list, err)
		}
		if _, n, _ := f.svc.ListMembers(ctx, op, directory.MemberFilter{ChamberID: ch, Post: directory.PostMember}); n != 3 {
			t.Errorf("members with post member: %d", n)
		}
		page2, _, _ := f.svc.ListMembers(ctx, op, directory.MemberFilter{ChamberID: ch, Offset: 4, Limit: 4})
		c := directory.MemberCursor(list[3])
		walk, _, _ := f.svc.ListMembers(ctx, op, directory.MemberFilter{ChamberID: ch, After: &c, Limit: 4, NoCount: true})
		if len(page2) != 2 || len(walk) != 2 || page2[0].ID != walk[0].ID || page2[1].ID != walk[1].ID {
			t.Errorf("offset page %v, cursor page %v", page2, walk)
		}
		// Ending: once, not before joining, with the current version; audited.
		m, _ := f.svc.Membership(ctx, op, ms[0])
		if _, err := f.svc.EndMembership(ctx, op, ms[0], "2020-01-01", m.Version); err == nil {
			t.Error("ended before joining")
		}
		if _, err := f.svc.EndMembership(ctx, op, ms[0], "2025-06-30", m.Version+1); !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("stale version: %v", err)
		}
		ended, err := f.svc.EndMembership(ctx, op, ms[0], "2025-06-30", m.Version)
		if err != nil || ended.LeftOn != "2025-06-30" {
			t.Fatalf("end: %+v %v", ended, err)
		}
		if _, err := f.svc.EndMembership(ctx, op, ms[0], "2025-07-01", ended.Version); !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("ending twice: %v", err)
		}
		if f.auditCount("membership.end", strconv.FormatInt(ms[0], 10)) != 1 {
			t.Error("end not audited")
		}
		if _, n, _ := f.svc.ListMembers(ctx, op, directory.MemberFilter{ChamberID: ch}); n != 5 {
			t.Errorf("current members after one left: %d", n)
		}
		if _, n, _ := f.svc.ListMembers(ctx, op, directory.MemberFilter{ChamberID: ch, Status: "former"}); n != 1 {
			t.Errorf("former members: %d", n)
		}
		// A member may join again after leaving.
		if _, err := f.svc.AddMembership(ctx, op, directory.MembershipInput{ChamberID: ch, EnterpriseID: ents[0], Post: "会员", JoinedOn: "2026-01-01"}); err != nil {
			t.Errorf("rejoin: %v", err)
		}
		// The chamber's user sees its members; an enterprise user sees only itself in the list.
		if _, n, _ := f.svc.ListMembers(ctx, actor(ch, auth.RoleChamber), directory.MemberFilter{ChamberID: ch}); n != 6 {
			t.Errorf("chamber user sees %d members", n)
		}
		if l, n, _ := f.svc.ListMembers(ctx, actor(ents[1], auth.RoleEnterprise), directory.MemberFilter{ChamberID: ch}); n != 1 || l[0].EnterpriseID != ents[1] {
			t.Errorf("enterprise user sees %d members", n)
		}
		if _, _, err := f.svc.ListMembers(ctx, op, directory.MemberFilter{ChamberID: f.gov}); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("members of a department: %v", err)
		}
		// The chamber page's figures and mediation organisations.
		c1, err := f.svc.GetChamber(ctx, op, ch)
		if err != nil || c1.Members != 6 || c1.MediationOrgs != 1 {
			t.Errorf("chamber: %+v %v", c1, err)
		}
		meds, err := f.svc.MediationOrgs(ctx, op, ch)
		if err != nil || len(meds) != 1 || meds[0].ID != med {
			t.Errorf("mediation orgs: %v %v", meds, err)
		}
		if _, err := f.svc.CreateOrg(ctx, op, directory.OrgInput{Kind: auth.OrgMediation, Name: "某调解中心", ParentID: f.gov}); err == nil {
			t.Error("mediation organisation under a department")
		}
		chambers, total, err := f.svc.ListChambers(ctx, op, directory.ChamberFilter{Sort: "-members"})
		if err != nil || total != 1 || chambers[0].Members != 6 {
			t.Errorf("chambers: %v %d %v", chambers, total, err)
		}
		ofA, err := f.svc.MembershipsOf(ctx, actor(ents[0], auth.RoleEnterprise), ents[0])
		if err != nil || len(ofA) != 2 || !ofA[0].Current() || ofA[1].Current() {
			t.Errorf("memberships of A: %+v %v", ofA, err)
		}
		if _, err := f.svc.MembershipsOf(ctx, actor(ents[1], auth.RoleEnterprise), ents[0]); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("B reading A's memberships: %v", err)
		}
	})
}

func TestPeopleAndPosts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ent := f.enterprise(directorytest.Enterprise(1))
		other := f.enterprise(directorytest.Enterprise(2))
		ch := f.org(auth.OrgChamber, "长沙市湖北商会", 0)
		op := actor(f.fic, auth.RoleOperator)
		p, err := f.svc.CreatePerson(ctx, op, directory.PersonInput{Name: " 刘洋 ", Mobile: "13912345678", Gender: "female"})
		if err != nil || p.Name != "刘洋" {
			t.Fatalf("person: %+v %v", p, err)
		}
		for _, bad := range []directory.PersonInput{{Name: ""}, {Name: "张三", Mobile: "123"}, {Name: "张三", Gender: "x"}} {
			if _, err := f.svc.CreatePerson(ctx, op, bad); !errors.Is(err, apperr.ErrInvalid) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		// One person, posts in several organisations.
		for _, in := range []directory.PostInput{{PersonID: p.ID, OrgID: ent, Title: "董事长", SinceOn: "2015-01-01"}, {PersonID: p.ID, OrgID: ch, Title: "副会长", SinceOn: "2019-05-01"}} {
			if _, err := f.svc.AddPost(ctx, op, in); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.AddPost(ctx, op, directory.PostInput{PersonID: p.ID, OrgID: 999999, Title: "x"}); err == nil {
			t.Error("post in an unknown organisation")
		}
		posts, err := f.svc.PostsOf(ctx, op, p.ID)
		if err != nil || len(posts) != 2 {
			t.Fatalf("posts: %v %v", posts, err)
		}
		// Masked in lists; full with a recorded read for operators; masked for others in scope.
		list, _, err := f.svc.ListPeople(ctx, op, directory.PersonFilter{Q: "刘"})
		if err != nil || len(list) != 1 || list[0].Mobile != "139****5678" {
			t.Errorf("list: %+v %v", list, err)
		}
		if l, _, _ := f.svc.ListPeople(ctx, op, directory.PersonFilter{Q: "13912345678"}); len(l) != 1 {
			t.Errorf("search by mobile: %d", len(l))
		}
		full, err := f.svc.ReadPerson(ctx, op, p.ID)
		if err != nil || full.Mobile != "13912345678" || f.auditCount("person.read", strconv.FormatInt(p.ID, 10)) != 1 {
			t.Errorf("operator read: %+v %v", full, err)
		}
		own, err := f.svc.ReadPerson(ctx, actor(ent, auth.RoleEnterprise), p.ID)
		if err != nil || own.Mobile != "139****5678" {
			t.Errorf("enterprise user reading its chairman: %+v %v", own, err)
		}
		// Scope: another enterprise's user, and an analyst, do not see this person.
		for _, a := range []auth.Actor{actor(other, auth.RoleEnterprise), actor(f.fic, auth.RoleAnalyst), actor(f.fic, auth.RoleAuditor)} {
			if _, err := f.svc.GetPerson(ctx, a, p.ID); !errors.Is(err, apperr.ErrNotFound) {
				t.Errorf("%v sees the person: %v", a.Roles, err)
			}
		}
		// The chamber's user sees the person (a post in its chamber) but not the post in a
		// non-member enterprise.
		cp, err := f.svc.PostsOf(ctx, actor(ch, auth.RoleChamber), p.ID)
		if err != nil || len(cp) != 1 || cp[0].OrgID != ch {
			t.Errorf("chamber sees posts %+v %v", cp, err)
		}
		// Ending a post; editing with the version.
		ended, err := f.svc.EndPost(ctx, op, posts[0].ID, "2025-12-31")
		if err != nil || ended.UntilOn != "2025-12-31" {
			t.Errorf("end post: %+v %v", ended, err)
		}
		if _, err := f.svc.EndPost(ctx, op, posts[0].ID, "2025-12-31"); !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("end twice: %v", err)
		}
		if _, err := f.svc.UpdatePerson(ctx, op, p.ID, directory.PersonInput{Name: "刘洋", Mobile: "13912345679", Version: p.Version + 5}); !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("stale: %v", err)
		}
		if _, err := f.svc.UpdatePerson(ctx, actor(ent, auth.RoleEnterprise), p.ID, directory.PersonInput{Name: "x", Version: p.Version}); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("enterprise editing a person: %v", err)
		}
	})
}

// An organisation's page lists its posts to those who see the organisation, but each
// sees only the people its scope allows: the analyst none (docs/directory.md), a
// department the people of enterprises, a court those of its own organisation.
func TestOrgPostsKeepThePeopleScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ent := f.enterprise(directorytest.Enterprise(1))
		court := f.org(auth.OrgCourt, "长沙市中级人民法院", 0)
		op := actor(f.fic, auth.RoleOperator)
		for _, in := range []struct {
			name string
			org  int64
		}{{"刘洋", ent}, {"陈静", f.gov}, {"王芳", court}} {
			p, err := f.svc.CreatePerson(ctx, op, directory.PersonInput{Name: in.name})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.AddPost(ctx, op, directory.PostInput{PersonID: p.ID, OrgID: in.org, Title: "主任"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			who       auth.Actor
			org, want int64
		}{
			{op, ent, 1}, {op, f.gov, 1},
			{actor(f.fic, auth.RoleAnalyst), ent, 0}, {actor(f.fic, auth.RoleAnalyst), f.gov, 0},
			{actor(f.gov, auth.RoleDepartment), ent, 1}, {actor(f.gov, auth.RoleDepartment), f.gov, 1},
			{actor(f.gov, auth.RoleDepartment), court, 0},
			{actor(court, auth.RoleCourt), f.gov, 0}, {actor(court, auth.RoleCourt), court, 1},
			{actor(ent, auth.RoleEnterprise), f.gov, 0}, {actor(ent, auth.RoleEnterprise), ent, 1},
		} {
			ps, err := f.svc.OrgPosts(ctx, c.who, c.org, 100)
			if err != nil || int64(len(ps)) != c.want {
				t.Errorf("%v in org %d: %d posts (%v), want %d", c.who.Roles, c.org, len(ps), err, c.want)
			}
		}
	})
}
