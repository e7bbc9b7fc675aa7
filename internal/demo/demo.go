// Package demo loads the demo city (package citydata) into an empty database through the
// same services users go through, so every demo object is valid, audited and scoped like
// a real one.
package demo

import (
	"context"
	"fmt"
	"log/slog"

	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/demo/citydata"
	"yingshang/internal/directory"
	"yingshang/internal/liaison"
)

// Services are what the loader writes through.
type Services struct {
	DB        *db.DB
	Auth      *auth.Service
	Directory *directory.Service
	// Liaison, when set, receives the leaders' profiles, officers, links and visits.
	Liaison *liaison.Service
	Log     *slog.Logger
}

// Options choose the city.
type Options struct {
	Seed        uint64
	Enterprises int
}

// Result says what was loaded.
type Result struct {
	Orgs, Enterprises, People, Posts, Memberships, Users int
	// Links and Visits are the leader liaison's (loadLiaison).
	Links, Visits int
	Password      string
}

// Loaded maps the city's keys to database ids, for later parts of the loader.
type Loaded struct {
	City   *citydata.City
	Orgs   map[string]int64 // org and enterprise keys → org id
	People map[string]int64 // person keys → person id
	Users  map[string]int64 // username → user id
}

// orgKind maps the city's kinds to the directory's.
func orgKind(o citydata.Org) string {
	switch o.Kind {
	case citydata.KindDepartment:
		if o.Agency == citydata.AgencyFederation {
			return auth.OrgFederation
		}
		return auth.OrgGovernment
	case citydata.KindChamber:
		return auth.OrgChamber
	case citydata.KindBank:
		return auth.OrgBank
	case citydata.KindUniversity:
		return auth.OrgUniversity
	case citydata.KindCourt:
		return auth.OrgCourt
	case citydata.KindProcuratorate:
		return auth.OrgProcuratorate
	case citydata.KindPolice:
		return auth.OrgPolice
	case citydata.KindMediation:
		return auth.OrgMediation
	case citydata.KindLegal:
		return auth.OrgLegal
	}
	return auth.OrgGovernment
}

// IsEmpty reports whether the database holds no directory data beyond the bootstrap.
func IsEmpty(ctx context.Context, d *db.DB) (bool, error) {
	var n int
	err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&n)
	return n <= 1, err
}

// Load builds the city and writes it. It refuses a database that already holds data.
func Load(ctx context.Context, s Services, o Options) (Result, *Loaded, error) {
	empty, err := IsEmpty(ctx, s.DB)
	if err != nil {
		return Result{}, nil, err
	}
	if !empty {
		return Result{}, nil, fmt.Errorf("demo: the database already holds data; the demo city loads into an empty database only")
	}
	if o.Enterprises == 0 {
		o.Enterprises = citydata.DefaultEnterprises
	}
	city := citydata.Build(o.Seed, o.Enterprises)
	l := &Loaded{City: city, Orgs: map[string]int64{}, People: map[string]int64{}, Users: map[string]int64{}}
	res := Result{Password: citydata.DemoPassword}
	sys := auth.System()
	// Orgs arrive parents first (a mediation organisation after its chamber).
	err = s.DB.WithTx(ctx, func(ctx context.Context) error {
		for _, org := range city.Orgs {
			kind := orgKind(org)
			var parent int64
			if org.Parent != "" {
				parent = l.Orgs[org.Parent]
			}
			var id int64
			if kind == auth.OrgFederation {
				if existing, err := s.Directory.OrgByName(ctx, sys, org.Name); err == nil {
					id = existing.ID
				}
			}
			if id == 0 {
				created, err := s.Directory.CreateOrg(ctx, sys, directory.OrgInput{Kind: kind, Name: org.Name, ShortName: org.ShortName,
					ParentID: parent, DistrictCode: org.District, Phone: org.Phone, Address: org.Address})
				if err != nil {
					return fmt.Errorf("demo: org %s: %w", org.Name, err)
				}
				id = created.ID
				res.Orgs++
			}
			l.Orgs[org.Key] = id
		}
		return nil
	})
	if err != nil {
		return res, nil, err
	}
	if err := loadDirectory(ctx, s, l, &res); err != nil {
		return res, nil, err
	}
	if err := loadUsers(ctx, s, l, &res); err != nil {
		return res, nil, err
	}
	if err := loadLiaison(ctx, s, l, &res); err != nil {
		return res, nil, err
	}
	return res, l, nil
}

func loadUsers(ctx context.Context, s Services, l *Loaded, res *Result) error {
	sys := auth.System()
	hash, err := s.Auth.HashPassword(ctx, citydata.DemoPassword)
	if err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(ctx context.Context) error {
		for _, u := range l.City.Users {
			if u.Username == "admin" {
				if existing, err := s.Auth.UserByUsername(ctx, sys, "admin"); err == nil {
					l.Users[u.Username] = existing.ID
					continue
				}
			}
			orgID := l.Orgs[u.Org.Key]
			if orgID == 0 {
				return fmt.Errorf("demo: user %s: unknown organisation %s", u.Username, u.Org.Key)
			}
			name := u.Username
			phone := ""
			if p, ok := l.City.Person(u.Person); ok {
				name, phone = p.Name, p.Mobile
			}
			roles := make([]auth.Role, 0, len(u.Roles))
			for _, r := range u.Roles {
				roles = append(roles, auth.Role(r))
			}
			created, err := s.Auth.CreateUser(ctx, sys, auth.NewUser{Username: u.Username, DisplayName: name, OrgID: orgID,
				Phone: phone, PasswordHash: hash, Roles: roles})
			if err != nil {
				return fmt.Errorf("demo: user %s: %w", u.Username, err)
			}
			l.Users[u.Username] = created.ID
			res.Users++
		}
		return nil
	})
}
