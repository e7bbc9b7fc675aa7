package citydata

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"

	"yingshang/internal/directory/creditcode"
)

func cityHash(t testing.TB, c *City) string {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// standardCity is the default demo city, built once for the tests that
// look at it from many sides.
var standardCity = sync.OnceValue(func() *City { return Build(1, DefaultEnterprises) })

func TestDeterministic(t *testing.T) {
	a, b := cityHash(t, Build(42, DefaultEnterprises)), cityHash(t, Build(42, DefaultEnterprises))
	if a != b {
		t.Fatalf("same seed, different cities: %s != %s", a, b)
	}
	if c := cityHash(t, Build(43, DefaultEnterprises)); c == a {
		t.Fatal("different seeds, same city")
	}
}

// TestStableAcrossSizes: organisations, staff and leaders do not depend on
// the number of enterprises, and a bigger city starts with the smaller one's
// enterprises.
func TestStableAcrossSizes(t *testing.T) {
	small, big := Build(7, MinEnterprises), Build(7, 3*MinEnterprises)
	if !slices.EqualFunc(small.Orgs, big.Orgs, orgEqual) {
		t.Error("organisations differ between city sizes")
	}
	if !slices.Equal(small.Leaders, big.Leaders) {
		t.Error("leaders differ between city sizes")
	}
	if !slices.Equal(small.Enterprises, big.Enterprises[:len(small.Enterprises)]) {
		t.Error("the bigger city does not start with the smaller one's enterprises")
	}
	staff := slices.IndexFunc(small.People, func(p Person) bool { return p.Key == small.Enterprises[0].LegalRep })
	if !slices.Equal(small.People[:staff], big.People[:staff]) {
		t.Error("staff and leaders differ between city sizes")
	}
	for _, l := range small.LeaderLinks {
		if l.Target.Kind == KindChamber && !slices.Contains(big.LeaderLinks, l) {
			t.Errorf("chamber link %v missing from the bigger city", l)
		}
	}
}

func orgEqual(a, b Org) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestMinimumSize(t *testing.T) {
	if got := len(Build(1, 10).Enterprises); got != MinEnterprises {
		t.Errorf("Build(1, 10) has %d enterprises, want %d", got, MinEnterprises)
	}
}

func TestCounts(t *testing.T) {
	c := standardCity()
	wantDistricts := []string{"430102", "430103", "430104", "430105", "430111", "430112", "430121", "430181", "430182"}
	var codes []string
	for _, d := range c.Districts {
		codes = append(codes, d.Code)
	}
	if !slices.Equal(codes, wantDistricts) {
		t.Errorf("districts = %v, want %v", codes, wantDistricts)
	}
	if len(c.Enterprises) != DefaultEnterprises {
		t.Errorf("%d enterprises, want %d", len(c.Enterprises), DefaultEnterprises)
	}
	if len(c.Leaders) != LeaderCount {
		t.Errorf("%d leaders, want %d", len(c.Leaders), LeaderCount)
	}
	linked := map[OrgKind]map[string]bool{KindEnterprise: {}, KindChamber: {}}
	perLeader := map[string]int{}
	for _, l := range c.LeaderLinks {
		if linked[l.Target.Kind][l.Target.Key] {
			t.Errorf("%v linked twice", l.Target)
		}
		linked[l.Target.Kind][l.Target.Key] = true
		perLeader[l.Leader]++
	}
	if n := len(linked[KindEnterprise]); n != LinkedEnterpriseCount {
		t.Errorf("%d linked enterprises, want %d", n, LinkedEnterpriseCount)
	}
	if n := len(linked[KindChamber]); n != LinkedChamberCount {
		t.Errorf("%d linked chambers, want %d", n, LinkedChamberCount)
	}
	if len(perLeader) != LeaderCount {
		t.Errorf("%d leaders have links, want all %d", len(perLeader), LeaderCount)
	}
	if n := len(c.OrgsOfKind(KindMediation)); n != MediationOrgCount {
		t.Errorf("%d mediation organisations, want %d", n, MediationOrgCount)
	}
	if n := len(c.OrgsOfKind(KindChamber)); n < 22 {
		t.Errorf("%d chambers, want at least 22", n)
	}
	if n := len(c.Departments()); n < 35 || n > 50 {
		t.Errorf("%d departments, want about 40", n)
	}
	for _, kind := range []OrgKind{KindBank, KindUniversity, KindCourt, KindProcuratorate, KindPolice, KindLegal} {
		if n := len(c.OrgsOfKind(kind)); n < 5 {
			t.Errorf("%d organisations of kind %s, want at least 5", n, kind)
		}
	}
	t.Logf("orgs %d, departments %d, chambers %d, enterprises %d, people %d, posts %d, memberships %d, users %d",
		len(c.Orgs), len(c.Departments()), len(c.OrgsOfKind(KindChamber)), len(c.Enterprises), len(c.People),
		len(c.Posts), len(c.Memberships), len(c.Users))
}

func TestCreditCodes(t *testing.T) {
	c := standardCity()
	seen := map[string]string{}
	check := func(owner, code string) {
		if err := creditcode.Validate(code); err != nil {
			t.Errorf("%s: %s: %v", owner, code, err)
		}
		if other, dup := seen[code]; dup {
			t.Errorf("%s and %s share credit code %s", owner, other, code)
		}
		seen[code] = owner
	}
	for _, o := range c.Orgs {
		check(o.Key, o.CreditCode)
	}
	for _, e := range c.Enterprises {
		check(e.Key, e.CreditCode)
		if want := "91" + e.District; !strings.HasPrefix(e.CreditCode, want) {
			t.Errorf("%s: code %s does not start with %s", e.Key, e.CreditCode, want)
		}
	}
}

func TestNamesUnique(t *testing.T) {
	c := standardCity()
	names := map[string]bool{}
	for _, n := range append(mapSlice(c.Orgs, func(o Org) string { return o.Name }), mapSlice(c.Enterprises, func(e Enterprise) string { return e.Name })...) {
		if names[n] {
			t.Errorf("duplicate name %s", n)
		}
		names[n] = true
	}
	leaders := map[string]bool{}
	for _, l := range c.Leaders {
		p, _ := c.Person(l.Person)
		if leaders[p.Name] || realNames[p.Name] {
			t.Errorf("leader name %s is repeated or real", p.Name)
		}
		leaders[p.Name] = true
	}
	for _, p := range c.People {
		if realNames[p.Name] {
			t.Errorf("%s carries a real person's name %s", p.Key, p.Name)
		}
	}
}

func mapSlice[T, U any](s []T, f func(T) U) []U {
	out := make([]U, len(s))
	for i, x := range s {
		out[i] = f(x)
	}
	return out
}

func TestUsers(t *testing.T) {
	c := standardCity()
	byName := map[string]User{}
	roles := map[Role]bool{}
	for _, u := range c.Users {
		if _, dup := byName[u.Username]; dup {
			t.Errorf("duplicate username %s", u.Username)
		}
		byName[u.Username] = u
		admins := 0
		for _, r := range u.Roles {
			roles[r] = true
			if r == RoleAdmin || r == RoleSecurity || r == RoleAuditor {
				admins++
			}
		}
		if admins > 1 {
			t.Errorf("%s holds more than one of admin, security, auditor", u.Username)
		}
		if !regexp.MustCompile(`^[a-z][a-z0-9]*$`).MatchString(u.Username) {
			t.Errorf("username %q is not lower-case letters and digits", u.Username)
		}
	}
	for _, r := range AllRoles() {
		if !roles[r] {
			t.Errorf("no demo user has role %s", r)
		}
	}
	want := map[string]OrgKind{"admin": KindDepartment, "security": KindDepartment, "auditor": KindDepartment,
		"operator1": KindDepartment, "analyst1": KindDepartment, "fgw1": KindDepartment, "gxj1": KindDepartment,
		"leader1": KindDepartment, "ent1": KindEnterprise, "ent10": KindEnterprise, "chamber1": KindChamber,
		"bank1": KindBank, "mediator1": KindMediation, "mediator46": KindMediation, "court1": KindCourt, "police1": KindPolice}
	for name, kind := range want {
		u, ok := byName[name]
		if !ok {
			t.Errorf("no user %s", name)
			continue
		}
		if u.Org.Kind != kind {
			t.Errorf("%s belongs to a %s, want %s", name, u.Org.Kind, kind)
		}
	}
	if u := byName["fgw1"]; u.Org.Key != "fgw" {
		t.Errorf("fgw1 belongs to %s, want the 发改委", u.Org.Key)
	}
	// Role and organisation agree.
	roleKind := map[Role][]OrgKind{RoleChamber: {KindChamber}, RoleBank: {KindBank}, RoleMediator: {KindMediation},
		RoleCourt: {KindCourt}, RolePolice: {KindPolice}, RoleEnterprise: {KindEnterprise}}
	for _, u := range c.Users {
		for _, r := range u.Roles {
			if kinds, ok := roleKind[r]; ok && !slices.Contains(kinds, u.Org.Kind) {
				t.Errorf("%s has role %s but belongs to a %s", u.Username, r, u.Org.Kind)
			}
			if r == RoleDepartment {
				if o, _ := c.Org(u.Org.Key); len(o.Handles) == 0 {
					t.Errorf("%s is a department user of %s, which handles no appeals", u.Username, u.Org.Key)
				}
			}
		}
	}
	if !strongPassword(DemoPassword) {
		t.Errorf("DemoPassword %q breaks the password rule", DemoPassword)
	}
}

func strongPassword(p string) bool {
	var upper, lower, digit, symbol bool
	for _, r := range p {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	return len(p) >= 10 && upper && lower && digit && symbol
}

// TestReferences checks that every key points at something of the right kind.
func TestReferences(t *testing.T) {
	c := standardCity()
	districts := map[string]bool{}
	for _, d := range c.Districts {
		districts[d.Code] = true
	}
	zones := map[string]Zone{}
	for _, z := range c.Zones {
		zones[z.Key] = z
		if !districts[z.District] {
			t.Errorf("zone %s in unknown district %s", z.Key, z.District)
		}
	}
	sections := map[string]bool{}
	for _, in := range c.Industries {
		sections[in.Code] = true
	}
	if len(sections) != 20 {
		t.Errorf("%d industry sections, want 20 (A-T)", len(sections))
	}
	chains := map[string]bool{}
	for _, ch := range c.Chains {
		chains[ch.Key] = true
	}
	if len(chains) != 22 {
		t.Errorf("%d chains, want 22", len(chains))
	}

	// Categories: parents first, default departments handle the root.
	cats := map[string]Category{}
	handled := map[string]bool{}
	for _, o := range c.Departments() {
		for _, h := range o.Handles {
			handled[h] = true
		}
	}
	for _, cat := range c.Categories {
		root := cat.Code
		if cat.Parent != "" {
			p, ok := cats[cat.Parent]
			if !ok || p.Parent != "" {
				t.Errorf("category %s: parent %s missing, later or not top-level", cat.Code, cat.Parent)
			}
			root = cat.Parent
		} else if !handled[cat.Code] {
			t.Errorf("no department handles %s", cat.Code)
		}
		cats[cat.Code] = cat
		d, ok := c.Org(cat.DefaultDept)
		if !ok || !slices.Contains(d.Handles, root) {
			t.Errorf("category %s: default department %s does not handle %s", cat.Code, cat.DefaultDept, root)
		}
	}
	for _, code := range []string{"policy", "approval", "finance", "land", "utilities", "labour", "tax", "ip", "market", "arrears", "enforcement", "legal", "other"} {
		if _, ok := cats[code]; !ok {
			t.Errorf("category %s missing", code)
		}
	}

	for _, o := range c.Orgs {
		if o.District != "" && !districts[o.District] {
			t.Errorf("%s: unknown district %s", o.Key, o.District)
		}
		if o.Parent != "" {
			p, ok := c.Org(o.Parent)
			if !ok {
				t.Errorf("%s: unknown parent %s", o.Key, o.Parent)
			} else if o.Kind == KindMediation && p.Kind != KindChamber {
				t.Errorf("%s: mediation parent %s is a %s", o.Key, o.Parent, p.Kind)
			}
		} else if o.Kind == KindMediation {
			t.Errorf("%s: mediation organisation without a chamber", o.Key)
		}
		for _, h := range o.Handles {
			if cat, ok := cats[h]; !ok || cat.Parent != "" {
				t.Errorf("%s handles %s, not a top-level category", o.Key, h)
			}
		}
		if o.Chain != "" && !chains[o.Chain] {
			t.Errorf("%s: unknown chain %s", o.Key, o.Chain)
		}
		if o.Kind == KindMediation && len(o.Specialties) == 0 {
			t.Errorf("%s: no specialties", o.Key)
		}
	}

	mobile := regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	mobiles := map[string]bool{}
	for _, p := range c.People {
		if !mobile.MatchString(p.Mobile) || mobiles[p.Mobile] {
			t.Errorf("%s: mobile %q malformed or repeated", p.Key, p.Mobile)
		}
		mobiles[p.Mobile] = true
	}
	person := func(where, k string) {
		if _, ok := c.Person(k); !ok {
			t.Errorf("%s: unknown person %s", where, k)
		}
	}
	resolve := func(where string, r OrgRef) {
		if r.Kind == KindEnterprise {
			if _, ok := c.Enterprise(r.Key); !ok {
				t.Errorf("%s: unknown enterprise %s", where, r.Key)
			}
			return
		}
		if o, ok := c.Org(r.Key); !ok || o.Kind != r.Kind {
			t.Errorf("%s: %v does not resolve to a %s", where, r, r.Kind)
		}
	}

	sizeRange := employeeRange
	for _, e := range c.Enterprises {
		if !sections[e.Industry] || e.Industry == "S" || e.Industry == "T" {
			t.Errorf("%s: industry %q", e.Key, e.Industry)
		}
		if !districts[e.District] {
			t.Errorf("%s: district %q", e.Key, e.District)
		}
		if e.Zone != "" && zones[e.Zone].District != e.District {
			t.Errorf("%s: zone %s not in district %s", e.Key, e.Zone, e.District)
		}
		if e.Chain != "" && !chains[e.Chain] {
			t.Errorf("%s: chain %q", e.Key, e.Chain)
		}
		if e.RegisteredCapital < MinCapital || e.RegisteredCapital > MaxCapital {
			t.Errorf("%s: capital %d fen out of range", e.Key, e.RegisteredCapital)
		}
		if e.Founded.Year < 1990 || e.Founded.Year > 2024 {
			t.Errorf("%s: founded %s", e.Key, e.Founded)
		}
		if r := sizeRange[e.Size]; e.Employees < r[0] || e.Employees > r[1] {
			t.Errorf("%s: %d employees for size %s", e.Key, e.Employees, e.Size)
		}
		if e.Size.Label() == "" {
			t.Errorf("%s: size %q", e.Key, e.Size)
		}
		if e.Ownership.Label() == "" {
			t.Errorf("%s: ownership %q", e.Key, e.Ownership)
		}
		person(e.Key, e.LegalRep)
		person(e.Key, e.Contact)
		if !strings.HasPrefix(e.Address, "长沙市"+c.Districts[districtIndex(e.District)].Name) {
			t.Errorf("%s: address %s not in its district", e.Key, e.Address)
		}
	}
	for i, p := range c.Posts {
		person(fmt.Sprint("post ", i), p.Person)
		resolve(fmt.Sprint("post ", i), p.Org)
	}
	presidents := map[string]int{}
	members := map[string]int{}
	for _, m := range c.Memberships {
		resolve("membership", OrgRef{KindChamber, m.Chamber})
		e, ok := c.Enterprise(m.Enterprise)
		if !ok {
			t.Errorf("membership: unknown enterprise %s", m.Enterprise)
			continue
		}
		if m.Joined.Before(e.Founded) {
			t.Errorf("%s joined %s on %s, before it was founded on %s", m.Enterprise, m.Chamber, m.Joined, e.Founded)
		}
		members[m.Chamber]++
		if m.Post == PostPresident {
			presidents[m.Chamber]++
		}
	}
	for _, ch := range c.OrgsOfKind(KindChamber) {
		if presidents[ch.Key] != 1 || members[ch.Key] < 8 {
			t.Errorf("%s: %d presidents, %d members", ch.Key, presidents[ch.Key], members[ch.Key])
		}
	}
	for _, l := range c.Leaders {
		person(l.Key, l.Person)
		if _, ok := c.Org(l.Office); !ok {
			t.Errorf("%s: unknown office %s", l.Key, l.Office)
		}
	}
	leaders := map[string]bool{}
	for _, l := range c.Leaders {
		leaders[l.Key] = true
	}
	for _, l := range c.LeaderLinks {
		if !leaders[l.Leader] {
			t.Errorf("link to unknown leader %s", l.Leader)
		}
		resolve("leader link", l.Target)
		if e, ok := c.Enterprise(l.Target.Key); ok && e.Ownership != OwnershipPrivate {
			t.Errorf("leader linked to non-private enterprise %s", e.Key)
		}
	}
	for _, u := range c.Users {
		person(u.Username, u.Person)
		resolve(u.Username, u.Org)
	}
}

// TestShape checks that the enterprises look like a real city's.
func TestShape(t *testing.T) {
	c := standardCity()
	n := float64(len(c.Enterprises))
	count := func(f func(Enterprise) bool) float64 {
		k := 0
		for _, e := range c.Enterprises {
			if f(e) {
				k++
			}
		}
		return float64(k) / n
	}
	checks := []struct {
		what     string
		share    float64
		min, max float64
	}{
		{"manufacturing", count(func(e Enterprise) bool { return e.Industry == "C" }), 0.15, 0.35},
		{"wholesale and retail", count(func(e Enterprise) bool { return e.Industry == "F" }), 0.12, 0.3},
		{"large", count(func(e Enterprise) bool { return e.Size == SizeLarge }), 0.002, 0.04},
		{"micro", count(func(e Enterprise) bool { return e.Size == SizeMicro }), 0.45, 0.75},
		{"private", count(func(e Enterprise) bool { return e.Ownership == OwnershipPrivate }), 0.85, 0.97},
		{"state-owned", count(func(e Enterprise) bool { return e.Ownership == OwnershipState }), 0.01, 0.08},
		{"foreign", count(func(e Enterprise) bool { return e.Ownership == OwnershipForeign }), 0.01, 0.06},
		{"in a chain", count(func(e Enterprise) bool { return e.Chain != "" }), 0.2, 0.7},
		{"in a zone", count(func(e Enterprise) bool { return e.Zone != "" }), 0.05, 0.4},
		{"founded since 2016 with an MA code", count(func(e Enterprise) bool { return e.CreditCode[8:10] == "MA" }), 0.3, 0.8},
	}
	for _, ck := range checks {
		if ck.share < ck.min || ck.share > ck.max {
			t.Errorf("%s: %.3f of enterprises, want %.3f-%.3f", ck.what, ck.share, ck.min, ck.max)
		}
	}
	inChamber := map[string]bool{}
	for _, m := range c.Memberships {
		inChamber[m.Enterprise] = true
	}
	if share := float64(len(inChamber)) / n; share < 0.2 || share > 0.6 {
		t.Errorf("%.2f of enterprises in a chamber", share)
	}
	multi := map[string]int{}
	for _, p := range c.Posts {
		multi[p.Person]++
	}
	several := 0
	for _, k := range multi {
		if k > 1 {
			several++
		}
	}
	if several < 100 {
		t.Errorf("only %d people hold more than one post", several)
	}
}

// traditional holds common traditional characters whose simplified forms
// differ; none may appear in the data.
const traditional = "長區會縣業華電銀機東國門廣術學醫藥產發開關實經濟貿車這來對時從書見歷兩圖當辦農鄉鎮處網絡訊設計現場線質營員創興環職協調價證監鐵橋園樓們說話語體聯為萬與專廠號議權財稅務資審麗雲龍嶽湯陽瀏寧銅鋒輝濤鵬楊劉陳張趙黃羅鄧吳賀譚鄒顏盧嚴"

func TestSimplifiedChinese(t *testing.T) {
	b, err := json.Marshal(standardCity())
	if err != nil {
		t.Fatal(err)
	}
	if i := strings.IndexAny(string(b), traditional); i >= 0 {
		t.Errorf("traditional character in %q", string(b[max(0, i-40):min(len(b), i+40)]))
	}
}

// TestBigCity checks that names and credit codes stay unique and valid at
// the size the bench tool uses.
func TestBigCity(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100,000 enterprises")
	}
	c := Build(9, 100_000)
	names := make(map[string]bool, len(c.Enterprises))
	codes := make(map[string]bool, len(c.Enterprises))
	for _, e := range c.Enterprises {
		if names[e.Name] || codes[e.CreditCode] {
			t.Fatalf("%s: name %s or code %s repeated", e.Key, e.Name, e.CreditCode)
		}
		names[e.Name], codes[e.CreditCode] = true, true
		if err := creditcode.Validate(e.CreditCode); err != nil {
			t.Fatalf("%s: %v", e.Key, err)
		}
	}
	if len(c.LeaderLinks) != LinkedEnterpriseCount+LinkedChamberCount {
		t.Errorf("%d leader links", len(c.LeaderLinks))
	}
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{DefaultEnterprises, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Build(1, n)
			}
		})
	}
}
