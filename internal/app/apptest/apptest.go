// Package apptest runs the whole application for tests: a fresh database on each engine,
// the real HTTP handler behind httptest, a controllable clock, and clients that sign in
// (passing the TOTP second factor the way an authenticator app would).
package apptest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"yingshang/internal/app"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/demo"
	"yingshang/internal/demo/citydata"
)

// AdminPassword is the bootstrap admin's password in tests.
const AdminPassword = "Yingshang@Test2026"

// DemoPassword is every demo user's password.
const DemoPassword = citydata.DemoPassword

// Env is a running application.
type Env struct {
	App    *app.App
	Server *httptest.Server
	Clock  *calendar.TestClock
	Demo   *demo.Loaded
	t      testing.TB
}

// Options choose what the environment holds.
type Options struct {
	// Demo loads the demo city with this many enterprises (0: no demo city).
	Demo int
	// Start is the clock's start (default 2026-03-02 09:30 Asia/Shanghai, a Monday).
	Start time.Time
}

// Each runs fn on a fresh environment of every engine.
func Each(t *testing.T, o Options, fn func(t *testing.T, e *Env)) {
	t.Helper()
	for _, eng := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(eng), func(t *testing.T) { fn(t, New(t, eng, o)) })
	}
}

// New starts an application on a fresh database of engine.
func New(t testing.TB, engine db.Engine, o Options) *Env {
	t.Helper()
	ctx := context.Background()
	start := o.Start
	if start.IsZero() {
		start = time.Date(2026, 3, 2, 9, 30, 0, 0, calendar.Location())
	}
	clock := calendar.NewTestClock(start)
	cfg := app.Config{DataDir: t.TempDir(), LogOutput: io.Discard, LogLevel: slog.LevelError, Clock: clock, BcryptCost: 4}
	if engine == db.Postgres {
		cfg.DBURL = dbtest.NewPostgresSchema(t)
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	if _, _, err := a.Bootstrap(ctx, AdminPassword); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	e := &Env{App: a, Clock: clock, t: t}
	if o.Demo > 0 {
		_, l, err := a.LoadDemo(ctx, demo.Options{Seed: 1, Enterprises: o.Demo})
		if err != nil {
			t.Fatalf("demo: %v", err)
		}
		e.Demo = l
	}
	e.Server = httptest.NewServer(a.Handler())
	t.Cleanup(e.Server.Close)
	return e
}

// RunJobs drains the job queue (deadline sweeps, notifications) deterministically.
func (e *Env) RunJobs() int {
	e.t.Helper()
	n, err := e.App.Jobs.RunOnce(context.Background())
	if err != nil {
		e.t.Fatalf("run jobs: %v", err)
	}
	return n
}

// Token creates an API token for username with scopes.
func (e *Env) Token(username string, scopes ...string) string {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.App.Auth.UserByUsername(ctx, auth.CLI(), username)
	if err != nil {
		e.t.Fatalf("token for %s: %v", username, err)
	}
	if len(scopes) == 0 {
		scopes = []string{"write"}
	}
	plain, _, err := e.App.Auth.CreateToken(ctx, auth.CLI(), u.ID, "test", scopes, time.Time{})
	if err != nil {
		e.t.Fatalf("token for %s: %v", username, err)
	}
	return plain
}

// Actor returns the service-layer actor of a user, for calling services directly.
func (e *Env) Actor(username string) auth.Actor {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.App.Auth.UserByUsername(ctx, auth.CLI(), username)
	if err != nil {
		e.t.Fatalf("actor %s: %v", username, err)
	}
	return auth.Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, OrgID: u.OrgID, OrgKind: u.OrgKind,
		OrgName: u.OrgName, Roles: u.Roles, Lang: u.Lang, Via: "session"}
}

// Client is a browser-like HTTP client with cookies.
type Client struct {
	env *Env
	t   testing.TB
	hc  *http.Client
	// Token, when set, is sent as a bearer token.
	Token string
	// Lang is sent as Accept-Language.
	Lang string
}

// Client returns a client without a session.
func (e *Env) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{env: e, t: e.t, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// APIClient returns a client that authenticates with a fresh token of username.
func (e *Env) APIClient(username string, scopes ...string) *Client {
	c := e.Client()
	c.Token = e.Token(username, scopes...)
	return c
}

// Response is a read response.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// Do sends a request.
func (c *Client) Do(method, path string, body io.Reader, header http.Header) *Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.env.Server.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Lang != "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	checkOpenAPI(c.t, req, resp.StatusCode, resp.Header, b)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// Get fetches path.
func (c *Client) Get(path string) *Response { return c.Do("GET", path, nil, nil) }

// PostForm posts a urlencoded form.
func (c *Client) PostForm(path string, v url.Values) *Response {
	return c.Do("POST", path, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// PostJSON posts a JSON body.
func (c *Client) PostJSON(path string, v any, header ...string) *Response {
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return c.Do("POST", path, strings.NewReader(string(b)), h)
}

var secretRE = regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`)

var mfaMu sync.Mutex

// Login signs in through the login page, enrolling or passing the second factor when the
// role asks for it. It fails the test when the user does not end up signed in.
func (c *Client) Login(username, password string) {
	c.t.Helper()
	r := c.PostForm("/login", url.Values{"username": {username}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d: %s", username, r.Status, snippet(r.Body))
	}
	loc := r.Header.Get("Location")
	if strings.HasPrefix(loc, "/login/mfa") {
		page := c.Get("/login/mfa")
		secret := ""
		if m := secretRE.FindStringSubmatch(page.Body); m != nil {
			secret = m[1]
		} else {
			s, err := c.env.App.Auth.TOTPSecretForTest(context.Background(), username)
			if err != nil {
				c.t.Fatal(err)
			}
			secret = s
		}
		// A code is good once (replay protection): a user signing in again within the same
		// 30-second step uses the next step's code, which the server's drift window
		// accepts, and failing that the test clock moves on to a fresh step.
		mfaMu.Lock()
		defer mfaMu.Unlock()
		for attempt := 0; ; attempt++ {
			at := c.env.Clock.Now().Add(time.Duration(attempt%2) * 30 * time.Second)
			code, err := totp.GenerateCode(secret, at)
			if err != nil {
				c.t.Fatal(err)
			}
			r = c.PostForm("/login/mfa", url.Values{"code": {code}})
			if r.Status == http.StatusSeeOther {
				break
			}
			if attempt >= 3 {
				c.t.Fatalf("mfa %s: status %d: %s", username, r.Status, snippet(r.Body))
			}
			if attempt == 1 {
				c.env.Clock.Advance(30 * time.Second)
			}
		}
		loc = r.Header.Get("Location")
	}
	if loc == "/account/password" {
		return // the caller decides what to do with an expired password
	}
}

func snippet(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}
