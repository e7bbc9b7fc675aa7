package web

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/directory"
	"yingshang/internal/i18n"
	"yingshang/internal/liaison"
)

// Leader liaison (市领导联系民营企业和商会), visits, roundtables and suggestions. The rules
// live in internal/liaison; these handlers parse, call and render.

var (
	liaisonManage     = roles(auth.RoleAdmin, auth.RoleOperator)
	liaisonLinkRoles  = roles(auth.RoleAdmin, auth.RoleOperator, auth.RoleLeader)
	liaisonVisitRoles = roles(auth.RoleAdmin, auth.RoleOperator, auth.RoleLeader, auth.RoleDepartment, auth.RoleEnterprise, auth.RoleChamber)
	liaisonRecord     = roles(auth.RoleOperator, auth.RoleLeader)
	liaisonTableRoles = roles(auth.RoleAdmin, auth.RoleOperator, auth.RoleDepartment, auth.RoleEnterprise, auth.RoleChamber)
)

func (s *Server) liaisonRoutes() []Route {
	if s.Liaison == nil {
		return nil
	}
	return []Route{
		{"GET", "/liaison/desk", roles(auth.RoleLeader), s.liaisonDesk},
		{"GET", "/liaison/desk/summary.xlsx", roles(auth.RoleLeader), s.liaisonDeskExport},
		{"POST", "/liaison/desk/supervise", roles(auth.RoleLeader), s.liaisonSupervise},

		{"GET", "/liaison/links", liaisonLinkRoles, s.liaisonLinks},
		{"GET", "/liaison/links/export.xlsx", liaisonLinkRoles, s.liaisonLinksExport},
		{"GET", "/liaison/links/new", liaisonManage, s.liaisonLinkNew},
		{"POST", "/liaison/links", liaisonManage, s.liaisonLinkCreate},
		{"POST", "/liaison/links/{id}/end", liaisonManage, s.liaisonLinkEnd},
		{"GET", "/liaison/links/import", liaisonManage, s.liaisonImportPage},
		{"POST", "/liaison/links/import", liaisonManage, s.liaisonImport},
		{"GET", "/liaison/links/import/template.xlsx", liaisonManage, s.liaisonImportTemplate},
		{"GET", "/liaison/leaders", liaisonManage, s.liaisonLeaders},
		{"POST", "/liaison/leaders", liaisonManage, s.liaisonLeaderSave},

		{"GET", "/liaison/visits", liaisonVisitRoles, s.liaisonVisits},
		{"GET", "/liaison/visits/new", liaisonRecord, s.liaisonVisitNew},
		{"GET", "/liaison/problem-row", liaisonRecord, s.liaisonProblemRow},
		{"POST", "/liaison/visits", liaisonRecord, s.liaisonVisitCreate},
		{"GET", "/liaison/visits/{id}", liaisonVisitRoles, s.liaisonVisit},
		{"POST", "/liaison/visits/{id}/files", liaisonRecord, s.liaisonVisitFiles},
		{"GET", "/liaison/files/{id}", liaisonVisitRoles, s.liaisonFile},

		{"GET", "/liaison/roundtables", liaisonTableRoles, s.liaisonRoundtables},
		{"GET", "/liaison/roundtables/new", roles(auth.RoleOperator), s.liaisonRoundtableNew},
		{"POST", "/liaison/roundtables", roles(auth.RoleOperator), s.liaisonRoundtableCreate},
		{"GET", "/liaison/roundtables/{id}", liaisonTableRoles, s.liaisonRoundtable},
		{"GET", "/liaison/roundtables/{id}/report", liaisonTableRoles, s.liaisonRoundtableReport},
		{"POST", "/liaison/roundtables/{id}/issues", roles(auth.RoleOperator), s.liaisonRoundtableIssues},

		{"GET", "/liaison/suggestions", roles(auth.RoleOperator, auth.RoleAnalyst, auth.RoleLeader), s.liaisonSuggestions},
	}
}

// WithLiaison adds the liaison part to the interface's dependencies: the service, the
// enterprise file's "联系领导与走访" section and the leaders' home card.
func WithLiaison(d *Deps, svc *liaison.Service) {
	d.Liaison = svc
	d.EnterpriseSections = append(d.EnterpriseSections, func(r *http.Request, a auth.Actor, id int64) (Section, bool) {
		f, err := svc.EnterpriseFile(r.Context(), a, id)
		if err != nil || f.Empty() {
			return Section{}, false
		}
		sec := Section{Key: "liaison", Template: "liaison/enterprise_section", Data: f, Count: len(f.Visits)}
		if len(f.Visits) > 0 {
			sec.MoreHref = "/liaison/visits?org=" + strconv.FormatInt(id, 10)
		}
		return sec, true
	})
	d.HomeCards = append(d.HomeCards, func(r *http.Request, a auth.Actor) []HomeCard {
		if !a.Has(auth.RoleLeader) {
			return nil
		}
		mine, err := svc.ActingFor(r.Context(), a)
		if err != nil || len(mine) == 0 {
			return nil
		}
		_, n, err := svc.ListLinks(r.Context(), a, liaison.LinkFilter{LeaderID: mine[0], Limit: 1})
		if err != nil {
			return nil
		}
		return []HomeCard{{TitleKey: "liaison.home.links", Value: i18n.Number(int64(n)), Href: "/liaison/desk", NoteKey: "liaison.home.links_note"}}
	})
}

// problemIndexRE reads problems[3].title.
var problemIndexRE = regexp.MustCompile(`^problems\[(\d{1,2})\]\.([a-z_]+)$`)

// problemBlocks is how many problem blocks a form shows at first.
const problemBlocks = 2

// problemForm is one block of a problem form.
type problemForm struct {
	I    int
	Name func(field string) string
}

func problemFields(n int) []problemForm {
	out := make([]problemForm, n)
	for i := range out {
		i := i
		out[i] = problemForm{I: i, Name: func(f string) string { return "problems[" + strconv.Itoa(i) + "]." + f }}
	}
	return out
}

// problemCount is how many blocks a submitted form had (at least problemBlocks).
func problemCount(v url.Values) int {
	n := problemBlocks
	for k := range v {
		if m := problemIndexRE.FindStringSubmatch(k); m != nil {
			if i, _ := strconv.Atoi(m[1]); i+1 > n && i < liaison.MaxProblems {
				n = i + 1
			}
		}
	}
	return n
}

// parseProblems reads the problem blocks of a form; blank blocks (no title, no text) are
// left out. at[k] is the block of the k-th problem, for putting errors back by the block.
func parseProblems(v url.Values) (ps []liaison.ProblemInput, at []int) {
	for i := 0; i < problemCount(v); i++ {
		get := func(f string) string { return strings.TrimSpace(v.Get("problems[" + strconv.Itoa(i) + "]." + f)) }
		if get("title") == "" && get("body") == "" {
			continue
		}
		ps = append(ps, liaison.ProblemInput{OrgID: formInt(v, "problems["+strconv.Itoa(i)+"].org_id"),
			EnterpriseName: get("enterprise_name"), DistrictCode: get("district_code"), Kind: appeal.Kind(get("kind")),
			CategoryID: formInt(v, "problems["+strconv.Itoa(i)+"].category_id"), Title: get("title"), Body: get("body"),
			Priority: appeal.Priority(get("priority")), ContactName: get("contact_name"), ContactPhone: get("contact_phone"),
			DeptID: formInt(v, "problems["+strconv.Itoa(i)+"].dept_id")})
		at = append(at, i)
	}
	return ps, at
}

// reindexErrors renames problems[k].x field errors to the form block they came from.
func reindexErrors(err error, at []int) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	c := *e
	c.Fields = slices.Clone(e.Fields)
	for i, fe := range c.Fields {
		if m := problemIndexRE.FindStringSubmatch(fe.Field); m != nil {
			if k, _ := strconv.Atoi(m[1]); k < len(at) {
				c.Fields[i].Field = "problems[" + strconv.Itoa(at[k]) + "]." + m[2]
			}
		}
	}
	return &c
}

// formIDs reads a multi-valued id field.
func formIDs(v url.Values, k string) []int64 {
	var out []int64
	for _, s := range v[k] {
		if id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

// lines splits a textarea into its non-blank lines (also on Chinese and Latin commas).
func lines(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == '，' || r == ',' || r == '、' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// problemOptions are the choices a problem block offers.
type problemOptions struct {
	Enterprises []Option
	// DefaultOrg is chosen when the meeting had one enterprise and no chamber; otherwise
	// OrgBlank names the empty choice (choose one, or type one below).
	DefaultOrg string
	OrgBlank   string
	Typed      bool // a chamber takes part: an enterprise may be typed
	Kinds      []Option
	Categories []Option
	Priorities []Option
	Districts  []Option
	Depts      []Option // roundtables: the department to dispatch to
}

func (s *Server) problemOptions(r *http.Request, orgs []liaison.OrgRef, withDepts bool) problemOptions {
	lang := langOf(r)
	var o problemOptions
	for _, g := range orgs {
		if g.Kind == auth.OrgEnterprise {
			o.Enterprises = append(o.Enterprises, Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name})
		} else {
			o.Typed = true
		}
	}
	switch {
	case o.Typed:
		o.OrgBlank = "liaison.problem.typed_enterprise"
	case len(o.Enterprises) == 1:
		o.DefaultOrg = o.Enterprises[0].Value
	default:
		o.OrgBlank = "liaison.choose"
	}
	for _, k := range appeal.Kinds {
		o.Kinds = append(o.Kinds, Option{Value: string(k), Label: s.Catalog.T(lang, "appeal.kind."+string(k))})
	}
	if cats, err := s.Liaison.Categories(r.Context(), actorOf(r)); err == nil {
		for _, c := range cats {
			label := c.Name
			if lang == "en" && c.NameEN != "" {
				label = c.NameEN
			}
			if c.ParentID != 0 {
				label = "　" + label
			}
			o.Categories = append(o.Categories, Option{Value: strconv.FormatInt(c.ID, 10), Label: label})
		}
	}
	for _, p := range appeal.Priorities {
		o.Priorities = append(o.Priorities, Option{Value: string(p), Label: s.Catalog.T(lang, "appeal.priority."+string(p))})
	}
	if o.Typed {
		if ds, err := s.Liaison.Districts(r.Context()); err == nil {
			for _, d := range ds {
				o.Districts = append(o.Districts, Option{Value: d.Code, Label: s.Catalog.T(lang, "district."+d.Code)})
			}
		}
	}
	if withDepts {
		o.Depts = s.departmentOptions(r)
	}
	return o
}

// departmentOptions are the government departments (and the federation), by name.
func (s *Server) departmentOptions(r *http.Request) []Option {
	orgs, _, err := s.Directory.ListOrgs(r.Context(), actorOf(r), directory.OrgFilter{Kinds: []string{auth.OrgGovernment, auth.OrgFederation}, Sort: "name", Limit: 500})
	if err != nil {
		return nil
	}
	out := make([]Option, len(orgs))
	for i, o := range orgs {
		out[i] = Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name}
	}
	return out
}

// leaderOptions are the leaders the actor may record for: every leader for operators,
// those the actor acts for otherwise.
func (s *Server) leaderOptions(r *http.Request) ([]Option, error) {
	a := actorOf(r)
	all, err := s.Liaison.Leaders(r.Context(), a)
	if err != nil {
		return nil, err
	}
	var allowed []int64
	if !a.Has(auth.RoleOperator) {
		if allowed, err = s.Liaison.ActingFor(r.Context(), a); err != nil {
			return nil, err
		}
	}
	var out []Option
	for _, l := range all {
		if allowed == nil || slices.Contains(allowed, l.UserID) {
			out = append(out, Option{Value: strconv.FormatInt(l.UserID, 10), Label: l.Label()})
		}
	}
	if !a.Has(auth.RoleOperator) {
		// The leader themself first, as ActingFor orders them.
		sort.SliceStable(out, func(i, j int) bool {
			return slices.Index(allowed, mustID(out[i].Value)) < slices.Index(allowed, mustID(out[j].Value))
		})
	}
	return out, nil
}

func mustID(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// slaClass is the row class of an appeal on the desk: overdue or warned.
func slaClass(b appeal.Brief, now time.Time) string {
	switch {
	case liaison.Overdue(b, now):
		return "is-overdue"
	case b.SLALevel == "yellow":
		return "is-warning"
	}
	return ""
}

// liaisonLevel is the colour shown for an appeal now: red once overdue (even before the
// sweep comes by), else the stored colour.
func liaisonLevel(b appeal.Brief, now time.Time) string {
	if liaison.Overdue(b, now) {
		return "red"
	}
	return string(b.SLALevel)
}
