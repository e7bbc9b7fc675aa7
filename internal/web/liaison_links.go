package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/liaison"
	"yingshang/internal/xlsx"
)

type linkListData struct {
	Items     []liaison.Link
	Pager     Pager
	Filter    liaison.LinkFilter
	Leaders   []Option
	Kinds     []Option
	Statuses  []Option
	CanManage bool
}

func linkFilter(q url.Values) liaison.LinkFilter {
	f := liaison.LinkFilter{LeaderID: queryInt(q, "leader"), OrgID: queryInt(q, "org"), Kind: q.Get("kind"), Status: q.Get("status"), Q: q.Get("q")}
	if f.Kind != auth.OrgEnterprise && f.Kind != auth.OrgChamber {
		f.Kind = ""
	}
	switch f.Status {
	case liaison.StatusActive, liaison.StatusEnded, liaison.StatusAll:
	default:
		f.Status = liaison.StatusActive
	}
	return f
}

func (s *Server) liaisonLinks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := linkFilter(q)
	page, size := pageParams(q, 50)
	f.Offset, f.Limit = (page-1)*size, size
	a := actorOf(r)
	items, total, err := s.Liaison.ListLinks(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r)
	d := linkListData{Items: items, Pager: newPager(q, page, size, total), Filter: f, CanManage: liaison.CanManageLinks(a),
		Kinds:    s.options(lang, "liaison.org_kind.", []string{auth.OrgEnterprise, auth.OrgChamber}),
		Statuses: s.options(lang, "liaison.status.", []string{liaison.StatusActive, liaison.StatusEnded, liaison.StatusAll})}
	if d.Leaders, err = s.leaderOptions(r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "liaison/links", s.page(w, r, "liaison.links.title", d))
}

// liaisonLinksExport streams the filtered links to Excel, by keyset pages.
func (s *Server) liaisonLinksExport(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	T := func(k string) string { return s.Catalog.T(lang, k) }
	a := actorOf(r)
	f := linkFilter(r.URL.Query())
	f.Limit, f.NoCount = exportBatch, true
	batch, _, err := s.Liaison.ListLinks(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	xw, err := xlsx.NewWriter(T("liaison.links.title"), []string{"ID", T("liaison.leader"), T("liaison.leader_title"), T("liaison.org"),
		T("liaison.org_kind"), T("liaison.officer"), T("liaison.since_on"), T("liaison.until_on"), T("liaison.status"), T("liaison.note")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for {
		for _, l := range batch {
			status := T("liaison.status.active")
			if !l.Active() {
				status = T("liaison.status.ended")
			}
			if err := xw.Row(l.ID, l.LeaderName, l.LeaderTitle, l.OrgName, T("liaison.org_kind."+l.OrgKind), l.OfficerName, l.SinceOn,
				l.UntilOn, status, l.Note); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(batch) < f.Limit || xw.Rows() >= xlsx.MaxRows {
			break
		}
		f.AfterID = batch[len(batch)-1].ID
		if batch, _, err = s.Liaison.ListLinks(r.Context(), a, f); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := s.Audit.Record(r.Context(), a, "liaison_link.export", "liaison_link", "", map[string]any{"rows": xw.Rows(), "query": r.URL.RawQuery}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := xw.Serve(w, T("liaison.links.title")+".xlsx"); err != nil {
		s.Logger.Error("export links", "err", err)
	}
}

type linkFormData struct {
	Leaders  []Option
	Officers []officerGroup
}

type officerGroup struct {
	Office  string
	Options []Option
}

func (s *Server) linkFormData(r *http.Request) (linkFormData, error) {
	var d linkFormData
	leaders, err := s.Liaison.Leaders(r.Context(), actorOf(r))
	if err != nil {
		return d, err
	}
	for _, l := range leaders {
		d.Leaders = append(d.Leaders, Option{Value: strconv.FormatInt(l.UserID, 10), Label: l.Label() + " · " + l.OfficeName})
	}
	cands, err := s.Liaison.LeaderCandidates(r.Context(), actorOf(r))
	if err != nil {
		return d, err
	}
	for _, c := range cands {
		if n := len(d.Officers); n == 0 || d.Officers[n-1].Office != c.OrgName {
			d.Officers = append(d.Officers, officerGroup{Office: c.OrgName})
		}
		g := &d.Officers[len(d.Officers)-1]
		g.Options = append(g.Options, Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name + "（" + c.Username + "）"})
	}
	return d, nil
}

func (s *Server) liaisonLinkNew(w http.ResponseWriter, r *http.Request) {
	d, err := s.linkFormData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(w, r, "liaison.links.new", d)
	p.Form = NewForm(url.Values{"since_on": {s.Liaison.Today()}, "leader_id": {r.URL.Query().Get("leader")}})
	s.render(w, r, "liaison/link_form", p)
}

func (s *Server) liaisonLinkCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	l, err := s.Liaison.CreateLink(r.Context(), actorOf(r), liaison.LinkInput{LeaderID: formInt(v, "leader_id"), OrgName: v.Get("org"),
		OfficerID: formInt(v, "officer_id"), SinceOn: v.Get("since_on"), Note: v.Get("note")})
	if err != nil {
		f := NewForm(v)
		if e, ok := apperr.As(err); ok {
			for i := range e.Fields {
				if e.Fields[i].Field == "org_id" {
					e.Fields[i].Field = "org"
				}
			}
		}
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		d, derr := s.linkFormData(r)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		p := s.page(w, r, "liaison.links.new", d)
		p.Form = f
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "liaison/link_form", p)
		return
	}
	s.flash(w, "success", "flash.liaison_link_created", "Leader", l.LeaderName, "Org", l.OrgName)
	redirect(w, r, "/liaison/links?leader="+strconv.FormatInt(l.LeaderID, 10))
}

func (s *Server) liaisonLinkEnd(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	l, err := s.Liaison.EndLink(r.Context(), actorOf(r), id, r.PostForm.Get("until_on"), formInt(r.PostForm, "version"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, "success", "flash.liaison_link_ended", "Leader", l.LeaderName, "Org", l.OrgName)
	redirect(w, r, "/liaison/links?leader="+strconv.FormatInt(l.LeaderID, 10))
}

type leadersData struct {
	Leaders    []liaison.Leader
	Candidates []Option
}

func (s *Server) liaisonLeadersPage(w http.ResponseWriter, r *http.Request, f *Form, status int) {
	a := actorOf(r)
	leaders, err := s.Liaison.Leaders(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cands, err := s.Liaison.LeaderCandidates(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := leadersData{Leaders: leaders}
	for _, c := range cands {
		d.Candidates = append(d.Candidates, Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name + "（" + c.Username + " · " + c.OrgName + "）"})
	}
	p := s.page(w, r, "liaison.leaders.title", d)
	p.Form = f
	s.renderStatus(w, r, status, "liaison/leaders", p)
}

func (s *Server) liaisonLeaders(w http.ResponseWriter, r *http.Request) {
	s.liaisonLeadersPage(w, r, NewForm(nil), http.StatusOK)
}

func (s *Server) liaisonLeaderSave(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	sort, _ := strconv.Atoi(v.Get("sort_order"))
	l, err := s.Liaison.SaveLeader(r.Context(), actorOf(r), liaison.LeaderInput{UserID: formInt(v, "user_id"), PersonID: formInt(v, "person_id"),
		Title: v.Get("title"), SortOrder: sort, Version: formInt(v, "version")})
	if err != nil {
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		s.liaisonLeadersPage(w, r, f, http.StatusUnprocessableEntity)
		return
	}
	s.flash(w, "success", "flash.liaison_leader_saved", "Name", l.Name)
	redirect(w, r, "/liaison/leaders")
}

type linkImportData struct {
	Columns  []linkColumnView
	Result   *liaison.ImportResult
	Errors   []importErrorView
	Filename string
}

type linkColumnView struct {
	liaison.LinkColumn
	Letter string
}

func linkColumns() []linkColumnView {
	out := make([]linkColumnView, len(liaison.LinkColumns))
	for i, c := range liaison.LinkColumns {
		out[i] = linkColumnView{LinkColumn: c, Letter: xlsx.Column(i)}
	}
	return out
}

func (s *Server) liaisonImportPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(w, r, "liaison.import.title", linkImportData{Columns: linkColumns()})
	p.Form = NewForm(nil)
	s.render(w, r, "liaison/import", p)
}

func (s *Server) liaisonImportTemplate(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", xlsx.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="liaison-links-template.xlsx"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := liaison.WriteLinkTemplate(w); err != nil {
		s.Logger.Error("links template", "err", err)
	}
}

func (s *Server) liaisonImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, xlsx.MaxImportBytes+1<<20)
	failed := func(err error, status int) {
		f := NewForm(nil)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		p := s.page(w, r, "liaison.import.title", linkImportData{Columns: linkColumns()})
		p.Form = f
		s.renderStatus(w, r, status, "liaison/import", p)
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			failed(apperr.Invalid("file", "error.dir.file_too_large", "Max", "20 MB"), http.StatusRequestEntityTooLarge)
			return
		}
		failed(apperr.Invalid("file", "error.dir.file_missing"), http.StatusUnprocessableEntity)
		return
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("file")
	if err != nil {
		failed(apperr.Invalid("file", "error.dir.file_missing"), http.StatusUnprocessableEntity)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, xlsx.MaxImportBytes+1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(data) > xlsx.MaxImportBytes {
		failed(apperr.Invalid("file", "error.dir.file_too_large", "Max", "20 MB"), http.StatusRequestEntityTooLarge)
		return
	}
	res, err := s.Liaison.ImportLinks(r.Context(), actorOf(r), data)
	if err != nil {
		failed(err, http.StatusUnprocessableEntity)
		return
	}
	if len(res.Errors) == 0 {
		s.flash(w, "success", "flash.liaison_import_done", "Imported", res.Imported)
		redirect(w, r, "/liaison/links")
		return
	}
	lang := langOf(r)
	d := linkImportData{Columns: linkColumns(), Result: &res, Filename: hdr.Filename}
	for i, e := range res.Errors {
		if i == maxShownImportErrors {
			break
		}
		d.Errors = append(d.Errors, importErrorView{Row: e.Row, Column: e.Column, Header: e.Header, Message: s.Catalog.T(lang, e.Key, e.Args)})
	}
	p := s.page(w, r, "liaison.import.title", d)
	p.Form = NewForm(nil)
	s.renderStatus(w, r, http.StatusUnprocessableEntity, "liaison/import", p)
}
