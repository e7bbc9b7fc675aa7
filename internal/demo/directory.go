package demo

import (
	"context"
	"fmt"
	"time"

	"yingshang/internal/auth"
	"yingshang/internal/directory"
)

// loadDirectory writes the city's enterprises (organisations of kind enterprise with
// their registration facts), people, the posts they hold and the chambers' memberships,
// through the directory service in one transaction: every object is checked and audited
// like one an operator enters.
func loadDirectory(ctx context.Context, s Services, l *Loaded, res *Result) error {
	sys := auth.System()
	city := l.City
	start := time.Now()
	err := s.DB.WithTx(ctx, func(ctx context.Context) error {
		people := make([]directory.PersonInput, len(city.People))
		for i, p := range city.People {
			g := "male"
			if p.Female {
				g = "female"
			}
			people[i] = directory.PersonInput{Name: p.Name, Mobile: p.Mobile, Gender: g}
		}
		pids, err := s.Directory.CreatePeople(ctx, sys, people)
		if err != nil {
			return fmt.Errorf("demo: people: %w", err)
		}
		for i, p := range city.People {
			l.People[p.Key] = pids[i]
		}
		ents := make([]directory.EnterpriseInput, len(city.Enterprises))
		for i, e := range city.Enterprises {
			in := directory.EnterpriseInput{Name: e.Name, CreditCode: e.CreditCode, Industry: e.Industry, Size: string(e.Size),
				Ownership: string(e.Ownership), District: e.District, Chain: e.Chain, RegisteredCapital: e.RegisteredCapital,
				FoundedOn: e.Founded.String(), Employees: e.Employees, Address: e.Address}
			if p, ok := city.Person(e.LegalRep); ok {
				in.LegalRep = p.Name
			}
			if p, ok := city.Person(e.Contact); ok {
				in.ContactName, in.ContactPhone = p.Name, p.Mobile
			}
			ents[i] = in
		}
		eids, err := s.Directory.CreateEnterprises(ctx, sys, ents)
		if err != nil {
			return fmt.Errorf("demo: enterprises: %w", err)
		}
		for i, e := range city.Enterprises {
			l.Orgs[e.Key] = eids[i]
		}
		posts := make([]directory.PostInput, 0, len(city.Posts))
		for _, p := range city.Posts {
			org, ok := l.Orgs[p.Org.Key]
			if !ok {
				return fmt.Errorf("demo: post %s of %s: unknown organisation %s", p.Title, p.Person, p.Org.Key)
			}
			posts = append(posts, directory.PostInput{PersonID: l.People[p.Person], OrgID: org, Title: p.Title, SinceOn: p.Since.String()})
		}
		if err := s.Directory.AddPosts(ctx, sys, posts); err != nil {
			return fmt.Errorf("demo: posts: %w", err)
		}
		ms := make([]directory.MembershipInput, 0, len(city.Memberships))
		for _, m := range city.Memberships {
			ms = append(ms, directory.MembershipInput{ChamberID: l.Orgs[m.Chamber], EnterpriseID: l.Orgs[m.Enterprise], Post: m.Post, JoinedOn: m.Joined.String()})
		}
		if err := s.Directory.AddMemberships(ctx, sys, ms); err != nil {
			return fmt.Errorf("demo: memberships: %w", err)
		}
		res.Enterprises, res.People, res.Posts, res.Memberships = len(eids), len(pids), len(posts), len(ms)
		return nil
	})
	if err != nil {
		return err
	}
	if s.Log != nil {
		s.Log.Info("demo directory loaded", "enterprises", res.Enterprises, "people", res.People, "posts", res.Posts,
			"memberships", res.Memberships, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
