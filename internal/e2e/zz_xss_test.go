package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yingshang/internal/demo/citydata"
)

// xssPayloads are stored-XSS attempts: a script element, an attribute breaking out into an
// event handler, a javascript: link, and template text.
var xssPayloads = []string{
	`<script>window.__xss=1</script>`,
	`"><img src=x onerror=window.__xss=1>`,
	`javascript:window.__xss=1`,
	`<svg onload=alert(1)>`,
	`{{.}}{{template "x"}}`,
}

// api sends a same-origin JSON request from the signed-in page (the API takes the session
// cookie) and returns the status and the body.
func (b *Tab) api(method, path string, body string) (int, string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	expr := fmt.Sprintf(`fetch(%s, {method: %s, headers: {'Content-Type': %s}, body: %s}).then(async r => [r.status, await r.text()])`,
		js(path), js(method), js("application/json"), bodyJS(body))
	if strings.HasPrefix(body, "form:") {
		expr = fmt.Sprintf(`fetch(%s, {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: %s, redirect: 'manual'}).then(async r => [r.status, await r.text()])`,
			js(path), js(strings.TrimPrefix(body, "form:")))
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.Fatalf("%s %s: %v", method, path, err)
	}
	return int(v[0].(float64)), v[1].(string)
}

func bodyJS(body string) string {
	if body == "" {
		return "undefined"
	}
	return js(body)
}

// TestStoredXSSIsInert puts script payloads into the free-text fields people fill —
// appeal title, body, location and contact; a person's name; an enterprise's short name,
// legal representative, contact and address; a roundtable's title, topics, place and
// summary; a knowledge-base article — through the API and the forms, then opens every page
// that shows them in Chromium: no payload runs (window.__xss stays undefined, no dialog
// opens — the tab's guard fails on one — and the console guard sees no CSP violation) and each shows as the text it is. It
// runs last in the package: it leaves its objects in the shared demo city.
func TestStoredXSSIsInert(t *testing.T) {
	began := time.Now()
	b := newTab(t, desktop)
	b.Step("the operator signs in")
	b.Login("operator1", citydata.DemoPassword)
	b.Open("/")

	fields := 0
	var pages []string
	ents := []int64{b.itemID("/api/v1/enterprises?limit=5", 0), b.itemID("/api/v1/enterprises?limit=5", 1), b.itemID("/api/v1/enterprises?limit=5", 2)}
	dept := b.itemID("/api/v1/organisations?kind=government&limit=5", 0)
	leader := b.leaderID()
	category := b.categoryID("utilities")
	for i, p := range xssPayloads {
		tag := fmt.Sprintf("X%d-%s ", i, began.Format("150405"))
		b.Step(fmt.Sprintf("store payload %d", i))
		// An appeal of ent1, its free text all payload.
		st, body := b.api("POST", "/api/v1/appeals", fmt.Sprintf(`{"kind":"appeal","category":"utilities.power","title":%s,"body":%s,"location":%s,"enterprise_org_id":%d,"contact_name":%s,"contact_phone":"13800001234"}`,
			js(tag+p), js(tag+"正文"+p), js(p), ents[0], js(p)))
		if st != 201 {
			b.Fatalf("create an appeal with %q: %d %s", p, st, body)
		}
		number := jsonField(body, "number")
		fields += 4
		pages = append(pages, "/appeals/"+number)
		// A person.
		st, body = b.api("POST", "/api/v1/people", fmt.Sprintf(`{"name":%s}`, js(tag+p)))
		if st != 201 {
			b.Fatalf("create a person named %q: %d %s", p, st, body)
		}
		fields++
		pages = append(pages, "/people/"+jsonField(body, "id"), "/people?q="+strings.TrimSpace(tag))
		// A roundtable.
		st, body = b.api("POST", "/api/v1/liaison/roundtables", fmt.Sprintf(`{"title":%s,"held_on":"2026-01-05","location":%s,"topics":%s,"summary":%s,"host_ids":[%d],"participant_ids":[%d]}`,
			js(tag+p), js(p), js(p), js(p), dept, ents[1]))
		if st != 201 {
			b.Fatalf("create a roundtable with %q: %d %s", p, st, body)
		}
		fields += 4
		pages = append(pages, "/liaison/roundtables/"+jsonField(body, "id"))
		// The appeal's moves: an acceptance note and a direct reply, both payload.
		st, body = b.api("POST", "/api/v1/appeals/"+number+"/accept", fmt.Sprintf(`{"version":1,"note":%s}`, js(p)))
		if st != 200 {
			b.Fatalf("accept with note %q: %d %s", p, st, body)
		}
		st, body = b.api("POST", "/api/v1/appeals/"+number+"/direct-reply", fmt.Sprintf(`{"version":%s,"outcome":"policy_explained","text":%s}`,
			jsonField(body, "version"), js(tag+"答复"+p)))
		if st != 200 {
			b.Fatalf("direct reply %q: %d %s", p, st, body)
		}
		fields += 2
		// A leader's visit: its summary and its problem (an appeal of its own).
		st, body = b.api("POST", "/api/v1/liaison/visits", fmt.Sprintf(`{"leader_id":%d,"kind":"visit","visited_on":"2026-01-06","org_ids":[%d],"department_ids":[%d],"summary":%s,"problems":[{"org_id":%d,"kind":"appeal","category_id":%d,"title":%s,"body":%s,"contact_name":"李经理","contact_phone":"13800001235"}]}`,
			leader, ents[1], dept, js(tag+"纪要"+p), ents[1], category, js(tag+"问题"+p), js(p)))
		if st != 201 {
			b.Fatalf("record a visit with %q: %d %s", p, st, body)
		}
		fields += 3
		pages = append(pages, "/liaison/visits/"+jsonField(body, "id"))
		// A knowledge-base article, through its form.
		st, body = b.api("POST", "/admin/kb", "form:"+url.Values{"category_id": {fmt.Sprint(category)}, "title": {tag + p}, "answer": {p}, "active": {"1"}}.Encode())
		if st != 0 { // the form answers 303 (an opaque redirect to fetch)
			b.Fatalf("add a knowledge-base article %q: %d %s", p, st, body)
		}
		fields += 2
	}
	pages = append(pages, "/admin/kb", "/liaison/visits")
	// An enterprise's free-text fields (the last payloads win; each was inert on its own
	// pages above in the other objects): the short name, legal representative, contact.
	b.Step("store payloads in an enterprise's file")
	ent := ents[2]
	st, body := b.api("GET", fmt.Sprintf("/api/v1/enterprises/%d", ent), "")
	if st != 200 {
		b.Fatalf("enterprise: %d %s", st, body)
	}
	st, body = b.api("PATCH", fmt.Sprintf("/api/v1/enterprises/%d", ent), fmt.Sprintf(`{"version":%s,"short_name":%s,"legal_rep":%s,"contact_name":%s}`,
		jsonField(body, "version"), js(xssPayloads[1][:20]), js(xssPayloads[0][:20]), js(xssPayloads[1][:20])))
	if st != 200 {
		b.Fatalf("patch the enterprise: %d %s", st, body)
	}
	fields += 3
	pages = append(pages, fmt.Sprintf("/enterprises/%d", ent), "/appeals", "/appeals?queue=all", "/people", "/liaison/roundtables", "/")

	for _, path := range pages {
		b.Step("open " + path)
		b.Open(path)
		if v := eval[string](b, `typeof window.__xss`); v != "undefined" {
			b.Errorf("%s: a stored payload ran (window.__xss is %s)", path, v)
		}
		if n := b.Count(`img[src="x"], a[href^="javascript:"]`); n > 0 {
			b.Errorf("%s: a payload became markup (%d elements)", path, n)
		}
	}
	b.Step("the payloads show as text")
	for _, path := range pages[:3] {
		b.Open(path)
		text := eval[string](b, `document.body.innerText`)
		if !strings.Contains(text, xssPayloads[0]) && !strings.Contains(text, "X0-") {
			b.Errorf("%s does not show the stored text as text", path)
		}
		if !strings.Contains(text, xssPayloads[0]) {
			b.Errorf("%s: %q is not shown as text", path, xssPayloads[0])
		}
	}
	t.Logf("stored XSS: %d payloads in 19 free-text fields (%d values stored), %d pages opened in Chromium, none ran; %s",
		len(xssPayloads), fields, len(pages), time.Since(began).Round(time.Millisecond))
}

// itemID returns the id of the n-th item of an API list.
func (b *Tab) itemID(path string, n int) int64 {
	b.t.Helper()
	st, body := b.api("GET", path, "")
	var v struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &v); st != 200 || err != nil || len(v.Items) <= n {
		b.Fatalf("%s: %d %s", path, st, body)
	}
	return v.Items[n].ID
}

// jsonField reads one top-level field of a JSON object as text.
func jsonField(body, field string) string {
	var m map[string]json.RawMessage
	_ = json.Unmarshal([]byte(body), &m)
	return strings.Trim(string(m[field]), `"`)
}

// leaderID is the user id of the first city leader of the API's list.
func (b *Tab) leaderID() int64 {
	b.t.Helper()
	st, body := b.api("GET", "/api/v1/liaison/leaders?limit=1", "")
	var v struct {
		Items []struct {
			UserID int64 `json:"user_id"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &v); st != 200 || err != nil || len(v.Items) == 0 {
		b.Fatalf("leaders: %d %s", st, body)
	}
	return v.Items[0].UserID
}

// categoryID is the id of the catalogue's category with code.
func (b *Tab) categoryID(code string) int64 {
	b.t.Helper()
	st, body := b.api("GET", "/api/v1/appeal-categories", "")
	var v struct {
		Items []struct {
			ID   int64  `json:"id"`
			Code string `json:"code"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &v); st != 200 || err != nil {
		b.Fatalf("categories: %d %s", st, body)
	}
	for _, c := range v.Items {
		if c.Code == code {
			return c.ID
		}
	}
	b.Fatalf("no category %s", code)
	return 0
}
