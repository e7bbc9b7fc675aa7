package demo

import (
	"context"
	"fmt"

	"yingshang/internal/auth"
	"yingshang/internal/directory"
)

func loadEnterprisesAsOrgs(ctx context.Context, s Services, l *Loaded, res *Result) error {
	sys := auth.System()
	return s.DB.WithTx(ctx, func(ctx context.Context) error {
		for _, e := range l.City.Enterprises {
			o, err := s.Directory.CreateOrg(ctx, sys, directory.OrgInput{Kind: auth.OrgEnterprise, Name: e.Name, DistrictCode: e.District, Address: e.Address})
			if err != nil {
				return fmt.Errorf("demo: enterprise %s: %w", e.Name, err)
			}
			l.Orgs[e.Key] = o.ID
			res.Enterprises++
		}
		return nil
	})
}
