package auth

import (
	"slices"
	"strings"
)

// Org kinds, as in product.md's directory.
const (
	OrgFederation    = "federation"    // 工商联
	OrgGovernment    = "government"    // 政府部门
	OrgEnterprise    = "enterprise"    // 企业
	OrgChamber       = "chamber"       // 商会
	OrgBank          = "bank"          // 金融机构
	OrgUniversity    = "university"    // 高校/科研院所
	OrgCourt         = "court"         // 法院
	OrgProcuratorate = "procuratorate" // 检察院
	OrgPolice        = "police"        // 公安
	OrgMediation     = "mediation"     // 调解组织
	OrgLegal         = "legal"         // 法律服务机构
)

// OrgKinds in display order.
var OrgKinds = []string{OrgFederation, OrgGovernment, OrgEnterprise, OrgChamber, OrgBank, OrgUniversity,
	OrgCourt, OrgProcuratorate, OrgPolice, OrgMediation, OrgLegal}

// Actor is who acts: a user by session or token, the command line, or the system itself.
// Every service call takes one and applies its role and organisation scope.
type Actor struct {
	UserID   int64
	Username string
	Name     string
	OrgID    int64
	OrgKind  string
	OrgName  string
	Roles    []Role
	Lang     string
	IP       string
	// Via is "session", "token", "cli" or "system".
	Via string
	// Scopes limit a token ("read", "write", "appeals:write"…); nil for sessions.
	Scopes []string
	// SessionHash identifies the session (for logout and rotation).
	SessionHash string
}

// System is the actor of background work and migrations.
func System() Actor {
	return Actor{Username: "system", Name: "system", Via: "system"}
}

// CLI is the actor of a command-line administration command.
func CLI() Actor {
	return Actor{Username: "cli", Name: "cli", Via: "cli", Roles: []Role{RoleAdmin, RoleSecurity}}
}

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// HasAny reports whether the actor holds any of rs.
func (a Actor) HasAny(rs ...Role) bool {
	for _, r := range rs {
		if a.Has(r) {
			return true
		}
	}
	return false
}

// Can reports whether any of the actor's roles carries p.
func (a Actor) Can(p Perm) bool {
	for _, r := range a.Roles {
		if RoleHas(r, p) {
			return true
		}
	}
	return false
}

// IsSystem reports whether the actor is the system or the command line.
func (a Actor) IsSystem() bool { return a.Via == "system" || a.Via == "cli" }

// Authenticated reports whether the actor is a signed-in user or the system.
func (a Actor) Authenticated() bool { return a.UserID != 0 || a.IsSystem() }

// Privileged reports whether the actor holds a role that needs a second factor.
func (a Actor) Privileged(roles []Role) bool {
	for _, r := range roles {
		if a.Has(r) {
			return true
		}
	}
	return false
}

// ScopeAllows reports whether a token's scopes allow an action in area (e.g. "appeals")
// that writes or only reads. Sessions and the system are not limited by scopes.
func (a Actor) ScopeAllows(area string, write bool) bool {
	if a.Via != "token" {
		return true
	}
	for _, s := range a.Scopes {
		s = strings.TrimSpace(s)
		switch {
		case s == "write" || s == "*" || s == area+":write" || s == "*:write":
			return true
		case !write && (s == "read" || s == area+":read" || s == "*:read"):
			return true
		}
	}
	return false
}

// AuditID, AuditName and AuditIP let the audit log record the actor without importing auth.
func (a Actor) AuditID() int64 { return a.UserID }

// AuditName is the name recorded in the audit log.
func (a Actor) AuditName() string {
	if a.Username != "" {
		return a.Username
	}
	return a.Via
}

// AuditIP is the client address recorded in the audit log.
func (a Actor) AuditIP() string { return a.IP }
