package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/directory"
	"yingshang/internal/jobs"
	"yingshang/internal/notify"
	"yingshang/internal/notify/notifytest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixture is one "process": a queue and a service over a database, and the people of a
// department and of another organisation.
type fixture struct {
	t     *testing.T
	d     *db.DB
	clock *calendar.TestClock
	q     *jobs.Queue
	svc   *notify.Service
	reg   *prometheus.Registry
	org   int64 // 长沙市发展和改革委员会
	other int64 // 长沙市中级人民法院
	users map[string]int64
}

func newFixture(t *testing.T, d *db.DB, roots *x509.CertPool) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := calendar.NewTestClock(time.Date(2026, 3, 2, 9, 30, 0, 0, calendar.Location()))
	f := &fixture{t: t, d: d, clock: clock, reg: prometheus.NewRegistry(), users: map[string]int64{}}
	f.q = jobs.New(d, jobs.Options{Now: clock.Now, Logger: quiet})
	f.svc = f.service(d, f.q, roots, f.reg)
	al := audit.New(d, clock.Now)
	dir := directory.New(d, al, clock.Now)
	as := auth.NewService(d, al, auth.Options{BcryptCost: 4, Now: clock.Now})
	org, err := dir.CreateOrg(ctx, auth.System(), directory.OrgInput{Kind: auth.OrgGovernment, Name: "长沙市发展和改革委员会"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := dir.CreateOrg(ctx, auth.System(), directory.OrgInput{Kind: auth.OrgCourt, Name: "长沙市中级人民法院"})
	if err != nil {
		t.Fatal(err)
	}
	f.org, f.other = org.ID, other.ID
	for _, u := range []struct {
		name, display, email, lang string
		org                        int64
		role                       auth.Role
	}{
		{"zhang.wei", "张伟", "zhang.wei@fgw.changsha.gov.cn", "zh-CN", org.ID, auth.RoleDepartment},
		{"li.na", "Li Na", "li.na@fgw.changsha.gov.cn", "en", org.ID, auth.RoleDepartment},
		{"zhao.lei", "赵磊", "zhao.lei@fgw.changsha.gov.cn", "zh-CN", org.ID, auth.RoleDepartment},
		{"wang.fang", "王芳", "", "zh-CN", org.ID, auth.RoleDepartment},
		{"liu.yang", "刘洋", "liu.yang@fgw.changsha.gov.cn", "zh-CN", org.ID, auth.RoleAnalyst},
		{"chen.jie", "陈杰", "chen.jie@fgw.changsha.gov.cn", "zh-CN", org.ID, auth.RoleDepartment},
		{"sun.li", "孙丽", "sun.li@court.changsha.gov.cn", "zh-CN", other.ID, auth.RoleCourt},
	} {
		nu, err := as.CreateUser(ctx, auth.System(), auth.NewUser{Username: u.name, DisplayName: u.display, OrgID: u.org, Email: u.email,
			Lang: u.lang, Password: "Changsha@2026", Roles: []auth.Role{u.role}})
		if err != nil {
			t.Fatal(err)
		}
		f.users[u.name] = nu.ID
	}
	// 赵磊 turned email off; 陈杰 left and was disabled.
	if err := f.svc.SetPrefs(ctx, f.actor("zhao.lei"), notify.Prefs{Email: "zhao.lei@fgw.changsha.gov.cn", EmailNotify: false}); err != nil {
		t.Fatal(err)
	}
	chen, _ := as.GetUser(ctx, auth.System(), f.users["chen.jie"])
	if _, err := as.UpdateUser(ctx, auth.System(), chen.ID, auth.UserUpdate{DisplayName: chen.DisplayName, OrgID: chen.OrgID,
		Email: chen.Email, Lang: chen.Lang, Disabled: true, Version: chen.Version}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) service(d *db.DB, q *jobs.Queue, roots *x509.CertPool, reg prometheus.Registerer) *notify.Service {
	f.t.Helper()
	s, err := notify.NewService(d, notify.Options{Now: f.clock.Now, Queue: q, Audit: audit.New(d, f.clock.Now), Logger: quiet,
		Registry: reg, BaseURL: "https://yingshang.example.cn", SMTPRootCAs: roots})
	if err != nil {
		f.t.Fatal(err)
	}
	s.RegisterJobs(q)
	return s
}

func (f *fixture) actor(username string) auth.Actor {
	return auth.Actor{UserID: f.users[username], Username: username, Name: username, Via: "session"}
}

var admin = auth.System()

func (f *fixture) run() int {
	f.t.Helper()
	n, err := f.q.RunOnce(context.Background())
	if err != nil {
		f.t.Fatalf("run jobs: %v", err)
	}
	return n
}

func (f *fixture) emit(e notify.Event) {
	f.t.Helper()
	if err := f.svc.Emit(context.Background(), e); err != nil {
		f.t.Fatalf("emit %s: %v", e.Key, err)
	}
}

func (f *fixture) useMailbox(mb *notifytest.Mailbox, mode, user, pass string) {
	f.t.Helper()
	if err := f.svc.SaveSettings(context.Background(), admin, notify.SettingsInput{SMTP: notify.SMTPConfig{
		Host: mb.Host, Port: mb.Port, Username: user, Password: pass, From: "营商通 <noreply@yingshang.example.cn>", TLS: mode}}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) allowPrivate(on bool) {
	f.t.Helper()
	// Keep the mail settings as they are: only the webhook policy changes.
	v, err := f.svc.Settings(context.Background(), admin)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.svc.SaveSettings(context.Background(), admin, notify.SettingsInput{SMTP: v.SMTP, AllowPrivateWebhooks: on}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) webhook(url string, events []string, org int64) (notify.Webhook, string) {
	f.t.Helper()
	h, secret, err := f.svc.CreateWebhook(context.Background(), admin, notify.WebhookInput{URL: url, Events: events, OrgID: org, Description: "12345 热线系统"})
	if err != nil {
		f.t.Fatal(err)
	}
	return h, secret
}

type deliveryRow struct {
	State    string
	Attempts int
	Codes    []int
}

// deliveries reads the log: channel → target → row.
func (f *fixture) deliveries(channel string) map[int64]deliveryRow {
	f.t.Helper()
	rows, err := f.d.R.Query(`SELECT d.target_id, d.state, d.attempts, COALESCE(a.status_code, -1) FROM notify_deliveries d
		LEFT JOIN notify_attempts a ON a.delivery_id = d.id WHERE d.channel = $1 ORDER BY d.id, a.id`, channel)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]deliveryRow{}
	for rows.Next() {
		var target int64
		var r deliveryRow
		var code int
		if err := rows.Scan(&target, &r.State, &r.Attempts, &code); err != nil {
			f.t.Fatal(err)
		}
		prev := out[target]
		prev.State, prev.Attempts = r.State, r.Attempts
		if code >= 0 {
			prev.Codes = append(prev.Codes, code)
		}
		out[target] = prev
	}
	return out
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.R.QueryRow(q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) metric(name, channel string) float64 {
	f.t.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "channel" && l.GetValue() == channel {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	f.t.Fatalf("no metric %s{channel=%q}", name, channel)
	return 0
}

func overdue(key string, orgs ...int64) notify.Event {
	return notify.Event{Type: "appeal.overdue", Key: key, OrgIDs: orgs, Roles: []auth.Role{auth.RoleDepartment},
		TitleKey: "notify.test.title", Args: map[string]any{"Name": "诉求 ZQ20260302000001"}, Link: "/appeals/ZQ20260302000001",
		Payload: map[string]any{"number": "ZQ20260302000001", "state": "in_progress", "deadline": "2026-03-09T17:30:00+08:00"}}
}

func TestEmitStoresInAppMessagesOncePerKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, nil)
		ctx := context.Background()
		e := overdue("appeal:1:overdue:handle:1772947800", f.org)
		e.UserIDs = []int64{f.users["sun.li"], f.users["zhang.wei"]} // named users join the org's; each once
		f.emit(e)
		f.emit(e) // the second process's sweep
		// A change that rolls back takes its event with it.
		_ = d.WithTx(ctx, func(ctx context.Context) error {
			if err := f.svc.Emit(ctx, overdue("appeal:2:overdue:handle:1772947800", f.org)); err != nil {
				t.Fatal(err)
			}
			return errors.New("the appeal's move failed")
		})
		want := map[string]int{"zhang.wei": 1, "li.na": 1, "zhao.lei": 1, "wang.fang": 1, "sun.li": 1, "liu.yang": 0, "chen.jie": 0}
		for name, n := range want {
			msgs, err := f.svc.List(ctx, f.users[name], 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != n {
				t.Errorf("%s has %d messages, want %d", name, len(msgs), n)
				continue
			}
			if n == 0 {
				continue
			}
			m := msgs[0]
			var args map[string]any
			if err := json.Unmarshal([]byte(m.Body), &args); err != nil || args["Name"] != "诉求 ZQ20260302000001" {
				t.Errorf("%s: body %q", name, m.Body)
			}
			if m.Kind != "appeal.overdue" || m.Title != "notify.test.title" || m.Link != "/appeals/ZQ20260302000001" {
				t.Errorf("%s: message %+v", name, m)
			}
			if u, _ := f.svc.Unread(ctx, f.users[name]); u != 1 {
				t.Errorf("%s: unread %d", name, u)
			}
		}
		if n := f.count(`SELECT COUNT(*) FROM notify_events`); n != 1 {
			t.Errorf("%d events stored, want 1", n)
		}
		if got := f.metric("yingshang_notify_sent_total", notify.ChannelInApp); got != 5 {
			t.Errorf("in-app sent %v, want 5", got)
		}
	})
}

func TestEmitRefusesMalformedEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, nil)
		ok := overdue("appeal:1:overdue", f.org)
		for name, mutate := range map[string]func(*notify.Event){
			"type":     func(e *notify.Event) { e.Type = "Appeal Overdue" },
			"no key":   func(e *notify.Event) { e.Key = "" },
			"long key": func(e *notify.Event) { e.Key = strings.Repeat("k", 201) },
			"title":    func(e *notify.Event) { e.TitleKey = "" },
			"link":     func(e *notify.Event) { e.Link = "https://evil.example/phish" },
			"role":     func(e *notify.Event) { e.Roles = []auth.Role{"boss"} },
			"payload":  func(e *notify.Event) { e.Payload = func() {} },
		} {
			e := ok
			mutate(&e)
			if err := f.svc.Emit(context.Background(), e); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications`); n != 0 {
			t.Errorf("%d messages stored from refused events", n)
		}
	})
}

func TestEmailArrivesOnceInTheRecipientsLanguage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		tlsConf, roots := notifytest.LocalCert(t)
		mb := notifytest.StartSMTP(t, notifytest.SMTPOptions{TLS: tlsConf, Username: "mailer", Password: "Mail@2026"})
		f := newFixture(t, d, roots)
		f.useMailbox(mb, notify.TLSStartTLS, "mailer", "Mail@2026")
		e := overdue("appeal:1:overdue:handle:1772947800", f.org)
		f.emit(e)
		f.run()
		f.emit(e)
		f.clock.Advance(time.Hour)
		f.run()
		mails := mb.Mails()
		byTo := map[string]notifytest.Mail{}
		for _, m := range mails {
			if len(m.To) != 1 {
				t.Fatalf("one message for %d recipients", len(m.To))
			}
			if _, dup := byTo[m.To[0]]; dup {
				t.Errorf("%s got the message twice", m.To[0])
			}
			byTo[m.To[0]] = m
		}
		// 赵磊 turned email off, 王芳 has no address, 刘洋 is not a handler, 陈杰 is disabled.
		if len(mails) != 2 {
			t.Fatalf("%d messages, want 2 (张伟 and Li Na): %v", len(mails), byTo)
		}
		zh := byTo["zhang.wei@fgw.changsha.gov.cn"]
		if zh.Subject != "【营商通】诉求 ZQ20260302000001，这是一条测试通知。收到即说明通知设置正常。" {
			t.Errorf("subject %q", zh.Subject)
		}
		for _, want := range []string{"张伟，您好：", "查看详情：https://yingshang.example.cn/appeals/ZQ20260302000001", "https://yingshang.example.cn/account"} {
			if !strings.Contains(zh.Body, want) {
				t.Errorf("body lacks %q:\n%s", want, zh.Body)
			}
		}
		if !zh.TLS || !zh.Authenticated || zh.From != "noreply@yingshang.example.cn" {
			t.Errorf("came in TLS=%v auth=%v from %q", zh.TLS, zh.Authenticated, zh.From)
		}
		if to, err := zh.Header.AddressList("To"); err != nil || to[0].Name != "张伟" {
			t.Errorf("To %v %v", to, err)
		}
		if from, err := zh.Header.AddressList("From"); err != nil || from[0].Name != "营商通" {
			t.Errorf("From %v %v", from, err)
		}
		if date, err := zh.Header.Date(); err != nil || !date.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, calendar.Location())) {
			t.Errorf("Date %v %v", date, err)
		}
		var uid string
		if err := d.R.QueryRow(`SELECT uid FROM notify_deliveries WHERE channel = 'email' AND target_id = $1`, f.users["zhang.wei"]).Scan(&uid); err != nil {
			t.Fatal(err)
		}
		if got := zh.Header.Get("Message-ID"); got != "<"+uid+"@yingshang.example.cn>" {
			t.Errorf("Message-ID %q, want the delivery id", got)
		}
		en := byTo["li.na@fgw.changsha.gov.cn"]
		if !strings.HasPrefix(en.Subject, "[Yingshang] 诉求 ZQ20260302000001, this is a test notification") || !strings.Contains(en.Body, "Hello Li Na,") ||
			!strings.Contains(en.Body, "Details: https://yingshang.example.cn/appeals/ZQ20260302000001") {
			t.Errorf("English message: %q\n%s", en.Subject, en.Body)
		}
		rows := f.deliveries(notify.ChannelEmail)
		for _, name := range []string{"zhang.wei", "li.na"} {
			if r := rows[f.users[name]]; r.State != notify.StateDelivered || r.Attempts != 1 || !slices.Equal(r.Codes, []int{250}) {
				t.Errorf("%s delivery %+v", name, r)
			}
		}
		if len(rows) != 2 {
			t.Errorf("%d email deliveries recorded, want 2", len(rows))
		}
		if got := f.metric("yingshang_notify_sent_total", notify.ChannelEmail); got != 2 {
			t.Errorf("email sent metric %v", got)
		}
	})
}

func TestEmailRetriedWithBackoffWhileTheServerIsDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		mb := notifytest.StartSMTP(t, notifytest.SMTPOptions{})
		f := newFixture(t, d, nil)
		ctx := context.Background()
		// First the server is not there at all.
		down := &notifytest.Mailbox{Host: "127.0.0.1", Port: notifytest.ClosedPort(t)}
		f.useMailbox(down, notify.TLSNone, "", "")
		f.emit(notify.Event{Type: "appeal.dispatched", Key: "appeal:7:dispatched:1", UserIDs: []int64{f.users["zhang.wei"]},
			TitleKey: "notify.test.title", Args: map[string]any{"Name": "张伟"}, Link: "/appeals/ZQ20260302000007"})
		f.run()
		zhang := f.users["zhang.wei"]
		if r := f.deliveries(notify.ChannelEmail)[zhang]; r.State != notify.StateRetrying || !slices.Equal(r.Codes, []int{0}) {
			t.Fatalf("after a refused connection: %+v", r)
		}
		// Then it answers "try later".
		mb.Refuse(421, "4.3.2 Service not available, closing transmission channel")
		f.useMailbox(mb, notify.TLSNone, "", "")
		f.clock.Advance(time.Second)
		f.run() // backoff after attempt 1 is 2 s: not yet
		if r := f.deliveries(notify.ChannelEmail)[zhang]; len(r.Codes) != 1 {
			t.Fatalf("retried before the backoff passed: %+v", r)
		}
		f.clock.Advance(time.Second)
		f.run()
		if r := f.deliveries(notify.ChannelEmail)[zhang]; r.State != notify.StateRetrying || !slices.Equal(r.Codes, []int{0, 421}) {
			t.Fatalf("after 421: %+v", r)
		}
		f.clock.Advance(3 * time.Second) // backoff after attempt 2 is 4 s
		f.run()
		if r := f.deliveries(notify.ChannelEmail)[zhang]; len(r.Codes) != 2 {
			t.Fatalf("retried before the backoff passed: %+v", r)
		}
		mb.Accept()
		f.clock.Advance(time.Second)
		f.run()
		f.clock.Advance(time.Hour)
		f.run()
		if r := f.deliveries(notify.ChannelEmail)[zhang]; r.State != notify.StateDelivered || !slices.Equal(r.Codes, []int{0, 421, 250}) {
			t.Fatalf("after recovery: %+v", r)
		}
		if n := len(mb.Mails()); n != 1 {
			t.Fatalf("%d messages arrived, want 1", n)
		}
		if got := f.metric("yingshang_notify_failed_total", notify.ChannelEmail); got != 2 {
			t.Errorf("failed attempts metric %v, want 2", got)
		}
		ds, err := f.svc.ListDeliveries(ctx, admin, notify.DeliveryFilter{Channel: notify.ChannelEmail, WithAttempts: true})
		if err != nil || len(ds) != 1 || len(ds[0].Tries) != 3 || ds[0].Address != "zh***@fgw.changsha.gov.cn" {
			t.Fatalf("delivery log %+v %v", ds, err)
		}
	})
}

func TestEmailGivesUpAfterTheLastAttempt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		mb := notifytest.StartSMTP(t, notifytest.SMTPOptions{})
		mb.RefuseRecipients(550, "5.1.1 Mailbox does not exist")
		f := newFixture(t, d, nil)
		f.useMailbox(mb, notify.TLSNone, "", "")
		f.emit(notify.Event{Type: "appeal.replied", Key: "appeal:9:replied", UserIDs: []int64{f.users["li.na"]}, TitleKey: "notify.test.title"})
		for i := 0; i < notify.EmailAttempts+3; i++ {
			f.run()
			f.clock.Advance(time.Hour)
		}
		r := f.deliveries(notify.ChannelEmail)[f.users["li.na"]]
		if r.State != notify.StateFailed || r.Attempts != notify.EmailAttempts || len(r.Codes) != notify.EmailAttempts || r.Codes[0] != 550 {
			t.Fatalf("delivery %+v", r)
		}
		var state, lastErr string
		if err := d.R.QueryRow(`SELECT state, last_error FROM jobs WHERE kind = $1`, notify.KindEmail).Scan(&state, &lastErr); err != nil {
			t.Fatal(err)
		}
		if state != "failed" || !strings.Contains(lastErr, "550") {
			t.Errorf("job %s: %s", state, lastErr)
		}
		ds, err := f.svc.ListDeliveries(context.Background(), admin, notify.DeliveryFilter{Channel: notify.ChannelEmail, State: notify.StateFailed})
		if err != nil || len(ds) != 1 || !strings.Contains(ds[0].LastError, "Mailbox does not exist") || ds[0].LastCode != 550 {
			t.Fatalf("failed deliveries %+v %v", ds, err)
		}
		if got := f.metric("yingshang_notify_given_up_total", notify.ChannelEmail); got != 1 {
			t.Errorf("given-up metric %v", got)
		}
		if len(mb.Mails()) != 0 {
			t.Error("a refused message arrived")
		}
	})
}

// verify is what docs/webhooks.md tells receivers to do.
func verify(secret string, r notifytest.Request, now time.Time) error {
	ts := r.Header.Get("X-Yingshang-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return errors.New("stale or missing timestamp")
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(r.Body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Yingshang-Signature"))) {
		return errors.New("bad signature")
	}
	return nil
}

func TestWebhookIsSignedAndRetriedUntilDelivered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, nil)
		rc := notifytest.StartReceiver(t)
		rc.Respond(http.StatusInternalServerError)
		f.allowPrivate(true)
		h, secret := f.webhook(rc.URL, []string{"appeal.*"}, 0)
		if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
			t.Fatalf("secret %q", secret)
		}
		f.emit(overdue("appeal:1:overdue:handle:1772947800", f.org))
		t0 := f.clock.Now()
		f.run()
		f.run() // not due: the backoff after the 500
		if n := len(rc.Requests()); n != 1 {
			t.Fatalf("%d requests before the backoff passed, want 1", n)
		}
		f.clock.Advance(2 * time.Second)
		f.run()
		f.clock.Advance(time.Hour)
		f.run()
		reqs := rc.Requests()
		if len(reqs) != 2 || reqs[0].Status != 500 || reqs[1].Status != 200 {
			t.Fatalf("requests %+v", reqs)
		}
		for i, r := range reqs {
			sent := t0.Add(time.Duration(i) * 2 * time.Second)
			if err := verify(secret, r, sent); err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			if err := verify("whsec_someone_else", r, sent); err == nil {
				t.Errorf("request %d verifies with another secret", i)
			}
			if err := verify(secret, r, sent.Add(10*time.Minute)); err == nil {
				t.Errorf("request %d verifies when replayed ten minutes later", i)
			}
			if r.Header.Get("X-Yingshang-Event") != "appeal.overdue" || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("request %d headers %v", i, r.Header)
			}
		}
		var body struct {
			ID        string          `json:"id"`
			Type      string          `json:"type"`
			CreatedAt time.Time       `json:"created_at"`
			Data      map[string]any  `json:"data"`
			Extra     json.RawMessage `json:"extra"`
		}
		if err := json.Unmarshal(reqs[1].Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.ID == "" || body.ID != reqs[0].Header.Get("X-Yingshang-Delivery") || body.ID != reqs[1].Header.Get("X-Yingshang-Delivery") {
			t.Errorf("delivery id %q not stable across retries (%q, %q)", body.ID, reqs[0].Header.Get("X-Yingshang-Delivery"), reqs[1].Header.Get("X-Yingshang-Delivery"))
		}
		if body.Type != "appeal.overdue" || body.Data["number"] != "ZQ20260302000001" || !body.CreatedAt.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, calendar.Location())) {
			t.Errorf("body %+v", body)
		}
		if reqs[0].Header.Get("X-Yingshang-Timestamp") == reqs[1].Header.Get("X-Yingshang-Timestamp") {
			t.Error("a retry carries the first attempt's timestamp")
		}
		r := f.deliveries(notify.ChannelWebhook)[h.ID]
		if r.State != notify.StateDelivered || !slices.Equal(r.Codes, []int{500, 200}) {
			t.Errorf("delivery %+v", r)
		}
		got, err := f.svc.GetWebhook(context.Background(), admin, h.ID)
		if err != nil || got.LastState != notify.StateDelivered || got.LastCode != 200 {
			t.Errorf("last delivery %+v %v", got, err)
		}
		if f.metric("yingshang_notify_sent_total", notify.ChannelWebhook) != 1 || f.metric("yingshang_notify_failed_total", notify.ChannelWebhook) != 1 {
			t.Error("webhook metrics")
		}
	})
}

// Two processes (each its own connections, queue and service) sweep the same deadlines,
// emit the same events and work the same queue: every event reaches the receiver once.
func TestTwoProcessesDeliverEachEventOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, nil)
		url := d.URL
		if d.Engine == db.SQLite {
			url = "sqlite:" + d.Path
		}
		d2, err := db.Open(ctx, db.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		defer d2.Close()
		q2 := jobs.New(d2, jobs.Options{Now: f.clock.Now, Logger: quiet})
		svc2 := f.service(d2, q2, nil, nil)
		mb := notifytest.StartSMTP(t, notifytest.SMTPOptions{})
		f.useMailbox(mb, notify.TLSNone, "", "")
		rc := notifytest.StartReceiver(t)
		f.allowPrivate(true)
		f.webhook(rc.URL, []string{"*"}, 0)
		const events = 12
		var wg sync.WaitGroup
		errs := make(chan error, 2*events)
		for _, s := range []*notify.Service{f.svc, svc2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < events; i++ {
					e := overdue(fmt.Sprintf("appeal:%d:overdue:handle:1772947800", i), f.org)
					e.Roles, e.OrgIDs, e.UserIDs = nil, nil, []int64{f.users["zhang.wei"]}
					errs <- s.Emit(ctx, e)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for round := 0; round < 3; round++ {
			var wg sync.WaitGroup
			for _, q := range []*jobs.Queue{f.q, q2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := q.RunOnce(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			f.clock.Advance(time.Hour)
		}
		perEvent := map[string]int{}
		perDelivery := map[string]int{}
		for _, r := range rc.Requests() {
			var b notify.WebhookBody
			if err := json.Unmarshal(r.Body, &b); err != nil {
				t.Fatal(err)
			}
			var data map[string]any
			_ = json.Unmarshal(b.Data, &data)
			perEvent[fmt.Sprint(data["number"], b.ID)]++
			perDelivery[b.ID]++
		}
		if len(perDelivery) != events {
			t.Errorf("%d deliveries reached the receiver, want %d", len(perDelivery), events)
		}
		for id, n := range perDelivery {
			if n != 1 {
				t.Errorf("delivery %s arrived %d times", id, n)
			}
		}
		if n := len(mb.Mails()); n != events {
			t.Errorf("%d emails, want %d", n, events)
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = $1`, f.users["zhang.wei"]); n != events {
			t.Errorf("%d in-app messages, want %d", n, events)
		}
	})
}

func TestWebhookAddressPolicy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, nil)
		rc := notifytest.StartReceiver(t)
		_, _, err := f.svc.CreateWebhook(ctx, admin, notify.WebhookInput{URL: rc.URL, Events: []string{"appeal.*"}})
		if e, ok := apperr.As(err); !ok || !errors.Is(err, apperr.ErrInvalid) || e.Fields[0].Field != "url" || e.Fields[0].Key != "notify.error.url_private" {
			t.Fatalf("a loopback receiver was accepted with private addresses refused: %v", err)
		}
		_, _, err = f.svc.CreateWebhook(ctx, admin, notify.WebhookInput{URL: "https://hooks.example.cn/in", Events: []string{"Appeal Overdue"}, OrgID: 999999})
		if e, ok := apperr.As(err); !ok || len(e.Fields) != 2 {
			t.Fatalf("bad pattern and unknown organisation: %v", err)
		}
		f.allowPrivate(true)
		h, _ := f.webhook(rc.URL, []string{"appeal.*"}, 0)
		f.allowPrivate(false) // the administrator changes their mind: nothing goes out
		f.emit(overdue("appeal:1:overdue", f.org))
		f.run()
		if n := len(rc.Requests()); n != 0 {
			t.Fatalf("%d requests reached a private address", n)
		}
		var lastErr string
		if err := d.R.QueryRow(`SELECT last_error FROM notify_deliveries WHERE webhook_id = $1`, h.ID).Scan(&lastErr); err != nil || !strings.Contains(lastErr, "private address") {
			t.Fatalf("last error %q %v", lastErr, err)
		}
	})
}

func TestWebhookPatternsScopeAndState(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, nil)
		f.allowPrivate(true)
		appeals, mediation, court, off, gone := notifytest.StartReceiver(t), notifytest.StartReceiver(t), notifytest.StartReceiver(t), notifytest.StartReceiver(t), notifytest.StartReceiver(t)
		f.webhook(appeals.URL, []string{"appeal.*"}, 0)
		f.webhook(mediation.URL, []string{"mediation.referred", "mediation.closed"}, 0)
		f.webhook(court.URL, []string{"*"}, f.other)
		hOff, _ := f.webhook(off.URL, []string{"appeal.overdue"}, 0)
		hGone, _ := f.webhook(gone.URL, []string{"appeal.overdue"}, 0)
		f.emit(overdue("appeal:1:overdue", f.org))
		// Disabled or deleted before the queue got to them: nothing is sent.
		if _, err := f.svc.SetWebhookActive(ctx, admin, hOff.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteWebhook(ctx, admin, hGone.ID); err != nil {
			t.Fatal(err)
		}
		f.emit(notify.Event{Type: "mediation.referred", Key: "mediation:3:referred", OrgIDs: []int64{f.other}, TitleKey: "notify.test.title"})
		f.emit(notify.Event{Type: "mediation.session", Key: "mediation:3:session:1", OrgIDs: []int64{f.org}, TitleKey: "notify.test.title"})
		f.run()
		got := map[string][]string{}
		for name, rc := range map[string]*notifytest.Receiver{"appeals": appeals, "mediation": mediation, "court": court, "off": off, "gone": gone} {
			for _, r := range rc.Requests() {
				got[name] = append(got[name], r.Header.Get("X-Yingshang-Event"))
			}
		}
		want := map[string][]string{"appeals": {"appeal.overdue"}, "mediation": {"mediation.referred"}, "court": {"mediation.referred"}}
		for name, w := range want {
			if !slices.Equal(got[name], w) {
				t.Errorf("%s received %v, want %v", name, got[name], w)
			}
		}
		if len(got["off"])+len(got["gone"]) != 0 {
			t.Errorf("disabled/deleted subscriptions received %v %v", got["off"], got["gone"])
		}
		if r := f.deliveries(notify.ChannelWebhook)[hOff.ID]; r.State != notify.StateCancelled || len(r.Codes) != 0 {
			t.Errorf("disabled subscription's delivery %+v", r)
		}
		if n := f.count(`SELECT COUNT(*) FROM notify_deliveries WHERE target_id = $1 AND channel = 'webhook'`, hGone.ID); n != 0 {
			t.Errorf("deleted subscription kept %d deliveries", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state <> 'done'`, notify.KindWebhook); n != 0 {
			t.Errorf("%d webhook jobs not done", n)
		}
	})
}

func TestPruneKeepsThirtyDaysOfDeliveries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, nil)
		f.allowPrivate(true)
		rc := notifytest.StartReceiver(t)
		f.webhook(rc.URL, []string{"*"}, 0)
		f.emit(overdue("appeal:1:overdue", f.org))
		f.run()
		f.clock.Advance(29 * 24 * time.Hour)
		f.emit(overdue("appeal:2:overdue", f.org))
		f.run()
		f.clock.Advance(2 * 24 * time.Hour)
		if _, err := f.svc.Prune(ctx); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT COUNT(*) FROM notify_deliveries`); n != 1 {
			t.Errorf("%d deliveries after 31 days, want the newer one", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM notify_attempts`); n != 1 {
			t.Errorf("%d attempts after 31 days", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM notify_events WHERE payload = '{}' AND args = '{}'`); n != 1 {
			t.Errorf("%d events cleared, want the older one", n)
		}
		f.emit(overdue("appeal:1:overdue", f.org)) // still remembered: no second delivery
		f.run()
		if n := len(rc.Requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
		f.clock.Advance(notify.EventRetention)
		if _, err := f.svc.Prune(ctx); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT COUNT(*) FROM notify_events`); n != 0 {
			t.Errorf("%d events kept past the retention", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications`); n == 0 {
			t.Error("the clean-up removed in-app messages")
		}
	})
}

func TestSettingsAndPreferences(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, nil)
		fields := func(err error) []string {
			e, ok := apperr.As(err)
			if !ok || !errors.Is(err, apperr.ErrInvalid) {
				t.Fatalf("want a validation error, got %v", err)
			}
			var out []string
			for _, fe := range e.Fields {
				out = append(out, fe.Field)
			}
			slices.Sort(out)
			return out
		}
		err := f.svc.SaveSettings(ctx, admin, notify.SettingsInput{SMTP: notify.SMTPConfig{Host: "smtp.example.cn", Port: 70000, From: "nobody", TLS: "ssl"}})
		if got := fields(err); !slices.Equal(got, []string{"smtp_from", "smtp_port", "smtp_tls"}) {
			t.Errorf("fields %v", got)
		}
		err = f.svc.SaveSettings(ctx, admin, notify.SettingsInput{SMTP: notify.SMTPConfig{Host: "smtp.example.cn", Username: "u", Password: "p", From: "a@example.cn", TLS: notify.TLSNone}})
		if got := fields(err); !slices.Equal(got, []string{"smtp_tls"}) {
			t.Errorf("plain password: fields %v", got)
		}
		save := func(in notify.SettingsInput) notify.SettingsView {
			t.Helper()
			if err := f.svc.SaveSettings(ctx, admin, in); err != nil {
				t.Fatal(err)
			}
			v, err := f.svc.Settings(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		v := save(notify.SettingsInput{SMTP: notify.SMTPConfig{Host: "smtp.example.cn", Username: "mailer", Password: "S3cret!", From: "a@example.cn"}})
		if !v.PasswordSet || v.SMTP.Password != "" || v.SMTP.Port != 587 || v.SMTP.TLS != notify.TLSStartTLS {
			t.Errorf("view %+v", v)
		}
		v = save(notify.SettingsInput{SMTP: notify.SMTPConfig{Host: "smtp.example.cn", Username: "mailer", From: "a@example.cn"}})
		if !v.PasswordSet {
			t.Error("an empty password field dropped the saved password")
		}
		var raw string
		_ = d.R.QueryRow(`SELECT value FROM settings WHERE key = 'notify.settings'`).Scan(&raw)
		if !strings.Contains(raw, "S3cret!") {
			t.Error("the password was not kept")
		}
		var summary string
		_ = d.R.QueryRow(`SELECT summary FROM audit_log WHERE action = 'notify.settings' ORDER BY id DESC LIMIT 1`).Scan(&summary)
		if summary == "" || strings.Contains(summary, "S3cret!") {
			t.Errorf("audit summary %q", summary)
		}
		if v = save(notify.SettingsInput{SMTP: notify.SMTPConfig{Host: "smtp.example.cn", From: "a@example.cn"}, ClearPassword: true}); v.PasswordSet {
			t.Error("the password was not cleared")
		}
		// The command line wins over the page.
		env, err := notify.NewService(d, notify.Options{Now: f.clock.Now, Audit: audit.New(d, f.clock.Now), Logger: quiet,
			SMTPURL: "smtp://relay.example.cn:2525?from=noreply@example.cn&tls=starttls"})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := env.Settings(ctx, admin)
		if err != nil || !ev.FromEnv || ev.Effective.Host != "relay.example.cn" || ev.SMTP.Host != "smtp.example.cn" {
			t.Errorf("env view %+v %v", ev, err)
		}
		if _, err := notify.NewService(d, notify.Options{SMTPURL: "smtp://relay.example.cn"}); err == nil {
			t.Error("an SMTP URL without a sender was accepted")
		}
		if _, err := notify.NewService(d, notify.Options{BaseURL: "yingshang.example.cn"}); err == nil {
			t.Error("a base URL without a scheme was accepted")
		}
		// Only the system administrator manages notifications.
		op := f.actor("zhang.wei")
		op.Roles = []auth.Role{auth.RoleDepartment}
		if _, err := f.svc.Settings(ctx, op); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("department reads settings: %v", err)
		}
		if _, _, err := f.svc.ListWebhooks(ctx, op, notify.WebhookFilter{}); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("department lists webhooks: %v", err)
		}
		if _, err := f.svc.GetWebhook(ctx, admin, 424242); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("unknown webhook: %v", err)
		}
		// Everyone sets their own address and preference.
		if got := fields(f.svc.SetPrefs(ctx, op, notify.Prefs{Email: "张伟 <zw@example.cn>", EmailNotify: true})); !slices.Equal(got, []string{"email"}) {
			t.Errorf("fields %v", got)
		}
		if err := f.svc.SetPrefs(ctx, op, notify.Prefs{Email: " zw@example.cn ", EmailNotify: false}); err != nil {
			t.Fatal(err)
		}
		if p, err := f.svc.Prefs(ctx, op); err != nil || p.Email != "zw@example.cn" || p.EmailNotify {
			t.Errorf("prefs %+v %v", p, err)
		}
	})
}
