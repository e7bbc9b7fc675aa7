package liaison

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/directory"
	"yingshang/internal/i18n"
)

// Deps are what the service is built from; all but Logger and Clock are required.
type Deps struct {
	DB        *db.DB
	Audit     *audit.Log
	Appeal    *appeal.Service
	Directory *directory.Service
	Clock     calendar.Clock
	Logger    *slog.Logger
}

// Service holds the liaison part's rules: leaders and their links, visits, roundtables,
// the leader's desk and the suggestion statistics. It is safe for concurrent use.
type Service struct {
	db     *db.DB
	audit  *audit.Log
	appeal *appeal.Service
	dir    *directory.Service
	clock  calendar.Clock
	log    *slog.Logger
}

// New builds the service. Wire it into the appeal loop with appeal.Service.SetLeaderLinks:
// it answers LeadersFor (appeal.LeaderLinks) and ActsFor (appeal.LeaderDelegates).
func New(d Deps) *Service {
	if d.Clock == nil {
		d.Clock = calendar.RealClock{}
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Service{db: d.DB, audit: d.Audit, appeal: d.Appeal, dir: d.Directory, clock: d.Clock, log: d.Logger}
}

var (
	_ appeal.LeaderLinks     = (*Service)(nil)
	_ appeal.LeaderDelegates = (*Service)(nil)
)

// now is the service's time, to the stored millisecond.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

// Today is the civil date in Shanghai (YYYY-MM-DD) by the service's clock.
func (s *Service) Today() string { return s.clock.Now().In(i18n.Shanghai).Format("2006-01-02") }

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// inList renders ids as a literal SQL list (ids are integers: no injection possible).
func inList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// record writes the audit entry of a change.
func (s *Service) record(ctx context.Context, a auth.Actor, action, objectType string, id int64, change audit.Change) error {
	return s.audit.Record(ctx, a, action, objectType, idStr(id), change)
}

// sqlArgs builds $n placeholders as arguments are added.
type sqlArgs struct{ args []any }

func (q *sqlArgs) add(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// LeadersFor names the users who look after enterprise org for the appeal loop
// (appeal.LeaderLinks): the leaders with an active link to it and the liaison officers who
// act for those leaders (officers of any of their active links: an officer has the
// leader's view), as long as they are active users holding role leader. They see its
// appeals, and escalating one of its difficult cases (疑难件) reaches them.
func (s *Service) LeadersFor(ctx context.Context, org int64) ([]int64, error) {
	ids, err := s.ids(ctx, leadersForSQL, org)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return s.activeLeaderUsers(ctx, ids)
}

// The queries the appeal loop runs on every leader's access check (see the plan test).
const (
	leadersForSQL = `SELECT leader_user_id FROM liaison_links WHERE org_id = $1 AND until_on = ''
		UNION SELECT o.officer_user_id FROM liaison_links o WHERE o.until_on = '' AND o.officer_user_id IS NOT NULL
		AND o.leader_user_id IN (SELECT k.leader_user_id FROM liaison_links k WHERE k.org_id = $1 AND k.until_on = '')`
	actsForSQL   = `SELECT 1 FROM liaison_links WHERE officer_user_id = $1 AND leader_user_id = $2 AND until_on = '' LIMIT 1`
	actingForSQL = `SELECT user_id FROM liaison_leaders WHERE user_id = $1
		UNION SELECT leader_user_id FROM liaison_links WHERE officer_user_id = $1 AND until_on = ''`
)

// activeLeaderUsers keeps the ids of active users holding role leader, in id order.
func (s *Service) activeLeaderUsers(ctx context.Context, ids []int64) ([]int64, error) {
	rows, err := s.db.RQOnce(ctx).QueryContext(ctx, `SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = $1
		WHERE u.id IN (`+inList(ids)+`) AND u.disabled = $2 ORDER BY u.id`, string(auth.RoleLeader), false)
	if err != nil {
		return nil, fmt.Errorf("liaison: leader users: %w", err)
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

// ActsFor reports whether user is the liaison officer of one of leader's active links
// (appeal.LeaderDelegates).
func (s *Service) ActsFor(ctx context.Context, user, leader int64) (bool, error) {
	var one int
	err := s.db.RQ(ctx).QueryRowContext(ctx, actsForSQL, user, leader).Scan(&one)
	if db.IsNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("liaison: acts for: %w", err)
	}
	return true, nil
}
