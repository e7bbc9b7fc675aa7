package citydata

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// leaderTitles are the 39 leaders' titles with the office supporting each.
// The people are invented; no name is that of a real official.
var leaderTitles = []struct{ title, office string }{
	{"市委书记", "cwbgt"},
	{"市委副书记、市长", "szfbgt"},
	{"市人大常委会主任", "srdbgt"},
	{"市政协主席", "szxbgt"},
	{"市委副书记", "cwbgt"},
	{"市委常委、常务副市长", "szfbgt"},
	{"市委常委、组织部部长", "cwbgt"},
	{"市委常委、宣传部部长", "cwbgt"},
	{"市委常委、统战部部长", "cwbgt"},
	{"市委常委、政法委书记", "cwbgt"},
	{"市委常委、秘书长", "cwbgt"},
	{"市委常委、市纪委书记、市监委主任", "cwbgt"},
	{"市委常委、湖南湘江新区党工委书记", "cwbgt"},
	{"市委常委、长沙高新区党工委书记", "cwbgt"},
	{"市委常委、副市长", "szfbgt"},
	{"副市长", "szfbgt"},
	{"副市长", "szfbgt"},
	{"副市长", "szfbgt"},
	{"副市长", "szfbgt"},
	{"副市长", "szfbgt"},
	{"副市长", "szfbgt"},
	{"副市长、市公安局局长", "szfbgt"},
	{"市人大常委会副主任", "srdbgt"},
	{"市人大常委会副主任", "srdbgt"},
	{"市人大常委会副主任", "srdbgt"},
	{"市人大常委会副主任", "srdbgt"},
	{"市人大常委会副主任", "srdbgt"},
	{"市人大常委会副主任", "srdbgt"},
	{"市政协副主席", "szxbgt"},
	{"市政协副主席", "szxbgt"},
	{"市政协副主席", "szxbgt"},
	{"市政协副主席", "szxbgt"},
	{"市政协副主席", "szxbgt"},
	{"市政协副主席", "szxbgt"},
	{"市政协副主席", "szxbgt"},
	{"市政协副主席", "szxbgt"},
	{"市中级人民法院院长", "zyfy"},
	{"市人民检察院检察长", "sjcy"},
	{"副市长", "szfbgt"},
}

// leaders creates the 39 city leaders with unique invented names.
func (b *builder) leaders() {
	rng := newRNG(b.seed, "leaders")
	used := map[string]bool{}
	for i, lt := range leaderTitles {
		female := rng.IntN(100) < 18
		key := b.addPerson(rng, female)
		p := &b.c.People[len(b.c.People)-1]
		for used[p.Name] {
			p.Name = personName(rng, female)
			for realNames[p.Name] {
				p.Name = personName(rng, female)
			}
		}
		used[p.Name] = true
		b.c.Leaders = append(b.c.Leaders, Leader{Key: fmt.Sprintf("L%02d", i+1), Person: key, Title: lt.title, Office: lt.office})
		kind := KindDepartment
		switch lt.office {
		case "zyfy":
			kind = KindCourt
		case "sjcy":
			kind = KindProcuratorate
		}
		b.addPost(key, kind, lt.office, lt.title, randDate(rng, 2020, 2023))
	}
}

// leaderLinks ties 71 private enterprises and 22 chambers to the leaders:
// 32 leaders have two enterprises and 7 have one; 22 leaders have a chamber.
func (b *builder) leaderLinks() {
	// Chambers first, from their own stream, so they do not depend on the
	// number of enterprises.
	crng := newRNG(b.seed, "links.chambers")
	chambers := b.c.OrgsOfKind(KindChamber)
	chosen := sample(crng, chambers, LinkedChamberCount)
	leaderOrder := crng.Perm(LeaderCount)
	var chamberLinks []LeaderLink
	for i, ch := range chosen {
		chamberLinks = append(chamberLinks, LeaderLink{Leader: b.c.Leaders[leaderOrder[i]].Key,
			Target: OrgRef{KindChamber, ch.Key}, Since: randDate(crng, 2019, 2024)})
	}

	// Enterprises: a weighted sample without replacement (Efraimidis-
	// Spirakis): larger enterprises and chamber officers are likelier.
	erng := newRNG(b.seed, "links.enterprises")
	officer := map[string]bool{}
	for _, m := range b.c.Memberships {
		if m.Post != PostMember && m.Post != PostDirector {
			officer[m.Enterprise] = true
		}
	}
	sizeWeight := map[Size]float64{SizeLarge: 40, SizeMedium: 10, SizeSmall: 1, SizeMicro: 0.1}
	type cand struct {
		i   int
		key float64
	}
	var cands []cand
	for i, e := range b.c.Enterprises {
		if e.Ownership != OwnershipPrivate {
			continue
		}
		w := sizeWeight[e.Size]
		if officer[e.Key] {
			w *= 3
		}
		cands = append(cands, cand{i, math.Log(erng.Float64()+1e-300) / w})
	}
	slices.SortStableFunc(cands, func(x, y cand) int { return cmp.Compare(y.key, x.key) })
	cands = cands[:LinkedEnterpriseCount]
	single := map[int]bool{}
	for _, i := range erng.Perm(LeaderCount)[:2*LeaderCount-LinkedEnterpriseCount] {
		single[i] = true
	}
	next := 0
	for li, l := range b.c.Leaders {
		n := 2
		if single[li] {
			n = 1
		}
		for range n {
			b.c.LeaderLinks = append(b.c.LeaderLinks, LeaderLink{Leader: l.Key,
				Target: OrgRef{KindEnterprise, b.c.Enterprises[cands[next].i].Key}, Since: randDate(erng, 2019, 2024)})
			next++
		}
		for _, cl := range chamberLinks {
			if cl.Leader == l.Key {
				b.c.LeaderLinks = append(b.c.LeaderLinks, cl)
			}
		}
	}
}
