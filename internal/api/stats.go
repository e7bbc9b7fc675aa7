package api

import (
	"math"
	"net/http"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/stats"
)

func (s *Server) statsRoutes() []Route {
	if s.Stats == nil {
		return nil
	}
	return []Route{
		{Method: "GET", Pattern: "/api/v1/stats/assessment", Area: "stats", Handler: s.statsAssessment},
		{Method: "GET", Pattern: "/api/v1/stats/assessment/{org_id}", Area: "stats", Handler: s.statsDepartment},
		{Method: "GET", Pattern: "/api/v1/stats/hotspots", Area: "stats", Handler: s.statsHotspots},
		{Method: "GET", Pattern: "/api/v1/stats/proactive", Area: "stats", Handler: s.statsProactive},
	}
}

// PeriodJSON is a statistics period: Shanghai dates, both included.
type PeriodJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
	Name string `json:"name"`
}

func periodJSON(p stats.Period) PeriodJSON {
	return PeriodJSON{From: p.From.String(), To: p.To.String(), Name: p.Name}
}

// ratio is a rate 0..1 rounded to four places, null without a denominator.
func ratio(r stats.Rate) *float64 { return num(r.Value(), 4) }

func num(v float64, places int) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	p := math.Pow(10, float64(places))
	x := math.Round(v*p) / p
	return &x
}

// AssessmentRowJSON is one department's figures.
type AssessmentRowJSON struct {
	Rank    int    `json:"rank,omitempty"`
	OrgID   int64  `json:"org_id,omitempty"`
	OrgName string `json:"org_name,omitempty"`
	Own     bool   `json:"own"`
	stats.Counts
	ResponseRate     *float64 `json:"response_rate"`
	ResolutionRate   *float64 `json:"resolution_rate"`
	SatisfactionRate *float64 `json:"satisfaction_rate"`
	OnTimeRate       *float64 `json:"on_time_rate"`
	AvgWorkingDays   *float64 `json:"avg_working_days"`
	Composite        *float64 `json:"composite"`
}

func assessmentRowJSON(r stats.Row) AssessmentRowJSON {
	return AssessmentRowJSON{Rank: r.Rank, OrgID: r.OrgID, OrgName: r.OrgName, Own: r.Own, Counts: r.Counts,
		ResponseRate: ratio(r.Response), ResolutionRate: ratio(r.Resolution), SatisfactionRate: ratio(r.Satisfaction),
		OnTimeRate: ratio(r.OnTime), AvgWorkingDays: num(r.AvgDays, 2), Composite: num(r.Composite, 2)}
}

type weightsJSON struct {
	Response     int `json:"response"`
	Resolution   int `json:"resolution"`
	Satisfaction int `json:"satisfaction"`
}

type assessmentJSON struct {
	Period    PeriodJSON          `json:"period"`
	Kind      string              `json:"kind"`
	Weights   weightsJSON         `json:"weights"`
	UpdatedAt *time.Time          `json:"updated_at"`
	Rows      []AssessmentRowJSON `json:"rows"`
	Inactive  []AssessmentRowJSON `json:"inactive"`
	Total     AssessmentRowJSON   `json:"total"`
}

// period reads period, or from and to.
func (s *Server) period(r *http.Request) (stats.Period, appeal.Kind, error) {
	q := r.URL.Query()
	p, err := stats.ParsePeriod(q.Get("period"), q.Get("from"), q.Get("to"), s.Now())
	if err != nil {
		return p, "", err
	}
	return p, appeal.Kind(q.Get("kind")), nil
}

func (s *Server) statsAssessment(w http.ResponseWriter, r *http.Request) error {
	p, kind, err := s.period(r)
	if err != nil {
		return err
	}
	sort := r.URL.Query().Get("sort")
	rep, err := s.Stats.Assessment(r.Context(), actorOf(r), stats.AssessmentQuery{Period: p, Kind: kind, Sort: sort})
	if err != nil {
		return err
	}
	st := rep.Settings
	out := assessmentJSON{Period: periodJSON(p), Kind: string(kind), Rows: []AssessmentRowJSON{}, Inactive: []AssessmentRowJSON{},
		Weights: weightsJSON{st.WeightResponse, st.WeightResolution, st.WeightSatisfaction}, Total: assessmentRowJSON(rep.Total)}
	if !rep.Fresh.UpdatedAt.IsZero() {
		out.UpdatedAt = &rep.Fresh.UpdatedAt
	}
	for _, row := range rep.Rows {
		out.Rows = append(out.Rows, assessmentRowJSON(row))
	}
	for _, row := range rep.Inactive {
		out.Inactive = append(out.Inactive, AssessmentRowJSON{OrgID: row.OrgID, OrgName: row.OrgName, Own: row.Own})
	}
	return writeJSON(w, http.StatusOK, out)
}

type monthJSON struct {
	Month string `json:"month"`
	AssessmentRowJSON
}

func (s *Server) statsDepartment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "org_id")
	if err != nil {
		return err
	}
	p, kind, err := s.period(r)
	if err != nil {
		return err
	}
	rep, err := s.Stats.Department(r.Context(), actorOf(r), id, stats.AssessmentQuery{Period: p, Kind: kind})
	if err != nil {
		return err
	}
	out := struct {
		Period     PeriodJSON        `json:"period"`
		Kind       string            `json:"kind"`
		Department AssessmentRowJSON `json:"department"`
		Months     []monthJSON       `json:"months"`
	}{Period: periodJSON(p), Kind: string(kind), Department: assessmentRowJSON(rep.Dept), Months: []monthJSON{}}
	for _, m := range rep.Months {
		out.Months = append(out.Months, monthJSON{Month: m.Month, AssessmentRowJSON: assessmentRowJSON(m.Row)})
	}
	return writeJSON(w, http.StatusOK, out)
}

type categoryJSON struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

func catJSON(c stats.CategoryRef) categoryJSON {
	return categoryJSON{ID: c.ID, Code: c.Code, Name: c.Name, NameEN: c.NameEN}
}

type surgeJSON struct {
	Category categoryJSON `json:"category"`
	District string       `json:"district"`
	Week     string       `json:"week"`
	Count    int64        `json:"count"`
	Prev     int64        `json:"prev"`
	Growth   *float64     `json:"growth"`
}

type topJSON struct {
	Category categoryJSON `json:"category"`
	Count    int64        `json:"count"`
	Share    *float64     `json:"share"`
}

func (s *Server) statsHotspots(w http.ResponseWriter, r *http.Request) error {
	p, kind, err := s.period(r)
	if err != nil {
		return err
	}
	h, err := s.Stats.Hotspots(r.Context(), actorOf(r), stats.HotspotQuery{Period: p, Kind: kind, District: r.URL.Query().Get("district")})
	if err != nil {
		return err
	}
	out := struct {
		Period     PeriodJSON     `json:"period"`
		Kind       string         `json:"kind"`
		District   string         `json:"district"`
		Total      int64          `json:"total"`
		Categories []categoryJSON `json:"categories"`
		Districts  []string       `json:"districts"`
		ByDistrict [][]int64      `json:"by_district"`
		Weeks      []string       `json:"weeks"`
		ByWeek     [][]int64      `json:"by_week"`
		Surges     []surgeJSON    `json:"surges"`
		Top        []topJSON      `json:"top"`
	}{Period: periodJSON(p), Kind: string(kind), District: h.District, Total: h.Total, Categories: []categoryJSON{}, Districts: h.Districts,
		ByDistrict: h.ByDistrict, Weeks: []string{}, ByWeek: h.ByWeek, Surges: []surgeJSON{}, Top: []topJSON{}}
	for _, c := range h.Categories {
		out.Categories = append(out.Categories, catJSON(c))
	}
	for _, wk := range h.Weeks {
		out.Weeks = append(out.Weeks, wk.String())
	}
	for _, sg := range h.Surges {
		out.Surges = append(out.Surges, surgeJSON{Category: catJSON(sg.Category), District: sg.District, Week: sg.Week.String(),
			Count: sg.Count, Prev: sg.Prev, Growth: num(sg.Growth, 4)})
	}
	for _, tc := range h.Top {
		out.Top = append(out.Top, topJSON{Category: catJSON(tc.Category), Count: tc.Count, Share: num(tc.Share, 4)})
	}
	if out.Districts == nil {
		out.Districts = []string{}
	}
	return writeJSON(w, http.StatusOK, out)
}

// TaskJSON is a proactive task (未诉先办).
type TaskJSON struct {
	ID           int64        `json:"id"`
	Category     categoryJSON `json:"category"`
	District     string       `json:"district"`
	Title        string       `json:"title"`
	Enterprises  int          `json:"enterprises"`
	Appeals      int          `json:"appeals"`
	FirstAt      time.Time    `json:"first_at"`
	LastAt       time.Time    `json:"last_at"`
	State        string       `json:"state"`
	AppealNumber string       `json:"appeal_number"`
	Note         string       `json:"note"`
	DetectedAt   time.Time    `json:"detected_at"`
	Version      int64        `json:"version"`
}

func (s *Server) statsProactive(w http.ResponseWriter, r *http.Request) error {
	c, err := ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	st := stats.TaskState(r.URL.Query().Get("state"))
	pg, err := s.Stats.Tasks(r.Context(), actorOf(r), stats.TaskFilter{State: st, AfterID: c.ID, Limit: limit})
	if err != nil {
		return err
	}
	out := struct {
		Items      []TaskJSON `json:"items"`
		NextCursor string     `json:"next_cursor,omitempty"`
	}{Items: []TaskJSON{}}
	for _, t := range pg.Items {
		out.Items = append(out.Items, TaskJSON{ID: t.ID, Category: categoryJSON{ID: t.CategoryID, Code: t.CategoryCode, Name: t.CategoryName},
			District: t.DistrictCode, Title: t.Title, Enterprises: t.Enterprises, Appeals: t.Appeals, FirstAt: t.FirstAt, LastAt: t.LastAt,
			State: string(t.State), AppealNumber: t.AppealNumber, Note: t.Note, DetectedAt: t.DetectedAt, Version: t.Version})
	}
	if pg.NextID > 0 {
		out.NextCursor = Cursor{ID: pg.NextID}.Encode()
	}
	return writeJSON(w, http.StatusOK, out)
}
