package auth

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"yingshang/internal/apperr"
	"yingshang/internal/db"
)

// Enrollment is a second factor being set up: the secret, its otpauth:// URL and a QR code
// (a PNG data URL) for an authenticator app.
type Enrollment struct {
	Secret string
	URL    string
	QRData string
}

const totpIssuer = "Yingshang"

// BeginEnroll creates (or shows again) the pending TOTP secret of a session whose user has
// no second factor yet.
func (s *Service) BeginEnroll(ctx context.Context, sess Session) (Enrollment, error) {
	if !sess.EnrollPending {
		return Enrollment{}, apperr.New(apperr.ErrConflict, "error.mfa_already")
	}
	var secret string
	if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT totp_secret FROM users WHERE id = $1`, sess.Actor.UserID).Scan(&secret); err != nil {
		return Enrollment{}, err
	}
	var key *otp.Key
	var err error
	if secret == "" {
		key, err = totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: sess.Actor.Username})
		if err != nil {
			return Enrollment{}, fmt.Errorf("auth: totp: %w", err)
		}
		if _, err := s.db.W.ExecContext(ctx, `UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_enabled = $3`, key.Secret(), sess.Actor.UserID, false); err != nil {
			return Enrollment{}, err
		}
	} else {
		key, err = otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s", totpIssuer, sess.Actor.Username, secret, totpIssuer))
		if err != nil {
			return Enrollment{}, err
		}
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return Enrollment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrollment{}, err
	}
	return Enrollment{Secret: key.Secret(), URL: key.URL(), QRData: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// matchStep returns the 30-second time step whose code equals code, looking one step back
// and one ahead for clock drift, but never at or before lastStep: a code is good once
// (RFC 6238 §5.2), so one overheard on the wire cannot be replayed.
func matchStep(code, secret string, now time.Time, lastStep int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 || secret == "" {
		return 0, false
	}
	cur := now.Unix() / 30
	for step := cur - 1; step <= cur+1; step++ {
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// CompleteMFA checks the code of a session waiting for its second factor (enrolment or
// login) and, when right, replaces the session with a new full one: the session id
// changes when privilege is gained. Wrong codes count as login failures.
func (s *Service) CompleteMFA(ctx context.Context, sess Session, code, ip, ua string) (LoginResult, error) {
	if !sess.MFAPending && !sess.EnrollPending {
		return LoginResult{}, apperr.New(apperr.ErrConflict, "error.mfa_already")
	}
	now := s.now()
	p := s.Policy(ctx)
	if until, locked, err := s.lockedUntil(ctx, acctKey(sess.Actor.Username), now); err != nil {
		return LoginResult{}, err
	} else if locked {
		return LoginResult{}, errLocked(until, now)
	}
	var secret string
	var lastStep int64
	if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT totp_secret, totp_last_step FROM users WHERE id = $1`, sess.Actor.UserID).Scan(&secret, &lastStep); err != nil {
		return LoginResult{}, err
	}
	step, ok := matchStep(code, secret, now, lastStep)
	if !ok {
		if err := s.fail(ctx, p, sess.Actor.Username, ip, now); err != nil {
			_, _ = s.db.W.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, sess.Actor.SessionHash)
			s.recordLogin(ctx, sess.Actor.UserID, sess.Actor.Username, ip, "login.mfa_failed", "failed")
			return LoginResult{}, err
		}
		s.recordLogin(ctx, sess.Actor.UserID, sess.Actor.Username, ip, "login.mfa_failed", "failed")
		return LoginResult{}, apperr.Invalid("code", "error.totp_wrong")
	}
	u, err := s.userByID(ctx, sess.Actor.UserID)
	if err != nil {
		return LoginResult{}, err
	}
	var res LoginResult
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		// Claim the step: of two sign-ins racing with one code, one wins.
		claimed, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, u.ID)
		if err != nil {
			return err
		}
		if n, _ := claimed.RowsAffected(); n == 0 {
			return apperr.Invalid("code", "error.totp_wrong")
		}
		if sess.EnrollPending {
			if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET totp_enabled = $1, version = version + 1 WHERE id = $2`, true, u.ID); err != nil {
				return err
			}
			u.TOTPEnabled = true
			if err := s.audit.Record(ctx, sess.Actor, "mfa.enroll", "user", strconv.FormatInt(u.ID, 10), nil); err != nil {
				return err
			}
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, sess.Actor.SessionHash); err != nil {
			return err
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM login_throttle WHERE key = $1`, acctKey(u.Username)); err != nil {
			return err
		}
		token, full, err := s.startSession(ctx, u, p, ip, ua, true)
		if err != nil {
			return err
		}
		res = LoginResult{Token: token, Session: full}
		return s.audit.Record(ctx, full.Actor, "login.ok", "user", strconv.FormatInt(u.ID, 10), map[string]string{"factor": "totp"})
	})
	return res, err
}

// ResetMFA removes a user's second factor so they enrol again at next login (security
// administrator, e.g. for a lost phone).
func (s *Service) ResetMFA(ctx context.Context, a Actor, id int64) error {
	if !a.IsSystem() && !a.Can(PermPolicyManage) {
		return forbidden()
	}
	if _, err := s.userByID(ctx, id); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET totp_enabled = $1, totp_secret = '', totp_last_step = 0, version = version + 1, updated_at = $2 WHERE id = $3`,
			false, db.Millis(s.now()), id); err != nil {
			return err
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, "mfa.reset", "user", strconv.FormatInt(id, 10), nil)
	})
}

// TOTPSecretForTest exposes a user's secret to tests and the demo tooling that must pass
// the second factor the way an authenticator app would.
func (s *Service) TOTPSecretForTest(ctx context.Context, username string) (string, error) {
	var secret string
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT totp_secret FROM users WHERE username = $1`, username).Scan(&secret)
	return secret, err
}
