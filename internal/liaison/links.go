package liaison

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/directory"
)

// Link ties a city leader to an enterprise or a chamber of commerce (市领导联系民营企业和
// 商会) from SinceOn; an ended link keeps its history with UntilOn (the first day it no
// longer holds). OfficerID is the liaison officer (联络员) of the leader's office who acts
// for the leader on this link.
type Link struct {
	ID          int64
	LeaderID    int64
	LeaderName  string
	LeaderTitle string
	OrgID       int64
	OrgKind     string // auth.OrgEnterprise or auth.OrgChamber
	OrgName     string
	OfficerID   int64
	OfficerName string
	SinceOn     string
	UntilOn     string
	Note        string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// Active reports whether the link holds now.
func (l Link) Active() bool { return l.UntilOn == "" }

// LinkInput creates a link.
type LinkInput struct {
	LeaderID int64
	OrgID    int64
	// OrgName names the organisation instead of OrgID, as typed in a form: an
	// enterprise's name or credit code, or a chamber's name.
	OrgName   string
	OfficerID int64
	SinceOn   string
	// UntilOn creates an already ended link (the history an import brings); empty for an
	// active one.
	UntilOn string
	Note    string
}

// MaxNote bounds a link's note.
const MaxNote = 200

// Link statuses for LinkFilter.
const (
	StatusActive = "active"
	StatusEnded  = "ended"
	StatusAll    = "all"
)

// LinkFilter selects links. Zero values select everything in scope (active links).
type LinkFilter struct {
	LeaderID int64
	OrgID    int64
	Kind     string // enterprise or chamber
	Status   string // active (default), ended, all
	Q        string // part of the organisation's name
	// AfterID is the keyset cursor (links with a larger id); Offset pages the web lists.
	AfterID int64
	Offset  int
	Limit   int
	NoCount bool
}

const linkCols = `k.id, k.leader_user_id, lu.display_name, ll.title, k.org_id, k.org_kind, COALESCE(o.name, ''),
	COALESCE(k.officer_user_id, 0), COALESCE(ou.display_name, ''), k.since_on, k.until_on, k.note, k.created_at, k.updated_at, k.version`

const linkFrom = ` FROM liaison_links k JOIN liaison_leaders ll ON ll.user_id = k.leader_user_id JOIN users lu ON lu.id = k.leader_user_id
	LEFT JOIN orgs o ON o.id = k.org_id LEFT JOIN users ou ON ou.id = k.officer_user_id`

func scanLink(sc interface{ Scan(...any) error }) (Link, error) {
	var l Link
	var created, updated int64
	err := sc.Scan(&l.ID, &l.LeaderID, &l.LeaderName, &l.LeaderTitle, &l.OrgID, &l.OrgKind, &l.OrgName, &l.OfficerID, &l.OfficerName,
		&l.SinceOn, &l.UntilOn, &l.Note, &created, &updated, &l.Version)
	l.CreatedAt, l.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return l, err
}

// linkScope limits links (alias k) to the actor's scope: "" for everything, "1 = 0" for
// nothing.
func (s *Service) linkScope(ctx context.Context, a auth.Actor, q *sqlArgs) (string, error) {
	if seesAll(a) {
		return "", nil
	}
	var parts []string
	if a.Has(auth.RoleLeader) {
		leaders, err := s.ActingFor(ctx, a)
		if err != nil {
			return "", err
		}
		if len(leaders) > 0 {
			parts = append(parts, "k.leader_user_id IN ("+inList(leaders)+")")
		}
	}
	if a.HasAny(auth.RoleEnterprise, auth.RoleChamber) && a.OrgID != 0 {
		parts = append(parts, "k.org_id = "+q.add(a.OrgID))
	}
	if len(parts) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", nil
}

// ListLinks returns a page of the links in the actor's scope (newest first) and, unless
// NoCount, how many there are.
func (s *Service) ListLinks(ctx context.Context, a auth.Actor, f LinkFilter) ([]Link, int, error) {
	if !a.ScopeAllows("liaison", false) {
		return nil, 0, apperr.Forbidden()
	}
	q := &sqlArgs{}
	var where []string
	sc, err := s.linkScope(ctx, a, q)
	if err != nil {
		return nil, 0, err
	}
	if sc != "" {
		where = append(where, sc)
	}
	if f.LeaderID != 0 {
		where = append(where, "k.leader_user_id = "+q.add(f.LeaderID))
	}
	if f.OrgID != 0 {
		where = append(where, "k.org_id = "+q.add(f.OrgID))
	}
	switch f.Kind {
	case "":
	case auth.OrgEnterprise, auth.OrgChamber:
		where = append(where, "k.org_kind = "+q.add(f.Kind))
	default:
		return nil, 0, apperr.Invalid("kind", "error.choice")
	}
	switch f.Status {
	case "", StatusActive:
		where = append(where, "k.until_on = ''")
	case StatusEnded:
		where = append(where, "k.until_on <> ''")
	case StatusAll:
	default:
		return nil, 0, apperr.Invalid("status", "error.choice")
	}
	if qs := strings.TrimSpace(f.Q); qs != "" {
		where = append(where, `o.name LIKE `+q.add("%"+escapeLike(qs)+"%")+` ESCAPE '\'`)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	total := 0
	if !f.NoCount {
		if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+linkFrom+cond, q.args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("liaison: count links: %w", err)
		}
	}
	if f.AfterID > 0 {
		if cond == "" {
			cond = " WHERE "
		} else {
			cond += " AND "
		}
		cond += "k.id < " + q.add(f.AfterID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	query := `SELECT ` + linkCols + linkFrom + cond + ` ORDER BY k.id DESC LIMIT ` + strconv.Itoa(limit)
	if f.Offset > 0 && f.AfterID == 0 {
		query += ` OFFSET ` + strconv.Itoa(f.Offset)
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, query, q.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("liaison: links: %w", err)
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, l)
	}
	return out, total, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s *Service) link(ctx context.Context, id int64) (Link, error) {
	l, err := scanLink(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+linkCols+linkFrom+` WHERE k.id = $1`, id))
	if db.IsNoRows(err) {
		return Link{}, apperr.NotFound("liaison_link")
	}
	if err != nil {
		return Link{}, fmt.Errorf("liaison: link %d: %w", id, err)
	}
	return l, nil
}

// GetLink returns one link in the actor's scope (NotFound outside it).
func (s *Service) GetLink(ctx context.Context, a auth.Actor, id int64) (Link, error) {
	if !a.ScopeAllows("liaison", false) {
		return Link{}, apperr.Forbidden()
	}
	q := &sqlArgs{}
	where := "k.id = " + q.add(id)
	sc, err := s.linkScope(ctx, a, q)
	if err != nil {
		return Link{}, err
	}
	if sc != "" {
		where += " AND " + sc
	}
	l, err := scanLink(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+linkCols+linkFrom+` WHERE `+where, q.args...))
	if db.IsNoRows(err) {
		return Link{}, apperr.NotFound("liaison_link")
	}
	if err != nil {
		return Link{}, fmt.Errorf("liaison: link %d: %w", id, err)
	}
	return l, nil
}

// overlaps reports whether [s1, u1) and [s2, u2) share a day ("" is open-ended).
func overlaps(s1, u1, s2, u2 string) bool {
	return (u2 == "" || s1 < u2) && (u1 == "" || s2 < u1)
}

// parseDay reads a civil date as people type it; ok is false for anything else.
func parseDay(s string) (string, bool) { return directory.ParseDate(s) }

// checkLink validates a link and resolves its organisation's kind. It checks the leader,
// the organisation (an enterprise or a chamber), the officer (an active user of the
// leader's office holding role leader, not a leader themself), the dates (valid, not in
// the future, the end not before the start) and that no other link of the same leader and
// organisation overlaps it.
func (s *Service) checkLink(ctx context.Context, in *LinkInput, v *apperr.Validation) (orgKind string, err error) {
	in.Note = strings.TrimSpace(in.Note)
	today := s.Today()
	ldr, lerr := s.leader(ctx, in.LeaderID)
	switch {
	case in.LeaderID == 0:
		v.Add("leader_id", "error.required")
	case lerr != nil && isNotFound(lerr):
		v.Add("leader_id", "liaison.error.leader_unknown")
	case lerr != nil:
		return "", lerr
	case ldr.Disabled:
		v.Add("leader_id", "liaison.error.leader_disabled")
	}
	if in.OrgID == 0 && strings.TrimSpace(in.OrgName) != "" {
		ids, _, err := s.findOrgs(ctx, []string{in.OrgName}, auth.OrgEnterprise, auth.OrgChamber)
		if err != nil {
			return "", err
		}
		if len(ids) == 0 {
			v.Add("org_id", "liaison.error.org_unknown", "Name", strings.TrimSpace(in.OrgName))
		} else {
			in.OrgID = ids[0]
		}
	}
	if in.OrgID == 0 {
		if !v.Has("org_id") {
			v.Add("org_id", "error.required")
		}
	} else {
		err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = $1`, in.OrgID).Scan(&orgKind)
		switch {
		case db.IsNoRows(err):
			v.Add("org_id", "liaison.error.org_kind")
		case err != nil:
			return "", fmt.Errorf("liaison: org: %w", err)
		case orgKind != auth.OrgEnterprise && orgKind != auth.OrgChamber:
			v.Add("org_id", "liaison.error.org_kind")
		}
	}
	if in.OfficerID != 0 && !v.Has("leader_id") {
		if in.OfficerID == in.LeaderID {
			v.Add("officer_id", "liaison.error.officer")
		} else {
			var one int
			err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'leader'
				WHERE u.id = $1 AND u.org_id = $2 AND u.disabled = FALSE
				AND NOT EXISTS (SELECT 1 FROM liaison_leaders p WHERE p.user_id = u.id)`, in.OfficerID, ldr.OfficeID).Scan(&one)
			switch {
			case db.IsNoRows(err):
				v.Add("officer_id", "liaison.error.officer")
			case err != nil:
				return "", fmt.Errorf("liaison: officer: %w", err)
			}
		}
	}
	since, ok := parseDay(in.SinceOn)
	switch {
	case strings.TrimSpace(in.SinceOn) == "":
		v.Add("since_on", "error.required")
	case !ok:
		v.Add("since_on", "error.date")
	case since > today:
		v.Add("since_on", "liaison.error.future")
	default:
		in.SinceOn = since
	}
	if strings.TrimSpace(in.UntilOn) != "" {
		until, ok := parseDay(in.UntilOn)
		switch {
		case !ok:
			v.Add("until_on", "error.date")
		case until > today:
			v.Add("until_on", "liaison.error.future")
		case !v.Has("since_on") && until < in.SinceOn:
			v.Add("until_on", "liaison.error.until_before_since")
		default:
			in.UntilOn = until
		}
	} else {
		in.UntilOn = ""
	}
	if utf8.RuneCountInString(in.Note) > MaxNote {
		v.Add("note", "error.too_long", "Max", MaxNote)
	}
	if !v.Has("leader_id") && !v.Has("org_id") && !v.Has("since_on") && !v.Has("until_on") {
		if err := s.checkOverlap(ctx, *in, 0, v); err != nil {
			return "", err
		}
	}
	return orgKind, nil
}

// checkOverlap refuses a link whose dates share a day with another link of the same leader
// and organisation (except is the link being changed).
func (s *Service) checkOverlap(ctx context.Context, in LinkInput, except int64, v *apperr.Validation) error {
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT id, since_on, until_on FROM liaison_links
		WHERE leader_user_id = $1 AND org_id = $2 AND id <> $3`, in.LeaderID, in.OrgID, except)
	if err != nil {
		return fmt.Errorf("liaison: overlap: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var since, until string
		if err := rows.Scan(&id, &since, &until); err != nil {
			return err
		}
		if overlaps(in.SinceOn, in.UntilOn, since, until) {
			if until == "" {
				v.Add("org_id", "liaison.error.link_active", "Since", since)
			} else {
				v.Add("org_id", "liaison.error.link_overlap", "Since", since, "Until", until)
			}
			return nil
		}
	}
	return rows.Err()
}

// CreateLink links a leader to an enterprise or chamber (administrators, operators).
func (s *Service) CreateLink(ctx context.Context, a auth.Actor, in LinkInput) (Link, error) {
	if !CanManageLinks(a) || !a.ScopeAllows("liaison", true) {
		return Link{}, apperr.Forbidden()
	}
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = s.createLink(ctx, a, in)
		return err
	})
	if err != nil {
		return Link{}, err
	}
	return s.link(ctx, id)
}

// createLink validates and writes one link inside the caller's transaction.
func (s *Service) createLink(ctx context.Context, a auth.Actor, in LinkInput) (int64, error) {
	var v apperr.Validation
	kind, err := s.checkLink(ctx, &in, &v)
	if err != nil {
		return 0, err
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	now := db.Millis(s.now())
	var id int64
	err = s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO liaison_links (leader_user_id, org_id, org_kind, officer_user_id, since_on,
		until_on, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
		in.LeaderID, in.OrgID, kind, nullID(in.OfficerID), in.SinceOn, in.UntilOn, in.Note, now).Scan(&id)
	if db.IsUniqueViolation(err) {
		// Another link of the pair became active between the check and the insert.
		return 0, apperr.Invalid("org_id", "liaison.error.link_active", "Since", in.SinceOn)
	}
	if err != nil {
		return 0, fmt.Errorf("liaison: insert link: %w", err)
	}
	return id, s.record(ctx, a, "liaison_link.create", "liaison_link", id, audit.Change{After: in})
}

// EndLink ends an active link on untilOn (default today; not before its start, not in the
// future), with optimistic concurrency (administrators, operators).
func (s *Service) EndLink(ctx context.Context, a auth.Actor, id int64, untilOn string, version int64) (Link, error) {
	if !CanManageLinks(a) || !a.ScopeAllows("liaison", true) {
		if _, err := s.GetLink(ctx, a, id); err != nil {
			return Link{}, err
		}
		return Link{}, apperr.Forbidden()
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		l, err := s.link(ctx, id)
		if err != nil {
			return err
		}
		if l.Version != version {
			return apperr.Conflict()
		}
		if !l.Active() {
			return apperr.Invalid("until_on", "liaison.error.link_ended")
		}
		until := s.Today()
		if strings.TrimSpace(untilOn) != "" {
			d, ok := parseDay(untilOn)
			switch {
			case !ok:
				return apperr.Invalid("until_on", "error.date")
			case d > until:
				return apperr.Invalid("until_on", "liaison.error.future")
			}
			until = d
		}
		if until < l.SinceOn {
			return apperr.Invalid("until_on", "liaison.error.until_before_since")
		}
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE liaison_links SET until_on = $1, updated_at = $2, version = version + 1
			WHERE id = $3 AND version = $4`, until, db.Millis(s.now()), id, version)
		if err != nil {
			return fmt.Errorf("liaison: end link: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		return s.record(ctx, a, "liaison_link.end", "liaison_link", id, audit.Change{
			Before: map[string]any{"until_on": ""}, After: map[string]any{"until_on": until}})
	})
	if err != nil {
		return Link{}, err
	}
	return s.link(ctx, id)
}
