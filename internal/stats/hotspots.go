package stats

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// CategoryRef names a category of the dispatch catalogue.
type CategoryRef struct {
	ID     int64
	Code   string
	Name   string
	NameEN string
}

// Surge is a category × district whose week grew sharply over the week before.
type Surge struct {
	Category CategoryRef
	District string
	Week     Day // the Monday
	Count    int64
	Prev     int64
	// Growth is (Count − Prev) / Prev; +Inf when the week before had none.
	Growth float64
}

// TopCategory is a category (of any level) with its share of the period's appeals.
type TopCategory struct {
	Category CategoryRef
	Count    int64
	Share    float64
}

// Hotspots are where appeals come from: categories (top level of the catalogue) ×
// districts over the period, categories × weeks (Monday to Sunday, the weeks that touch
// the period, in one district or all), the surges of those weeks and the categories
// raised most.
type Hotspots struct {
	Period     Period
	Kind       appeal.Kind
	District   string // the weekly map's district; empty: all
	Categories []CategoryRef
	Districts  []string
	// ByDistrict[i][j] counts Categories[i] in Districts[j] over the period.
	ByDistrict [][]int64
	MaxCell    int64
	Weeks      []Day
	// ByWeek[i][k] counts Categories[i] in the week starting Weeks[k].
	ByWeek   [][]int64
	MaxWeek  int64
	Surges   []Surge
	Top      []TopCategory
	Total    int64
	Fresh    Freshness
	Settings Settings
}

// HotspotQuery says which hot spots.
type HotspotQuery struct {
	Period   Period
	Kind     appeal.Kind
	District string
}

// maxSurges and maxTop bound the lists.
const (
	maxSurges = 50
	maxTop    = 10
)

// Level buckets a count 0..9 against the largest count (0 only for none).
func Level(n, max int64) int {
	if n <= 0 || max <= 0 {
		return 0
	}
	return int(min(9, 1+(n-1)*9/max))
}

// Hotspots computes the hot spots of a period from the intake roll-up (operators,
// administrators, analysts, leaders, departments).
func (s *Service) Hotspots(ctx context.Context, a auth.Actor, q HotspotQuery) (Hotspots, error) {
	if err := s.checkView(a); err != nil {
		return Hotspots{}, err
	}
	if q.Kind != "" && !slices.Contains(appeal.Kinds, q.Kind) {
		return Hotspots{}, apperr.Invalid("kind", "error.choice")
	}
	ast, err := s.appeal.Settings(ctx)
	if err != nil {
		return Hotspots{}, err
	}
	h := Hotspots{Period: q.Period, Kind: q.Kind}
	for _, d := range ast.Districts {
		h.Districts = append(h.Districts, d.Code)
	}
	if q.District != "" {
		if !slices.Contains(h.Districts, q.District) {
			return Hotspots{}, apperr.Invalid("district", "error.choice")
		}
		h.District = q.District
	}
	if h.Settings, err = s.Settings(ctx); err != nil {
		return Hotspots{}, err
	}
	cats, err := s.appeal.Categories(ctx, auth.System(), true)
	if err != nil {
		return Hotspots{}, err
	}
	byID := map[int64]appeal.Category{}
	for _, c := range cats {
		byID[c.ID] = c
	}
	top := func(id int64) int64 {
		for i := 0; i < 10; i++ {
			c, ok := byID[id]
			if !ok || c.ParentID == 0 {
				return id
			}
			id = c.ParentID
		}
		return id
	}
	ref := func(id int64) CategoryRef {
		c := byID[id]
		return CategoryRef{ID: id, Code: c.Code, Name: c.Name, NameEN: c.NameEN}
	}
	catIdx := map[int64]int{}
	for _, c := range cats {
		if c.ParentID == 0 {
			catIdx[c.ID] = len(h.Categories)
			h.Categories = append(h.Categories, ref(c.ID))
		}
	}
	rowOf := func(leaf int64) int {
		t := top(leaf)
		i, ok := catIdx[t]
		if !ok {
			i = len(h.Categories)
			catIdx[t] = i
			h.Categories = append(h.Categories, ref(t))
		}
		return i
	}
	distIdx := map[string]int{}
	for j, d := range h.Districts {
		distIdx[d] = j
	}
	// The roll-up's version first: the sums read after it are at least that new.
	if h.Fresh, err = s.Freshness(ctx); err != nil {
		return Hotspots{}, err
	}
	sums, err := s.sums.get(ctx, periodKey("hotspots", q.Period, q.Kind), h.Fresh.Version, func(ctx context.Context) (any, error) {
		return s.intakeSums(ctx, q.Period, q.Kind)
	})
	if err != nil {
		return Hotspots{}, err
	}
	cells, weeks := sums.(intakeSums).cells, sums.(intakeSums).weeks
	leaf := map[int64]int64{}
	for _, c := range cells {
		rowOf(c.cat)
		if _, ok := distIdx[c.dist]; !ok {
			distIdx[c.dist] = len(h.Districts)
			h.Districts = append(h.Districts, c.dist)
		}
	}
	h.ByDistrict = make([][]int64, len(h.Categories))
	for i := range h.ByDistrict {
		h.ByDistrict[i] = make([]int64, len(h.Districts))
	}
	for _, c := range cells {
		i, j := rowOf(c.cat), distIdx[c.dist]
		h.ByDistrict[i][j] += c.n
		h.MaxCell = max(h.MaxCell, h.ByDistrict[i][j])
		leaf[c.cat] += c.n
		h.Total += c.n
	}
	for id, n := range leaf {
		h.Top = append(h.Top, TopCategory{Category: ref(id), Count: n, Share: float64(n) / float64(h.Total)})
	}
	slices.SortFunc(h.Top, func(x, y TopCategory) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Category.ID, y.Category.ID))
	})
	if len(h.Top) > maxTop {
		h.Top = h.Top[:maxTop]
	}

	// Weeks: from the Monday of the period's first week (and the week before it, for
	// the first week's growth) to the period's end, by (category, district).
	first := q.Period.From.Week()
	for w := first; w <= q.Period.To; w += 7 {
		h.Weeks = append(h.Weeks, w)
	}
	type wkey struct {
		week Day
		cat  int
		dist string
	}
	weekly := map[wkey]int64{}
	for _, w := range weeks {
		weekly[wkey{w.week, rowOf(w.cat), w.dist}] += w.n
	}
	// Categories may have grown while reading the weeks.
	for len(h.ByDistrict) < len(h.Categories) {
		h.ByDistrict = append(h.ByDistrict, make([]int64, len(h.Districts)))
	}
	h.ByWeek = make([][]int64, len(h.Categories))
	for i := range h.ByWeek {
		h.ByWeek[i] = make([]int64, len(h.Weeks))
	}
	weekIdx := map[Day]int{}
	for k, w := range h.Weeks {
		weekIdx[w] = k
	}
	for key, n := range weekly {
		k, ok := weekIdx[key.week]
		if !ok || (h.District != "" && key.dist != h.District) {
			continue
		}
		h.ByWeek[key.cat][k] += n
		h.MaxWeek = max(h.MaxWeek, h.ByWeek[key.cat][k])
	}
	for key, n := range weekly {
		if _, ok := weekIdx[key.week]; !ok || n < int64(h.Settings.SurgeMin) {
			continue
		}
		prev := weekly[wkey{key.week - 7, key.cat, key.dist}]
		growth := math.Inf(1)
		if prev > 0 {
			growth = float64(n-prev) / float64(prev)
		}
		if prev == 0 || growth*100 >= float64(h.Settings.SurgePercent) {
			h.Surges = append(h.Surges, Surge{Category: h.Categories[key.cat], District: key.dist, Week: key.week, Count: n, Prev: prev, Growth: growth})
		}
	}
	slices.SortFunc(h.Surges, func(x, y Surge) int {
		return cmp.Or(cmp.Compare(y.Week, x.Week), cmp.Compare(y.Count-y.Prev, x.Count-x.Prev), cmp.Compare(x.Category.ID, y.Category.ID),
			cmp.Compare(x.District, y.District))
	})
	if len(h.Surges) > maxSurges {
		h.Surges = h.Surges[:maxSurges]
	}
	return h, nil
}

// intakeSums are the intake roll-up's sums over a period, by leaf category: per district,
// and per week and district from the Monday of the period's first week and the week before
// it (for the first week's growth) to the period's end.
type intakeSums struct {
	cells []intakeCellSum
	weeks []intakeWeekSum
}

type intakeCellSum struct {
	cat  int64
	dist string
	n    int64
}

type intakeWeekSum struct {
	week Day // the Monday
	cat  int64
	dist string
	n    int64
}

// intakeSums reads the period's sums from stats_intake_day.
func (s *Service) intakeSums(ctx context.Context, p Period, kind appeal.Kind) (intakeSums, error) {
	var out intakeSums
	kindSQL, args := "", []any{int64(p.From), int64(p.To)}
	if kind != "" {
		kindSQL = ` AND kind = $3`
		args = append(args, string(kind))
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT category_id, district_code, SUM(filed) FROM stats_intake_day
		WHERE day >= $1 AND day <= $2`+kindSQL+` GROUP BY category_id, district_code`, args...)
	if err != nil {
		return out, fmt.Errorf("stats: hot spots: %w", err)
	}
	for rows.Next() {
		var c intakeCellSum
		if err := rows.Scan(&c.cat, &c.dist, &c.n); err != nil {
			rows.Close()
			return out, err
		}
		out.cells = append(out.cells, c)
	}
	if err := db.RowsErr(rows); err != nil {
		return out, err
	}
	args[0] = int64(p.From.Week() - 7)
	rows, err = s.db.RQ(ctx).QueryContext(ctx, `SELECT (day + 3) / 7, category_id, district_code, SUM(filed) FROM stats_intake_day
		WHERE day >= $1 AND day <= $2`+kindSQL+` GROUP BY (day + 3) / 7, category_id, district_code`, args...)
	if err != nil {
		return out, fmt.Errorf("stats: hot spot weeks: %w", err)
	}
	for rows.Next() {
		var w intakeWeekSum
		var wn int64
		if err := rows.Scan(&wn, &w.cat, &w.dist, &w.n); err != nil {
			rows.Close()
			return out, err
		}
		w.week = Day(wn*7 - 3)
		out.weeks = append(out.weeks, w)
	}
	return out, db.RowsErr(rows)
}
