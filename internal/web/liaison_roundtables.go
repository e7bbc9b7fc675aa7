package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/i18n"
	"yingshang/internal/liaison"
)

type roundtableListData struct {
	Items     []liaison.RoundtableRow
	Pager     Pager
	CanRecord bool
}

func (s *Server) liaisonRoundtables(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, size := pageParams(q, 50)
	f := liaison.RoundtableFilter{HostID: queryInt(q, "host"), Offset: (page - 1) * size, Limit: size}
	a := actorOf(r)
	items, total, err := s.Liaison.ListRoundtables(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := roundtableListData{Items: items, Pager: newPager(q, page, size, total), CanRecord: liaison.CanRecordRoundtables(a)}
	s.render(w, r, "liaison/roundtables", s.page(w, r, "liaison.roundtables.title", d))
}

type roundtableFormData struct {
	Depts []Option
}

func (s *Server) liaisonRoundtableNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(w, r, "liaison.roundtables.new", roundtableFormData{Depts: s.departmentOptions(r)})
	p.Form = NewForm(url.Values{"held_on": {s.Liaison.Today()}})
	s.render(w, r, "liaison/roundtable_form", p)
}

func (s *Server) liaisonRoundtableCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	rt, err := s.Liaison.CreateRoundtable(r.Context(), actorOf(r), liaison.RoundtableInput{Title: v.Get("title"), HeldOn: v.Get("held_on"),
		Location: v.Get("location"), Topics: v.Get("topics"), Summary: v.Get("summary"), HostIDs: formIDs(v, "host_id"),
		ParticipantNames: lines(v.Get("participants"))})
	if err != nil {
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		p := s.page(w, r, "liaison.roundtables.new", roundtableFormData{Depts: s.departmentOptions(r)})
		p.Form = f
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "liaison/roundtable_form", p)
		return
	}
	s.flash(w, "success", "flash.liaison_roundtable_created", "Title", rt.Title)
	redirect(w, r, "/liaison/roundtables/"+strconv.FormatInt(rt.ID, 10))
}

type roundtablePageData struct {
	R         liaison.Roundtable
	Rows      []problemRow
	CanRecord bool
	Problems  []problemForm
	Opts      problemOptions
	Query     string
	Printed   time.Time
	Outcomes  map[appeal.Outcome]int
}

func (s *Server) roundtableData(r *http.Request, id int64, blocks int) (roundtablePageData, error) {
	a := actorOf(r)
	rt, err := s.Liaison.GetRoundtable(r.Context(), a, id)
	if err != nil {
		return roundtablePageData{}, err
	}
	now := s.Now()
	d := roundtablePageData{R: rt, CanRecord: liaison.CanRecordRoundtables(a), Printed: now, Outcomes: map[appeal.Outcome]int{},
		Query: url.Values{"roundtable": {strconv.FormatInt(id, 10)}}.Encode()}
	for _, p := range rt.Issues {
		pr := problemRow{Problem: p}
		if p.HasAppeal {
			pr.Class, pr.Level = slaClass(p.Appeal, now), liaisonLevel(p.Appeal, now)
			if p.Answered() && p.Appeal.Outcome != "" {
				d.Outcomes[p.Appeal.Outcome]++
			}
		}
		d.Rows = append(d.Rows, pr)
	}
	if d.CanRecord {
		d.Problems, d.Opts = problemFields(blocks), s.problemOptions(r, rt.Participants, true)
	}
	return d, nil
}

func (s *Server) liaisonRoundtable(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	d, err := s.roundtableData(r, id, problemBlocks)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(w, r, "liaison.roundtable.title", d)
	p.Title = d.R.Title
	p.Form = NewForm(nil)
	s.render(w, r, "liaison/roundtable", p)
}

// liaisonRoundtableReport is the printable report for the hosts: the roundtable, its
// participants and topics, and the follow-up of every issue as it stands today.
func (s *Server) liaisonRoundtableReport(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	d, err := s.roundtableData(r, id, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.CanRecord = false
	p := s.page(w, r, "liaison.report.title", d)
	p.Title = d.R.Title + " · " + p.Title
	s.render(w, r, "liaison/roundtable_report", p)
}

func (s *Server) liaisonRoundtableIssues(w http.ResponseWriter, r *http.Request) {
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
	ps, at := parseProblems(v)
	rt, err := s.Liaison.AddRoundtableIssues(r.Context(), actorOf(r), id, ps)
	if err != nil {
		err = reindexErrors(err, at)
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		d, derr := s.roundtableData(r, id, problemCount(v))
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		p := s.page(w, r, "liaison.roundtable.title", d)
		p.Title, p.Form = d.R.Title, f
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "liaison/roundtable", p)
		return
	}
	s.flash(w, "success", "flash.liaison_issues_added", "N", len(ps))
	redirect(w, r, "/liaison/roundtables/"+strconv.FormatInt(rt.ID, 10)+"#followup")
}

// suggestionsData is the suggestions' statistics page.
type suggestionsData struct {
	S        appeal.SuggestionStats
	From, To string
	Sources  []appeal.SuggestionSource
	Outcomes []appeal.Outcome
	Depts    []appeal.DeptSuggestions
}

// AdoptionRate is (adopted + partly adopted) / handled, as a percentage text.
func (d suggestionsData) AdoptionRate() string {
	h := d.S.Total.Handled
	if h == 0 {
		return "—"
	}
	n := d.S.Total.ByOutcome[appeal.OutcomeAdopted] + d.S.Total.ByOutcome[appeal.OutcomePartlyAdopted]
	return i18n.Percent(float64(n) / float64(h))
}

func (s *Server) liaisonSuggestions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	now := s.Now().In(i18n.Shanghai)
	d := suggestionsData{From: q.Get("from"), To: q.Get("to"), Sources: appeal.SuggestionSources, Outcomes: appeal.SuggestionOutcomes}
	if d.From == "" && d.To == "" && q.Get("all") == "" {
		d.From = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, i18n.Shanghai).Format("2006-01-02")
	}
	var from, to time.Time
	f := NewForm(q)
	for _, b := range []struct {
		field string
		val   string
		t     *time.Time
	}{{"from", d.From, &from}, {"to", d.To, &to}} {
		if b.val == "" {
			continue
		}
		day, ok := liaisonDay(b.val)
		if !ok {
			f.Errors[b.field] = s.Catalog.T(langOf(r), "error.date")
			continue
		}
		t, _ := time.ParseInLocation("2006-01-02", day, i18n.Shanghai)
		if b.field == "to" {
			t = t.AddDate(0, 0, 1) // the day given is included
		}
		*b.t = t
	}
	status := http.StatusOK
	if len(f.Errors) == 0 {
		st, err := s.Liaison.SuggestionStats(r.Context(), actorOf(r), from, to)
		if err != nil {
			if !s.Bind(f, langOf(r), err) {
				s.fail(w, r, err)
				return
			}
			status = http.StatusUnprocessableEntity
		}
		d.S = st
		d.Depts = st.ByDept
		if len(d.Depts) > 30 {
			d.Depts = d.Depts[:30]
		}
	} else {
		status = http.StatusUnprocessableEntity
	}
	p := s.page(w, r, "liaison.suggestions.title", d)
	p.Form = f
	s.renderStatus(w, r, status, "liaison/suggestions", p)
}
