package api

import (
	"net/http"
	"strconv"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/calendar"
)

func (s *Server) calendarRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/calendar/add", Area: "calendar", Handler: s.calendarAdd},
		{Method: "GET", Pattern: "/api/v1/calendar/days", Area: "calendar", Handler: s.calendarDays},
	}
}

type deadlineJSON struct {
	From         time.Time `json:"from"`
	Due          time.Time `json:"due"`
	WorkingDays  *int      `json:"working_days,omitempty"`
	WorkingHours *float64  `json:"working_hours,omitempty"`
}

func (s *Server) calendarAdd(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, due, err := s.Calendar.Deadline(q.Get("from"), q.Get("working_days"), q.Get("working_hours"))
	if err != nil {
		return err
	}
	out := deadlineJSON{From: from, Due: due}
	if v := q.Get("working_days"); v != "" {
		n, _ := strconv.Atoi(v)
		out.WorkingDays = &n
	} else {
		h, _ := strconv.ParseFloat(q.Get("working_hours"), 64)
		out.WorkingHours = &h
	}
	return writeJSON(w, http.StatusOK, out)
}

type daysJSON struct {
	Year        int                 `json:"year"`
	WorkingDays int                 `json:"working_days"`
	OfficeHours string              `json:"office_hours"`
	Days        []calendar.DayInfo  `json:"days"`
	Overrides   []calendar.Override `json:"overrides"`
}

func (s *Server) calendarDays(w http.ResponseWriter, r *http.Request) error {
	year, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || year < 1900 || year > 2199 {
		return apperr.Invalid("year", "error.range", "Min", 1900, "Max", 2199)
	}
	cal := s.Calendar.Calendar()
	out := daysJSON{Year: year, OfficeHours: cal.OfficeHours().String(), Days: cal.Days(year), Overrides: []calendar.Override{}}
	if out.Days == nil {
		out.Days = []calendar.DayInfo{}
	}
	for _, o := range cal.Overrides() {
		if o.Date.Year == year {
			out.Overrides = append(out.Overrides, o)
		}
	}
	for d := calendar.NewDate(year, 1, 1); d.Year == year; d = d.AddDays(1) {
		if cal.IsWorkingDay(d) {
			out.WorkingDays++
		}
	}
	return writeJSON(w, http.StatusOK, out)
}
