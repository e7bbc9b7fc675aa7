package app

import (
	"context"
	"crypto/rand"
	"fmt"

	"yingshang/internal/auth"
	"yingshang/internal/directory"
)

// FederationName is the organisation that runs the platform; the first admin belongs to it.
const FederationName = "长沙市工商业联合会"

// Bootstrap makes an empty database usable: the federation and an `admin` user. The
// password is the given one (YINGSHANG_ADMIN_PASSWORD) or a random one returned to be
// printed once. created is false when users already exist.
func (a *App) Bootstrap(ctx context.Context, password string) (pw string, created bool, err error) {
	n, err := a.Auth.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", false, err
	}
	sys := auth.System()
	org, err := a.Directory.OrgByName(ctx, sys, FederationName)
	if err != nil {
		org, err = a.Directory.CreateOrg(ctx, sys, directory.OrgInput{Kind: auth.OrgFederation, Name: FederationName, ShortName: "市工商联", DistrictCode: "430100"})
		if err != nil {
			return "", false, fmt.Errorf("bootstrap: federation: %w", err)
		}
	}
	generated := password == ""
	if generated {
		password = RandomPassword()
	}
	if _, err := a.Auth.CreateUser(ctx, sys, auth.NewUser{
		Username: "admin", DisplayName: "系统管理员", OrgID: org.ID, Password: password,
		Roles: []auth.Role{auth.RoleAdmin},
	}); err != nil {
		return "", false, fmt.Errorf("bootstrap: admin: %w", err)
	}
	return password, true, nil
}

// RandomPassword returns 16 characters from every class the policy counts.
func RandomPassword() string {
	const (
		lower  = "abcdefghijkmnpqrstuvwxyz"
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digits = "23456789"
		symbol = "@#%+=!"
	)
	all := lower + upper + digits + symbol
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	out := make([]byte, 16)
	for i := range b {
		set := all
		switch i {
		case 0:
			set = upper
		case 5:
			set = digits
		case 10:
			set = symbol
		case 15:
			set = lower
		}
		out[i] = set[int(b[i])%len(set)]
	}
	return string(out)
}
