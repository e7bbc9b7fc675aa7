package appeal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// enterpriseSide reports whether the actor sees the appeal as its enterprise (or the
// chamber that filed it) rather than as the government: internal steps, co-handlers'
// answers and staff names are not for them.
func enterpriseSide(a auth.Actor) bool {
	return !a.IsSystem() && !a.HasAny(auth.RoleOperator, auth.RoleDepartment, auth.RoleLeader)
}

// redact removes from ap what the actor may not read: a confidential appeal (保密) hides
// the enterprise and its contact from departments and leaders; the query code is for the
// operators and whoever filed it.
func redact(a auth.Actor, ap *Appeal) {
	if a.IsSystem() || a.Has(auth.RoleOperator) {
		return
	}
	own := a.OrgID != 0 && (a.OrgID == ap.EnterpriseOrgID || a.OrgID == ap.ChamberOrgID)
	if !own {
		ap.QueryCode = ""
		if ap.Confidential {
			ap.EnterpriseOrgID, ap.EnterpriseName, ap.CreditCode, ap.ContactName, ap.ContactPhone = 0, "", "", "", ""
			ap.FiledByUserID, ap.FiledByOrgID, ap.ChamberOrgID = 0, 0, 0
		}
	}
}

// Get returns one appeal in full, as the actor may see it (NotFound outside the scope).
// A read that shows a contact's phone number is recorded in the audit log.
func (s *Service) Get(ctx context.Context, a auth.Actor, id int64) (Appeal, error) {
	ap, err := s.load(ctx, id)
	if err != nil {
		return Appeal{}, err
	}
	return s.reveal(ctx, a, ap)
}

// GetByNumber is Get by the readable number.
func (s *Service) GetByNumber(ctx context.Context, a auth.Actor, number string) (Appeal, error) {
	var id int64
	// This and the page's other reads are bound to keys: their plans are kept (RQGeneric).
	err := s.db.RQGeneric(ctx).QueryRowContext(ctx, `SELECT id FROM appeals WHERE number = $1`, strings.ToUpper(strings.TrimSpace(number))).Scan(&id)
	if db.IsNoRows(err) {
		return Appeal{}, apperr.NotFound("appeal")
	}
	if err != nil {
		return Appeal{}, fmt.Errorf("appeal: by number: %w", err)
	}
	return s.Get(ctx, a, id)
}

func (s *Service) reveal(ctx context.Context, a auth.Actor, ap Appeal) (Appeal, error) {
	ok, err := s.canSee(ctx, a, ap)
	if err != nil {
		return Appeal{}, err
	}
	if !ok {
		return Appeal{}, apperr.NotFound("appeal")
	}
	if m := memoFor(ctx, a); m != nil {
		m.put(ap)
	}
	redact(a, &ap)
	if ap.ContactPhone != "" && !a.IsSystem() {
		if err := s.audit.Record(ctx, a, "appeal.read", "appeal", idStr(ap.ID), audit.Change{Note: ap.Number}); err != nil {
			return Appeal{}, err
		}
	}
	return ap, nil
}

// CanSee reports whether appeal id exists and is in the actor's scope, without reading
// or auditing the record: for filtering search hits and for links.
func (s *Service) CanSee(ctx context.Context, a auth.Actor, id int64) (bool, error) {
	ap, err := s.load(ctx, id)
	if errors.Is(err, apperr.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return s.canSee(ctx, a, ap)
}

// see loads an appeal and applies the actor's scope (once per appeal under a context
// from RememberSeen).
func (s *Service) see(ctx context.Context, a auth.Actor, id int64) (Appeal, error) {
	m := memoFor(ctx, a)
	if m != nil {
		if ap, ok := m.get(id); ok {
			return ap, nil
		}
	}
	ap, err := s.load(ctx, id)
	if err != nil {
		return Appeal{}, err
	}
	ok, err := s.canSee(ctx, a, ap)
	if err != nil {
		return Appeal{}, err
	}
	if !ok {
		return Appeal{}, apperr.NotFound("appeal")
	}
	if m != nil {
		m.put(ap)
	}
	return ap, nil
}

// Timeline returns the appeal's steps, oldest first. The enterprise's side sees public
// steps only, without staff names; on a confidential appeal the government side does not
// see who on the enterprise's side acted.
func (s *Service) Timeline(ctx context.Context, a auth.Actor, id int64) ([]Event, error) {
	ap, err := s.see(ctx, a, id)
	if err != nil {
		return nil, err
	}
	q := `SELECT id, appeal_id, at, COALESCE(actor_id, 0), actor_name, COALESCE(actor_org_id, 0), actor_org_name, action,
		from_state, to_state, note, data, public FROM appeal_events WHERE appeal_id = $1`
	args := []any{id}
	ent := enterpriseSide(a)
	if ent {
		q += ` AND public = $2`
		args = append(args, true)
	}
	rows, err := s.db.RQGeneric(ctx).QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("appeal: timeline: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var data string
		if err := rows.Scan(&e.ID, &e.AppealID, &at, &e.ActorID, &e.ActorName, &e.ActorOrgID, &e.ActorOrgName, &e.Action,
			&e.From, &e.To, &e.Note, &data, &e.Public); err != nil {
			return nil, err
		}
		e.At = db.FromMillis(at)
		if data != "" && data != "{}" {
			if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
				return nil, fmt.Errorf("appeal: event %d data: %w", e.ID, err)
			}
		}
		if ent && e.ActorOrgID != a.OrgID {
			e.ActorID, e.ActorName = 0, ""
		}
		if !ent && ap.Confidential && !a.Has(auth.RoleOperator) && !a.IsSystem() &&
			e.ActorOrgID != 0 && (e.ActorOrgID == ap.EnterpriseOrgID || e.ActorOrgID == ap.ChamberOrgID) {
			e.ActorID, e.ActorName, e.ActorOrgID, e.ActorOrgName = 0, "", 0, ""
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Assignments returns the appeal's parts, every round, oldest first. The enterprise's
// side sees which departments handle it, not their internal answers or return reasons.
func (s *Service) Assignments(ctx context.Context, a auth.Actor, id int64) ([]Assignment, error) {
	if _, err := s.see(ctx, a, id); err != nil {
		return nil, err
	}
	parts, err := s.parts(ctx, id)
	if err != nil {
		return nil, err
	}
	if enterpriseSide(a) {
		for i := range parts {
			parts[i].Answer, parts[i].ReturnReason = "", ""
		}
	}
	return parts, nil
}

// Callbacks returns the appeal's callbacks, oldest first.
func (s *Service) Callbacks(ctx context.Context, a auth.Actor, id int64) ([]CallbackRecord, error) {
	if _, err := s.see(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.db.RQGeneric(ctx).QueryContext(ctx, `SELECT id, appeal_id, round, COALESCE(lead_org_id, 0), satisfaction, solved, note, via,
		COALESCE(by_user_id, 0), at, on_time FROM appeal_callbacks WHERE appeal_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("appeal: callbacks: %w", err)
	}
	defer rows.Close()
	var out []CallbackRecord
	for rows.Next() {
		var c CallbackRecord
		var round, at int64
		if err := rows.Scan(&c.ID, &c.AppealID, &round, &c.LeadOrgID, &c.Satisfaction, &c.Solved, &c.Note, &c.Via, &c.ByUserID, &at, &c.OnTime); err != nil {
			return nil, err
		}
		c.Round, c.At = int(round), db.FromMillis(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Extensions returns the appeal's extension requests, oldest first (the government side
// only: Forbidden for the enterprise's).
func (s *Service) Extensions(ctx context.Context, a auth.Actor, id int64) ([]Extension, error) {
	if _, err := s.see(ctx, a, id); err != nil {
		return nil, err
	}
	if enterpriseSide(a) {
		return nil, apperr.Forbidden()
	}
	rows, err := s.db.RQGeneric(ctx).QueryContext(ctx, `SELECT id, appeal_id, org_id, days, reason, requested_at, COALESCE(requested_by, 0), decided_at,
		COALESCE(decided_by, 0), approved, note, old_due, new_due FROM appeal_extensions WHERE appeal_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("appeal: extensions: %w", err)
	}
	defer rows.Close()
	var out []Extension
	for rows.Next() {
		var e Extension
		var days, req, dec, oldDue, newDue int64
		var approved any
		if err := rows.Scan(&e.ID, &e.AppealID, &e.OrgID, &days, &e.Reason, &req, &e.RequestedBy, &dec, &e.DecidedBy, &approved, &e.Note, &oldDue, &newDue); err != nil {
			return nil, err
		}
		e.Days = int(days)
		e.RequestedAt, e.DecidedAt, e.OldDue, e.NewDue = db.FromMillis(req), db.FromMillis(dec), db.FromMillis(oldDue), db.FromMillis(newDue)
		switch x := approved.(type) {
		case bool:
			e.Approved = boolPtr(x)
		case int64:
			e.Approved = boolPtr(x != 0)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Actions lists the moves the actor may make on the appeal now, in table order: what the
// interface offers as buttons. (A listed move can still fail its checks, e.g. a reopen
// without an unsatisfied callback.)
func (s *Service) Actions(ctx context.Context, a auth.Actor, id int64) ([]Action, error) {
	ap, err := s.see(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !a.ScopeAllows("appeals", true) {
		return nil, nil
	}
	parts, err := s.parts(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []Action
	for _, e := range Edges(ap.State) {
		m := &move{s: s, actor: a, parts: parts, ap: ap}
		if s.actAs(ctx, m, e) {
			out = append(out, e.Action)
		}
	}
	return out, nil
}
