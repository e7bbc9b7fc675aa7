package appeal

import (
	"context"
	"encoding/json"
	"fmt"
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

// appealEvent is a notification about an appeal. Key is the catalog key of the message
// (and its kind); Args are its data, to which the appeal's number and title are added.
type appealEvent struct {
	Key    string
	Appeal Appeal
	Args   map[string]any
	To     []recipient
}

// notifyAll is the ONE way this package notifies anyone: every move, the sweep and the
// propagation to merged appeals call it inside their transaction, so a notification
// exists exactly when its cause committed. Today it writes in-app messages (Title =
// catalog key, Body = JSON args, Link = the appeal's page); email and webhooks plug in
// here (notify.Service.Emit) without touching any caller.
func (s *Service) notifyAll(ctx context.Context, ev appealEvent) error {
	if s.notify == nil || len(ev.To) == 0 {
		return nil
	}
	args := map[string]any{"Number": ev.Appeal.Number, "Title": ev.Appeal.Title}
	for k, v := range ev.Args {
		args[k] = v
	}
	body, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("appeal: notification args: %w", err)
	}
	m := notify.Message{Kind: ev.Key, Title: ev.Key, Body: string(body), Link: "/appeals/" + idStr(ev.Appeal.ID)}
	seen := map[recipient]bool{}
	for _, r := range ev.To {
		if seen[r] {
			continue
		}
		seen[r] = true
		switch {
		case r.operators:
			feds, err := s.federations(ctx)
			if err != nil {
				return err
			}
			for _, f := range feds {
				if _, err := s.notify.AddForOrg(ctx, f, string(auth.RoleOperator), m); err != nil {
					return err
				}
			}
		case r.enterpriseSide:
			for _, side := range []recipient{toOrg(ev.Appeal.EnterpriseOrgID, auth.RoleEnterprise), toOrg(ev.Appeal.ChamberOrgID, auth.RoleChamber)} {
				if side.orgID == 0 || seen[side] {
					continue
				}
				seen[side] = true
				if _, err := s.notify.AddForOrg(ctx, side.orgID, string(side.role), m); err != nil {
					return err
				}
			}
		case r.userID != 0:
			m.UserID = r.userID
			if err := s.notify.Add(ctx, m); err != nil {
				return err
			}
		case r.orgID != 0:
			if _, err := s.notify.AddForOrg(ctx, r.orgID, string(r.role), m); err != nil {
				return err
			}
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
