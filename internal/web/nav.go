package web

import (
	"net/http"
	"net/url"
	"strings"

	"yingshang/internal/auth"
)

// NavItem is one entry of the side navigation.
type NavItem struct {
	Key    string
	Href   string
	Active bool
	Count  int
	Alert  bool
}

// NavGroup is a titled group of entries.
type NavGroup struct {
	Key   string
	Items []NavItem
}

type navEntry struct {
	group string
	key   string
	href  string
	roles []auth.Role
	perm  auth.Perm
}

// navigation lists every entry with who sees it; the route table still guards each page,
// and an entry shows only when its page exists.
var navigation = []navEntry{
	{group: "", key: "nav.home", href: "/"},
	{group: "nav.group.appeals", key: "nav.appeals", href: "/appeals", roles: []auth.Role{auth.RoleOperator, auth.RoleDepartment, auth.RoleChamber, auth.RoleLeader}},
	{group: "nav.group.appeals", key: "appeal.queue.submitted", href: "/appeals?queue=submitted", roles: []auth.Role{auth.RoleOperator}},
	{group: "nav.group.appeals", key: "appeal.queue.accepted", href: "/appeals?queue=accepted", roles: []auth.Role{auth.RoleOperator}},
	{group: "nav.group.appeals", key: "appeal.queue.replied", href: "/appeals?queue=replied", roles: []auth.Role{auth.RoleOperator}},
	{group: "nav.group.appeals", key: "appeal.queue.dept_to_claim", href: "/appeals?queue=dept_to_claim", roles: []auth.Role{auth.RoleDepartment}},
	{group: "nav.group.appeals", key: "appeal.queue.dept_handling", href: "/appeals?queue=dept_handling", roles: []auth.Role{auth.RoleDepartment}},
	{group: "nav.group.appeals", key: "nav.appeals_overdue", href: "/appeals?queue=red", roles: []auth.Role{auth.RoleOperator}},
	{group: "nav.group.appeals", key: "nav.appeals_overdue", href: "/appeals?queue=dept_red", roles: []auth.Role{auth.RoleDepartment}},
	{group: "nav.group.appeals", key: "appeal.queue.leader", href: "/appeals?queue=leader", roles: []auth.Role{auth.RoleLeader}},
	{group: "nav.group.appeals", key: "nav.appeal_new", href: "/appeals/new", roles: []auth.Role{auth.RoleOperator, auth.RoleChamber, auth.RoleLeader}},
	{group: "nav.group.appeals", key: "nav.portal", href: "/portal", roles: []auth.Role{auth.RoleEnterprise}},
	{group: "nav.group.appeals", key: "nav.portal_new", href: "/portal/new", roles: []auth.Role{auth.RoleEnterprise}},
	{group: "nav.group.appeals", key: "nav.search", href: "/search", roles: []auth.Role{auth.RoleOperator, auth.RoleDepartment, auth.RoleChamber, auth.RoleLeader, auth.RoleEnterprise}},
	{group: "nav.group.appeals", key: "nav.kb", href: "/admin/kb", roles: []auth.Role{auth.RoleOperator, auth.RoleAdmin}},
	{group: "nav.group.directory", key: "nav.enterprises", href: "/enterprises", roles: []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleLeader, auth.RoleChamber, auth.RoleBank, auth.RoleAnalyst, auth.RoleDepartment}},
	{group: "nav.group.directory", key: "nav.my_enterprise", href: "/enterprises/mine", roles: []auth.Role{auth.RoleEnterprise}},
	{group: "nav.group.directory", key: "nav.chambers", href: "/chambers", roles: []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleLeader, auth.RoleChamber, auth.RoleAnalyst}},
	{group: "nav.group.directory", key: "nav.orgs", href: "/orgs", roles: []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleAnalyst}},
	{group: "nav.group.directory", key: "nav.people", href: "/people", roles: []auth.Role{auth.RoleAdmin, auth.RoleOperator}},
	{group: "nav.group.liaison", key: "nav.liaison_desk", href: "/liaison/desk", roles: []auth.Role{auth.RoleLeader}},
	{group: "nav.group.liaison", key: "nav.liaison_visits", href: "/liaison/visits", roles: []auth.Role{auth.RoleLeader, auth.RoleOperator, auth.RoleAdmin, auth.RoleDepartment, auth.RoleEnterprise, auth.RoleChamber}},
	{group: "nav.group.liaison", key: "nav.liaison_roundtables", href: "/liaison/roundtables", roles: []auth.Role{auth.RoleOperator, auth.RoleAdmin, auth.RoleDepartment, auth.RoleEnterprise, auth.RoleChamber}},
	{group: "nav.group.liaison", key: "nav.liaison_links", href: "/liaison/links", roles: []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleLeader}},
	{group: "nav.group.liaison", key: "nav.liaison_suggestions", href: "/liaison/suggestions", roles: []auth.Role{auth.RoleOperator, auth.RoleAnalyst, auth.RoleLeader}},
	{group: "nav.group.stats", key: "nav.stats_assessment", href: "/stats/assessment", roles: []auth.Role{auth.RoleOperator, auth.RoleAdmin, auth.RoleAnalyst, auth.RoleLeader, auth.RoleDepartment}},
	{group: "nav.group.stats", key: "nav.stats_hotspots", href: "/stats/hotspots", roles: []auth.Role{auth.RoleOperator, auth.RoleAdmin, auth.RoleAnalyst, auth.RoleLeader, auth.RoleDepartment}},
	{group: "nav.group.stats", key: "nav.stats_proactive", href: "/stats/proactive", roles: []auth.Role{auth.RoleOperator}},
	{group: "nav.group.admin", key: "nav.calendar", href: "/calendar", roles: []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleDepartment}},
	{group: "nav.group.admin", key: "nav.appeal_categories", href: "/admin/categories", perm: auth.PermSettingsManage},
	{group: "nav.group.admin", key: "nav.appeal_settings", href: "/admin/appeal-settings", perm: auth.PermSettingsManage},
	{group: "nav.group.admin", key: "nav.users", href: "/admin/users", perm: auth.PermUsersManage},
	{group: "nav.group.admin", key: "nav.users", href: "/admin/users", perm: auth.PermRolesAssign},
	{group: "nav.group.admin", key: "nav.tokens", href: "/admin/tokens", perm: auth.PermTokensManage},
	{group: "nav.group.admin", key: "nav.policy", href: "/admin/policy", perm: auth.PermPolicyManage},
	{group: "nav.group.admin", key: "nav.notify", href: "/admin/notify", perm: auth.PermSettingsManage},
	{group: "nav.group.admin", key: "nav.webhooks", href: "/admin/webhooks", perm: auth.PermSettingsManage},
	{group: "nav.group.admin", key: "nav.stats_settings", href: "/stats/settings", perm: auth.PermSettingsManage},
	{group: "nav.group.admin", key: "nav.audit", href: "/audit", perm: auth.PermAuditRead},
}

func (s *Server) navFor(r *http.Request, a auth.Actor) []NavGroup {
	var out []NavGroup
	seen := map[string]bool{}
	path, query := r.URL.Path, r.URL.Query()
	counts := s.navCounts(r, a)
	var items []*NavItem
	for _, e := range navigation {
		if seen[e.href] {
			continue
		}
		if len(e.roles) > 0 && !a.HasAny(e.roles...) {
			continue
		}
		if e.perm != "" && !a.Can(e.perm) {
			continue
		}
		if !s.hasRoute(e.href) {
			continue
		}
		seen[e.href] = true
		item := NavItem{Key: e.key, Href: e.href, Active: navActive(e.href, path, query)}
		if c, ok := counts[e.href]; ok {
			item.Count, item.Alert = c.Count, c.Alert
		}
		if n := len(out); n > 0 && out[n-1].Key == e.group {
			out[n-1].Items = append(out[n-1].Items, item)
		} else {
			out = append(out, NavGroup{Key: e.group, Items: []NavItem{item}})
		}
	}
	// An entry with a query (a queue), or of a page below, is more precise than the page.
	for gi := range out {
		for ii := range out[gi].Items {
			items = append(items, &out[gi].Items[ii])
		}
	}
	for _, it := range items {
		if !it.Active || strings.Contains(it.Href, "?") {
			continue
		}
		for _, o := range items {
			if o.Active && (strings.HasPrefix(o.Href, it.Href+"?") || strings.HasPrefix(o.Href, it.Href+"/")) {
				it.Active = false
			}
		}
	}
	return out
}

// navActive: a plain entry is active on its page and the pages below it; an entry with
// a query on its page with those parameters.
func navActive(href, path string, query url.Values) bool {
	base, raw, hasQuery := strings.Cut(href, "?")
	if !hasQuery {
		return path == href || (href != "/" && strings.HasPrefix(path, href+"/"))
	}
	if path != base {
		return false
	}
	want, _ := url.ParseQuery(raw)
	for k := range want {
		if query.Get(k) != want.Get(k) {
			return false
		}
	}
	return true
}

// hasRoute keeps the navigation honest: an entry shows only when its page exists.
func (s *Server) hasRoute(href string) bool {
	href, _, _ = strings.Cut(href, "?")
	for _, rt := range s.routes {
		if rt.Method == "GET" && (rt.Pattern == href || (href == "/" && rt.Pattern == "/{$}")) {
			return true
		}
	}
	return false
}
