package quality

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/demo/citydata"
	"yingshang/internal/directory"
	"yingshang/internal/liaison"
	"yingshang/internal/notify"
)

// anonymous is the pseudo-role of a request without credentials.
const anonymous auth.Role = "anonymous"

// matrixRoles are every role of product.md and nobody.
var matrixRoles = append(slices.Clone(auth.AllRoles), anonymous)

// marker is a distinctive text of a foreign object and the roles that product.md lets see
// it (docs/directory.md, docs/liaison.md, docs/statistics.md).
type marker struct {
	what, text string
	may        []auth.Role
}

// world is the demo city seen by one user of every role, plus a set of objects that
// belong to none of them: an enterprise that is no test user's, no member of the test
// chamber, no linked enterprise of the test leader; its appeal dispatched to another
// department; another leader's link and visit; a roundtable hosted by another
// department; a user of the foreign enterprise and their token; a webhook.
type world struct {
	e     *apptest.Env
	users map[auth.Role]string
	web   map[auth.Role]*apptest.Client
	api   map[auth.Role]*apptest.Client

	ent, chamber, dept, ownDept, person, post, membership int64
	user, token, webhook, link, visit, visitFile          int64
	roundtable, appealID, attachment, category, article   int64
	number                                                string
	markers                                               []marker
}

var (
	directoryReaders = []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleDepartment, auth.RoleLeader, auth.RoleBank, auth.RoleAnalyst}
	peopleReaders    = []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleDepartment, auth.RoleLeader, auth.RoleBank}
	operatorOnly     = []auth.Role{auth.RoleOperator}
	liaisonAll       = []auth.Role{auth.RoleAdmin, auth.RoleOperator}
)

func newWorld(t *testing.T, e *apptest.Env) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{e: e, users: map[auth.Role]string{
		auth.RoleAdmin: "admin", auth.RoleSecurity: "security", auth.RoleAuditor: "auditor", auth.RoleOperator: "operator1",
		auth.RoleDepartment: "gxj1", auth.RoleLeader: "leader1", auth.RoleEnterprise: "ent1", auth.RoleChamber: "chamber1",
		auth.RoleBank: "bank1", auth.RoleMediator: "mediator1", auth.RoleCourt: "court1", auth.RolePolice: "police1",
		auth.RoleAnalyst: "analyst1",
	}, web: map[auth.Role]*apptest.Client{}, api: map[auth.Role]*apptest.Client{}}
	for r, u := range w.users {
		if !slices.Contains(e.Actor(u).Roles, r) {
			t.Fatalf("demo user %s lacks role %s", u, r)
		}
	}
	city := e.Demo.City
	admin, op, ld2 := e.Actor("admin"), e.Actor("operator1"), e.Actor("leader2")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// The foreign enterprise: nobody's user organisation, in no chamber, linked to no leader.
	busy := map[string]bool{}
	for _, u := range city.Users {
		busy[u.Org.Key] = true
	}
	for _, m := range city.Memberships {
		busy[m.Enterprise] = true
	}
	for _, l := range city.LeaderLinks {
		busy[l.Target.Key] = true
	}
	var ent citydata.Enterprise
	for i := len(city.Enterprises) - 1; i >= 0; i-- {
		if !busy[city.Enterprises[i].Key] {
			ent = city.Enterprises[i]
			break
		}
	}
	w.ent = e.Demo.Orgs[ent.Key]
	w.dept, w.ownDept = e.Demo.Orgs["scjg"], e.Actor("gxj1").OrgID
	if w.ent == 0 || w.dept == 0 || w.dept == w.ownDept {
		t.Fatalf("fixture: enterprise %d dept %d own %d", w.ent, w.dept, w.ownDept)
	}
	// Another chamber than chamber1's, with the foreign enterprise as its member.
	own := e.Actor("chamber1").OrgID
	for _, o := range city.Orgs {
		if o.Kind == citydata.KindChamber && e.Demo.Orgs[o.Key] != own {
			w.chamber = e.Demo.Orgs[o.Key]
			break
		}
	}
	m, err := e.App.Directory.AddMembership(ctx, admin, directory.MembershipInput{ChamberID: w.chamber, EnterpriseID: w.ent, Post: "会员", JoinedOn: "2025-01-06"})
	must(err)
	w.membership = m.ID
	p, err := e.App.Directory.CreatePerson(ctx, admin, directory.PersonInput{Name: "MXPERSON甲", Mobile: "13900001111"})
	must(err)
	w.person = p.ID
	post, err := e.App.Directory.AddPost(ctx, admin, directory.PostInput{PersonID: p.ID, OrgID: w.ent, Title: "总经理"})
	must(err)
	w.post = post.ID

	cat, err := e.App.Appeal.CategoryByCode(ctx, op, "utilities.power")
	must(err)
	w.category = cat.ID
	ap, err := e.App.Appeal.Create(ctx, op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: cat.ID, Title: "MXAPPEAL厂房渗水",
		Body: "MXAPPEALBODY厂房屋顶渗水。", EnterpriseOrgID: w.ent, ContactName: "赵六", ContactPhone: "13800002222"})
	must(err)
	ap, err = e.App.Appeal.Accept(ctx, op, ap.ID, ap.Version, "")
	must(err)
	ap, err = e.App.Appeal.Dispatch(ctx, op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: w.dept})
	must(err)
	w.appealID, w.number = ap.ID, ap.Number
	att, err := e.App.Appeal.AddAttachment(ctx, op, ap.ID, "mx.txt", []byte("MXATTACH 附件内容\n"))
	must(err)
	w.attachment = att.ID
	art, err := e.App.Appeal.CreateArticle(ctx, op, appeal.ArticleInput{CategoryID: cat.ID, Title: "MXKB用电增容", Answer: "按流程办理。", Active: true})
	must(err)
	w.article = art.ID

	link, err := e.App.Liaison.CreateLink(ctx, admin, liaison.LinkInput{LeaderID: ld2.UserID, OrgID: w.ent, SinceOn: "2026-01-05"})
	must(err)
	w.link = link.ID
	v, err := e.App.Liaison.CreateVisit(ctx, ld2, liaison.VisitInput{LeaderID: ld2.UserID, Kind: liaison.KindVisit, VisitedOn: "2026-02-27",
		OrgIDs: []int64{w.ent}, Summary: "MXVISIT走访纪要。", Files: []liaison.FileInput{{Name: "mx.pdf", Data: []byte("%PDF-1.4\n%MXFILE\n")}}})
	must(err)
	w.visit = v.ID
	v, err = e.App.Liaison.GetVisit(ctx, ld2, v.ID)
	must(err)
	if len(v.Files) == 0 {
		t.Fatal("fixture: the visit has no file")
	}
	w.visitFile = v.Files[0].ID
	rt, err := e.App.Liaison.CreateRoundtable(ctx, op, liaison.RoundtableInput{Title: "MXROUND政企圆桌", HeldOn: "2026-02-26", Location: "市工商联",
		Topics: "用电", HostIDs: []int64{w.dept}, ParticipantIDs: []int64{w.ent}})
	must(err)
	w.roundtable = rt.ID

	u, err := e.App.Auth.CreateUser(ctx, admin, auth.NewUser{Username: "mxforeign", DisplayName: "MXUSER外企", OrgID: w.ent,
		Password: "Mx-Foreign@2026!", Roles: []auth.Role{auth.RoleEnterprise}})
	must(err)
	w.user = u.ID
	_, tok, err := e.App.Auth.CreateToken(ctx, auth.CLI(), u.ID, "mxtoken", []string{"read"}, time.Time{})
	must(err)
	w.token = tok.ID
	wh, _, err := e.App.Notify.CreateWebhook(ctx, admin, notify.WebhookInput{URL: "https://mxhook.example.com/in", Events: []string{"appeal.*"}})
	must(err)
	w.webhook = wh.ID

	w.markers = []marker{
		{"enterprise name", ent.Name, directoryReaders},
		{"credit code", ent.CreditCode, directoryReaders},
		{"person", "MXPERSON", peopleReaders},
		{"appeal title", "MXAPPEAL", operatorOnly},
		{"visit summary", "MXVISIT", liaisonAll},
		{"roundtable", "MXROUND", liaisonAll},
		{"user", "MXUSER", []auth.Role{auth.RoleAdmin, auth.RoleSecurity}},
		{"webhook", "mxhook.example.com", []auth.Role{auth.RoleAdmin}},
	}
	return w
}

// client returns the signed-in web client (cookies) or API client (bearer token) of role.
func (w *world) client(role auth.Role, api bool) *apptest.Client {
	m := w.web
	if api {
		m = w.api
	}
	if c, ok := m[role]; ok {
		return c
	}
	var c *apptest.Client
	switch {
	case role == anonymous:
		c = w.e.Client()
	case api:
		c = w.e.APIClient(w.users[role], "write")
	default:
		c = w.e.Client()
		pw := apptest.DemoPassword
		if role == auth.RoleAdmin {
			pw = apptest.AdminPassword
		}
		c.Login(w.users[role], pw)
		if r := c.Get("/"); r.Status != 200 {
			w.e.Server.Close()
			panic("login " + w.users[role] + " did not end on the home page")
		}
	}
	m[role] = c
	return c
}

// leaks names the markers in body that role may not see.
func (w *world) leaks(role auth.Role, path, body string) []string {
	var out []string
	for _, m := range w.markers {
		if slices.Contains(m.may, role) || m.text == "" {
			continue
		}
		// The auditor reads the audit log and every object's history: all data by design.
		if role == auth.RoleAuditor && (strings.HasPrefix(path, "/audit") || strings.HasPrefix(path, "/history/")) {
			continue
		}
		// The security administrator assigns roles: a user's record names its organisation.
		if role == auth.RoleSecurity && m.what == "enterprise name" && (strings.HasPrefix(path, "/admin/users") || strings.HasPrefix(path, "/api/v1/users")) {
			continue
		}
		if strings.Contains(body, m.text) {
			out = append(out, m.what)
		}
	}
	return out
}

// signInAll signs every role in, on the web and the API, before a test counts rows.
func (w *world) signInAll() {
	for _, r := range matrixRoles {
		w.client(r, false)
		w.client(r, true)
	}
}
