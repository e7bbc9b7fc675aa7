package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"yingshang/internal/auth"
	"yingshang/internal/directory"
	"yingshang/internal/xlsx"
)

type enterpriseListData struct {
	Items      []directory.Enterprise
	Pager      Pager
	Filter     directory.EnterpriseFilter
	Industries []Option
	Sizes      []Option
	Ownerships []Option
	Districts  []Option
	Chains     []Option
	Chambers   []Option
	CanEdit    bool
	query      url.Values
}

// Sort returns the header link of a sortable column.
func (d enterpriseListData) Sort(key string) SortLink {
	return sortLink(d.query, d.Filter.Sort, key, key == "capital")
}

func enterpriseFilter(q url.Values) directory.EnterpriseFilter {
	f := directory.EnterpriseFilter{Q: q.Get("q"), Industry: q.Get("industry"), Size: q.Get("size"), Ownership: q.Get("ownership"),
		District: q.Get("district"), Chain: q.Get("chain"), ChamberID: queryInt(q, "chamber"), Sort: q.Get("sort")}
	if !slices.Contains(directory.EnterpriseSorts, f.Sort) {
		f.Sort = ""
	}
	return f
}

func (s *Server) chamberOptions(r *http.Request) []Option {
	chambers, _, err := s.Directory.ListChambers(r.Context(), actorOf(r), directory.ChamberFilter{Limit: 1000})
	if err != nil {
		return nil
	}
	out := make([]Option, len(chambers))
	for i, c := range chambers {
		out[i] = Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name}
	}
	return out
}

func (s *Server) enterpriseList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := enterpriseFilter(q)
	page, size := pageParams(q, 50)
	f.Offset, f.Limit = (page-1)*size, size
	items, total, err := s.Directory.ListEnterprises(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r)
	d := enterpriseListData{Items: items, Pager: newPager(q, page, size, total), Filter: f,
		Industries: s.industryOptions(lang), Sizes: s.options(lang, "size.", directory.Sizes),
		Ownerships: s.options(lang, "ownership.", directory.Ownerships), Districts: s.options(lang, "district.", directory.Districts),
		Chains: s.options(lang, "chain.", directory.Chains), CanEdit: directory.CanEditDirectory(actorOf(r)), query: q}
	if directory.SeesAllEnterprises(actorOf(r)) {
		d.Chambers = s.chamberOptions(r)
	}
	s.render(w, r, "directory/enterprises", s.page(w, r, "enterprise.list_title", d))
}

// enterpriseExport streams the filtered list to Excel, paging with the keyset cursor (a
// million rows never meet OFFSET). Contact phones stay masked, as in the list.
func (s *Server) enterpriseExport(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	T := func(k string) string { return s.Catalog.T(lang, k) }
	a := actorOf(r)
	f := enterpriseFilter(r.URL.Query())
	f.Limit, f.NoCount = exportBatch, true
	// Check the filter before the download starts.
	first, _, err := s.Directory.ListEnterprises(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	xw, err := xlsx.NewWriter(T("enterprise.list_title"), []string{"ID", T("enterprise.name"), T("enterprise.credit_code"),
		T("enterprise.industry"), T("enterprise.size"), T("enterprise.ownership"), T("enterprise.district"), T("enterprise.chain"),
		T("enterprise.capital_wan"), T("enterprise.founded_on"), T("enterprise.employees"), T("enterprise.legal_rep"),
		T("enterprise.contact_name"), T("enterprise.contact_phone"), T("enterprise.address")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	batch := first
	for {
		for _, e := range batch {
			chain := ""
			if e.Chain != "" {
				chain = T("chain." + e.Chain)
			}
			if err := xw.Row(e.ID, e.Name, e.CreditCode, e.Industry+" "+T("industry."+e.Industry), T("size."+e.Size),
				T("ownership."+e.Ownership), T("district."+e.District), chain, float64(e.RegisteredCapital)/1e6, e.FoundedOn,
				e.Employees, e.LegalRep, e.ContactName, e.ContactPhone, e.Address); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(batch) < f.Limit || xw.Rows() >= xlsx.MaxRows {
			break
		}
		c := directory.CursorAfter(f.Sort, batch[len(batch)-1])
		f.After = &c
		if batch, _, err = s.Directory.ListEnterprises(r.Context(), a, f); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := s.Audit.Record(r.Context(), a, "enterprise.export", "org", "", map[string]any{"rows": xw.Rows(), "query": r.URL.RawQuery}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := xw.Serve(w, T("enterprise.list_title")+".xlsx"); err != nil {
		s.Logger.Error("export enterprises", "err", err)
	}
}

func (s *Server) enterpriseMine(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if _, err := s.Directory.GetEnterprise(r.Context(), a, a.OrgID); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/enterprises/"+strconv.FormatInt(a.OrgID, 10), http.StatusSeeOther)
}

type enterpriseFormData struct {
	E          *directory.Enterprise
	Industries []Option
	Sizes      []Option
	Ownerships []Option
	Districts  []Option
	Chains     []Option
	// ContactOnly: the actor edits the contact fields only (an enterprise's own user).
	ContactOnly bool
}

func (s *Server) enterpriseFormData(lang string, e *directory.Enterprise) enterpriseFormData {
	return enterpriseFormData{E: e, Industries: s.industryOptions(lang), Sizes: s.options(lang, "size.", directory.Sizes),
		Ownerships: s.options(lang, "ownership.", directory.Ownerships), Districts: s.options(lang, "district.", directory.Districts),
		Chains: s.options(lang, "chain.", directory.Chains)}
}

// capitalText shows fen the way the form takes it back: "500万", "1280.5".
func capitalText(fen int64) string {
	if fen == 0 {
		return ""
	}
	if fen%1_000_000 == 0 {
		return strconv.FormatInt(fen/1_000_000, 10) + "万"
	}
	return strconv.FormatFloat(float64(fen)/100, 'f', -1, 64)
}

func enterpriseForm(in directory.EnterpriseInput) *Form {
	f := NewForm(nil)
	set := func(k, v string) {
		if v != "" {
			f.Values.Set(k, v)
		}
	}
	set("name", in.Name)
	set("short_name", in.ShortName)
	set("credit_code", in.CreditCode)
	set("industry", in.Industry)
	set("size", in.Size)
	set("ownership", in.Ownership)
	set("district", in.District)
	set("chain", in.Chain)
	set("registered_capital", capitalText(in.RegisteredCapital))
	set("founded_on", in.FoundedOn)
	if in.Employees > 0 {
		set("employees", strconv.Itoa(in.Employees))
	}
	set("legal_rep", in.LegalRep)
	set("contact_name", in.ContactName)
	set("contact_phone", in.ContactPhone)
	set("address", in.Address)
	f.Values.Set("version", strconv.FormatInt(in.Version, 10))
	return f
}

func enterpriseInput(v url.Values) directory.EnterpriseInput {
	in := directory.EnterpriseInput{Name: v.Get("name"), ShortName: v.Get("short_name"), CreditCode: v.Get("credit_code"),
		Industry: v.Get("industry"), Size: v.Get("size"), Ownership: v.Get("ownership"), District: v.Get("district"),
		Chain: v.Get("chain"), CapitalText: v.Get("registered_capital"), FoundedOn: v.Get("founded_on"),
		EmployeesText: v.Get("employees"), LegalRep: v.Get("legal_rep"), ContactName: v.Get("contact_name"),
		ContactPhone: v.Get("contact_phone"), Address: v.Get("address"), Version: formInt(v, "version")}
	return in
}

func (s *Server) enterpriseNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(w, r, "enterprise.new", s.enterpriseFormData(langOf(r), nil))
	p.Form = NewForm(nil)
	s.render(w, r, "directory/enterprise_form", p)
}

func (s *Server) enterpriseCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	e, err := s.Directory.CreateEnterprise(r.Context(), actorOf(r), enterpriseInput(r.PostForm))
	if err != nil {
		f := NewForm(r.PostForm)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		p := s.page(w, r, "enterprise.new", s.enterpriseFormData(langOf(r), nil))
		p.Form = f
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "directory/enterprise_form", p)
		return
	}
	s.flash(w, "success", "flash.enterprise_created", "Name", e.Name)
	redirect(w, r, "/enterprises/"+strconv.FormatInt(e.ID, 10))
}

// enterpriseEdit shows the whole form to directory editors and the contact form to the
// enterprise's own users. Opening it reads the full contact data (recorded).
func (s *Server) enterpriseEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorOf(r)
	if _, err := s.Directory.GetEnterprise(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if !directory.CanEditContact(a, id) {
		s.forbidden(w, r)
		return
	}
	e, err := s.Directory.ReadEnterprise(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderEnterpriseForm(w, r, e, enterpriseForm(directory.InputOf(e)), http.StatusOK)
}

func (s *Server) renderEnterpriseForm(w http.ResponseWriter, r *http.Request, e directory.Enterprise, f *Form, status int) {
	d := s.enterpriseFormData(langOf(r), &e)
	d.ContactOnly = !directory.CanEditDirectory(actorOf(r))
	p := s.page(w, r, "enterprise.edit", d)
	p.Form = f
	s.renderStatus(w, r, status, "directory/enterprise_form", p)
}

func (s *Server) enterpriseUpdate(w http.ResponseWriter, r *http.Request) {
	s.enterpriseSave(w, r, func(a auth.Actor, id int64, v url.Values) error {
		_, err := s.Directory.UpdateEnterprise(r.Context(), a, id, enterpriseInput(v))
		return err
	})
}

func (s *Server) enterpriseContact(w http.ResponseWriter, r *http.Request) {
	s.enterpriseSave(w, r, func(a auth.Actor, id int64, v url.Values) error {
		_, err := s.Directory.UpdateContact(r.Context(), a, id, directory.ContactInput{ContactName: v.Get("contact_name"),
			ContactPhone: v.Get("contact_phone"), Version: formInt(v, "version")})
		return err
	})
}

func (s *Server) enterpriseSave(w http.ResponseWriter, r *http.Request, save func(auth.Actor, int64, url.Values) error) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	a := actorOf(r)
	if err := save(a, id, r.PostForm); err != nil {
		e, gerr := s.Directory.GetEnterprise(r.Context(), a, id)
		if gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		f := NewForm(r.PostForm)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		s.renderEnterpriseForm(w, r, e, f, http.StatusUnprocessableEntity)
		return
	}
	s.flash(w, "success", "flash.saved")
	redirect(w, r, "/enterprises/"+strconv.FormatInt(id, 10))
}
