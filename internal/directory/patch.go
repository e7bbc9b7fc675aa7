package directory

import (
	"context"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
)

// EnterprisePatch changes some fields of an enterprise (the API's PATCH): nil fields keep
// their value. Version is required.
type EnterprisePatch struct {
	Name              *string
	ShortName         *string
	CreditCode        *string
	Industry          *string
	Size              *string
	Ownership         *string
	District          *string
	Chain             *string
	RegisteredCapital *int64
	FoundedOn         *string
	Employees         *int
	LegalRep          *string
	ContactName       *string
	ContactPhone      *string
	Address           *string
	Version           int64
}

// onlyContact reports whether the patch touches nothing but the contact fields.
func (p EnterprisePatch) onlyContact() bool {
	return p.Name == nil && p.ShortName == nil && p.CreditCode == nil && p.Industry == nil && p.Size == nil &&
		p.Ownership == nil && p.District == nil && p.Chain == nil && p.RegisteredCapital == nil && p.FoundedOn == nil &&
		p.Employees == nil && p.LegalRep == nil && p.Address == nil
}

// PatchEnterprise applies a partial change: directory editors change any field; an
// enterprise's own users change its contact fields only. A stale version is a conflict.
func (s *Service) PatchEnterprise(ctx context.Context, a auth.Actor, id int64, p EnterprisePatch) (Enterprise, error) {
	if _, err := s.GetEnterprise(ctx, a, id); err != nil {
		return Enterprise{}, err
	}
	if p.Version <= 0 {
		return Enterprise{}, apperr.Invalid("version", "error.required")
	}
	if !CanEditDirectory(a) {
		if !CanEditContact(a, id) || !p.onlyContact() {
			return Enterprise{}, apperr.Forbidden()
		}
	}
	cur, err := s.enterpriseByID(ctx, id)
	if err != nil {
		return Enterprise{}, err
	}
	if cur.Version != p.Version {
		return Enterprise{}, apperr.Conflict()
	}
	in := InputOf(cur)
	in.Version = p.Version
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.ContactName, p.ContactName)
	set(&in.ContactPhone, p.ContactPhone)
	if !CanEditDirectory(a) {
		return s.UpdateContact(ctx, a, id, ContactInput{ContactName: in.ContactName, ContactPhone: in.ContactPhone, Version: p.Version})
	}
	set(&in.Name, p.Name)
	set(&in.ShortName, p.ShortName)
	set(&in.CreditCode, p.CreditCode)
	set(&in.Industry, p.Industry)
	set(&in.Size, p.Size)
	set(&in.Ownership, p.Ownership)
	set(&in.District, p.District)
	set(&in.Chain, p.Chain)
	set(&in.FoundedOn, p.FoundedOn)
	set(&in.LegalRep, p.LegalRep)
	set(&in.Address, p.Address)
	if p.RegisteredCapital != nil {
		in.RegisteredCapital = *p.RegisteredCapital
	}
	if p.Employees != nil {
		in.Employees = *p.Employees
	}
	return s.UpdateEnterprise(ctx, a, id, in)
}
