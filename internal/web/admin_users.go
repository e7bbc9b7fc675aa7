package web

import (
	"net/http"
	"strconv"
	"strings"

	"yingshang/internal/auth"
	"yingshang/internal/directory"
)

func (s *Server) adminRoutes() []Route {
	manage := Access{Roles: []auth.Role{auth.RoleAdmin, auth.RoleSecurity}}
	return []Route{
		{"GET", "/admin/users", manage, s.adminUsers},
		{"GET", "/admin/users/export.xlsx", manage, s.adminUsersExport},
		{"GET", "/admin/users/new", perm(auth.PermUsersManage), s.adminUserNew},
		{"POST", "/admin/users", perm(auth.PermUsersManage), s.adminUserCreate},
		{"GET", "/admin/users/{id}", manage, s.adminUser},
		{"POST", "/admin/users/{id}", perm(auth.PermUsersManage), s.adminUserUpdate},
		{"POST", "/admin/users/{id}/roles", manage, s.adminUserRoles},
		{"POST", "/admin/users/{id}/password", manage, s.adminUserPassword},
		{"POST", "/admin/users/{id}/unlock", manage, s.adminUserUnlock},
		{"POST", "/admin/users/{id}/mfa-reset", perm(auth.PermPolicyManage), s.adminUserMFAReset},
		{"GET", "/admin/tokens", signedIn, s.adminTokens},
		{"POST", "/admin/tokens", signedIn, s.adminTokenCreate},
		{"POST", "/admin/tokens/{id}/revoke", signedIn, s.adminTokenRevoke},
		{"GET", "/admin/policy", perm(auth.PermPolicyManage), s.adminPolicy},
		{"POST", "/admin/policy", perm(auth.PermPolicyManage), s.adminPolicySave},
		{"GET", "/orgs/suggest", signedIn, s.orgSuggest},
	}
}

type usersData struct {
	Users  []auth.User
	Pager  Pager
	Roles  []auth.Role
	Filter auth.UserFilter
}

func userFilter(r *http.Request) auth.UserFilter {
	q := r.URL.Query()
	return auth.UserFilter{Q: q.Get("q"), Role: auth.Role(q.Get("role")), Status: q.Get("status")}
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	f := userFilter(r)
	page, size := pageParams(r.URL.Query(), 50)
	f.Offset, f.Limit = (page-1)*size, size
	users, total, err := s.Auth.ListUsers(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "admin/users", s.page(w, r, "users.title", usersData{
		Users: users, Pager: newPager(r.URL.Query(), page, size, total), Roles: auth.AllRoles, Filter: f}))
}

type userFormData struct {
	User    *auth.User
	Roles   []auth.Role
	Langs   []string
	OrgName string
}

func (s *Server) adminUserNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(w, r, "users.new", userFormData{Roles: auth.AllRoles, Langs: auth.Langs})
	p.Form = NewForm(nil)
	s.render(w, r, "admin/user_new", p)
}

// resolveOrg turns the organisation typed in a form (its exact name) into an id.
func (s *Server) resolveOrg(r *http.Request, name string) int64 {
	if s.Directory == nil || strings.TrimSpace(name) == "" {
		return 0
	}
	o, err := s.Directory.OrgByName(r.Context(), actorOf(r), name)
	if err != nil {
		return -1
	}
	return o.ID
}

func rolesFrom(v []string) []auth.Role {
	out := make([]auth.Role, 0, len(v))
	for _, x := range v {
		out = append(out, auth.Role(x))
	}
	return out
}

func (s *Server) adminUserCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	u, err := s.Auth.CreateUser(r.Context(), actorOf(r), auth.NewUser{
		Username: v.Get("username"), DisplayName: v.Get("display_name"), OrgID: s.resolveOrg(r, v.Get("org")),
		Phone: v.Get("phone"), Email: v.Get("email"), Password: v.Get("password"), Roles: rolesFrom(v["roles"]),
		Lang: v.Get("lang"), MustChangePassword: true,
	})
	if err != nil {
		f := NewForm(v)
		f.Values.Del("password")
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		if msg, ok := f.Errors["org_id"]; ok {
			f.Errors["org"] = msg
		}
		p := s.page(w, r, "users.new", userFormData{Roles: auth.AllRoles, Langs: auth.Langs})
		p.Form = f
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "admin/user_new", p)
		return
	}
	s.flash(w, "success", "flash.user_created", "Name", u.Username)
	redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	u, err := s.Auth.GetUser(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderUser(w, r, u, nil, http.StatusOK)
}

func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, u auth.User, f *Form, status int) {
	if f == nil {
		f = NewForm(nil)
		f.Values.Set("display_name", u.DisplayName)
		f.Values.Set("org", u.OrgName)
		f.Values.Set("phone", u.Phone)
		f.Values.Set("email", u.Email)
		f.Values.Set("lang", u.Lang)
		if u.Disabled {
			f.Values.Set("disabled", "1")
		}
		for _, ro := range u.Roles {
			f.Values.Add("roles", string(ro))
		}
	}
	p := s.page(w, r, "users.edit", userFormData{User: &u, Roles: auth.AllRoles, Langs: auth.Langs})
	p.Form = f
	s.renderStatus(w, r, status, "admin/user", p)
}

func (s *Server) userAction(w http.ResponseWriter, r *http.Request, do func(id int64, v map[string][]string) error, flashKey string) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	if err := do(id, r.PostForm); err != nil {
		u, gerr := s.Auth.GetUser(r.Context(), actorOf(r), id)
		if gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		f := NewForm(r.PostForm)
		f.Values.Del("password")
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		if msg, ok := f.Errors["org_id"]; ok {
			f.Errors["org"] = msg
		}
		s.renderUser(w, r, u, f, http.StatusUnprocessableEntity)
		return
	}
	s.flash(w, "success", flashKey)
	redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
}

func (s *Server) adminUserUpdate(w http.ResponseWriter, r *http.Request) {
	s.userAction(w, r, func(id int64, v map[string][]string) error {
		get := func(k string) string {
			if len(v[k]) > 0 {
				return v[k][0]
			}
			return ""
		}
		ver, _ := strconv.ParseInt(get("version"), 10, 64)
		_, err := s.Auth.UpdateUser(r.Context(), actorOf(r), id, auth.UserUpdate{
			DisplayName: get("display_name"), OrgID: s.resolveOrg(r, get("org")), Phone: get("phone"), Email: get("email"),
			Lang: get("lang"), Disabled: get("disabled") == "1", Version: ver,
		})
		return err
	}, "flash.saved")
}

func (s *Server) adminUserRoles(w http.ResponseWriter, r *http.Request) {
	s.userAction(w, r, func(id int64, v map[string][]string) error {
		_, err := s.Auth.SetRoles(r.Context(), actorOf(r), id, rolesFrom(v["roles"]))
		return err
	}, "flash.roles_saved")
}

func (s *Server) adminUserPassword(w http.ResponseWriter, r *http.Request) {
	s.userAction(w, r, func(id int64, v map[string][]string) error {
		pw := ""
		if len(v["password"]) > 0 {
			pw = v["password"][0]
		}
		return s.Auth.ResetPassword(r.Context(), actorOf(r), id, pw)
	}, "flash.password_reset")
}

func (s *Server) adminUserUnlock(w http.ResponseWriter, r *http.Request) {
	s.userAction(w, r, func(id int64, _ map[string][]string) error {
		return s.Auth.Unlock(r.Context(), actorOf(r), id)
	}, "flash.unlocked")
}

func (s *Server) adminUserMFAReset(w http.ResponseWriter, r *http.Request) {
	s.userAction(w, r, func(id int64, _ map[string][]string) error {
		return s.Auth.ResetMFA(r.Context(), actorOf(r), id)
	}, "flash.mfa_reset")
}

// orgSuggest answers the organisation field's datalist (htmx): names matching what was typed.
func (s *Server) orgSuggest(w http.ResponseWriter, r *http.Request) {
	if s.Directory == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	q := r.URL.Query().Get("org")
	if q == "" {
		q = r.URL.Query().Get("q")
	}
	orgs, _, err := s.Directory.ListOrgs(r.Context(), actorOf(r), directoryOrgFilter(q, r.URL.Query().Get("kind")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(w, r, "common.search", orgs)
	p.Fragment = true
	s.render(w, r, "fragments/org_options", p)
}

func directoryOrgFilter(q, kind string) directory.OrgFilter {
	return directory.OrgFilter{Q: q, Kind: kind, Limit: 20}
}
