package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"yingshang/internal/auth"
	"yingshang/internal/directory"
	"yingshang/internal/i18n"
	"yingshang/internal/xlsx"
)

// orgListKinds are the kinds the organisation list shows: every kind but enterprises,
// which have their own list and files.
var orgListKinds = func() []string {
	var out []string
	for _, k := range auth.OrgKinds {
		if k != auth.OrgEnterprise {
			out = append(out, k)
		}
	}
	return out
}()

type orgListData struct {
	Items   []directory.Org
	Pager   Pager
	Filter  directory.OrgFilter
	Kinds   []Option
	CanEdit bool
	query   url.Values
}

// Sort returns the header link of a sortable column.
func (d orgListData) Sort(key string) SortLink { return sortLink(d.query, d.Filter.Sort, key, false) }

func orgFilter(q url.Values) directory.OrgFilter {
	f := directory.OrgFilter{Q: q.Get("q"), Sort: q.Get("sort")}
	if k := q.Get("kind"); slices.Contains(orgListKinds, k) {
		f.Kind = k
	} else {
		f.Kinds = orgListKinds
	}
	if f.Sort != "name" && f.Sort != "-name" {
		f.Sort = "name"
	}
	return f
}

func (s *Server) orgList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := orgFilter(q)
	page, size := pageParams(q, 50)
	f.Offset, f.Limit = (page-1)*size, size
	items, total, err := s.Directory.ListOrgs(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := orgListData{Items: items, Pager: newPager(q, page, size, total), Filter: f, Kinds: s.options(langOf(r), "orgkind.", orgListKinds),
		CanEdit: directory.CanEditDirectory(actorOf(r)), query: q}
	s.render(w, r, "directory/orgs", s.page(w, r, "org.list_title", d))
}

func (s *Server) orgExport(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	T := func(k string) string { return s.Catalog.T(lang, k) }
	a := actorOf(r)
	f := orgFilter(r.URL.Query())
	f.Sort, f.Limit = "", exportBatch
	xw, err := xlsx.NewWriter(T("org.list_title"), []string{"ID", T("org.kind"), T("org.name"), T("org.short_name"), T("org.parent"),
		T("org.district"), T("org.phone"), T("org.address")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for xw.Rows() < xlsx.MaxRows {
		items, _, err := s.Directory.ListOrgs(r.Context(), a, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, o := range items {
			if err := xw.Row(o.ID, T("orgkind."+o.Kind), o.Name, o.ShortName, o.ParentName, s.districtName(lang, o.DistrictCode), o.Phone, o.Address); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(items) < f.Limit {
			break
		}
		f.AfterID = items[len(items)-1].ID
	}
	if err := s.Audit.Record(r.Context(), a, "org.export", "org", "", map[string]any{"rows": xw.Rows(), "query": r.URL.RawQuery}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := xw.Serve(w, T("org.list_title")+".xlsx"); err != nil {
		s.Logger.Error("export orgs", "err", err)
	}
}

func (s *Server) districtName(lang, code string) string {
	if code == "" {
		return s.Catalog.T(lang, "district.city")
	}
	return s.Catalog.T(lang, "district."+code)
}

type orgPageData struct {
	O        directory.Org
	Children []directory.Org
	Posts    []directory.Post
	CanEdit  bool
}

// orgPage shows an organisation; an enterprise's or a chamber's page is its file.
func (s *Server) orgPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorOf(r)
	o, err := s.Directory.GetOrg(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch o.Kind {
	case auth.OrgEnterprise:
		http.Redirect(w, r, "/enterprises/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	case auth.OrgChamber:
		http.Redirect(w, r, "/chambers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	}
	children, _, err := s.Directory.ListOrgs(r.Context(), a, directory.OrgFilter{ParentID: id, Sort: "name", Limit: 200})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	posts, err := s.Directory.OrgPosts(r.Context(), a, id, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := s.page(w, r, "org.title", orgPageData{O: o, Children: children, Posts: posts, CanEdit: directory.CanEditDirectory(a)})
	pg.Title = o.Name
	s.render(w, r, "directory/org", pg)
}

type orgFormData struct {
	O         *directory.Org
	Kinds     []Option
	Districts []Option
}

func (s *Server) orgFormData(lang string, o *directory.Org) orgFormData {
	return orgFormData{O: o, Kinds: s.options(lang, "orgkind.", orgListKinds), Districts: s.options(lang, "district.", directory.Districts)}
}

func (s *Server) orgNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(w, r, "org.new", s.orgFormData(langOf(r), nil))
	p.Form = NewForm(url.Values{"kind": {r.URL.Query().Get("kind")}, "parent": {r.URL.Query().Get("parent")}})
	s.render(w, r, "directory/org_form", p)
}

func (s *Server) orgInput(r *http.Request, v url.Values) directory.OrgInput {
	return directory.OrgInput{Kind: v.Get("kind"), Name: v.Get("name"), ShortName: v.Get("short_name"), ParentID: s.resolveOrg(r, v.Get("parent")),
		DistrictCode: v.Get("district"), Phone: v.Get("phone"), Address: v.Get("address"), Version: formInt(v, "version")}
}

func (s *Server) orgCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	in := s.orgInput(r, r.PostForm)
	o, err := s.Directory.CreateOrg(r.Context(), actorOf(r), in)
	if err != nil {
		s.orgFormFailed(w, r, nil, err)
		return
	}
	s.flash(w, "success", "flash.org_created", "Name", o.Name)
	redirect(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10))
}

func (s *Server) orgFormFailed(w http.ResponseWriter, r *http.Request, o *directory.Org, err error) {
	f := NewForm(r.PostForm)
	if !s.Bind(f, langOf(r), err) {
		s.fail(w, r, err)
		return
	}
	if msg, ok := f.Errors["parent_id"]; ok {
		f.Errors["parent"] = msg
	}
	if msg, ok := f.Errors["district_code"]; ok {
		f.Errors["district"] = msg
	}
	title := "org.new"
	if o != nil {
		title = "org.edit"
	}
	p := s.page(w, r, title, s.orgFormData(langOf(r), o))
	p.Form = f
	s.renderStatus(w, r, http.StatusUnprocessableEntity, "directory/org_form", p)
}

func (s *Server) orgEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	o, err := s.Directory.GetOrg(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if o.Kind == auth.OrgEnterprise {
		http.Redirect(w, r, "/enterprises/"+strconv.FormatInt(id, 10)+"/edit", http.StatusSeeOther)
		return
	}
	f := NewForm(url.Values{"kind": {o.Kind}, "name": {o.Name}, "short_name": {o.ShortName}, "parent": {o.ParentName},
		"district": {o.DistrictCode}, "phone": {o.Phone}, "address": {o.Address}, "version": {strconv.FormatInt(o.Version, 10)}})
	p := s.page(w, r, "org.edit", s.orgFormData(langOf(r), &o))
	p.Form = f
	s.render(w, r, "directory/org_form", p)
}

func (s *Server) orgUpdate(w http.ResponseWriter, r *http.Request) {
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
	o, err := s.Directory.GetOrg(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := s.orgInput(r, r.PostForm)
	if _, err := s.Directory.UpdateOrg(r.Context(), a, id, in); err != nil {
		s.orgFormFailed(w, r, &o, err)
		return
	}
	s.flash(w, "success", "flash.saved")
	redirect(w, r, "/orgs/"+strconv.FormatInt(id, 10))
}

type chamberListData struct {
	Items     []directory.Chamber
	Pager     Pager
	Filter    directory.ChamberFilter
	Districts []Option
	CanEdit   bool
	query     url.Values
}

// Sort returns the header link of a sortable column.
func (d chamberListData) Sort(key string) SortLink {
	return sortLink(d.query, d.Filter.Sort, key, key == "members")
}

func chamberFilter(q url.Values) directory.ChamberFilter {
	f := directory.ChamberFilter{Q: q.Get("q"), District: q.Get("district"), Sort: q.Get("sort")}
	if !slices.Contains(directory.ChamberSorts, f.Sort) {
		f.Sort = "name"
	}
	if !slices.Contains(directory.Districts, f.District) {
		f.District = ""
	}
	return f
}

func (s *Server) chamberList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := chamberFilter(q)
	page, size := pageParams(q, 50)
	f.Offset, f.Limit = (page-1)*size, size
	items, total, err := s.Directory.ListChambers(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := chamberListData{Items: items, Pager: newPager(q, page, size, total), Filter: f, Districts: s.options(langOf(r), "district.", directory.Districts),
		CanEdit: directory.CanEditDirectory(actorOf(r)), query: q}
	s.render(w, r, "directory/chambers", s.page(w, r, "chamber.list_title", d))
}

func (s *Server) chamberExport(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	T := func(k string) string { return s.Catalog.T(lang, k) }
	a := actorOf(r)
	f := chamberFilter(r.URL.Query())
	f.Limit = exportBatch
	xw, err := xlsx.NewWriter(T("chamber.list_title"), []string{"ID", T("org.name"), T("org.short_name"), T("org.district"),
		T("chamber.members"), T("chamber.mediation_orgs"), T("org.phone"), T("org.address")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for xw.Rows() < xlsx.MaxRows {
		items, _, err := s.Directory.ListChambers(r.Context(), a, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, c := range items {
			if err := xw.Row(c.ID, c.Name, c.ShortName, s.districtName(lang, c.DistrictCode), c.Members, c.MediationOrgs, c.Phone, c.Address); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(items) < f.Limit {
			break
		}
		f.AfterID = items[len(items)-1].ID
	}
	if err := s.Audit.Record(r.Context(), a, "chamber.export", "org", "", map[string]any{"rows": xw.Rows()}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := xw.Serve(w, T("chamber.list_title")+".xlsx"); err != nil {
		s.Logger.Error("export chambers", "err", err)
	}
}

type chamberPageData struct {
	C         directory.Chamber
	Mediation []directory.Org
	Members   []directory.Membership
	Pager     Pager
	Filter    directory.MemberFilter
	Posts     []Option
	Statuses  []Option
	CanEdit   bool
	Today     string
}

func memberFilter(id int64, q url.Values) directory.MemberFilter {
	f := directory.MemberFilter{ChamberID: id, Post: q.Get("post"), Status: q.Get("status")}
	if !slices.Contains(directory.MemberPosts, f.Post) {
		f.Post = ""
	}
	if !slices.Contains(directory.MemberStatuses, f.Status) {
		f.Status = "current"
	}
	return f
}

func (s *Server) chamberPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderChamber(w, r, id, nil, http.StatusOK)
}

func (s *Server) renderChamber(w http.ResponseWriter, r *http.Request, id int64, form *Form, status int) {
	a := actorOf(r)
	c, err := s.Directory.GetChamber(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	med, err := s.Directory.MediationOrgs(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := memberFilter(id, q)
	page, size := pageParams(q, 50)
	f.Offset, f.Limit = (page-1)*size, size
	members, total, err := s.Directory.ListMembers(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r)
	d := chamberPageData{C: c, Mediation: med, Members: members, Pager: newPager(q, page, size, total), Filter: f,
		Posts: s.options(lang, "memberpost.", directory.MemberPosts), Statuses: s.options(lang, "member.status.", directory.MemberStatuses),
		CanEdit: directory.CanEditDirectory(a), Today: s.Now().In(i18n.Shanghai).Format("2006-01-02")}
	p := s.page(w, r, "chamber.title", d)
	p.Title = c.Name
	if form == nil {
		form = NewForm(url.Values{"joined_on": {d.Today}, "post": {directory.PostMember}})
	}
	p.Form = form
	s.renderStatus(w, r, status, "directory/chamber", p)
}

func (s *Server) chamberMembersExport(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	lang := langOf(r)
	T := func(k string) string { return s.Catalog.T(lang, k) }
	a := actorOf(r)
	c, err := s.Directory.GetChamber(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := memberFilter(id, r.URL.Query())
	f.Limit, f.NoCount = exportBatch, true
	xw, err := xlsx.NewWriter(T("chamber.members"), []string{T("enterprise.name"), T("enterprise.credit_code"), T("member.post"),
		T("member.joined_on"), T("member.left_on")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for xw.Rows() < xlsx.MaxRows {
		ms, _, err := s.Directory.ListMembers(r.Context(), a, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, m := range ms {
			if err := xw.Row(m.EnterpriseName, m.CreditCode, T("memberpost."+m.Post), m.JoinedOn, m.LeftOn); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(ms) < f.Limit {
			break
		}
		cur := directory.MemberCursor(ms[len(ms)-1])
		f.After = &cur
	}
	if err := s.Audit.Record(r.Context(), a, "chamber.members_export", "org", strconv.FormatInt(id, 10), map[string]any{"rows": xw.Rows()}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := xw.Serve(w, c.Name+"-"+T("chamber.members")+".xlsx"); err != nil {
		s.Logger.Error("export members", "err", err)
	}
}

func (s *Server) chamberAddMember(w http.ResponseWriter, r *http.Request) {
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
	v := r.PostForm
	in := directory.MembershipInput{ChamberID: id, Post: v.Get("post"), JoinedOn: v.Get("joined_on")}
	e, err := s.Directory.FindEnterprise(r.Context(), a, v.Get("org"))
	if err == nil {
		in.EnterpriseID = e.ID
		_, err = s.Directory.AddMembership(r.Context(), a, in)
	}
	if err != nil {
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		if msg, ok := f.Errors["enterprise_id"]; ok {
			f.Errors["org"] = msg
		}
		s.renderChamber(w, r, id, f, http.StatusUnprocessableEntity)
		return
	}
	s.flash(w, "success", "flash.member_added", "Name", e.Name)
	redirect(w, r, "/chambers/"+strconv.FormatInt(id, 10))
}

func (s *Server) membershipEnd(w http.ResponseWriter, r *http.Request) {
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
	m, err := s.Directory.EndMembership(r.Context(), a, id, r.PostForm.Get("left_on"), formInt(r.PostForm, "version"))
	if err != nil {
		old, gerr := s.Directory.Membership(r.Context(), a, id)
		if gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		f := NewForm(nil)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		f.Error = s.formProblem(f, langOf(r), old.EnterpriseName)
		s.renderChamber(w, r, old.ChamberID, f, http.StatusUnprocessableEntity)
		return
	}
	s.flash(w, "success", "flash.member_ended", "Name", m.EnterpriseName)
	redirect(w, r, "/chambers/"+strconv.FormatInt(m.ChamberID, 10))
}

// formProblem puts a form's field errors above it, naming what they concern (for the
// small row forms of a list, which have no room for messages beside their fields).
func (s *Server) formProblem(f *Form, lang, subject string) string {
	msg := f.Error
	for _, m := range f.Errors {
		msg = subject + "：" + m
		if lang == "en" {
			msg = subject + ": " + m
		}
	}
	return msg
}
