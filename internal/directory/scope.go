package directory

import (
	"strconv"

	"yingshang/internal/auth"
)

// Who sees what of the directory (product.md's role table):
//
//   - admin, operator, analyst, department, leader and bank users see every enterprise; the
//     analyst sees no personal data (contact phones stay masked, people are not listed);
//   - an enterprise user sees its own enterprise only;
//   - a chamber user sees its chamber's current member enterprises;
//   - security administrators, auditors, mediators, courts and police have no directory
//     view of enterprises (their own mechanisms show what they need).
//
// Organisations other than enterprises are public facts for every signed-in user.
// Everything outside the scope is "not found".

// directoryRoles see the whole enterprise directory.
var directoryRoles = []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleAnalyst, auth.RoleDepartment, auth.RoleLeader, auth.RoleBank}

// contactRoles read an enterprise's full contact data in its file (each read is audited).
var contactRoles = []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleDepartment, auth.RoleLeader, auth.RoleBank}

// peopleRoles see every person and read full mobile numbers (each read is audited).
var peopleRoles = []auth.Role{auth.RoleAdmin, auth.RoleOperator}

// SeesAllEnterprises reports whether the actor's scope is the whole enterprise directory.
func SeesAllEnterprises(a auth.Actor) bool { return a.IsSystem() || a.HasAny(directoryRoles...) }

// SeesEnterprises reports whether the actor sees any enterprise at all.
func SeesEnterprises(a auth.Actor) bool {
	return SeesAllEnterprises(a) || a.HasAny(auth.RoleEnterprise, auth.RoleChamber)
}

// sqlArgs builds $n placeholders as arguments are added.
type sqlArgs struct{ args []any }

func (s *sqlArgs) add(v any) string {
	s.args = append(s.args, v)
	return "$" + strconv.Itoa(len(s.args))
}

// enterpriseScope returns the SQL condition that limits col (an enterprise's org id) to
// the actor's scope: "" when the actor sees every enterprise, "1 = 0" when none.
func enterpriseScope(a auth.Actor, col string, q *sqlArgs) string {
	if SeesAllEnterprises(a) {
		return ""
	}
	var parts []string
	if a.Has(auth.RoleEnterprise) && a.OrgID > 0 {
		parts = append(parts, col+" = "+q.add(a.OrgID))
	}
	if a.Has(auth.RoleChamber) && a.OrgID > 0 {
		parts = append(parts, col+" IN (SELECT m.enterprise_id FROM memberships m WHERE m.chamber_id = "+q.add(a.OrgID)+" AND m.left_on = '')")
	}
	switch len(parts) {
	case 0:
		return "1 = 0"
	case 1:
		return parts[0]
	}
	return "(" + parts[0] + " OR " + parts[1] + ")"
}

// seesContact reports whether the actor reads enterprise id's full contact data: the
// contact roles, and the enterprise's own users and its chambers' users (who are in scope
// already when they get this far).
func seesContact(a auth.Actor) bool {
	return a.IsSystem() || a.HasAny(contactRoles...) || a.HasAny(auth.RoleEnterprise, auth.RoleChamber)
}

// seesAllPeople reports whether the actor sees every person with full mobile numbers.
func seesAllPeople(a auth.Actor) bool { return a.IsSystem() || a.HasAny(peopleRoles...) }

// peopleScope limits col (a person id) to people the actor may see: everyone for admin
// and operator; otherwise people holding a post in the actor's own organisation or in an
// enterprise within the actor's scope. Analysts see no people.
func peopleScope(a auth.Actor, col string, q *sqlArgs) string {
	if seesAllPeople(a) {
		return ""
	}
	if !a.Authenticated() || (a.Has(auth.RoleAnalyst) && !a.HasAny(auth.RoleDepartment, auth.RoleLeader, auth.RoleBank, auth.RoleEnterprise, auth.RoleChamber)) {
		return "1 = 0"
	}
	cond := "ps.org_id = " + q.add(a.OrgID)
	if SeesEnterprises(a) {
		ent := enterpriseScope(a, "ps.org_id", q)
		switch ent {
		case "":
			cond += " OR EXISTS (SELECT 1 FROM enterprises pe WHERE pe.org_id = ps.org_id)"
		case "1 = 0":
		default:
			cond += " OR " + ent
		}
	}
	return "EXISTS (SELECT 1 FROM posts ps WHERE ps.person_id = " + col + " AND (" + cond + "))"
}
