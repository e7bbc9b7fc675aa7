package web

import (
	"strings"

	"yingshang/internal/auth"
)

// NavItem is one entry of the side navigation.
type NavItem struct {
	Key    string
	Href   string
	Active bool
}

type navEntry struct {
	key   string
	href  string
	roles []auth.Role
	perm  auth.Perm
}

// navigation lists every entry with who sees it; the route table still guards each page.
var navigation = []navEntry{
	{key: "nav.home", href: "/"},
	{key: "nav.enterprises", href: "/enterprises", roles: []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleLeader, auth.RoleChamber, auth.RoleBank, auth.RoleAnalyst, auth.RoleDepartment}},
	{key: "nav.orgs", href: "/orgs", roles: []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleAnalyst}},
	{key: "nav.chambers", href: "/chambers", roles: []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleLeader, auth.RoleChamber, auth.RoleAnalyst}},
	{key: "nav.people", href: "/people", roles: []auth.Role{auth.RoleAdmin, auth.RoleOperator}},
	{key: "nav.users", href: "/admin/users", perm: auth.PermUsersManage},
	{key: "nav.users", href: "/admin/users", perm: auth.PermRolesAssign},
	{key: "nav.tokens", href: "/admin/tokens", perm: auth.PermTokensManage},
	{key: "nav.policy", href: "/admin/policy", perm: auth.PermPolicyManage},
	{key: "nav.audit", href: "/audit", perm: auth.PermAuditRead},
	{key: "nav.account", href: "/account"},
}

func (s *Server) navFor(a auth.Actor, path string) []NavItem {
	var out []NavItem
	seen := map[string]bool{}
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
		active := path == e.href || (e.href != "/" && strings.HasPrefix(path, e.href+"/"))
		out = append(out, NavItem{Key: e.key, Href: e.href, Active: active})
	}
	return out
}

// hasRoute keeps the navigation honest: an entry shows only when its page exists.
func (s *Server) hasRoute(href string) bool {
	for _, rt := range s.routes {
		if rt.Method == "GET" && (rt.Pattern == href || (href == "/" && rt.Pattern == "/{$}")) {
			return true
		}
	}
	return false
}
