package liaison

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Leader is a city leader's profile: the user who is the leader (role leader), their
// office (the user's organisation), the directory person and the title shown everywhere.
type Leader struct {
	UserID     int64
	Username   string
	Name       string
	OfficeID   int64
	OfficeName string
	PersonID   int64
	Title      string
	SortOrder  int
	Disabled   bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// Label is how a leader is named in lists: 王建国（副市长）.
func (l Leader) Label() string {
	if l.Title == "" {
		return l.Name
	}
	return l.Name + "（" + l.Title + "）"
}

// LeaderInput creates or edits a leader's profile.
type LeaderInput struct {
	UserID    int64
	PersonID  int64
	Title     string
	SortOrder int
	Version   int64 // 0 creates the profile; the current version edits it
}

// MaxTitle bounds a leader's title.
const MaxTitle = 50

const leaderCols = `l.user_id, u.username, u.display_name, u.org_id, COALESCE(o.name, ''), COALESCE(l.person_id, 0), l.title,
	l.sort_order, u.disabled, l.created_at, l.updated_at, l.version`

const leaderFrom = ` FROM liaison_leaders l JOIN users u ON u.id = l.user_id LEFT JOIN orgs o ON o.id = u.org_id`

func scanLeader(sc interface{ Scan(...any) error }) (Leader, error) {
	var l Leader
	var sort, created, updated int64
	err := sc.Scan(&l.UserID, &l.Username, &l.Name, &l.OfficeID, &l.OfficeName, &l.PersonID, &l.Title, &sort, &l.Disabled,
		&created, &updated, &l.Version)
	l.SortOrder = int(sort)
	l.CreatedAt, l.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return l, err
}

// seesLeaders reports whether the actor may list the city leaders: a leader's name and
// title are public facts for the government side and the operators; enterprises and
// chambers see their own leader through their links.
func seesLeaders(a auth.Actor) bool {
	return seesAll(a) || a.HasAny(auth.RoleLeader, auth.RoleDepartment, auth.RoleAnalyst)
}

// Leaders lists the city leaders in their order (sort order, then id).
func (s *Service) Leaders(ctx context.Context, a auth.Actor) ([]Leader, error) {
	if !seesLeaders(a) || !a.ScopeAllows("liaison", false) {
		return nil, apperr.Forbidden()
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT `+leaderCols+leaderFrom+` ORDER BY l.sort_order, l.user_id`)
	if err != nil {
		return nil, fmt.Errorf("liaison: leaders: %w", err)
	}
	defer rows.Close()
	var out []Leader
	for rows.Next() {
		l, err := scanLeader(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// leader reads a profile without access checks.
func (s *Service) leader(ctx context.Context, userID int64) (Leader, error) {
	l, err := scanLeader(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+leaderCols+leaderFrom+` WHERE l.user_id = $1`, userID))
	if db.IsNoRows(err) {
		return Leader{}, apperr.NotFound("liaison_leader")
	}
	if err != nil {
		return Leader{}, fmt.Errorf("liaison: leader %d: %w", userID, err)
	}
	return l, nil
}

// Leader returns one leader's profile: to those who list leaders, and to the leader's own
// office (the leader and their officers).
func (s *Service) Leader(ctx context.Context, a auth.Actor, userID int64) (Leader, error) {
	if !a.ScopeAllows("liaison", false) {
		return Leader{}, apperr.Forbidden()
	}
	if !seesLeaders(a) {
		return Leader{}, apperr.NotFound("liaison_leader")
	}
	return s.leader(ctx, userID)
}

// UserOption is a user offered in a form (a leader without a profile, a liaison officer).
type UserOption struct {
	ID       int64
	Username string
	Name     string
	OrgID    int64
	OrgName  string
}

func (s *Service) userOptions(ctx context.Context, where string, args ...any) ([]UserOption, error) {
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT u.id, u.username, u.display_name, u.org_id, COALESCE(o.name, '')
		FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'leader' LEFT JOIN orgs o ON o.id = u.org_id
		WHERE u.disabled = FALSE AND NOT EXISTS (SELECT 1 FROM liaison_leaders p WHERE p.user_id = u.id)`+where+`
		ORDER BY u.org_id, u.id LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("liaison: users: %w", err)
	}
	defer rows.Close()
	var out []UserOption
	for rows.Next() {
		var u UserOption
		if err := rows.Scan(&u.ID, &u.Username, &u.Name, &u.OrgID, &u.OrgName); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// LeaderCandidates are the active users with role leader and no profile yet: those an
// administrator can make a city leader (or name as a liaison officer).
func (s *Service) LeaderCandidates(ctx context.Context, a auth.Actor) ([]UserOption, error) {
	if !CanManageLinks(a) {
		return nil, apperr.Forbidden()
	}
	return s.userOptions(ctx, "")
}

// OfficerCandidates are the users who may be a leader's liaison officer: active users of
// the leader's office holding role leader, without a leader profile of their own.
func (s *Service) OfficerCandidates(ctx context.Context, a auth.Actor, leaderID int64) ([]UserOption, error) {
	if !CanManageLinks(a) {
		return nil, apperr.Forbidden()
	}
	l, err := s.leader(ctx, leaderID)
	if err != nil {
		return nil, err
	}
	return s.userOptions(ctx, ` AND u.org_id = $1`, l.OfficeID)
}

// SaveLeader creates (Version 0) or edits a leader's profile (administrators, operators).
// The user must hold role leader; the person, when given, must exist.
func (s *Service) SaveLeader(ctx context.Context, a auth.Actor, in LeaderInput) (Leader, error) {
	if !CanManageLinks(a) || !a.ScopeAllows("liaison", true) {
		return Leader{}, apperr.Forbidden()
	}
	var v apperr.Validation
	in.Title = strings.TrimSpace(in.Title)
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		v.Add("title", "error.required")
	case n > MaxTitle:
		v.Add("title", "error.too_long", "Max", MaxTitle)
	}
	if in.SortOrder < 0 || in.SortOrder > 10000 {
		v.Add("sort_order", "error.range", "Min", 0, "Max", 10000)
	}
	var one int
	if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = $2
		WHERE u.id = $1`, in.UserID, string(auth.RoleLeader)).Scan(&one); err != nil {
		if !db.IsNoRows(err) {
			return Leader{}, fmt.Errorf("liaison: leader user: %w", err)
		}
		v.Add("user_id", "liaison.error.not_leader_user")
	}
	if in.PersonID != 0 {
		if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM people WHERE id = $1`, in.PersonID).Scan(&one); err != nil {
			if !db.IsNoRows(err) {
				return Leader{}, fmt.Errorf("liaison: person: %w", err)
			}
			v.Add("person_id", "liaison.error.person_unknown")
		}
	}
	if err := v.Err(); err != nil {
		return Leader{}, err
	}
	now := db.Millis(s.now())
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		old, err := s.leader(ctx, in.UserID)
		exists := err == nil
		if err != nil && !isNotFound(err) {
			return err
		}
		if in.Version == 0 {
			if exists {
				return apperr.Invalid("user_id", "liaison.error.leader_exists")
			}
			if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO liaison_leaders (user_id, person_id, title, sort_order, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $5)`, in.UserID, nullID(in.PersonID), in.Title, in.SortOrder, now); err != nil {
				if db.IsUniqueViolation(err) {
					return apperr.Invalid("user_id", "liaison.error.leader_exists")
				}
				return fmt.Errorf("liaison: insert leader: %w", err)
			}
			return s.record(ctx, a, "liaison_leader.create", "user", in.UserID, audit.Change{After: in})
		}
		if !exists {
			return apperr.NotFound("liaison_leader")
		}
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE liaison_leaders SET person_id = $1, title = $2, sort_order = $3, updated_at = $4,
			version = version + 1 WHERE user_id = $5 AND version = $6`, nullID(in.PersonID), in.Title, in.SortOrder, now, in.UserID, in.Version)
		if err != nil {
			return fmt.Errorf("liaison: update leader: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		before := LeaderInput{UserID: old.UserID, PersonID: old.PersonID, Title: old.Title, SortOrder: old.SortOrder, Version: old.Version}
		return s.record(ctx, a, "liaison_leader.update", "user", in.UserID, audit.Change{Before: before, After: in})
	})
	if err != nil {
		return Leader{}, err
	}
	return s.leader(ctx, in.UserID)
}
