package appeal

import (
	"context"
	"fmt"
)

// LeaderDelegates is implemented by a LeaderLinks hook that knows who acts for a city
// leader: the liaison officers (联络员) of the leader's office. Such a user (role leader)
// may file a problem raised on the leader's visit as supervised by the leader, and sees
// the appeals the leader supervises or was escalated to, as the leader does. Without it
// (the default hook) nobody acts for anybody.
type LeaderDelegates interface {
	// ActsFor reports whether user acts for leader (a user never needs to act for
	// themself: callers check that first).
	ActsFor(ctx context.Context, user, leader int64) (bool, error)
}

// actsFor reports whether user is leader or acts for them.
func (s *Service) actsFor(ctx context.Context, user, leader int64) (bool, error) {
	if user == leader {
		return true, nil
	}
	d, ok := s.links().(LeaderDelegates)
	if !ok || user == 0 || leader == 0 {
		return false, nil
	}
	yes, err := d.ActsFor(ctx, user, leader)
	if err != nil {
		return false, fmt.Errorf("appeal: leader delegates: %w", err)
	}
	return yes, nil
}

// delegateSees reports whether the actor acts for one of the leaders supervising appeal
// id or escalated to with it (appeal_leaders).
func (s *Service) delegateSees(ctx context.Context, user, appealID int64) (bool, error) {
	if _, ok := s.links().(LeaderDelegates); !ok {
		return false, nil
	}
	leaders, err := s.leadersOf(ctx, appealID)
	if err != nil {
		return false, err
	}
	for _, l := range leaders {
		if ok, err := s.actsFor(ctx, user, l); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}
