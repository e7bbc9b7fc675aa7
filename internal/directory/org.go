package directory

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Org is an organisation of any kind.
type Org struct {
	ID           int64
	Kind         string
	Name         string
	ShortName    string
	ParentID     int64
	ParentName   string
	DistrictCode string
	Phone        string
	Address      string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64
}

// OrgInput is what creating or editing an organisation takes.
type OrgInput struct {
	Kind         string
	Name         string
	ShortName    string
	ParentID     int64
	DistrictCode string
	Phone        string
	Address      string
	Version      int64
}

func (s *Service) validateOrg(ctx context.Context, in *OrgInput) error {
	var v apperr.Validation
	in.Name = strings.TrimSpace(in.Name)
	in.ShortName = strings.TrimSpace(in.ShortName)
	in.Address = strings.TrimSpace(in.Address)
	in.Phone = strings.TrimSpace(in.Phone)
	checkText(&v, map[string]string{"name": in.Name, "short_name": in.ShortName, "address": in.Address, "phone": in.Phone})
	if !slices.Contains(auth.OrgKinds, in.Kind) {
		v.Add("kind", "error.choice")
	}
	switch {
	case v.Has("name"):
	case in.Name == "":
		v.Add("name", "error.required")
	case utf8.RuneCountInString(in.Name) > 100:
		v.Add("name", "error.too_long", "Max", 100)
	}
	if utf8.RuneCountInString(in.ShortName) > 30 {
		v.Add("short_name", "error.too_long", "Max", 30)
	}
	if utf8.RuneCountInString(in.Address) > 200 {
		v.Add("address", "error.too_long", "Max", 200)
	}
	if in.DistrictCode != "" && in.DistrictCode != CityDivision && !slices.Contains(Districts, in.DistrictCode) {
		v.Add("district_code", "error.choice")
	}
	if len(in.Phone) > 30 {
		v.Add("phone", "error.too_long", "Max", 30)
	}
	if in.ParentID != 0 {
		if _, err := s.orgByID(ctx, in.ParentID); err != nil {
			v.Add("parent_id", "error.org_unknown")
		}
	}
	if in.Kind == auth.OrgMediation && in.ParentID == 0 {
		v.Add("parent_id", "error.mediation_needs_chamber")
	}
	if in.Kind == auth.OrgMediation && in.ParentID != 0 && !v.Has("parent_id") {
		if p, err := s.orgByID(ctx, in.ParentID); err == nil && p.Kind != auth.OrgChamber {
			v.Add("parent_id", "error.mediation_needs_chamber")
		}
	}
	return v.Err()
}

// CanEditDirectory reports whether the actor may change directory entries.
func CanEditDirectory(a auth.Actor) bool { return a.IsSystem() || a.Can(auth.PermDirectoryEdit) }

// CreateOrg adds an organisation (system administrator, operator, or the system itself).
func (s *Service) CreateOrg(ctx context.Context, a auth.Actor, in OrgInput) (Org, error) {
	if !CanEditDirectory(a) {
		return Org{}, apperr.Forbidden()
	}
	if in.Kind == auth.OrgEnterprise {
		// An enterprise is an organisation with registration facts: CreateEnterprise.
		return Org{}, apperr.Invalid("kind", "error.enterprise_via_enterprises")
	}
	if err := s.validateOrg(ctx, &in); err != nil {
		return Org{}, err
	}
	var id int64
	now := db.Millis(s.now())
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO orgs (kind, name, short_name, parent_id, district_code, phone, address, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			in.Kind, in.Name, in.ShortName, nullID(in.ParentID), in.DistrictCode, in.Phone, in.Address, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("name", "error.org_name_taken")
		}
		if err != nil {
			return fmt.Errorf("directory: insert org: %w", err)
		}
		return s.audit.Record(ctx, a, "org.create", "org", strconv.FormatInt(id, 10), audit.Change{After: in})
	})
	if err != nil {
		return Org{}, err
	}
	return s.orgByID(ctx, id)
}

// UpdateOrg edits an organisation with optimistic concurrency.
func (s *Service) UpdateOrg(ctx context.Context, a auth.Actor, id int64, in OrgInput) (Org, error) {
	if !CanEditDirectory(a) {
		return Org{}, apperr.Forbidden()
	}
	old, err := s.orgByID(ctx, id)
	if err != nil {
		return Org{}, err
	}
	in.Kind = old.Kind // the kind of an organisation never changes
	if in.Kind == auth.OrgEnterprise {
		return Org{}, apperr.Invalid("kind", "error.enterprise_via_enterprises")
	}
	if in.ParentID == id {
		return Org{}, apperr.Invalid("parent_id", "error.org_parent_self")
	}
	if err := s.validateOrg(ctx, &in); err != nil {
		return Org{}, err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE orgs SET name = $1, short_name = $2, parent_id = $3, district_code = $4,
			phone = $5, address = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9`,
			in.Name, in.ShortName, nullID(in.ParentID), in.DistrictCode, in.Phone, in.Address, db.Millis(s.now()), id, in.Version)
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("name", "error.org_name_taken")
		}
		if err != nil {
			return fmt.Errorf("directory: update org: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		return s.audit.Record(ctx, a, "org.update", "org", strconv.FormatInt(id, 10), audit.Change{Before: old, After: in})
	})
	if err != nil {
		return Org{}, err
	}
	return s.orgByID(ctx, id)
}

const orgColumns = `o.id, o.kind, o.name, o.short_name, COALESCE(o.parent_id, 0), COALESCE(p.name, ''), o.district_code,
	o.phone, o.address, o.created_at, o.updated_at, o.version`

func scanOrg(sc interface{ Scan(...any) error }) (Org, error) {
	var o Org
	var c, u int64
	err := sc.Scan(&o.ID, &o.Kind, &o.Name, &o.ShortName, &o.ParentID, &o.ParentName, &o.DistrictCode, &o.Phone, &o.Address, &c, &u, &o.Version)
	o.CreatedAt, o.UpdatedAt = db.FromMillis(c), db.FromMillis(u)
	return o, err
}

func (s *Service) orgByID(ctx context.Context, id int64) (Org, error) {
	o, err := scanOrg(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+orgColumns+` FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id WHERE o.id = $1`, id))
	if err != nil {
		if db.IsNoRows(err) {
			return Org{}, apperr.NotFound("org")
		}
		return Org{}, fmt.Errorf("directory: org: %w", err)
	}
	return o, nil
}

// OrgByName finds an organisation by its exact name (the first, if several kinds share it).
func (s *Service) OrgByName(ctx context.Context, a auth.Actor, name string) (Org, error) {
	var id int64
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT id FROM orgs WHERE name = $1 ORDER BY id LIMIT 1`, cleanQuery(name)).Scan(&id)
	if err != nil {
		return Org{}, apperr.NotFound("org")
	}
	return s.GetOrg(ctx, a, id)
}

// GetOrg returns one organisation. Organisations are public facts of the directory for
// every signed-in user, except enterprises, whose file is scoped (see scope.go).
func (s *Service) GetOrg(ctx context.Context, a auth.Actor, id int64) (Org, error) {
	if !a.Authenticated() {
		return Org{}, apperr.NotFound("org")
	}
	o, err := s.orgByID(ctx, id)
	if err != nil {
		return Org{}, err
	}
	if o.Kind == auth.OrgEnterprise {
		if _, err := s.GetEnterprise(ctx, a, id); err != nil {
			return Org{}, apperr.NotFound("org")
		}
	}
	return o, nil
}

// OrgFilter selects organisations.
type OrgFilter struct {
	Kind string
	// Kinds, when set, keeps organisations of these kinds.
	Kinds    []string
	Q        string
	ParentID int64
	// Sort is "" (by id, the cursor order), "name" or "-name".
	Sort string
	// AfterID is the cursor (organisations with a larger id).
	AfterID int64
	Offset  int
	Limit   int
}

// ListOrgs lists organisations with a total count.
func (s *Service) ListOrgs(ctx context.Context, a auth.Actor, f OrgFilter) ([]Org, int, error) {
	if !a.Authenticated() {
		return nil, 0, apperr.Forbidden()
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Kind != "" {
		add("o.kind = ?", f.Kind)
	}
	if len(f.Kinds) > 0 {
		ph := make([]string, len(f.Kinds))
		for i, k := range f.Kinds {
			args = append(args, k)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		where = append(where, "o.kind IN ("+strings.Join(ph, ", ")+")")
	}
	// Enterprises in a list are limited to the actor's scope like their files.
	sa := &sqlArgs{args: args}
	if sc := enterpriseScope(a, "o.id", sa); sc != "" {
		args = sa.args
		where = append(where, "(o.kind <> '"+auth.OrgEnterprise+"' OR "+sc+")")
	}
	if q := cleanQuery(f.Q); q != "" {
		add(`(o.name LIKE ? ESCAPE '\' OR o.short_name LIKE ? ESCAPE '\')`, "%"+escapeLike(q)+"%")
	}
	if f.ParentID > 0 {
		add("o.parent_id = ?", f.ParentID)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs o`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("directory: count orgs: %w", err)
	}
	if f.AfterID > 0 {
		add("o.id > ?", f.AfterID)
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	order := "o.id"
	switch f.Sort {
	case "name":
		order = "o.name, o.id"
	case "-name":
		order = "o.name DESC, o.id DESC"
	case "":
	default:
		return nil, 0, apperr.Invalid("sort", "error.choice")
	}
	q := `SELECT ` + orgColumns + ` FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id` + cond + ` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(limit)
	if f.Offset > 0 {
		q += ` OFFSET ` + strconv.Itoa(f.Offset)
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("directory: list orgs: %w", err)
	}
	defer rows.Close()
	var out []Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, o)
	}
	return out, total, rows.Err()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
