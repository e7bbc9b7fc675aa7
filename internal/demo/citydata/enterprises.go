package citydata

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

var (
	ownershipWeights = []float64{93, 4, 3} // private, state, foreign
	ownerships       = []Ownership{OwnershipPrivate, OwnershipState, OwnershipForeign}
	sizes            = []Size{SizeLarge, SizeMedium, SizeSmall, SizeMicro}
	sizeWeights      = map[Ownership][]float64{
		OwnershipPrivate: {0.6, 5, 30, 64.4},
		OwnershipState:   {25, 35, 30, 10},
		OwnershipForeign: {8, 30, 45, 17},
	}
	// Sections favoured by state-owned and foreign-invested enterprises.
	stateSections   = map[string]float64{"E": 5, "D": 3, "K": 3, "G": 3, "L": 3, "N": 2, "C": 3, "I": 1, "J": 1, "R": 1}
	foreignSections = map[string]float64{"C": 5, "F": 3, "I": 2, "M": 2, "L": 2, "H": 1}
	// Median registered capital by size, in 万元, and employee ranges.
	capitalMedian = map[Size]float64{SizeLarge: 50000, SizeMedium: 3000, SizeSmall: 300, SizeMicro: 50}
	employeeRange = map[Size][2]int{SizeLarge: {1000, 20000}, SizeMedium: {300, 999}, SizeSmall: {20, 299}, SizeMicro: {1, 19}}
)

// Registered capital bounds, in fen: 10万元 to 50亿元.
const (
	MinCapital int64 = 10 * 10_000 * 100
	MaxCapital int64 = 50 * 100_000_000 * 100
)

// entGen holds what enterprise generation looks up repeatedly.
type entGen struct {
	rng            *rand.Rand
	sectionWeights map[Ownership][]float64
	words          map[string][]tradeWord
	districtW      []float64
}

func (b *builder) enterprises(n int) {
	g := &entGen{rng: newRNG(b.seed, "enterprises"), words: tradeWordsBySection(), sectionWeights: map[Ownership][]float64{}}
	for _, o := range ownerships {
		w := make([]float64, len(industryData))
		for i, in := range industryData {
			switch o {
			case OwnershipPrivate:
				w[i] = in.weight
			case OwnershipState:
				w[i] = stateSections[in.Code]
			case OwnershipForeign:
				w[i] = foreignSections[in.Code]
			}
		}
		g.sectionWeights[o] = w
	}
	for _, d := range districtData {
		g.districtW = append(g.districtW, d.weight)
	}
	b.c.Enterprises = make([]Enterprise, 0, n)
	b.c.People = slices.Grow(b.c.People, 2*n)
	for range n {
		b.enterprise(g)
	}
}

func (b *builder) enterprise(g *entGen) {
	rng := g.rng
	e := Enterprise{Key: fmt.Sprintf("E%06d", len(b.c.Enterprises)+1)}
	e.Ownership = ownerships[pickWeighted(rng, ownershipWeights)]
	e.Size = sizes[pickWeighted(rng, sizeWeights[e.Ownership])]
	e.Industry = industryData[pickWeighted(rng, g.sectionWeights[e.Ownership])].Code
	word := pick(rng, g.words[e.Industry])
	e.Chain = word.chain

	// Manufacturing and technology firms often sit in a development zone.
	switch {
	case e.Industry == "C" && rng.IntN(100) < 50:
		e.Zone = []string{"zone.jk", "zone.jk", "zone.gx", "zone.wc", "zone.ly", "zone.nx"}[rng.IntN(6)]
	case (e.Industry == "I" || e.Industry == "M") && rng.IntN(100) < 50:
		e.Zone = []string{"zone.gx", "zone.gx", "zone.xjxq"}[rng.IntN(3)]
	}
	if e.Zone != "" {
		for _, z := range zoneData {
			if z.Key == e.Zone {
				e.District = z.District
			}
		}
	} else {
		e.District = districtData[pickWeighted(rng, g.districtW)].Code
	}
	dist := districtData[districtIndex(e.District)]

	// Larger firms tend to be older.
	u := rng.Float64()
	year := 2024 - int(34*u*u)
	if e.Size == SizeLarge || e.Ownership == OwnershipState {
		year = 1990 + rng.IntN(28)
	}
	e.Founded = Date{year, randMonth(rng), 1 + rng.IntN(28)}

	e.Name = b.enterpriseName(rng, e, dist.District, dist.places, word.word)

	wan := capitalMedian[e.Size] * math.Exp(rng.NormFloat64()*0.9)
	e.RegisteredCapital = min(max(roundWan(wan)*1_000_000, MinCapital), MaxCapital)
	r := employeeRange[e.Size]
	e.Employees = int(math.Round(float64(r[0]) * math.Pow(float64(r[1])/float64(r[0]), rng.Float64())))

	e.CreditCode = b.creditCode(rng, "91", e.District, year)
	e.Address = b.address(rng, e.District)
	if e.Zone != "" && rng.IntN(2) == 0 {
		e.Address += fmt.Sprintf("%d栋%d楼", 1+rng.IntN(20), 1+rng.IntN(18))
	}

	e.LegalRep = b.addPerson(rng, rng.IntN(100) < 22)
	e.Contact = e.LegalRep
	if e.Size != SizeMicro || rng.IntN(2) == 0 {
		e.Contact = b.addPerson(rng, rng.IntN(100) < 55)
	}
	since := e.Founded
	b.addPost(e.LegalRep, KindEnterprise, e.Key, legalRepTitle(rng, e.Size), since)
	if e.Contact != e.LegalRep {
		b.addPost(e.Contact, KindEnterprise, e.Key, pick(rng, contactTitles), latest(e.Founded, randDate(rng, max(year, 2015), 2024)))
	}
	b.c.Enterprises = append(b.c.Enterprises, e)
}

var contactTitles = []string{"办公室主任", "行政经理", "综合部部长", "财务总监", "董事会秘书", "总经理助理"}

func legalRepTitle(rng *rand.Rand, s Size) string {
	if s == SizeLarge || s == SizeMedium {
		return pick(rng, []string{"董事长", "董事长、总经理", "执行董事"})
	}
	return pick(rng, []string{"执行董事、总经理", "总经理", "执行董事"})
}

// roundWan rounds an amount in 万元 to two significant figures (1234 → 1200).
func roundWan(wan float64) int64 {
	if wan < 10 {
		return 10
	}
	p := math.Pow(10, math.Floor(math.Log10(wan))-1)
	return int64(math.Round(wan/p) * p)
}

// enterpriseName composes 行政区划 + 字号 + 行业 + 组织形式 and makes it
// unique, falling back to three-character trade names when crowded.
func (b *builder) enterpriseName(rng *rand.Rand, e Enterprise, d District, places []string, word string) string {
	form := "有限公司"
	switch x := rng.IntN(100); {
	case e.Size == SizeLarge && x < 30:
		form = "集团有限公司"
	case e.Size == SizeLarge && x < 70, e.Size == SizeMedium && x < 20:
		form = "股份有限公司"
	case x > 85:
		form = "有限责任公司"
	}
	county := d.Name == "浏阳市" || d.Name == "宁乡市"
	for try := 0; ; try++ {
		br := brand(rng, places)
		if try > 12 {
			br = brand3(rng)
		}
		var name string
		switch x := rng.IntN(100); {
		case e.Ownership == OwnershipForeign:
			name = br + word + pick(rng, []string{"（长沙）", "（湖南）", "（中国）"}) + form
		case e.Ownership == OwnershipState:
			name = pick(rng, []string{"长沙", "长沙市", "湖南"}) + br + word + form
		case x < 30:
			name = "湖南" + br + word + form
		case county && x < 55:
			name = d.Name + br + word + form
		case x < 90:
			name = "长沙" + br + word + form
		default:
			name = br + word + "（长沙）" + form
		}
		if !b.names[name] {
			b.names[name] = true
			return name
		}
	}
}

// memberships lets about a third of the enterprises join a chamber (some
// two) and ranks each chamber's members into its posts.
func (b *builder) memberships() {
	rng := newRNG(b.seed, "memberships")
	chambers := b.c.OrgsOfKind(KindChamber)
	female := func(p string) bool { return b.c.People[personIndex(p)].Female }
	members := make([][]Membership, len(chambers))
	joined := map[string]bool{} // chamber|enterprise
	join := func(ci int, e *Enterprise) {
		ch := chambers[ci]
		k := ch.Key + "|" + e.Key
		if joined[k] {
			return
		}
		joined[k] = true
		from := latest(ch.Founded, e.Founded)
		members[ci] = append(members[ci], Membership{Chamber: ch.Key, Enterprise: e.Key,
			Joined: latest(from, randDate(rng, from.Year, 2024))})
	}
	w := make([]float64, len(chambers))
	for i := range b.c.Enterprises {
		e := &b.c.Enterprises[i]
		p := 35
		if e.Ownership == OwnershipState {
			p = 5
		}
		if rng.IntN(100) >= p {
			continue
		}
		for ci, ch := range chambers {
			w[ci] = 0
			switch ch.Type {
			case ChamberDistrict:
				if ch.District == e.District {
					w[ci] = 6
				}
			case ChamberIndustry:
				if ch.Chain != "" && ch.Chain == e.Chain {
					w[ci] = 6
				} else if slices.Contains(ch.Industries, e.Industry) {
					w[ci] = 2
				}
			case ChamberRegional:
				w[ci] = 1
			case ChamberGroup:
				if ch.Key == "chamber.nqy" && female(e.LegalRep) {
					w[ci] = 3
				} else if ch.Key == "chamber.qnqy" && e.Founded.Year >= 2012 {
					w[ci] = 1.5
				}
			}
		}
		first := pickWeighted(rng, w)
		join(first, e)
		if rng.IntN(100) < 25 {
			w[first] = 0
			join(pickWeighted(rng, w), e)
		}
	}
	// Every chamber has at least a handful of members.
	for ci := range chambers {
		for len(members[ci]) < 8 {
			e := &b.c.Enterprises[rng.IntN(len(b.c.Enterprises))]
			if e.Ownership == OwnershipPrivate && (chambers[ci].Key != "chamber.nqy" || female(e.LegalRep)) {
				join(ci, e)
			}
		}
	}
	capital := func(k string) int64 { return b.c.Enterprises[enterpriseIndex(k)].RegisteredCapital }
	for _, ms := range members {
		slices.SortStableFunc(ms, func(x, y Membership) int {
			return cmp.Or(cmp.Compare(capital(y.Enterprise), capital(x.Enterprise)), strings.Compare(x.Enterprise, y.Enterprise))
		})
		n := len(ms)
		exec := min(max(1, n/40), 5)
		vice := min(max(2, n/12), 20)
		dirs := min(max(2, n/6), 40)
		for i := range ms {
			switch {
			case i == 0:
				ms[i].Post = PostPresident
			case i <= exec:
				ms[i].Post = PostExecVicePresident
			case i <= exec+vice:
				ms[i].Post = PostVicePresident
			case i <= exec+vice+dirs:
				ms[i].Post = PostDirector
			default:
				ms[i].Post = PostMember
			}
			if ms[i].Post != PostMember {
				rep := b.c.Enterprises[enterpriseIndex(ms[i].Enterprise)].LegalRep
				b.addPost(rep, KindChamber, ms[i].Chamber, ms[i].Post, ms[i].Joined)
				b.chamberOfficers[ms[i].Chamber] = append(b.chamberOfficers[ms[i].Chamber], rep)
			}
		}
		b.c.Memberships = append(b.c.Memberships, ms...)
	}
}

// mediationHeads makes a chamber officer the head (主任) of each of its
// mediation organisations: the 会长 of the first, the next officer of the
// second.
func (b *builder) mediationHeads() {
	for _, o := range b.c.Orgs {
		if o.Kind != KindMediation {
			continue
		}
		officers := b.chamberOfficers[o.Parent]
		i := 0
		if strings.HasSuffix(o.Key, ".2") {
			i = 1
		}
		head := officers[min(i, len(officers)-1)]
		b.addPost(head, KindMediation, o.Key, "主任", Date{max(o.Founded.Year, 2018), o.Founded.Month, o.Founded.Day})
	}
}

// latest returns the later of two dates.
func latest(a, b Date) Date {
	if a.Before(b) {
		return b
	}
	return a
}

// personIndex and enterpriseIndex decode the sequential keys.
func personIndex(k string) int     { return atoi(k[1:]) - 1 }
func enterpriseIndex(k string) int { return atoi(k[1:]) - 1 }

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
