package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/jobs"
)

// Event is something that happened which people and systems should hear about.
//
// The contract of Emit:
//
//   - Call it inside the transaction of the change that caused the event (it joins the
//     transaction in ctx, or opens its own). If that transaction rolls back, nothing of the
//     event remains: no message, no email, no webhook.
//   - Key names the real-world event and must be the same every time that event is
//     emitted, by any process: e.g. "appeal:123:overdue:handle:1712345678" (appeal 123
//     went overdue for the handling deadline that was due at that Unix time). The first
//     Emit of a key stores and delivers; every later one (a second process's sweep, a
//     retried request, the same sweep next minute) is a no-op that returns nil. Keys are
//     remembered for EventRetention.
//   - Recipients are UserIDs plus the active users of OrgIDs (narrowed to Roles when given);
//     disabled users are skipped, each user is counted once. Emit does not check the
//     caller's permissions: the emitting service decided who should know.
//   - Every recipient gets an in-app message. Recipients with an email address and email
//     notifications on get an email, when a mail server is configured. Every active webhook
//     subscription whose event patterns match Type, and whose organisation (if it has one)
//     is among OrgIDs, gets one signed POST.
//   - Deliveries happen in background jobs after commit, each at most once under normal
//     operation (a crash in the middle of a send can repeat that one send; the delivery id
//     and the Message-ID stay the same, so receivers can tell).
type Event struct {
	// Type is the event's kind, lower-case and dotted: "appeal.overdue". Webhook
	// subscriptions match on it.
	Type string
	// Key is unique per real-world event (see above). At most 200 characters.
	Key string
	// OrgIDs are the organisations the event concerns: their active users receive it, and
	// webhook subscriptions scoped to one of them receive it.
	OrgIDs []int64
	// Roles, when set, narrow the users of OrgIDs to those holding one of these roles.
	Roles []auth.Role
	// UserIDs are individual recipients.
	UserIDs []int64
	// TitleKey is a catalog key rendered with Args in each recipient's language: the in-app
	// message and the email subject.
	TitleKey string
	Args     map[string]any
	// Link is the path of the page the notification points to ("/appeals/ZQ2024…"); email
	// makes it absolute with the base URL.
	Link string
	// Payload is the webhook body's "data" (any JSON-encodable value; nil: {}).
	Payload any
}

// EventRetention is how long an event's key is remembered (an Emit of the same key within
// it is a no-op). Its arguments and payload are cleared after DeliveryRetention.
const EventRetention = 400 * 24 * time.Hour

// Limits of an event.
const (
	maxKeyLen     = 200
	maxRecipients = 1000
	maxOrgs       = 200
	maxArgsBytes  = 16 << 10
	maxPayload    = 256 << 10
)

var eventTypeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// ErrNoQueue says an event needs email or webhook delivery but the service has no queue.
var ErrNoQueue = errors.New("notify: no job queue to deliver with")

func (e Event) encode() (args, payload string, err error) {
	switch {
	case !eventTypeRE.MatchString(e.Type) || len(e.Type) > 100:
		return "", "", fmt.Errorf("notify: event type %q: use lower-case dotted words such as appeal.overdue", e.Type)
	case e.Key == "" || len(e.Key) > maxKeyLen || strings.IndexFunc(e.Key, unicode.IsControl) >= 0:
		return "", "", fmt.Errorf("notify: event key %q: 1 to %d printable characters", e.Key, maxKeyLen)
	case e.TitleKey == "" || len(e.TitleKey) > 200:
		return "", "", errors.New("notify: event has no title key")
	case e.Link != "" && !safeLink(e.Link):
		return "", "", fmt.Errorf("notify: link %q: must be a path on this site", e.Link)
	case len(e.UserIDs) > maxRecipients || len(e.OrgIDs) > maxOrgs:
		return "", "", fmt.Errorf("notify: too many recipients (%d users, %d organisations)", len(e.UserIDs), len(e.OrgIDs))
	}
	for _, r := range e.Roles {
		if !auth.ValidRole(r) {
			return "", "", fmt.Errorf("notify: unknown role %q", r)
		}
	}
	a := []byte("{}")
	if len(e.Args) > 0 {
		if a, err = json.Marshal(e.Args); err != nil {
			return "", "", fmt.Errorf("notify: encode args: %w", err)
		}
	}
	p := []byte("{}")
	if e.Payload != nil {
		if p, err = json.Marshal(e.Payload); err != nil {
			return "", "", fmt.Errorf("notify: encode payload: %w", err)
		}
	}
	if len(a) > maxArgsBytes || len(p) > maxPayload {
		return "", "", fmt.Errorf("notify: args (%d bytes) or payload (%d bytes) too large", len(a), len(p))
	}
	return string(a), string(p), nil
}

// safeLink accepts a path on this site: no scheme, no host, no spaces.
func safeLink(l string) bool {
	return len(l) <= 500 && strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "//") && !strings.HasPrefix(l, "/\\") &&
		strings.IndexFunc(l, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) < 0
}

// Emit stores the event and schedules its deliveries, inside the transaction in ctx. See
// Event for the contract.
func (s *Service) Emit(ctx context.Context, e Event) error {
	args, payload, err := e.encode()
	if err != nil {
		return err
	}
	var inApp int
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		now := s.now()
		var eventID int64
		err := s.prep.WRow(ctx, insertEventSQL, e.Key, e.Type, e.TitleKey, args, e.Link, payload, db.Millis(now)).Scan(&eventID)
		if db.IsNoRows(err) {
			return nil // emitted before: delivered (or being delivered) once already
		}
		if err != nil {
			return fmt.Errorf("notify: store event: %w", err)
		}
		rcpts, err := s.recipients(ctx, e)
		if err != nil {
			return err
		}
		for _, r := range rcpts {
			if _, err := s.prep.Exec(ctx, insertNotificationSQL, r.ID, e.Type, e.TitleKey, args, e.Link, db.Millis(now)); err != nil {
				return fmt.Errorf("notify: add: %w", err)
			}
		}
		inApp = len(rcpts)
		cfg, err := s.smtpConfig(ctx)
		if err != nil {
			return err
		}
		if cfg.Enabled() {
			for _, r := range rcpts {
				if r.Email != "" && r.EmailNotify {
					if err := s.schedule(ctx, eventID, e.Key, ChannelEmail, r.ID, r.Email, now); err != nil {
						return err
					}
				}
			}
		}
		hooks, err := s.matchingWebhooks(ctx, e.Type, e.OrgIDs)
		if err != nil {
			return err
		}
		for _, h := range hooks {
			if err := s.schedule(ctx, eventID, e.Key, ChannelWebhook, h.ID, h.URL, now); err != nil {
				return err
			}
		}
		db.AfterCommit(ctx, func() { s.metrics.sent.WithLabelValues(ChannelInApp).Add(float64(inApp)) })
		return nil
	})
	return err
}

type recipient struct {
	ID          int64
	Name        string
	Email       string
	Lang        string
	EmailNotify bool
}

// recipients resolves the event's users: named ones and the (role-narrowed) members of its
// organisations, active only, each once, in id order.
func (s *Service) recipients(ctx context.Context, e Event) ([]recipient, error) {
	if len(e.UserIDs) == 0 && len(e.OrgIDs) == 0 {
		return nil, nil
	}
	users, orgs, roles := db.IDsJSON(e.UserIDs), db.IDsJSON(e.OrgIDs), "[]"
	if len(e.Roles) > 0 {
		b, _ := json.Marshal(e.Roles)
		roles = string(b)
	}
	rows, err := s.prep.Rows(ctx, recipientsSQL(s.db.Engine), false, users, orgs, roles)
	if err != nil {
		return nil, fmt.Errorf("notify: recipients: %w", err)
	}
	defer rows.Close()
	var out []recipient
	for rows.Next() {
		var r recipient
		if err := rows.Scan(&r.ID, &r.Name, &r.Email, &r.Lang, &r.EmailNotify); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Job kinds of the deliveries and the daily clean-up.
const (
	KindEmail   = "notify.email"
	KindWebhook = "notify.webhook"
	KindPrune   = "notify.prune"
)

// Attempts per delivery. The queue waits 2^n seconds after the n-th failure, at most an
// hour: 16 email attempts span about 5 hours, 30 webhook attempts about 19 hours.
const (
	EmailAttempts   = 16
	WebhookAttempts = 30
)

func maxAttempts(channel string) int {
	if channel == ChannelEmail {
		return EmailAttempts
	}
	return WebhookAttempts
}

type jobPayload struct {
	DeliveryID int64 `json:"delivery_id"`
}

// schedule records a pending delivery and enqueues its job, whose unique key derives from
// the event's key, so even a delivery recorded twice would be sent once.
func (s *Service) schedule(ctx context.Context, eventID int64, key, channel string, target int64, address string, now time.Time) error {
	if s.queue == nil {
		return ErrNoQueue
	}
	var userID, hookID any
	kind := KindEmail
	if channel == ChannelEmail {
		userID = target
	} else {
		hookID, kind = target, KindWebhook
	}
	var id int64
	if err := s.prep.WRow(ctx, insertDeliverySQL, newUID(), eventID, channel, target, userID, hookID, address, db.Millis(now)).Scan(&id); err != nil {
		return fmt.Errorf("notify: record delivery: %w", err)
	}
	added, err := s.queue.Enqueue(ctx, kind, jobPayload{DeliveryID: id}, jobs.EnqueueOpts{
		UniqueKey: kind + ":" + key + ":" + strconv.FormatInt(target, 10), MaxAttempts: maxAttempts(channel)})
	if err != nil {
		return err
	}
	if !added {
		// The queue still remembers a job of this key (the event's key was forgotten
		// after EventRetention and emitted again): that delivery happened already.
		_, err = s.prep.Exec(ctx, cancelDeliverySQL, StateCancelled, "notify.cancel.duplicate", db.Millis(now), id)
	}
	return err
}

// newUID is a delivery's public id: 128 random bits, in the 8-4-4-4-12 form of a UUID (v4).
func newUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// matchPattern reports whether an event type matches a subscription pattern: "*" (every
// event), "appeal.*" (every type that starts with "appeal."), or an exact type.
func matchPattern(pattern, typ string) bool {
	switch {
	case pattern == "*":
		return true
	case strings.HasSuffix(pattern, ".*"):
		return strings.HasPrefix(typ, strings.TrimSuffix(pattern, "*"))
	default:
		return pattern == typ
	}
}

func matchAny(patterns []string, typ string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return matchPattern(p, typ) })
}

// Emit's statements (prepared once, see Service.prep).
const (
	insertEventSQL = `INSERT INTO notify_events (key, type, title_key, args, link, payload, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING RETURNING id`
	insertNotificationSQL = `INSERT INTO notifications (user_id, kind, title, body, link, created_at) VALUES ($1, $2, $3, $4, $5, $6)`
	insertDeliverySQL     = `INSERT INTO notify_deliveries
		(uid, event_id, channel, target_id, user_id, webhook_id, address, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`
	cancelDeliverySQL = `UPDATE notify_deliveries SET state = $1, last_error = $2, finished_at = $3 WHERE id = $4`
)

// recipientsSQL resolves an event's users in one statement of fixed shape, so it is
// prepared once: $2 the named users, $3 the organisations and $4 the roles narrowing them
// ("[]" for any), as JSON arrays.
func recipientsSQL(e db.Engine) string {
	list := func(n string) string { return `SELECT value FROM json_each(` + n + `)` }
	if e == db.Postgres {
		list = func(n string) string { return `SELECT json_array_elements_text(CAST(` + n + ` AS json))` }
	}
	return `SELECT u.id, u.display_name, u.email, u.lang, u.email_notify FROM users u
		WHERE u.disabled = $1 AND (u.id IN (` + e.InIDs("$2") + `)
			OR (u.org_id IN (` + e.InIDs("$3") + `) AND ($4 = '[]' OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN (` + list("$4") + `)))))
		ORDER BY u.id`
}
