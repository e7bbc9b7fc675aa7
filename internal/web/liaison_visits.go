package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/liaison"
)

type visitListData struct {
	Items     []liaison.VisitRow
	Pager     Pager
	Filter    liaison.VisitFilter
	Leaders   []Option
	Kinds     []Option
	CanRecord bool
}

func visitFilter(q url.Values) liaison.VisitFilter {
	f := liaison.VisitFilter{LeaderID: queryInt(q, "leader"), OrgID: queryInt(q, "org"), Kind: q.Get("kind")}
	if f.Kind != liaison.KindVisit && f.Kind != liaison.KindResearch {
		f.Kind = ""
	}
	if d, ok := liaisonDay(q.Get("from")); ok {
		f.From = d
	}
	if d, ok := liaisonDay(q.Get("to")); ok {
		f.To = d
	}
	return f
}

func (s *Server) liaisonVisits(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := visitFilter(q)
	page, size := pageParams(q, 50)
	f.Offset, f.Limit = (page-1)*size, size
	a := actorOf(r)
	items, total, err := s.Liaison.ListVisits(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := visitListData{Items: items, Pager: newPager(q, page, size, total), Filter: f, CanRecord: a.HasAny(auth.RoleOperator, auth.RoleLeader),
		Kinds: s.options(langOf(r), "liaison.visit_kind.", liaison.VisitKinds)}
	if a.HasAny(auth.RoleOperator, auth.RoleAdmin, auth.RoleLeader) {
		if d.Leaders, err = s.leaderOptions(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, "liaison/visits", s.page(w, r, "liaison.visits.title", d))
}

// visitStartData is the first step of recording a visit: whose visit and where.
type visitStartData struct {
	Leaders []Option
	Leader  int64
	Linked  []liaison.Link
}

// visitFormData is the second step: the visit with its problems.
type visitFormData struct {
	Leader   liaison.Leader
	Orgs     []liaison.OrgRef
	Kinds    []Option
	Depts    []Option
	Problems []problemForm
	Opts     problemOptions
	// Query brings the first step's choices back ("change").
	Query string
}

// liaisonVisitNew shows step 1 (leader and organisations) or, with step=2, the visit
// form for the organisations chosen: the problems' enterprise is picked among them.
func (s *Server) liaisonVisitNew(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a := actorOf(r)
	if q.Get("step") == "2" && a.Has(auth.RoleOperator) && queryInt(q, "leader") == 0 {
		f := NewForm(q)
		f.Errors["leader_id"] = s.Catalog.T(langOf(r), "liaison.error.leader_unknown")
		f.Error = s.Catalog.T(langOf(r), "error.invalid")
		s.visitStart(w, r, f, http.StatusUnprocessableEntity)
		return
	}
	if q.Get("step") == "2" {
		orgs, err := s.Liaison.ResolveOrgs(r.Context(), a, formIDs(q, "org"), lines(q.Get("other")))
		if err == nil {
			d, derr := s.visitFormData(r, queryInt(q, "leader"), orgs, problemBlocks)
			if derr != nil {
				s.fail(w, r, derr)
				return
			}
			p := s.page(w, r, "liaison.visits.new", d)
			p.Form = NewForm(url.Values{"visited_on": {s.Liaison.Today()}, "kind": {liaison.KindVisit}})
			s.render(w, r, "liaison/visit_form", p)
			return
		}
		f := NewForm(q)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		s.visitStart(w, r, f, http.StatusUnprocessableEntity)
		return
	}
	s.visitStart(w, r, NewForm(q), http.StatusOK)
}

func (s *Server) visitStart(w http.ResponseWriter, r *http.Request, f *Form, status int) {
	leaders, err := s.leaderOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := visitStartData{Leaders: leaders, Leader: formInt(f.Values, "leader")}
	if d.Leader == 0 && len(leaders) > 0 && !actorOf(r).Has(auth.RoleOperator) {
		d.Leader = mustID(leaders[0].Value)
	}
	if d.Leader != 0 {
		if d.Linked, _, err = s.Liaison.ListLinks(r.Context(), actorOf(r), liaison.LinkFilter{LeaderID: d.Leader, Limit: 1000, NoCount: true}); err != nil {
			s.fail(w, r, err)
			return
		}
		f.Values.Set("leader", strconv.FormatInt(d.Leader, 10))
	}
	p := s.page(w, r, "liaison.visits.new", d)
	p.Form = f
	s.renderStatus(w, r, status, "liaison/visit_start", p)
}

func (s *Server) visitFormData(r *http.Request, leader int64, orgs []liaison.OrgRef, blocks int) (visitFormData, error) {
	a := actorOf(r)
	if leader == 0 {
		mine, err := s.Liaison.ActingFor(r.Context(), a)
		if err != nil {
			return visitFormData{}, err
		}
		if len(mine) > 0 {
			leader = mine[0]
		}
	}
	l, err := s.Liaison.Leader(r.Context(), a, leader)
	if err != nil {
		return visitFormData{}, err
	}
	q := url.Values{"leader": {strconv.FormatInt(leader, 10)}}
	for _, o := range orgs {
		q.Add("org", strconv.FormatInt(o.ID, 10))
	}
	return visitFormData{Leader: l, Orgs: orgs, Kinds: s.options(langOf(r), "liaison.visit_kind.", liaison.VisitKinds),
		Depts: s.departmentOptions(r), Problems: problemFields(blocks), Opts: s.problemOptions(r, orgs, false), Query: q.Encode()}, nil
}

// liaisonProblemRow answers htmx with one more problem block (and the button for the
// next), for the orgs of the form.
func (s *Server) liaisonProblemRow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	i, _ := strconv.Atoi(q.Get("i"))
	if i < 0 || i >= liaison.MaxProblems {
		s.errorPage(w, r, http.StatusUnprocessableEntity, "error.page_error", "liaison.error.too_many", "Max", liaison.MaxProblems)
		return
	}
	var orgs []liaison.OrgRef
	var err error
	if rt := queryInt(q, "roundtable"); rt != 0 {
		var t liaison.Roundtable
		if t, err = s.Liaison.GetRoundtable(r.Context(), actorOf(r), rt); err == nil {
			orgs = t.Participants
		}
	} else {
		orgs, err = s.Liaison.ResolveOrgs(r.Context(), actorOf(r), formIDs(q, "org"), nil)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pf := problemFields(i + 1)[i]
	q.Del("i")
	d := map[string]any{"P": pf, "Opts": s.problemOptions(r, orgs, queryInt(q, "roundtable") != 0), "Next": i + 1,
		"Max": liaison.MaxProblems, "Query": q.Encode()}
	p := s.page(w, r, "liaison.visits.new", d)
	p.Form, p.Fragment = NewForm(nil), true
	s.render(w, r, "liaison/problem_row", p)
}

// maxVisitUpload bounds a visit form with its photos.
const maxVisitUpload = liaison.MaxVisitFiles*liaison.MaxFileSize + 1<<20

// readFiles reads the uploaded files of field.
func readFiles(r *http.Request, field string) ([]liaison.FileInput, error) {
	var out []liaison.FileInput
	if r.MultipartForm == nil {
		return nil, nil
	}
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		if fh.Size > liaison.MaxFileSize {
			return nil, apperr.Invalid(field, "liaison.error.file_too_large", "Name", fh.Filename, "Max", "10 MB")
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, liaison.MaxFileSize+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, liaison.FileInput{Name: fh.Filename, Data: data})
	}
	return out, nil
}

// parseMultipart reads a multipart form (or a urlencoded one) within limit.
func parseMultipart(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	err := r.ParseMultipartForm(8 << 20)
	if errors.Is(err, http.ErrNotMultipart) {
		return r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.Invalid("files", "liaison.error.upload_too_large")
	}
	return err
}

func (s *Server) liaisonVisitCreate(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if err := parseMultipart(w, r, maxVisitUpload); err != nil {
		if e, ok := apperr.As(err); ok {
			s.fail(w, r, e)
			return
		}
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	v := r.Form
	ps, at := parseProblems(v)
	in := liaison.VisitInput{LeaderID: formInt(v, "leader_id"), Kind: v.Get("kind"), VisitedOn: v.Get("visited_on"),
		OrgIDs: formIDs(v, "org_id"), DeptIDs: formIDs(v, "dept_id"), Summary: v.Get("summary"), Problems: ps}
	files, err := readFiles(r, "files")
	if err == nil {
		in.Files = files
		var vis liaison.Visit
		vis, err = s.Liaison.CreateVisit(r.Context(), a, in)
		if err == nil {
			s.flash(w, "success", "flash.liaison_visit_created", "Problems", len(vis.Problems))
			redirect(w, r, "/liaison/visits/"+strconv.FormatInt(vis.ID, 10))
			return
		}
	}
	err = reindexErrors(err, at)
	f := NewForm(v)
	if !s.Bind(f, langOf(r), err) {
		s.fail(w, r, err)
		return
	}
	if len(in.Files) > 0 && f.Err("files") == "" {
		f.Errors["files"] = s.Catalog.T(langOf(r), "liaison.files_again")
	}
	orgs, oerr := s.Liaison.ResolveOrgs(r.Context(), a, in.OrgIDs, nil)
	if oerr != nil {
		s.fail(w, r, oerr)
		return
	}
	d, derr := s.visitFormData(r, in.LeaderID, orgs, problemCount(v))
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	p := s.page(w, r, "liaison.visits.new", d)
	p.Form = f
	s.renderStatus(w, r, http.StatusUnprocessableEntity, "liaison/visit_form", p)
}

type visitPageData struct {
	V      liaison.Visit
	Photos []liaison.File
	Docs   []liaison.File
}

func (s *Server) liaisonVisit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderVisit(w, r, id, NewForm(nil), http.StatusOK)
}

func (s *Server) renderVisit(w http.ResponseWriter, r *http.Request, id int64, f *Form, status int) {
	v, err := s.Liaison.GetVisit(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := visitPageData{V: v}
	for _, f := range v.Files {
		if f.IsImage() {
			d.Photos = append(d.Photos, f)
		} else {
			d.Docs = append(d.Docs, f)
		}
	}
	p := s.page(w, r, "liaison.visit.title", d)
	p.Title = v.LeaderName + " · " + v.VisitedOn + " · " + p.Title
	p.Form = f
	s.renderStatus(w, r, status, "liaison/visit", p)
}

func (s *Server) liaisonVisitFiles(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := parseMultipart(w, r, maxVisitUpload); err != nil {
		f := NewForm(nil)
		if s.Bind(f, langOf(r), err) {
			s.renderVisit(w, r, id, f, http.StatusRequestEntityTooLarge)
			return
		}
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	files, err := readFiles(r, "files")
	if err == nil {
		err = s.Liaison.AddVisitFiles(r.Context(), actorOf(r), id, files)
	}
	if err != nil {
		f := NewForm(nil)
		if errors.Is(err, apperr.ErrInvalid) && s.Bind(f, langOf(r), err) {
			s.renderVisit(w, r, id, f, http.StatusUnprocessableEntity)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, "success", "flash.liaison_files_added", "N", len(files))
	redirect(w, r, "/liaison/visits/"+strconv.FormatInt(id, 10)+"#files")
}

// liaisonFile serves a visit's photo or document: its sniffed type, never sniffed again
// by the browser, downloaded unless it is a photo.
func (s *Server) liaisonFile(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	f, data, err := s.Liaison.VisitFile(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	disp := "attachment"
	if f.IsImage() {
		disp = "inline"
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Content-Disposition", disp+`; filename="file"; filename*=UTF-8''`+url.PathEscape(f.Filename))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(data)
}

// liaisonDay reads a date filter; anything else is ignored.
func liaisonDay(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	return liaison.ParseDay(s)
}
