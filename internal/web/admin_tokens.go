package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/auth"
	"yingshang/internal/i18n"
	"yingshang/internal/xlsx"
)

type tokensData struct {
	Tokens  []auth.Token
	All     bool
	Created string
	Now     time.Time
}

// adminTokens lists API tokens: every token for the security administrator, one's own for
// everyone else (an integration account creates its own).
func (s *Server) adminTokens(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, NewForm(nil), "", http.StatusOK)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, f *Form, created string, status int) {
	a := actorOf(r)
	toks, err := s.Auth.ListTokens(r.Context(), a, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(w, r, "tokens.title", tokensData{Tokens: toks, All: a.Can(auth.PermTokensManage), Created: created, Now: s.Now()})
	p.Form = f
	s.renderStatus(w, r, status, "admin/tokens", p)
}

func (s *Server) adminTokenCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	a := actorOf(r)
	v := r.PostForm
	f := NewForm(v)
	userID := a.UserID
	if name := strings.TrimSpace(v.Get("user")); name != "" && a.Can(auth.PermTokensManage) {
		u, err := s.Auth.UserByUsername(r.Context(), a, name)
		if err != nil {
			f.Errors["user"] = s.Catalog.T(langOf(r), "error.user_unknown")
			f.Error = s.Catalog.T(langOf(r), "error.invalid")
			s.renderTokens(w, r, f, "", http.StatusUnprocessableEntity)
			return
		}
		userID = u.ID
	}
	var expires time.Time
	if e := strings.TrimSpace(v.Get("expires_at")); e != "" {
		t, err := time.ParseInLocation("2006-01-02", e, i18n.Shanghai)
		if err != nil {
			f.Errors["expires_at"] = s.Catalog.T(langOf(r), "error.date")
			f.Error = s.Catalog.T(langOf(r), "error.invalid")
			s.renderTokens(w, r, f, "", http.StatusUnprocessableEntity)
			return
		}
		expires = t.Add(24 * time.Hour)
	}
	plain, _, err := s.Auth.CreateToken(r.Context(), a, userID, v.Get("name"), v["scopes"], expires)
	if err != nil {
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		s.renderTokens(w, r, f, "", http.StatusUnprocessableEntity)
		return
	}
	// The secret is shown once, on this response, never again.
	s.renderTokens(w, r, NewForm(nil), plain, http.StatusOK)
}

func (s *Server) adminTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.Auth.RevokeToken(r.Context(), actorOf(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, "success", "flash.token_revoked")
	redirect(w, r, "/admin/tokens")
}

type policyData struct {
	Roles  []auth.Role
	Policy auth.Policy
}

func (s *Server) adminPolicy(w http.ResponseWriter, r *http.Request) {
	pol := s.Auth.Policy(r.Context())
	p := s.page(w, r, "policy.title", policyData{Roles: auth.AllRoles, Policy: pol})
	p.Form = policyForm(pol)
	s.render(w, r, "admin/policy", p)
}

func policyForm(p auth.Policy) *Form {
	f := NewForm(nil)
	set := func(k string, v int) { f.Values.Set(k, strconv.Itoa(v)) }
	set("password_min_length", p.PasswordMinLength)
	set("password_classes", p.PasswordClasses)
	set("password_max_age_days", p.PasswordMaxAgeDays)
	set("lockout_threshold", p.LockoutThreshold)
	set("lockout_window_min", p.LockoutWindowMin)
	set("lockout_duration_min", p.LockoutDurationMin)
	set("ip_threshold", p.IPThreshold)
	set("idle_timeout_min", p.IdleTimeoutMin)
	set("absolute_lifetime_hours", p.AbsoluteLifetimeHours)
	for _, r := range p.MFARoles {
		f.Values.Add("mfa_roles", string(r))
	}
	if p.SingleSessionPrivileged {
		f.Values.Set("single_session_privileged", "1")
	}
	return f
}

func (s *Server) adminPolicySave(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	num := func(k string) int {
		n, err := strconv.Atoi(strings.TrimSpace(v.Get(k)))
		if err != nil {
			return -1 // out of every range: the service names the field
		}
		return n
	}
	pol := auth.Policy{
		PasswordMinLength: num("password_min_length"), PasswordClasses: num("password_classes"),
		PasswordMaxAgeDays: num("password_max_age_days"), LockoutThreshold: num("lockout_threshold"),
		LockoutWindowMin: num("lockout_window_min"), LockoutDurationMin: num("lockout_duration_min"),
		IPThreshold: num("ip_threshold"), IdleTimeoutMin: num("idle_timeout_min"),
		AbsoluteLifetimeHours: num("absolute_lifetime_hours"), MFARoles: rolesFrom(v["mfa_roles"]),
		SingleSessionPrivileged: v.Get("single_session_privileged") == "1",
	}
	if err := s.Auth.SetPolicy(r.Context(), actorOf(r), pol); err != nil {
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		p := s.page(w, r, "policy.title", policyData{Roles: auth.AllRoles, Policy: pol})
		p.Form = f
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "admin/policy", p)
		return
	}
	s.flash(w, "success", "flash.saved")
	redirect(w, r, "/admin/policy")
}

// adminUsersExport streams the user list (with the list's filters) as a workbook.
func (s *Server) adminUsersExport(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	T := func(k string) string { return s.Catalog.T(lang, k) }
	xw, err := xlsx.NewWriter(T("users.title"), []string{T("users.username"), T("users.display_name"), T("users.org"),
		T("users.roles"), T("users.status"), T("users.mfa"), T("users.last_login"), T("common.created_at")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := userFilter(r)
	f.Limit = 500
	for {
		users, _, err := s.Auth.ListUsers(r.Context(), actorOf(r), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, u := range users {
			var rs []string
			for _, ro := range u.Roles {
				rs = append(rs, T("role."+string(ro)))
			}
			status := T("users.active")
			if u.Disabled {
				status = T("users.disabled")
			}
			mfa := T("common.no")
			if u.TOTPEnabled {
				mfa = T("common.yes")
			}
			if err := xw.Row(u.Username, u.DisplayName, u.OrgName, strings.Join(rs, "、"), status, mfa, u.LastLoginAt, u.CreatedAt); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(users) < f.Limit {
			break
		}
		f.AfterID = users[len(users)-1].ID
	}
	if err := xw.Serve(w, T("users.title")+".xlsx"); err != nil {
		s.Logger.Error("export users", "err", err)
	}
}
