package api

import (
	"net/http"
	"strconv"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/directory"
	"yingshang/internal/i18n"
)

func (s *Server) coreRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/me", Area: "users", Handler: s.me},
		{Method: "GET", Pattern: "/api/v1/users", Area: "users", Handler: s.listUsers},
		{Method: "POST", Pattern: "/api/v1/users", Area: "users", Write: true, Create: true, Handler: s.createUser},
		{Method: "GET", Pattern: "/api/v1/users/{id}", Area: "users", Handler: s.getUser},
		{Method: "GET", Pattern: "/api/v1/organisations", Area: "directory", Handler: s.listOrgs},
		{Method: "POST", Pattern: "/api/v1/organisations", Area: "directory", Write: true, Create: true, Handler: s.createOrg},
		{Method: "GET", Pattern: "/api/v1/organisations/{id}", Area: "directory", Handler: s.getOrg},
	}
}

// UserJSON is a user as the API shows it: the phone is masked.
type UserJSON struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	OrgID       int64      `json:"org_id"`
	OrgName     string     `json:"org_name"`
	OrgKind     string     `json:"org_kind"`
	Roles       []string   `json:"roles"`
	Phone       string     `json:"phone,omitempty"`
	Lang        string     `json:"lang"`
	MFAEnabled  bool       `json:"mfa_enabled"`
	Disabled    bool       `json:"disabled"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
	Version     int64      `json:"version"`
}

func userJSON(u auth.User) UserJSON {
	roles := make([]string, 0, len(u.Roles))
	for _, r := range u.Roles {
		roles = append(roles, string(r))
	}
	j := UserJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, OrgID: u.OrgID, OrgName: u.OrgName,
		OrgKind: u.OrgKind, Roles: roles, Lang: u.Lang, MFAEnabled: u.TOTPEnabled, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt, LastLoginAt: timePtr(u.LastLoginAt), Version: u.Version}
	if u.Phone != "" {
		j.Phone = i18n.MaskPhone(u.Phone)
	}
	return j
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func pathInt(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFound(name)
	}
	return id, nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	u, err := s.Auth.GetUser(r.Context(), a, a.UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userJSON(u))
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	c, err := ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	users, _, err := s.Auth.ListUsers(r.Context(), actorOf(r), auth.UserFilter{Q: q.Get("q"), Role: auth.Role(q.Get("role")), AfterID: c.ID, Limit: limit})
	if err != nil {
		return err
	}
	page := Page[UserJSON]{Items: make([]UserJSON, 0, len(users))}
	for _, u := range users {
		page.Items = append(page.Items, userJSON(u))
	}
	if len(users) == limit {
		page.NextCursor = Cursor{ID: users[len(users)-1].ID}.Encode()
	}
	return writeJSON(w, http.StatusOK, page)
}

type newUserJSON struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	OrgID       int64    `json:"org_id"`
	Phone       string   `json:"phone"`
	Email       string   `json:"email"`
	Password    string   `json:"password"`
	Roles       []string `json:"roles"`
	Lang        string   `json:"lang"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in newUserJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	roles := make([]auth.Role, 0, len(in.Roles))
	for _, ro := range in.Roles {
		roles = append(roles, auth.Role(ro))
	}
	u, err := s.Auth.CreateUser(r.Context(), actorOf(r), auth.NewUser{Username: in.Username, DisplayName: in.DisplayName,
		OrgID: in.OrgID, Phone: in.Phone, Email: in.Email, Password: in.Password, Roles: roles, Lang: in.Lang, MustChangePassword: true})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	return writeJSON(w, http.StatusCreated, userJSON(u))
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Auth.GetUser(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userJSON(u))
}

// OrgJSON is an organisation in the API.
type OrgJSON struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"`
	Name         string    `json:"name"`
	ShortName    string    `json:"short_name"`
	ParentID     *int64    `json:"parent_id"`
	ParentName   string    `json:"parent_name,omitempty"`
	DistrictCode string    `json:"district_code"`
	Phone        string    `json:"phone"`
	Address      string    `json:"address"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Version      int64     `json:"version"`
}

func orgJSON(o directory.Org) OrgJSON {
	j := OrgJSON{ID: o.ID, Kind: o.Kind, Name: o.Name, ShortName: o.ShortName, ParentName: o.ParentName,
		DistrictCode: o.DistrictCode, Phone: o.Phone, Address: o.Address, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Version: o.Version}
	if o.ParentID != 0 {
		p := o.ParentID
		j.ParentID = &p
	}
	return j
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) error {
	c, err := ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	orgs, _, err := s.Directory.ListOrgs(r.Context(), actorOf(r), directory.OrgFilter{Kind: q.Get("kind"), Q: q.Get("q"), AfterID: c.ID, Limit: limit})
	if err != nil {
		return err
	}
	page := Page[OrgJSON]{Items: make([]OrgJSON, 0, len(orgs))}
	for _, o := range orgs {
		page.Items = append(page.Items, orgJSON(o))
	}
	if len(orgs) == limit {
		page.NextCursor = Cursor{ID: orgs[len(orgs)-1].ID}.Encode()
	}
	return writeJSON(w, http.StatusOK, page)
}

type orgInputJSON struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	ShortName    string `json:"short_name"`
	ParentID     *int64 `json:"parent_id"`
	DistrictCode string `json:"district_code"`
	Phone        string `json:"phone"`
	Address      string `json:"address"`
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request) error {
	var in orgInputJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Kind == auth.OrgEnterprise {
		return apperr.Invalid("kind", "error.enterprise_via_enterprises")
	}
	oi := directory.OrgInput{Kind: in.Kind, Name: in.Name, ShortName: in.ShortName, DistrictCode: in.DistrictCode, Phone: in.Phone, Address: in.Address}
	if in.ParentID != nil {
		oi.ParentID = *in.ParentID
	}
	o, err := s.Directory.CreateOrg(r.Context(), actorOf(r), oi)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/organisations/"+strconv.FormatInt(o.ID, 10))
	return writeJSON(w, http.StatusCreated, orgJSON(o))
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	o, err := s.Directory.GetOrg(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orgJSON(o))
}
