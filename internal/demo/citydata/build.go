package citydata

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"yingshang/internal/directory/creditcode"
)

// builder carries the city under construction and the sets that keep
// credit codes, names and phone numbers unique.
type builder struct {
	c       *City
	seed    uint64
	codes   map[string]bool
	mobiles map[string]bool
	names   map[string]bool // enterprise and organisation names
	// chamberOfficers holds, per chamber key, its officers' person keys
	// from the top (会长 first).
	chamberOfficers map[string][]string
	// mediationMediators holds each mediation org's mediator person keys.
	mediationMediators map[string][]string
	lawyers            []string
}

// Build returns the city for seed with n enterprises (at least
// MinEnterprises). Organisations, staff and leaders do not depend on n;
// enterprise i is the same in every city of the same seed that has it.
func Build(seed uint64, n int) *City {
	n = max(n, MinEnterprises)
	b := &builder{
		c:                  &City{Seed: seed},
		seed:               seed,
		codes:              map[string]bool{},
		mobiles:            map[string]bool{},
		names:              map[string]bool{},
		chamberOfficers:    map[string][]string{},
		mediationMediators: map[string][]string{},
	}
	b.static()
	b.orgs()
	b.chambers()
	b.staff()
	b.leaders()
	b.enterprises(n)
	b.memberships()
	b.mediationHeads()
	b.leaderLinks()
	b.users()
	b.index()
	return b.c
}

func (b *builder) static() {
	for _, d := range districtData {
		b.c.Districts = append(b.c.Districts, d.District)
	}
	b.c.Zones = slices.Clone(zoneData)
	for _, in := range industryData {
		b.c.Industries = append(b.c.Industries, in.Industry)
	}
	b.c.Chains = slices.Clone(chainData)
	b.c.Categories = slices.Clone(categoryData)
}

// creditCode returns a new unique, valid code. Bodies issued since 2016
// by market regulators start with MA (then a regional character) and by
// civil affairs with MJ; older ones are numeric.
func (b *builder) creditCode(rng *rand.Rand, prefix, division string, founded int) string {
	for {
		var body strings.Builder
		switch {
		case founded >= 2021 && prefix[0] == '9':
			body.WriteString("MA7") // Hunan's later range
		case founded >= 2016 && prefix[0] == '9':
			body.WriteString("MA4") // Hunan's first range, e.g. 91430100MA4L16JQ9D
		case founded >= 2016 && prefix[0] == '5':
			body.WriteString("MJ")
		}
		for body.Len() < 8 {
			if body.Len() >= 2 && strings.HasPrefix(body.String(), "M") {
				body.WriteByte(creditcode.Alphabet[rng.IntN(len(creditcode.Alphabet))])
			} else {
				body.WriteByte(byte('0' + rng.IntN(10)))
			}
		}
		code, err := creditcode.Complete(prefix + division + body.String())
		if err != nil {
			panic("citydata: " + err.Error())
		}
		if !b.codes[code] {
			b.codes[code] = true
			return code
		}
	}
}

func (b *builder) address(rng *rand.Rand, district string) string {
	d := districtData[districtIndex(district)]
	return fmt.Sprintf("长沙市%s%s%d号", d.Name, pick(rng, d.roads), 1+rng.IntN(999))
}

func phone(rng *rand.Rand) string { return fmt.Sprintf("0731-8%07d", rng.IntN(10_000_000)) }

func (b *builder) mobile(rng *rand.Rand) string {
	for {
		m := fmt.Sprintf("%s%08d", pick(rng, mobilePrefixes), rng.IntN(100_000_000))
		if !b.mobiles[m] {
			b.mobiles[m] = true
			return m
		}
	}
}

// cityCenter are the districts where city-level bodies sit.
var cityCenter = []string{"430104", "430102", "430103", "430105", "430111"}

func (b *builder) addOrg(rng *rand.Rand, d orgDef) *Org {
	where := d.district
	if where == "" {
		where = pick(rng, cityCenter)
	}
	division := d.district
	if division == "" {
		division = CityDivision
	}
	if d.kind == KindUniversity {
		division = "430000" // registered with the province
	}
	if b.names[d.name] {
		panic("citydata: duplicate organisation name " + d.name)
	}
	b.names[d.name] = true
	b.c.Orgs = append(b.c.Orgs, Org{
		Key:        d.key,
		Kind:       d.kind,
		Name:       d.name,
		ShortName:  d.short,
		Type:       d.typ,
		Agency:     d.agency,
		District:   d.district,
		Parent:     d.parent,
		CreditCode: b.creditCode(rng, d.uscc, division, d.founded),
		Address:    b.address(rng, where),
		Phone:      phone(rng),
		Handles:    slices.Clone(d.handles),
		Founded:    Date{d.founded, randMonth(rng), 1 + rng.IntN(28)},
	})
	return &b.c.Orgs[len(b.c.Orgs)-1]
}

func randMonth(rng *rand.Rand) time.Month { return time.Month(1 + rng.IntN(12)) }

// orgs adds departments, district governments, courts, procuratorates,
// police units, banks, universities and legal-service providers.
func (b *builder) orgs() {
	rng := newRNG(b.seed, "orgs")
	for _, d := range deptData {
		b.addOrg(rng, d)
	}
	for i, d := range districtData {
		b.addOrg(rng, orgDef{districtKeys[i], districtGovName(d.District), d.Name + "政府", "区县（市）人民政府",
			KindDepartment, AgencyDistrict, d.Code, "", districtGovHandles, "11", 1950})
	}
	for _, d := range districtData {
		b.addOrg(rng, orgDef{"court." + d.Code, localName(d.District, "人民法院"), d.Name + "法院", "基层人民法院",
			KindCourt, AgencyCourt, d.Code, "zyfy", nil, "11", 1950})
	}
	for _, d := range districtData {
		b.addOrg(rng, orgDef{"proc." + d.Code, localName(d.District, "人民检察院"), d.Name + "检察院", "基层人民检察院",
			KindProcuratorate, AgencyProcuratorate, d.Code, "sjcy", nil, "11", 1950})
	}
	for _, d := range policeUnitData {
		b.addOrg(rng, d)
	}
	for _, d := range districtData {
		b.addOrg(rng, orgDef{"police." + d.Code, policeBranchName(d.District), policeBranchShort(d.District), "公安分局",
			KindPolice, AgencyPolice, d.Code, "sgaj", nil, "11", 1950})
	}
	for _, list := range [][]orgDef{bankData, universityData, legalData} {
		for _, d := range list {
			b.addOrg(rng, d)
		}
	}
}

// chambers adds the city-level chambers, one 总商会 per district and the
// 46 mediation organisations.
func (b *builder) chambers() {
	rng := newRNG(b.seed, "chambers")
	type ch struct {
		def      chamberDef
		district string
	}
	var all []ch
	for _, d := range chamberData {
		all = append(all, ch{d, ""})
	}
	for _, d := range districtData {
		all = append(all, ch{chamberDef{districtChamberKey(d.Code), localName(d.District, "总商会"), d.Name + "总商会",
			ChamberDistrict, "", nil, 1990 + rng.IntN(12), true}, d.Code})
	}
	address := map[string]string{}
	for _, c := range all {
		o := b.addOrg(rng, orgDef{c.def.key, c.def.name, c.def.short, c.def.typ, KindChamber, "", c.district, "", nil, "51", c.def.founded})
		o.Chain = c.def.chain
		o.Industries = slices.Clone(c.def.industries)
		address[o.Key] = o.Address
	}
	for _, c := range all {
		kinds := []struct{ suffix, short, typ, uscc string }{
			{"人民调解委员会", "调委会", "人民调解委员会", "39"},
			{"商事调解中心", "调解中心", "商事调解组织", "52"},
		}
		if !c.def.twoMediationOrgs {
			kinds = kinds[:1]
		}
		for i, k := range kinds {
			founded := max(c.def.founded+2, 2016) + rng.IntN(6)
			o := b.addOrg(rng, orgDef{fmt.Sprintf("med.%s.%d", strings.TrimPrefix(c.def.key, "chamber."), i+1),
				c.def.name + k.suffix, c.def.short + k.short, k.typ, KindMediation, "", c.district, c.def.key, nil, k.uscc, min(founded, 2023)})
			o.Specialties = sample(rng, disputeTypes, 3+rng.IntN(3))
			o.Address = address[c.def.key] // mediation rooms are in the chamber's offices
		}
	}
}

// sample returns k distinct elements of s in s's order.
func sample[T any](rng *rand.Rand, s []T, k int) []T {
	idx := rng.Perm(len(s))[:k]
	slices.Sort(idx)
	out := make([]T, k)
	for i, j := range idx {
		out[i] = s[j]
	}
	return out
}

func (b *builder) addPerson(rng *rand.Rand, female bool) string {
	key := fmt.Sprintf("P%06d", len(b.c.People)+1)
	name := personName(rng, female)
	for realNames[name] {
		name = personName(rng, female)
	}
	b.c.People = append(b.c.People, Person{Key: key, Name: name, Female: female, Mobile: b.mobile(rng)})
	return key
}

func (b *builder) addPost(person string, kind OrgKind, org, title string, since Date) {
	b.c.Posts = append(b.c.Posts, Post{Person: person, Org: OrgRef{kind, org}, Title: title, Since: since})
}

func randDate(rng *rand.Rand, from, to int) Date {
	return Date{from + rng.IntN(to-from+1), randMonth(rng), 1 + rng.IntN(28)}
}

// staffTitles gives the title of the demo users' people by organisation kind.
var staffTitles = map[OrgKind][]string{
	KindDepartment:    {"营商环境科科长", "诉求承办联络员"},
	KindCourt:         {"立案庭法官", "诉调对接中心法官"},
	KindProcuratorate: {"民事行政检察部检察官"},
	KindPolice:        {"知识产权保护驻企民警", "经侦民警"},
	KindBank:          {"普惠金融部客户经理", "小微企业金融服务中心经理"},
	KindUniversity:    {"科技成果转化处处长"},
	KindLegal:         {"律师事务所主任", "执业律师"},
}

// staff creates the people who work in organisations other than
// enterprises, with their posts.
func (b *builder) staff() {
	rng := newRNG(b.seed, "staff")
	for _, t := range []string{"主席", "党组书记、常务副主席", "秘书长", "系统管理员", "安全保密管理员", "安全审计员",
		"政企通专线受理员", "政企通专线受理员", "政企通专线受理员", "数据分析员"} {
		b.addPost(b.addPerson(rng, rng.IntN(100) < 40), KindDepartment, FederationKey, t, randDate(rng, 2016, 2023))
	}
	for _, o := range slices.Clone(b.c.Orgs) {
		switch o.Kind {
		case KindChamber:
			b.addPost(b.addPerson(rng, rng.IntN(100) < 45), KindChamber, o.Key, PostSecretaryGeneral, randDate(rng, max(o.Founded.Year, 2015), 2023))
			continue
		case KindMediation:
			for range 2 {
				p := b.addPerson(rng, rng.IntN(100) < 40)
				b.mediationMediators[o.Key] = append(b.mediationMediators[o.Key], p)
				b.addPost(p, KindMediation, o.Key, "调解员", randDate(rng, o.Founded.Year, 2024))
			}
			continue
		}
		titles := staffTitles[o.Kind]
		if o.Kind == KindDepartment && (o.Agency == AgencyFederation || o.Agency == AgencyOffice) {
			continue
		}
		n := len(titles)
		if o.Kind == KindDepartment && !bigDepartments[o.Key] {
			n = 1
		}
		for i := range n {
			p := b.addPerson(rng, rng.IntN(100) < 40)
			b.addPost(p, o.Kind, o.Key, titles[i], randDate(rng, 2012, 2023))
			if o.Kind == KindLegal && o.Type == "律师事务所" {
				b.lawyers = append(b.lawyers, p)
			}
		}
	}
	// Some lawyers also mediate for a chamber.
	meds := b.c.OrgsOfKind(KindMediation)
	for i, p := range b.lawyers {
		if i%2 == 0 {
			m := meds[(i*7)%len(meds)]
			b.mediationMediators[m.Key] = append(b.mediationMediators[m.Key], p)
			b.addPost(p, KindMediation, m.Key, "兼职调解员", randDate(rng, m.Founded.Year, 2024))
		}
	}
}

// bigDepartments have two demo users.
var bigDepartments = map[string]bool{"fgw": true, "gxj": true, "scjg": true, "rsj": true, "tax": true}
