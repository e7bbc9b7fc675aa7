package appeal

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Who sees which appeal (applied in Go for one appeal, and in SQL by the queues):
//
//   - operators, and the system: every appeal;
//   - a department: appeals with an assignment of its organisation, in any round;
//   - an enterprise: its own enterprise's appeals;
//   - a chamber: the appeals it filed on its members' behalf. Membership alone does not
//     open a member's appeals to the chamber: an enterprise may complain about a fellow
//     member, and what it files itself is between it and the government;
//   - a leader: appeals they supervise, that were escalated to them, or (through
//     LeaderLinks) of an enterprise they are linked to; a liaison officer acting for a
//     leader (LeaderDelegates) also those the leader supervises or was escalated to;
//   - analysts and everyone else: none (statistics read aggregates only).
//
// Outside the scope an appeal does not exist: apperr.NotFound.
func (s *Service) canSee(ctx context.Context, a auth.Actor, ap Appeal) (bool, error) {
	if !a.ScopeAllows("appeals", false) {
		return false, nil
	}
	if a.IsSystem() || a.Has(auth.RoleOperator) {
		return true, nil
	}
	if a.Has(auth.RoleDepartment) && a.OrgID != 0 {
		var n int
		if err := s.row(ctx, deptSeesSQL, ap.ID, a.OrgID).Scan(&n); err != nil {
			return false, fmt.Errorf("appeal: scope: %w", err)
		}
		if n > 0 {
			return true, nil
		}
	}
	if a.Has(auth.RoleEnterprise) && a.OrgID != 0 && ap.EnterpriseOrgID == a.OrgID {
		return true, nil
	}
	if a.Has(auth.RoleChamber) && a.OrgID != 0 && ap.ChamberOrgID == a.OrgID {
		return true, nil
	}
	if a.Has(auth.RoleLeader) && a.UserID != 0 {
		return s.leaderSees(ctx, a, ap)
	}
	return false, nil
}

const (
	// The department is matched outside the WHERE clause so that no engine is tempted to
	// walk the department's index (all its parts) instead of the appeal's few.
	deptSeesSQL   = `SELECT COUNT(CASE WHEN org_id = $2 THEN 1 END) FROM appeal_assignments WHERE appeal_id = $1`
	leaderSeesSQL = `SELECT 1 FROM appeal_leaders WHERE appeal_id = $1 AND user_id = $2 LIMIT 1`
	partsSQL      = `SELECT ` + assignmentCols + ` FROM appeal_assignments x LEFT JOIN orgs o ON o.id = x.org_id WHERE x.appeal_id = $1 ORDER BY x.id`
)

func (s *Service) leaderSees(ctx context.Context, a auth.Actor, ap Appeal) (bool, error) {
	var one int
	err := s.row(ctx, leaderSeesSQL, ap.ID, a.UserID).Scan(&one)
	if err == nil {
		return true, nil
	}
	if !db.IsNoRows(err) {
		return false, fmt.Errorf("appeal: leader scope: %w", err)
	}
	if ap.EnterpriseOrgID != 0 {
		ids, err := s.links().LeadersFor(ctx, ap.EnterpriseOrgID)
		if err != nil {
			return false, fmt.Errorf("appeal: leader links: %w", err)
		}
		if slices.Contains(ids, a.UserID) {
			return true, nil
		}
	}
	return s.delegateSees(ctx, a.UserID, ap.ID)
}

const assignmentCols = `x.id, x.appeal_id, x.org_id, COALESCE(o.name, ''), x.role, x.round, x.state, x.dispatched_at, x.claim_due,
	x.claimed_at, x.claimed_on_time, x.handle_due, x.answered_at, x.answered_on_time, x.answer, x.outcome, x.returned_at,
	x.return_reason, x.return_approved, x.redone, x.closed_at`

func scanAssignment(sc interface{ Scan(...any) error }) (Assignment, error) {
	var p Assignment
	var round, dispatched, claimDue, claimed, handleDue, answered, returned, closed int64
	var claimedOnTime, answeredOnTime sql.NullBool
	err := sc.Scan(&p.ID, &p.AppealID, &p.OrgID, &p.OrgName, &p.Role, &round, &p.State, &dispatched, &claimDue,
		&claimed, &claimedOnTime, &handleDue, &answered, &answeredOnTime, &p.Answer, &p.Outcome, &returned,
		&p.ReturnReason, &p.ReturnApproved, &p.Redone, &closed)
	p.Round = int(round)
	p.DispatchedAt, p.ClaimDue, p.ClaimedAt = db.FromMillis(dispatched), db.FromMillis(claimDue), db.FromMillis(claimed)
	p.HandleDue, p.AnsweredAt, p.ReturnedAt, p.ClosedAt = db.FromMillis(handleDue), db.FromMillis(answered), db.FromMillis(returned), db.FromMillis(closed)
	p.ClaimedOnTime, p.AnsweredOnTime = fromNullBool(claimedOnTime), fromNullBool(answeredOnTime)
	return p, err
}

// parts reads every assignment of an appeal, oldest first.
func (s *Service) parts(ctx context.Context, appealID int64) ([]Assignment, error) {
	rows, err := s.rows(ctx, partsSQL, appealID)
	if err != nil {
		return nil, fmt.Errorf("appeal: assignments: %w", err)
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		p, err := scanAssignment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// open reports whether a part still waits for its department.
func (p Assignment) open() bool {
	return p.State == PartDispatched || p.State == PartClaimed || p.State == PartReturned
}

// current returns the parts of round r.
func current(parts []Assignment, r int) []Assignment {
	var out []Assignment
	for _, p := range parts {
		if p.Round == r {
			out = append(out, p)
		}
	}
	return out
}

// partOf finds the open part of org in round r with the given role.
func partOf(parts []Assignment, r int, org int64, role AssignmentRole) (Assignment, bool) {
	for _, p := range parts {
		if p.Round == r && p.OrgID == org && p.Role == role && p.open() {
			return p, true
		}
	}
	return Assignment{}, false
}

// leadOf returns the lead part of round r.
func leadOf(parts []Assignment, r int) (Assignment, bool) {
	for _, p := range parts {
		if p.Round == r && p.Role == RoleLead {
			return p, true
		}
	}
	return Assignment{}, false
}
