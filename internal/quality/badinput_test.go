package quality

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingshang/internal/api"
	"yingshang/internal/app/apptest"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/demo/citydata"
)

// sqlPayloads are filter values that would change a query built by concatenation, or
// trip a driver: quotes and comments, LIKE wildcards, an escape character, a stacked
// statement, NUL, invalid UTF-8, a very long value.
var sqlPayloads = []string{
	`' OR 1=1 --`,
	`' OR '1'='1`,
	`%`,
	`_`,
	`\`,
	`%' OR 1=1 --`,
	`"; DROP TABLE appeals; --`,
	`1; DELETE FROM users`,
	`') UNION SELECT username, password_hash FROM users --`,
	"a\x00b",
	"\xff\xfe\xfd",
	"$1",
	strings.Repeat("长", 5000),
}

// shortPayloads are the ones every `go test` sends (all but the very long one);
// YINGSHANG_GATES=full sends all, in more parameters.
var shortPayloads = sqlPayloads[:len(sqlPayloads)-1]

// baselineValue matches nothing; what a payload answers is compared with what it answers.
const baselineValue = "zqxjkvnomatch"

// preferred is the order in which a role is chosen to read a route.
var preferred = []auth.Role{auth.RoleOperator, auth.RoleAdmin, auth.RoleLeader, auth.RoleDepartment, auth.RoleAnalyst,
	auth.RoleEnterprise, auth.RoleChamber, auth.RoleSecurity, auth.RoleAuditor, auth.RoleBank, auth.RoleMediator}

var (
	getFormRE = regexp.MustCompile(`(?s)<form[^>]*method="get"[^>]*>(.*?)</form>`)
	nameRE    = regexp.MustCompile(`name="([a-z_]+)"`)
)

// rows counts what an answer lists: table rows of a page, items of a JSON list, rows of
// a spreadsheet.
func rows(t *testing.T, r *apptest.Response) int {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.Contains(ct, "spreadsheetml"):
		f, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Errorf("spreadsheet: %v", err)
			return 0
		}
		defer f.Close()
		n := 0
		for _, sh := range f.GetSheetList() {
			rs, _ := f.GetRows(sh)
			n += len(rs)
		}
		return n
	case strings.Contains(ct, "json"):
		var v struct {
			Items []json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal([]byte(r.Body), &v)
		return len(v.Items)
	}
	return strings.Count(r.Body, "<tr")
}

// tableCounts counts the rows of every table of the database.
func tableCounts(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if d.Engine == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rs, err := d.RQ(ctx).QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rs.Next() {
		var n string
		if err := rs.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rs.Close()
	out := map[string]int{}
	for _, n := range names {
		var c int
		if err := d.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+n+`"`).Scan(&c); err != nil {
			t.Fatalf("count %s: %v", n, err)
		}
		out[n] = c
	}
	return out
}

// readSide are the tables a read may write: the audit log (reads of personal records),
// sessions (last seen), jobs and notifications they cause.
var readSide = map[string]bool{"audit_log": true, "sessions": true, "jobs": true, "goose_db_version": true}

// TestSQLMetacharactersInFilters sends every payload in every filter parameter of every
// reading route of both tables (the web's parameters read from its GET forms, the API's
// from the OpenAPI document) and in every path parameter: the answer is 200 with no more
// rows than a value that matches nothing, or a clear 4xx — never a 500 — and no table
// changes.
func TestSQLMetacharactersInFilters(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		start := time.Now()
		w := newWorld(t, e)
		doc, err := api.Document()
		if err != nil {
			t.Fatal(err)
		}
		payloads, defaults := shortPayloads, []string{"q"}
		if full() {
			payloads, defaults = sqlPayloads, []string{"q", "cursor", "page", "sort", "limit"}
		}
		w.signInAll()
		before := tableCounts(t, e.App.DB)
		var sent, routesTried, params int
		statuses := map[int]int{}
		for _, rt := range routes(e) {
			if rt.changes() || rt.patt == "/api/v1/openapi.json" || strings.HasPrefix(rt.patt, "/lang/") {
				continue
			}
			o := w.object(t, rt)
			var role auth.Role = anonymous
			if !rt.public {
				role = ""
				for _, r := range preferred {
					if gate(rt, r) && (o.may == nil || slices.Contains(o.may, r)) {
						role = r
						break
					}
				}
				if role == "" {
					t.Errorf("%s: no role reads it", rt)
					continue
				}
			}
			c := w.client(role, rt.api)
			base := c.Get(o.path)
			if base.Status != http.StatusOK {
				continue // a form that needs its object's state, or a redirect
			}
			routesTried++
			// The parameters: the GET forms' fields (web) or the documented query
			// parameters (API), and the usual ones.
			names := map[string]bool{}
			for _, d := range defaults {
				names[d] = true
			}
			if rt.api {
				if pi := doc.Paths.Find(rt.patt); pi != nil && pi.Get != nil {
					for _, p := range pi.Get.Parameters {
						if p.Value != nil && p.Value.In == "query" {
							names[p.Value.Name] = true
						}
					}
				}
			} else {
				for _, f := range getFormRE.FindAllStringSubmatch(base.Body, -1) {
					for _, m := range nameRE.FindAllStringSubmatch(f[1], -1) {
						names[m[1]] = true
					}
				}
			}
			var keys []string
			for k := range names {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, name := range keys {
				params++
				with := func(v string) string {
					sep := "?"
					if strings.Contains(o.path, "?") {
						sep = "&"
					}
					return o.path + sep + url.Values{name: {v}}.Encode()
				}
				nb := c.Get(with(baselineValue))
				sent++
				for _, p := range payloads {
					r := c.Get(with(p))
					sent++
					statuses[r.Status]++
					who := fmt.Sprintf("%s as %s, %s=%q", rt, role, name, short(p))
					switch {
					case r.Status >= 500:
						t.Errorf("%s: %d\n%s", who, r.Status, snippet(r.Body))
					case r.Status == http.StatusOK:
						// (The audit log grows with the reads it records: no row count there.)
						if nb.Status == http.StatusOK && !strings.HasPrefix(rt.patt, "/audit") && rows(t, r) > rows(t, nb) {
							t.Errorf("%s: %d rows, a value matching nothing gives %d", who, rows(t, r), rows(t, nb))
						}
					case r.Status >= 400 && r.Status != http.StatusNotFound || r.Status == http.StatusNotFound && rt.api:
						// A clear refusal (a queue the role does not have is 403).
						if rt.api && !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
							t.Errorf("%s: %d is not problem+json", who, r.Status)
						}
					default:
						t.Errorf("%s: %d, want 200 or a 4xx refusal\n%s", who, r.Status, snippet(r.Body))
					}
				}
			}
			// The payloads as path parameters: 400/404, never 500.
			if strings.Contains(strings.TrimSuffix(rt.patt, "{$}"), "{") {
				for _, p := range payloads {
					path := regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(strings.TrimSuffix(rt.patt, "{$}"), url.PathEscape(p))
					var r *apptest.Response
					if rt.api {
						r = raw(t, e, c.Token, path) // no such route in the document to hold it to
					} else {
						r = c.Get(path)
					}
					sent++
					statuses[r.Status]++
					if r.Status >= 500 || r.Status == http.StatusOK && !strings.HasPrefix(rt.patt, "/history/") {
						t.Errorf("%s as %s, path %q: %d\n%s", rt, role, short(p), r.Status, snippet(r.Body))
					}
				}
			}
		}
		after := tableCounts(t, e.App.DB)
		for tb, n := range before {
			if after[tb] != n && !readSide[tb] {
				t.Errorf("table %s: %d rows before, %d after", tb, n, after[tb])
			}
		}
		if after["appeals"] == 0 {
			t.Error("no appeals left")
		}
		t.Logf("SQL metacharacters: %d routes, %d parameters × %d payloads, %d requests, %d tables unchanged; statuses %v; %s",
			routesTried, params, len(payloads), sent, len(before), statuses, time.Since(start).Round(time.Millisecond))
	})
}

// raw sends a GET with a bearer token, outside the OpenAPI check.
func raw(t *testing.T, e *apptest.Env, token, path string) *apptest.Response {
	req, err := http.NewRequest("GET", e.Server.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &apptest.Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

var fieldErrorRE = regexp.MustCompile(`class="[^"]*error[^"]*"[^>]*>([^<]+)<`)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func short(s string) string {
	if len(s) > 24 {
		return fmt.Sprintf("%s…(%d bytes)", s[:12], len(s))
	}
	return s
}

// TestOversizedBodies: a JSON body above the API's limit, an attachment above the
// attachment limit, a form and an upload above the interface's limits are refused with a
// clear, localised answer (413, or 400/422 naming the limit), never a 500.
func TestOversizedBodies(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		w := newWorld(t, e)
		w.signInAll()
		before := tableCounts(t, e.App.DB)
		opAPI := w.client(auth.RoleOperator, true)
		opWeb := w.client(auth.RoleOperator, false)
		big := strings.Repeat("长", 2<<20/3+10) // just above 2 MB
		check := func(what string, r *apptest.Response, json bool) {
			t.Helper()
			if r.Status != http.StatusRequestEntityTooLarge && r.Status != http.StatusBadRequest && r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d, want 413 (or 400/422)\n%s", what, r.Status, snippet(r.Body))
			}
			if json && !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
				t.Errorf("%s: %q, want problem+json", what, r.Header.Get("Content-Type"))
			}
			msg := ""
			if json {
				var p struct{ Title, Detail string }
				_ = jsonUnmarshal(r.Body, &p)
				msg = strings.TrimSpace(p.Title + " " + p.Detail)
			} else {
				for _, m := range fieldErrorRE.FindAllStringSubmatch(r.Body, -1) {
					if strings.Contains(m[1], "MB") || strings.Contains(m[1], "过大") {
						msg = strings.TrimSpace(m[1]) // the field's error names the limit
					}
				}
			}
			if !json && !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: %q, want a page", what, r.Header.Get("Content-Type"))
			}
			if msg == "" {
				t.Errorf("%s: %d without a message naming the limit; errors shown: %q", what, r.Status, fieldErrorRE.FindAllStringSubmatch(r.Body, -1))
			}
			t.Logf("%s: %d %q", what, r.Status, msg)
		}
		body, _ := json.Marshal(map[string]any{"kind": "appeal", "category_id": w.category, "title": "x", "body": big, "enterprise_org_id": w.ent})
		check("API JSON body 2 MB", opAPI.Do("POST", "/api/v1/appeals", bytes.NewReader(body), http.Header{"Content-Type": {"application/json"}}), true)
		ct, up := multipartFile("file", "big.txt", bytes.Repeat([]byte("a"), 11<<20))
		check("API attachment 11 MB", opAPI.Do("POST", "/api/v1/appeals/"+w.number+"/attachments", strings.NewReader(up), http.Header{"Content-Type": {ct}}), true)
		check("web attachment 11 MB", opWeb.Do("POST", "/appeals/"+w.number+"/attachments", strings.NewReader(up), http.Header{"Content-Type": {ct}}), false)
		ct, up = multipartFile("file", "big.xlsx", bytes.Repeat([]byte("a"), 21<<20))
		check("web directory import 21 MB", w.client(auth.RoleAdmin, false).Do("POST", "/enterprises/import", strings.NewReader(up), http.Header{"Content-Type": {ct}}), false)
		form := url.Values{"kind": {"appeal"}, "title": {"x"}, "body": {strings.Repeat(big, 6)}}
		check("web form 37 MB", opWeb.PostForm("/appeals", form), false)
		after := tableCounts(t, e.App.DB)
		for tb, n := range before {
			if after[tb] != n && !readSide[tb] {
				t.Errorf("table %s: %d rows before, %d after", tb, n, after[tb])
			}
		}
	})
}
