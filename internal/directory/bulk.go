package directory

import (
	"context"
	"fmt"
	"strconv"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
)

// Bulk creation for large trusted loads (the demo city, migrations from another system):
// every object is checked and audited exactly as a single creation would be, and the
// whole batch runs in one transaction (the caller's, if ctx carries one), so a load is
// all or nothing. The first invalid object stops the batch; its error says which.

// BulkError says which element of a batch was refused.
type BulkError struct {
	Index int
	Err   error
}

func (e *BulkError) Error() string { return fmt.Sprintf("directory: item %d: %v", e.Index, e.Err) }

// Unwrap exposes the element's error (an *apperr.Error).
func (e *BulkError) Unwrap() error { return e.Err }

// CreateEnterprises registers many enterprises (directory editors) and returns their ids
// in input order.
func (s *Service) CreateEnterprises(ctx context.Context, a auth.Actor, ins []EnterpriseInput) ([]int64, error) {
	if !CanEditDirectory(a) {
		return nil, apperr.Forbidden()
	}
	ids := make([]int64, 0, len(ins))
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		q := s.db.Q(ctx)
		for i, in := range ins {
			var v apperr.Validation
			s.checkEnterprise(&in, &v)
			if err := s.duplicates(ctx, &in, 0, &v); err != nil {
				return err
			}
			if err := v.Err(); err != nil {
				return &BulkError{i, err}
			}
			id, err := s.insertEnterprise(ctx, in, q)
			if err != nil {
				return &BulkError{i, s.uniqueError(ctx, err, in)}
			}
			if err := s.audit.Record(ctx, a, "enterprise.create", "org", strconv.FormatInt(id, 10), audit.Change{After: in}); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// CreatePeople adds many people (directory editors) and returns their ids in order.
func (s *Service) CreatePeople(ctx context.Context, a auth.Actor, ins []PersonInput) ([]int64, error) {
	if !CanEditDirectory(a) {
		return nil, apperr.Forbidden()
	}
	ids := make([]int64, 0, len(ins))
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		for i, in := range ins {
			var v apperr.Validation
			s.checkPerson(&in, &v)
			if err := v.Err(); err != nil {
				return &BulkError{i, err}
			}
			id, err := s.insertPerson(ctx, a, in)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// AddPosts gives many posts (directory editors).
func (s *Service) AddPosts(ctx context.Context, a auth.Actor, ins []PostInput) error {
	if !CanEditDirectory(a) {
		return apperr.Forbidden()
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		for i, in := range ins {
			if _, err := s.addPost(ctx, a, in); err != nil {
				return &BulkError{i, err}
			}
		}
		return nil
	})
}

// AddMemberships adds many chamber memberships (directory editors).
func (s *Service) AddMemberships(ctx context.Context, a auth.Actor, ins []MembershipInput) error {
	if !CanEditDirectory(a) {
		return apperr.Forbidden()
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		for i, in := range ins {
			if _, err := s.addMembership(ctx, a, in); err != nil {
				return &BulkError{i, err}
			}
		}
		return nil
	})
}
