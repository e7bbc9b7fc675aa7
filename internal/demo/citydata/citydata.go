// Package citydata builds a believable, fictional Changsha (长沙) for demos,
// tests and benchmarks: districts, the appeal category tree, government
// departments, courts, police, chambers of commerce and their mediation
// organisations, banks, universities, law firms, city leaders and their
// links, enterprises with valid unified social credit codes, the people who
// hold posts in all of them, and a demo user for every role.
//
// It is pure data: no database, no I/O. Build(seed, n) is deterministic:
// the same seed and n give an identical City, in a stable order, whose
// records refer to each other by key (never by database id). Place names,
// division codes and institution names are real; every person, phone
// number and enterprise is invented, and leaders' names are generated, not
// those of real officials. All text is Simplified Chinese.
//
// Demo users (City.Users) all have the password DemoPassword. Their names
// follow the role: admin, security, auditor, operator1-3 and analyst1 work
// for the federation (市工商联, key FederationKey); every department that
// handles appeals has <key>1 (fgw1 for the 发改委, gxj1 for the 工信局, and
// a <key>2 for the largest ones); leader1-39 are the city leaders; ent1-10
// are enterprises (the first five linked to a leader); chamberN, bankN,
// mediatorN, courtN and policeN are numbered in the order of City.Orgs.
package citydata

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"
)

// DefaultEnterprises is the number of enterprises in the standard demo city.
const DefaultEnterprises = 2400

// MinEnterprises is the smallest city Build makes: enough private
// enterprises for the leaders' 71 links, the chambers and the demo users.
const MinEnterprises = 300

// Figures from the source report that the generated city reproduces.
const (
	LeaderCount           = 39 // 39位市领导
	LinkedEnterpriseCount = 71 // 联系71家民营企业
	LinkedChamberCount    = 22 // 和22个商会
	MediationOrgCount     = 46 // 46家商会调解组织
	DistrictCount         = 9
	demoUserEnterprises   = 10
)

// DemoPassword is the password of every demo user. It satisfies the
// platform's default rule: at least 10 characters with upper case, lower
// case, a digit and a symbol.
const DemoPassword = "Changsha@2024"

// City is everything Build generates. Slices are in a stable order; records
// refer to each other by key.
type City struct {
	Seed        uint64
	Districts   []District
	Zones       []Zone
	Industries  []Industry // GB/T 4754-2017 sections A-T
	Chains      []Chain    // 产业链
	Categories  []Category // appeal category tree, parents before children
	Orgs        []Org      // every organisation except enterprises
	Enterprises []Enterprise
	People      []Person
	Posts       []Post
	Memberships []Membership // enterprise ↔ chamber
	Leaders     []Leader
	LeaderLinks []LeaderLink
	Users       []User

	orgIndex        map[string]int
	enterpriseIndex map[string]int
	personIndex     map[string]int
}

// Date is a calendar date without a time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Time returns the date's midnight in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// District is a county-level division of Changsha.
type District struct {
	Code      string // GB/T 2260 code, e.g. "430104"
	Name      string // 岳麓区
	ShortName string // 岳麓
}

// Zone is a development zone (园区) inside a district.
type Zone struct {
	Key       string
	Name      string // 长沙高新技术产业开发区
	ShortName string // 长沙高新区
	District  string // district code
}

// Industry is a GB/T 4754-2017 section (门类).
type Industry struct {
	Code string // "A" … "T"
	Name string // 制造业
}

// Chain is one of the city's key industrial chains (产业链).
type Chain struct {
	Key  string
	Name string
}

// Category is a node of the configurable appeal category tree.
type Category struct {
	Code        string // "utilities", "utilities.power"
	Name        string // 水电气网
	NameEN      string
	Parent      string // "" for a top-level category
	DefaultDept string // org key of the department that usually handles it
}

// OrgKind is the kind of an organisation in the directory.
type OrgKind string

// Organisation kinds, as in the product's directory.
const (
	KindDepartment    OrgKind = "department" // government department, utility, the federation itself
	KindEnterprise    OrgKind = "enterprise"
	KindChamber       OrgKind = "chamber"
	KindBank          OrgKind = "bank" // financial institution
	KindUniversity    OrgKind = "university"
	KindCourt         OrgKind = "court"
	KindProcuratorate OrgKind = "procuratorate"
	KindPolice        OrgKind = "police"
	KindMediation     OrgKind = "mediation"
	KindLegal         OrgKind = "legal" // legal-service provider
)

// Agency says what kind of public body a department is.
type Agency string

// Agencies of organisations that handle appeals or run the platform.
const (
	AgencyFederation    Agency = "federation" // 工商联: runs the platform
	AgencyGovernment    Agency = "government"
	AgencyDistrict      Agency = "district" // 区县（市）人民政府
	AgencyCourt         Agency = "court"
	AgencyProcuratorate Agency = "procuratorate"
	AgencyPolice        Agency = "police"
	AgencyUtility       Agency = "utility"
	AgencyOffice        Agency = "office" // a leaders' office (办公厅)
)

// Org is any organisation other than an enterprise.
type Org struct {
	Key        string // unique among organisations and enterprises
	Kind       OrgKind
	Name       string // full name
	ShortName  string
	Type       string // finer type: 异地商会, 城市商业银行, 律师事务所 …
	Agency     Agency // departments, courts, procuratorates, police: what body it is
	District   string // district code; "" for city-wide bodies
	Parent     string // org key: mediation org → chamber, branch → its head office
	CreditCode string
	Address    string
	Phone      string   // switchboard, 0731-xxxxxxxx
	Handles    []string // top-level appeal category codes it handles (承办单位)
	Chain      string   // industry chambers: the chain key they serve
	Industries []string // industry chambers: GB/T 4754 sections they serve
	Founded    Date
	// Specialties lists the dispute types a mediation organisation takes.
	Specialties []string
}

// Size is an enterprise's size class.
type Size string

// Size classes.
const (
	SizeLarge  Size = "large"  // 大型
	SizeMedium Size = "medium" // 中型
	SizeSmall  Size = "small"  // 小型
	SizeMicro  Size = "micro"  // 微型
)

// Ownership is an enterprise's ownership.
type Ownership string

// Ownerships.
const (
	OwnershipPrivate Ownership = "private" // 民营
	OwnershipState   Ownership = "state"   // 国有
	OwnershipForeign Ownership = "foreign" // 外资
)

// Label returns the Chinese label (大型 …), or "" for an unknown size.
func (s Size) Label() string {
	switch s {
	case SizeLarge:
		return "大型"
	case SizeMedium:
		return "中型"
	case SizeSmall:
		return "小型"
	case SizeMicro:
		return "微型"
	}
	return ""
}

// Label returns the Chinese label (民营 …), or "" for an unknown ownership.
func (o Ownership) Label() string {
	switch o {
	case OwnershipPrivate:
		return "民营"
	case OwnershipState:
		return "国有"
	case OwnershipForeign:
		return "外资"
	}
	return ""
}

// Enterprise is a market entity with its unified social credit code.
type Enterprise struct {
	Key        string // "E000001"
	Name       string
	CreditCode string
	Industry   string // GB/T 4754 section code
	Size       Size
	Ownership  Ownership
	District   string // district code
	Zone       string // zone key or ""
	Chain      string // chain key or ""
	// RegisteredCapital is in fen (分): 10万元 = 10_000_000.
	RegisteredCapital int64
	Employees         int
	Founded           Date
	LegalRep          string // person key
	Contact           string // person key (may equal LegalRep)
	Address           string
}

// Person is anyone who holds a post or a user account.
type Person struct {
	Key    string // "P000001"
	Name   string
	Female bool
	Mobile string // fictional, 11 digits
}

// OrgRef names an organisation or an enterprise.
type OrgRef struct {
	Kind OrgKind
	Key  string
}

// Post is a position a person holds in an organisation or enterprise.
type Post struct {
	Person string
	Org    OrgRef
	Title  string // 法定代表人, 会长, 调解员, 科长 …
	Since  Date
}

// Chamber posts, from the top.
const (
	PostPresident           = "会长"
	PostExecVicePresident   = "常务副会长"
	PostVicePresident       = "副会长"
	PostDirector            = "理事"
	PostMember              = "会员"
	PostSecretaryGeneral    = "秘书长"
	PostLegalRepresentative = "法定代表人"
)

// Membership is an enterprise's membership of a chamber.
type Membership struct {
	Chamber    string // org key
	Enterprise string // enterprise key
	Post       string // 会长 … 会员
	Joined     Date
}

// Leader is a city leader (市领导) who liaises with enterprises and chambers.
type Leader struct {
	Key    string // "L01"
	Person string
	Title  string // 市委常委、副市长
	Office string // org key of the office that supports them
}

// LeaderLink ties a leader to an enterprise or a chamber.
type LeaderLink struct {
	Leader string
	Target OrgRef
	Since  Date
}

// Role is a platform role.
type Role string

// Roles, as in the product's role table.
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

// AllRoles lists every role, in the product's order.
func AllRoles() []Role {
	return []Role{RoleAdmin, RoleSecurity, RoleAuditor, RoleOperator, RoleDepartment, RoleLeader,
		RoleEnterprise, RoleChamber, RoleBank, RoleMediator, RoleCourt, RolePolice, RoleAnalyst}
}

// User is a demo login. Every demo user's password is DemoPassword.
type User struct {
	Username string
	Person   string
	Roles    []Role
	Org      OrgRef
}

// Org returns the organisation with key k.
func (c *City) Org(k string) (*Org, bool) {
	i, ok := c.orgIndex[k]
	if !ok {
		return nil, false
	}
	return &c.Orgs[i], true
}

// Enterprise returns the enterprise with key k.
func (c *City) Enterprise(k string) (*Enterprise, bool) {
	i, ok := c.enterpriseIndex[k]
	if !ok {
		return nil, false
	}
	return &c.Enterprises[i], true
}

// Person returns the person with key k.
func (c *City) Person(k string) (*Person, bool) {
	i, ok := c.personIndex[k]
	if !ok {
		return nil, false
	}
	return &c.People[i], true
}

// OrgsOfKind returns the organisations of one kind, in order.
func (c *City) OrgsOfKind(kind OrgKind) []Org {
	var out []Org
	for _, o := range c.Orgs {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// Departments returns the organisations that handle appeals (承办单位):
// government departments, district governments, utilities, the
// intermediate court, the procuratorate and the police.
func (c *City) Departments() []Org {
	var out []Org
	for _, o := range c.Orgs {
		if len(o.Handles) > 0 {
			out = append(out, o)
		}
	}
	return out
}

// newRNG returns a generator for one named part of the city, so that parts
// do not shift when another part changes (more enterprises leave the
// leaders' names alone).
func newRNG(seed uint64, part string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(part))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// pickWeighted returns an index drawn with the given weights.
func pickWeighted(rng *rand.Rand, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }
