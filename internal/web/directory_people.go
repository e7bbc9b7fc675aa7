package web

import (
	"net/http"
	"net/url"
	"strconv"

	"yingshang/internal/directory"
	"yingshang/internal/i18n"
	"yingshang/internal/xlsx"
)

type peopleListData struct {
	Items   []directory.Person
	Pager   Pager
	Filter  directory.PersonFilter
	CanEdit bool
	query   url.Values
}

// Sort returns the header link of a sortable column.
func (d peopleListData) Sort(key string) SortLink {
	return sortLink(d.query, d.Filter.Sort, key, false)
}

func personFilter(q url.Values) directory.PersonFilter {
	f := directory.PersonFilter{Q: q.Get("q"), Sort: q.Get("sort"), OrgID: queryInt(q, "org")}
	if f.Sort != "-name" {
		f.Sort = "name"
	}
	return f
}

func (s *Server) peopleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := personFilter(q)
	page, size := pageParams(q, 50)
	f.Offset, f.Limit = (page-1)*size, size
	items, total, err := s.Directory.ListPeople(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := peopleListData{Items: items, Pager: newPager(q, page, size, total), Filter: f, CanEdit: directory.CanEditDirectory(actorOf(r)), query: q}
	s.render(w, r, "directory/people", s.page(w, r, "person.list_title", d))
}

func (s *Server) peopleExport(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	T := func(k string) string { return s.Catalog.T(lang, k) }
	a := actorOf(r)
	f := personFilter(r.URL.Query())
	f.Limit, f.NoCount = exportBatch, true
	xw, err := xlsx.NewWriter(T("person.list_title"), []string{"ID", T("person.name"), T("person.gender"), T("person.mobile")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for xw.Rows() < xlsx.MaxRows {
		items, _, err := s.Directory.ListPeople(r.Context(), a, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, p := range items {
			g := ""
			if p.Gender != "" {
				g = T("gender." + p.Gender)
			}
			if err := xw.Row(p.ID, p.Name, g, p.Mobile); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(items) < f.Limit {
			break
		}
		last := items[len(items)-1]
		f.After = &directory.Cursor{Key: last.Name, ID: last.ID}
	}
	if err := s.Audit.Record(r.Context(), a, "person.export", "person", "", map[string]any{"rows": xw.Rows(), "query": r.URL.RawQuery}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := xw.Serve(w, T("person.list_title")+".xlsx"); err != nil {
		s.Logger.Error("export people", "err", err)
	}
}

type personPageData struct {
	P       directory.Person
	Posts   []directory.Post
	CanEdit bool
	Today   string
}

func (s *Server) personPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderPerson(w, r, id, nil, http.StatusOK)
}

func (s *Server) renderPerson(w http.ResponseWriter, r *http.Request, id int64, f *Form, status int) {
	a := actorOf(r)
	p, err := s.Directory.ReadPerson(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	posts, err := s.Directory.PostsOf(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := personPageData{P: p, Posts: posts, CanEdit: directory.CanEditDirectory(a), Today: s.Now().In(i18n.Shanghai).Format("2006-01-02")}
	pg := s.page(w, r, "person.title", d)
	pg.Title = p.Name
	if f == nil {
		f = NewForm(nil)
	}
	pg.Form = f
	s.renderStatus(w, r, status, "directory/person", pg)
}

type personFormData struct {
	P       *directory.Person
	Genders []Option
}

func (s *Server) personNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(w, r, "person.new", personFormData{Genders: s.options(langOf(r), "gender.", directory.Genders)})
	p.Form = NewForm(nil)
	s.render(w, r, "directory/person_form", p)
}

func personInput(v url.Values) directory.PersonInput {
	return directory.PersonInput{Name: v.Get("name"), Mobile: v.Get("mobile"), Gender: v.Get("gender"), Version: formInt(v, "version")}
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	p, err := s.Directory.CreatePerson(r.Context(), actorOf(r), personInput(r.PostForm))
	if err != nil {
		s.personFormFailed(w, r, nil, err)
		return
	}
	s.flash(w, "success", "flash.person_created", "Name", p.Name)
	redirect(w, r, "/people/"+strconv.FormatInt(p.ID, 10))
}

func (s *Server) personFormFailed(w http.ResponseWriter, r *http.Request, p *directory.Person, err error) {
	f := NewForm(r.PostForm)
	if !s.Bind(f, langOf(r), err) {
		s.fail(w, r, err)
		return
	}
	title := "person.new"
	if p != nil {
		title = "person.edit"
	}
	pg := s.page(w, r, title, personFormData{P: p, Genders: s.options(langOf(r), "gender.", directory.Genders)})
	pg.Form = f
	s.renderStatus(w, r, http.StatusUnprocessableEntity, "directory/person_form", pg)
}

func (s *Server) personEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	p, err := s.Directory.ReadPerson(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := s.page(w, r, "person.edit", personFormData{P: &p, Genders: s.options(langOf(r), "gender.", directory.Genders)})
	pg.Form = NewForm(url.Values{"name": {p.Name}, "mobile": {p.Mobile}, "gender": {p.Gender}, "version": {strconv.FormatInt(p.Version, 10)}})
	s.render(w, r, "directory/person_form", pg)
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request) {
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
	if _, err := s.Directory.UpdatePerson(r.Context(), a, id, personInput(r.PostForm)); err != nil {
		p, gerr := s.Directory.GetPerson(r.Context(), a, id)
		if gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		s.personFormFailed(w, r, &p, err)
		return
	}
	s.flash(w, "success", "flash.saved")
	redirect(w, r, "/people/"+strconv.FormatInt(id, 10))
}

func (s *Server) personAddPost(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	_, err := s.Directory.AddPost(r.Context(), actorOf(r), directory.PostInput{PersonID: id, OrgID: s.resolveOrg(r, v.Get("org")),
		Title: v.Get("title"), SinceOn: v.Get("since_on")})
	if err != nil {
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		if msg, ok := f.Errors["org_id"]; ok {
			f.Errors["org"] = msg
		}
		if msg, ok := f.Errors["person_id"]; ok {
			f.Error = msg
		}
		s.renderPerson(w, r, id, f, http.StatusUnprocessableEntity)
		return
	}
	s.flash(w, "success", "flash.post_added")
	redirect(w, r, "/people/"+strconv.FormatInt(id, 10))
}

func (s *Server) postEnd(w http.ResponseWriter, r *http.Request) {
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
	p, err := s.Directory.EndPost(r.Context(), a, id, r.PostForm.Get("until_on"))
	if err != nil {
		old, gerr := s.Directory.GetPost(r.Context(), a, id)
		if gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		f := NewForm(nil)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		f.Error = s.formProblem(f, langOf(r), old.OrgName+" "+old.Title)
		s.renderPerson(w, r, old.PersonID, f, http.StatusUnprocessableEntity)
		return
	}
	s.flash(w, "success", "flash.post_ended")
	redirect(w, r, "/people/"+strconv.FormatInt(p.PersonID, 10))
}
