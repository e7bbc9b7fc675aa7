package appeal

import (
	"fmt"
	"strings"

	"yingshang/internal/auth"
)

// SearchScopeRows bounds how many of an enterprise's or a chamber's newest appeals a
// search reads (an enterprise files tens a year; the biggest chamber hundreds).
const SearchScopeRows = 5000

// SearchScopeDeptRows bounds a department's search to the appeals most recently
// dispatched to it (a busy department gets thousands a month; its handlers look for
// current work).
const SearchScopeDeptRows = 3000

// ScopeMode says how a search finds the appeals an actor may see.
type ScopeMode int

const (
	// ScopeNone: the actor may not search appeals.
	ScopeNone ScopeMode = iota
	// ScopeAll: every appeal (operators, the system).
	ScopeAll
	// ScopeFilter: the index's matches, kept where Briefs lets the actor see them
	// (leaders, whose scope the liaison part decides).
	ScopeFilter
	// ScopeRows: the appeals a subquery names, few enough to read and match one by one
	// (enterprises, chambers, and a department's most recent ones). A full-text index answers "which of a million appeals
	// hold 企业" fast, but not "which of these 400 do": it would read the word's whole
	// posting list.
	ScopeRows
)

// SearchScope tells the search engine how to look for a's appeals. For ScopeRows sqlText
// is a subquery of appeal ids (its $1, $2 … are args), newest first, at most
// SearchScopeRows of them. Whatever the mode, every hit still goes through Briefs, which
// applies the full access rules.
func SearchScope(a auth.Actor) (mode ScopeMode, sqlText string, args []any) {
	if !a.ScopeAllows("appeals", false) {
		return ScopeNone, "", nil
	}
	if a.IsSystem() || a.Has(auth.RoleOperator) {
		return ScopeAll, "", nil
	}
	if a.Has(auth.RoleLeader) {
		return ScopeFilter, "", nil
	}
	var parts []string
	add := func(q string) {
		args = append(args, a.OrgID)
		parts = append(parts, fmt.Sprintf("SELECT id FROM (%s) s%d", strings.Replace(q, "?", fmt.Sprintf("$%d", len(args)), 1), len(parts)))
	}
	if a.Has(auth.RoleDepartment) && a.OrgID != 0 {
		add(fmt.Sprintf("SELECT appeal_id AS id FROM appeal_assignments WHERE org_id = ? ORDER BY dispatched_at DESC LIMIT %d", SearchScopeDeptRows))
	}
	if a.Has(auth.RoleEnterprise) && a.OrgID != 0 {
		add(fmt.Sprintf("SELECT id FROM appeals WHERE enterprise_org_id = ? ORDER BY id DESC LIMIT %d", SearchScopeRows))
	}
	if a.Has(auth.RoleChamber) && a.OrgID != 0 {
		add(fmt.Sprintf("SELECT id FROM appeals WHERE chamber_org_id = ? ORDER BY id DESC LIMIT %d", SearchScopeRows))
	}
	if len(parts) == 0 {
		return ScopeNone, "", nil
	}
	return ScopeRows, strings.Join(parts, " UNION ALL "), args
}

// SearchScopeEnterprise reports whether a's search scope (SearchScope) is exactly the
// appeals of one enterprise, and which: a user of an enterprise with no role that widens
// what it searches. The search engine can then read the enterprise's copies in the index
// (internal/search, copies.go) instead of matching its appeals one by one.
func SearchScopeEnterprise(a auth.Actor) (orgID int64, ok bool) {
	if !a.ScopeAllows("appeals", false) || a.IsSystem() || a.OrgID == 0 || !a.Has(auth.RoleEnterprise) {
		return 0, false
	}
	if a.HasAny(auth.RoleOperator, auth.RoleLeader, auth.RoleDepartment, auth.RoleChamber) {
		return 0, false
	}
	return a.OrgID, true
}
