package quality

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"yingshang/internal/app/apptest"
	"yingshang/internal/auth"
	"yingshang/internal/demo/citydata"
)

// route is one line of either route table, as the matrix sees it.
type route struct {
	api            bool
	method, patt   string
	public, partly bool
	roles          []auth.Role
	perm           auth.Perm
}

func (r route) String() string {
	return r.method + " " + r.patt
}

func (r route) changes() bool {
	return r.method != http.MethodGet && r.method != http.MethodHead
}

// routes gathers both route tables.
func routes(e *apptest.Env) []route {
	var out []route
	for _, rt := range e.App.Web.Routes() {
		out = append(out, route{method: rt.Method, patt: rt.Pattern, public: rt.Access.Public, partly: rt.Access.Partial,
			roles: rt.Access.Roles, perm: rt.Access.Perm})
	}
	for _, rt := range e.App.API.Routes() {
		out = append(out, route{api: true, method: rt.Method, patt: rt.Pattern, public: rt.Public})
	}
	for _, rt := range e.App.API.Open311Routes() {
		out = append(out, route{api: true, method: rt.Method, patt: rt.Pattern, public: rt.Public})
	}
	return out
}

// gate reports whether role passes a route's own access line (web: roles and
// permission; API: any credentials — the services decide).
func gate(rt route, role auth.Role) bool {
	if rt.public {
		return true
	}
	if role == anonymous {
		return false
	}
	a := auth.Actor{Roles: []auth.Role{role}}
	if len(rt.roles) > 0 && !a.HasAny(rt.roles...) {
		return false
	}
	return rt.perm == "" || a.Can(rt.perm)
}

// object is what a path parameter stands for: the foreign object put in its place and the
// roles product.md lets open it.
type object struct {
	path string
	may  []auth.Role // nil: every role that passes the gate
	kind string
}

var everyone []auth.Role

// object substitutes the route's path parameters with foreign objects. An unknown
// parameter fails the test: a new route needs its object named here.
func (w *world) object(t *testing.T, rt route) object {
	p := rt.patt
	p = strings.TrimSuffix(p, "{$}")
	o := object{may: everyone, kind: "-"}
	set := func(param string, v any, kind string, may []auth.Role) {
		if strings.Contains(p, "{"+param+"}") {
			p = strings.Replace(p, "{"+param+"}", fmt.Sprint(v), 1)
			if kind != "" && o.kind == "-" {
				o.kind, o.may = kind, may
			}
		}
	}
	in := func(prefixes ...string) bool {
		for _, x := range prefixes {
			if strings.HasPrefix(p, x) {
				return true
			}
		}
		return false
	}
	hist := []auth.Role{auth.RoleOperator, auth.RoleAuditor}
	switch {
	case strings.Contains(p, "{number}"):
		set("number", w.number, "appeal", operatorOnly)
		set("id", w.attachment, "", nil)
		set("action", "accept", "", nil)
	case in("/admin/users/", "/api/v1/users/"):
		set("id", w.user, "user", []auth.Role{auth.RoleAdmin, auth.RoleSecurity})
	case in("/admin/tokens/"):
		set("id", w.token, "token", []auth.Role{auth.RoleSecurity})
	case in("/history/"):
		set("type", "appeal", "", nil)
		set("id", w.appealID, "history", hist)
	case in("/calendar/overrides/"):
		set("date", "2026-05-01", "", nil)
	case in("/admin/webhooks/", "/api/v1/webhooks/"):
		set("id", w.webhook, "webhook", []auth.Role{auth.RoleAdmin})
	case in("/enterprises/", "/api/v1/enterprises/"):
		set("id", w.ent, "enterprise", directoryReaders)
	case in("/orgs/", "/api/v1/organisations/"):
		set("id", w.dept, "org", everyone)
	case in("/chambers/", "/api/v1/chambers/"):
		set("id", w.chamber, "chamber", everyone)
	case in("/memberships/"):
		set("id", w.membership, "membership", liaisonAll)
	case in("/people/", "/api/v1/people/"):
		set("id", w.person, "person", peopleReaders)
	case in("/posts/"):
		set("id", w.post, "post", liaisonAll)
	case in("/liaison/links/", "/api/v1/liaison/links/"):
		set("id", w.link, "link", liaisonAll)
	case in("/liaison/visits/", "/api/v1/liaison/visits/"):
		set("id", w.visit, "visit", liaisonAll)
	case in("/liaison/files/"):
		set("id", w.visitFile, "visit file", liaisonAll)
	case in("/liaison/roundtables/", "/api/v1/liaison/roundtables/"):
		set("id", w.roundtable, "roundtable", liaisonAll)
	case in("/admin/categories/"):
		set("id", w.category, "", nil)
	case in("/admin/kb/"):
		set("id", w.article, "", nil)
	case in("/stats/assessment/", "/api/v1/stats/assessment/"):
		set("id", w.dept, "department's ranking", []auth.Role{auth.RoleOperator, auth.RoleAdmin, auth.RoleAnalyst, auth.RoleLeader})
		set("org_id", w.dept, "department's ranking", []auth.Role{auth.RoleOperator, auth.RoleAdmin, auth.RoleAnalyst, auth.RoleLeader})
	case in("/stats/proactive/"):
		set("id", 999999, "proactive task", operatorOnly)
	case in("/lang/"):
		set("lang", "en", "", nil)
	case in("/open311/v2/requests/", "/open311/v2/tokens/"):
		// A single service request (or its token) is an appeal of another enterprise.
		set("file", w.number+".json", "appeal", operatorOnly)
	case in("/open311/v2/services/"):
		set("file", "finance.json", "", nil)
	case in("/open311/v2/"):
		set("file", "requests.json", "", nil)
	case in("/open311/"):
		set("file", "discovery.json", "", nil)
	}
	if strings.Contains(p, "{") {
		t.Errorf("%s: the access matrix has no object for this route's parameters; name one in world.object", rt)
	}
	o.path = p
	return o
}

// cell is one route × role answer.
type cell struct {
	status int
	denied bool
}

// TestAccessMatrix walks both route tables with a user of every role and nobody, each
// route's parameters pointing at objects of another organisation: whoever product.md does
// not let see the object gets 401/403/404 (a redirect to the login page for nobody in the
// interface) and none of its data; nobody gets a 500; every route that changes state
// refuses a cross-site request. A route the matrix did not try fails it.
func TestAccessMatrix(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		start := time.Now()
		w := newWorld(t, e)
		rts := routes(e)
		tried := map[string]map[auth.Role]cell{}
		record := func(rt route, role auth.Role, c cell) {
			if tried[rt.String()] == nil {
				tried[rt.String()] = map[auth.Role]cell{}
			}
			tried[rt.String()][role] = c
		}
		crossTried := 0
		opened := map[string]bool{} // object kinds some allowed role opened (200)
		// check sends one request and holds its answer to the expectation.
		check := func(rt route, role auth.Role, header http.Header) cell {
			o := w.object(t, rt)
			denied := !gate(rt, role) || (o.may != nil && !slices.Contains(o.may, role))
			if rt.public {
				denied = false
			}
			var body *strings.Reader
			if rt.changes() {
				if uploads(rt) {
					ct, b := multipartFile("file", "mx.txt", []byte("附件 MX\n"))
					body = strings.NewReader(b)
					header.Set("Content-Type", ct)
				} else if rt.api {
					body = strings.NewReader("{}")
					header.Set("Content-Type", "application/json")
				} else {
					body = strings.NewReader("")
					header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
			}
			c := w.client(role, rt.api)
			var r *apptest.Response
			if body != nil {
				r = c.Do(rt.method, o.path, body, header)
			} else {
				r = c.Do(rt.method, o.path, nil, header)
			}
			who := fmt.Sprintf("%s as %s (%s %s)", rt, role, rt.method, o.path)
			if r.Status >= 500 {
				t.Errorf("%s: %d\n%s", who, r.Status, snippet(r.Body))
			}
			if denied {
				switch {
				case r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden || r.Status == http.StatusNotFound:
				case role == anonymous && !rt.api && r.Status == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/login"):
				default:
					t.Errorf("%s: %d, want 401/403/404 (the %s is another organisation's)\n%s", who, r.Status, o.kind, snippet(r.Body))
				}
			}
			if l := w.leaks(role, o.path, r.Body); len(l) > 0 {
				t.Errorf("%s: %d shows %s of another organisation\n%s", who, r.Status, strings.Join(l, ", "), around(r.Body, w, l))
			}
			if !denied && (r.Status == http.StatusOK || rt.changes() && r.Status != http.StatusNotFound && r.Status < 500) {
				opened[o.kind] = true
			}
			return cell{status: r.Status, denied: denied}
		}

		// 1. Every reading route, every role.
		for _, rt := range rts {
			if rt.changes() {
				continue
			}
			for _, role := range matrixRoles {
				record(rt, role, check(rt, role, http.Header{}))
			}
		}
		// 2. Every changing route refuses a cross-site request, whoever sends it.
		for _, rt := range rts {
			if !rt.changes() {
				continue
			}
			for _, role := range matrixRoles {
				o := w.object(t, rt)
				r := w.client(role, rt.api).Do(rt.method, o.path, strings.NewReader(""), http.Header{
					"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}})
				crossTried++
				if r.Status != http.StatusForbidden {
					t.Errorf("%s as %s: cross-site %s %s: %d, want 403", rt, role, rt.method, o.path, r.Status)
				}
			}
		}
		// 3. Same-site changes by those who may not: refused, nothing shown. Then 4. by
		// those who may (last, since they change the objects): never a 500. Signing out
		// would end the role's session, so /logout is tried by nobody and cross-site only.
		for _, phase := range []bool{true, false} {
			for _, rt := range rts {
				if !rt.changes() {
					continue
				}
				for _, role := range matrixRoles {
					o := w.object(t, rt)
					denied := !rt.public && (!gate(rt, role) || (o.may != nil && !slices.Contains(o.may, role)))
					if denied != phase {
						continue
					}
					if rt.patt == "/logout" && role != anonymous {
						record(rt, role, cell{status: -1})
						continue
					}
					record(rt, role, check(rt, role, http.Header{}))
				}
			}
		}

		// The objects are real: for each kind, a role that may see it opened it (or changed
		// it: an answer other than 404); so the
		// refusals above are about scope, not about a wrong id.
		kinds := map[string]bool{}
		for _, rt := range rts {
			if o := w.object(t, rt); o.kind != "-" && o.kind != "proactive task" {
				kinds[o.kind] = true
			}
		}
		for k := range kinds {
			if !opened[k] {
				t.Errorf("no role that may see the foreign %s opened it (200): the fixture is wrong", k)
			}
		}
		// Every route × every role was tried.
		missing := 0
		for _, rt := range rts {
			for _, role := range matrixRoles {
				if _, ok := tried[rt.String()][role]; !ok {
					missing++
					t.Errorf("%s was not tried as %s", rt, role)
				}
			}
		}
		t.Logf("access matrix: %d routes (%d web, %d API) × %d roles = %d requests; %d cross-site refusals; %s",
			len(rts), countAPI(rts, false), countAPI(rts, true), len(matrixRoles), len(rts)*len(matrixRoles)-missing, crossTried, time.Since(start).Round(time.Millisecond))
		t.Log(table(rts, tried))
	})
}

// uploads reports whether a route takes a multipart file (the matrix sends one, so that
// the answer is about access, not about a missing file).
func uploads(rt route) bool {
	return rt.method == http.MethodPost && (strings.HasSuffix(rt.patt, "/attachments") || strings.HasSuffix(rt.patt, "/files") || strings.HasSuffix(rt.patt, "/import"))
}

// multipartFile builds a multipart/form-data body with one file part.
func multipartFile(field, name string, data []byte) (contentType, body string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return mw.FormDataContentType(), b.String()
}

func countAPI(rts []route, api bool) int {
	n := 0
	for _, r := range rts {
		if r.api == api {
			n++
		}
	}
	return n
}

// table renders the matrix: a line per route, a column per role, the status (lower case
// d: the role was expected to be refused).
func table(rts []route, tried map[string]map[auth.Role]cell) string {
	var b strings.Builder
	b.WriteString("\nroute")
	for _, r := range matrixRoles {
		fmt.Fprintf(&b, " %5.5s", r)
	}
	b.WriteString("\n")
	sums := map[string]int{}
	for _, rt := range rts {
		fmt.Fprintf(&b, "%-52.52s", rt)
		for _, role := range matrixRoles {
			c := tried[rt.String()][role]
			mark := " "
			if c.denied {
				mark = "d"
			}
			if c.status == -1 {
				fmt.Fprintf(&b, "  skip")
				continue
			}
			fmt.Fprintf(&b, " %s%4d", mark, c.status)
			sums[fmt.Sprint(c.status)]++
		}
		b.WriteString("\n")
	}
	var keys []string
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString("statuses:")
	for _, k := range keys {
		fmt.Fprintf(&b, " %s×%d", k, sums[k])
	}
	return b.String()
}

func snippet(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// around shows where a leaked marker sits in the body.
func around(body string, w *world, what []string) string {
	for _, m := range w.markers {
		if m.what != what[0] {
			continue
		}
		i := strings.Index(body, m.text)
		lo, hi := max(0, i-200), min(len(body), i+len(m.text)+100)
		return "…" + body[lo:hi] + "…"
	}
	return ""
}
