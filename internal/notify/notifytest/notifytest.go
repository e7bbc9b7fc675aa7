// Package notifytest gives tests real receivers for notifications: a local SMTP server
// (github.com/emersion/go-smtp, used here only) that keeps what it accepts, and an HTTP
// webhook receiver that answers with the status codes a test scripts.
package notifytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"log"
	"math/big"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is a message the server accepted, decoded.
type Mail struct {
	From    string
	To      []string
	Raw     []byte
	Header  mail.Header
	Subject string
	Body    string
	// TLS and Authenticated say how the client came in.
	TLS           bool
	Authenticated bool
}

// SMTPOptions shape the server.
type SMTPOptions struct {
	// TLS, when set, offers STARTTLS with this configuration (see LocalCert).
	TLS *tls.Config
	// Username and Password, when set, require AUTH PLAIN.
	Username, Password string
}

// Mailbox is a running SMTP server.
type Mailbox struct {
	Host string
	Port int

	mu      sync.Mutex
	mails   []Mail
	mailErr *smtp.SMTPError
	rcptErr *smtp.SMTPError
	opts    SMTPOptions
}

// StartSMTP starts a server on 127.0.0.1, stopped when the test ends.
func StartSMTP(t testing.TB, o SMTPOptions) *Mailbox {
	t.Helper()
	mb := &Mailbox{opts: o}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{mb: mb, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.TLSConfig = o.TLS
	s.AllowInsecureAuth = o.TLS == nil
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	mb.Host = "127.0.0.1"
	mb.Port = ln.Addr().(*net.TCPAddr).Port
	return mb
}

// Refuse makes MAIL FROM answer code (a 4xx is "try later", a 5xx "never") until Accept.
func (mb *Mailbox) Refuse(code int, msg string) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	mb.mailErr = &smtp.SMTPError{Code: code, Message: msg}
}

// RefuseRecipients makes RCPT TO answer code until Accept.
func (mb *Mailbox) RefuseRecipients(code int, msg string) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	mb.rcptErr = &smtp.SMTPError{Code: code, Message: msg}
}

// Accept takes mail again.
func (mb *Mailbox) Accept() {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	mb.mailErr, mb.rcptErr = nil, nil
}

// Mails returns what was accepted, in order.
func (mb *Mailbox) Mails() []Mail {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]Mail(nil), mb.mails...)
}

type session struct {
	mb   *Mailbox
	conn *smtp.Conn
	auth bool
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string {
	if s.mb.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.mb.opts.Username || password != s.mb.opts.Password {
			return smtp.ErrAuthFailed
		}
		s.auth = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.mb.opts.Username != "" && !s.auth {
		return smtp.ErrAuthRequired
	}
	s.mb.mu.Lock()
	err := s.mb.mailErr
	s.mb.mu.Unlock()
	if err != nil {
		return err
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.mb.mu.Lock()
	err := s.mb.rcptErr
	s.mb.mu.Unlock()
	if err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Mail{From: s.from, To: s.to, Raw: raw, Authenticated: s.auth}
	_, m.TLS = s.conn.TLSConnectionState()
	if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.Header = msg.Header
		dec := new(mime.WordDecoder)
		m.Subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
		body, _ := io.ReadAll(msg.Body)
		if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "base64") {
			body, _ = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(body)), ""))
		}
		m.Body = strings.ReplaceAll(string(body), "\r\n", "\n")
	}
	s.mb.mu.Lock()
	s.mb.mails = append(s.mb.mails, m)
	s.mb.mu.Unlock()
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }

// LocalCert makes a self-signed certificate for 127.0.0.1 and localhost: the server's TLS
// configuration and the pool a client trusts it with.
func LocalCert(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "yingshang test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, pool
}

// Request is a webhook POST the receiver got.
type Request struct {
	Header http.Header
	Body   []byte
	// Status is what the receiver answered.
	Status int
}

// Receiver is a webhook endpoint.
type Receiver struct {
	URL string

	mu       sync.Mutex
	script   []int
	requests []Request
}

// StartReceiver starts an HTTP endpoint on 127.0.0.1 that answers 200 unless scripted.
func StartReceiver(t testing.TB) *Receiver {
	t.Helper()
	rc := &Receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		status := http.StatusOK
		if len(rc.script) > 0 {
			status, rc.script = rc.script[0], rc.script[1:]
		}
		rc.requests = append(rc.requests, Request{Header: r.Header.Clone(), Body: body, Status: status})
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL + "/hooks/yingshang"
	return rc
}

// Respond scripts the next answers (then 200 again).
func (rc *Receiver) Respond(codes ...int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.script = append(rc.script, codes...)
}

// Requests returns what was received, in order.
func (rc *Receiver) Requests() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Request(nil), rc.requests...)
}

// ClosedPort returns a port on 127.0.0.1 that nothing listens on (a mail server that is down).
func ClosedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}
