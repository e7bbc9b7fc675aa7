package web

import (
	"net/url"
	"strconv"
	"strings"

	"yingshang/internal/auth"
	"yingshang/internal/directory"
)

// The directory (一企一档): enterprises, organisations by kind, chambers and their
// members, people and their posts. Scope and rules live in internal/directory; these
// handlers parse, call and render.

// enterpriseRoles reach the enterprise pages (the service narrows enterprise and chamber
// users to their own enterprise or members).
var enterpriseRoles = roles(auth.RoleAdmin, auth.RoleOperator, auth.RoleAnalyst, auth.RoleDepartment, auth.RoleLeader,
	auth.RoleBank, auth.RoleChamber, auth.RoleEnterprise)

// directoryRoles reach the organisation, chamber and people pages: everyone but the
// security and audit administrators, whose work is elsewhere (三员分立).
var directoryRoles = roles(auth.RoleAdmin, auth.RoleOperator, auth.RoleAnalyst, auth.RoleDepartment, auth.RoleLeader,
	auth.RoleBank, auth.RoleChamber, auth.RoleEnterprise, auth.RoleMediator, auth.RoleCourt, auth.RolePolice)

var directoryEdit = perm(auth.PermDirectoryEdit)

func (s *Server) directoryRoutes() []Route {
	return []Route{
		{"GET", "/enterprises", enterpriseRoles, s.enterpriseList},
		{"GET", "/enterprises/export.xlsx", enterpriseRoles, s.enterpriseExport},
		{"GET", "/enterprises/mine", roles(auth.RoleEnterprise), s.enterpriseMine},
		{"GET", "/enterprises/new", directoryEdit, s.enterpriseNew},
		{"POST", "/enterprises", directoryEdit, s.enterpriseCreate},
		{"GET", "/enterprises/import", directoryEdit, s.enterpriseImportPage},
		{"POST", "/enterprises/import", directoryEdit, s.enterpriseImport},
		{"GET", "/enterprises/import/template.xlsx", directoryEdit, s.enterpriseImportTemplate},
		{"GET", "/enterprises/{id}", enterpriseRoles, s.enterprisePage},
		{"GET", "/enterprises/{id}/edit", enterpriseRoles, s.enterpriseEdit},
		{"POST", "/enterprises/{id}", directoryEdit, s.enterpriseUpdate},
		{"POST", "/enterprises/{id}/contact", enterpriseRoles, s.enterpriseContact},

		{"GET", "/orgs", directoryRoles, s.orgList},
		{"GET", "/orgs/export.xlsx", directoryRoles, s.orgExport},
		{"GET", "/orgs/new", directoryEdit, s.orgNew},
		{"POST", "/orgs", directoryEdit, s.orgCreate},
		{"GET", "/orgs/{id}", directoryRoles, s.orgPage},
		{"GET", "/orgs/{id}/edit", directoryEdit, s.orgEdit},
		{"POST", "/orgs/{id}", directoryEdit, s.orgUpdate},

		{"GET", "/chambers", directoryRoles, s.chamberList},
		{"GET", "/chambers/export.xlsx", directoryRoles, s.chamberExport},
		{"GET", "/chambers/{id}", directoryRoles, s.chamberPage},
		{"GET", "/chambers/{id}/members.xlsx", directoryRoles, s.chamberMembersExport},
		{"POST", "/chambers/{id}/members", directoryEdit, s.chamberAddMember},
		{"POST", "/memberships/{id}/end", directoryEdit, s.membershipEnd},

		{"GET", "/people", directoryRoles, s.peopleList},
		{"GET", "/people/export.xlsx", directoryRoles, s.peopleExport},
		{"GET", "/people/new", directoryEdit, s.personNew},
		{"POST", "/people", directoryEdit, s.personCreate},
		{"GET", "/people/{id}", directoryRoles, s.personPage},
		{"GET", "/people/{id}/edit", directoryEdit, s.personEdit},
		{"POST", "/people/{id}", directoryEdit, s.personUpdate},
		{"POST", "/people/{id}/posts", directoryEdit, s.personAddPost},
		{"POST", "/posts/{id}/end", directoryEdit, s.postEnd},
	}
}

// Option is one choice of a select.
type Option struct {
	Value string
	Label string
}

// options translates codes with a catalog prefix ("industry." + "C").
func (s *Server) options(lang, prefix string, codes []string) []Option {
	out := make([]Option, len(codes))
	for i, c := range codes {
		out[i] = Option{Value: c, Label: s.Catalog.T(lang, prefix+c)}
	}
	return out
}

// industryOptions shows the section letter with its name (C 制造业).
func (s *Server) industryOptions(lang string) []Option {
	out := s.options(lang, "industry.", directory.Industries)
	for i := range out {
		out[i].Label = out[i].Value + " " + out[i].Label
	}
	return out
}

// SortLink is a clickable column header: its target and how it shows the current order.
type SortLink struct {
	Href  string
	Class string // sort-asc, sort-desc or ""
	Aria  string // ascending, descending or ""
}

// sortLink builds the header link for key given the current sort (e.g. "-capital"):
// clicking the sorted column reverses it; another column sorts ascending first, except
// columns in descFirst (figures people want biggest first).
func sortLink(q url.Values, current, key string, descFirst bool) SortLink {
	c := url.Values{}
	for k, v := range q {
		if k != "page" && k != "cursor" {
			c[k] = v
		}
	}
	var l SortLink
	next := key
	if descFirst {
		next = "-" + key
	}
	switch current {
	case key:
		l.Class, l.Aria, next = "sort-asc", "ascending", "-"+key
	case "-" + key:
		l.Class, l.Aria, next = "sort-desc", "descending", key
	}
	c.Set("sort", next)
	l.Href = "?" + c.Encode()
	return l
}

func queryInt(q url.Values, k string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(q.Get(k)), 10, 64)
	return n
}

// exportLimit bounds how many rows an export pages through at a time (keyset pages).
const exportBatch = 1000
