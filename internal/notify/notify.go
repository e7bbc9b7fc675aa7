// Package notify delivers notifications: in-app messages (rows users read on their
// notifications page), email over SMTP and signed webhooks.
//
// Other parts emit events with Service.Emit inside the transaction of the change that
// caused them. Emit stores the event once per Event.Key (a unique index: the same event
// emitted twice, by two processes' sweeps or a retried request, is a no-op), stores the
// in-app messages and enqueues one delivery job per email recipient and per matching
// webhook subscription. Senders run as jobs (internal/jobs), so a message goes out after
// the change has committed, is retried with backoff while the mail server or the receiver
// is down, is never lost on a crash, and is sent by one process only. Every delivery and
// every attempt is logged (notify_deliveries, notify_attempts) for the admin pages.
package notify

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"yingshang/internal/audit"
	"yingshang/internal/db"
	"yingshang/internal/i18n"
	"yingshang/internal/jobs"
)

// Message is an in-app notification. Title is a catalog key and Body its arguments as a
// JSON object, so each user reads it in their own language.
type Message struct {
	ID        int64
	UserID    int64
	Kind      string
	Title     string
	Body      string
	Link      string
	CreatedAt time.Time
	ReadAt    time.Time
}

// Service stores in-app notifications, emits events and delivers them by email and webhook.
type Service struct {
	db      *db.DB
	now     func() time.Time
	queue   *jobs.Queue
	audit   *audit.Log
	cat     *i18n.Catalog
	log     *slog.Logger
	baseURL string
	envSMTP *SMTPConfig
	rootCAs *x509.CertPool
	metrics *metrics
	// hooks posts to public addresses only (the SSRF guard); hooksAny anywhere, for
	// deployments whose administrator allowed private webhook addresses.
	hooks, hooksAny *http.Client
	// prep holds Emit's statements, prepared once (SQLite parses every ad-hoc statement;
	// Emit runs in the transaction of every appeal move).
	prep *db.Prepared
}

// Options configure the service; zero values take the defaults.
type Options struct {
	Now func() time.Time
	// Queue delivers email and webhooks; without one Emit stores in-app messages only and
	// refuses events that need a delivery.
	Queue *jobs.Queue
	// Audit records settings, webhook and preference changes (required for those).
	Audit   *audit.Log
	Catalog *i18n.Catalog
	Logger  *slog.Logger
	// Registry receives the sent/failed counters.
	Registry prometheus.Registerer
	// BaseURL ("https://yingshang.example.cn") makes the links in emails absolute.
	BaseURL string
	// SMTPURL (--smtp-url, YINGSHANG_SMTP_URL) configures the mail server and takes
	// precedence over the settings saved on the admin page.
	SMTPURL string
	// SMTPRootCAs verify the mail server's certificate (nil: the system's roots).
	SMTPRootCAs *x509.CertPool
}

// New returns a service for in-app messages only (no queue, no audit): what a package's
// unit tests need. The application uses NewService.
func New(d *db.DB, now func() time.Time) *Service {
	s, err := NewService(d, Options{Now: now})
	if err != nil { // only a bad SMTPURL or BaseURL fails, and there are none here
		panic(err)
	}
	return s
}

// NewService returns the service with everything it delivers with.
func NewService(d *db.DB, o Options) (*Service, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Catalog == nil {
		c, err := i18n.Load()
		if err != nil {
			return nil, err
		}
		o.Catalog = c
	}
	base, err := checkBaseURL(o.BaseURL)
	if err != nil {
		return nil, err
	}
	s := &Service{db: d, now: o.Now, queue: o.Queue, audit: o.Audit, cat: o.Catalog, log: o.Logger, baseURL: base,
		rootCAs: o.SMTPRootCAs, metrics: newMetrics(o.Registry)}
	if o.SMTPURL != "" {
		c, err := ParseSMTPURL(o.SMTPURL)
		if err != nil {
			return nil, err
		}
		s.envSMTP = &c
	}
	s.hooks, s.hooksAny = webhookClient(true), webhookClient(false)
	s.prep = d.Prepare(insertEventSQL, insertNotificationSQL, recipientsSQL(d.Engine), activeWebhooksSQL, settingsSQL,
		insertDeliverySQL, cancelDeliverySQL)
	return s, nil
}

// BaseURL is the absolute address links in emails start with ("" when not configured).
func (s *Service) BaseURL() string { return s.baseURL }

func checkBaseURL(raw string) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	if raw == "" {
		return "", nil
	}
	if !strings.HasPrefix(raw, "http://") && !strings.HasPrefix(raw, "https://") || strings.ContainsAny(raw, " \t\r\n?#") {
		return "", fmt.Errorf("notify: base URL %q: use http(s)://host[:port][/path]", raw)
	}
	return raw, nil
}

// Add stores a message for a user, inside the transaction in ctx if there is one.
func (s *Service) Add(ctx context.Context, m Message) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO notifications (user_id, kind, title, body, link, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		m.UserID, m.Kind, m.Title, m.Body, m.Link, db.Millis(s.now()))
	if err != nil {
		return fmt.Errorf("notify: add: %w", err)
	}
	return nil
}

// AddForOrg stores a message for every active user of an organisation holding role.
func (s *Service) AddForOrg(ctx context.Context, orgID int64, role string, m Message) (int64, error) {
	res, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO notifications (user_id, kind, title, body, link, created_at)
		SELECT u.id, $1, $2, $3, $4, $5 FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE u.org_id = $6 AND r.role = $7 AND u.disabled = $8`,
		m.Kind, m.Title, m.Body, m.Link, db.Millis(s.now()), orgID, role, false)
	if err != nil {
		return 0, fmt.Errorf("notify: add for org: %w", err)
	}
	return res.RowsAffected()
}

// List returns a user's messages, newest first, before the given id (0: from the newest).
func (s *Service) List(ctx context.Context, userID, beforeID int64, limit int) ([]Message, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := `SELECT id, user_id, kind, title, body, link, created_at, read_at FROM notifications WHERE user_id = $1`
	args := []any{userID}
	if beforeID > 0 {
		q += ` AND id < $2`
		args = append(args, beforeID)
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit)
	rows, err := s.db.RQ(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("notify: list: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var c, r int64
		if err := rows.Scan(&m.ID, &m.UserID, &m.Kind, &m.Title, &m.Body, &m.Link, &c, &r); err != nil {
			return nil, err
		}
		m.CreatedAt, m.ReadAt = db.FromMillis(c), db.FromMillis(r)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Unread counts a user's unread messages.
func (s *Service) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at = 0`, userID).Scan(&n)
	return n, err
}

// MarkAllRead marks a user's messages read.
func (s *Service) MarkAllRead(ctx context.Context, userID int64) error {
	_, err := s.db.W.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at = 0`, db.Millis(s.now()), userID)
	return err
}
