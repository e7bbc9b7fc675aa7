package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/i18n"
	"yingshang/internal/stats"
	"yingshang/internal/xlsx"
)

var statsViewers = roles(auth.RoleOperator, auth.RoleAdmin, auth.RoleAnalyst, auth.RoleLeader, auth.RoleDepartment)

func (s *Server) statsRoutes() []Route {
	if s.Stats == nil {
		return nil
	}
	return []Route{
		{"GET", "/stats/assessment", statsViewers, s.statsAssessment},
		{"GET", "/stats/assessment.xlsx", statsViewers, s.statsAssessmentExport},
		{"GET", "/stats/assessment/{id}", statsViewers, s.statsDepartment},
		{"GET", "/stats/hotspots", statsViewers, s.statsHotspots},
		{"GET", "/stats/proactive", roles(auth.RoleOperator), s.statsProactive},
		{"GET", "/stats/proactive/{id}", roles(auth.RoleOperator), s.statsTask},
		{"POST", "/stats/proactive/{id}/dispatch", roles(auth.RoleOperator), s.statsTaskDispatch},
		{"POST", "/stats/proactive/{id}/dismiss", roles(auth.RoleOperator), s.statsTaskDismiss},
		{"GET", "/stats/settings", perm(auth.PermSettingsManage), s.statsSettings},
		{"POST", "/stats/settings", perm(auth.PermSettingsManage), s.statsSettingsSave},
	}
}

// statsFilter is the period picker: the period asked for, or the form with its errors.
type statsFilter struct {
	Period  stats.Period
	Preset  string // month, quarter, year, custom
	From    string
	To      string
	Kind    string
	Kinds   []Option
	Presets []Option
	Label   string
	Form    *Form
}

// statsPeriod reads period, from, to and kind; a bad value shows the current month with
// the error next to its field.
func (s *Server) statsPeriod(r *http.Request) statsFilter {
	q := r.URL.Query()
	lang := langOf(r)
	f := statsFilter{Preset: q.Get("period"), Kind: q.Get("kind"), Form: NewForm(q)}
	from, to := q.Get("from"), q.Get("to")
	if f.Preset == "custom" && from == "" && to == "" {
		f.Preset = ""
	}
	if f.Preset != "custom" && f.Preset != "" {
		from, to = "", ""
	}
	p, err := stats.ParsePeriod(f.Preset, from, to, s.Now())
	if err != nil {
		s.Bind(f.Form, lang, err)
		p, _ = stats.ParsePeriod("month", "", "", s.Now())
		f.Preset = "custom"
	} else if p.Name == "custom" {
		f.Preset = "custom"
	} else if f.Preset == "" {
		f.Preset = "month"
	}
	f.Period, f.From, f.To = p, p.From.String(), p.To.String()
	if f.Form.Err("from") != "" || f.Form.Err("to") != "" {
		f.From, f.To = from, to
	}
	if !validKind(f.Kind) {
		f.Kind = ""
	}
	kinds := make([]string, len(appeal.Kinds))
	for i, k := range appeal.Kinds {
		kinds[i] = string(k)
	}
	f.Kinds = s.options(lang, "appeal.kind.", kinds)
	f.Presets = s.options(lang, "stats.period.", []string{"month", "quarter", "year", "custom"})
	f.Label = p.Label(lang)
	return f
}

func validKind(k string) bool {
	for _, x := range appeal.Kinds {
		if string(x) == k {
			return true
		}
	}
	return false
}

// rate formats a rate as 93.5% (— without a denominator).
func rate(r stats.Rate) string { return i18n.Percent(r.Value()) }

func (s *Server) days(lang string, d float64) string {
	if math.IsNaN(d) {
		return "—"
	}
	return s.Catalog.T(lang, "stats.days", "N", strconv.FormatFloat(d, 'f', 1, 64))
}

func score(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// assessmentRow is a ranked row as the page shows it.
type assessmentRow struct {
	stats.Row
	Response, Resolution, Satisfaction, OnTime, AvgDays, Composite string
	DrillURL, DetailURL                                            string
}

type assessmentData struct {
	F        statsFilter
	Rep      stats.Report
	Rows     []assessmentRow
	Inactive []stats.Row
	Total    assessmentRow
	Chart    map[string]any
	Updated  string
	query    url.Values
}

// Sort returns the header link of a sortable column (descending first for rates).
func (d assessmentData) Sort(key string) SortLink {
	return sortLink(d.query, d.Rep.Sort, key, key != "name" && key != "rank" && key != "avg_days")
}

func (s *Server) assessmentRow(lang string, r stats.Row, p stats.Period, kind string) assessmentRow {
	out := assessmentRow{Row: r, Response: rate(r.Response), Resolution: rate(r.Resolution), Satisfaction: rate(r.Satisfaction),
		OnTime: rate(r.OnTime), AvgDays: s.days(lang, r.AvgDays), Composite: score(r.Composite)}
	if r.OrgID != 0 {
		v := url.Values{"dept": {strconv.FormatInt(r.OrgID, 10)}, "from": {p.From.String()}, "to": {p.To.String()}}
		if kind != "" {
			v.Set("kind", kind)
		}
		out.DrillURL = "/appeals?" + v.Encode()
		out.DetailURL = fmt.Sprintf("/stats/assessment/%d?%s", r.OrgID, v.Encode())
	}
	return out
}

func (s *Server) statsAssessment(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	f := s.statsPeriod(r)
	rep, err := s.Stats.Assessment(r.Context(), actorOf(r), stats.AssessmentQuery{Period: f.Period, Kind: appeal.Kind(f.Kind), Sort: r.URL.Query().Get("sort")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := assessmentData{F: f, Rep: rep, Inactive: rep.Inactive, query: r.URL.Query()}
	for _, row := range rep.Rows {
		d.Rows = append(d.Rows, s.assessmentRow(lang, row, f.Period, f.Kind))
	}
	d.Total = s.assessmentRow(lang, rep.Total, f.Period, f.Kind)
	if !rep.Fresh.UpdatedAt.IsZero() {
		d.Updated = i18n.DateTime(lang, rep.Fresh.UpdatedAt)
	}
	d.Chart = s.assessmentChart(lang, rep)
	p := s.page(w, r, "stats.assessment.title", d)
	p.Charts = true
	p.Form = f.Form
	s.render(w, r, "stats/assessment", p)
}

// chartTop is how many departments the bar chart shows.
const chartTop = 15

func round1(v float64) any {
	if math.IsNaN(v) {
		return nil
	}
	return math.Round(v*10) / 10
}

// assessmentChart is the ECharts option of the ranking: the composite and the three
// rates of the best-ranked departments, rank 1 on top.
func (s *Server) assessmentChart(lang string, rep stats.Report) map[string]any {
	ranked := append([]stats.Row(nil), rep.Rows...)
	for i := 1; i < len(ranked); i++ {
		for j := i; j > 0 && ranked[j].Rank < ranked[j-1].Rank; j-- {
			ranked[j], ranked[j-1] = ranked[j-1], ranked[j]
		}
	}
	if len(ranked) > chartTop {
		ranked = ranked[:chartTop]
	}
	T := func(k string) string { return s.Catalog.T(lang, k) }
	var names []string
	series := map[string][]any{}
	keys := []string{"composite", "response", "resolution", "satisfaction"}
	for i := len(ranked) - 1; i >= 0; i-- {
		row := ranked[i]
		names = append(names, row.OrgName)
		series["composite"] = append(series["composite"], round1(row.Composite))
		series["response"] = append(series["response"], round1(row.Response.Value()*100))
		series["resolution"] = append(series["resolution"], round1(row.Resolution.Value()*100))
		series["satisfaction"] = append(series["satisfaction"], round1(row.Satisfaction.Value()*100))
	}
	var ss []map[string]any
	var legend []string
	for _, k := range keys {
		name := T("stats.col." + k)
		legend = append(legend, name)
		ss = append(ss, map[string]any{"name": name, "type": "bar", "data": series[k]})
	}
	return map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"legend":  map[string]any{"data": legend, "top": 0},
		"grid":    map[string]any{"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": true},
		"xAxis":   map[string]any{"type": "value", "min": 0, "max": 100},
		"yAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"width": 110, "overflow": "truncate"}},
		"series":  ss,
	}
}

func (s *Server) statsAssessmentExport(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	T := func(k string) string { return s.Catalog.T(lang, k) }
	a := actorOf(r)
	f := s.statsPeriod(r)
	if f.Form.Error != "" {
		s.errorPage(w, r, http.StatusUnprocessableEntity, "error.page_error", "error.invalid")
		return
	}
	rep, err := s.Stats.Assessment(r.Context(), a, stats.AssessmentQuery{Period: f.Period, Kind: appeal.Kind(f.Kind), Sort: r.URL.Query().Get("sort")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cols := []string{"rank", "name", "composite", "response", "resolution", "satisfaction", "on_time", "avg_days", "redone", "dispatched", "claimed_on_time", "answered", "called_back", "solved", "satisfied"}
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = T("stats.col." + c)
	}
	title := T("stats.assessment.title") + " " + f.Label
	xw, err := xlsx.NewWriter(T("stats.assessment.sheet"), head)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	num := func(v float64, scale float64) any {
		if math.IsNaN(v) {
			return ""
		}
		return math.Round(v*scale*10) / 10
	}
	write := func(rank any, row stats.Row) error {
		return xw.Row(rank, row.OrgName, num(row.Composite, 1), num(row.Response.Value(), 100), num(row.Resolution.Value(), 100),
			num(row.Satisfaction.Value(), 100), num(row.OnTime.Value(), 100), num(row.AvgDays, 1), row.Redone, row.Dispatched,
			row.ClaimedOnTime, row.Answered, row.CalledBack, row.Solved, row.Satisfied)
	}
	for _, row := range rep.Rows {
		if err := write(row.Rank, row); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	for _, row := range rep.Inactive {
		if err := write(T("stats.not_ranked"), row); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := s.Audit.Record(r.Context(), a, "stats.assessment.export", "stats", "", map[string]any{"rows": xw.Rows(), "query": r.URL.RawQuery}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := xw.Serve(w, title+".xlsx"); err != nil {
		s.Logger.Error("export assessment", "err", err)
	}
}

type departmentData struct {
	F      statsFilter
	Dept   assessmentRow
	Months []assessmentRow
	Chart  map[string]any
}

func (s *Server) statsDepartment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	lang := langOf(r)
	f := s.statsPeriod(r)
	rep, err := s.Stats.Department(r.Context(), actorOf(r), id, stats.AssessmentQuery{Period: f.Period, Kind: appeal.Kind(f.Kind)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := departmentData{F: f, Dept: s.assessmentRow(lang, rep.Dept, f.Period, f.Kind)}
	var months []string
	series := map[string][]any{}
	for _, m := range rep.Months {
		row := s.assessmentRow(lang, m.Row, f.Period, f.Kind)
		row.OrgName = m.Month
		d.Months = append(d.Months, row)
		months = append(months, m.Month)
		series["response"] = append(series["response"], round1(m.Response.Value()*100))
		series["resolution"] = append(series["resolution"], round1(m.Resolution.Value()*100))
		series["satisfaction"] = append(series["satisfaction"], round1(m.Satisfaction.Value()*100))
		series["composite"] = append(series["composite"], round1(m.Composite))
	}
	var ss []map[string]any
	for _, k := range []string{"composite", "response", "resolution", "satisfaction"} {
		ss = append(ss, map[string]any{"name": s.Catalog.T(lang, "stats.col."+k), "type": "line", "data": series[k], "connectNulls": true})
	}
	d.Chart = map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": true},
		"xAxis":   map[string]any{"type": "category", "data": months},
		"yAxis":   map[string]any{"type": "value", "min": 0, "max": 100},
		"series":  ss,
	}
	p := s.page(w, r, "stats.department.title", d)
	p.Title = rep.Dept.OrgName
	p.Charts = true
	p.Form = f.Form
	s.render(w, r, "stats/department", p)
}
