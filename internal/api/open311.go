package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/directory/creditcode"
	"yingshang/internal/httpx"
)

// Open311 GeoReport v2 under /open311 (docs/open311.md): services are the appeal
// catalogue's active categories, service requests are appeals. Service discovery,
// services and service definitions are public; service requests, single requests and
// tokens need an api_key (an API token), because appeals are enterprises' records, not
// public ones: a caller sees exactly the appeals its token's user sees in the JSON API.

// o311MaxRequests and o311Window are the specification's default query limit: the most
// recent 90 days or the first 1000 requests, whichever is smaller. (A variable so that a
// test can lower it.)
var o311MaxRequests = 1000

const (
	open311Spec = "http://wiki.open311.org/GeoReport_v2"
	o311Window  = 90 * 24 * time.Hour
	// o311MaxDescription is the specification's limit on description.
	o311MaxDescription = 4000
	o311MaxMediaURL    = 900
	o311MaxIDs         = 200
	o311MaxCodes       = 20
)

// o311Handler serves one Open311 resource; name is the path's last segment without its
// format.
type o311Handler func(w http.ResponseWriter, r *http.Request, name string, f o311Format) error

// Open311Route is one route of the Open311 surface. Public ones need no api_key; the
// others answer only for a token's user, in that user's scope.
type Open311Route struct {
	Method, Pattern string
	Public          bool
	h               o311Handler
}

// Open311Routes is the Open311 route table (the access matrix walks it with the API's).
func (s *Server) Open311Routes() []Open311Route {
	return []Open311Route{
		{"GET", "/open311/{file}", true, s.o311Discovery},
		// services.xml|json is public, requests.xml|json needs an api_key.
		{"GET", "/open311/v2/{file}", false, s.o311Get},
		{"POST", "/open311/v2/{file}", false, s.o311Post},
		{"GET", "/open311/v2/services/{file}", true, s.o311Definition},
		{"GET", "/open311/v2/requests/{file}", false, s.o311Request},
		{"GET", "/open311/v2/tokens/{file}", false, s.o311Token},
	}
}

func (s *Server) open311Routes() {
	for _, rt := range s.Open311Routes() {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.o311(rt.h))
	}
	s.mux.HandleFunc("/open311/", s.o311Unknown)
}

// o311Unknown answers a path or method no route serves: 400 for a method the resources
// do not take, 404 otherwise, in the format the path names (XML by default).
func (s *Server) o311Unknown(w http.ResponseWriter, r *http.Request) {
	httpx.SetRoute(r)
	f := o311XML
	if _, ff, ok := splitFormat(path.Base(r.URL.Path)); ok {
		f = ff
	}
	err := s.o311Err(r, http.StatusNotFound, "appealapi.open311.error.no_resource", "Path", r.URL.Path)
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		err = s.o311Err(r, http.StatusBadRequest, "appealapi.open311.error.method")
	}
	s.o311Fail(w, r, f, err)
}

// o311 runs an Open311 handler: the body is bounded, the format read from the path (a
// path without one is 404, an unknown one 400, both answered in XML), the form parsed,
// jurisdiction_id checked, and errors written in the specification's error format.
func (s *Server) o311(h o311Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		f := o311XML
		err := func() error {
			file := r.PathValue("file")
			name, ff, ok := splitFormat(file)
			if !ok {
				if name == file || file == "" {
					return s.o311Err(r, http.StatusNotFound, "appealapi.open311.error.no_resource", "Path", r.URL.Path)
				}
				return s.o311Err(r, http.StatusBadRequest, "appealapi.open311.error.format")
			}
			f = ff
			if err := r.ParseForm(); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return s.o311Err(r, http.StatusRequestEntityTooLarge, "error.too_large", "Max", "1 MB")
				}
				return s.o311Err(r, http.StatusBadRequest, "appealapi.open311.error.form")
			}
			if j := strings.TrimSpace(r.Form.Get("jurisdiction_id")); j != "" && !strings.EqualFold(strings.TrimPrefix(strings.ToLower(j), "www."), s.jurisdiction(r)) {
				return s.o311Err(r, http.StatusNotFound, "appealapi.open311.error.jurisdiction", "ID", j, "Want", s.jurisdiction(r))
			}
			return h(w, r, name, f)
		}()
		if err != nil {
			s.o311Fail(w, r, f, err)
		}
	})
}

// o311Err is a failure with one localised description.
func (s *Server) o311Err(r *http.Request, status int, key string, kv ...any) error {
	return &o311Fail{Status: status, Errors: []string{s.Catalog.T(s.lang(r), key, kv...)}}
}

// o311Fail writes err in the specification's error format: 404 for what does not exist
// (or is outside the caller's scope), 403 for a missing or wrong api_key, 429 when the
// client is throttled, 400 for every other request that cannot be fulfilled; an
// unexpected failure is logged and answered as the specification's "general service
// error" (400).
func (s *Server) o311Fail(w http.ResponseWriter, r *http.Request, f o311Format, err error) {
	var of *o311Fail
	if !errors.As(err, &of) {
		lang := s.lang(r)
		of = &o311Fail{Status: http.StatusBadRequest}
		e, known := apperr.As(err)
		switch {
		case errors.Is(err, apperr.ErrNotFound):
			of.Status = http.StatusNotFound
			of.Errors = []string{s.Catalog.T(lang, "appealapi.open311.error.no_resource", "Path", r.URL.Path)}
		case errors.Is(err, apperr.ErrForbidden):
			of.Status = http.StatusForbidden
			of.Errors = []string{s.Catalog.T(lang, "error.forbidden")}
		case errors.Is(err, apperr.ErrTooMany):
			of.Status = http.StatusTooManyRequests
			of.Errors = []string{s.Catalog.T(lang, e.Key, e.Args)}
		case errors.Is(err, apperr.ErrInvalid) && len(e.Fields) > 0:
			for _, fe := range e.Fields {
				of.Errors = append(of.Errors, s.Catalog.T(lang, "appealapi.open311.field", "Field", fe.Field, "Message", s.Catalog.T(lang, fe.Key, fe.Args)))
			}
		case known:
			of.Errors = []string{s.Catalog.T(lang, e.Key, e.Args)}
		default:
			rid := w.Header().Get("X-Request-Id")
			s.Logger.Error("open311", "path", r.URL.Path, "err", err, "request_id", rid)
			of.Errors = []string{s.Catalog.T(lang, "appealapi.open311.error.general", "RequestID", rid)}
		}
	}
	f.fail(w, of)
}

// jurisdiction is the jurisdiction_id this endpoint answers to: the host of the
// platform's base URL (or of the request) without "www." and port.
func (s *Server) jurisdiction(r *http.Request) string {
	host := r.Host
	if s.Notify != nil {
		if u, err := url.Parse(s.Notify.BaseURL()); err == nil && u.Host != "" {
			host = u.Host
		}
	}
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.Contains(h, "]") {
		host = h
	}
	return strings.TrimPrefix(strings.ToLower(host), "www.")
}

// baseURL is where this server is reached.
func (s *Server) baseURL(r *http.Request) string {
	if s.Notify != nil && s.Notify.BaseURL() != "" {
		return strings.TrimSuffix(s.Notify.BaseURL(), "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// o311Actor authenticates api_key (the form field, or Authorization: Bearer) and checks
// that its scope covers Open311 (open311:read/write) or the appeals (appeals:read/write).
// Within these endpoints an open311 scope acts as the same appeals scope, since a
// service request is an appeal. A missing or wrong key is 403, as the specification asks.
func (s *Server) o311Actor(r *http.Request, write bool) (auth.Actor, *http.Request, error) {
	key := strings.TrimSpace(r.Form.Get("api_key"))
	if key == "" {
		if h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			key = strings.TrimSpace(h)
		}
	}
	if key == "" {
		return auth.Actor{}, r, s.o311Err(r, http.StatusForbidden, "appealapi.open311.error.api_key_missing")
	}
	a, err := s.Auth.AuthenticateToken(r.Context(), key, httpx.ClientIP(r))
	if err != nil {
		if errors.Is(err, apperr.ErrTooMany) {
			return auth.Actor{}, r, err
		}
		return auth.Actor{}, r, s.o311Err(r, http.StatusForbidden, "appealapi.open311.error.api_key_invalid")
	}
	mode := "read"
	if write {
		mode = "write"
	}
	switch {
	case a.ScopeAllows("open311", write):
		if !a.ScopeAllows("appeals", write) {
			a.Scopes = append(slices.Clone(a.Scopes), "appeals:"+mode)
		}
	case a.ScopeAllows("appeals", write):
	default:
		return auth.Actor{}, r, s.o311Err(r, http.StatusForbidden, "appealapi.open311.error.api_key_scope", "Mode", mode)
	}
	r = r.WithContext(context.WithValue(r.Context(), actorKey, a))
	return a, r, nil
}

func (s *Server) o311Discovery(w http.ResponseWriter, r *http.Request, name string, f o311Format) error {
	if name != "discovery" {
		return s.o311Err(r, http.StatusNotFound, "appealapi.open311.error.no_resource", "Path", r.URL.Path)
	}
	cats, err := s.Appeal.Categories(r.Context(), auth.Actor{}, true)
	if err != nil {
		return err
	}
	var changed time.Time
	for _, c := range cats {
		if c.UpdatedAt.After(changed) {
			changed = c.UpdatedAt
		}
	}
	changeset := ""
	if !changed.IsZero() {
		changeset = changed.In(calendar.Location()).Format("2006-01-02 15:04:05")
	}
	lang := s.lang(r)
	doc := o311Discovery{Changeset: changeset, Contact: s.Catalog.T(lang, "appealapi.open311.contact"),
		KeyService: s.Catalog.T(lang, "appealapi.open311.key_service"),
		Endpoints: []o311Endpoint{{Specification: open311Spec, URL: s.baseURL(r) + "/open311/v2", Changeset: changeset,
			Type: "production", Formats: []string{"text/xml", "application/json"}}}}
	f.write(w, http.StatusOK, doc, doc)
	return nil
}

// o311Get serves services.{fmt} and requests.{fmt}.
func (s *Server) o311Get(w http.ResponseWriter, r *http.Request, name string, f o311Format) error {
	switch name {
	case "services":
		return s.o311Services(w, r, f)
	case "requests":
		return s.o311Requests(w, r, f)
	}
	return s.o311Err(r, http.StatusNotFound, "appealapi.open311.error.no_resource", "Path", r.URL.Path)
}

func (s *Server) o311Post(w http.ResponseWriter, r *http.Request, name string, f o311Format) error {
	switch name {
	case "requests":
		return s.o311Create(w, r, f)
	case "services":
		return s.o311Err(r, http.StatusBadRequest, "appealapi.open311.error.method")
	}
	return s.o311Err(r, http.StatusNotFound, "appealapi.open311.error.no_resource", "Path", r.URL.Path)
}

// limitText says a time limit in words ("1 个工作日", "2 working hours").
func (s *Server) limitText(lang string, l appeal.Limit) string {
	if l.Hours > 0 {
		key := "appealapi.limit.hours"
		if l.Hours == 1 {
			key = "appealapi.limit.hour_one"
		}
		return s.Catalog.T(lang, key, "N", strconv.FormatFloat(l.Hours, 'f', -1, 64))
	}
	key := "appealapi.limit.days"
	if l.Days == 1 {
		key = "appealapi.limit.day_one"
	}
	return s.Catalog.T(lang, key, "N", l.Days)
}

type noticeKey struct {
	kind     appeal.Kind
	category int64
	priority appeal.Priority
}

// notices says what will happen to a request (service_notice): the limits of its kind,
// category and priority, cached for one response.
type notices struct {
	s    *Server
	lang string
	m    map[noticeKey]string
}

func (s *Server) notices(lang string) *notices {
	return &notices{s: s, lang: lang, m: map[noticeKey]string{}}
}

func (n *notices) get(ctx context.Context, kind appeal.Kind, category int64, priority appeal.Priority) (string, error) {
	k := noticeKey{kind, category, priority}
	if v, ok := n.m[k]; ok {
		return v, nil
	}
	lim, err := n.s.Appeal.Limits(ctx, kind, category, priority)
	if err != nil {
		return "", err
	}
	v := n.s.Catalog.T(n.lang, "appealapi.open311.notice", "Claim", n.s.limitText(n.lang, lim.Claim),
		"Handle", n.s.limitText(n.lang, lim.Handle), "Callback", n.s.limitText(n.lang, lim.Callback))
	n.m[k] = v
	return v, nil
}

// categoryName is the category's name in lang.
func categoryName(lang string, c appeal.Category) string {
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.Name
}

// o311Services lists the active categories as services: service_code is the category's
// code, group the name of its top-level category, keywords its names and its parent's.
// No service asks for attributes (metadata false) and every request gets its id at once
// (type realtime).
func (s *Server) o311Services(w http.ResponseWriter, r *http.Request, f o311Format) error {
	ctx, lang := r.Context(), s.lang(r)
	cats, err := s.Appeal.Categories(ctx, auth.Actor{}, false)
	if err != nil {
		return err
	}
	byID := make(map[int64]appeal.Category, len(cats))
	for _, c := range cats {
		byID[c.ID] = c
	}
	ns := s.notices(lang)
	doc := o311Services{Services: []o311Service{}}
	for _, c := range cats {
		root := c
		for depth := 0; root.ParentID != 0 && depth < 8; depth++ {
			p, ok := byID[root.ParentID]
			if !ok {
				break
			}
			root = p
		}
		var kw []string
		for _, k := range []string{c.Name, c.NameEN, byID[c.ParentID].Name, byID[c.ParentID].NameEN} {
			if k != "" && !slices.Contains(kw, k) {
				kw = append(kw, k)
			}
		}
		notice, err := ns.get(ctx, appeal.KindAppeal, c.ID, appeal.PriorityNormal)
		if err != nil {
			return err
		}
		name := categoryName(lang, c)
		doc.Services = append(doc.Services, o311Service{ServiceCode: c.Code, ServiceName: name,
			Description: s.Catalog.T(lang, "appealapi.open311.service_description", "Name", name, "Notice", notice),
			Metadata:    false, Type: "realtime", Keywords: strings.Join(kw, ", "), Group: categoryName(lang, root)})
	}
	f.write(w, http.StatusOK, doc, doc.Services)
	return nil
}

// o311Definition is a service definition: the code and no attributes.
func (s *Server) o311Definition(w http.ResponseWriter, r *http.Request, code string, f o311Format) error {
	c, err := s.Appeal.CategoryByCode(r.Context(), auth.Actor{}, code)
	if errors.Is(err, apperr.ErrNotFound) || (err == nil && !c.Active) {
		return s.o311Err(r, http.StatusNotFound, "appealapi.open311.error.service_code_unknown", "Code", code)
	}
	if err != nil {
		return err
	}
	doc := o311Definition{ServiceCode: c.Code}
	f.write(w, http.StatusOK, doc, o311DefinitionJSON{ServiceCode: c.Code, Attributes: []struct{}{}})
	return nil
}

// w3Layouts are the W3C date-time profile of ISO 8601 (http://www.w3.org/TR/NOTE-datetime)
// that start_date and end_date use; dates without a time are Shanghai days.
var w3Layouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"}

// parseW3 reads a W3C date-time; a bare date (YYYY, YYYY-MM, YYYY-MM-DD) is the start of
// that period in Shanghai, or with end its end (the start of the next one).
func parseW3(v string, end bool) (time.Time, bool) {
	for _, l := range w3Layouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	for _, p := range []struct {
		layout string
		y, m   int
	}{{"2006-01-02", 0, 0}, {"2006-01", 0, 1}, {"2006", 1, 0}} {
		if t, err := time.ParseInLocation(p.layout, v, calendar.Location()); err == nil {
			if end {
				if p.y == 0 && p.m == 0 {
					t = t.AddDate(0, 0, 1)
				} else {
					t = t.AddDate(p.y, p.m, 0)
				}
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// csv splits a comma-delimited parameter (repeated parameters are joined).
func csv(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

var numberRE = regexp.MustCompile(`^ZQ\d{14}$`)

// o311Queues are the queues that together hold every appeal the actor sees in lists.
func o311Queues(a auth.Actor) []appeal.Queue {
	if a.IsSystem() || a.Has(auth.RoleOperator) {
		return []appeal.Queue{appeal.QueueAll}
	}
	var out []appeal.Queue
	for _, q := range appeal.QueuesFor(a) {
		switch q {
		case appeal.QueueDeptToClaim, appeal.QueueDeptHandling, appeal.QueueDeptYellow, appeal.QueueDeptRed, appeal.QueueDeptAnswered,
			appeal.QueueMine, appeal.QueueLeader:
			out = append(out, q)
		}
	}
	return out
}

// o311Requests is GET requests: the requests the caller sees, newest first, within the
// window (default: the last 90 days; at most 90 days), at most 1000. service_request_id
// overrides every other filter.
func (s *Server) o311Requests(w http.ResponseWriter, r *http.Request, f o311Format) error {
	a, r, err := s.o311Actor(r, false)
	if err != nil {
		return err
	}
	ctx, lang, form := r.Context(), s.lang(r), r.Form
	cats, err := s.Appeal.Categories(ctx, a, true)
	if err != nil {
		return err
	}
	byID := make(map[int64]appeal.Category, len(cats))
	for _, c := range cats {
		byID[c.ID] = c
	}
	queues := o311Queues(a)
	var items []appeal.ListItem
	if ids := csv(form["service_request_id"]); len(ids) > 0 {
		if len(ids) > o311MaxIDs {
			return s.o311Err(r, http.StatusBadRequest, "appealapi.open311.error.too_many", "Field", "service_request_id", "Max", o311MaxIDs)
		}
		for _, id := range ids {
			if it, ok, err := s.o311Find(ctx, a, queues, id); err != nil {
				return err
			} else if ok {
				items = append(items, it)
			}
		}
	} else {
		var fails []string
		fail := func(key string, kv ...any) { fails = append(fails, s.Catalog.T(lang, key, kv...)) }
		var catIDs []int64
		codes := csv(form["service_code"])
		if len(codes) > o311MaxCodes {
			fail("appealapi.open311.error.too_many", "Field", "service_code", "Max", o311MaxCodes)
		}
		for _, code := range codes {
			for _, c := range cats {
				if c.Code == code {
					catIDs = append(catIDs, c.ID)
				}
			}
		}
		var states []appeal.State
		for _, st := range csv(form["status"]) {
			switch st {
			case "open":
				states = append(states, appeal.OpenStates...)
			case "closed":
				for _, x := range appeal.States {
					if !x.Open() {
						states = append(states, x)
					}
				}
			default:
				fail("appealapi.open311.error.status")
			}
		}
		if len(states) == len(appeal.States) {
			states = nil // open and closed: every state
		}
		var from, to time.Time
		if v := strings.TrimSpace(form.Get("start_date")); v != "" {
			t, ok := parseW3(v, false)
			if !ok {
				fail("appealapi.open311.error.date", "Field", "start_date")
			}
			from = t
		}
		if v := strings.TrimSpace(form.Get("end_date")); v != "" {
			t, ok := parseW3(v, true)
			if !ok {
				fail("appealapi.open311.error.date", "Field", "end_date")
			} else if len(v) > len("2006-01-02") {
				t = t.Add(time.Millisecond) // the latest datetime is included
			}
			to = t
		}
		switch {
		case from.IsZero() && to.IsZero():
			to = s.Now().Add(time.Millisecond)
			from = to.Add(-o311Window)
		case from.IsZero():
			from = to.Add(-o311Window)
		case to.IsZero():
			to = from.Add(o311Window)
		case to.Before(from) || to.Sub(from) > o311Window+time.Millisecond:
			fail("appealapi.open311.error.window")
		}
		if len(fails) > 0 {
			return &o311Fail{Status: http.StatusBadRequest, Errors: fails}
		}
		if len(codes) == 0 || len(catIDs) > 0 {
			items, err = s.o311Collect(ctx, a, queues, catIDs, states, from, to)
			if err != nil {
				return err
			}
		}
	}
	ns := s.notices(lang)
	doc := o311Requests{Requests: []o311Request{}}
	for _, it := range items {
		c := byID[it.CategoryID]
		notice, err := ns.get(ctx, it.Kind, it.CategoryID, it.Priority)
		if err != nil {
			return err
		}
		q := o311Request{ServiceRequestID: it.Number, Status: o311Status(it.State),
			StatusNotes: s.Catalog.T(lang, "appeal.state."+string(it.State)), ServiceName: categoryName(lang, c), ServiceCode: c.Code,
			Description: it.Title, AgencyResponsible: it.LeadOrgName, ServiceNotice: notice,
			RequestedDatetime: w3(it.CreatedAt), UpdatedDatetime: w3(it.UpdatedAt)}
		if it.State.Open() {
			q.ExpectedDatetime = w3(it.SLADue)
		}
		doc.Requests = append(doc.Requests, q)
	}
	f.write(w, http.StatusOK, doc, requestsJSON(doc.Requests))
	return nil
}

// o311Find looks an appeal up by its number in the actor's lists (no personal data is
// read, so nothing is audited).
func (s *Server) o311Find(ctx context.Context, a auth.Actor, queues []appeal.Queue, number string) (appeal.ListItem, bool, error) {
	number = strings.ToUpper(number)
	if !numberRE.MatchString(number) {
		return appeal.ListItem{}, false, nil
	}
	for _, q := range queues {
		p, err := s.Appeal.List(ctx, a, q, appeal.Filter{Q: number, Limit: 1, SkipCount: true})
		if err != nil {
			return appeal.ListItem{}, false, err
		}
		if len(p.Items) > 0 && p.Items[0].Number == number {
			return p.Items[0], true, nil
		}
	}
	return appeal.ListItem{}, false, nil
}

// o311Collect reads the newest o311MaxRequests appeals filed in [from, to) of the given
// categories (with their children) and states from the actor's queues, each query on
// its queue's index by keyset pages, and merges them newest first.
func (s *Server) o311Collect(ctx context.Context, a auth.Actor, queues []appeal.Queue, catIDs []int64, states []appeal.State,
	from, to time.Time) ([]appeal.ListItem, error) {
	if len(catIDs) == 0 {
		catIDs = []int64{0}
	}
	if len(states) == 0 {
		states = []appeal.State{""}
	}
	seen := map[int64]bool{}
	var out []appeal.ListItem
	for _, q := range queues {
		for _, c := range catIDs {
			for _, st := range states {
				f := appeal.Filter{CategoryID: c, State: st, From: from, To: to, Sort: appeal.SortCreated, Limit: 200, SkipCount: true}
				for n := 0; n < o311MaxRequests; {
					p, err := s.Appeal.List(ctx, a, q, f)
					if err != nil {
						return nil, err
					}
					for _, it := range p.Items {
						if !seen[it.ID] {
							seen[it.ID] = true
							out = append(out, it)
						}
					}
					n += len(p.Items)
					if p.NextCursor == "" {
						break
					}
					f.Cursor = p.NextCursor
				}
			}
		}
	}
	slices.SortFunc(out, func(x, y appeal.ListItem) int {
		if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
			return c
		}
		return int(y.ID - x.ID)
	})
	if len(out) > o311MaxRequests {
		out = out[:o311MaxRequests]
	}
	return out, nil
}

// o311Status maps the loop's states to Open311's two: open while someone still has to
// act (submitted … replied, since a replied appeal waits for its callback and may be
// reopened), closed once final (closed, rejected, merged).
func o311Status(st appeal.State) string {
	if st.Open() {
		return "open"
	}
	return "closed"
}

// w3 is an instant in the W3C profile, in Shanghai time ("" when unset).
func w3(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(calendar.Location()).Format(time.RFC3339)
}

// coordsRE finds the WGS84 coordinates an Open311 request stored at the end of its
// location: "WGS84 28.228200,112.938800", after the address as " (WGS84 …)".
var coordsRE = regexp.MustCompile(`(?:^|\s\()WGS84 (-?\d{1,3}\.\d{6}),(-?\d{1,3}\.\d{6})\)?$`)

// mediaPrefix starts the line a request's media_url is kept on, at the end of its text.
const mediaPrefix = "\n\nmedia_url: "

// splitLocation returns the address and the coordinates of an Open311 request's location.
func splitLocation(loc string) (address, lat, long string) {
	m := coordsRE.FindStringSubmatchIndex(loc)
	if m == nil {
		return loc, "", ""
	}
	return strings.TrimSpace(loc[:m[0]]), loc[m[2]:m[3]], loc[m[4]:m[5]]
}

// o311Request is GET requests/{id}: one request with its full description and location.
func (s *Server) o311Request(w http.ResponseWriter, r *http.Request, id string, f o311Format) error {
	a, r, err := s.o311Actor(r, false)
	if err != nil {
		return err
	}
	ctx, lang := r.Context(), s.lang(r)
	ap, err := s.Appeal.GetByNumber(ctx, a, id)
	if errors.Is(err, apperr.ErrNotFound) {
		return s.o311Err(r, http.StatusNotFound, "appealapi.open311.error.request_unknown", "ID", id)
	}
	if err != nil {
		return err
	}
	c, err := s.Appeal.Category(ctx, a, ap.CategoryID)
	if err != nil {
		return err
	}
	notice, err := s.notices(lang).get(ctx, ap.Kind, ap.CategoryID, ap.Priority)
	if err != nil {
		return err
	}
	q := o311Request{ServiceRequestID: ap.Number, Status: o311Status(ap.State), StatusNotes: s.Catalog.T(lang, "appeal.state."+string(ap.State)),
		ServiceName: categoryName(lang, c), ServiceCode: c.Code, Description: ap.Body, AgencyResponsible: ap.LeadOrgName,
		ServiceNotice: notice, RequestedDatetime: w3(ap.CreatedAt), UpdatedDatetime: w3(ap.UpdatedAt), Address: ap.Location}
	if ap.State.Open() {
		q.ExpectedDatetime = w3(ap.SLADue)
	}
	if ap.Channel == appeal.ChannelOpen311 {
		q.Address, q.Lat, q.Long = splitLocation(ap.Location)
		if i := strings.LastIndex(ap.Body, mediaPrefix); i >= 0 && !strings.Contains(ap.Body[i+len(mediaPrefix):], "\n") {
			q.Description, q.MediaURL = ap.Body[:i], ap.Body[i+len(mediaPrefix):]
		}
	}
	doc := o311Requests{Requests: []o311Request{q}}
	f.write(w, http.StatusOK, doc, requestsJSON(doc.Requests))
	return nil
}

// o311Token is GET tokens/{token}. Requests are created in real time and POST answers
// the service_request_id itself, never a token; a client that holds a request's id and
// asks for it as a token gets the pair back (the id is its own token), for requests it
// may see.
func (s *Server) o311Token(w http.ResponseWriter, r *http.Request, token string, f o311Format) error {
	a, r, err := s.o311Actor(r, false)
	if err != nil {
		return err
	}
	it, ok, err := s.o311Find(r.Context(), a, o311Queues(a), token)
	if err != nil {
		return err
	}
	if !ok {
		return s.o311Err(r, http.StatusNotFound, "appealapi.open311.error.token_unknown", "Token", token)
	}
	doc := o311Token{}
	doc.Request.ServiceRequestID, doc.Request.Token = it.Number, it.Number
	f.write(w, http.StatusOK, doc, []o311TokenJSON{{ServiceRequestID: it.Number, Token: it.Number}})
	return nil
}

// o311Param names the Open311 parameter behind a field of the appeal service's input.
var o311Param = map[string]string{
	"category_id": "service_code", "kind": "service_code", "priority": "service_code",
	"title": "description", "body": "description", "location": "address_string", "district_code": "address_string",
	"enterprise_org_id": "account_id", "enterprise_name": "account_id", "credit_code": "account_id",
	"contact_name": "first_name", "contact_phone": "phone", "channel": "api_key", "supervising_leader_id": "api_key",
}

// contactName joins the given and family names: family name first, without a space,
// when either is Chinese (张 + 伟 → 张伟); "first last" otherwise.
func contactName(first, last string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	han := func(s string) bool {
		return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	}
	switch {
	case first == "" || last == "":
		return first + last
	case han(first) || han(last):
		return last + first
	}
	return first + " " + last
}

// titleFrom makes an appeal's title from a request's description: its first line, up
// to the end of its first sentence, at most appeal.MaxTitle characters.
func titleFrom(desc string) string {
	line := ""
	for l := range strings.SplitSeq(desc, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			line = l
			break
		}
	}
	if i := strings.IndexAny(line, "。！？!?；;"); i > 0 {
		line = line[:i]
	} else if i := strings.Index(line, ". "); i > 0 {
		line = line[:i]
	}
	if utf8.RuneCountInString(line) > appeal.MaxTitle {
		line = string([]rune(line)[:appeal.MaxTitle-1]) + "…"
	}
	return line
}

// districtIn finds the district an address names ("长沙市岳麓区麓谷大道" → 430104): the
// district whose name (or code) comes first in it.
func districtIn(address string, ds []appeal.District) string {
	best, at := "", -1
	for _, d := range ds {
		for _, k := range []string{d.Name, d.Code} {
			if k == "" {
				continue
			}
			if i := strings.Index(address, k); i >= 0 && (at < 0 || i < at) {
				best, at = d.Code, i
			}
		}
	}
	return best
}

// o311Create is POST requests: an appeal (kind 诉求, channel open311) filed in real time
// by the api_key's user — an operator or a chamber naming the enterprise by its credit
// code in account_id, or an enterprise user for its own enterprise.
func (s *Server) o311Create(w http.ResponseWriter, r *http.Request, f o311Format) error {
	// Who asks comes first (the api_key from the query or the Authorization header when
	// the body is not a form): a stranger learns nothing, not even what format is wanted.
	a, r, err := s.o311Actor(r, true)
	if err != nil {
		return err
	}
	if !a.HasAny(auth.RoleOperator, auth.RoleEnterprise, auth.RoleChamber) {
		return s.o311Err(r, http.StatusForbidden, "appealapi.open311.error.filer")
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		return s.o311Err(r, http.StatusBadRequest, "appealapi.open311.error.content_type")
	}
	ctx, lang, form := r.Context(), s.lang(r), r.Form
	get := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	code := get("service_code")
	if code == "" {
		return s.o311Err(r, http.StatusBadRequest, "appealapi.open311.error.service_code_missing")
	}
	cat, err := s.Appeal.CategoryByCode(ctx, a, code)
	if errors.Is(err, apperr.ErrNotFound) || (err == nil && !cat.Active) {
		return s.o311Err(r, http.StatusNotFound, "appealapi.open311.error.service_code_unknown", "Code", code)
	}
	if err != nil {
		return err
	}

	var fails []string
	fail := func(key string, kv ...any) { fails = append(fails, s.Catalog.T(lang, key, kv...)) }
	field := func(name, key string, kv ...any) {
		fails = append(fails, s.Catalog.T(lang, "appealapi.open311.field", "Field", name, "Message", s.Catalog.T(lang, key, kv...)))
	}

	// The location: lat & long, or address_string (address_id: we keep no address register).
	addr := get("address_string")
	latS, longS := get("lat"), get("long")
	var coords string
	switch {
	case latS == "" && longS == "":
	case latS == "" || longS == "":
		fail("appealapi.open311.error.lat_long_pair")
	default:
		lat, err1 := strconv.ParseFloat(latS, 64)
		long, err2 := strconv.ParseFloat(longS, 64)
		if err1 != nil || err2 != nil || math.IsNaN(lat) || math.IsNaN(long) || lat < -90 || lat > 90 || long < -180 || long > 180 {
			fail("appealapi.open311.error.lat_long_range")
		} else {
			coords = fmt.Sprintf("WGS84 %.6f,%.6f", lat, long)
		}
	}
	location := addr
	switch {
	case addr != "" && coords != "":
		location = addr + " (" + coords + ")"
	case coords != "":
		location = coords
	case addr == "" && latS == "" && longS == "":
		if get("address_id") != "" {
			fail("appealapi.open311.error.address_id")
		} else {
			fail("appealapi.open311.error.location_required")
		}
	}
	if n := utf8.RuneCountInString(location); n > appeal.MaxLocation {
		field("address_string", "error.too_long", "Max", appeal.MaxLocation-(n-utf8.RuneCountInString(addr)))
	}

	// The text: description (required here: an appeal without words cannot be handled).
	desc := strings.TrimSpace(strings.ReplaceAll(form.Get("description"), "\r\n", "\n"))
	switch n := utf8.RuneCountInString(desc); {
	case n == 0:
		field("description", "error.required")
	case n > o311MaxDescription:
		field("description", "error.too_long", "Max", o311MaxDescription)
	}
	body := desc
	if m := get("media_url"); m != "" {
		u, err := url.Parse(m)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(m) > o311MaxMediaURL || strings.ContainsAny(m, " \n\r\t") {
			fail("appealapi.open311.error.media_url", "Max", o311MaxMediaURL)
		} else {
			body += mediaPrefix + m
		}
	}

	// The district: named in the address, else the enterprise's.
	st, err := s.Appeal.Settings(ctx)
	if err != nil {
		return err
	}
	district := districtIn(addr, st.Districts)

	// The enterprise.
	in := appeal.NewAppeal{Kind: appeal.KindAppeal, Channel: appeal.ChannelOpen311, CategoryID: cat.ID, Title: titleFrom(desc),
		Body: body, Location: location, DistrictCode: district, Priority: appeal.PriorityNormal,
		ContactName: contactName(get("first_name"), get("last_name")), ContactPhone: get("phone")}
	account := get("account_id")
	if a.Has(auth.RoleOperator) || !a.Has(auth.RoleEnterprise) {
		// an operator, or a chamber filing for a current member
		if account == "" {
			field("account_id", "appealapi.open311.error.account_id_required")
		} else if e, err := s.Directory.FindEnterprise(ctx, a, account); err != nil {
			if _, ok := apperr.As(err); !ok {
				return err
			}
			field("account_id", "appealapi.open311.error.account_id_unknown")
		} else {
			in.EnterpriseOrgID, in.CreditCode = e.ID, e.CreditCode
		}
	} else {
		own, err := s.Directory.GetEnterprise(ctx, a, a.OrgID)
		if err != nil {
			return err
		}
		if account != "" && creditcode.Normalize(account) != own.CreditCode {
			field("account_id", "appealapi.open311.error.account_id_mismatch")
		}
		in.CreditCode = own.CreditCode
	}
	if len(fails) > 0 {
		return &o311Fail{Status: http.StatusBadRequest, Errors: fails}
	}

	ap, err := s.Appeal.Create(ctx, a, in)
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || !errors.Is(err, apperr.ErrInvalid) {
			return err
		}
		for _, fe := range e.Fields {
			name := o311Param[fe.Field]
			if name == "" {
				name = fe.Field
			}
			if fe.Field == "district_code" {
				field(name, "appealapi.open311.error.district")
				continue
			}
			field(name, fe.Key, fe.Args)
		}
		return &o311Fail{Status: http.StatusBadRequest, Errors: fails}
	}
	notice, err := s.notices(lang).get(ctx, ap.Kind, ap.CategoryID, ap.Priority)
	if err != nil {
		return err
	}
	doc := o311Created{}
	doc.Request.ServiceRequestID, doc.Request.ServiceNotice, doc.Request.AccountID = ap.Number, notice, ap.CreditCode
	w.Header().Set("Location", "/open311/v2/requests/"+ap.Number+"."+string(f))
	f.write(w, http.StatusCreated, doc, []o311CreatedJSON{{ServiceRequestID: ap.Number, ServiceNotice: nullable(notice), AccountID: nullable(ap.CreditCode)}})
	return nil
}
