package directory

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Membership is an enterprise's membership of a chamber, current while LeftOn is empty.
type Membership struct {
	ID             int64
	ChamberID      int64
	ChamberName    string
	EnterpriseID   int64
	EnterpriseName string
	CreditCode     string
	Post           string
	JoinedOn       string
	LeftOn         string
	UpdatedAt      time.Time
	Version        int64
}

// Current reports whether the membership has not ended.
func (m Membership) Current() bool { return m.LeftOn == "" }

// MembershipInput adds an enterprise to a chamber.
type MembershipInput struct {
	ChamberID    int64  `json:"chamber_id"`
	EnterpriseID int64  `json:"enterprise_id"`
	Post         string `json:"post"`
	JoinedOn     string `json:"joined_on"`
}

// postRank orders posts from 会长 down in SQL.
func postRank(col string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for i, p := range MemberPosts {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", p, i)
	}
	b.WriteString(" ELSE 99 END")
	return b.String()
}

const membershipColumns = `m.id, m.chamber_id, c.name, m.enterprise_id, o.name, e.credit_code, m.post, m.joined_on, m.left_on, m.updated_at, m.version`

const membershipFrom = ` FROM memberships m JOIN orgs c ON c.id = m.chamber_id JOIN orgs o ON o.id = m.enterprise_id
	JOIN enterprises e ON e.org_id = m.enterprise_id`

func scanMembership(sc interface{ Scan(...any) error }) (Membership, error) {
	var m Membership
	var u int64
	err := sc.Scan(&m.ID, &m.ChamberID, &m.ChamberName, &m.EnterpriseID, &m.EnterpriseName, &m.CreditCode, &m.Post, &m.JoinedOn, &m.LeftOn, &u, &m.Version)
	m.UpdatedAt = db.FromMillis(u)
	return m, err
}

// checkMembership validates an input; the chamber and the enterprise must exist.
func (s *Service) checkMembership(ctx context.Context, in *MembershipInput, v *apperr.Validation) error {
	if code, ok := MemberPostCode(in.Post); ok {
		in.Post = code
	} else if strings.TrimSpace(in.Post) == "" {
		v.Add("post", "error.required")
	} else {
		v.Add("post", "error.choice")
	}
	if in.JoinedOn = strings.TrimSpace(in.JoinedOn); in.JoinedOn == "" {
		v.Add("joined_on", "error.required")
	} else if d, ok := ParseDate(in.JoinedOn); !ok {
		v.Add("joined_on", "error.date")
	} else if d > s.today() {
		v.Add("joined_on", "error.dir.date_future")
	} else {
		in.JoinedOn = d
	}
	var kind string
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = $1`, in.ChamberID).Scan(&kind)
	switch {
	case db.IsNoRows(err) || (err == nil && kind != auth.OrgChamber):
		v.Add("chamber_id", "error.chamber_unknown")
	case err != nil:
		return fmt.Errorf("directory: chamber: %w", err)
	}
	var one int
	err = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM enterprises WHERE org_id = $1`, in.EnterpriseID).Scan(&one)
	switch {
	case db.IsNoRows(err):
		v.Add("enterprise_id", "error.enterprise_unknown")
	case err != nil:
		return fmt.Errorf("directory: enterprise: %w", err)
	}
	return nil
}

// AddMembership makes an enterprise a member of a chamber (directory editors).
func (s *Service) AddMembership(ctx context.Context, a auth.Actor, in MembershipInput) (Membership, error) {
	if !CanEditDirectory(a) {
		return Membership{}, apperr.Forbidden()
	}
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = s.addMembership(ctx, a, in)
		return err
	})
	if err != nil {
		return Membership{}, err
	}
	return s.membershipByID(ctx, id)
}

func (s *Service) addMembership(ctx context.Context, a auth.Actor, in MembershipInput) (int64, error) {
	var v apperr.Validation
	if err := s.checkMembership(ctx, &in, &v); err != nil {
		return 0, err
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	now := db.Millis(s.now())
	var id int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO memberships (chamber_id, enterprise_id, post, joined_on, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, in.ChamberID, in.EnterpriseID, in.Post, in.JoinedOn, now).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, apperr.Invalid("enterprise_id", "error.already_member")
	}
	if err != nil {
		return 0, fmt.Errorf("directory: add membership: %w", err)
	}
	return id, s.audit.Record(ctx, a, "membership.create", "membership", strconv.FormatInt(id, 10), audit.Change{After: in})
}

// EndMembership records that a member left its chamber on leftOn (directory editors).
func (s *Service) EndMembership(ctx context.Context, a auth.Actor, id int64, leftOn string, version int64) (Membership, error) {
	if !CanEditDirectory(a) {
		return Membership{}, apperr.Forbidden()
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		m, err := s.membershipByID(ctx, id)
		if err != nil {
			return err
		}
		if !m.Current() {
			return apperr.New(apperr.ErrConflict, "error.membership_ended")
		}
		d, ok := ParseDate(leftOn)
		switch {
		case strings.TrimSpace(leftOn) == "":
			return apperr.Invalid("left_on", "error.required")
		case !ok:
			return apperr.Invalid("left_on", "error.date")
		case d < m.JoinedOn:
			return apperr.Invalid("left_on", "error.dir.date_before", "Date", m.JoinedOn)
		case d > s.today():
			return apperr.Invalid("left_on", "error.dir.date_future")
		}
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE memberships SET left_on = $1, updated_at = $2, version = version + 1
			WHERE id = $3 AND version = $4 AND left_on = ''`, d, db.Millis(s.now()), id, version)
		if err != nil {
			return fmt.Errorf("directory: end membership: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		return s.audit.Record(ctx, a, "membership.end", "membership", strconv.FormatInt(id, 10),
			audit.Change{Before: map[string]string{"left_on": ""}, After: map[string]string{"left_on": d}})
	})
	if err != nil {
		return Membership{}, err
	}
	return s.membershipByID(ctx, id)
}

func (s *Service) membershipByID(ctx context.Context, id int64) (Membership, error) {
	m, err := scanMembership(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+membershipColumns+membershipFrom+` WHERE m.id = $1`, id))
	if err != nil {
		if db.IsNoRows(err) {
			return Membership{}, apperr.NotFound("membership")
		}
		return Membership{}, fmt.Errorf("directory: membership: %w", err)
	}
	return m, nil
}

// MemberFilter selects a chamber's members.
type MemberFilter struct {
	ChamberID int64
	Post      string
	// Status is "current" (default), "former" or "all".
	Status string
	// After continues a list ordered by rank and membership id (Key is the rank).
	After   *Cursor
	Offset  int
	Limit   int
	NoCount bool
}

// MemberStatuses are the values of MemberFilter.Status.
var MemberStatuses = []string{"current", "former", "all"}

// ListMembers lists a chamber's members from the top post down, limited to the
// enterprises the actor may see. An unknown chamber is not found.
func (s *Service) ListMembers(ctx context.Context, a auth.Actor, f MemberFilter) ([]Membership, int, error) {
	if _, err := s.GetChamber(ctx, a, f.ChamberID); err != nil {
		return nil, 0, err
	}
	if f.Post != "" && !slices.Contains(MemberPosts, f.Post) {
		return nil, 0, apperr.Invalid("post", "error.choice")
	}
	q := &sqlArgs{}
	where := []string{"m.chamber_id = " + q.add(f.ChamberID)}
	switch f.Status {
	case "", "current":
		where = append(where, "m.left_on = ''")
	case "former":
		where = append(where, "m.left_on <> ''")
	case "all":
	default:
		return nil, 0, apperr.Invalid("status", "error.choice")
	}
	if f.Post != "" {
		where = append(where, "m.post = "+q.add(f.Post))
	}
	if sc := enterpriseScope(a, "m.enterprise_id", q); sc != "" {
		where = append(where, sc)
	}
	cond := strings.Join(where, " AND ")
	total := 0
	if !f.NoCount {
		if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships m WHERE `+cond, q.args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("directory: count members: %w", err)
		}
	}
	rank := postRank("m.post")
	if f.After != nil {
		r, err := strconv.Atoi(f.After.Key)
		if err != nil {
			return nil, 0, apperr.Invalid("cursor", "error.cursor")
		}
		cond += " AND (" + rank + ", m.id) > (" + q.add(r) + ", " + q.add(f.After.ID) + ")"
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	sql := `SELECT ` + membershipColumns + membershipFrom + ` WHERE ` + cond + ` ORDER BY ` + rank + `, m.id LIMIT ` + strconv.Itoa(limit)
	if f.Offset > 0 && f.After == nil {
		sql += ` OFFSET ` + strconv.Itoa(f.Offset)
	}
	out, err := s.queryMemberships(ctx, sql, q.args)
	return out, total, err
}

// MemberCursor is the cursor that continues a member list after m.
func MemberCursor(m Membership) Cursor {
	return Cursor{Key: strconv.Itoa(max(slices.Index(MemberPosts, m.Post), 0)), ID: m.ID}
}

func (s *Service) queryMemberships(ctx context.Context, sql string, args []any) ([]Membership, error) {
	rows, err := s.db.RQ(ctx).QueryContext(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("directory: memberships: %w", err)
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		m, err := scanMembership(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MembershipsOf lists an enterprise's chamber memberships, current first (the enterprise
// must be in the actor's scope).
func (s *Service) MembershipsOf(ctx context.Context, a auth.Actor, enterpriseID int64) ([]Membership, error) {
	if _, err := s.GetEnterprise(ctx, a, enterpriseID); err != nil {
		return nil, err
	}
	return s.queryMemberships(ctx, `SELECT `+membershipColumns+membershipFrom+` WHERE m.enterprise_id = $1
		ORDER BY CASE WHEN m.left_on = '' THEN 0 ELSE 1 END, `+postRank("m.post")+`, m.joined_on DESC, m.id LIMIT 200`, []any{enterpriseID})
}

// Chamber is a chamber of commerce with its figures.
type Chamber struct {
	Org
	Members       int
	MediationOrgs int
}

// ChamberFilter selects chambers.
type ChamberFilter struct {
	Q        string
	District string
	// Sort is "name" (default), "-name", "members" or "-members".
	Sort    string
	AfterID int64
	Offset  int
	Limit   int
}

// ChamberSorts are the orders of the chamber list.
var ChamberSorts = []string{"name", "-name", "members", "-members"}

const chamberColumns = orgColumns + `,
	(SELECT COUNT(*) FROM memberships m WHERE m.chamber_id = o.id AND m.left_on = '') AS members,
	(SELECT COUNT(*) FROM orgs x WHERE x.parent_id = o.id AND x.kind = 'mediation') AS mediation`

func scanChamber(sc interface{ Scan(...any) error }) (Chamber, error) {
	var c Chamber
	var cr, u int64
	err := sc.Scan(&c.ID, &c.Kind, &c.Name, &c.ShortName, &c.ParentID, &c.ParentName, &c.DistrictCode, &c.Phone, &c.Address, &cr, &u, &c.Version,
		&c.Members, &c.MediationOrgs)
	c.CreatedAt, c.UpdatedAt = db.FromMillis(cr), db.FromMillis(u)
	return c, err
}

// ListChambers lists the chambers of commerce with their member counts. Chambers are
// public facts; member counts are figures, not members.
func (s *Service) ListChambers(ctx context.Context, a auth.Actor, f ChamberFilter) ([]Chamber, int, error) {
	if !a.Authenticated() {
		return nil, 0, apperr.Forbidden()
	}
	q := &sqlArgs{}
	where := []string{"o.kind = " + q.add(auth.OrgChamber)}
	if t := cleanQuery(f.Q); t != "" {
		n := q.add("%" + escapeLike(t) + "%")
		where = append(where, `(o.name LIKE `+n+` ESCAPE '\' OR o.short_name LIKE `+n+` ESCAPE '\')`)
	}
	if f.District != "" {
		where = append(where, "o.district_code = "+q.add(f.District))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs o WHERE `+cond, q.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("directory: count chambers: %w", err)
	}
	order := "o.name, o.id"
	switch f.Sort {
	case "", "name":
	case "-name":
		order = "o.name DESC, o.id DESC"
	case "members":
		order = "members, o.id"
	case "-members":
		order = "members DESC, o.id"
	default:
		return nil, 0, apperr.Invalid("sort", "error.choice")
	}
	if f.AfterID > 0 {
		cond += " AND o.id > " + q.add(f.AfterID)
		order = "o.id"
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	sql := `SELECT ` + chamberColumns + ` FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id WHERE ` + cond +
		` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(limit)
	if f.Offset > 0 {
		sql += ` OFFSET ` + strconv.Itoa(f.Offset)
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, sql, q.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("directory: list chambers: %w", err)
	}
	defer rows.Close()
	var out []Chamber
	for rows.Next() {
		c, err := scanChamber(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// GetChamber returns a chamber with its figures; another kind of organisation is not a
// chamber and is not found here.
func (s *Service) GetChamber(ctx context.Context, a auth.Actor, id int64) (Chamber, error) {
	if !a.Authenticated() {
		return Chamber{}, apperr.NotFound("chamber")
	}
	c, err := scanChamber(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+chamberColumns+` FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id
		WHERE o.id = $1 AND o.kind = $2`, id, auth.OrgChamber))
	if err != nil {
		if db.IsNoRows(err) {
			return Chamber{}, apperr.NotFound("chamber")
		}
		return Chamber{}, fmt.Errorf("directory: chamber: %w", err)
	}
	return c, nil
}

// MediationOrgs lists the mediation organisations that belong to a chamber.
func (s *Service) MediationOrgs(ctx context.Context, a auth.Actor, chamberID int64) ([]Org, error) {
	if _, err := s.GetChamber(ctx, a, chamberID); err != nil {
		return nil, err
	}
	orgs, _, err := s.ListOrgs(ctx, a, OrgFilter{Kind: auth.OrgMediation, ParentID: chamberID, Sort: "name", Limit: 100})
	return orgs, err
}

// Membership returns one membership whose enterprise the actor may see.
func (s *Service) Membership(ctx context.Context, a auth.Actor, id int64) (Membership, error) {
	m, err := s.membershipByID(ctx, id)
	if err != nil {
		return Membership{}, err
	}
	if _, err := s.GetEnterprise(ctx, a, m.EnterpriseID); err != nil {
		return Membership{}, apperr.NotFound("membership")
	}
	return m, nil
}
