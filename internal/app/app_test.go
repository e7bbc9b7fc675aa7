package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"yingshang/internal/app/apptest"
	"yingshang/internal/auth"
)

func mustContain(t *testing.T, r *apptest.Response, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.Body, w) {
			t.Errorf("response (%d) lacks %q", r.Status, w)
		}
	}
}

func addUser(t *testing.T, e *apptest.Env, name string, roles ...auth.Role) {
	t.Helper()
	a := auth.CLI()
	org, err := e.App.Directory.OrgByName(context.Background(), a, "长沙市工商业联合会")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Auth.CreateUser(context.Background(), a, auth.NewUser{Username: name, DisplayName: name, OrgID: org.ID,
		Password: apptest.AdminPassword, Roles: roles}); err != nil {
		t.Fatal(err)
	}
}

func TestAdminSignsInWithSecondFactorAndManagesUsers(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		if r := c.Get("/admin/users"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("anonymous admin page: %d %s", r.Status, r.Header.Get("Location"))
		}
		c.Login("admin", apptest.AdminPassword)
		r := c.Get("/admin/users")
		if r.Status != http.StatusOK {
			t.Fatalf("admin users: %d", r.Status)
		}
		mustContain(t, r, "用户管理", "admin", "系统管理员")
		// A refused form keeps what was typed and says what is wrong, next to the field.
		r = c.PostForm("/admin/users", url.Values{"username": {"zhang.wei"}, "display_name": {"张伟"}, "org": {"长沙市工商业联合会"},
			"phone": {"12345"}, "password": {"Changsha@2026"}, "roles": {"operator"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %d", r.Status)
		}
		mustContain(t, r, `value="zhang.wei"`, `value="张伟"`, "手机号应为 11 位")
		r = c.PostForm("/admin/users", url.Values{"username": {"zhang.wei"}, "display_name": {"张伟"}, "org": {"长沙市工商业联合会"},
			"phone": {"13812345678"}, "password": {"Changsha@2026"}, "roles": {"operator"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create user: %d %s", r.Status, r.Body)
		}
		// The admin may not make an auditor: separation of duties.
		r = c.PostForm("/admin/users", url.Values{"username": {"li.na"}, "display_name": {"李娜"}, "org": {"长沙市工商业联合会"},
			"password": {"Changsha@2026"}, "roles": {"auditor"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("admin granting auditor: %d", r.Status)
		}
		mustContain(t, r, "三员分立", "安全管理员")
	})
}

func TestOtherRolesCannotOpenAdministration(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		addUser(t, e, "analyst.a", auth.RoleAnalyst)
		c := e.Client()
		c.Login("analyst.a", apptest.AdminPassword)
		for _, p := range []string{"/admin/users", "/admin/users/1", "/admin/policy", "/audit", "/audit/export.xlsx", "/admin/users/export.xlsx"} {
			if r := c.Get(p); r.Status != http.StatusForbidden {
				t.Errorf("analyst GET %s: %d, want 403", p, r.Status)
			}
		}
		if r := c.PostForm("/admin/users/1/roles", url.Values{"roles": {"admin"}}); r.Status != http.StatusForbidden {
			t.Errorf("analyst changing roles: %d", r.Status)
		}
		if r := c.Get("/"); r.Status != http.StatusOK {
			t.Errorf("home: %d", r.Status)
		}
	})
}

func TestAuditorReadsTheLogOnly(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		addUser(t, e, "audit.a", auth.RoleAuditor)
		c := e.Client()
		c.Login("audit.a", apptest.AdminPassword)
		r := c.Get("/audit?action=user.")
		if r.Status != http.StatusOK {
			t.Fatalf("audit log: %d", r.Status)
		}
		mustContain(t, r, "user.create", "audit.a")
		r = c.PostForm("/audit/verify", nil)
		mustContain(t, r, "哈希链完整")
		if r := c.Get("/admin/users"); r.Status != http.StatusForbidden {
			t.Errorf("auditor on users: %d", r.Status)
		}
		x := c.Get("/audit/export.xlsx")
		if x.Status != http.StatusOK || !strings.HasPrefix(x.Body, "PK") {
			t.Errorf("export: %d", x.Status)
		}
	})
}

func TestLanguageSwitchAndLogout(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		addUser(t, e, "bank.a", auth.RoleBank)
		c := e.Client()
		c.Login("bank.a", apptest.AdminPassword)
		mustContain(t, c.Get("/account"), "我的账户")
		if r := c.Get("/lang/en?next=/account"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
			t.Fatalf("switch: %d %s", r.Status, r.Header.Get("Location"))
		}
		mustContain(t, c.Get("/account"), "My account", `lang="en"`)
		// The choice is the user's: a new session comes back in English.
		c2 := e.Client()
		c2.Login("bank.a", apptest.AdminPassword)
		mustContain(t, c2.Get("/account"), "My account")
		if r := c.PostForm("/logout", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.Status)
		}
		if r := c.Get("/account"); r.Status != http.StatusSeeOther {
			t.Fatalf("after logout: %d, want a redirect to sign in", r.Status)
		}
	})
}

func TestWrongPasswordIsLocalisedAndDoesNotEnumerate(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		a := c.PostForm("/login", url.Values{"username": {"admin"}, "password": {"nope"}})
		b := c.PostForm("/login", url.Values{"username": {"nobody"}, "password": {"nope"}})
		if a.Status != http.StatusUnauthorized || b.Status != http.StatusUnauthorized {
			t.Fatalf("statuses %d %d", a.Status, b.Status)
		}
		mustContain(t, a, "用户名或密码错误", `value="admin"`)
		mustContain(t, b, "用户名或密码错误")
	})
}

func TestSecurityHeadersAndCrossOrigin(t *testing.T) {
	e := apptest.New(t, "sqlite", apptest.Options{})
	c := e.Client()
	r := c.Get("/login")
	for h, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "strict-origin-when-cross-origin",
	} {
		if !strings.Contains(r.Header.Get(h), want) {
			t.Errorf("%s = %q, want %q", h, r.Header.Get(h), want)
		}
	}
	if strings.Contains(r.Header.Get("Content-Security-Policy"), "unsafe-inline") {
		t.Error("CSP allows inline code")
	}
	bad := c.Do("POST", "/login", strings.NewReader("username=admin&password=x"), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}})
	if bad.Status != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d, want 403", bad.Status)
	}
}

func TestOpsEndpoints(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		if r := c.Get("/healthz"); r.Status != 200 {
			t.Errorf("healthz %d", r.Status)
		}
		if r := c.Get("/readyz"); r.Status != 200 || !strings.Contains(r.Body, "ready") {
			t.Errorf("readyz %d %s", r.Status, r.Body)
		}
		c.Get("/login")
		m := c.Get("/metrics")
		for _, want := range []string{`yingshang_http_requests_total{method="GET",route="GET /login",status="200"}`, "go_sql_open_connections", "yingshang_jobs_pending"} {
			if !strings.Contains(m.Body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}
