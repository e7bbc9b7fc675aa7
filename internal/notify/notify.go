// Package notify delivers notifications: in-app messages (rows users read on their
// notifications page), email over SMTP and signed webhooks. Senders run as jobs, so a
// message is sent after the change that caused it has committed, retried when the mail
// server or the receiver is down, and never lost on a crash.
package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"yingshang/internal/db"
)

// Message is an in-app notification. Title and Body are catalog keys with their data, so
// each user reads it in their own language.
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

// Service stores and lists in-app notifications.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// New returns the service.
func New(d *db.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, now: now}
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
