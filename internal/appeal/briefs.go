package appeal

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Brief is an appeal in a few words, for the pages of other parts that follow appeals
// raised elsewhere (a leader's visit, a roundtable): where it stands, its clock, and how
// it ended. The contact is never in it.
type Brief struct {
	ID               int64
	Number           string
	Kind             Kind
	Channel          Channel
	Priority         Priority
	Title            string
	EnterpriseOrgID  int64 // 0 on a confidential appeal the actor may not identify
	EnterpriseName   string
	State            State
	LeadOrgID        int64
	LeadOrgName      string
	SupervisionLevel int
	Escalated        bool
	SLALevel         Level // the stored colour (set by the moves and the sweep)
	SLAClock         Clock
	SLADue           time.Time
	ClaimDue         time.Time // zero when not running
	HandleDue        time.Time
	CallbackDue      time.Time
	Outcome          Outcome
	Satisfaction     Satisfaction
	Solved           *bool
	CreatedAt        time.Time
	RepliedAt        time.Time
	ClosedAt         time.Time
	Version          int64
}

// Answered reports whether the appeal has its answer: replied (waiting for the callback)
// or closed, or merged into another.
func (b Brief) Answered() bool {
	return b.State == StateReplied || b.State == StateClosed || b.State == StateMerged || b.State == StateRejected
}

func briefOf(ap Appeal) Brief {
	b := Brief{ID: ap.ID, Number: ap.Number, Kind: ap.Kind, Channel: ap.Channel, Priority: ap.Priority, Title: ap.Title,
		EnterpriseOrgID: ap.EnterpriseOrgID, EnterpriseName: ap.EnterpriseName, State: ap.State, LeadOrgID: ap.LeadOrgID,
		LeadOrgName: ap.LeadOrgName, SupervisionLevel: ap.SupervisionLevel, Escalated: ap.Escalated, SLALevel: ap.SLALevel,
		SLAClock: ap.SLAClock, SLADue: ap.SLADue, Outcome: ap.Outcome, Satisfaction: ap.Satisfaction, Solved: ap.Solved,
		CreatedAt: ap.CreatedAt, RepliedAt: ap.RepliedAt, ClosedAt: ap.ClosedAt, Version: ap.Version}
	for _, c := range clocks(&ap) {
		switch c.clock {
		case ClockClaim:
			b.ClaimDue = c.sla.Due
		case ClockHandle:
			b.HandleDue = c.sla.Due
		case ClockCallback:
			b.CallbackDue = c.sla.Due
		}
	}
	return b
}

// briefsSQL reads the appeals whose ids a JSON array ($1) lists.
func briefsSQL(d *db.DB) string {
	return `SELECT ` + appealCols + appealFrom + ` WHERE a.id IN (` + d.Engine.InIDs("$1") + `)`
}

// maxBriefs bounds one Briefs or OpenForEnterprises call.
const maxBriefs = 500

func inList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// Briefs returns the appeals among ids that the actor may see, by id (the others are
// simply absent, as if they did not exist). At most 500 ids per call.
func (s *Service) Briefs(ctx context.Context, a auth.Actor, ids []int64) (map[int64]Brief, error) {
	out := make(map[int64]Brief, len(ids))
	if len(ids) == 0 || !a.ScopeAllows("appeals", false) {
		return out, nil
	}
	if len(ids) > maxBriefs {
		return nil, fmt.Errorf("appeal: %d briefs asked, at most %d", len(ids), maxBriefs)
	}
	// Bound only to a list of ids: its plan (the appeals by their key) never depends on
	// the values, and PostgreSQL planned it again at every call on the readers' pool (a
	// search's 20 briefs: 0.52 ms of planning for 0.56 ms of running).
	rows, err := s.db.RQGeneric(ctx).QueryContext(ctx, briefsSQL(s.db), db.IDsJSON(ids))
	if err != nil {
		return nil, fmt.Errorf("appeal: briefs: %w", err)
	}
	aps := make([]Appeal, 0, len(ids))
	for rows.Next() {
		ap, err := scanAppeal(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		aps = append(aps, ap)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ap := range aps {
		ok, err := s.canSee(ctx, a, ap)
		if err != nil {
			return nil, err
		}
		if ok {
			redact(a, &ap)
			out[ap.ID] = briefOf(ap)
		}
	}
	return out, nil
}

// seesEnterprise reports whether the actor sees every appeal of enterprise org: operators
// and the system, the enterprise itself, and the leaders (and their liaison officers)
// linked to it.
func (s *Service) seesEnterprise(ctx context.Context, a auth.Actor, org int64) (bool, error) {
	switch {
	case !a.ScopeAllows("appeals", false) || org == 0:
		return false, nil
	case a.IsSystem() || a.Has(auth.RoleOperator):
		return true, nil
	case a.Has(auth.RoleEnterprise) && a.OrgID == org:
		return true, nil
	case a.Has(auth.RoleLeader) && a.UserID != 0:
		ids, err := s.links().LeadersFor(ctx, org)
		if err != nil {
			return false, fmt.Errorf("appeal: leader links: %w", err)
		}
		return slices.Contains(ids, a.UserID), nil
	}
	return false, nil
}

// openStatesSQL is the literal list of the open states: the same text as the predicate of
// the partial index appeals_enterprise_open, so both engines use it.
const openStatesSQL = `('submitted', 'accepted', 'dispatched', 'in_progress', 'returned', 'extension_requested', 'replied')`

// openForEnterprisesSQL reads the open appeals of orgs through appeals_enterprise_open.
func openForEnterprisesSQL(orgs []int64, limit int) string {
	return `SELECT ` + appealCols + appealFrom + ` WHERE a.enterprise_org_id IN (` + inList(orgs) + `)
		AND a.state IN ` + openStatesSQL + `
		ORDER BY CASE a.sla_level WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END, CASE WHEN a.sla_due = 0 THEN 1 ELSE 0 END, a.sla_due, a.id
		LIMIT ` + strconv.Itoa(limit)
}

// OpenForEnterprises lists the open appeals of the enterprises orgs (at most 500
// enterprises), worst first: overdue (red), then warned (yellow), then by the deadline
// that comes first, appeals without a running clock last; at most limit (1…500). Every
// enterprise must be in the actor's scope as a whole (see seesEnterprise), else NotFound.
func (s *Service) OpenForEnterprises(ctx context.Context, a auth.Actor, orgs []int64, limit int) ([]Brief, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	if len(orgs) > maxBriefs {
		return nil, fmt.Errorf("appeal: %d enterprises asked, at most %d", len(orgs), maxBriefs)
	}
	for _, org := range orgs {
		ok, err := s.seesEnterprise(ctx, a, org)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.NotFound("org")
		}
	}
	limit = min(max(limit, 1), maxBriefs)
	rows, err := s.db.RQOnce(ctx).QueryContext(ctx, openForEnterprisesSQL(orgs, limit))
	if err != nil {
		return nil, fmt.Errorf("appeal: open for enterprises: %w", err)
	}
	defer rows.Close()
	var out []Brief
	for rows.Next() {
		ap, err := scanAppeal(rows)
		if err != nil {
			return nil, err
		}
		redact(a, &ap)
		out = append(out, briefOf(ap))
	}
	return out, rows.Err()
}
