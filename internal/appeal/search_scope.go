package appeal

import (
	"fmt"
	"strings"

	"yingshang/internal/auth"
)

// SearchScopeLimit bounds how many of an actor's newest appeals a narrowed search looks
// at (an enterprise has tens, a busy department tens of thousands a year).
const SearchScopeLimit = 20000

// SearchScope tells the search engine which appeals to look in for a: all (sqlText empty,
// ok true) for operators and the system, and for leaders, whose scope the liaison part
// decides (their hits are then filtered by Briefs); a subquery returning appeal ids for
// enterprises, chambers and departments (their newest SearchScopeLimit appeals); ok false
// when a may not search appeals at all. The subquery uses $1, $2 … for args.
//
// This only narrows: every hit still goes through Briefs, which applies the full rules.
func SearchScope(a auth.Actor) (sqlText string, args []any, ok bool) {
	if !a.ScopeAllows("appeals", false) {
		return "", nil, false
	}
	if a.IsSystem() || a.Has(auth.RoleOperator) || a.Has(auth.RoleLeader) {
		return "", nil, true
	}
	var parts []string
	add := func(q string, arg any) {
		args = append(args, arg)
		parts = append(parts, fmt.Sprintf("SELECT id FROM (%s) s%d", strings.Replace(q, "?", fmt.Sprintf("$%d", len(args)), 1), len(parts)))
	}
	if a.Has(auth.RoleDepartment) && a.OrgID != 0 {
		add(fmt.Sprintf(`SELECT appeal_id AS id FROM appeal_assignments WHERE org_id = ? ORDER BY dispatched_at DESC LIMIT %d`, SearchScopeLimit), a.OrgID)
	}
	if a.Has(auth.RoleEnterprise) && a.OrgID != 0 {
		add(fmt.Sprintf(`SELECT id FROM appeals WHERE enterprise_org_id = ? ORDER BY id DESC LIMIT %d`, SearchScopeLimit), a.OrgID)
	}
	if a.Has(auth.RoleChamber) && a.OrgID != 0 {
		add(fmt.Sprintf(`SELECT id FROM appeals WHERE chamber_org_id = ? ORDER BY id DESC LIMIT %d`, SearchScopeLimit), a.OrgID)
	}
	if len(parts) == 0 {
		return "", nil, false
	}
	return strings.Join(parts, " UNION ALL "), args, true
}
