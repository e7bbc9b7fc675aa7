package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"yingshang/internal/apperr"
	"yingshang/internal/db"
	"yingshang/internal/i18n"
	"yingshang/internal/jobs"
)

// TLS modes of the mail server connection.
const (
	TLSNone     = "none"     // plain SMTP (a relay on the same host or a trusted network)
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, port 465)
)

// TLSModes in display order.
var TLSModes = []string{TLSStartTLS, TLSImplicit, TLSNone}

// SMTPConfig is how to reach the mail server. An empty Host turns email off.
type SMTPConfig struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"password"`
	// From is the sender: "noreply@example.cn" or "营商通 <noreply@example.cn>".
	From string `json:"from"`
	TLS  string `json:"tls"`
}

// Enabled reports whether email is configured.
func (c SMTPConfig) Enabled() bool { return c.Host != "" }

func defaultPort(mode string) int {
	switch mode {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	}
	return 587
}

// smtpTimeout bounds one whole send (connect, TLS, authentication, the message), well
// under the job lease, so no second worker can take the job over while it is sending.
const smtpTimeout = 30 * time.Second

// ParseSMTPURL reads smtp://user:pass@host:port?from=…&tls=starttls (smtps://… means
// tls=tls). The user name and password are URL-encoded; the port defaults to the mode's
// (587 starttls, 465 tls, 25 none).
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPConfig{}, fmt.Errorf("notify: SMTP URL: %w", err)
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.TLS = TLSStartTLS
	case "smtps":
		c.TLS = TLSImplicit
	default:
		return SMTPConfig{}, fmt.Errorf("notify: SMTP URL %s: scheme must be smtp or smtps", u.Redacted())
	}
	q := u.Query()
	if m := q.Get("tls"); m != "" {
		c.TLS = m
	}
	c.Host, c.From = u.Hostname(), q.Get("from")
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil {
			return SMTPConfig{}, fmt.Errorf("notify: SMTP URL %s: bad port", u.Redacted())
		}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	if c.Host == "" {
		return SMTPConfig{}, fmt.Errorf("notify: SMTP URL %s: no host", u.Redacted())
	}
	if err := c.normalize(); err != nil {
		e, _ := apperr.As(err)
		var fields []string
		for _, f := range e.Fields {
			fields = append(fields, f.Field)
		}
		return SMTPConfig{}, fmt.Errorf("notify: SMTP URL %s: check %s", u.Redacted(), strings.Join(fields, ", "))
	}
	return c, nil
}

// normalize trims, fills the default port and validates a configuration whose Host is set.
func (c *SMTPConfig) normalize() error {
	c.Host, c.Username, c.From, c.TLS = strings.TrimSpace(c.Host), strings.TrimSpace(c.Username), strings.TrimSpace(c.From), strings.TrimSpace(c.TLS)
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	var v apperr.Validation
	if c.TLS != TLSNone && c.TLS != TLSStartTLS && c.TLS != TLSImplicit {
		v.Add("smtp_tls", "error.choice")
	}
	if c.Host == "" {
		return v.Err()
	}
	if len(c.Host) > 253 || strings.ContainsFunc(c.Host, func(r rune) bool { return unicode.IsSpace(r) || r == '/' || r == '@' }) {
		v.Add("smtp_host", "notify.error.host")
	}
	if c.Port == 0 {
		c.Port = defaultPort(c.TLS)
	}
	if c.Port < 1 || c.Port > 65535 {
		v.Add("smtp_port", "error.range", "Min", 1, "Max", 65535)
	}
	if c.From == "" {
		v.Add("smtp_from", "error.required")
	} else if a, err := mail.ParseAddress(c.From); err != nil || strings.ContainsAny(c.From, "\r\n") || !strings.Contains(a.Address, ".") {
		v.Add("smtp_from", "error.email_format")
	}
	if len(c.Username) > 200 || len(c.Password) > 200 {
		v.Add("smtp_username", "error.too_long", "Max", 200)
	}
	// net/smtp refuses to send a password over a plain connection to another machine; say
	// so when the settings are saved rather than at the first email.
	if c.Username != "" && c.TLS == TLSNone && !isLocalHost(c.Host) {
		v.Add("smtp_tls", "notify.error.plain_auth")
	}
	return v.Err()
}

func isLocalHost(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }

// smtpConfig is the mail server in force: the one from the command line or environment,
// else the one saved on the admin page.
func (s *Service) smtpConfig(ctx context.Context) (SMTPConfig, error) {
	if s.envSMTP != nil {
		return *s.envSMTP, nil
	}
	st, err := s.loadSettings(ctx)
	return st.SMTP, err
}

// mailMessage is one email before encoding.
type mailMessage struct {
	ID      string
	Date    time.Time
	From    mail.Address
	To      mail.Address
	Subject string
	Body    string
	Event   string
}

// bytes encodes the message (RFC 5322 headers, MIME 1.0, UTF-8): the subject as a MIME
// encoded-word, the plain-text body in base64, so any language and line survives any relay.
func (m mailMessage) bytes() []byte {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("Date", m.Date.In(i18n.Shanghai).Format(time.RFC1123Z))
	h("From", m.From.String())
	h("To", m.To.String())
	h("Subject", mime.BEncoding.Encode("utf-8", m.Subject))
	h("Message-ID", "<"+m.ID+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "base64")
	h("Auto-Submitted", "auto-generated")
	h("X-Yingshang-Event", m.Event)
	b.WriteString("\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// oneLine keeps header text on one line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// composeEmail renders an event for one recipient in their language.
func (s *Service) composeEmail(cfg SMTPConfig, d delivery, to recipient) (mailMessage, error) {
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return mailMessage{}, fmt.Errorf("notify: sender %q: %w", cfg.From, err)
	}
	lang := i18n.Match(to.Lang)
	if from.Name == "" {
		from.Name = s.cat.T(lang, "app.name")
	}
	title := oneLine(s.cat.T(lang, d.Event.TitleKey, d.Event.args()))
	var body strings.Builder
	body.WriteString(s.cat.T(lang, "notify.email.greeting", "Name", to.Name) + "\n\n")
	body.WriteString(title + "\n")
	if d.Event.Link != "" {
		body.WriteString("\n" + s.cat.T(lang, "notify.email.link", "URL", s.baseURL+d.Event.Link) + "\n")
	}
	body.WriteString("\n-- \n" + s.cat.T(lang, "notify.email.footer", "URL", s.baseURL+"/account") + "\n")
	domain := from.Address[strings.LastIndex(from.Address, "@")+1:]
	return mailMessage{
		ID:      d.UID + "@" + domain,
		Date:    s.now(),
		From:    mail.Address{Name: oneLine(from.Name), Address: from.Address},
		To:      mail.Address{Name: oneLine(to.Name), Address: to.Email},
		Subject: s.cat.T(lang, "notify.email.subject", "Title", title),
		Body:    body.String(),
		Event:   d.Event.Type,
	}, nil
}

// sendMail delivers one message with net/smtp (see docs/dependencies.md for why).
func (s *Service) sendMail(ctx context.Context, c SMTPConfig, from, to string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, smtpTimeout)
	defer cancel()
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	tlsConf := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12, RootCAs: s.rootCAs}
	dialer := &net.Dialer{}
	var conn net.Conn
	var err error
	if c.TLS == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("smtp: connect %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() }) // a cancelled job stops a stuck send
	defer stop()
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("smtp: greeting from %s: %w", addr, err)
	}
	defer cl.Close()
	if err := cl.Hello(heloName()); err != nil {
		return fmt.Errorf("smtp: EHLO: %w", err)
	}
	if c.TLS == TLSStartTLS {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return errors.New("smtp: the server does not offer STARTTLS")
		}
		if err := cl.StartTLS(tlsConf); err != nil {
			return fmt.Errorf("smtp: STARTTLS: %w", err)
		}
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return fmt.Errorf("smtp: AUTH: %w", err)
		}
	}
	if err := cl.Mail(from); err != nil {
		return fmt.Errorf("smtp: MAIL FROM: %w", err)
	}
	if err := cl.Rcpt(to); err != nil {
		return fmt.Errorf("smtp: RCPT TO: %w", err)
	}
	w, err := cl.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp: message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: message: %w", err)
	}
	_ = cl.Quit() // the message is accepted; a failed goodbye changes nothing
	return nil
}

func heloName() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \t\r\n") {
		return h
	}
	return "localhost"
}

// deliverEmail is the job of one email delivery.
func (s *Service) deliverEmail(ctx context.Context, j jobs.Job) error {
	d, ok, err := s.loadDelivery(ctx, j)
	if err != nil || !ok {
		return err
	}
	var to recipient
	var disabled bool
	err = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT id, display_name, email, lang, email_notify, disabled FROM users WHERE id = $1`, d.TargetID).
		Scan(&to.ID, &to.Name, &to.Email, &to.Lang, &to.EmailNotify, &disabled)
	if db.IsNoRows(err) {
		return nil // the user is gone, and the delivery with them
	}
	if err != nil {
		return fmt.Errorf("notify: recipient: %w", err)
	}
	if disabled || to.Email == "" || !to.EmailNotify {
		return s.cancel(ctx, d, "notify.cancel.email_off")
	}
	cfg, err := s.smtpConfig(ctx)
	if err != nil {
		return err
	}
	if !cfg.Enabled() {
		return s.cancel(ctx, d, "notify.cancel.no_smtp")
	}
	m, err := s.composeEmail(cfg, d, to)
	if err != nil {
		return s.attempted(ctx, d, j, to.Email, 0, err, 0)
	}
	start := time.Now()
	err = s.sendMail(ctx, cfg, m.From.Address, to.Email, m.bytes())
	return s.attempted(ctx, d, j, to.Email, smtpCode(err), err, time.Since(start))
}

// smtpCode is the server's reply code of a refusal (0 when the server never answered).
func smtpCode(err error) int {
	if err == nil {
		return 250
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}
