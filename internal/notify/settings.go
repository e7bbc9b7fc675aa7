package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Settings are what the system administrator sets on /admin/notify. The password is stored
// as typed (the mail server needs it), readable by whoever can read the database, like the
// webhook secrets.
type Settings struct {
	SMTP SMTPConfig `json:"smtp"`
	// AllowPrivateWebhooks lets subscriptions post to loopback and private addresses (an
	// intranet receiver; the tests' local servers). Off by default: SSRF protection.
	AllowPrivateWebhooks bool `json:"allow_private_webhooks"`
}

const settingsKey = "notify.settings"

const settingsSQL = `SELECT value FROM settings WHERE key = $1`

func (s *Service) loadSettings(ctx context.Context) (Settings, error) {
	var st Settings
	var raw string
	err := s.prep.Row(ctx, settingsSQL, settingsKey).Scan(&raw)
	if db.IsNoRows(err) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("notify: settings: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return Settings{}, fmt.Errorf("notify: settings are not valid JSON: %w", err)
	}
	return st, nil
}

// SettingsView is the settings as the admin page shows them: never the password.
type SettingsView struct {
	// SMTP is the saved configuration, password blanked.
	SMTP        SMTPConfig
	PasswordSet bool
	// FromEnv is set when --smtp-url / YINGSHANG_SMTP_URL configures the mail server: that
	// one is in force (Effective) and the saved one is ignored.
	FromEnv   bool
	Effective SMTPConfig
	// BaseURL is where links in emails point.
	BaseURL              string
	AllowPrivateWebhooks bool
}

// Settings returns the notification settings (system administrator).
func (s *Service) Settings(ctx context.Context, a auth.Actor) (SettingsView, error) {
	if !canManage(a) {
		return SettingsView{}, apperr.Forbidden()
	}
	st, err := s.loadSettings(ctx)
	if err != nil {
		return SettingsView{}, err
	}
	v := SettingsView{SMTP: st.SMTP, PasswordSet: st.SMTP.Password != "", Effective: st.SMTP, BaseURL: s.baseURL,
		AllowPrivateWebhooks: st.AllowPrivateWebhooks}
	if s.envSMTP != nil {
		v.FromEnv, v.Effective = true, *s.envSMTP
	}
	v.SMTP.Password, v.Effective.Password = "", ""
	return v, nil
}

// SettingsInput is a change of settings. An empty SMTP.Password keeps the saved one unless
// ClearPassword is set. While the mail server comes from the command line or environment,
// the SMTP part is not changed.
type SettingsInput struct {
	SMTP                 SMTPConfig
	ClearPassword        bool
	AllowPrivateWebhooks bool
}

// SaveSettings validates and stores the settings (system administrator).
func (s *Service) SaveSettings(ctx context.Context, a auth.Actor, in SettingsInput) error {
	if !canManage(a) {
		return apperr.Forbidden()
	}
	old, err := s.loadSettings(ctx)
	if err != nil {
		return err
	}
	next := Settings{SMTP: old.SMTP, AllowPrivateWebhooks: in.AllowPrivateWebhooks}
	if s.envSMTP == nil {
		c := in.SMTP
		switch {
		case in.ClearPassword:
			c.Password = ""
		case c.Password == "":
			c.Password = old.SMTP.Password
		}
		if err := c.normalize(); err != nil {
			return err
		}
		next.SMTP = c
	}
	if s.audit == nil {
		return fmt.Errorf("notify: saving settings needs the audit log")
	}
	b, err := json.Marshal(next)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			settingsKey, string(b), db.Millis(s.now()), nullID(a.UserID)); err != nil {
			return fmt.Errorf("notify: save settings: %w", err)
		}
		return s.audit.Record(ctx, a, "notify.settings", "settings", settingsKey, audit.Change{Before: redacted(old), After: redacted(next)})
	})
}

// redacted is what the audit log keeps of the settings: whether a password is set, never
// the password.
func redacted(st Settings) map[string]any {
	return map[string]any{"smtp_host": st.SMTP.Host, "smtp_port": st.SMTP.Port, "smtp_username": st.SMTP.Username,
		"smtp_password_set": st.SMTP.Password != "", "smtp_from": st.SMTP.From, "smtp_tls": st.SMTP.TLS,
		"allow_private_webhooks": st.AllowPrivateWebhooks}
}

// Prefs are a user's notification preferences.
type Prefs struct {
	Email       string
	EmailNotify bool
}

// Prefs returns the actor's own preferences.
func (s *Service) Prefs(ctx context.Context, a auth.Actor) (Prefs, error) {
	var p Prefs
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT email, email_notify FROM users WHERE id = $1`, a.UserID).Scan(&p.Email, &p.EmailNotify)
	if db.IsNoRows(err) {
		return Prefs{}, apperr.NotFound("user")
	}
	if err != nil {
		return Prefs{}, fmt.Errorf("notify: prefs: %w", err)
	}
	return p, nil
}

// SetPrefs changes the actor's own email address and whether notifications also come by
// email.
func (s *Service) SetPrefs(ctx context.Context, a auth.Actor, p Prefs) error {
	if a.UserID == 0 {
		return apperr.Forbidden()
	}
	p.Email = strings.TrimSpace(p.Email)
	if p.Email != "" {
		if addr, err := mail.ParseAddress(p.Email); err != nil || addr.Address != p.Email || len(p.Email) > 254 || !strings.Contains(p.Email[strings.LastIndex(p.Email, "@"):], ".") {
			return apperr.Invalid("email", "error.email_format")
		}
	}
	old, err := s.Prefs(ctx, a)
	if err != nil {
		return err
	}
	if s.audit == nil {
		return fmt.Errorf("notify: saving preferences needs the audit log")
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET email = $1, email_notify = $2, updated_at = $3, version = version + 1 WHERE id = $4`,
			p.Email, p.EmailNotify, db.Millis(s.now()), a.UserID); err != nil {
			return fmt.Errorf("notify: save prefs: %w", err)
		}
		return s.audit.Record(ctx, a, "user.notify_prefs", "user", strconv.FormatInt(a.UserID, 10), audit.Change{
			Before: map[string]any{"email_set": old.Email != "", "email_notify": old.EmailNotify},
			After:  map[string]any{"email_set": p.Email != "", "email_notify": p.EmailNotify}})
	})
}

// SendTest emits a test notification to the actor (system administrator): in-app, by email
// if the actor has an address and a mail server is configured, and to every webhook that
// subscribes to "notify.test".
func (s *Service) SendTest(ctx context.Context, a auth.Actor) error {
	if !canManage(a) || a.UserID == 0 {
		return apperr.Forbidden()
	}
	if s.audit == nil {
		return fmt.Errorf("notify: a test notification needs the audit log")
	}
	key := "notify.test:" + strconv.FormatInt(a.UserID, 10) + ":" + newUID()
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Emit(ctx, Event{Type: "notify.test", Key: key, UserIDs: []int64{a.UserID}, TitleKey: "notify.test.title",
			Args: map[string]any{"Name": a.Name}, Link: "/notifications",
			Payload: map[string]any{"message": "test", "requested_by": a.Username}}); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, "notify.test", "notify_event", key, nil)
	})
}
