package directory

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/directory/creditcode"
	"yingshang/internal/i18n"
)

// Enterprise is an organisation of kind enterprise with its registration facts. Its id is
// the organisation's id; its version is the organisation's version.
type Enterprise struct {
	ID                int64
	Name              string
	ShortName         string
	CreditCode        string
	Industry          string
	Size              string
	Ownership         string
	District          string
	Chain             string
	RegisteredCapital int64 // fen
	FoundedOn         string
	Employees         int
	LegalRep          string
	ContactName       string
	ContactPhone      string
	// ContactMasked says ContactPhone is masked (lists, and actors without personal data).
	ContactMasked bool
	Address       string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int64
}

// EnterpriseInput is what creating or editing an enterprise takes.
type EnterpriseInput struct {
	Name       string `json:"name"`
	ShortName  string `json:"short_name,omitempty"`
	CreditCode string `json:"credit_code"`
	Industry   string `json:"industry"`
	Size       string `json:"size"`
	Ownership  string `json:"ownership"`
	District   string `json:"district"`
	Chain      string `json:"chain,omitempty"`
	// RegisteredCapital is in fen. CapitalText, when not empty, is the amount as a user
	// typed it in 元 ("1,280.50", "500万", "3亿") and wins.
	RegisteredCapital int64  `json:"registered_capital"`
	CapitalText       string `json:"-"`
	FoundedOn         string `json:"founded_on,omitempty"`
	Employees         int    `json:"employees"`
	// EmployeesText, when not empty, is the number as typed and wins.
	EmployeesText string `json:"-"`
	LegalRep      string `json:"legal_rep,omitempty"`
	ContactName   string `json:"contact_name,omitempty"`
	ContactPhone  string `json:"contact_phone,omitempty"`
	Address       string `json:"address,omitempty"`
	Version       int64  `json:"-"`
}

// ContactInput is what an enterprise's own users may change: who to call.
type ContactInput struct {
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
	Version      int64  `json:"-"`
}

var phoneRE = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$`)

// Limits of the free-text fields, in characters.
const (
	maxName      = 100
	maxShortName = 30
	maxPerson    = 50
	maxAddress   = 200
	maxEmployees = 10_000_000
	maxCapital   = 100_000_000_000_000 // 1 万亿元 in fen
)

// CreditCodeError turns a credit-code problem into a catalog key and its arguments: the
// message names the position and what belongs there ("第18位校验码错误，应为 D").
func CreditCodeError(err error) (string, []any) {
	var ce *creditcode.Error
	if !errors.As(err, &ce) {
		return "creditcode.invalid", nil
	}
	kv := []any{"Position", ce.Position, "Want", ce.Want, "Got", ce.Got}
	switch ce.Reason {
	case creditcode.ReasonLength:
		return "creditcode.length", kv
	case creditcode.ReasonChar:
		switch {
		case ce.Position >= 3 && ce.Position <= 8:
			return "creditcode.char_digit", kv
		case ce.Position == 17:
			return "creditcode.char_org", kv
		}
		return "creditcode.char", kv
	case creditcode.ReasonOrgCheck:
		return "creditcode.orgcheck", kv
	case creditcode.ReasonCheck:
		return "creditcode.check", kv
	}
	return "creditcode.invalid", kv
}

// normalizeEnterprise trims the input and checks each field on its own (no database).
func (s *Service) checkEnterprise(in *EnterpriseInput, v *apperr.Validation) {
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&in.Name, &in.ShortName, &in.Industry, &in.Size, &in.Ownership, &in.District, &in.Chain,
		&in.FoundedOn, &in.LegalRep, &in.ContactName, &in.ContactPhone, &in.Address, &in.CapitalText, &in.EmployeesText} {
		trim(p)
	}
	in.CreditCode = creditcode.Normalize(in.CreditCode)
	checkText(v, map[string]string{"name": in.Name, "short_name": in.ShortName, "legal_rep": in.LegalRep, "address": in.Address,
		"contact_name": in.ContactName})
	switch {
	case v.Has("name"):
	case in.Name == "":
		v.Add("name", "error.required")
	case utf8.RuneCountInString(in.Name) > maxName:
		v.Add("name", "error.too_long", "Max", maxName)
	}
	if utf8.RuneCountInString(in.ShortName) > maxShortName {
		v.Add("short_name", "error.too_long", "Max", maxShortName)
	}
	if in.CreditCode == "" {
		v.Add("credit_code", "error.required")
	} else if err := creditcode.Validate(in.CreditCode); err != nil {
		key, kv := CreditCodeError(err)
		v.Add("credit_code", key, kv...)
	}
	if code, ok := IndustryCode(in.Industry); ok {
		in.Industry = code
	} else if in.Industry == "" {
		v.Add("industry", "error.required")
	} else {
		v.Add("industry", "error.choice")
	}
	if code, ok := SizeCode(in.Size); ok {
		in.Size = code
	} else if in.Size == "" {
		v.Add("size", "error.required")
	} else {
		v.Add("size", "error.choice")
	}
	if code, ok := OwnershipCode(in.Ownership); ok {
		in.Ownership = code
	} else if in.Ownership == "" {
		v.Add("ownership", "error.required")
	} else {
		v.Add("ownership", "error.choice")
	}
	if code, ok := DistrictCode(in.District); ok {
		in.District = code
	} else if in.District == "" {
		v.Add("district", "error.required")
	} else {
		v.Add("district", "error.choice")
	}
	if code, ok := ChainCode(in.Chain); ok {
		in.Chain = code
	} else {
		v.Add("chain", "error.choice")
	}
	if in.CapitalText != "" {
		fen, ok := i18n.ParseMoney(in.CapitalText)
		if !ok {
			v.Add("registered_capital", "error.money")
		} else {
			in.RegisteredCapital = fen
		}
	}
	if in.RegisteredCapital < 0 || in.RegisteredCapital > maxCapital {
		v.Add("registered_capital", "error.dir.capital_range")
	}
	if in.EmployeesText != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(in.EmployeesText, ",", ""))
		if err != nil {
			v.Add("employees", "error.number")
		} else {
			in.Employees = n
		}
	}
	if !v.Has("employees") && (in.Employees < 0 || in.Employees > maxEmployees) {
		v.Add("employees", "error.range", "Min", 0, "Max", maxEmployees)
	}
	if in.FoundedOn != "" {
		if d, ok := ParseDate(in.FoundedOn); !ok {
			v.Add("founded_on", "error.date")
		} else if d > s.today() {
			v.Add("founded_on", "error.dir.date_future")
		} else {
			in.FoundedOn = d
		}
	}
	if utf8.RuneCountInString(in.LegalRep) > maxPerson {
		v.Add("legal_rep", "error.too_long", "Max", maxPerson)
	}
	checkContact(&ContactInput{ContactName: in.ContactName, ContactPhone: in.ContactPhone}, v)
	if utf8.RuneCountInString(in.Address) > maxAddress {
		v.Add("address", "error.too_long", "Max", maxAddress)
	}
}

func checkContact(c *ContactInput, v *apperr.Validation) {
	c.ContactName, c.ContactPhone = strings.TrimSpace(c.ContactName), strings.TrimSpace(c.ContactPhone)
	checkText(v, map[string]string{"contact_name": c.ContactName})
	if utf8.RuneCountInString(c.ContactName) > maxPerson {
		v.Add("contact_name", "error.too_long", "Max", maxPerson)
	}
	if c.ContactPhone != "" && !phoneRE.MatchString(c.ContactPhone) {
		v.Add("contact_phone", "error.phone_format")
	}
}

// today is the civil date in Shanghai.
func (s *Service) today() string { return s.now().In(i18n.Shanghai).Format("2006-01-02") }

// ParseDate reads a civil date as people type it or spreadsheets show it (2024-10-25,
// 2024/10/25, 2024.10.25, 2024年10月25日, 20241025) and returns it as YYYY-MM-DD.
func ParseDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(s)
	for _, layout := range []string{"2006-01-02", "2006-1-2", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 1800 {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}

// duplicates checks the unique facts against the database: the credit code (the error
// names the enterprise that holds it) and the name. except is the enterprise being edited.
func (s *Service) duplicates(ctx context.Context, in *EnterpriseInput, except int64, v *apperr.Validation) error {
	if !v.Has("credit_code") {
		var name string
		err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT o.name FROM enterprises e JOIN orgs o ON o.id = e.org_id
			WHERE e.credit_code = $1 AND e.org_id <> $2`, in.CreditCode, except).Scan(&name)
		switch {
		case err == nil:
			v.Add("credit_code", "error.credit_code_taken", "Name", name)
		case !db.IsNoRows(err):
			return fmt.Errorf("directory: credit code lookup: %w", err)
		}
	}
	if !v.Has("name") {
		var id int64
		err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT id FROM orgs WHERE kind = $1 AND name = $2 AND id <> $3`,
			auth.OrgEnterprise, in.Name, except).Scan(&id)
		switch {
		case err == nil:
			v.Add("name", "error.enterprise_name_taken")
		case !db.IsNoRows(err):
			return fmt.Errorf("directory: name lookup: %w", err)
		}
	}
	return nil
}

// uniqueError maps a unique violation that raced past the checks to the field at fault.
func (s *Service) uniqueError(ctx context.Context, err error, in EnterpriseInput) error {
	if !db.IsUniqueViolation(err) {
		return err
	}
	var v apperr.Validation
	if strings.Contains(err.Error(), "credit_code") {
		if derr := s.duplicates(ctx, &in, 0, &v); derr != nil || !v.Has("credit_code") {
			v.Add("credit_code", "error.credit_code_taken", "Name", "")
		}
	} else {
		v.Add("name", "error.enterprise_name_taken")
	}
	return v.Err()
}

// CanEditEnterprise reports whether the actor edits every field of enterprises.
func CanEditEnterprise(a auth.Actor) bool { return CanEditDirectory(a) }

// CanEditContact reports whether the actor may change enterprise e's contact fields: the
// directory editors, and the enterprise's own users.
func CanEditContact(a auth.Actor, enterpriseID int64) bool {
	return CanEditDirectory(a) || (a.Has(auth.RoleEnterprise) && a.OrgID == enterpriseID)
}

// CreateEnterprise registers an enterprise: an organisation of kind enterprise and its
// details, in one transaction, audited.
func (s *Service) CreateEnterprise(ctx context.Context, a auth.Actor, in EnterpriseInput) (Enterprise, error) {
	if !CanEditDirectory(a) {
		return Enterprise{}, apperr.Forbidden()
	}
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var v apperr.Validation
		s.checkEnterprise(&in, &v)
		if err := s.duplicates(ctx, &in, 0, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		var err error
		id, err = s.insertEnterprise(ctx, in, s.db.Q(ctx))
		if err != nil {
			return s.uniqueError(ctx, err, in)
		}
		return s.audit.Record(ctx, a, "enterprise.create", "org", strconv.FormatInt(id, 10), audit.Change{After: in})
	})
	if err != nil {
		return Enterprise{}, err
	}
	return s.enterpriseByID(ctx, id)
}

// insertEnterprise writes the two rows of a checked input.
func (s *Service) insertEnterprise(ctx context.Context, in EnterpriseInput, q db.Querier) (int64, error) {
	now := db.Millis(s.now())
	var id int64
	if err := q.QueryRowContext(ctx, `INSERT INTO orgs (kind, name, short_name, district_code, address, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		auth.OrgEnterprise, in.Name, in.ShortName, in.District, in.Address, now).Scan(&id); err != nil {
		return 0, fmt.Errorf("directory: insert enterprise org: %w", err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO enterprises (org_id, credit_code, industry, size, ownership, district_code, chain,
		registered_capital, founded_on, employees, legal_rep, contact_name, contact_phone)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		id, in.CreditCode, in.Industry, in.Size, in.Ownership, in.District, in.Chain, in.RegisteredCapital, in.FoundedOn,
		in.Employees, in.LegalRep, in.ContactName, in.ContactPhone); err != nil {
		return 0, fmt.Errorf("directory: insert enterprise: %w", err)
	}
	return id, nil
}

// UpdateEnterprise edits an enterprise (directory editors), with optimistic concurrency
// on the version.
func (s *Service) UpdateEnterprise(ctx context.Context, a auth.Actor, id int64, in EnterpriseInput) (Enterprise, error) {
	if !CanEditDirectory(a) {
		if _, err := s.GetEnterprise(ctx, a, id); err != nil {
			return Enterprise{}, err
		}
		return Enterprise{}, apperr.Forbidden()
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		old, err := s.enterpriseByID(ctx, id)
		if err != nil {
			return err
		}
		var v apperr.Validation
		s.checkEnterprise(&in, &v)
		if err := s.duplicates(ctx, &in, id, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		q := s.db.Q(ctx)
		res, err := q.ExecContext(ctx, `UPDATE orgs SET name = $1, short_name = $2, district_code = $3, address = $4,
			updated_at = $5, version = version + 1 WHERE id = $6 AND kind = $7 AND version = $8`,
			in.Name, in.ShortName, in.District, in.Address, db.Millis(s.now()), id, auth.OrgEnterprise, in.Version)
		if err != nil {
			return s.uniqueError(ctx, err, in)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		if _, err := q.ExecContext(ctx, `UPDATE enterprises SET credit_code = $1, industry = $2, size = $3, ownership = $4,
			district_code = $5, chain = $6, registered_capital = $7, founded_on = $8, employees = $9, legal_rep = $10,
			contact_name = $11, contact_phone = $12 WHERE org_id = $13`,
			in.CreditCode, in.Industry, in.Size, in.Ownership, in.District, in.Chain, in.RegisteredCapital, in.FoundedOn,
			in.Employees, in.LegalRep, in.ContactName, in.ContactPhone, id); err != nil {
			return s.uniqueError(ctx, err, in)
		}
		return s.audit.Record(ctx, a, "enterprise.update", "org", strconv.FormatInt(id, 10), audit.Change{Before: inputOf(old), After: in})
	})
	if err != nil {
		return Enterprise{}, err
	}
	return s.enterpriseByID(ctx, id)
}

// UpdateContact changes an enterprise's contact person and phone: the directory editors,
// or the enterprise's own users.
func (s *Service) UpdateContact(ctx context.Context, a auth.Actor, id int64, in ContactInput) (Enterprise, error) {
	if _, err := s.GetEnterprise(ctx, a, id); err != nil {
		return Enterprise{}, err
	}
	if !CanEditContact(a, id) {
		return Enterprise{}, apperr.Forbidden()
	}
	var v apperr.Validation
	checkContact(&in, &v)
	if err := v.Err(); err != nil {
		return Enterprise{}, err
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		old, err := s.enterpriseByID(ctx, id)
		if err != nil {
			return err
		}
		q := s.db.Q(ctx)
		res, err := q.ExecContext(ctx, `UPDATE orgs SET updated_at = $1, version = version + 1 WHERE id = $2 AND kind = $3 AND version = $4`,
			db.Millis(s.now()), id, auth.OrgEnterprise, in.Version)
		if err != nil {
			return fmt.Errorf("directory: update contact: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		if _, err := q.ExecContext(ctx, `UPDATE enterprises SET contact_name = $1, contact_phone = $2 WHERE org_id = $3`,
			in.ContactName, in.ContactPhone, id); err != nil {
			return fmt.Errorf("directory: update contact: %w", err)
		}
		before := ContactInput{ContactName: old.ContactName, ContactPhone: old.ContactPhone}
		return s.audit.Record(ctx, a, "enterprise.contact", "org", strconv.FormatInt(id, 10), audit.Change{Before: before, After: in})
	})
	if err != nil {
		return Enterprise{}, err
	}
	return s.enterpriseByID(ctx, id)
}

func inputOf(e Enterprise) EnterpriseInput {
	return EnterpriseInput{Name: e.Name, ShortName: e.ShortName, CreditCode: e.CreditCode, Industry: e.Industry, Size: e.Size,
		Ownership: e.Ownership, District: e.District, Chain: e.Chain, RegisteredCapital: e.RegisteredCapital, FoundedOn: e.FoundedOn,
		Employees: e.Employees, LegalRep: e.LegalRep, ContactName: e.ContactName, ContactPhone: e.ContactPhone, Address: e.Address}
}

// InputOf returns the input that reproduces e (for edit forms).
func InputOf(e Enterprise) EnterpriseInput {
	in := inputOf(e)
	in.Version = e.Version
	return in
}

const enterpriseColumns = `e.org_id, o.name, o.short_name, e.credit_code, e.industry, e.size, e.ownership, e.district_code, e.chain,
	e.registered_capital, e.founded_on, e.employees, e.legal_rep, e.contact_name, e.contact_phone, o.address,
	o.created_at, o.updated_at, o.version`

func scanEnterprise(sc interface{ Scan(...any) error }) (Enterprise, error) {
	var e Enterprise
	var c, u int64
	err := sc.Scan(&e.ID, &e.Name, &e.ShortName, &e.CreditCode, &e.Industry, &e.Size, &e.Ownership, &e.District, &e.Chain,
		&e.RegisteredCapital, &e.FoundedOn, &e.Employees, &e.LegalRep, &e.ContactName, &e.ContactPhone, &e.Address, &c, &u, &e.Version)
	e.CreatedAt, e.UpdatedAt = db.FromMillis(c), db.FromMillis(u)
	return e, err
}

// enterpriseByID reads an enterprise without scope or masking (inside the service).
func (s *Service) enterpriseByID(ctx context.Context, id int64) (Enterprise, error) {
	e, err := scanEnterprise(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+enterpriseColumns+`
		FROM enterprises e JOIN orgs o ON o.id = e.org_id WHERE e.org_id = $1`, id))
	if err != nil {
		if db.IsNoRows(err) {
			return Enterprise{}, apperr.NotFound("enterprise")
		}
		return Enterprise{}, fmt.Errorf("directory: enterprise: %w", err)
	}
	return e, nil
}

func (e *Enterprise) mask() {
	if !e.ContactMasked {
		if e.ContactPhone != "" {
			e.ContactPhone = i18n.MaskPhone(e.ContactPhone)
		}
		e.ContactMasked = true
	}
}

// GetEnterprise returns one enterprise within the actor's scope, its contact phone
// masked. Outside the scope it is not found.
func (s *Service) GetEnterprise(ctx context.Context, a auth.Actor, id int64) (Enterprise, error) {
	if !a.Authenticated() {
		return Enterprise{}, apperr.NotFound("enterprise")
	}
	q := &sqlArgs{}
	where := "e.org_id = " + q.add(id)
	if sc := enterpriseScope(a, "e.org_id", q); sc != "" {
		where += " AND " + sc
	}
	e, err := scanEnterprise(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+enterpriseColumns+`
		FROM enterprises e JOIN orgs o ON o.id = e.org_id WHERE `+where, q.args...))
	if err != nil {
		if db.IsNoRows(err) {
			return Enterprise{}, apperr.NotFound("enterprise")
		}
		return Enterprise{}, fmt.Errorf("directory: enterprise: %w", err)
	}
	e.mask()
	return e, nil
}

// ReadEnterprise returns the enterprise's full record, contact phone included, to the
// actors who may read it, and records the read ("enterprise.read"). Others (analysts) get
// the masked record and no read is recorded, since no personal data was shown.
func (s *Service) ReadEnterprise(ctx context.Context, a auth.Actor, id int64) (Enterprise, error) {
	masked, err := s.GetEnterprise(ctx, a, id)
	if err != nil || !seesContact(a) {
		return masked, err
	}
	e, err := s.enterpriseByID(ctx, id)
	if err != nil {
		return Enterprise{}, err
	}
	if err := s.audit.Record(ctx, a, "enterprise.read", "org", strconv.FormatInt(id, 10), nil); err != nil {
		return Enterprise{}, err
	}
	return e, nil
}

// EnterpriseFilter selects and orders enterprises.
type EnterpriseFilter struct {
	// Q matches the name or short name (a part of it), or the credit code (the whole code,
	// or its beginning).
	Q         string
	Industry  string
	Size      string
	Ownership string
	District  string
	Chain     string
	// ChamberID keeps the current members of one chamber.
	ChamberID int64
	// Sort is one of EnterpriseSorts ("name" by default; "-" sorts descending).
	Sort string
	// After is a keyset cursor: the sort key and id of the last row seen.
	After *Cursor
	// Offset and Limit page by position (the web's numbered pages); Limit ≤ 1000.
	Offset int
	Limit  int
	// NoCount skips the total (exports and cursor pages).
	NoCount bool
}

// Cursor is a position in a sorted list.
type Cursor struct {
	Key string
	ID  int64
}

// EnterpriseSorts are the orders the enterprise list offers.
var EnterpriseSorts = []string{"name", "-name", "founded", "-founded", "capital", "-capital"}

// sortSpec returns the sort column and its key's text form.
func enterpriseSort(sort string) (col string, desc bool, key func(Enterprise) string) {
	desc = strings.HasPrefix(sort, "-")
	switch strings.TrimPrefix(sort, "-") {
	case "founded":
		return "e.founded_on", desc, func(e Enterprise) string { return e.FoundedOn }
	case "capital":
		return "e.registered_capital", desc, func(e Enterprise) string { return strconv.FormatInt(e.RegisteredCapital, 10) }
	}
	return "o.name", desc, func(e Enterprise) string { return e.Name }
}

// CursorAfter returns the cursor that continues a list after e in order sort.
func CursorAfter(sort string, e Enterprise) Cursor {
	_, _, key := enterpriseSort(sort)
	return Cursor{Key: key(e), ID: e.ID}
}

// ListEnterprises lists enterprises in the actor's scope, contact phones masked, with the
// total number that match (unless NoCount).
func (s *Service) ListEnterprises(ctx context.Context, a auth.Actor, f EnterpriseFilter) ([]Enterprise, int, error) {
	if !SeesEnterprises(a) {
		return nil, 0, apperr.Forbidden()
	}
	if f.Sort != "" && !slices.Contains(EnterpriseSorts, f.Sort) {
		return nil, 0, apperr.Invalid("sort", "error.choice")
	}
	q := &sqlArgs{}
	// Every enterprises row is an organisation of kind enterprise: the count reads the
	// enterprises table alone unless a condition needs the organisation (its name).
	var where []string
	needsOrg := false
	if sc := enterpriseScope(a, "e.org_id", q); sc != "" {
		where = append(where, sc)
	}
	if t := cleanQuery(f.Q); t != "" {
		code := creditcode.Normalize(t)
		switch {
		case creditcode.Validate(code) == nil:
			where = append(where, "e.credit_code = "+q.add(code))
		case looksLikeCode(code):
			p := q.add(escapeLike(code) + "%")
			n := q.add("%" + escapeLike(t) + "%")
			where = append(where, `(e.credit_code LIKE `+p+` ESCAPE '\' OR o.name LIKE `+n+` ESCAPE '\')`)
			needsOrg = true
		default:
			n := q.add("%" + escapeLike(t) + "%")
			where = append(where, `(o.name LIKE `+n+` ESCAPE '\' OR o.short_name LIKE `+n+` ESCAPE '\')`)
			needsOrg = true
		}
	}
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+" = "+q.add(v))
		}
	}
	eq("e.industry", f.Industry)
	eq("e.size", f.Size)
	eq("e.ownership", f.Ownership)
	eq("e.district_code", f.District)
	eq("e.chain", f.Chain)
	if f.ChamberID > 0 {
		where = append(where, "e.org_id IN (SELECT mm.enterprise_id FROM memberships mm WHERE mm.chamber_id = "+q.add(f.ChamberID)+" AND mm.left_on = '')")
	}
	total := 0
	if !f.NoCount {
		count := `SELECT COUNT(*) FROM enterprises e`
		if needsOrg {
			count += ` JOIN orgs o ON o.id = e.org_id`
		}
		if len(where) > 0 {
			count += ` WHERE ` + strings.Join(where, " AND ")
		}
		if err := s.db.RQ(ctx).QueryRowContext(ctx, count, q.args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("directory: count enterprises: %w", err)
		}
	}
	// The kind condition lets a name order run off the (kind, name) index.
	where = append(where, "o.kind = '"+auth.OrgEnterprise+"'")
	from := ` FROM enterprises e JOIN orgs o ON o.id = e.org_id WHERE `
	col, desc, _ := enterpriseSort(f.Sort)
	dir, cmp := "", ">"
	if desc {
		dir, cmp = " DESC", "<"
	}
	// Enterprise names are unique (orgs_kind_name_unique), so the name alone orders and
	// continues a list, straight off the (kind, name) index; other orders break ties by id.
	order := col + dir
	if col != "o.name" {
		order += ", e.org_id" + dir
	}
	if f.After != nil {
		var key any = f.After.Key
		if col == "e.registered_capital" {
			n, err := strconv.ParseInt(f.After.Key, 10, 64)
			if err != nil {
				return nil, 0, apperr.Invalid("cursor", "error.cursor")
			}
			key = n
		}
		if col == "o.name" {
			where = append(where, col+" "+cmp+" "+q.add(key))
		} else {
			where = append(where, "("+col+", e.org_id) "+cmp+" ("+q.add(key)+", "+q.add(f.After.ID)+")")
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	sql := `SELECT ` + enterpriseColumns + from + strings.Join(where, " AND ") +
		` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(limit)
	if f.Offset > 0 && f.After == nil {
		sql += ` OFFSET ` + strconv.Itoa(f.Offset)
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, sql, q.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("directory: list enterprises: %w", err)
	}
	defer rows.Close()
	out := make([]Enterprise, 0, limit)
	for rows.Next() {
		e, err := scanEnterprise(rows)
		if err != nil {
			return nil, 0, err
		}
		e.mask()
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// looksLikeCode reports whether a search term is the beginning of a credit code: six or
// more characters of the code alphabet, digits first.
func looksLikeCode(s string) bool {
	if len(s) < 6 || len(s) > creditcode.Length || s[0] < '0' || s[0] > '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(creditcode.Alphabet, rune(s[i])) {
			return false
		}
	}
	return true
}

// FindEnterprise finds an enterprise in the actor's scope by its credit code or its exact
// name (what people type in a form).
func (s *Service) FindEnterprise(ctx context.Context, a auth.Actor, nameOrCode string) (Enterprise, error) {
	t := cleanQuery(nameOrCode)
	if t == "" {
		return Enterprise{}, apperr.Invalid("enterprise_id", "error.required")
	}
	var id int64
	var err error
	if code := creditcode.Normalize(t); creditcode.Validate(code) == nil {
		err = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT org_id FROM enterprises WHERE credit_code = $1`, code).Scan(&id)
	} else {
		err = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT id FROM orgs WHERE kind = $1 AND name = $2`, auth.OrgEnterprise, t).Scan(&id)
	}
	if err != nil && !db.IsNoRows(err) {
		return Enterprise{}, fmt.Errorf("directory: find enterprise: %w", err)
	}
	e, gerr := s.GetEnterprise(ctx, a, id)
	if err != nil || gerr != nil {
		return Enterprise{}, apperr.Invalid("enterprise_id", "error.enterprise_unknown")
	}
	return e, nil
}
