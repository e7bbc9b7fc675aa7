package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/db"
)

// Policy is the password and session policy the security administrator sets.
type Policy struct {
	PasswordMinLength int `json:"password_min_length"`
	// PasswordClasses is how many of lower, upper, digit, symbol a password must mix.
	PasswordClasses int `json:"password_classes"`
	// PasswordMaxAgeDays forces a change after that many days (0: never).
	PasswordMaxAgeDays int `json:"password_max_age_days"`
	// LockoutThreshold failures within LockoutWindow lock the account for LockoutDuration.
	LockoutThreshold   int `json:"lockout_threshold"`
	LockoutWindowMin   int `json:"lockout_window_min"`
	LockoutDurationMin int `json:"lockout_duration_min"`
	// IPThreshold failures from one address within the window block that address.
	IPThreshold int `json:"ip_threshold"`
	// IdleTimeoutMin ends a session nobody used for that long (default 30, product.md).
	IdleTimeoutMin int `json:"idle_timeout_min"`
	// AbsoluteLifetimeHours ends any session that old.
	AbsoluteLifetimeHours int `json:"absolute_lifetime_hours"`
	// MFARoles must pass a TOTP second factor.
	MFARoles []Role `json:"mfa_roles"`
	// SingleSessionPrivileged ends other sessions of a privileged user at login.
	SingleSessionPrivileged bool `json:"single_session_privileged"`
}

// DefaultPolicy satisfies 等保2.0 level 3 as product.md lists it.
func DefaultPolicy() Policy {
	return Policy{
		PasswordMinLength:       10,
		PasswordClasses:         3,
		PasswordMaxAgeDays:      90,
		LockoutThreshold:        5,
		LockoutWindowMin:        15,
		LockoutDurationMin:      15,
		IPThreshold:             30,
		IdleTimeoutMin:          30,
		AbsoluteLifetimeHours:   12,
		MFARoles:                []Role{RoleAdmin, RoleSecurity, RoleAuditor, RoleOperator},
		SingleSessionPrivileged: false,
	}
}

// Validate checks the policy's own bounds.
func (p Policy) Validate() error {
	var v apperr.Validation
	check := func(field string, val, lo, hi int) {
		if val < lo || val > hi {
			v.Add(field, "error.range", "Min", lo, "Max", hi)
		}
	}
	check("password_min_length", p.PasswordMinLength, 8, 64)
	check("password_classes", p.PasswordClasses, 1, 4)
	check("password_max_age_days", p.PasswordMaxAgeDays, 0, 3650)
	check("lockout_threshold", p.LockoutThreshold, 3, 100)
	check("lockout_window_min", p.LockoutWindowMin, 1, 1440)
	check("lockout_duration_min", p.LockoutDurationMin, 1, 1440)
	check("ip_threshold", p.IPThreshold, 5, 10000)
	check("idle_timeout_min", p.IdleTimeoutMin, 5, 480)
	check("absolute_lifetime_hours", p.AbsoluteLifetimeHours, 1, 168)
	for _, r := range p.MFARoles {
		if !ValidRole(r) {
			v.Add("mfa_roles", "error.role_unknown", "Role", string(r))
		}
	}
	return v.Err()
}

const policyKey = "auth.policy"

// LoadPolicy reads the policy from settings, falling back to the default.
func LoadPolicy(ctx context.Context, d *db.DB) (Policy, error) {
	p := DefaultPolicy()
	var raw string
	err := d.RQ(ctx).QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, policyKey).Scan(&raw)
	if err := db.NoRows(err, "policy"); err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			return p, nil
		}
		return p, err
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return DefaultPolicy(), fmt.Errorf("auth: policy setting is not valid JSON: %w", err)
	}
	return p, nil
}

func savePolicy(ctx context.Context, d *db.DB, p Policy, by int64, now time.Time) error {
	b, _ := json.Marshal(p)
	_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		policyKey, string(b), db.Millis(now), nullID(by))
	return err
}

// CheckPassword applies the policy's rules to a new password of username.
func (p Policy) CheckPassword(username, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < p.PasswordMinLength {
		return apperr.Invalid("password", "error.password_short", "Min", p.PasswordMinLength)
	}
	if len(pw) > 72 { // bcrypt uses only the first 72 bytes
		return apperr.Invalid("password", "error.password_long", "Max", 72)
	}
	var lower, upper, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsControl(r):
			return apperr.Invalid("password", "error.password_control")
		default:
			symbol = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			classes++
		}
	}
	if classes < p.PasswordClasses {
		return apperr.Invalid("password", "error.password_classes", "Classes", p.PasswordClasses)
	}
	if username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) {
		return apperr.Invalid("password", "error.password_username")
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
