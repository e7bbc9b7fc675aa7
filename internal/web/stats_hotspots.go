package web

import (
	"math"
	"net/http"
	"strconv"

	"yingshang/internal/appeal"
	"yingshang/internal/stats"
)

type heatCell struct {
	N     int64
	Level int
}

type heatRow struct {
	Name  string
	Cells []heatCell
	Total int64
}

type surgeRow struct {
	Category, District, Week, Growth string
	Count, Prev                      int64
}

type topRow struct {
	Name  string
	Count int64
	Share string
	Bar   int // 0..100 in steps of 5
}

type hotspotData struct {
	F         statsFilter
	H         stats.Hotspots
	District  string
	Districts []Option
	Heads     []string // district names of the table's columns
	Rows      []heatRow
	Surges    []surgeRow
	Top       []topRow
	Chart     map[string]any
	WeekTable []heatRow
	Weeks     []string
}

func (s *Server) categoryName(lang string, c stats.CategoryRef) string {
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.Name
}

func (s *Server) statsHotspots(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	f := s.statsPeriod(r)
	district := r.URL.Query().Get("district")
	h, err := s.Stats.Hotspots(r.Context(), actorOf(r), stats.HotspotQuery{Period: f.Period, Kind: appeal.Kind(f.Kind), District: district})
	if err != nil {
		if s.Bind(f.Form, lang, err) {
			district = ""
			h, err = s.Stats.Hotspots(r.Context(), actorOf(r), stats.HotspotQuery{Period: f.Period, Kind: appeal.Kind(f.Kind)})
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	d := hotspotData{F: f, H: h, District: h.District}
	for _, code := range h.Districts {
		name := s.districtName(lang, code)
		d.Heads = append(d.Heads, name)
		d.Districts = append(d.Districts, Option{Value: code, Label: name})
	}
	for i, c := range h.Categories {
		row := heatRow{Name: s.categoryName(lang, c)}
		for _, n := range h.ByDistrict[i] {
			row.Cells = append(row.Cells, heatCell{N: n, Level: stats.Level(n, h.MaxCell)})
			row.Total += n
		}
		d.Rows = append(d.Rows, row)
		wr := heatRow{Name: row.Name}
		for _, n := range h.ByWeek[i] {
			wr.Cells = append(wr.Cells, heatCell{N: n, Level: stats.Level(n, h.MaxWeek)})
			wr.Total += n
		}
		d.WeekTable = append(d.WeekTable, wr)
	}
	for _, wk := range h.Weeks {
		d.Weeks = append(d.Weeks, wk.String()[5:])
	}
	for _, sg := range h.Surges {
		g := s.Catalog.T(lang, "stats.hot.new")
		if !math.IsInf(sg.Growth, 1) {
			g = "+" + strconv.FormatFloat(sg.Growth*100, 'f', 1, 64) + "%"
		}
		d.Surges = append(d.Surges, surgeRow{Category: s.categoryName(lang, sg.Category), District: s.districtName(lang, sg.District),
			Week: sg.Week.String(), Growth: g, Count: sg.Count, Prev: sg.Prev})
	}
	for _, tc := range h.Top {
		d.Top = append(d.Top, topRow{Name: s.categoryName(lang, tc.Category), Count: tc.Count,
			Share: strconv.FormatFloat(tc.Share*100, 'f', 1, 64) + "%", Bar: min(100, int(tc.Share*100+2.5)/5*5)})
	}
	// The heat map: weeks across, categories down, the count in each cell.
	var data [][3]int64
	var cats []string
	for i, row := range d.WeekTable {
		cats = append(cats, row.Name)
		for k, c := range row.Cells {
			if c.N > 0 {
				data = append(data, [3]int64{int64(k), int64(i), c.N})
			}
		}
	}
	d.Chart = map[string]any{
		"tooltip":   map[string]any{"position": "top"},
		"grid":      map[string]any{"left": 8, "right": 16, "top": 8, "bottom": 56, "containLabel": true},
		"xAxis":     map[string]any{"type": "category", "data": d.Weeks, "splitArea": map[string]any{"show": true}},
		"yAxis":     map[string]any{"type": "category", "data": cats, "splitArea": map[string]any{"show": true}},
		"visualMap": map[string]any{"min": 0, "max": max(h.MaxWeek, 1), "calculable": true, "orient": "horizontal", "left": "center", "bottom": 0},
		"series": []map[string]any{{"name": s.Catalog.T(lang, "stats.hot.filed"), "type": "heatmap", "data": data,
			"label": map[string]any{"show": len(d.Weeks) <= 14}}},
	}
	p := s.page(w, r, "stats.hot.title", d)
	p.Charts = true
	p.Form = f.Form
	s.render(w, r, "stats/hotspots", p)
}
