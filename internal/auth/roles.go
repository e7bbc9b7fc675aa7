// Package auth holds identity and access: users and their roles, the password and session
// policy that a 等保2.0 level-3 assessment checks, server-side sessions, TOTP second
// factors, API tokens, login throttling, and the Actor that every service call receives.
package auth

import (
	"slices"
	"sort"
)

// Role is what a user may do; scope comes from the user's organisation.
type Role string

// The roles of product.md.
const (
	RoleAdmin      Role = "admin"
	RoleSecurity   Role = "security"
	RoleAuditor    Role = "auditor"
	RoleOperator   Role = "operator"
	RoleDepartment Role = "department"
	RoleLeader     Role = "leader"
	RoleEnterprise Role = "enterprise"
	RoleChamber    Role = "chamber"
	RoleBank       Role = "bank"
	RoleMediator   Role = "mediator"
	RoleCourt      Role = "court"
	RolePolice     Role = "police"
	RoleAnalyst    Role = "analyst"
)

// AllRoles in display order.
var AllRoles = []Role{
	RoleAdmin, RoleSecurity, RoleAuditor, RoleOperator, RoleDepartment, RoleLeader,
	RoleEnterprise, RoleChamber, RoleBank, RoleMediator, RoleCourt, RolePolice, RoleAnalyst,
}

// separated are the three administrators of 三员分立: no user may hold two of them.
var separated = []Role{RoleAdmin, RoleSecurity, RoleAuditor}

// ValidRole reports whether r is a known role.
func ValidRole(r Role) bool { return slices.Contains(AllRoles, r) }

// SeparationViolation returns the two separated roles that roles holds together, if any.
func SeparationViolation(roles []Role) (Role, Role, bool) {
	var held []Role
	for _, r := range separated {
		if slices.Contains(roles, r) {
			held = append(held, r)
		}
	}
	if len(held) >= 2 {
		return held[0], held[1], true
	}
	return "", "", false
}

// NormalizeRoles sorts roles in display order and drops duplicates.
func NormalizeRoles(roles []Role) []Role {
	out := make([]Role, 0, len(roles))
	for _, r := range roles {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return slices.Index(AllRoles, out[i]) < slices.Index(AllRoles, out[j])
	})
	return out
}

// Perm names an action on the administrative surfaces. Domain services decide their own
// rules from roles and scope; these are the ones the shell and the admin pages need.
type Perm string

// Permissions.
const (
	PermUsersManage    Perm = "users.manage"    // create and edit users, reset passwords
	PermRolesAssign    Perm = "roles.assign"    // grant and revoke roles
	PermTokensManage   Perm = "tokens.manage"   // API tokens of any user
	PermPolicyManage   Perm = "policy.manage"   // password and session policy
	PermAuditRead      Perm = "audit.read"      // the audit log and its export
	PermSettingsManage Perm = "settings.manage" // calendar, categories, directory imports
	PermDirectoryEdit  Perm = "directory.edit"  // organisations, enterprises, people
	PermHistoryRead    Perm = "history.read"    // an object's audit history on its page
)

// perms is the role → permission table, readable at a glance. The auditor reads the log
// and nothing else; the security administrator cannot erase what the admin did.
var perms = map[Role][]Perm{
	RoleAdmin:    {PermUsersManage, PermSettingsManage, PermDirectoryEdit},
	RoleSecurity: {PermRolesAssign, PermTokensManage, PermPolicyManage},
	RoleAuditor:  {PermAuditRead, PermHistoryRead},
	RoleOperator: {PermDirectoryEdit, PermHistoryRead},
}

// RoleHas reports whether role r carries permission p.
func RoleHas(r Role, p Perm) bool { return slices.Contains(perms[r], p) }

// PrivilegedRoles need a second factor by default (product.md, compliance).
var PrivilegedRoles = []Role{RoleAdmin, RoleSecurity, RoleAuditor, RoleOperator}
