package notify

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestMatchPattern(t *testing.T) {
	cases := []struct {
		pattern, typ string
		want         bool
	}{
		{"*", "appeal.overdue", true},
		{"appeal.*", "appeal.overdue", true},
		{"appeal.*", "appeal.sla.warning", true},
		{"appeal.*", "appeals.overdue", false},
		{"appeal.*", "appeal", false},
		{"appeal.overdue", "appeal.overdue", true},
		{"appeal.overdue", "appeal.overdue_soon", false},
		{"mediation.*", "appeal.overdue", false},
	}
	for _, c := range cases {
		if got := matchPattern(c.pattern, c.typ); got != c.want {
			t.Errorf("matchPattern(%q, %q) = %v, want %v", c.pattern, c.typ, got, c.want)
		}
	}
}

func TestWebhookURLPolicy(t *testing.T) {
	cases := []struct {
		url          string
		allowPrivate bool
		want         string
	}{
		{"https://hooks.example.cn/yingshang", false, ""},
		{"http://203.0.113.7:8080/in", false, ""},
		{"http://127.0.0.1:9000/in", false, "notify.error.url_private"},
		{"http://127.0.0.1:9000/in", true, ""},
		{"http://localhost/in", false, "notify.error.url_private"},
		{"http://api.localhost/in", false, "notify.error.url_private"},
		{"http://10.1.2.3/in", false, "notify.error.url_private"},
		{"http://172.16.0.1/in", false, "notify.error.url_private"},
		{"http://192.168.1.10/in", false, "notify.error.url_private"},
		{"http://169.254.169.254/latest/meta-data", false, "notify.error.url_private"},
		{"http://100.64.0.1/in", false, "notify.error.url_private"},
		{"http://0.0.0.0/in", false, "notify.error.url_private"},
		{"http://[::1]/in", false, "notify.error.url_private"},
		{"http://[fd00::1]/in", false, "notify.error.url_private"},
		{"http://[::ffff:127.0.0.1]/in", false, "notify.error.url_private"},
		{"ftp://hooks.example.cn/in", false, "notify.error.url"},
		{"file:///etc/passwd", true, "notify.error.url"},
		{"hooks.example.cn/in", false, "notify.error.url"},
		{"https://user:pw@hooks.example.cn/in", true, "notify.error.url_userinfo"},
		{"https://" + strings.Repeat("a", 2000) + ".cn/", false, "notify.error.url"},
	}
	for _, c := range cases {
		if got := checkWebhookURL(c.url, c.allowPrivate); got != c.want {
			t.Errorf("checkWebhookURL(%q, %v) = %q, want %q", c.url, c.allowPrivate, got, c.want)
		}
	}
}

// The guard sits in the dialer, after name resolution: "localhost" is refused by the
// address it resolves to, which catches DNS names pointing inside as well.
func TestGuardedClientRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL, "http://localhost" + port} {
		resp, err := webhookClient(true).Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("guarded client reached %s", u)
		}
		if !errors.Is(err, errPrivateAddress) {
			t.Errorf("%s: %v, want the private-address refusal", u, err)
		}
	}
	resp, err := webhookClient(false).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("open client: %v", err)
	}
	resp.Body.Close()
	for _, a := range []string{"8.8.8.8", "2001:4860:4860::8888"} {
		if !publicAddr(netip.MustParseAddr(a)) {
			t.Errorf("%s should be public", a)
		}
	}
}

func TestParseSMTPURL(t *testing.T) {
	cases := []struct {
		in   string
		want SMTPConfig
		bad  bool
	}{
		{in: "smtp://mailer:p%40ss@smtp.example.cn:2525?from=noreply@example.cn&tls=starttls",
			want: SMTPConfig{Host: "smtp.example.cn", Port: 2525, Username: "mailer", Password: "p@ss", From: "noreply@example.cn", TLS: TLSStartTLS}},
		{in: "smtp://smtp.example.cn?from=noreply@example.cn",
			want: SMTPConfig{Host: "smtp.example.cn", Port: 587, From: "noreply@example.cn", TLS: TLSStartTLS}},
		{in: "smtps://u:p@smtp.example.cn?from=noreply@example.cn",
			want: SMTPConfig{Host: "smtp.example.cn", Port: 465, Username: "u", Password: "p", From: "noreply@example.cn", TLS: TLSImplicit}},
		{in: "smtp://127.0.0.1:25?from=noreply@example.cn&tls=none",
			want: SMTPConfig{Host: "127.0.0.1", Port: 25, From: "noreply@example.cn", TLS: TLSNone}},
		{in: "smtp://smtp.example.cn?from=%E8%90%A5%E5%95%86%E9%80%9A+%3Cnoreply@example.cn%3E",
			want: SMTPConfig{Host: "smtp.example.cn", Port: 587, From: "营商通 <noreply@example.cn>", TLS: TLSStartTLS}},
		{in: "http://smtp.example.cn?from=a@b.cn", bad: true},
		{in: "smtp://smtp.example.cn", bad: true},                                // no sender
		{in: "smtp://smtp.example.cn?from=a@b.cn&tls=ssl", bad: true},            // unknown mode
		{in: "smtp://u:p@smtp.example.cn?from=a@b.cn&tls=none", bad: true},       // password in clear to another host
		{in: "smtp://smtp.example.cn:99999?from=a@b.cn", bad: true},              // port
		{in: "smtp://?from=a@b.cn", bad: true},                                   // host
		{in: "smtp://smtp.example.cn?from=not-an-address", bad: true},            // sender
		{in: "smtp://u:secret@smtp.example.cn?from=a@b.cn&tls=bogus", bad: true}, // and the error hides the password
	}
	for _, c := range cases {
		got, err := ParseSMTPURL(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("ParseSMTPURL(%q) accepted %+v", c.in, got)
			} else if strings.Contains(err.Error(), "secret") {
				t.Errorf("ParseSMTPURL(%q) error shows the password: %v", c.in, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestMessageEncoding(t *testing.T) {
	m := mailMessage{
		ID:      "8f1c7a52-0c7e-4b6e-9d1a-3c2b1a0f9e8d@example.cn",
		Date:    time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC),
		From:    mail.Address{Name: "营商通", Address: "noreply@example.cn"},
		To:      mail.Address{Name: "张伟", Address: "zhang.wei@example.cn"},
		Subject: "【营商通】诉求 ZQ20260302000001 已超期\r\nBcc: evil@example.com",
		Body:    "张伟，您好：\n\n" + strings.Repeat("长", 100) + "\n",
		Event:   "appeal.overdue",
	}
	raw := m.bytes()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("Date"); got != "Mon, 02 Mar 2026 09:30:00 +0800" {
		t.Errorf("Date %q", got)
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date does not parse: %v", err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subj != m.Subject {
		t.Errorf("Subject decodes to %q (%v)", subj, err)
	}
	if msg.Header.Get("Bcc") != "" {
		t.Error("a line break in the subject became a header")
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "张伟" || to[0].Address != "zhang.wei@example.cn" {
		t.Errorf("To %v (%v)", to, err)
	}
	for k, want := range map[string]string{"Message-ID": "<" + m.ID + ">", "MIME-Version": "1.0",
		"Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "base64", "X-Yingshang-Event": "appeal.overdue"} {
		if got := msg.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d octets", len(line))
		}
		for _, b := range []byte(line) {
			if b > 127 {
				t.Fatalf("8-bit octet in %q", line)
			}
		}
	}
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{"zhang.wei@example.cn": "zh***@example.cn", "li@x.cn": "l***@x.cn", "a@x.cn": "a***@x.cn", "张伟@例子.中国": "张***@例子.中国", "wang.xiaoyan@x.cn": "wa***@x.cn"} {
		if got := maskEmail(in); got != want {
			t.Errorf("maskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignIsHMACOfTimestampAndBody(t *testing.T) {
	// Fixed vector: printf '1772415000.{"id":"x"}' | openssl dgst -sha256 -hmac whsec_test
	got := Sign("whsec_test", "1772415000", []byte(`{"id":"x"}`))
	if got != "sha256=b25569fcbc9d7efa089f35bda6acf4620d977a590520a5341a82135cc8230354" {
		t.Fatalf("signature %q", got)
	}
	if Sign("whsec_test", "1772415001", []byte(`{"id":"x"}`)) == got || Sign("whsec_other", "1772415000", []byte(`{"id":"x"}`)) == got {
		t.Error("the signature ignores the timestamp or the secret")
	}
}
