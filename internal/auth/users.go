package auth

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/db"
)

// User is an account. Every user belongs to exactly one organisation.
type User struct {
	ID                 int64
	Username           string
	DisplayName        string
	OrgID              int64
	OrgName            string
	OrgKind            string
	Phone              string
	Email              string
	Roles              []Role
	TOTPEnabled        bool
	Disabled           bool
	MustChangePassword bool
	Lang               string
	PasswordChangedAt  time.Time
	CreatedAt          time.Time
	LastLoginAt        time.Time
	Version            int64
	// Locked is set when login throttling currently locks the account.
	Locked bool
}

// NewUser is what creating a user takes.
type NewUser struct {
	Username    string
	DisplayName string
	OrgID       int64
	Phone       string
	Email       string
	Password    string
	Roles       []Role
	Lang        string
	// MustChangePassword makes the user choose a new password at first login.
	MustChangePassword bool
	// PasswordHash, from HashPassword, replaces Password for bulk loads by the system
	// (the demo city hashes its one password once, not once per user).
	PasswordHash string
}

// HashPassword checks pw against the policy and hashes it for NewUser.PasswordHash.
func (s *Service) HashPassword(ctx context.Context, pw string) (string, error) {
	if err := s.Policy(ctx).CheckPassword("", pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.cost)
	return string(h), err
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)
var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
var phoneRE = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$`)

func forbidden() error { return apperr.Forbidden() }

// Langs are the interface languages.
var Langs = []string{"zh-CN", "en"}

func validLang(l string) bool { return l == "zh-CN" || l == "en" }

func (s *Service) validateUser(ctx context.Context, v *apperr.Validation, u *NewUser, withPassword bool) {
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	u.Phone = strings.TrimSpace(u.Phone)
	u.Email = strings.TrimSpace(u.Email)
	if !usernameRE.MatchString(u.Username) {
		v.Add("username", "error.username_format")
	}
	if u.DisplayName == "" {
		v.Add("display_name", "error.required")
	} else if utf8.RuneCountInString(u.DisplayName) > 64 {
		v.Add("display_name", "error.too_long", "Max", 64)
	}
	if u.Phone != "" && !phoneRE.MatchString(u.Phone) {
		v.Add("phone", "error.phone_format")
	}
	if u.Email != "" && (!emailRE.MatchString(u.Email) || len(u.Email) > 254) {
		v.Add("email", "error.email_format")
	}
	if u.Lang == "" {
		u.Lang = "zh-CN"
	}
	if !validLang(u.Lang) {
		v.Add("lang", "error.choice")
	}
	if u.OrgID <= 0 {
		v.Add("org_id", "error.required")
	} else if _, _, err := s.orgOf(ctx, u.OrgID); err != nil {
		v.Add("org_id", "error.org_unknown")
	}
	if withPassword {
		if err := s.Policy(ctx).CheckPassword(u.Username, u.Password); err != nil {
			e, _ := apperr.As(err)
			for _, f := range e.Fields {
				v.Add(f.Field, f.Key, flatten(f.Args)...)
			}
		}
	}
	checkRoles(v, u.Roles)
}

func flatten(m map[string]any) []any {
	var kv []any
	for k, val := range m {
		kv = append(kv, k, val)
	}
	return kv
}

func checkRoles(v *apperr.Validation, roles []Role) {
	for _, r := range roles {
		if !ValidRole(r) {
			v.Add("roles", "error.role_unknown", "Role", string(r))
			return
		}
	}
	if a, b, bad := SeparationViolation(roles); bad {
		v.Add("roles", "error.roles_separated", "A", string(a), "B", string(b))
	}
}

// canGrant says who may hand out which roles: the security administrator any role; the
// system administrator creating a user only the business roles (never the three
// administrators), so no single administrator can make themselves an auditor.
func canGrant(a Actor, roles []Role) bool {
	if a.IsSystem() || a.Can(PermRolesAssign) {
		return true
	}
	if !a.Can(PermUsersManage) {
		return false
	}
	for _, r := range roles {
		if r == RoleAdmin || r == RoleSecurity || r == RoleAuditor {
			return false
		}
	}
	return true
}

func (s *Service) orgOf(ctx context.Context, orgID int64) (kind, name string, err error) {
	err = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT kind, name FROM orgs WHERE id = $1`, orgID).Scan(&kind, &name)
	return kind, name, db.NoRows(err, "org")
}

// CreateUser adds a user (system administrator, or the command line).
func (s *Service) CreateUser(ctx context.Context, a Actor, nu NewUser) (User, error) {
	if !a.IsSystem() && !a.Can(PermUsersManage) {
		return User{}, forbidden()
	}
	nu.Roles = NormalizeRoles(nu.Roles)
	var v apperr.Validation
	preHashed := nu.PasswordHash != "" && a.IsSystem()
	s.validateUser(ctx, &v, &nu, !preHashed)
	if !v.Has("roles") && !canGrant(a, nu.Roles) {
		v.Add("roles", "error.roles_not_grantable")
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	hash := []byte(nu.PasswordHash)
	if !preHashed {
		var err error
		if hash, err = bcrypt.GenerateFromPassword([]byte(nu.Password), s.cost); err != nil {
			return User{}, fmt.Errorf("auth: hash password: %w", err)
		}
	}
	now := db.Millis(s.now())
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO users
			(username, display_name, org_id, phone, email, password_hash, password_changed_at, must_change_password, lang, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			nu.Username, nu.DisplayName, nu.OrgID, nu.Phone, nu.Email, string(hash), now, nu.MustChangePassword, nu.Lang, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("username", "error.username_taken")
		}
		if err != nil {
			return fmt.Errorf("auth: insert user: %w", err)
		}
		if err := s.insertRoles(ctx, id, nu.Roles); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, "user.create", "user", strconv.FormatInt(id, 10), audit.Change{After: map[string]any{
			"username": nu.Username, "display_name": nu.DisplayName, "org_id": nu.OrgID, "roles": nu.Roles,
		}})
	})
	if err != nil {
		return User{}, err
	}
	return s.userByID(ctx, id)
}

func (s *Service) insertRoles(ctx context.Context, id int64, roles []Role) error {
	for _, r := range roles {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, id, string(r)); err != nil {
			return fmt.Errorf("auth: insert role: %w", err)
		}
	}
	return nil
}

// UserUpdate is the editable part of a user.
type UserUpdate struct {
	DisplayName string
	OrgID       int64
	Phone       string
	Email       string
	Lang        string
	Disabled    bool
	Version     int64
}

// UpdateUser edits a user's profile (system administrator).
func (s *Service) UpdateUser(ctx context.Context, a Actor, id int64, up UserUpdate) (User, error) {
	if !a.IsSystem() && !a.Can(PermUsersManage) {
		return User{}, forbidden()
	}
	old, err := s.userByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	nu := NewUser{Username: old.Username, DisplayName: up.DisplayName, OrgID: up.OrgID, Phone: up.Phone, Email: up.Email, Lang: up.Lang}
	var v apperr.Validation
	s.validateUser(ctx, &v, &nu, false)
	if up.Disabled && id == a.UserID {
		v.Add("disabled", "error.disable_self")
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		db.AfterCommit(ctx, s.tokens.forget) // the user's tokens answer with the change at once
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET display_name = $1, org_id = $2, phone = $3, email = $4,
			lang = $5, disabled = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9`,
			nu.DisplayName, nu.OrgID, nu.Phone, nu.Email, nu.Lang, up.Disabled, db.Millis(s.now()), id, up.Version)
		if err != nil {
			return fmt.Errorf("auth: update user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		if up.Disabled {
			if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, a, "user.update", "user", strconv.FormatInt(id, 10), audit.Change{
			Before: map[string]any{"display_name": old.DisplayName, "org_id": old.OrgID, "disabled": old.Disabled, "lang": old.Lang},
			After:  map[string]any{"display_name": nu.DisplayName, "org_id": nu.OrgID, "disabled": up.Disabled, "lang": nu.Lang},
		})
	})
	if err != nil {
		return User{}, err
	}
	return s.userByID(ctx, id)
}

// SetRoles replaces a user's roles (security administrator; the system administrator only
// for business roles).
func (s *Service) SetRoles(ctx context.Context, a Actor, id int64, roles []Role) (User, error) {
	roles = NormalizeRoles(roles)
	old, err := s.userByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if !canGrant(a, append(append([]Role{}, roles...), old.Roles...)) {
		return User{}, forbidden()
	}
	var v apperr.Validation
	checkRoles(&v, roles)
	if err := v.Err(); err != nil {
		return User{}, err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		db.AfterCommit(ctx, s.tokens.forget)
		if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = $1`, id); err != nil {
			return err
		}
		if err := s.insertRoles(ctx, id, roles); err != nil {
			return err
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET version = version + 1, updated_at = $1 WHERE id = $2`, db.Millis(s.now()), id); err != nil {
			return err
		}
		// A change of roles takes effect at once: the user signs in again.
		if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, "user.roles", "user", strconv.FormatInt(id, 10), audit.Change{Before: old.Roles, After: roles})
	})
	if err != nil {
		return User{}, err
	}
	return s.userByID(ctx, id)
}

// ResetPassword sets a new password for another user, who must change it at next login.
func (s *Service) ResetPassword(ctx context.Context, a Actor, id int64, pw string) error {
	if !a.IsSystem() && !a.Can(PermUsersManage) && !a.Can(PermPolicyManage) {
		return forbidden()
	}
	u, err := s.userByID(ctx, id)
	if err != nil {
		return err
	}
	return s.setPassword(ctx, a, u, pw, !a.IsSystem(), "user.password_reset")
}

// ChangeOwnPassword lets a signed-in user change their password.
func (s *Service) ChangeOwnPassword(ctx context.Context, a Actor, current, next string) error {
	u, hash, err := s.userWithHash(ctx, a.UserID)
	if err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(current)) != nil {
		return apperr.Invalid("current_password", "error.password_wrong")
	}
	if current == next {
		return apperr.Invalid("password", "error.password_same")
	}
	return s.setPassword(ctx, a, u, next, false, "user.password_change")
}

func (s *Service) setPassword(ctx context.Context, a Actor, u User, pw string, mustChange bool, action string) error {
	if err := s.Policy(ctx).CheckPassword(u.Username, pw); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), s.cost)
	if err != nil {
		return fmt.Errorf("auth: hash password: %w", err)
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2,
			must_change_password = $3, updated_at = $2, version = version + 1 WHERE id = $4`,
			string(hash), db.Millis(s.now()), mustChange, u.ID); err != nil {
			return fmt.Errorf("auth: set password: %w", err)
		}
		// Other sessions of the user end with the old password; the caller's stays.
		if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, u.ID, a.SessionHash); err != nil {
			return err
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM login_throttle WHERE key = $1`, acctKey(u.Username)); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, action, "user", strconv.FormatInt(u.ID, 10), nil)
	})
}

// SetLang stores the user's interface language.
func (s *Service) SetLang(ctx context.Context, a Actor, lang string) error {
	if !validLang(lang) {
		return apperr.Invalid("lang", "error.choice")
	}
	if a.UserID == 0 {
		return nil
	}
	_, err := s.db.W.ExecContext(ctx, `UPDATE users SET lang = $1 WHERE id = $2`, lang, a.UserID)
	s.tokens.forget()
	return err
}

// Unlock clears login throttling for a user.
func (s *Service) Unlock(ctx context.Context, a Actor, id int64) error {
	if !a.IsSystem() && !a.Can(PermUsersManage) && !a.Can(PermPolicyManage) {
		return forbidden()
	}
	u, err := s.userByID(ctx, id)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM login_throttle WHERE key = $1`, acctKey(u.Username)); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, "user.unlock", "user", strconv.FormatInt(id, 10), nil)
	})
}

// userColumns are a user's columns and, last, the roles separated by spaces (one
// aggregate subquery: a query per user for the roles was a third of authenticating a
// request, and one per listed user for the administrators' list).
func (s *Service) userColumns() string {
	agg := "group_concat(r.role, ' ')"
	if s.db.Engine == db.Postgres {
		agg = "string_agg(r.role, ' ')"
	}
	return `u.id, u.username, u.display_name, u.org_id, o.name, o.kind, u.phone, u.email, u.totp_enabled,
	u.disabled, u.must_change_password, u.lang, u.password_changed_at, u.created_at, u.last_login_at, u.version,
	COALESCE(t.locked_until, 0), COALESCE((SELECT ` + agg + ` FROM user_roles r WHERE r.user_id = u.id), '')`
}

const userFrom = ` FROM users u JOIN orgs o ON o.id = u.org_id
	LEFT JOIN login_throttle t ON t.key = 'acct:' || u.username`

func (s *Service) scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var r userRow
	err := sc.Scan(r.dest()...)
	return s.userOf(&r), err
}

// userRow receives a row of userColumns (a query may add columns after them).
type userRow struct {
	u                              User
	changed, created, last, locked int64
	roles                          string
}

func (r *userRow) dest() []any {
	u := &r.u
	return []any{&u.ID, &u.Username, &u.DisplayName, &u.OrgID, &u.OrgName, &u.OrgKind, &u.Phone, &u.Email,
		&u.TOTPEnabled, &u.Disabled, &u.MustChangePassword, &u.Lang, &r.changed, &r.created, &r.last, &u.Version, &r.locked, &r.roles}
}

// userOf is the user a scanned row holds.
func (s *Service) userOf(r *userRow) User {
	u := r.u
	u.PasswordChangedAt, u.CreatedAt, u.LastLoginAt = db.FromMillis(r.changed), db.FromMillis(r.created), db.FromMillis(r.last)
	u.Locked = r.locked > db.Millis(s.now())
	for _, role := range strings.Fields(r.roles) {
		u.Roles = append(u.Roles, Role(role))
	}
	u.Roles = NormalizeRoles(u.Roles)
	return u
}

// userByID reads a user with the roles in one query: every authenticated request asks
// for it.
func (s *Service) userByID(ctx context.Context, id int64) (User, error) {
	u, err := s.scanUser(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+s.userColumns()+userFrom+` WHERE u.id = $1`, id))
	if err != nil {
		if db.IsNoRows(err) {
			return User{}, apperr.NotFound("user")
		}
		return User{}, fmt.Errorf("auth: user: %w", err)
	}
	return u, nil
}

func (s *Service) userWithHash(ctx context.Context, id int64) (User, string, error) {
	u, err := s.userByID(ctx, id)
	if err != nil {
		return u, "", err
	}
	var hash string
	err = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&hash)
	return u, hash, err
}

// GetUser returns one user: administrators see anyone, everyone else only themselves.
func (s *Service) GetUser(ctx context.Context, a Actor, id int64) (User, error) {
	if !a.IsSystem() && !a.Can(PermUsersManage) && !a.Can(PermRolesAssign) && a.UserID != id {
		return User{}, apperr.NotFound("user")
	}
	return s.userByID(ctx, id)
}

// UserByUsername finds a user by login name (administrators and the command line).
func (s *Service) UserByUsername(ctx context.Context, a Actor, username string) (User, error) {
	var id int64
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1`, strings.ToLower(strings.TrimSpace(username))).Scan(&id)
	if err != nil {
		return User{}, apperr.NotFound("user")
	}
	return s.GetUser(ctx, a, id)
}

// UserFilter selects users for the admin list.
type UserFilter struct {
	Q      string
	Role   Role
	OrgID  int64
	Status string // "", "active", "disabled", "locked"
	// AfterID is the cursor: users with a larger id.
	AfterID int64
	Offset  int
	Limit   int
}

// ListUsers lists users for the system and security administrators.
func (s *Service) ListUsers(ctx context.Context, a Actor, f UserFilter) ([]User, int, error) {
	if !a.IsSystem() && !a.Can(PermUsersManage) && !a.Can(PermRolesAssign) && !a.Can(PermTokensManage) {
		return nil, 0, forbidden()
	}
	var where []string
	var args []any
	add := func(cond string, v ...any) {
		for _, x := range v {
			args = append(args, x)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + escapeLike(strings.ToLower(q)) + "%"
		add(`(u.username LIKE ? ESCAPE '\' OR LOWER(u.display_name) LIKE ? ESCAPE '\' OR o.name LIKE ? ESCAPE '\')`, like, like, like)
	}
	if f.Role != "" {
		add(`EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = ?)`, string(f.Role))
	}
	if f.OrgID > 0 {
		add(`u.org_id = ?`, f.OrgID)
	}
	switch f.Status {
	case "active":
		add(`u.disabled = ?`, false)
	case "disabled":
		add(`u.disabled = ?`, true)
	case "locked":
		add(`COALESCE(t.locked_until, 0) > ?`, db.Millis(s.now()))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+userFrom+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("auth: count users: %w", err)
	}
	if f.AfterID > 0 {
		add(`u.id > ?`, f.AfterID)
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q := `SELECT ` + s.userColumns() + userFrom + cond + ` ORDER BY u.id LIMIT ` + strconv.Itoa(limit)
	if f.Offset > 0 {
		q += ` OFFSET ` + strconv.Itoa(f.Offset)
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("auth: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := s.scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// CountUsers returns how many users exist (to detect an empty database).
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
