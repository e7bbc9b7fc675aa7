package web

import (
	"net/http"
	"net/url"
	"strconv"

	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/directory"
	"yingshang/internal/stats"
)

type proactiveData struct {
	Counts map[string]int
	State  string
	States []Option
	Page   stats.TaskPage
	Next   string
}

func (s *Server) statsProactive(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := stats.TaskFilter{State: stats.TaskState(q.Get("state")), Limit: 50}
	if q.Get("state") == "" {
		f.State = stats.TaskOpen
	}
	if q.Get("state") == "all" {
		f.State = ""
	}
	f.AfterID, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	pg, err := s.Stats.Tasks(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	states := make([]string, len(stats.TaskStates))
	for i, st := range stats.TaskStates {
		states[i] = string(st)
	}
	d := proactiveData{State: string(f.State), States: s.options(langOf(r), "stats.task.state.", states), Page: pg, Counts: map[string]int{}}
	for st, n := range pg.Counts {
		d.Counts[string(st)] = n
	}
	if d.State == "" {
		d.State = "all"
	}
	if pg.NextID > 0 {
		v := url.Values{"state": {d.State}, "after": {strconv.FormatInt(pg.NextID, 10)}}
		d.Next = "?" + v.Encode()
	}
	s.render(w, r, "stats/proactive", s.page(w, r, "stats.proactive.title", d))
}

type taskData struct {
	T     stats.Task
	Depts []Option
	Kinds []Option
}

func (s *Server) taskPage(w http.ResponseWriter, r *http.Request, status int, t stats.Task, form *Form) {
	lang := langOf(r)
	depts, _, err := s.Directory.ListOrgs(r.Context(), actorOf(r), deptChoices(auth.OrgGovernment))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := taskData{T: t}
	for _, o := range depts {
		d.Depts = append(d.Depts, Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
	}
	kinds := make([]string, len(appeal.Kinds))
	for i, k := range appeal.Kinds {
		kinds[i] = string(k)
	}
	d.Kinds = s.options(lang, "appeal.kind.", kinds)
	p := s.page(w, r, "stats.task.title", d)
	p.Title = t.Title
	p.Form = form
	s.renderStatus(w, r, status, "stats/task", p)
}

func (s *Server) loadTask(w http.ResponseWriter, r *http.Request) (stats.Task, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return stats.Task{}, false
	}
	t, err := s.Stats.Task(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return stats.Task{}, false
	}
	return t, true
}

func (s *Server) statsTask(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTask(w, r)
	if !ok {
		return
	}
	in := s.Stats.DefaultDispatch(r.Context(), actorOf(r), t)
	form := NewForm(url.Values{"version": {strconv.FormatInt(t.Version, 10)}, "lead_org_id": {strconv.FormatInt(in.LeadOrgID, 10)},
		"kind": {string(in.Kind)}, "title": {in.Title}, "body": {in.Body}, "contact_name": {in.ContactName}, "contact_phone": {in.ContactPhone}})
	s.taskPage(w, r, http.StatusOK, t, form)
}

func (s *Server) statsTaskDispatch(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTask(w, r)
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	in := stats.DispatchTaskInput{Version: formInt(v, "version"), LeadOrgID: formInt(v, "lead_org_id"), Kind: appeal.Kind(v.Get("kind")),
		Title: v.Get("title"), Body: v.Get("body"), ContactName: v.Get("contact_name"), ContactPhone: v.Get("contact_phone")}
	done, err := s.Stats.DispatchTask(r.Context(), actorOf(r), t.ID, in)
	if err != nil {
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		if msg, ok := f.Errors["category_id"]; ok {
			f.Error = msg
		}
		s.taskPage(w, r, http.StatusUnprocessableEntity, t, f)
		return
	}
	s.flash(w, "success", "stats.flash.dispatched", "Number", done.AppealNumber)
	redirect(w, r, "/stats/proactive/"+strconv.FormatInt(t.ID, 10))
}

func (s *Server) statsTaskDismiss(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTask(w, r)
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	if _, err := s.Stats.DismissTask(r.Context(), actorOf(r), t.ID, formInt(v, "version"), v.Get("note")); err != nil {
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		s.taskPage(w, r, http.StatusUnprocessableEntity, t, f)
		return
	}
	s.flash(w, "success", "stats.flash.dismissed")
	redirect(w, r, "/stats/proactive")
}

func (s *Server) statsSettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.Stats.Settings(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := url.Values{}
	for k, n := range settingsFields(&st) {
		v.Set(k, strconv.Itoa(*n))
	}
	p := s.page(w, r, "stats.settings.title", nil)
	p.Form = NewForm(v)
	s.render(w, r, "stats/settings", p)
}

// settingsFields maps the form's fields to the settings.
func settingsFields(st *stats.Settings) map[string]*int {
	return map[string]*int{"weight_response": &st.WeightResponse, "weight_resolution": &st.WeightResolution,
		"weight_satisfaction": &st.WeightSatisfaction, "min_enterprises": &st.MinEnterprises, "window_days": &st.WindowDays,
		"similarity": &st.Similarity, "surge_percent": &st.SurgePercent, "surge_min": &st.SurgeMin}
}

func (s *Server) statsSettingsSave(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	var st stats.Settings
	f := NewForm(r.PostForm)
	for k, n := range settingsFields(&st) {
		x, err := strconv.Atoi(r.PostForm.Get(k))
		if err != nil {
			f.Errors[k] = s.Catalog.T(langOf(r), "error.number")
			x = -1
		}
		*n = x
	}
	err := s.Stats.UpdateSettings(r.Context(), actorOf(r), st)
	if err != nil || len(f.Errors) > 0 {
		if err != nil && !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		if f.Error == "" {
			f.Error = s.Catalog.T(langOf(r), "error.invalid")
		}
		p := s.page(w, r, "stats.settings.title", nil)
		p.Form = f
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "stats/settings", p)
		return
	}
	s.flash(w, "success", "stats.flash.settings_saved")
	redirect(w, r, "/stats/settings")
}

// deptChoices lists the organisations of a kind by name (the dispatch choices).
func deptChoices(kind string) directory.OrgFilter {
	return directory.OrgFilter{Kind: kind, Sort: "name", Limit: 500}
}
