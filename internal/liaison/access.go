package liaison

import (
	"context"
	"fmt"
	"slices"

	"yingshang/internal/auth"
)

// Who sees what (product.md's role table; everything outside the scope is NotFound):
//
//   - administrators and operators see every leader, link, visit and roundtable, and
//     manage leaders and links (operators also record visits for a leader, and record
//     roundtables);
//   - a city leader sees their own links and visits, records their visits and keeps their
//     desk; the liaison officer (联络员) of one of a leader's active links acts for that
//     leader and has the same view of the leader's links, visits and desk;
//   - a department sees the visits it came along on and the roundtables it hosted;
//   - an enterprise or chamber sees its own links (its leader) and the visits and
//     roundtables it took part in, limited to itself: not the other organisations', not
//     the summary, not the files, only its own problems;
//   - analysts read the suggestion statistics (aggregates) only.
//
// The appeals the problems became keep the appeal loop's own scope: a problem links to its
// appeal only for those the appeal service lets see it; who may see a visit or roundtable
// reads its problems' titles and states (the record of the meeting and how it is followed
// up), never the appeal's contact or text.

// seesAll reports whether the actor sees every link, visit and roundtable.
func seesAll(a auth.Actor) bool { return a.IsSystem() || a.HasAny(auth.RoleAdmin, auth.RoleOperator) }

// CanManageLinks reports whether the actor manages leaders' profiles and links.
func CanManageLinks(a auth.Actor) bool {
	return a.IsSystem() || a.HasAny(auth.RoleAdmin, auth.RoleOperator)
}

// CanRecordRoundtables reports whether the actor records roundtables (and dispatches
// their issues): the operators of the appeal loop.
func CanRecordRoundtables(a auth.Actor) bool { return a.IsSystem() || a.Has(auth.RoleOperator) }

// CanRecordVisits reports whether the actor may record visits at all: leaders (and their
// officers) for themselves, operators for any leader.
func CanRecordVisits(a auth.Actor) bool {
	return a.IsSystem() || a.HasAny(auth.RoleOperator, auth.RoleLeader)
}

// ActingFor lists the leaders (user ids) the actor acts for: themself when they are a
// city leader with a profile, and the leaders of the active links whose liaison officer
// they are. Empty for everyone else.
func (s *Service) ActingFor(ctx context.Context, a auth.Actor) ([]int64, error) {
	if !a.Has(auth.RoleLeader) || a.UserID == 0 {
		return nil, nil
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, actingForSQL, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("liaison: acting for: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	slices.Sort(out)
	// The leader themself first.
	if i := slices.Index(out, a.UserID); i > 0 {
		out = append([]int64{a.UserID}, slices.Delete(out, i, i+1)...)
	}
	return out, rows.Err()
}

// actsFor reports whether the actor acts for leader (is the leader, or their officer).
func (s *Service) actsFor(ctx context.Context, a auth.Actor, leader int64) (bool, error) {
	ids, err := s.ActingFor(ctx, a)
	if err != nil {
		return false, err
	}
	return slices.Contains(ids, leader), nil
}

// view is how much of a visit or roundtable an actor sees.
type view int

const (
	viewNone    view = iota
	viewLimited      // an enterprise or chamber that took part: itself only
	viewFull
)
