package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
)

// The loop's configuration: the category tree (派单目录) with default departments and
// limits, the operators' knowledge base, and the default time limits.

var limitClocks = []string{"claim", "handle", "callback"}

// parseLimit reads one limit from field (the amount) and field.unit (d or h); an empty
// amount leaves the limit unset.
func parseLimit(v url.Values, field string, errs *apperr.Validation) *appeal.Limit {
	raw := strings.TrimSpace(v.Get(field))
	if raw == "" {
		return nil
	}
	if v.Get(field+".unit") == "h" {
		h, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			errs.Add(field, "error.number")
			return nil
		}
		return &appeal.Limit{Hours: h}
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		errs.Add(field, "error.number")
		return nil
	}
	return &appeal.Limit{Days: n}
}

func parseLimits(v url.Values, prefix string, errs *apperr.Validation) appeal.LimitSet {
	return appeal.LimitSet{Claim: parseLimit(v, prefix+"claim", errs), Handle: parseLimit(v, prefix+"handle", errs),
		Callback: parseLimit(v, prefix+"callback", errs)}
}

// setLimits writes a limit set into form values.
func setLimits(v url.Values, prefix string, ls appeal.LimitSet) {
	for i, l := range []*appeal.Limit{ls.Claim, ls.Handle, ls.Callback} {
		f := prefix + limitClocks[i]
		switch {
		case l == nil:
		case l.Hours > 0:
			v.Set(f, strconv.FormatFloat(l.Hours, 'f', -1, 64))
			v.Set(f+".unit", "h")
		default:
			v.Set(f, strconv.Itoa(l.Days))
			v.Set(f+".unit", "d")
		}
	}
}

// limitText is a limit in words: 5 个工作日, 2 个工作小时.
func (s *Server) limitText(lang string, l *appeal.Limit) string {
	switch {
	case l == nil:
		return ""
	case l.Hours > 0:
		return s.Catalog.T(lang, "appealui.limit_hours", "N", strconv.FormatFloat(l.Hours, 'f', -1, 64))
	}
	return s.Catalog.T(lang, "appealui.limit_days", "N", l.Days)
}

// ---- categories ----

type categoryRow struct {
	appeal.Category
	Depth  int
	Label  string
	Dept   string
	Limits []string
}

type categoryListData struct{ Rows []categoryRow }

func (s *Server) categoryList(w http.ResponseWriter, r *http.Request) {
	ctx, a, lang := r.Context(), actorOf(r), langOf(r)
	tree := s.categories(ctx, a, true)
	depts := map[string]string{}
	for _, o := range s.deptOptions(ctx, a) {
		depts[o.Value] = o.Label
	}
	var d categoryListData
	for _, c := range tree.list {
		row := categoryRow{Category: c, Depth: tree.depth[c.ID], Label: strings.Repeat("\u3000", tree.depth[c.ID]) + catName(lang, c)}
		if c.DefaultDeptID != 0 {
			row.Dept = depts[idStr(c.DefaultDeptID)]
		}
		for i, l := range []*appeal.Limit{c.Limits.Claim, c.Limits.Handle, c.Limits.Callback} {
			if l != nil {
				row.Limits = append(row.Limits, s.Catalog.T(lang, "appeal.clock."+limitClocks[i])+" "+s.limitText(lang, l))
			}
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, "appeal/categories", s.page(w, r, "appealui.categories_title", d))
}

type categoryFormData struct {
	ID      int64
	Parents []Option
	Depts   []Option
}

func (s *Server) categoryFormData(r *http.Request, self int64) categoryFormData {
	ctx, a, lang := r.Context(), actorOf(r), langOf(r)
	tree := s.categories(ctx, a, true)
	d := categoryFormData{ID: self, Depts: s.deptOptions(ctx, a)}
	for _, c := range tree.list {
		if c.ID != self {
			d.Parents = append(d.Parents, Option{Value: idStr(c.ID), Label: strings.Repeat("\u3000", tree.depth[c.ID]) + catName(lang, c)})
		}
	}
	return d
}

func (s *Server) categoryNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(w, r, "appealui.category_new", s.categoryFormData(r, 0))
	p.Form = NewForm(url.Values{"active": {"1"}, "sort_order": {"0"}})
	s.render(w, r, "appeal/category_form", p)
}

func (s *Server) categoryEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	c, err := s.Appeal.Category(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := url.Values{"code": {c.Code}, "name": {c.Name}, "name_en": {c.NameEN}, "sort_order": {strconv.Itoa(c.SortOrder)},
		"version": {strconv.FormatInt(c.Version, 10)}}
	if c.ParentID != 0 {
		v.Set("parent_id", idStr(c.ParentID))
	}
	if c.DefaultDeptID != 0 {
		v.Set("default_dept_id", idStr(c.DefaultDeptID))
	}
	if c.Active {
		v.Set("active", "1")
	}
	setLimits(v, "limits.", c.Limits)
	p := s.page(w, r, "appealui.category_edit", s.categoryFormData(r, id))
	p.Title = catName(langOf(r), c) + " · " + p.Title
	p.Form = NewForm(v)
	s.render(w, r, "appeal/category_form", p)
}

func categoryInput(v url.Values, errs *apperr.Validation) appeal.CategoryInput {
	sort, err := strconv.Atoi(strings.TrimSpace(v.Get("sort_order")))
	if err != nil && strings.TrimSpace(v.Get("sort_order")) != "" {
		errs.Add("sort_order", "error.number")
	}
	return appeal.CategoryInput{Code: v.Get("code"), Name: v.Get("name"), NameEN: v.Get("name_en"), ParentID: formInt(v, "parent_id"),
		DefaultDeptID: formInt(v, "default_dept_id"), Limits: parseLimits(v, "limits.", errs), Active: v.Get("active") == "1",
		SortOrder: sort, Version: formInt(v, "version")}
}

func (s *Server) categoryCreate(w http.ResponseWriter, r *http.Request) {
	s.categorySave(w, r, 0)
}

func (s *Server) categoryUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.categorySave(w, r, id)
}

func (s *Server) categorySave(w http.ResponseWriter, r *http.Request, id int64) {
	ctx, a := r.Context(), actorOf(r)
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	var errs apperr.Validation
	in := categoryInput(r.PostForm, &errs)
	err := errs.Err()
	var c appeal.Category
	if err == nil {
		if id == 0 {
			c, err = s.Appeal.CreateCategory(ctx, a, in)
		} else {
			c, err = s.Appeal.UpdateCategory(ctx, a, id, in)
		}
	}
	if err != nil {
		f := NewForm(r.PostForm)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		title := "appealui.category_new"
		if id != 0 {
			title = "appealui.category_edit"
		}
		p := s.page(w, r, title, s.categoryFormData(r, id))
		p.Form = f
		s.renderStatus(w, r, statusOf(err), "appeal/category_form", p)
		return
	}
	s.flash(w, "success", "flash.category_saved", "Name", c.Name)
	redirect(w, r, "/admin/categories")
}

// statusOf is the status of a refused form: 409 when someone else saved first.
func statusOf(err error) int {
	if e, ok := apperr.As(err); ok && e.Kind == apperr.ErrConflict {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// ---- knowledge base ----

type kbRow struct {
	appeal.Article
	Category string
}

type kbListData struct {
	Rows       []kbRow
	Categories []Option
	NextHref   string
	FirstHref  string
	IsFirst    bool
}

func (s *Server) kbList(w http.ResponseWriter, r *http.Request) {
	ctx, a, lang := r.Context(), actorOf(r), langOf(r)
	q := r.URL.Query()
	const size = 50
	arts, err := s.Appeal.Articles(ctx, a, appeal.ArticleFilter{CategoryID: queryInt(q, "category"), Q: q.Get("q"),
		BeforeID: queryInt(q, "before"), Limit: size + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tree := s.categories(ctx, a, true)
	d := kbListData{Categories: tree.Options(lang), IsFirst: q.Get("before") == "", FirstHref: listQuery(q, map[string]string{"before": ""})}
	if len(arts) > size {
		arts = arts[:size]
		d.NextHref = listQuery(q, map[string]string{"before": idStr(arts[size-1].ID)})
	}
	for _, ar := range arts {
		d.Rows = append(d.Rows, kbRow{Article: ar, Category: tree.Label(lang, ar.CategoryID)})
	}
	p := s.page(w, r, "appealui.kb_title", d)
	p.Form = NewForm(q)
	s.render(w, r, "appeal/kb", p)
}

type kbFormData struct {
	ID         int64
	Categories []Option
	UseCount   int64
}

func (s *Server) kbNew(w http.ResponseWriter, r *http.Request) {
	d := kbFormData{Categories: s.categories(r.Context(), actorOf(r), false).Options(langOf(r))}
	p := s.page(w, r, "appealui.kb_new", d)
	p.Form = NewForm(url.Values{"active": {"1"}, "category_id": {r.URL.Query().Get("category")}})
	s.render(w, r, "appeal/kb_form", p)
}

func (s *Server) kbEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	ar, err := s.Appeal.Article(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := url.Values{"title": {ar.Title}, "answer": {ar.Answer}, "version": {strconv.FormatInt(ar.Version, 10)}}
	if ar.CategoryID != 0 {
		v.Set("category_id", idStr(ar.CategoryID))
	}
	if ar.Active {
		v.Set("active", "1")
	}
	d := kbFormData{ID: id, UseCount: ar.UseCount, Categories: s.categories(r.Context(), actorOf(r), true).Options(langOf(r))}
	p := s.page(w, r, "appealui.kb_edit", d)
	p.Title = ar.Title + " · " + p.Title
	p.Form = NewForm(v)
	s.render(w, r, "appeal/kb_form", p)
}

func (s *Server) kbCreate(w http.ResponseWriter, r *http.Request) { s.kbSave(w, r, 0) }

func (s *Server) kbUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.kbSave(w, r, id)
}

func (s *Server) kbSave(w http.ResponseWriter, r *http.Request, id int64) {
	ctx, a := r.Context(), actorOf(r)
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	in := appeal.ArticleInput{CategoryID: formInt(v, "category_id"), Title: v.Get("title"), Answer: v.Get("answer"),
		Active: v.Get("active") == "1", Version: formInt(v, "version")}
	var ar appeal.Article
	var err error
	if id == 0 {
		ar, err = s.Appeal.CreateArticle(ctx, a, in)
	} else {
		ar, err = s.Appeal.UpdateArticle(ctx, a, id, in)
	}
	if err != nil {
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		title := "appealui.kb_new"
		if id != 0 {
			title = "appealui.kb_edit"
		}
		p := s.page(w, r, title, kbFormData{ID: id, Categories: s.categories(ctx, a, true).Options(langOf(r))})
		p.Form = f
		s.renderStatus(w, r, statusOf(err), "appeal/kb_form", p)
		return
	}
	s.flash(w, "success", "flash.kb_saved", "Title", ar.Title)
	redirect(w, r, "/admin/kb")
}

func (s *Server) kbDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	if err := s.Appeal.DeleteArticle(r.Context(), actorOf(r), id, formInt(r.PostForm, "version")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, "success", "flash.kb_deleted")
	redirect(w, r, "/admin/kb")
}

// ---- time limits ----

type settingsData struct {
	Kinds []Option
}

func (s *Server) settingsForm(st appeal.Settings) *Form {
	v := url.Values{"max_extension_days": {strconv.Itoa(st.MaxExtensionDays)}}
	setLimits(v, "default.", st.Default)
	setLimits(v, "urgent.", st.Urgent)
	for k, ls := range st.Kinds {
		setLimits(v, "kinds."+string(k)+".", ls)
	}
	var lines []string
	for _, d := range st.Districts {
		lines = append(lines, d.Code+" "+d.Name)
	}
	v.Set("districts", strings.Join(lines, "\n"))
	return NewForm(v)
}

func (s *Server) appealSettingsPage(w http.ResponseWriter, r *http.Request) {
	st, err := s.Appeal.Settings(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(w, r, "appealui.settings_title", settingsData{Kinds: enumOptions(s, langOf(r), "appeal.kind.", appeal.Kinds)})
	p.Form = s.settingsForm(st)
	s.render(w, r, "appeal/settings", p)
}

func (s *Server) appealSettingsSave(w http.ResponseWriter, r *http.Request) {
	ctx, a, lang := r.Context(), actorOf(r), langOf(r)
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	var errs apperr.Validation
	st := appeal.Settings{Default: parseLimits(v, "default.", &errs), Urgent: parseLimits(v, "urgent.", &errs), Kinds: map[appeal.Kind]appeal.LimitSet{}}
	for _, k := range appeal.Kinds {
		if ls := parseLimits(v, "kinds."+string(k)+".", &errs); ls.Claim != nil || ls.Handle != nil || ls.Callback != nil {
			st.Kinds[k] = ls
		}
	}
	var lineOf []int // the textarea's line of each district
	for i, line := range strings.Split(strings.ReplaceAll(v.Get("districts"), "\r", ""), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		code, name, _ := strings.Cut(line, " ")
		st.Districts = append(st.Districts, appeal.District{Code: strings.TrimSpace(code), Name: strings.TrimSpace(name)})
		lineOf = append(lineOf, i+1)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v.Get("max_extension_days"))); err == nil {
		st.MaxExtensionDays = n
	} else {
		errs.Add("max_extension_days", "error.number")
	}
	err := errs.Err()
	if err == nil {
		err = s.Appeal.UpdateSettings(ctx, a, st)
	}
	if err != nil {
		f := NewForm(v)
		if !s.Bind(f, lang, err) {
			s.fail(w, r, err)
			return
		}
		// Problems of one district line show by the districts' field, with its line.
		if e, ok := apperr.As(err); ok {
			for _, fe := range e.Fields {
				rest, ok := strings.CutPrefix(fe.Field, "districts.")
				if !ok {
					continue
				}
				idx, _, _ := strings.Cut(rest, ".")
				n, _ := strconv.Atoi(idx)
				line := n + 1
				if n >= 0 && n < len(lineOf) {
					line = lineOf[n]
				}
				if _, dup := f.Errors["districts"]; !dup {
					f.Errors["districts"] = s.Catalog.T(lang, "appealui.district_line", "Line", line) + s.Catalog.T(lang, fe.Key, fe.Args)
				}
			}
		}
		p := s.page(w, r, "appealui.settings_title", settingsData{Kinds: enumOptions(s, lang, "appeal.kind.", appeal.Kinds)})
		p.Form = f
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "appeal/settings", p)
		return
	}
	s.flash(w, "success", "flash.appeal_settings_saved")
	redirect(w, r, "/admin/appeal-settings")
}
