package web

import (
	"net/http"
	"strconv"
	"time"

	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/i18n"
)

func (s *Server) calendarRoutes() []Route {
	return []Route{
		{"GET", "/calendar", signedIn, s.calendarPage},
		{"POST", "/calendar/overrides", perm(auth.PermSettingsManage), s.calendarPut},
		{"POST", "/calendar/overrides/{date}/delete", perm(auth.PermSettingsManage), s.calendarDelete},
	}
}

type calendarMonth struct {
	Month time.Month
	Days  []calendar.DayInfo
}

type calendarData struct {
	Year      int
	Prev      int
	Next      int
	Months    []calendarMonth
	Overrides []calendar.Override
	Hours     string
	CanEdit   bool
	// The deadline check.
	From, Due time.Time
	Checked   bool
	WorkTotal int
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) {
	s.renderCalendar(w, r, nil, http.StatusOK)
}

func (s *Server) renderCalendar(w http.ResponseWriter, r *http.Request, overrideForm *Form, status int) {
	q := r.URL.Query()
	year, err := strconv.Atoi(q.Get("year"))
	if err != nil || year < 1900 || year > 2199 {
		year = s.Now().In(i18n.Shanghai).Year()
	}
	cal := s.Calendar.Calendar()
	a := actorOf(r)
	ovs, err := s.Calendar.Overrides(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := calendarData{Year: year, Prev: year - 1, Next: year + 1, Overrides: ovs, Hours: cal.OfficeHours().String(), CanEdit: a.Can(auth.PermSettingsManage)}
	for _, di := range cal.Days(year) {
		if n := len(d.Months); n == 0 || d.Months[n-1].Month != di.Date.Month {
			d.Months = append(d.Months, calendarMonth{Month: di.Date.Month})
		}
		d.Months[len(d.Months)-1].Days = append(d.Months[len(d.Months)-1].Days, di)
	}
	for day := calendar.NewDate(year, 1, 1); day.Year == year; day = day.AddDays(1) {
		if cal.IsWorkingDay(day) {
			d.WorkTotal++
		}
	}
	check := NewForm(q)
	if q.Get("from") != "" {
		from, due, err := s.Calendar.Deadline(q.Get("from"), q.Get("working_days"), q.Get("working_hours"))
		if err != nil {
			if !s.Bind(check, langOf(r), err) {
				s.fail(w, r, err)
				return
			}
			status = http.StatusUnprocessableEntity
		} else {
			d.From, d.Due, d.Checked = from, due, true
		}
	}
	p := s.page(w, r, "calendar.title", d)
	p.Form = check
	if overrideForm == nil {
		overrideForm = NewForm(nil)
	}
	p.Data = struct {
		calendarData
		OverrideForm *Form
	}{d, overrideForm}
	s.renderStatus(w, r, status, "calendar/calendar", p)
}

func (s *Server) calendarPut(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	o, err := s.Calendar.PutOverride(r.Context(), actorOf(r), calendar.OverrideInput{Date: v.Get("date"), Kind: v.Get("kind"), Name: v.Get("name")})
	if err != nil {
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		s.renderCalendar(w, r, f, http.StatusUnprocessableEntity)
		return
	}
	s.flash(w, "success", "flash.calendar_saved", "Date", o.Date.String())
	redirect(w, r, "/calendar?year="+strconv.Itoa(o.Date.Year))
}

func (s *Server) calendarDelete(w http.ResponseWriter, r *http.Request) {
	date := r.PathValue("date")
	if err := s.Calendar.DeleteOverride(r.Context(), actorOf(r), date); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, "success", "flash.calendar_deleted", "Date", date)
	year := date
	if len(year) >= 4 {
		year = year[:4]
	}
	redirect(w, r, "/calendar?year="+year)
}
