package auth

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/db"
)

// Token is an API token as the admin pages show it; its secret is shown once at creation
// and stored only as a SHA-256 hash.
type Token struct {
	ID         int64
	UserID     int64
	Username   string
	Name       string
	Prefix     string
	Scopes     []string
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time
	RevokedAt  time.Time
}

// Active reports whether the token can still be used at t.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || t.ExpiresAt.After(now))
}

// TokenPrefix starts every API token, so a leaked one is easy to spot in logs and code.
const TokenPrefix = "ys_"

var knownAreas = []string{"*", "directory", "appeals", "calendar", "search", "stats", "liaison", "open311", "users", "webhooks"}

// ValidScope reports whether s is a scope the API knows.
func ValidScope(s string) bool {
	if s == "read" || s == "write" {
		return true
	}
	area, mode, ok := strings.Cut(s, ":")
	if !ok || (mode != "read" && mode != "write") {
		return false
	}
	for _, a := range knownAreas {
		if a == area {
			return true
		}
	}
	return false
}

// CreateToken issues a token for a user. The security administrator may issue one for
// anyone; every user may issue one for themselves.
func (s *Service) CreateToken(ctx context.Context, a Actor, userID int64, name string, scopes []string, expires time.Time) (string, Token, error) {
	if !a.IsSystem() && !a.Can(PermTokensManage) && a.UserID != userID {
		return "", Token{}, forbidden()
	}
	u, err := s.userByID(ctx, userID)
	if err != nil {
		return "", Token{}, err
	}
	var v apperr.Validation
	name = strings.TrimSpace(name)
	if name == "" {
		v.Add("name", "error.required")
	} else if len([]rune(name)) > 64 {
		v.Add("name", "error.too_long", "Max", 64)
	}
	if len(scopes) == 0 {
		scopes = []string{"read"}
	}
	for _, sc := range scopes {
		if !ValidScope(sc) {
			v.Add("scopes", "error.scope_unknown", "Scope", sc)
			break
		}
	}
	if !expires.IsZero() && expires.Before(s.now()) {
		v.Add("expires_at", "error.date_past")
	}
	if err := v.Err(); err != nil {
		return "", Token{}, err
	}
	plain := TokenPrefix + newSecret()
	t := Token{UserID: u.ID, Username: u.Username, Name: name, Prefix: plain[:len(TokenPrefix)+6], Scopes: scopes, CreatedAt: s.now(), ExpiresAt: expires}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, prefix, hash, scopes, created_at, created_by, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, u.ID, name, t.Prefix, hashSecret(plain), strings.Join(scopes, " "),
			db.Millis(t.CreatedAt), nullID(a.UserID), db.Millis(expires)).Scan(&t.ID); err != nil {
			return fmt.Errorf("auth: create token: %w", err)
		}
		return s.audit.Record(ctx, a, "token.create", "api_token", strconv.FormatInt(t.ID, 10), audit.Change{After: map[string]any{
			"user": u.Username, "name": name, "scopes": scopes, "prefix": t.Prefix}})
	})
	if err != nil {
		return "", Token{}, err
	}
	return plain, t, nil
}

// ListTokens lists tokens: all of them for the security administrator, one's own otherwise.
func (s *Service) ListTokens(ctx context.Context, a Actor, userID int64) ([]Token, error) {
	if !a.IsSystem() && !a.Can(PermTokensManage) {
		userID = a.UserID
	}
	q := `SELECT t.id, t.user_id, u.username, t.name, t.prefix, t.scopes, t.created_at, t.last_used_at, t.expires_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id`
	var args []any
	if userID != 0 {
		q += ` WHERE t.user_id = $1`
		args = append(args, userID)
	}
	q += ` ORDER BY t.id DESC LIMIT 500`
	rows, err := s.db.RQ(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var scopes string
		var c, l, e, r int64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &t.Prefix, &scopes, &c, &l, &e, &r); err != nil {
			return nil, err
		}
		t.Scopes = strings.Fields(scopes)
		t.CreatedAt, t.LastUsedAt, t.ExpiresAt, t.RevokedAt = db.FromMillis(c), db.FromMillis(l), db.FromMillis(e), db.FromMillis(r)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken ends a token at once.
func (s *Service) RevokeToken(ctx context.Context, a Actor, id int64) error {
	var owner int64
	if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT user_id FROM api_tokens WHERE id = $1`, id).Scan(&owner); err != nil {
		return apperr.NotFound("api_token")
	}
	if !a.IsSystem() && !a.Can(PermTokensManage) && a.UserID != owner {
		return apperr.NotFound("api_token")
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		db.AfterCommit(ctx, s.tokens.forget)
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0`, db.Millis(s.now()), id); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, "token.revoke", "api_token", strconv.FormatInt(id, 10), nil)
	})
}

// AuthenticateToken resolves a bearer token into its user's actor, limited by its scopes.
func (s *Service) AuthenticateToken(ctx context.Context, plain, ip string) (Actor, error) {
	if !strings.HasPrefix(plain, TokenPrefix) || len(plain) > 100 {
		return Actor{}, apperr.New(apperr.ErrUnauthorized, "error.token_invalid")
	}
	h := hashSecret(plain)
	now := s.now()
	if e, ok := s.tokens.get(h, now); ok && (e.expires == 0 || e.expires >= db.Millis(now)) && now.Sub(db.FromMillis(e.last)) <= time.Minute {
		return e.copyFor(ip), nil
	}
	gen := s.tokens.gen.Load()
	var id, last, expires, revoked int64
	var scopes string
	// The token and its user in one query (every API request asks, but a process reuses
	// the answer for TokenCacheTTL), bound to the token's hash only: its plan is kept
	// (RQGeneric).
	var row userRow
	err := s.db.RQGeneric(ctx).QueryRowContext(ctx, `SELECT `+s.userColumns()+`, k.id, k.scopes, k.last_used_at, k.expires_at, k.revoked_at`+
		userFrom+` JOIN api_tokens k ON k.user_id = u.id WHERE k.hash = $1`, h).
		Scan(append(row.dest(), &id, &scopes, &last, &expires, &revoked)...)
	if err != nil {
		if db.IsNoRows(err) {
			return Actor{}, apperr.New(apperr.ErrUnauthorized, "error.token_invalid")
		}
		return Actor{}, err
	}
	if revoked != 0 || (expires != 0 && expires < db.Millis(now)) {
		return Actor{}, apperr.New(apperr.ErrUnauthorized, "error.token_invalid")
	}
	u := s.userOf(&row)
	if u.Disabled {
		return Actor{}, apperr.New(apperr.ErrUnauthorized, "error.token_invalid")
	}
	if now.Sub(db.FromMillis(last)) > time.Minute {
		if _, err := s.db.W.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, db.Millis(now), id); err != nil {
			return Actor{}, err
		}
		last = db.Millis(now)
	}
	a := actorOf(u, "token")
	a.Scopes = strings.Fields(scopes)
	e := cachedToken{actor: a, last: last, expires: expires, gen: gen, at: now}
	s.tokens.put(h, e)
	return e.copyFor(ip), nil
}
