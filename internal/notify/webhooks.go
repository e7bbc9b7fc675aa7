package notify

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Webhook is a subscription: events whose type matches one of Events are POSTed to URL,
// signed with the subscription's secret.
type Webhook struct {
	ID     int64
	URL    string
	Events []string
	// OrgID, when set, limits the subscription to events that concern that organisation.
	OrgID         int64
	OrgName       string
	Active        bool
	Description   string
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// LastState, LastCode and LastAt describe the latest delivery attempt.
	LastState string
	LastCode  int
	LastAt    time.Time
}

// WebhookInput is what creating a subscription takes.
type WebhookInput struct {
	URL         string
	Events      []string
	OrgID       int64
	Description string
}

// SecretPrefix starts every webhook secret, so a leaked one is easy to recognise.
const SecretPrefix = "whsec_"

const maxPatterns = 20

var patternRE = regexp.MustCompile(`^(\*|[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?)$`)

// SplitPatterns reads event patterns typed in a form: separated by commas, spaces or lines.
func SplitPatterns(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

func (s *Service) validateWebhook(ctx context.Context, in *WebhookInput) error {
	var v apperr.Validation
	in.URL, in.Description = strings.TrimSpace(in.URL), strings.TrimSpace(in.Description)
	st, err := s.loadSettings(ctx)
	if err != nil {
		return err
	}
	if in.URL == "" {
		v.Add("url", "error.required")
	} else if key := checkWebhookURL(in.URL, st.AllowPrivateWebhooks); key != "" {
		v.Add("url", key)
	}
	var pats []string
	for _, p := range in.Events {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(pats, p) {
			pats = append(pats, p)
		}
	}
	in.Events = pats
	switch {
	case len(pats) == 0:
		v.Add("events", "error.required")
	case len(pats) > maxPatterns:
		v.Add("events", "notify.error.too_many_patterns", "Max", maxPatterns)
	default:
		for _, p := range pats {
			if !patternRE.MatchString(p) || len(p) > 100 {
				v.Add("events", "notify.error.pattern", "Pattern", p)
				break
			}
		}
	}
	if utf8.RuneCountInString(in.Description) > 200 {
		v.Add("description", "error.too_long", "Max", 200)
	}
	if in.OrgID != 0 {
		var one int
		if in.OrgID < 0 || s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM orgs WHERE id = $1`, in.OrgID).Scan(&one) != nil {
			v.Add("org_id", "error.org_unknown")
		}
	}
	return v.Err()
}

// checkWebhookURL returns the catalog key of what is wrong with a subscription URL ("" when
// nothing). Names that resolve to private addresses are caught when delivering, by the
// dialer, which sees the address actually connected to.
func checkWebhookURL(raw string, allowPrivate bool) string {
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 2000 || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "notify.error.url"
	}
	if u.User != nil {
		return "notify.error.url_userinfo"
	}
	if allowPrivate {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return "notify.error.url_private"
	}
	if ip, err := netip.ParseAddr(host); err == nil && !publicAddr(ip) {
		return "notify.error.url_private"
	}
	return ""
}

// cgnat and thisNet are not covered by netip's predicates.
var (
	cgnat   = netip.MustParsePrefix("100.64.0.0/10")
	thisNet = netip.MustParsePrefix("0.0.0.0/8")
)

// publicAddr reports whether a webhook may connect to ip: a global unicast address that is
// not private (RFC 1918, fc00::/7), shared (100.64/10), loopback, link-local (169.254/16:
// cloud metadata services), multicast or unspecified.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !cgnat.Contains(ip) && !thisNet.Contains(ip)
}

func newSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// CreateWebhook adds a subscription (system administrator) and returns its secret, which
// is shown once.
func (s *Service) CreateWebhook(ctx context.Context, a auth.Actor, in WebhookInput) (Webhook, string, error) {
	if !canManage(a) {
		return Webhook{}, "", apperr.Forbidden()
	}
	if err := s.validateWebhook(ctx, &in); err != nil {
		return Webhook{}, "", err
	}
	secret := newSecret()
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		if err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO webhooks (url, events, secret, org_id, active, description, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			in.URL, strings.Join(in.Events, " "), secret, nullID(in.OrgID), true, in.Description, nullID(a.UserID), now).Scan(&id); err != nil {
			return fmt.Errorf("notify: insert webhook: %w", err)
		}
		return s.record(ctx, a, "webhook.create", id, audit.Change{After: map[string]any{
			"url": in.URL, "events": in.Events, "org_id": in.OrgID, "description": in.Description}})
	})
	if err != nil {
		return Webhook{}, "", err
	}
	h, err := s.webhookByID(ctx, id)
	return h, secret, err
}

func (s *Service) record(ctx context.Context, a auth.Actor, action string, id int64, c audit.Change) error {
	if s.audit == nil {
		return fmt.Errorf("notify: %s needs the audit log", action)
	}
	return s.audit.Record(ctx, a, action, "webhook", strconv.FormatInt(id, 10), c)
}

func nullID(id int64) any {
	if id <= 0 {
		return nil
	}
	return id
}

const webhookColumns = `w.id, w.url, w.events, COALESCE(w.org_id, 0), COALESCE(o.name, ''), w.active, w.description,
	COALESCE(w.created_by, 0), COALESCE(u.username, ''), w.created_at, w.updated_at, w.last_state, w.last_code, w.last_at`

const webhookFrom = ` FROM webhooks w LEFT JOIN orgs o ON o.id = w.org_id LEFT JOIN users u ON u.id = w.created_by`

func scanWebhook(sc interface{ Scan(...any) error }) (Webhook, error) {
	var h Webhook
	var events string
	var c, u, l int64
	err := sc.Scan(&h.ID, &h.URL, &events, &h.OrgID, &h.OrgName, &h.Active, &h.Description, &h.CreatedBy, &h.CreatedByName,
		&c, &u, &h.LastState, &h.LastCode, &l)
	h.Events = strings.Fields(events)
	h.CreatedAt, h.UpdatedAt, h.LastAt = db.FromMillis(c), db.FromMillis(u), db.FromMillis(l)
	return h, err
}

func (s *Service) webhookByID(ctx context.Context, id int64) (Webhook, error) {
	h, err := scanWebhook(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+webhookColumns+webhookFrom+` WHERE w.id = $1`, id))
	if db.IsNoRows(err) {
		return Webhook{}, apperr.NotFound("webhook")
	}
	if err != nil {
		return Webhook{}, fmt.Errorf("notify: webhook: %w", err)
	}
	return h, nil
}

// GetWebhook returns one subscription (system administrator).
func (s *Service) GetWebhook(ctx context.Context, a auth.Actor, id int64) (Webhook, error) {
	if !canManage(a) {
		return Webhook{}, apperr.Forbidden()
	}
	return s.webhookByID(ctx, id)
}

// WebhookFilter pages through subscriptions in id order.
type WebhookFilter struct {
	// AfterID is the API's cursor; Offset the pages'.
	AfterID int64
	Offset  int
	Limit   int
}

// ListWebhooks lists subscriptions (system administrator) and counts them all.
func (s *Service) ListWebhooks(ctx context.Context, a auth.Actor, f WebhookFilter) ([]Webhook, int, error) {
	if !canManage(a) {
		return nil, 0, apperr.Forbidden()
	}
	var total int
	if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("notify: count webhooks: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := `SELECT ` + webhookColumns + webhookFrom + ` WHERE w.id > $1 ORDER BY w.id LIMIT ` + strconv.Itoa(limit)
	if f.Offset > 0 {
		q += ` OFFSET ` + strconv.Itoa(f.Offset)
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, q, f.AfterID)
	if err != nil {
		return nil, 0, fmt.Errorf("notify: list webhooks: %w", err)
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		h, err := scanWebhook(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, h)
	}
	return out, total, rows.Err()
}

// SetWebhookActive turns a subscription on or off (system administrator). Deliveries of a
// disabled subscription that are still waiting are cancelled when their turn comes.
func (s *Service) SetWebhookActive(ctx context.Context, a auth.Actor, id int64, active bool) (Webhook, error) {
	if !canManage(a) {
		return Webhook{}, apperr.Forbidden()
	}
	old, err := s.webhookByID(ctx, id)
	if err != nil {
		return Webhook{}, err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE webhooks SET active = $1, updated_at = $2 WHERE id = $3`, active, db.Millis(s.now()), id); err != nil {
			return fmt.Errorf("notify: update webhook: %w", err)
		}
		return s.record(ctx, a, "webhook.update", id, audit.Change{Before: map[string]any{"active": old.Active}, After: map[string]any{"active": active}})
	})
	if err != nil {
		return Webhook{}, err
	}
	return s.webhookByID(ctx, id)
}

// DeleteWebhook removes a subscription with its delivery log (system administrator).
func (s *Service) DeleteWebhook(ctx context.Context, a auth.Actor, id int64) error {
	if !canManage(a) {
		return apperr.Forbidden()
	}
	old, err := s.webhookByID(ctx, id)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM webhooks WHERE id = $1`, id); err != nil {
			return fmt.Errorf("notify: delete webhook: %w", err)
		}
		return s.record(ctx, a, "webhook.delete", id, audit.Change{Before: map[string]any{
			"url": old.URL, "events": old.Events, "org_id": old.OrgID, "description": old.Description}})
	})
}

type hookTarget struct {
	ID  int64
	URL string
}

// matchingWebhooks are the active subscriptions an event of typ concerning orgs goes to.
// The table holds tens of rows, so matching happens here rather than in SQL.
const activeWebhooksSQL = `SELECT id, url, events, COALESCE(org_id, 0) FROM webhooks WHERE active = $1 ORDER BY id`

func (s *Service) matchingWebhooks(ctx context.Context, typ string, orgs []int64) ([]hookTarget, error) {
	rows, err := s.prep.Rows(ctx, activeWebhooksSQL, true)
	if err != nil {
		return nil, fmt.Errorf("notify: webhooks: %w", err)
	}
	defer rows.Close()
	var out []hookTarget
	for rows.Next() {
		var h hookTarget
		var events string
		var org int64
		if err := rows.Scan(&h.ID, &h.URL, &events, &org); err != nil {
			return nil, err
		}
		if matchAny(strings.Fields(events), typ) && (org == 0 || slices.Contains(orgs, org)) {
			out = append(out, h)
		}
	}
	return out, rows.Err()
}
