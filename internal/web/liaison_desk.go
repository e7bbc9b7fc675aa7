package web

import (
	"net/http"
	"strconv"

	"yingshang/internal/liaison"
	"yingshang/internal/xlsx"
)

// deskRow is an open appeal on the desk with its colour now.
type deskRow struct {
	liaison.DeskAppeal
	Class string
	Level string
}

type deskData struct {
	D         liaison.Desk
	Leaders   []Option // when the actor acts for several leaders
	Open      []deskRow
	Escalated []deskRow
	Problems  []problemRow
	Levels    []Option
	Months    []liaison.MonthSummary
}

// problemRow is a problem of a visit with its colour now.
type problemRow struct {
	liaison.Problem
	Class string
	Level string
}

func (s *Server) liaisonDesk(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	leader := queryInt(r.URL.Query(), "leader")
	desk, err := s.Liaison.Desk(r.Context(), a, leader)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	months, err := s.Liaison.MonthlySummary(r.Context(), a, desk.Leader.UserID, 12)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := deskData{D: desk, Months: months, Levels: s.options(langOf(r), "appeal.supervision.", []string{"1", "2", "3", "0"})}
	if opts, err := s.leaderOptions(r); err == nil && len(opts) > 1 {
		d.Leaders = opts
	}
	row := func(x liaison.DeskAppeal) deskRow {
		return deskRow{DeskAppeal: x, Class: slaClass(x.Brief, desk.Now), Level: liaisonLevel(x.Brief, desk.Now)}
	}
	for _, x := range desk.Open {
		d.Open = append(d.Open, row(x))
	}
	for _, x := range desk.Escalated {
		d.Escalated = append(d.Escalated, row(x))
	}
	for _, p := range desk.Problems {
		pr := problemRow{Problem: p}
		if p.HasAppeal {
			pr.Class, pr.Level = slaClass(p.Appeal, desk.Now), liaisonLevel(p.Appeal, desk.Now)
		}
		d.Problems = append(d.Problems, pr)
	}
	p := s.page(w, r, "liaison.desk.title", d)
	p.Form = NewForm(nil)
	s.render(w, r, "liaison/desk", p)
}

// liaisonDeskExport downloads the leader's monthly summary of the last twelve months.
func (s *Server) liaisonDeskExport(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	lang := langOf(r)
	T := func(k string) string { return s.Catalog.T(lang, k) }
	desk, err := s.Liaison.Desk(r.Context(), a, queryInt(r.URL.Query(), "leader"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	months, err := s.Liaison.MonthlySummary(r.Context(), a, desk.Leader.UserID, 12)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	xw, err := xlsx.NewWriter(T("liaison.summary.title"), []string{T("liaison.summary.month"), T("liaison.summary.visits"),
		T("liaison.summary.orgs"), T("liaison.summary.problems"), T("liaison.summary.answered"), T("liaison.summary.closed"),
		T("liaison.summary.solved"), T("liaison.summary.called_back"), T("liaison.summary.satisfied"), T("liaison.summary.rate")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, m := range months {
		rate := ""
		if m.CalledBack > 0 {
			rate = strconv.FormatFloat(100*m.SatisfactionRate(), 'f', 1, 64) + "%"
		}
		if err := xw.Row(m.Month, m.Visits, m.OrgsVisited, m.Problems, m.Answered, m.Closed, m.Solved, m.CalledBack, m.Satisfied, rate); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := s.Audit.Record(r.Context(), a, "liaison_summary.export", "user", strconv.FormatInt(desk.Leader.UserID, 10), map[string]any{"months": len(months)}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := xw.Serve(w, desk.Leader.Name+"-"+T("liaison.summary.title")+".xlsx"); err != nil {
		s.Logger.Error("export summary", "err", err)
	}
}

// liaisonSupervise is the desk's one action on an appeal: supervise at a level (督办,
// 重点督办, 挂牌督办; 0 lifts it) or add a note at the same level.
func (s *Server) liaisonSupervise(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	level, err := strconv.Atoi(v.Get("level"))
	if err != nil {
		level = -1 // the service names the range
	}
	ap, err := s.Liaison.Supervise(r.Context(), actorOf(r), formInt(v, "appeal_id"), formInt(v, "version"), level, v.Get("note"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, "success", "flash.liaison_supervised", "Number", ap.Number)
	to := "/liaison/desk"
	if l := formInt(v, "leader"); l != 0 {
		to += "?leader=" + strconv.FormatInt(l, 10)
	}
	redirect(w, r, to+"#open")
}
