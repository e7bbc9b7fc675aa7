package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/jobs"
)

// Delivery states.
const (
	StatePending   = "pending"   // not tried yet
	StateRetrying  = "retrying"  // tried, failed, will be tried again
	StateDelivered = "delivered" // accepted by the mail server / answered 2xx
	StateFailed    = "failed"    // the last attempt failed: given up
	StateCancelled = "cancelled" // no longer wanted (email turned off, webhook disabled)
)

// DeliveryStates in display order.
var DeliveryStates = []string{StatePending, StateRetrying, StateDelivered, StateFailed, StateCancelled}

// DeliveryRetention is how long deliveries, their attempts and the events' arguments and
// payloads are kept after the delivery finished.
const DeliveryRetention = 30 * 24 * time.Hour

type storedEvent struct {
	ID        int64
	Key       string
	Type      string
	TitleKey  string
	Args      string
	Link      string
	Payload   string
	CreatedAt time.Time
}

func (e storedEvent) args() map[string]any {
	var m map[string]any
	_ = json.Unmarshal([]byte(e.Args), &m)
	return m
}

type delivery struct {
	ID       int64
	UID      string
	Channel  string
	TargetID int64
	State    string
	Event    storedEvent
}

// loadDelivery reads a job's delivery; ok is false when there is nothing left to do (the
// delivery was removed with its webhook or user, or it already finished: a job that ran
// to the end but crashed before the queue recorded it).
func (s *Service) loadDelivery(ctx context.Context, j jobs.Job) (delivery, bool, error) {
	var p jobPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return delivery{}, false, fmt.Errorf("notify: job payload: %w", err)
	}
	var d delivery
	var created int64
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT d.id, d.uid, d.channel, d.target_id, d.state,
		e.id, e.key, e.type, e.title_key, e.args, e.link, e.payload, e.created_at
		FROM notify_deliveries d JOIN notify_events e ON e.id = d.event_id WHERE d.id = $1`, p.DeliveryID).
		Scan(&d.ID, &d.UID, &d.Channel, &d.TargetID, &d.State, &d.Event.ID, &d.Event.Key, &d.Event.Type,
			&d.Event.TitleKey, &d.Event.Args, &d.Event.Link, &d.Event.Payload, &created)
	if db.IsNoRows(err) {
		return delivery{}, false, nil
	}
	if err != nil {
		return delivery{}, false, fmt.Errorf("notify: delivery: %w", err)
	}
	d.Event.CreatedAt = db.FromMillis(created)
	if d.State != StatePending && d.State != StateRetrying {
		return delivery{}, false, nil
	}
	return d, true, nil
}

// cancel ends a delivery that is no longer wanted; its job completes. why is a catalog key
// (notify.cancel.*), shown in the delivery log.
func (s *Service) cancel(ctx context.Context, d delivery, why string) error {
	now := db.Millis(s.now())
	_, err := s.db.W.ExecContext(ctx, `UPDATE notify_deliveries SET state = $1, last_error = $2, updated_at = $3, finished_at = $3 WHERE id = $4`,
		StateCancelled, why, now, d.ID)
	if err != nil {
		return fmt.Errorf("notify: cancel delivery: %w", err)
	}
	return nil
}

// attempted logs one attempt and moves the delivery on; it returns sendErr so the queue
// retries a failure (or records the job failed after the last attempt).
func (s *Service) attempted(ctx context.Context, d delivery, j jobs.Job, address string, code int, sendErr error, took time.Duration) error {
	now := db.Millis(s.now())
	state, finished, msg := StateDelivered, now, ""
	if sendErr != nil {
		msg = sendErr.Error()
		if len(msg) > 1000 {
			msg = msg[:1000]
		}
		state, finished = StateRetrying, 0
		if j.Attempts >= maxAttempts(d.Channel) {
			state, finished = StateFailed, now
		}
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		q := s.db.Q(ctx)
		if _, err := q.ExecContext(ctx, `INSERT INTO notify_attempts (delivery_id, attempt, at, status_code, error, duration_ms)
			VALUES ($1, $2, $3, $4, $5, $6)`, d.ID, j.Attempts, now, code, msg, took.Milliseconds()); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE notify_deliveries SET state = $1, attempts = $2, last_code = $3, last_error = $4,
			address = $5, updated_at = $6, finished_at = $7 WHERE id = $8`,
			state, j.Attempts, code, msg, address, now, finished, d.ID); err != nil {
			return err
		}
		if d.Channel == ChannelWebhook {
			_, err := q.ExecContext(ctx, `UPDATE webhooks SET last_state = $1, last_code = $2, last_at = $3 WHERE id = $4`, state, code, now, d.TargetID)
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("notify: record attempt: %w (send: %v)", err, sendErr)
	}
	switch state {
	case StateDelivered:
		s.metrics.sent.WithLabelValues(d.Channel).Inc()
	case StateFailed:
		s.metrics.failed.WithLabelValues(d.Channel).Inc()
		s.metrics.gaveUp.WithLabelValues(d.Channel).Inc()
		s.log.Warn("notification given up", "channel", d.Channel, "delivery", d.UID, "event", d.Event.Key, "attempts", j.Attempts, "err", sendErr)
	default:
		s.metrics.failed.WithLabelValues(d.Channel).Inc()
	}
	return sendErr
}

// Delivery is one message to one recipient or subscription, as the admin pages list it.
type Delivery struct {
	ID        int64
	UID       string
	Channel   string
	EventType string
	EventKey  string
	TargetID  int64
	// Address is the recipient's email (masked) or the webhook's URL.
	Address  string
	State    string
	Attempts int
	LastCode int
	// LastError is the last attempt's error, or for a cancelled delivery the catalog key
	// of the reason (notify.cancel.*).
	LastError  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt time.Time
	// Tries are the attempts, oldest first (when the filter asked for them).
	Tries []Attempt
}

// Attempt is one try of a delivery.
type Attempt struct {
	Attempt    int
	At         time.Time
	StatusCode int
	Error      string
	Duration   time.Duration
}

// DeliveryFilter selects deliveries, newest first.
type DeliveryFilter struct {
	Channel   string
	WebhookID int64
	State     string
	// BeforeID is the cursor: deliveries with a smaller id.
	BeforeID int64
	Limit    int
	// WithAttempts fills each delivery's Tries.
	WithAttempts bool
}

func canManage(a auth.Actor) bool { return a.IsSystem() || a.Can(auth.PermSettingsManage) }

// ListDeliveries lists deliveries for the system administrator.
func (s *Service) ListDeliveries(ctx context.Context, a auth.Actor, f DeliveryFilter) ([]Delivery, error) {
	if !canManage(a) {
		return nil, apperr.Forbidden()
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1))
	}
	if f.WebhookID > 0 {
		add("d.webhook_id = ?", f.WebhookID)
	} else if f.Channel != "" {
		add("d.channel = ?", f.Channel)
	}
	if f.State != "" {
		add("d.state = ?", f.State)
	}
	if f.BeforeID > 0 {
		add("d.id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT d.id, d.uid, d.channel, e.type, e.key, d.target_id, d.address, d.state,
		d.attempts, d.last_code, d.last_error, d.created_at, d.updated_at, d.finished_at
		FROM notify_deliveries d JOIN notify_events e ON e.id = d.event_id`+cond+` ORDER BY d.id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("notify: list deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var c, u, fin int64
		if err := rows.Scan(&d.ID, &d.UID, &d.Channel, &d.EventType, &d.EventKey, &d.TargetID, &d.Address, &d.State,
			&d.Attempts, &d.LastCode, &d.LastError, &c, &u, &fin); err != nil {
			return nil, err
		}
		d.CreatedAt, d.UpdatedAt, d.FinishedAt = db.FromMillis(c), db.FromMillis(u), db.FromMillis(fin)
		if d.Channel == ChannelEmail {
			d.Address = maskEmail(d.Address)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if f.WithAttempts && len(out) > 0 {
		if err := s.fillAttempts(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) fillAttempts(ctx context.Context, ds []Delivery) error {
	idx := map[int64]int{}
	ph := make([]string, len(ds))
	args := make([]any, len(ds))
	for i, d := range ds {
		idx[d.ID] = i
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = d.ID
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT delivery_id, attempt, at, status_code, error, duration_ms FROM notify_attempts
		WHERE delivery_id IN (`+strings.Join(ph, ", ")+`) ORDER BY delivery_id, id`, args...)
	if err != nil {
		return fmt.Errorf("notify: attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at, ms int64
		var t Attempt
		if err := rows.Scan(&id, &t.Attempt, &at, &t.StatusCode, &t.Error, &ms); err != nil {
			return err
		}
		t.At, t.Duration = db.FromMillis(at), time.Duration(ms)*time.Millisecond
		ds[idx[id]].Tries = append(ds[idx[id]].Tries, t)
	}
	return rows.Err()
}

// pruneBatch bounds one DELETE, so the clean-up never holds the writer for long.
const pruneBatch = 5000

// Prune removes finished deliveries and attempts older than DeliveryRetention, clears the
// arguments and payloads of events as old (they may name people; the in-app messages keep
// their own copy), and forgets event keys older than EventRetention. It runs daily.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	now := s.now()
	cut := db.Millis(now.Add(-DeliveryRetention))
	steps := []struct {
		sql string
		arg int64
	}{
		{`DELETE FROM notify_attempts WHERE id IN (SELECT id FROM notify_attempts WHERE at < $1 LIMIT ` + strconv.Itoa(pruneBatch) + `)`, cut},
		{`DELETE FROM notify_deliveries WHERE id IN (SELECT id FROM notify_deliveries WHERE finished_at > 0 AND finished_at < $1 LIMIT ` + strconv.Itoa(pruneBatch) + `)`, cut},
		{`UPDATE notify_events SET args = '{}', payload = '{}' WHERE id IN (SELECT id FROM notify_events
			WHERE (args <> '{}' OR payload <> '{}') AND created_at < $1 LIMIT ` + strconv.Itoa(pruneBatch) + `)`, cut},
		{`DELETE FROM notify_events WHERE id IN (SELECT id FROM notify_events WHERE created_at < $1 LIMIT ` + strconv.Itoa(pruneBatch) + `)`,
			db.Millis(now.Add(-EventRetention))},
	}
	var total int64
	for _, st := range steps {
		for {
			res, err := s.db.W.ExecContext(ctx, st.sql, st.arg)
			if err != nil {
				return total, fmt.Errorf("notify: prune: %w", err)
			}
			n, _ := res.RowsAffected()
			total += n
			if n < pruneBatch {
				break
			}
		}
	}
	return total, nil
}

func (s *Service) pruneJob(ctx context.Context, _ jobs.Job) error {
	_, err := s.Prune(ctx)
	return err
}

// RegisterJobs registers the delivery handlers and the daily clean-up on q (internal/app
// calls it; q must be the queue the service enqueues on).
func (s *Service) RegisterJobs(q *jobs.Queue) {
	q.Handle(KindEmail, s.deliverEmail)
	q.Handle(KindWebhook, s.deliverWebhook)
	q.Handle(KindPrune, s.pruneJob)
	q.Every(KindPrune, 24*time.Hour)
}

// maskEmail shows an address in lists as the PIPL asks: "zh***@example.com".
func maskEmail(e string) string {
	at := strings.LastIndex(e, "@")
	if at < 0 {
		return e
	}
	local := []rune(e[:at])
	keep := min(2, len(local))
	if len(local) <= 2 {
		keep = min(1, len(local))
	}
	return string(local[:keep]) + "***" + e[at:]
}
