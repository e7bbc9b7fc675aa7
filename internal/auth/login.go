package auth

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"yingshang/internal/apperr"
	"yingshang/internal/db"
)

// Session is what a session cookie stands for.
type Session struct {
	Actor Actor
	// MFAPending: the password was right, the second factor is still due.
	MFAPending bool
	// EnrollPending: the user must set up a second factor before anything else.
	EnrollPending bool
	// PasswordExpired: the user must choose a new password before anything else.
	PasswordExpired bool
	ExpiresAt       time.Time
}

// Full reports whether the session may use the application.
func (s Session) Full() bool { return !s.MFAPending && !s.EnrollPending && !s.PasswordExpired }

// LoginResult is a successful password check.
type LoginResult struct {
	// Token is the new session's secret, for the cookie.
	Token   string
	Session Session
}

func acctKey(username string) string { return "acct:" + strings.ToLower(username) }
func ipKey(ip string) string         { return "ip:" + ip }

// errLoginFailed never says whether the user exists or the password was wrong.
func errLoginFailed() error { return apperr.New(apperr.ErrUnauthorized, "error.login_failed") }

func errLocked(until, now time.Time) error {
	minutes := int(math.Ceil(until.Sub(now).Minutes()))
	if minutes < 1 {
		minutes = 1
	}
	return apperr.New(apperr.ErrTooMany, "error.login_locked", "Minutes", minutes)
}

// Login checks a username and password. It throttles per account and per address, with
// the same answers whether or not the account exists.
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent string) (LoginResult, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	now := s.now()
	p := s.Policy(ctx)
	for _, key := range []string{ipKey(ip), acctKey(username)} {
		if until, locked, err := s.lockedUntil(ctx, key, now); err != nil {
			return LoginResult{}, err
		} else if locked {
			s.recordLogin(ctx, 0, username, ip, "login.locked", "denied")
			return LoginResult{}, errLocked(until, now)
		}
	}
	var id int64
	var hash string
	var disabled bool
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT id, password_hash, disabled FROM users WHERE username = $1`, username).Scan(&id, &hash, &disabled)
	if err != nil && !db.IsNoRows(err) {
		return LoginResult{}, fmt.Errorf("auth: login: %w", err)
	}
	ok := false
	if id != 0 {
		ok = bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil && !disabled
	} else {
		_ = bcrypt.CompareHashAndPassword(s.dummy, []byte(password))
	}
	if !ok {
		lockErr := s.fail(ctx, p, username, ip, now)
		s.recordLogin(ctx, id, username, ip, "login.failed", "failed")
		if lockErr != nil {
			return LoginResult{}, lockErr
		}
		return LoginResult{}, errLoginFailed()
	}
	u, err := s.userByID(ctx, id)
	if err != nil {
		return LoginResult{}, err
	}
	token, sess, err := s.startSession(ctx, u, p, ip, userAgent, false)
	if err != nil {
		return LoginResult{}, err
	}
	if _, err := s.db.W.ExecContext(ctx, `DELETE FROM login_throttle WHERE key = $1`, acctKey(username)); err != nil {
		return LoginResult{}, err
	}
	action := "login.ok"
	if sess.MFAPending || sess.EnrollPending {
		action = "login.password_ok"
	}
	s.recordLogin(ctx, id, username, ip, action, "ok")
	return LoginResult{Token: token, Session: sess}, nil
}

func (s *Service) recordLogin(ctx context.Context, id int64, username, ip, action, result string) {
	who := Actor{UserID: id, Username: username, IP: ip, Via: "session"}
	if username == "" {
		who.Username = "(empty)"
	}
	_ = s.audit.RecordResult(ctx, who, action, "user", strconv.FormatInt(id, 10), result, nil)
}

func (s *Service) lockedUntil(ctx context.Context, key string, now time.Time) (time.Time, bool, error) {
	var until int64
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT locked_until FROM login_throttle WHERE key = $1`, key).Scan(&until)
	if err != nil {
		if db.IsNoRows(err) {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, err
	}
	t := db.FromMillis(until)
	return t, until > db.Millis(now), nil
}

// fail counts a failure against the account name and the address; it returns the lockout
// error when this failure locks either.
func (s *Service) fail(ctx context.Context, p Policy, username, ip string, now time.Time) error {
	window := time.Duration(p.LockoutWindowMin) * time.Minute
	var lockErr error
	for _, k := range []struct {
		key       string
		threshold int
		lockFor   time.Duration
	}{
		{acctKey(username), p.LockoutThreshold, time.Duration(p.LockoutDurationMin) * time.Minute},
		{ipKey(ip), p.IPThreshold, window},
	} {
		err := s.db.WithTx(ctx, func(ctx context.Context) error {
			q := s.db.Q(ctx)
			var fails int
			var start int64
			err := q.QueryRowContext(ctx, `SELECT fails, window_start FROM login_throttle WHERE key = $1`, k.key).Scan(&fails, &start)
			if err != nil && !db.IsNoRows(err) {
				return err
			}
			if err != nil || db.FromMillis(start).Add(window).Before(now) {
				fails, start = 0, db.Millis(now)
			}
			fails++
			var until int64
			if fails >= k.threshold {
				until = db.Millis(now.Add(k.lockFor))
				lockErr = errLocked(now.Add(k.lockFor), now)
			}
			_, err = q.ExecContext(ctx, `INSERT INTO login_throttle (key, fails, window_start, locked_until) VALUES ($1, $2, $3, $4)
				ON CONFLICT (key) DO UPDATE SET fails = excluded.fails, window_start = excluded.window_start, locked_until = excluded.locked_until`,
				k.key, fails, start, until)
			return err
		})
		if err != nil {
			return err
		}
	}
	return lockErr
}

func (s *Service) needsMFA(p Policy, roles []Role) bool {
	for _, r := range roles {
		for _, m := range p.MFARoles {
			if r == m {
				return true
			}
		}
	}
	return false
}

// startSession creates a session for u. mfaDone says the second factor was just passed.
func (s *Service) startSession(ctx context.Context, u User, p Policy, ip, ua string, mfaDone bool) (string, Session, error) {
	now := s.now()
	mfaOK := mfaDone || !s.needsMFA(p, u.Roles)
	token := newSecret()
	expires := now.Add(time.Duration(p.AbsoluteLifetimeHours) * time.Hour)
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		q := s.db.Q(ctx)
		if mfaOK && p.SingleSessionPrivileged && s.needsMFA(p, u.Roles) {
			if _, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return err
			}
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, mfa_ok, ip, user_agent)
			VALUES ($1, $2, $3, $3, $4, $5, $6, $7)`, hashSecret(token), u.ID, db.Millis(now), db.Millis(expires), mfaOK, ip, truncate(ua, 255)); err != nil {
			return fmt.Errorf("auth: create session: %w", err)
		}
		if mfaOK {
			_, err := q.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, db.Millis(now), u.ID)
			return err
		}
		return nil
	})
	if err != nil {
		return "", Session{}, err
	}
	sess := s.sessionFor(u, p, mfaOK, expires)
	sess.Actor.IP = ip
	sess.Actor.SessionHash = hashSecret(token)
	return token, sess, nil
}

func (s *Service) sessionFor(u User, p Policy, mfaOK bool, expires time.Time) Session {
	sess := Session{Actor: actorOf(u, "session"), ExpiresAt: expires}
	if !mfaOK {
		if u.TOTPEnabled {
			sess.MFAPending = true
		} else {
			sess.EnrollPending = true
		}
	}
	if u.MustChangePassword || (p.PasswordMaxAgeDays > 0 && u.PasswordChangedAt.Add(time.Duration(p.PasswordMaxAgeDays)*24*time.Hour).Before(s.now())) {
		sess.PasswordExpired = true
	}
	return sess
}

func actorOf(u User, via string) Actor {
	return Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, OrgID: u.OrgID, OrgKind: u.OrgKind,
		OrgName: u.OrgName, Roles: u.Roles, Lang: u.Lang, Via: via}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Authenticate resolves a session cookie. It ends sessions past their idle timeout or
// absolute lifetime, and refreshes last_seen at most once a minute.
func (s *Service) Authenticate(ctx context.Context, token, ip string) (Session, error) {
	if token == "" || len(token) > 100 {
		return Session{}, apperr.New(apperr.ErrUnauthorized, "error.session_missing")
	}
	h := hashSecret(token)
	var lastSeen, expires int64
	var mfaOK bool
	// The session and its user in one query (every page asks), bound to the session's
	// hash only: its plan is kept (RQGeneric).
	var row userRow
	err := s.db.RQGeneric(ctx).QueryRowContext(ctx, `SELECT `+s.userColumns()+`, k.last_seen_at, k.expires_at, k.mfa_ok`+
		userFrom+` JOIN sessions k ON k.user_id = u.id WHERE k.id_hash = $1`, h).
		Scan(append(row.dest(), &lastSeen, &expires, &mfaOK)...)
	if err != nil {
		if db.IsNoRows(err) {
			return Session{}, apperr.New(apperr.ErrUnauthorized, "error.session_missing")
		}
		return Session{}, fmt.Errorf("auth: session: %w", err)
	}
	now := s.now()
	p := s.Policy(ctx)
	idle := time.Duration(p.IdleTimeoutMin) * time.Minute
	if db.FromMillis(expires).Before(now) || db.FromMillis(lastSeen).Add(idle).Before(now) {
		_, _ = s.db.W.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, h)
		return Session{}, apperr.New(apperr.ErrUnauthorized, "error.session_expired")
	}
	u := s.userOf(&row)
	if u.Disabled {
		return Session{}, apperr.New(apperr.ErrUnauthorized, "error.session_missing")
	}
	if now.Sub(db.FromMillis(lastSeen)) > time.Minute {
		if _, err := s.db.W.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2`, db.Millis(now), h); err != nil {
			return Session{}, err
		}
	}
	sess := s.sessionFor(u, p, mfaOK, db.FromMillis(expires))
	sess.Actor.IP = ip
	sess.Actor.SessionHash = h
	return sess, nil
}

// Logout ends the session.
func (s *Service) Logout(ctx context.Context, a Actor) error {
	if a.SessionHash == "" {
		return nil
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, a.SessionHash); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, "logout", "user", strconv.FormatInt(a.UserID, 10), nil)
	})
}

// SweepSessions deletes expired sessions and stale throttle rows (background work).
func (s *Service) SweepSessions(ctx context.Context) (int64, error) {
	now := db.Millis(s.now())
	p := s.Policy(ctx)
	idle := int64(p.IdleTimeoutMin) * 60_000
	res, err := s.db.W.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2`, now, now-idle)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	day := int64(24 * 3600_000)
	_, err = s.db.W.ExecContext(ctx, `DELETE FROM login_throttle WHERE locked_until < $1 AND window_start < $2`, now, now-day)
	return n, err
}
