package api

import (
	"net/http"
	"strconv"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/directory"
)

func (s *Server) directoryRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/enterprises", Area: "directory", Handler: s.listEnterprises},
		{Method: "POST", Pattern: "/api/v1/enterprises", Area: "directory", Write: true, Create: true, Handler: s.createEnterprise},
		{Method: "GET", Pattern: "/api/v1/enterprises/{id}", Area: "directory", Handler: s.getEnterprise},
		{Method: "PATCH", Pattern: "/api/v1/enterprises/{id}", Area: "directory", Write: true, Handler: s.patchEnterprise},
		{Method: "GET", Pattern: "/api/v1/chambers/{id}/members", Area: "directory", Handler: s.listChamberMembers},
		{Method: "GET", Pattern: "/api/v1/people", Area: "directory", Handler: s.listPeople},
		{Method: "POST", Pattern: "/api/v1/people", Area: "directory", Write: true, Create: true, Handler: s.createPerson},
		{Method: "GET", Pattern: "/api/v1/people/{id}", Area: "directory", Handler: s.getPerson},
	}
}

// EnterpriseJSON is an enterprise in the API. contact_phone is masked in lists and for
// actors who do not read personal data (contact_masked says which).
type EnterpriseJSON struct {
	ID                int64     `json:"id"`
	Name              string    `json:"name"`
	ShortName         string    `json:"short_name"`
	CreditCode        string    `json:"credit_code"`
	Industry          string    `json:"industry"`
	Size              string    `json:"size"`
	Ownership         string    `json:"ownership"`
	District          string    `json:"district"`
	Chain             string    `json:"chain"`
	RegisteredCapital int64     `json:"registered_capital"`
	FoundedOn         string    `json:"founded_on"`
	Employees         int       `json:"employees"`
	LegalRep          string    `json:"legal_rep"`
	ContactName       string    `json:"contact_name"`
	ContactPhone      string    `json:"contact_phone"`
	ContactMasked     bool      `json:"contact_masked"`
	Address           string    `json:"address"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	Version           int64     `json:"version"`
}

func enterpriseJSON(e directory.Enterprise) EnterpriseJSON {
	return EnterpriseJSON{ID: e.ID, Name: e.Name, ShortName: e.ShortName, CreditCode: e.CreditCode, Industry: e.Industry, Size: e.Size,
		Ownership: e.Ownership, District: e.District, Chain: e.Chain, RegisteredCapital: e.RegisteredCapital, FoundedOn: e.FoundedOn,
		Employees: e.Employees, LegalRep: e.LegalRep, ContactName: e.ContactName, ContactPhone: e.ContactPhone, ContactMasked: e.ContactMasked,
		Address: e.Address, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, Version: e.Version}
}

func (s *Server) listEnterprises(w http.ResponseWriter, r *http.Request) error {
	c, err := ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := directory.EnterpriseFilter{Q: q.Get("q"), Industry: q.Get("industry"), Size: q.Get("size"), Ownership: q.Get("ownership"),
		District: q.Get("district"), Chain: q.Get("chain"), Sort: q.Get("sort"), Limit: limit, NoCount: true}
	if v := q.Get("chamber_id"); v != "" {
		if f.ChamberID, err = strconv.ParseInt(v, 10, 64); err != nil || f.ChamberID <= 0 {
			return invalidParam("chamber_id")
		}
	}
	if c.ID > 0 {
		f.After = &directory.Cursor{Key: c.Key, ID: c.ID}
	}
	items, _, err := s.Directory.ListEnterprises(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	page := Page[EnterpriseJSON]{Items: make([]EnterpriseJSON, 0, len(items))}
	for _, e := range items {
		page.Items = append(page.Items, enterpriseJSON(e))
	}
	if len(items) == limit {
		dc := directory.CursorAfter(f.Sort, items[len(items)-1])
		page.NextCursor = Cursor{Key: dc.Key, ID: dc.ID}.Encode()
	}
	return writeJSON(w, http.StatusOK, page)
}

func (s *Server) createEnterprise(w http.ResponseWriter, r *http.Request) error {
	var in directory.EnterpriseInput
	if err := decode(r, &in); err != nil {
		return err
	}
	e, err := s.Directory.CreateEnterprise(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/enterprises/"+strconv.FormatInt(e.ID, 10))
	return writeJSON(w, http.StatusCreated, enterpriseJSON(e))
}

// getEnterprise answers the full record (contact phone included, and the read recorded)
// to those who may read it, the masked one to others in scope, 404 outside the scope.
func (s *Server) getEnterprise(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	e, err := s.Directory.ReadEnterprise(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, enterpriseJSON(e))
}

type enterprisePatchJSON struct {
	Name              *string `json:"name"`
	ShortName         *string `json:"short_name"`
	CreditCode        *string `json:"credit_code"`
	Industry          *string `json:"industry"`
	Size              *string `json:"size"`
	Ownership         *string `json:"ownership"`
	District          *string `json:"district"`
	Chain             *string `json:"chain"`
	RegisteredCapital *int64  `json:"registered_capital"`
	FoundedOn         *string `json:"founded_on"`
	Employees         *int    `json:"employees"`
	LegalRep          *string `json:"legal_rep"`
	ContactName       *string `json:"contact_name"`
	ContactPhone      *string `json:"contact_phone"`
	Address           *string `json:"address"`
	Version           int64   `json:"version"`
}

func (s *Server) patchEnterprise(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	var p enterprisePatchJSON
	if err := decode(r, &p); err != nil {
		return err
	}
	e, err := s.Directory.PatchEnterprise(r.Context(), actorOf(r), id, directory.EnterprisePatch(p))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, enterpriseJSON(e))
}

// MembershipJSON is a chamber membership in the API.
type MembershipJSON struct {
	ID             int64   `json:"id"`
	ChamberID      int64   `json:"chamber_id"`
	EnterpriseID   int64   `json:"enterprise_id"`
	EnterpriseName string  `json:"enterprise_name"`
	CreditCode     string  `json:"credit_code"`
	Post           string  `json:"post"`
	JoinedOn       string  `json:"joined_on"`
	LeftOn         *string `json:"left_on"`
	Version        int64   `json:"version"`
}

func (s *Server) listChamberMembers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	c, err := ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := directory.MemberFilter{ChamberID: id, Post: q.Get("post"), Status: q.Get("status"), Limit: limit, NoCount: true}
	if c.ID > 0 {
		f.After = &directory.Cursor{Key: c.Key, ID: c.ID}
	}
	ms, _, err := s.Directory.ListMembers(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	page := Page[MembershipJSON]{Items: make([]MembershipJSON, 0, len(ms))}
	for _, m := range ms {
		j := MembershipJSON{ID: m.ID, ChamberID: m.ChamberID, EnterpriseID: m.EnterpriseID, EnterpriseName: m.EnterpriseName,
			CreditCode: m.CreditCode, Post: m.Post, JoinedOn: m.JoinedOn, Version: m.Version}
		if m.LeftOn != "" {
			left := m.LeftOn
			j.LeftOn = &left
		}
		page.Items = append(page.Items, j)
	}
	if len(ms) == limit {
		dc := directory.MemberCursor(ms[len(ms)-1])
		page.NextCursor = Cursor{Key: dc.Key, ID: dc.ID}.Encode()
	}
	return writeJSON(w, http.StatusOK, page)
}

// PersonJSON is a person in the API; mobile is masked unless mobile_masked is false.
type PersonJSON struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Mobile       string    `json:"mobile"`
	MobileMasked bool      `json:"mobile_masked"`
	Gender       string    `json:"gender"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Version      int64     `json:"version"`
}

func personJSON(p directory.Person) PersonJSON {
	return PersonJSON{ID: p.ID, Name: p.Name, Mobile: p.Mobile, MobileMasked: p.MobileMasked, Gender: p.Gender,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Version: p.Version}
}

func (s *Server) listPeople(w http.ResponseWriter, r *http.Request) error {
	c, err := ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := directory.PersonFilter{Q: q.Get("q"), Limit: limit, NoCount: true}
	if v := q.Get("org_id"); v != "" {
		if f.OrgID, err = strconv.ParseInt(v, 10, 64); err != nil || f.OrgID <= 0 {
			return invalidParam("org_id")
		}
	}
	if c.ID > 0 {
		f.After = &directory.Cursor{Key: c.Key, ID: c.ID}
	}
	people, _, err := s.Directory.ListPeople(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	page := Page[PersonJSON]{Items: make([]PersonJSON, 0, len(people))}
	for _, p := range people {
		page.Items = append(page.Items, personJSON(p))
	}
	if len(people) == limit {
		last := people[len(people)-1]
		page.NextCursor = Cursor{Key: last.Name, ID: last.ID}.Encode()
	}
	return writeJSON(w, http.StatusOK, page)
}

func (s *Server) createPerson(w http.ResponseWriter, r *http.Request) error {
	var in directory.PersonInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := s.Directory.CreatePerson(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/people/"+strconv.FormatInt(p.ID, 10))
	return writeJSON(w, http.StatusCreated, personJSON(p))
}

func (s *Server) getPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Directory.ReadPerson(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, personJSON(p))
}

// invalidParam is a malformed numeric query parameter.
func invalidParam(name string) error { return apperr.Invalid(name, "error.number") }
