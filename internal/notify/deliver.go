package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"yingshang/internal/db"
	"yingshang/internal/jobs"
)

// WebhookTimeout bounds one POST, from connecting to the end of the answer's headers.
const WebhookTimeout = 10 * time.Second

// Headers of a webhook request.
const (
	HeaderEvent     = "X-Yingshang-Event"
	HeaderDelivery  = "X-Yingshang-Delivery"
	HeaderTimestamp = "X-Yingshang-Timestamp"
	HeaderSignature = "X-Yingshang-Signature"
)

// WebhookBody is what a receiver gets: the delivery id (the same on every retry), the event
// type, when the event happened, and the event's payload.
type WebhookBody struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// Sign is the X-Yingshang-Signature value: "sha256=" and the hex HMAC-SHA256, keyed with
// the subscription's secret, of the timestamp header, a dot, and the raw body.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

var errPrivateAddress = errors.New("refused to connect to a private address")

// webhookClient posts without proxies (a proxy would hide the address the guard checks)
// and without following redirects (a 3xx is an answer, not a delivery). With guard, the
// dialer refuses every address that is not public, after DNS resolution, so a name that
// resolves to 127.0.0.1 or 169.254.169.254 is caught too.
func webhookClient(guard bool) *http.Client {
	d := &net.Dialer{Timeout: WebhookTimeout, KeepAlive: 30 * time.Second}
	if guard {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || !publicAddr(ip) {
				return fmt.Errorf("%w (%s)", errPrivateAddress, host)
			}
			return nil
		}
	}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   WebhookTimeout,
		ResponseHeaderTimeout: WebhookTimeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: t, Timeout: WebhookTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// deliverWebhook is the job of one webhook delivery.
func (s *Service) deliverWebhook(ctx context.Context, j jobs.Job) error {
	d, ok, err := s.loadDelivery(ctx, j)
	if err != nil || !ok {
		return err
	}
	var hookURL, secret string
	var active bool
	err = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT url, secret, active FROM webhooks WHERE id = $1`, d.TargetID).Scan(&hookURL, &secret, &active)
	if db.IsNoRows(err) {
		return nil // deleted, with its deliveries
	}
	if err != nil {
		return fmt.Errorf("notify: webhook: %w", err)
	}
	if !active {
		return s.cancel(ctx, d, "notify.cancel.disabled")
	}
	st, err := s.loadSettings(ctx)
	if err != nil {
		return err
	}
	if key := checkWebhookURL(hookURL, st.AllowPrivateWebhooks); key != "" {
		return s.attempted(ctx, d, j, hookURL, 0, fmt.Errorf("webhook: %w", errPrivateAddress), 0)
	}
	body, err := json.Marshal(WebhookBody{ID: d.UID, Type: d.Event.Type, CreatedAt: d.Event.CreatedAt, Data: json.RawMessage(d.Event.Payload)})
	if err != nil {
		return fmt.Errorf("notify: webhook body: %w", err)
	}
	client := s.hooks
	if st.AllowPrivateWebhooks {
		client = s.hooksAny
	}
	start := time.Now()
	code, err := s.post(ctx, client, hookURL, secret, d, body)
	return s.attempted(ctx, d, j, hookURL, code, err, time.Since(start))
}

func (s *Service) post(ctx context.Context, client *http.Client, hookURL, secret string, d delivery, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hookURL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("webhook: %w", err)
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Yingshang-Webhook/1")
	req.Header.Set(HeaderEvent, d.Event.Type)
	req.Header.Set(HeaderDelivery, d.UID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhook: the receiver answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return resp.StatusCode, nil
}
