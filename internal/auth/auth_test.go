package auth_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T, d *db.DB) (*auth.Service, *clock, int64) {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	var org int64
	if err := d.W.QueryRow(`INSERT INTO orgs (kind, name, created_at, updated_at) VALUES ('federation', '长沙市工商联', 1, 1) RETURNING id`).Scan(&org); err != nil {
		t.Fatal(err)
	}
	return auth.NewService(d, audit.New(d, c.now), auth.Options{BcryptCost: 4, Now: c.now}), c, org
}

const pw = "Changsha@2026"

func mustUser(t *testing.T, s *auth.Service, org int64, name string, roles ...auth.Role) auth.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), auth.CLI(), auth.NewUser{Username: name, DisplayName: name, OrgID: org, Password: pw, Roles: roles})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return u
}

func fieldOf(err error) string {
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		return e.Fields[0].Field + ":" + e.Fields[0].Key
	}
	return ""
}

func TestCreateUserValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _, org := setup(t, d)
		ctx := context.Background()
		cases := []struct {
			name string
			nu   auth.NewUser
			want string
		}{
			{"short password", auth.NewUser{Username: "a1", DisplayName: "A", OrgID: org, Password: "Ab1!"}, "password:error.password_short"},
			{"two classes", auth.NewUser{Username: "a2", DisplayName: "A", OrgID: org, Password: "abcdefghij12"}, "password:error.password_classes"},
			{"contains username", auth.NewUser{Username: "zhangsan", DisplayName: "A", OrgID: org, Password: "Zhangsan@123"}, "password:error.password_username"},
			{"bad username", auth.NewUser{Username: "张三", DisplayName: "A", OrgID: org, Password: pw}, "username:error.username_format"},
			{"unknown org", auth.NewUser{Username: "a3", DisplayName: "A", OrgID: 999, Password: pw}, "org_id:error.org_unknown"},
			{"separated roles", auth.NewUser{Username: "a4", DisplayName: "A", OrgID: org, Password: pw, Roles: []auth.Role{auth.RoleAdmin, auth.RoleAuditor}}, "roles:error.roles_separated"},
			{"bad phone", auth.NewUser{Username: "a5", DisplayName: "A", OrgID: org, Password: pw, Phone: "12345"}, "phone:error.phone_format"},
		}
		for _, c := range cases {
			_, err := s.CreateUser(ctx, auth.CLI(), c.nu)
			if !errors.Is(err, apperr.ErrInvalid) || fieldOf(err) != c.want {
				t.Errorf("%s: got %v, want %s", c.name, err, c.want)
			}
		}
		mustUser(t, s, org, "dup")
		_, err := s.CreateUser(ctx, auth.CLI(), auth.NewUser{Username: "DUP", DisplayName: "x", OrgID: org, Password: pw})
		if fieldOf(err) != "username:error.username_taken" {
			t.Errorf("duplicate: got %v", err)
		}
		n, _ := s.CountUsers(ctx)
		if n != 1 {
			t.Errorf("users stored: %d, want 1 (nothing from the refused ones)", n)
		}
	})
}

func TestAdminCannotGrantAdministratorRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _, org := setup(t, d)
		ctx := context.Background()
		admin := mustUser(t, s, org, "root1", auth.RoleAdmin)
		a := auth.Actor{UserID: admin.ID, Username: admin.Username, Roles: admin.Roles, Via: "session"}
		_, err := s.CreateUser(ctx, a, auth.NewUser{Username: "aud", DisplayName: "x", OrgID: org, Password: pw, Roles: []auth.Role{auth.RoleAuditor}})
		if fieldOf(err) != "roles:error.roles_not_grantable" {
			t.Fatalf("admin granting auditor: got %v", err)
		}
		u, err := s.CreateUser(ctx, a, auth.NewUser{Username: "op", DisplayName: "x", OrgID: org, Password: pw, Roles: []auth.Role{auth.RoleOperator}})
		if err != nil {
			t.Fatalf("admin granting operator: %v", err)
		}
		if _, err := s.SetRoles(ctx, a, u.ID, []auth.Role{auth.RoleSecurity}); !errors.Is(err, apperr.ErrForbidden) {
			t.Fatalf("admin making a security administrator: got %v", err)
		}
		sec := mustUser(t, s, org, "sec1", auth.RoleSecurity)
		sa := auth.Actor{UserID: sec.ID, Username: sec.Username, Roles: sec.Roles, Via: "session"}
		got, err := s.SetRoles(ctx, sa, u.ID, []auth.Role{auth.RoleAuditor})
		if err != nil || len(got.Roles) != 1 || got.Roles[0] != auth.RoleAuditor {
			t.Fatalf("security assigning auditor: %v %v", got.Roles, err)
		}
	})
}

func TestLoginLockoutWithoutEnumeration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, c, org := setup(t, d)
		ctx := context.Background()
		mustUser(t, s, org, "ent1", auth.RoleEnterprise)
		if _, err := s.Login(ctx, "ent1", pw, "10.0.0.1", "t"); err != nil {
			t.Fatalf("good login: %v", err)
		}
		for _, name := range []string{"ent1", "ghost"} {
			var last error
			for i := 0; i < 5; i++ {
				_, last = s.Login(ctx, name, "wrong-Password1", "10.0.0.2", "t")
				if i < 4 {
					if e, _ := apperr.As(last); e == nil || e.Key != "error.login_failed" {
						t.Fatalf("%s failure %d: got %v", name, i, last)
					}
				}
			}
			if e, _ := apperr.As(last); e == nil || e.Key != "error.login_locked" {
				t.Fatalf("%s: fifth failure should lock, got %v", name, last)
			}
		}
		// Locked: even the right password is refused, with the same message as for a ghost.
		_, err := s.Login(ctx, "ent1", pw, "10.0.0.3", "t")
		if !errors.Is(err, apperr.ErrTooMany) {
			t.Fatalf("locked account: got %v", err)
		}
		c.t = c.t.Add(16 * time.Minute)
		if _, err := s.Login(ctx, "ent1", pw, "10.0.0.3", "t"); err != nil {
			t.Fatalf("after the lockout: %v", err)
		}
	})
}

func TestSessionIdleAndAbsoluteTimeout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, c, org := setup(t, d)
		ctx := context.Background()
		mustUser(t, s, org, "ent2", auth.RoleEnterprise)
		r, err := s.Login(ctx, "ent2", pw, "ip", "ua")
		if err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(20 * time.Minute)
		if _, err := s.Authenticate(ctx, r.Token, "ip"); err != nil {
			t.Fatalf("within idle timeout: %v", err)
		}
		c.t = c.t.Add(31 * time.Minute)
		if _, err := s.Authenticate(ctx, r.Token, "ip"); !errors.Is(err, apperr.ErrUnauthorized) {
			t.Fatalf("after idle timeout: got %v", err)
		}
		r, _ = s.Login(ctx, "ent2", pw, "ip", "ua")
		for i := 0; i < 25; i++ { // active every 29 minutes, still ends at 12 hours
			c.t = c.t.Add(29 * time.Minute)
			_, err = s.Authenticate(ctx, r.Token, "ip")
			if err != nil {
				break
			}
		}
		if !errors.Is(err, apperr.ErrUnauthorized) {
			t.Fatalf("absolute lifetime not enforced: %v", err)
		}
	})
}

func TestTOTPEnrolmentRotatesSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, c, org := setup(t, d)
		ctx := context.Background()
		mustUser(t, s, org, "op1", auth.RoleOperator)
		r, err := s.Login(ctx, "op1", pw, "ip", "ua")
		if err != nil {
			t.Fatal(err)
		}
		if !r.Session.EnrollPending || r.Session.Full() {
			t.Fatalf("operator without a second factor must enrol: %+v", r.Session)
		}
		enr, err := s.BeginEnroll(ctx, r.Session)
		if err != nil || enr.Secret == "" {
			t.Fatalf("enrol: %v", err)
		}
		if _, err := s.CompleteMFA(ctx, r.Session, "000000", "ip", "ua"); fieldOf(err) != "code:error.totp_wrong" {
			t.Fatalf("wrong code: %v", err)
		}
		code, _ := totp.GenerateCode(enr.Secret, c.t)
		full, err := s.CompleteMFA(ctx, r.Session, code, "ip", "ua")
		if err != nil || !full.Session.Full() {
			t.Fatalf("right code: %v %+v", err, full.Session)
		}
		if full.Token == r.Token {
			t.Fatal("session id not rotated at second factor")
		}
		if _, err := s.Authenticate(ctx, r.Token, "ip"); err == nil {
			t.Fatal("the pre-MFA session still works")
		}
		// Next login asks for the code, not for enrolment, and the used code is spent.
		r2, _ := s.Login(ctx, "op1", pw, "ip", "ua")
		if !r2.Session.MFAPending {
			t.Fatalf("second login: %+v", r2.Session)
		}
		if _, err := s.CompleteMFA(ctx, r2.Session, code, "ip", "ua"); fieldOf(err) != "code:error.totp_wrong" {
			t.Fatalf("a replayed code was accepted: %v", err)
		}
		r2, _ = s.Login(ctx, "op1", pw, "ip", "ua")
		c.t = c.t.Add(30 * time.Second)
		next, _ := totp.GenerateCode(enr.Secret, c.t)
		if _, err := s.CompleteMFA(ctx, r2.Session, next, "ip", "ua"); err != nil {
			t.Fatalf("the next step's code: %v", err)
		}
	})
}

func TestTokensHashedScopedRevocable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _, org := setup(t, d)
		ctx := context.Background()
		u := mustUser(t, s, org, "api1", auth.RoleOperator)
		plain, tok, err := s.CreateToken(ctx, auth.CLI(), u.ID, "hotline", []string{"appeals:write"}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var stored int
		_ = d.R.QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE hash = $1`, plain).Scan(&stored)
		if stored != 0 {
			t.Fatal("the token is stored in clear")
		}
		a, err := s.AuthenticateToken(ctx, plain, "ip")
		if err != nil || a.UserID != u.ID {
			t.Fatalf("authenticate: %v", err)
		}
		if !a.ScopeAllows("appeals", true) || a.ScopeAllows("directory", true) || a.ScopeAllows("directory", false) {
			t.Fatalf("scopes: %v", a.Scopes)
		}
		if _, _, err := s.CreateToken(ctx, auth.CLI(), u.ID, "x", []string{"everything"}, time.Time{}); fieldOf(err) != "scopes:error.scope_unknown" {
			t.Fatalf("bad scope: %v", err)
		}
		if err := s.RevokeToken(ctx, auth.CLI(), tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateToken(ctx, plain, "ip"); !errors.Is(err, apperr.ErrUnauthorized) {
			t.Fatalf("revoked token: %v", err)
		}
	})
}

// The administrators' list carries each user's roles, read with the users (one query):
// the same roles GetUser gives, none for a user without any.
func TestListUsersCarriesRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _, org := setup(t, d)
		ctx := context.Background()
		admin := mustUser(t, s, org, "admin1", auth.RoleAdmin)
		mustUser(t, s, org, "op1", auth.RoleOperator, auth.RoleAnalyst)
		mustUser(t, s, org, "bank1", auth.RoleBank)
		mustUser(t, s, org, "nobody")
		a := auth.Actor{UserID: admin.ID, Username: admin.Username, Roles: admin.Roles, Via: "session"}
		list, total, err := s.ListUsers(ctx, a, auth.UserFilter{Limit: 2})
		if err != nil || total != 4 || len(list) != 2 {
			t.Fatalf("first page: %d of %d, %v", len(list), total, err)
		}
		more, _, err := s.ListUsers(ctx, a, auth.UserFilter{Limit: 2, AfterID: list[1].ID})
		if err != nil || len(more) != 2 {
			t.Fatalf("second page: %d, %v", len(more), err)
		}
		withRoles := 0
		for _, u := range append(list, more...) {
			one, err := s.GetUser(ctx, a, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(u.Roles, one.Roles) {
				t.Errorf("%s: listed with roles %v, GetUser gives %v", u.Username, u.Roles, one.Roles)
			}
			if len(u.Roles) > 0 {
				withRoles++
			}
			if u.Username == "op1" && len(u.Roles) != 2 {
				t.Errorf("op1 listed with roles %v, want operator and analyst", u.Roles)
			}
		}
		if withRoles != 3 {
			t.Errorf("%d listed users have roles, want 3", withRoles)
		}
	})
}

// BenchmarkAuthenticateToken is what every API request pays to learn who is asking
// (SQLite):
//
//	go test ./internal/auth -run XXX -bench BenchmarkAuthenticateToken -count 5
func BenchmarkAuthenticateToken(b *testing.B) {
	d := dbtest.New(b, db.SQLite)
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	var org int64
	if err := d.W.QueryRow(`INSERT INTO orgs (kind, name, created_at, updated_at) VALUES ('federation', '长沙市工商联', 1, 1) RETURNING id`).Scan(&org); err != nil {
		b.Fatal(err)
	}
	s := auth.NewService(d, audit.New(d, c.now), auth.Options{BcryptCost: 4, Now: c.now})
	ctx := context.Background()
	u, err := s.CreateUser(ctx, auth.CLI(), auth.NewUser{Username: "op1", DisplayName: "op1", OrgID: org, Password: pw, Roles: []auth.Role{auth.RoleOperator}})
	if err != nil {
		b.Fatal(err)
	}
	plain, _, err := s.CreateToken(ctx, auth.CLI(), u.ID, "bench", []string{"write"}, time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		a, err := s.AuthenticateToken(ctx, plain, "127.0.0.1")
		if err != nil || a.UserID != u.ID || !a.Has(auth.RoleOperator) {
			b.Fatalf("authenticated %+v, %v", a, err)
		}
	}
}

// A token's resolution is reused for auth.TokenCacheTTL: a change another process makes
// behind this one's back (here, straight in the database) reaches it when the TTL has
// passed; a change through this process's service — roles, a disabled user — at once.
func TestTokenResolutionIsReusedBriefly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, c, org := setup(t, d)
		ctx := context.Background()
		u := mustUser(t, s, org, "api2", auth.RoleOperator)
		plain, tok, err := s.CreateToken(ctx, auth.CLI(), u.ID, "hotline", []string{"read", "write"}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.AuthenticateToken(ctx, plain, "10.0.0.1")
		if err != nil || !a.Has(auth.RoleOperator) || a.IP != "10.0.0.1" {
			t.Fatalf("authenticate: %+v, %v", a, err)
		}
		a.Roles[0] = auth.RoleAdmin // the caller's copy: the next answer is not changed
		if _, err := d.W.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, db.Millis(c.t), tok.ID); err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(auth.TokenCacheTTL - time.Millisecond)
		b, err := s.AuthenticateToken(ctx, plain, "10.0.0.2")
		if err != nil || b.IP != "10.0.0.2" || !slices.Equal(b.Roles, []auth.Role{auth.RoleOperator}) {
			t.Fatalf("within the TTL, revoked by another process: %+v, %v; want the kept answer", b, err)
		}
		c.t = c.t.Add(time.Millisecond)
		if _, err := s.AuthenticateToken(ctx, plain, "ip"); !errors.Is(err, apperr.ErrUnauthorized) {
			t.Fatalf("after the TTL: %v; want unauthorized", err)
		}

		plain, _, err = s.CreateToken(ctx, auth.CLI(), u.ID, "second", []string{"read"}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateToken(ctx, plain, "ip"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetRoles(ctx, auth.CLI(), u.ID, []auth.Role{auth.RoleLeader}); err != nil {
			t.Fatal(err)
		}
		if a, err := s.AuthenticateToken(ctx, plain, "ip"); err != nil || !slices.Equal(a.Roles, []auth.Role{auth.RoleLeader}) {
			t.Fatalf("after SetRoles: %v, %v; want the new roles at once", a.Roles, err)
		}
		cur, err := s.GetUser(ctx, auth.CLI(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateUser(ctx, auth.CLI(), u.ID, auth.UserUpdate{DisplayName: cur.DisplayName, OrgID: cur.OrgID, Lang: cur.Lang,
			Disabled: true, Version: cur.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateToken(ctx, plain, "ip"); !errors.Is(err, apperr.ErrUnauthorized) {
			t.Fatalf("disabled user: %v; want unauthorized at once", err)
		}
	})
}
