package appeal

import (
	"context"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// What the web interface needs beyond the moves and queues: a number resolved within
// the actor's scope, the sizes of a few queues (navigation badges on every page), an
// enterprise's appeals for its file (一企一档), the leaders an operator may escalate to,
// an attachment checked before an appeal is filed with it, and the public query with
// its rate limit.

// IDByNumber returns the id of the appeal with this number if it is in the actor's
// scope (NotFound otherwise), without reading or auditing the record: forms post to
// /appeals/{number}/… and the moves take ids.
func (s *Service) IDByNumber(ctx context.Context, a auth.Actor, number string) (int64, error) {
	var id int64
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT id FROM appeals WHERE number = $1`, strings.ToUpper(strings.TrimSpace(number))).Scan(&id)
	if db.IsNoRows(err) {
		return 0, apperr.NotFound("appeal")
	}
	if err != nil {
		return 0, fmt.Errorf("appeal: by number: %w", err)
	}
	ok, err := s.CanSee(ctx, a, id)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, apperr.NotFound("appeal")
	}
	return id, nil
}

// CountQueues is Counts for the named queues only (those of the actor's queues among
// them, in the order asked): the navigation shows two or three on every page, and
// counting every queue there would cost a scan per page view.
func (s *Service) CountQueues(ctx context.Context, a auth.Actor, qs ...Queue) ([]QueueCount, error) {
	mine := QueuesFor(a)
	var out []QueueCount
	for _, q := range qs {
		if !slices.Contains(mine, q) {
			continue
		}
		sp, err := s.spec(a, q, Filter{})
		if err != nil {
			return nil, err
		}
		n, capped, err := s.count(ctx, countSQL(sp), sp.args, sp.countCap(), !sp.valued)
		if err != nil {
			return nil, err
		}
		out = append(out, QueueCount{Queue: q, Count: n, Capped: capped})
	}
	return out, nil
}

// EnterpriseAppeals lists an enterprise's appeals that the actor may see, newest first,
// at most limit (≤ 200) with the total up to CountCap: the 诉求 section of the
// enterprise's file. Operators see all of them; the enterprise itself all of its own; a
// chamber those it filed; a department those it has a part in; a leader those it
// supervises or was escalated to, or all of them when linked to the enterprise. A
// confidential appeal (保密) is never listed under its enterprise for a department or a
// leader, who do not learn whose it is. Anyone else sees none.
func (s *Service) EnterpriseAppeals(ctx context.Context, a auth.Actor, enterpriseID int64, limit int) (Page, error) {
	if !a.ScopeAllows("appeals", false) {
		return Page{}, apperr.Forbidden()
	}
	sp, q, ok, err := s.enterpriseSQL(ctx, a, enterpriseID, limit)
	if err != nil || !ok {
		return Page{}, err
	}
	var page Page
	// Not a queue page: its statement stays on the pool that plans with the values.
	if page.Total, page.TotalCapped, err = s.count(ctx, countSQL(sp), sp.args, sp.countCap(), false); err != nil {
		return Page{}, err
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, q, sp.args...)
	if err != nil {
		return Page{}, fmt.Errorf("appeal: enterprise appeals: %w", err)
	}
	defer rows.Close()
	page.Items, err = scanPage(rows, limit, false, nil)
	return page, err
}

// enterpriseSQL builds EnterpriseAppeals' page query and conditions (ok false: the actor
// sees none of the enterprise's appeals).
func (s *Service) enterpriseSQL(ctx context.Context, a auth.Actor, enterpriseID int64, limit int) (*qspec, string, bool, error) {
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	sp := &qspec{from: `appeals a`, idCol: "a.id"}
	sp.add("a.enterprise_org_id = ?", enterpriseID)
	if !a.IsSystem() && !a.Has(auth.RoleOperator) {
		var or []string
		var args []any
		cond := func(c string, v ...any) { or = append(or, c); args = append(args, v...) }
		if a.Has(auth.RoleEnterprise) && a.OrgID != 0 && a.OrgID == enterpriseID {
			cond("TRUE")
		}
		if a.Has(auth.RoleChamber) && a.OrgID != 0 {
			cond("a.chamber_org_id = ?", a.OrgID)
		}
		if a.Has(auth.RoleDepartment) && a.OrgID != 0 {
			cond("(a.confidential = FALSE AND EXISTS (SELECT 1 FROM appeal_assignments x WHERE x.appeal_id = a.id AND x.org_id = ?))", a.OrgID)
		}
		if a.Has(auth.RoleLeader) && a.UserID != 0 {
			linked, err := s.links().LeadersFor(ctx, enterpriseID)
			if err != nil {
				return nil, "", false, fmt.Errorf("appeal: leader links: %w", err)
			}
			if slices.Contains(linked, a.UserID) {
				cond("a.confidential = FALSE")
			} else {
				cond("(a.confidential = FALSE AND a.id IN (SELECT appeal_id FROM appeal_leaders WHERE user_id = ?))", a.UserID)
			}
		}
		if len(or) == 0 {
			return nil, "", false, nil
		}
		sp.add("("+strings.Join(or, " OR ")+")", args...)
	}
	q := `SELECT ` + listCols + ` FROM ` + sp.from + ` LEFT JOIN appeal_categories c ON c.id = a.category_id LEFT JOIN orgs lo ON lo.id = a.lead_org_id
		WHERE ` + strings.Join(sp.where, " AND ") + ` ORDER BY a.id DESC LIMIT ` + fmt.Sprint(limit)
	return sp, q, true, nil
}

// LeaderChoice is a city leader an operator may name (escalation, a leader's visit).
type LeaderChoice struct {
	UserID  int64
	Name    string
	OrgName string
}

// LeaderChoices lists the active users holding role leader (operators only).
func (s *Service) LeaderChoices(ctx context.Context, a auth.Actor) ([]LeaderChoice, error) {
	if !a.IsSystem() && !a.Has(auth.RoleOperator) {
		return nil, apperr.Forbidden()
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT u.id, u.display_name, COALESCE(o.name, '') FROM users u
		JOIN user_roles r ON r.user_id = u.id AND r.role = $1 LEFT JOIN orgs o ON o.id = u.org_id
		WHERE u.disabled = $2 ORDER BY u.id LIMIT 1000`, string(auth.RoleLeader), false)
	if err != nil {
		return nil, fmt.Errorf("appeal: leaders: %w", err)
	}
	defer rows.Close()
	var out []LeaderChoice
	for rows.Next() {
		var l LeaderChoice
		if err := rows.Scan(&l.UserID, &l.Name, &l.OrgName); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// CheckAttachment applies AddAttachment's checks on a file (name, size, type sniffed
// from the bytes) without storing it, so a form that files an appeal with a photo can
// refuse a bad file before anything is filed. The field is "file".
func CheckAttachment(filename string, data []byte) error {
	filename = path.Base(strings.ReplaceAll(strings.TrimSpace(filename), `\`, "/"))
	var v apperr.Validation
	if filename == "" || filename == "." || filename == "/" || utf8.RuneCountInString(filename) > maxFilename || !utf8.ValidString(filename) {
		v.Add("file", "appeal.error.attachment_name", "Max", maxFilename)
	}
	switch {
	case len(data) == 0:
		v.Add("file", "appeal.error.attachment_empty")
	case len(data) > MaxAttachmentSize:
		v.Add("file", "appeal.error.attachment_too_large", "Max", "10 MB")
	default:
		if _, ok := sniff(filename, data); !ok {
			v.Add("file", "appeal.error.attachment_type")
		}
	}
	return v.Err()
}

// InlineType reports whether an attachment of content type ct may be shown in the
// page (images, PDF) rather than downloaded.
func InlineType(ct string) bool {
	return strings.HasPrefix(ct, "image/") || ct == "application/pdf"
}

// The public query's rate limit: StatusTries lookups per client address per
// StatusWindow, counted in the database (the login_throttle table, key
// "status:<address>") so that every process behind a load balancer counts the same
// tries; the session sweep removes old rows.
const (
	StatusTries  = 20
	StatusWindow = 10 * time.Minute
)

const statusThrottleSQL = `INSERT INTO login_throttle (key, fails, window_start, locked_until) VALUES ($1, 1, $2, 0)
	ON CONFLICT (key) DO UPDATE SET
		fails = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.fails + 1 END,
		window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END,
		locked_until = CASE WHEN login_throttle.window_start <= $3 THEN 0 ELSE CAST($4 AS BIGINT) END
	RETURNING fails, window_start`

// PublicStatusLimited is PublicStatus for the public page and API: each lookup from
// client (the caller's address) counts, right or wrong, and beyond StatusTries in
// StatusWindow the answer is ErrTooMany (key appeal.error.status_limited, arg Minutes
// until the window ends) without looking anything up.
func (s *Service) PublicStatusLimited(ctx context.Context, client, number, code string) (PublicView, error) {
	now := s.now()
	var tries, start int64
	// locked_until marks the row for the session sweep once the window is used up.
	err := s.db.Q(ctx).QueryRowContext(ctx, statusThrottleSQL, "status:"+client, db.Millis(now), db.Millis(now.Add(-StatusWindow)),
		db.Millis(now.Add(StatusWindow))).Scan(&tries, &start)
	if err != nil {
		return PublicView{}, fmt.Errorf("appeal: status throttle: %w", err)
	}
	if tries > StatusTries {
		left := db.FromMillis(start).Add(StatusWindow).Sub(now)
		return PublicView{}, apperr.New(apperr.ErrTooMany, "appeal.error.status_limited", "Minutes", max(1, int(math.Ceil(left.Minutes()))))
	}
	return s.PublicStatus(ctx, number, code)
}
