package appeal

import (
	"context"
	"fmt"
	"strings"
	"time"

	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/notify"
)

// recipient is who hears of an appeal event: the users of an organisation holding a
// role, every operator, or one user.
type recipient struct {
	orgID     int64
	role      auth.Role
	userID    int64
	operators bool
	// enterpriseSide is the appeal's enterprise and the chamber that filed it.
	enterpriseSide bool
}

func toOrg(orgID int64, role auth.Role) recipient { return recipient{orgID: orgID, role: role} }
func toOperators() recipient                      { return recipient{operators: true} }
func toUser(id int64) recipient                   { return recipient{userID: id} }

// toDept is a department's handlers.
func toDept(orgID int64) recipient { return toOrg(orgID, auth.RoleDepartment) }

// toEnterprise is the enterprise's side of the event's appeal: its users (when it is in
// the directory) and the users of the chamber that filed it, if one did.
func toEnterprise(Appeal) recipient { return recipient{enterpriseSide: true} }

// appealEvent is a notification about an appeal. Key is the catalog key of the message;
// Args are its data, to which the appeal's number and title are added. ID names the
// real-world event (the move that caused it: appeal and version; an alert: appeal, clock,
// level and deadline) so that it is delivered once however often it is emitted.
type appealEvent struct {
	ID     string
	Key    string
	Appeal Appeal
	Args   map[string]any
	To     []recipient
}

// notifyAll is the ONE way this package notifies anyone: every move, the sweep and the
// propagation to merged appeals call it inside their transaction, so a notification
// exists exactly when its cause committed. It emits one notify.Event per group of
// recipients (a department's handlers, the operators, the enterprise's side, a leader):
// each recipient gets an in-app message (Title = the catalog key, Body = the JSON args,
// Link = the appeal's page), an email when they asked for it, and webhook subscribers get
// event type "appeal.<what>" (e.g. appeal.handle_overdue) with the appeal's number and
// state. Event keys are ID + key + group, so a retried or repeated emit is a no-op.
func (s *Service) notifyAll(ctx context.Context, ev appealEvent) error {
	if s.notify == nil || len(ev.To) == 0 {
		return nil
	}
	args := map[string]any{"Number": ev.Appeal.Number, "Title": ev.Appeal.Title}
	for k, v := range ev.Args {
		args[k] = v
	}
	typ := "appeal." + strings.TrimPrefix(ev.Key, "appeal.notify.")
	payload := map[string]any{"appeal_id": ev.Appeal.ID, "number": ev.Appeal.Number, "state": ev.Appeal.State, "args": ev.Args}
	emit := func(group string, orgs []int64, role auth.Role, users []int64) error {
		if len(orgs) == 0 && len(users) == 0 {
			return nil
		}
		e := notify.Event{Type: typ, Key: ev.ID + ":" + ev.Key + ":" + group, OrgIDs: orgs, UserIDs: users,
			TitleKey: ev.Key, Args: args, Link: "/appeals/" + ev.Appeal.Number, Payload: payload}
		if role != "" {
			e.Roles = []auth.Role{role}
		}
		if err := s.notify.Emit(ctx, e); err != nil {
			return fmt.Errorf("appeal: notify %s: %w", ev.Key, err)
		}
		return nil
	}
	seen := map[recipient]bool{}
	for _, r := range ev.To {
		if seen[r] {
			continue
		}
		seen[r] = true
		var err error
		switch {
		case r.operators:
			var feds []int64
			if feds, err = s.federations(ctx); err == nil {
				err = emit("operators", feds, auth.RoleOperator, nil)
			}
		case r.enterpriseSide:
			if id := ev.Appeal.EnterpriseOrgID; id != 0 {
				err = emit("o"+idStr(id), []int64{id}, auth.RoleEnterprise, nil)
			}
			if id := ev.Appeal.ChamberOrgID; id != 0 && err == nil {
				err = emit("o"+idStr(id), []int64{id}, auth.RoleChamber, nil)
			}
		case r.userID != 0:
			err = emit("u"+idStr(r.userID), nil, "", []int64{r.userID})
		case r.orgID != 0:
			err = emit("o"+idStr(r.orgID), []int64{r.orgID}, r.role, nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// federations are the organisations whose operators run the hotline.
func (s *Service) federations(ctx context.Context) ([]int64, error) {
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT id FROM orgs WHERE kind = $1 ORDER BY id`, auth.OrgFederation)
	if err != nil {
		return nil, fmt.Errorf("appeal: federations: %w", err)
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
	return out, rows.Err()
}

// leaderKind says why a leader is attached to an appeal.
type leaderKind string

const (
	leaderSupervise leaderKind = "supervise"
	leaderEscalate  leaderKind = "escalate"
)

const insertLeaderSQL = `INSERT INTO appeal_leaders (appeal_id, user_id, kind, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`

func (s *Service) addLeader(ctx context.Context, appealID, userID int64, kind leaderKind, at time.Time) error {
	_, err := s.exec(ctx, insertLeaderSQL, appealID, userID, string(kind), at.UnixMilli())
	if err != nil {
		return fmt.Errorf("appeal: add leader: %w", err)
	}
	return nil
}

// leadersOf are the leaders supervising the appeal or to whom it was escalated.
func (s *Service) leadersOf(ctx context.Context, appealID int64) ([]int64, error) {
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT DISTINCT user_id FROM appeal_leaders WHERE appeal_id = $1 ORDER BY user_id`, appealID)
	if err != nil {
		return nil, fmt.Errorf("appeal: leaders: %w", err)
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
	return out, rows.Err()
}

// fmtTime formats an instant for a message's data: Shanghai time to the minute, the same
// in both languages.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(calendar.Location()).Format("2006-01-02 15:04")
}
