package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/i18n"
	"yingshang/internal/xlsx"
)

// queueTab is one work queue as a tab with its count.
type queueTab struct {
	Queue  appeal.Queue
	Href   string
	Count  string
	Alert  bool
	Active bool
}

// appealRow is a queue row with its labels in the user's language.
type appealRow struct {
	appeal.ListItem
	Category string
	District string
}

type appealListData struct {
	Queue      appeal.Queue
	Tabs       []queueTab
	Rows       []appealRow
	Total      string
	NextHref   string
	FirstHref  string
	IsFirst    bool
	ExportHref string
	Dept       bool
	NewHref    string
	Sorts      map[appeal.Sort]SortLink
	Sort       appeal.Sort
	Kinds      []Option
	Categories []Option
	Districts  []Option
	Levels     []Option
	States     []Option
	Priorities []Option
	Depts      []Option // the department filter (operators: the assessment's drill-down)
	Filter     *Form
}

// SortLink is the header link of a sortable column (empty when the queue cannot sort so).
func (d appealListData) SortBy(k string) SortLink { return d.Sorts[appeal.Sort(k)] }

// queueSorts are the orders a queue offers (the service refuses the others).
func queueSorts(q appeal.Queue, state appeal.State) []appeal.Sort {
	switch {
	case q == appeal.QueueAll && state == "", q == appeal.QueueDeptAnswered:
		return []appeal.Sort{appeal.SortCreated}
	}
	return []appeal.Sort{appeal.SortCreated, appeal.SortDue, appeal.SortUpdated}
}

// appealFilter reads the list's filters; bad dates are reported on the form and left out.
func appealFilter(q url.Values, f *Form) appeal.Filter {
	flt := appeal.Filter{Kind: appeal.Kind(q.Get("kind")), CategoryID: queryInt(q, "category"), District: q.Get("district"),
		Priority: appeal.Priority(q.Get("priority")), State: appeal.State(q.Get("state")), Q: strings.TrimSpace(q.Get("q")),
		Supervised: q.Get("supervised") == "1", Level: calendar.Level(q.Get("level")), Sort: appeal.Sort(q.Get("sort")),
		Cursor: q.Get("cursor"), Dept: queryInt(q, "dept")}
	if v := q.Get("from"); v != "" {
		if t, err := parseDay(v); err == nil {
			flt.From = t
		} else {
			f.Errors["from"] = "error.date"
		}
	}
	if v := q.Get("to"); v != "" {
		if t, err := parseDay(v); err == nil {
			flt.To = t.AddDate(0, 0, 1) // the whole day
		} else {
			f.Errors["to"] = "error.date"
		}
	}
	return flt
}

// listQuery is the list's address with some parameters changed.
func listQuery(q url.Values, set map[string]string) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = slices.Clone(v)
	}
	for k, v := range set {
		if v == "" {
			c.Del(k)
		} else {
			c.Set(k, v)
		}
	}
	return "?" + c.Encode()
}

// defaultQueue is the queue asked for, else the role's first; a department's drill-down
// (?dept=…, from the assessment) opens the operator's whole list.
func defaultQueue(q url.Values, queues []appeal.Queue) appeal.Queue {
	if v := q.Get("queue"); v != "" {
		return appeal.Queue(v)
	}
	if q.Get("dept") != "" && slices.Contains(queues, appeal.QueueAll) {
		return appeal.QueueAll
	}
	return queues[0]
}

func (s *Server) appealList(w http.ResponseWriter, r *http.Request) {
	ctx, a, lang := r.Context(), actorOf(r), langOf(r)
	q := r.URL.Query()
	queues := appeal.QueuesFor(a)
	if len(queues) == 0 {
		s.forbidden(w, r)
		return
	}
	queue := defaultQueue(q, queues)
	form := NewForm(q)
	flt := appealFilter(q, form)
	for k, v := range form.Errors {
		form.Errors[k] = s.Catalog.T(lang, v)
	}
	if flt.Sort == "" {
		flt.Sort = appeal.SortCreated
	}
	flt.SkipCount = flt.Cursor != ""
	page, err := s.Appeal.List(ctx, a, queue, flt)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, err := s.Appeal.Counts(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.Appeal.Settings(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cats := s.categories(ctx, a, true)
	d := appealListData{Queue: queue, Dept: strings.HasPrefix(string(queue), "dept_"), Sort: flt.Sort, Filter: form,
		Kinds: enumOptions(s, lang, "appeal.kind.", appeal.Kinds), Categories: cats.Options(lang), Districts: s.districtOptions(lang, st),
		Levels:     enumOptions(s, lang, "appeal.level.", []calendar.Level{calendar.LevelGreen, calendar.LevelYellow, calendar.LevelRed}),
		Priorities: enumOptions(s, lang, "appeal.priority.", appeal.Priorities),
		Sorts:      map[appeal.Sort]SortLink{}}
	if queue == appeal.QueueAll {
		d.States = enumOptions(s, lang, "appeal.state.", appeal.States)
	}
	if a.Has(auth.RoleOperator) {
		d.Depts = s.deptOptions(ctx, a)
	}
	for _, c := range counts {
		if c.Queue == appeal.QueueAll {
			continue
		}
		d.Tabs = append(d.Tabs, queueTab{Queue: c.Queue, Href: "?queue=" + string(c.Queue), Count: countText(c.Count, c.Capped),
			Alert: c.Count > 0 && (c.Queue == appeal.QueueRed || c.Queue == appeal.QueueDeptRed), Active: c.Queue == queue})
	}
	if slices.Contains(queues, appeal.QueueAll) {
		d.Tabs = append(d.Tabs, queueTab{Queue: appeal.QueueAll, Href: "?queue=all", Active: queue == appeal.QueueAll})
	}
	for _, it := range page.Items {
		d.Rows = append(d.Rows, appealRow{ListItem: it, Category: cats.Label(lang, it.CategoryID), District: s.districtLabel(lang, it.DistrictCode, st)})
	}
	if !flt.SkipCount {
		d.Total = countText(page.Total, page.TotalCapped)
	}
	base := url.Values{}
	for k, v := range q {
		base[k] = v
	}
	base.Set("queue", string(queue))
	if page.NextCursor != "" {
		d.NextHref = listQuery(base, map[string]string{"cursor": page.NextCursor})
	}
	d.IsFirst = flt.Cursor == ""
	d.FirstHref = listQuery(base, map[string]string{"cursor": ""})
	d.ExportHref = "/appeals/export.xlsx" + listQuery(base, map[string]string{"cursor": ""})
	for _, so := range queueSorts(queue, flt.State) {
		l := SortLink{Href: listQuery(base, map[string]string{"sort": string(so), "cursor": ""})}
		if so == flt.Sort {
			l.Class, l.Aria = "sort-desc", "descending"
			if so == appeal.SortDue {
				l.Class, l.Aria = "sort-asc", "ascending"
			}
		}
		d.Sorts[so] = l
	}
	switch {
	case a.Has(auth.RoleOperator), a.Has(auth.RoleChamber), a.Has(auth.RoleLeader):
		d.NewHref = "/appeals/new"
	case a.Has(auth.RoleEnterprise):
		d.NewHref = "/portal/new"
	}
	p := s.page(w, r, "appealui.list_title", d)
	p.Form = form
	s.render(w, r, "appeal/list", p)
}

// appealExport streams a queue (with its filters) to Excel, paging by keyset; phones stay
// masked as in the list.
func (s *Server) appealExport(w http.ResponseWriter, r *http.Request) {
	ctx, a, lang := r.Context(), actorOf(r), langOf(r)
	T := func(k string) string { return s.Catalog.T(lang, k) }
	q := r.URL.Query()
	queues := appeal.QueuesFor(a)
	if len(queues) == 0 {
		s.forbidden(w, r)
		return
	}
	queue := defaultQueue(q, queues)
	form := NewForm(q)
	flt := appealFilter(q, form)
	flt.Cursor, flt.SkipCount, flt.Limit = "", true, 200
	page, err := s.Appeal.List(ctx, a, queue, flt)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.Appeal.Settings(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cats := s.categories(ctx, a, true)
	title := T("appeal.queue." + string(queue))
	xw, err := xlsx.NewWriter(title, []string{T("appealui.number"), T("appealui.title"), T("appealui.kind"), T("appealui.category"),
		T("appealui.state"), T("appealui.sla"), T("appealui.due"), T("appealui.enterprise"), T("appealui.contact_phone"),
		T("appealui.lead_dept"), T("appealui.district"), T("appealui.priority"), T("appealui.supervision"), T("appealui.redo"),
		T("appealui.created_at"), T("appealui.updated_at")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for {
		for _, it := range page.Items {
			level := ""
			if it.SLALevel != "" {
				level = T("appeal.level." + string(it.SLALevel))
			}
			due := ""
			if !it.SLADue.IsZero() {
				due = i18n.DateTime(lang, it.SLADue)
			}
			if err := xw.Row(it.Number, it.Title, T("appeal.kind."+string(it.Kind)), cats.Label(lang, it.CategoryID),
				T("appeal.state."+string(it.State)), level, due, it.EnterpriseName, it.ContactPhoneMasked, it.LeadOrgName,
				s.districtLabel(lang, it.DistrictCode, st), T("appeal.priority."+string(it.Priority)),
				T("appeal.supervision."+strconv.Itoa(it.SupervisionLevel)), it.RedoCount, i18n.DateTime(lang, it.CreatedAt),
				i18n.DateTime(lang, it.UpdatedAt)); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if page.NextCursor == "" || xw.Rows() >= xlsx.MaxRows {
			break
		}
		flt.Cursor = page.NextCursor
		if page, err = s.Appeal.List(ctx, a, queue, flt); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := s.Audit.Record(ctx, a, "appeal.export", "appeal", "", map[string]any{"rows": xw.Rows(), "query": r.URL.RawQuery}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := xw.Serve(w, title+".xlsx"); err != nil {
		s.Logger.Error("export appeals", "err", err)
	}
}
