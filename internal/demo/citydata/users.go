package citydata

import (
	"fmt"
	"slices"
)

// users creates a demo login for every role: the federation's own staff,
// one (or two) per department, one per leader, chamber, bank, mediation
// organisation, court and police unit, and ten enterprises.
func (b *builder) users() {
	c := b.c
	// postHolders lists, per organisation key, the people with a post there
	// in post order.
	postHolders := map[string][]string{}
	for _, p := range c.Posts {
		postHolders[p.Org.Key] = append(postHolders[p.Org.Key], p.Person)
	}
	add := func(name, person string, org OrgRef, roles ...Role) {
		c.Users = append(c.Users, User{Username: name, Person: person, Roles: roles, Org: org})
	}
	fic := OrgRef{KindDepartment, FederationKey}
	staff := postHolders[FederationKey] // 主席, 书记, 秘书长, then the users' people
	add("admin", staff[3], fic, RoleAdmin)
	add("security", staff[4], fic, RoleSecurity)
	add("auditor", staff[5], fic, RoleAuditor)
	add("operator1", staff[6], fic, RoleOperator, RoleAnalyst)
	add("operator2", staff[7], fic, RoleOperator)
	add("operator3", staff[8], fic, RoleOperator)
	add("analyst1", staff[9], fic, RoleAnalyst)

	for _, o := range c.Orgs {
		if len(o.Handles) == 0 {
			continue
		}
		for i, p := range postHolders[o.Key] {
			if o.Kind != KindDepartment && i > 0 {
				break
			}
			add(fmt.Sprintf("%s%d", o.Key, i+1), p, OrgRef{o.Kind, o.Key}, RoleDepartment)
		}
	}
	for i, l := range c.Leaders {
		kind := KindDepartment
		if o, ok := b.org(l.Office); ok {
			kind = o.Kind
		}
		add(fmt.Sprintf("leader%d", i+1), l.Person, OrgRef{kind, l.Office}, RoleLeader)
	}

	// Enterprises: five linked to a leader, five chamber members that are not.
	linked := map[string]bool{}
	var picks []string
	for _, l := range c.LeaderLinks {
		if l.Target.Kind == KindEnterprise {
			linked[l.Target.Key] = true
			if len(picks) < demoUserEnterprises/2 {
				picks = append(picks, l.Target.Key)
			}
		}
	}
	for _, m := range c.Memberships {
		if len(picks) < demoUserEnterprises && !linked[m.Enterprise] && !slices.Contains(picks, m.Enterprise) {
			picks = append(picks, m.Enterprise)
		}
	}
	for i, k := range picks {
		e := c.Enterprises[enterpriseIndex(k)]
		add(fmt.Sprintf("ent%d", i+1), e.Contact, OrgRef{KindEnterprise, k}, RoleEnterprise)
	}

	counters := map[Role]int{}
	for _, o := range c.Orgs {
		var role Role
		switch o.Kind {
		case KindChamber:
			role = RoleChamber
		case KindBank:
			role = RoleBank
		case KindMediation:
			role = RoleMediator
		case KindCourt:
			role = RoleCourt
		case KindPolice:
			role = RolePolice
		default:
			continue
		}
		holders := postHolders[o.Key]
		person := holders[0]
		switch {
		case o.Kind == KindMediation:
			person = b.mediationMediators[o.Key][0]
		case len(o.Handles) > 0:
			person = holders[1] // the first is the department user's person
		}
		counters[role]++
		add(fmt.Sprintf("%s%d", role, counters[role]), person, OrgRef{o.Kind, o.Key}, role)
	}
}

func (b *builder) org(k string) (Org, bool) {
	for _, o := range b.c.Orgs {
		if o.Key == k {
			return o, true
		}
	}
	return Org{}, false
}

// index builds the key lookups behind City.Org, City.Enterprise and
// City.Person.
func (b *builder) index() {
	c := b.c
	c.orgIndex = make(map[string]int, len(c.Orgs))
	for i, o := range c.Orgs {
		c.orgIndex[o.Key] = i
	}
	c.enterpriseIndex = make(map[string]int, len(c.Enterprises))
	for i, e := range c.Enterprises {
		c.enterpriseIndex[e.Key] = i
	}
	c.personIndex = make(map[string]int, len(c.People))
	for i, p := range c.People {
		c.personIndex[p.Key] = i
	}
}
