package api_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"yingshang/internal/api"
	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
)

// The Open311 documents as the specification's examples name their elements, decoded
// independently of the server's own types.
type xDiscovery struct {
	XMLName    xml.Name `xml:"discovery"`
	Changeset  string   `xml:"changeset"`
	Contact    string   `xml:"contact"`
	KeyService string   `xml:"key_service"`
	Endpoints  []struct {
		Specification string   `xml:"specification"`
		URL           string   `xml:"url"`
		Changeset     string   `xml:"changeset"`
		Type          string   `xml:"type"`
		Formats       []string `xml:"formats>format"`
	} `xml:"endpoints>endpoint"`
}

type xService struct {
	ServiceCode string `xml:"service_code" json:"service_code"`
	ServiceName string `xml:"service_name" json:"service_name"`
	Description string `xml:"description" json:"description"`
	Metadata    bool   `xml:"metadata" json:"metadata"`
	Type        string `xml:"type" json:"type"`
	Keywords    string `xml:"keywords" json:"keywords"`
	Group       string `xml:"group" json:"group"`
}

type xServices struct {
	XMLName  xml.Name   `xml:"services"`
	Services []xService `xml:"service"`
}

type xDefinition struct {
	XMLName     xml.Name `xml:"service_definition"`
	ServiceCode string   `xml:"service_code"`
	Attributes  struct {
		Attribute []struct {
			Code string `xml:"code"`
		} `xml:"attribute"`
	} `xml:"attributes"`
}

type xRequest struct {
	ServiceRequestID  string `xml:"service_request_id"`
	Token             string `xml:"token"`
	Status            string `xml:"status"`
	StatusNotes       string `xml:"status_notes"`
	ServiceName       string `xml:"service_name"`
	ServiceCode       string `xml:"service_code"`
	Description       string `xml:"description"`
	AgencyResponsible string `xml:"agency_responsible"`
	ServiceNotice     string `xml:"service_notice"`
	RequestedDatetime string `xml:"requested_datetime"`
	UpdatedDatetime   string `xml:"updated_datetime"`
	ExpectedDatetime  string `xml:"expected_datetime"`
	Address           string `xml:"address"`
	Zipcode           string `xml:"zipcode"`
	Lat               string `xml:"lat"`
	Long              string `xml:"long"`
	MediaURL          string `xml:"media_url"`
	AccountID         string `xml:"account_id"`
}

type xRequests struct {
	XMLName  xml.Name   `xml:"service_requests"`
	Requests []xRequest `xml:"request"`
}

type xErrors struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []struct {
		Code        int    `xml:"code"`
		Description string `xml:"description"`
	} `xml:"error"`
}

// jRequest is a request in JSON: empty values are null.
type jRequest struct {
	ServiceRequestID  string   `json:"service_request_id"`
	Status            string   `json:"status"`
	StatusNotes       *string  `json:"status_notes"`
	ServiceName       *string  `json:"service_name"`
	ServiceCode       *string  `json:"service_code"`
	Description       *string  `json:"description"`
	AgencyResponsible *string  `json:"agency_responsible"`
	ServiceNotice     *string  `json:"service_notice"`
	RequestedDatetime *string  `json:"requested_datetime"`
	UpdatedDatetime   *string  `json:"updated_datetime"`
	ExpectedDatetime  *string  `json:"expected_datetime"`
	Address           *string  `json:"address"`
	Zipcode           *string  `json:"zipcode"`
	Lat               *float64 `json:"lat"`
	Long              *float64 `json:"long"`
	MediaURL          *string  `json:"media_url"`
}

const xmlDecl = `<?xml version="1.0" encoding="utf-8"?>`

// parseXML checks the status, the content type and the XML declaration, then decodes.
func parseXML(t *testing.T, r *apptest.Response, status int, v any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if !strings.HasPrefix(r.Body, xmlDecl+"\n<") {
		t.Fatalf("no XML declaration: %.80q", r.Body)
	}
	if err := xml.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func parseJSON(t *testing.T, r *apptest.Response, status int, v any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// xmlError checks an error document: the status and code, and a description that
// contains want.
func xmlError(t *testing.T, r *apptest.Response, status int, want string) {
	t.Helper()
	var e xErrors
	parseXML(t, r, status, &e)
	if len(e.Errors) == 0 || e.Errors[0].Code != status {
		t.Fatalf("errors %+v", e)
	}
	var all []string
	for _, x := range e.Errors {
		all = append(all, x.Description)
	}
	if !strings.Contains(strings.Join(all, " | "), want) {
		t.Fatalf("errors %q lack %q", all, want)
	}
}

func jsonError(t *testing.T, r *apptest.Response, status int) []map[string]any {
	t.Helper()
	var e []map[string]any
	parseJSON(t, r, status, &e)
	if len(e) == 0 || e[0]["code"] != float64(status) || e[0]["description"] == "" {
		t.Fatalf("JSON errors %s", r.Body)
	}
	return e
}

// creditCode is a demo user's enterprise's credit code.
func creditCode(t *testing.T, e *apptest.Env, username string) string {
	t.Helper()
	for _, u := range e.Demo.City.Users {
		if u.Username != username {
			continue
		}
		for _, x := range e.Demo.City.Enterprises {
			if x.Key == u.Org.Key {
				return x.CreditCode
			}
		}
	}
	t.Fatalf("no enterprise for %s", username)
	return ""
}

// Discovery, the service list and the service definitions: public, in both formats,
// with the specification's element names.
func TestOpen311DiscoveryAndServices(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		var d xDiscovery
		parseXML(t, c.Get("/open311/discovery.xml"), http.StatusOK, &d)
		if d.Changeset == "" || d.Contact == "" || d.KeyService == "" || len(d.Endpoints) != 1 {
			t.Fatalf("discovery %+v", d)
		}
		ep := d.Endpoints[0]
		if ep.Specification != "http://wiki.open311.org/GeoReport_v2" || ep.URL != e.Server.URL+"/open311/v2" || ep.Type != "production" ||
			!slices.Equal(ep.Formats, []string{"text/xml", "application/json"}) || ep.Changeset != d.Changeset {
			t.Errorf("endpoint %+v", ep)
		}
		var dj struct {
			Changeset string `json:"changeset"`
			Endpoints []struct {
				URL     string   `json:"url"`
				Formats []string `json:"formats"`
			} `json:"endpoints"`
		}
		parseJSON(t, c.Get("/open311/discovery.json"), http.StatusOK, &dj)
		if dj.Changeset != d.Changeset || len(dj.Endpoints) != 1 || len(dj.Endpoints[0].Formats) != 2 {
			t.Errorf("discovery JSON %+v", dj)
		}

		var s xServices
		parseXML(t, c.Get("/open311/v2/services.xml"), http.StatusOK, &s)
		if len(s.Services) != len(appeal.DefaultCategories) {
			t.Fatalf("%d services", len(s.Services))
		}
		var power xService
		for _, x := range s.Services {
			if x.Metadata || x.Type != "realtime" {
				t.Errorf("service %s: metadata %v type %s", x.ServiceCode, x.Metadata, x.Type)
			}
			if x.ServiceCode == "utilities.power" {
				power = x
			}
		}
		if power.ServiceName != "用电" || power.Group != "水电气网" || !strings.Contains(power.Keywords, "用电") ||
			!strings.Contains(power.Keywords, "水电气网") || !strings.Contains(power.Description, "1 个工作日内签收") {
			t.Errorf("utilities.power %+v", power)
		}
		c.Lang = "en"
		var sj []xService
		parseJSON(t, c.Get("/open311/v2/services.json"), http.StatusOK, &sj)
		if len(sj) != len(s.Services) {
			t.Fatalf("%d JSON services", len(sj))
		}
		for _, x := range sj {
			if x.ServiceCode == "utilities.power" && (x.ServiceName != "Electricity" || x.Group != "Utilities" || !strings.Contains(x.Description, "1 working day")) {
				t.Errorf("English service %+v", x)
			}
		}
		c.Lang = ""

		var def xDefinition
		parseXML(t, c.Get("/open311/v2/services/utilities.power.xml"), http.StatusOK, &def)
		if def.ServiceCode != "utilities.power" || len(def.Attributes.Attribute) != 0 || !strings.Contains(c.Get("/open311/v2/services/utilities.power.xml").Body, "<attributes></attributes>") {
			t.Errorf("definition %+v", def)
		}
		var dfj map[string]any
		parseJSON(t, c.Get("/open311/v2/services/utilities.power.json"), http.StatusOK, &dfj)
		if dfj["service_code"] != "utilities.power" || fmt.Sprint(dfj["attributes"]) != "[]" {
			t.Errorf("definition JSON %v", dfj)
		}

		// errors in the specification's format
		xmlError(t, c.Get("/open311/v2/services/no.such.xml"), http.StatusNotFound, "no.such")
		jsonError(t, c.Get("/open311/v2/services/no.such.json"), http.StatusNotFound)
		xmlError(t, c.Get("/open311/v2/services.csv"), http.StatusBadRequest, "xml 或 json")
		xmlError(t, c.Get("/open311/v2/services"), http.StatusNotFound, "/open311/v2/services")
		jsonError(t, c.Get("/open311/v2/nothing.json"), http.StatusNotFound)
		jsonError(t, c.Do("PUT", "/open311/v2/requests.json", nil, nil), http.StatusBadRequest)
		xmlError(t, c.Do("DELETE", "/open311/v2/requests.xml", nil, nil), http.StatusBadRequest, "请求方法")
		xmlError(t, c.PostForm("/open311/v2/services.xml", url.Values{}), http.StatusBadRequest, "请求方法")
		// jurisdiction_id: optional; a wrong one is 404, this host's is fine
		xmlError(t, c.Get("/open311/v2/services.xml?jurisdiction_id=sfgov.org"), http.StatusNotFound, "sfgov.org")
		if r := c.Get("/open311/v2/services.xml?jurisdiction_id=127.0.0.1"); r.Status != http.StatusOK {
			t.Errorf("own jurisdiction: %d %s", r.Status, r.Body)
		}
		if r := c.Get("/open311/v2/services.xml?jurisdiction_id="); r.Status != http.StatusOK {
			t.Errorf("empty jurisdiction: %d", r.Status)
		}
	})
}

// POST requests (form-encoded) by an enterprise, then the request read back in both
// formats; an operator's filing names the enterprise by its credit code.
func TestOpen311PostRequest(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		key := e.Token("ent1", "open311:write")
		readKey := e.Token("ent1", "open311:read")
		c := e.Client()
		form := url.Values{"api_key": {key}, "jurisdiction_id": {"127.0.0.1"}, "service_code": {"utilities.power"},
			"address_string": {"长沙市岳麓区麓谷大道 627 号"}, "lat": {"28.2175"}, "long": {"112.8876"},
			"description": {"厂区周边频繁停电。\n上周停电三次，影响生产。"}, "media_url": {"https://img.example.cn/p/1.jpg"},
			"first_name": {"伟"}, "last_name": {"张"}, "phone": {"13807310002"}, "email": {"zw@example.cn"}, "device_id": {"d-1"}}
		r := c.PostForm("/open311/v2/requests.xml", form)
		var created xRequests
		parseXML(t, r, http.StatusCreated, &created)
		if len(created.Requests) != 1 {
			t.Fatalf("created %+v", created)
		}
		cr := created.Requests[0]
		if !strings.HasPrefix(cr.ServiceRequestID, "ZQ2026") || cr.Token != "" || cr.ServiceNotice == "" || cr.AccountID != creditCode(t, e, "ent1") {
			t.Fatalf("created %+v", cr)
		}
		if !strings.Contains(r.Body, "<account_id>") || r.Header.Get("Location") != "/open311/v2/requests/"+cr.ServiceRequestID+".xml" {
			t.Errorf("created body %s, location %q", r.Body, r.Header.Get("Location"))
		}
		id := cr.ServiceRequestID

		// what the appeal loop got
		op := e.APIClient("operator1", "appeals:write")
		a := ok(t, op.Get("/api/v1/appeals/"+id), http.StatusOK)
		full := map[string]any{}
		op.Get("/api/v1/appeals/"+id).JSON(t, &full)
		if a.Channel != "open311" || a.Kind != "appeal" || a.District != "430104" || a.Contact == nil || a.Contact.Name != "张伟" ||
			a.Contact.Phone != "13807310002" || full["title"] != "厂区周边频繁停电" || full["location"] != "长沙市岳麓区麓谷大道 627 号 (WGS84 28.217500,112.887600)" {
			t.Fatalf("appeal %+v %v %v", a, full["title"], full["location"])
		}

		// one request, JSON
		var one []jRequest
		parseJSON(t, c.Get("/open311/v2/requests/"+id+".json?api_key="+url.QueryEscape(readKey)), http.StatusOK, &one)
		if len(one) != 1 {
			t.Fatalf("%d requests", len(one))
		}
		q := one[0]
		if q.ServiceRequestID != id || q.Status != "open" || *q.ServiceCode != "utilities.power" || *q.ServiceName != "用电" ||
			*q.Description != "厂区周边频繁停电。\n上周停电三次，影响生产。" || *q.Address != "长沙市岳麓区麓谷大道 627 号" ||
			q.Lat == nil || *q.Lat != 28.2175 || q.Long == nil || *q.Long != 112.8876 || *q.MediaURL != "https://img.example.cn/p/1.jpg" ||
			*q.StatusNotes != "待受理" || q.ExpectedDatetime != nil || q.AgencyResponsible != nil || q.Zipcode != nil ||
			!strings.HasSuffix(*q.RequestedDatetime, "+08:00") || q.ServiceNotice == nil {
			t.Fatalf("request %+v", q)
		}
		// dispatched: the lead department is responsible and the deadline is expected
		a = ok(t, move(op, id, "accept", map[string]any{"version": a.Version}), http.StatusOK)
		a = ok(t, move(op, id, "dispatch", map[string]any{"version": a.Version, "lead_org_id": orgOf(t, e, "gxj")}), http.StatusOK)
		var rs xRequests
		one2 := c.Get("/open311/v2/requests/" + id + ".xml?api_key=" + url.QueryEscape(readKey))
		parseXML(t, one2, http.StatusOK, &rs)
		x := rs.Requests[0]
		if x.AgencyResponsible != "长沙市工业和信息化局" || x.ExpectedDatetime != a.SLA.Due || x.StatusNotes != "已派单" || x.Status != "open" || x.Lat != "28.217500" {
			t.Fatalf("dispatched request %+v (sla due %s)", x, a.SLA.Due)
		}
		for _, secret := range []string{"张伟", "13807310002", "138****0002", "zw@example.cn"} {
			if strings.Contains(one2.Body, secret) {
				t.Errorf("GET request shows %q", secret)
			}
		}

		// JSON answer to a POST: an array of one
		form.Set("description", "园区路灯损坏")
		form.Del("media_url")
		var cj []map[string]any
		parseJSON(t, c.PostForm("/open311/v2/requests.json", form), http.StatusCreated, &cj)
		if len(cj) != 1 || !strings.HasPrefix(fmt.Sprint(cj[0]["service_request_id"]), "ZQ") || cj[0]["account_id"] != creditCode(t, e, "ent1") {
			t.Fatalf("JSON created %v", cj)
		}
		// an enterprise without address: coordinates only; the district is the enterprise's
		f2 := url.Values{"api_key": {key}, "service_code": {"utilities.water"}, "lat": {"28.1"}, "long": {"112.9"}, "description": {"停水"}}
		created = xRequests{}
		parseXML(t, c.PostForm("/open311/v2/requests.xml", f2), http.StatusCreated, &created)
		b := ok(t, op.Get("/api/v1/appeals/"+created.Requests[0].ServiceRequestID), http.StatusOK)
		if b.District == "" || b.Contact == nil || b.Contact.Name == "" {
			t.Errorf("coordinates-only request: %+v", b)
		}

		// an operator files for an enterprise named by its credit code
		opKey := e.Token("operator1", "appeals:write")
		of := url.Values{"api_key": {opKey}, "service_code": {"tax.refund"}, "address_string": {"开福区芙蓉中路一段 1 号"},
			"description": {"出口退税到账慢"}, "account_id": {strings.ToLower(creditCode(t, e, "ent2"))}, "first_name": {"Lei"},
			"last_name": {"Li"}, "phone": {"0731-84567890"}}
		created = xRequests{}
		parseXML(t, c.PostForm("/open311/v2/requests.xml", of), http.StatusCreated, &created)
		oa := ok(t, op.Get("/api/v1/appeals/"+created.Requests[0].ServiceRequestID), http.StatusOK)
		if oa.Enterprise == nil || oa.Enterprise.OrgID == nil || *oa.Enterprise.OrgID != orgOf(t, e, "ent2") || oa.District != "430105" || oa.Contact.Name != "Lei Li" {
			t.Errorf("operator's request %+v %+v", oa.Enterprise, oa.Contact)
		}
		of.Del("account_id")
		xmlError(t, c.PostForm("/open311/v2/requests.xml", of), http.StatusBadRequest, "account_id")
		of.Set("account_id", "91430100MA4L000000")
		xmlError(t, c.PostForm("/open311/v2/requests.xml", of), http.StatusBadRequest, "account_id")
		// an enterprise's account_id must be its own
		f3 := url.Values{"api_key": {key}, "service_code": {"other"}, "address_string": {"岳麓区"}, "description": {"建议"}, "account_id": {creditCode(t, e, "ent2")}}
		xmlError(t, c.PostForm("/open311/v2/requests.xml", f3), http.StatusBadRequest, "account_id")
		// an operator's request lacks the contact: named by the Open311 fields
		of.Set("account_id", creditCode(t, e, "ent2"))
		of.Del("first_name")
		of.Del("last_name")
		of.Del("phone")
		r = c.PostForm("/open311/v2/requests.json", of)
		errs := jsonError(t, r, http.StatusBadRequest)
		if len(errs) != 2 || !strings.HasPrefix(fmt.Sprint(errs[0]["description"]), "first_name") || !strings.HasPrefix(fmt.Sprint(errs[1]["description"]), "phone") {
			t.Errorf("missing contact: %s", r.Body)
		}
	})
}

// POST requests refused: credentials (403), the service code (400, 404), the location,
// the text, the media URL and the content type (400), several problems at once.
func TestOpen311PostErrors(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		key := e.Token("ent1", "open311:write")
		base := func(kv ...string) url.Values {
			v := url.Values{"api_key": {key}, "service_code": {"utilities.power"}, "address_string": {"岳麓区"}, "description": {"停电"}}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					v.Del(kv[i])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
			return v
		}
		cases := []struct {
			name   string
			form   url.Values
			status int
			want   string
		}{
			{"no api_key", base("api_key", ""), http.StatusForbidden, "缺少 api_key"},
			{"bad api_key", base("api_key", "ys_nope"), http.StatusForbidden, "api_key 无效"},
			{"read-only key", base("api_key", e.Token("ent1", "open311:read")), http.StatusForbidden, "open311:write"},
			{"directory key", base("api_key", e.Token("ent1", "directory:write")), http.StatusForbidden, "open311:write"},
			{"department key", base("api_key", e.Token("gxj1", "open311:write")), http.StatusForbidden, "不能提交诉求"},
			{"no service_code", base("service_code", ""), http.StatusBadRequest, "缺少 service_code"},
			{"unknown service_code", base("service_code", "potholes"), http.StatusNotFound, "potholes"},
			{"no location", base("address_string", ""), http.StatusBadRequest, "请提供位置"},
			{"address_id only", base("address_string", "", "address_id", "545483"), http.StatusBadRequest, "address_id"},
			{"lat without long", base("lat", "28.2"), http.StatusBadRequest, "同时提供"},
			{"lat out of range", base("lat", "128.2", "long", "112.9"), http.StatusBadRequest, "-90 到 90"},
			{"no description", base("description", ""), http.StatusBadRequest, "description：此项为必填项"},
			{"long description", base("description", strings.Repeat("长", 4001)), http.StatusBadRequest, "4000"},
			{"script media", base("media_url", "javascript:alert(1)"), http.StatusBadRequest, "media_url"},
			{"long address", base("address_string", "岳麓区"+strings.Repeat("路", 200)), http.StatusBadRequest, "address_string"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				xmlError(t, c.PostForm("/open311/v2/requests.xml", tc.form), tc.status, tc.want)
			})
		}
		// the api_key may come as a bearer token instead
		bearer := e.Client()
		bearer.Token = key
		f := base("api_key", "")
		if r := bearer.PostForm("/open311/v2/requests.xml", f); r.Status != http.StatusCreated {
			t.Errorf("bearer api_key: %d %s", r.Status, r.Body)
		}
		// JSON is not what POST takes (told to a caller with a key; a stranger hears only
		// that the key is missing)
		r := bearer.Do("POST", "/open311/v2/requests.json", strings.NewReader(`{"service_code":"utilities.power"}`), http.Header{"Content-Type": {"application/json"}})
		jsonError(t, r, http.StatusBadRequest)
		r = e.Client().Do("POST", "/open311/v2/requests.json", strings.NewReader(`{"service_code":"utilities.power"}`), http.Header{"Content-Type": {"application/json"}})
		jsonError(t, r, http.StatusForbidden)
		// several problems, several errors
		var errs xErrors
		parseXML(t, c.PostForm("/open311/v2/requests.xml", base("description", "", "lat", "x", "long", "y")), http.StatusBadRequest, &errs)
		if len(errs.Errors) != 2 {
			t.Errorf("errors %+v", errs)
		}
		// English
		c.Lang = "en"
		xmlError(t, c.PostForm("/open311/v2/requests.xml", base("api_key", "")), http.StatusForbidden, "api_key is missing")
	})
}

// GET requests: the caller's requests only, the 90-day window, the filters, the cap,
// service_request_id overriding the rest; tokens; personal data never shown.
func TestOpen311GetRequests(t *testing.T) {
	apptest.Each(t, demo, func(t *testing.T, e *apptest.Env) {
		ent1 := e.APIClient("ent1", "appeals:write")
		ent2 := e.APIClient("ent2", "appeals:write")
		op := e.APIClient("operator1", "appeals:write")
		mk := func(c *apptest.Client, title, category string) appealOut {
			b := newAppeal(title)
			b["category"] = category
			return file(t, c, b)
		}
		a := mk(ent1, "旧一", "utilities.power")
		b := mk(ent1, "旧二", "tax.refund")
		e.Clock.Advance(100 * 24 * time.Hour)
		cc := mk(ent1, "新三", "utilities.water")
		ok(t, move(op, cc.Number, "reject", map[string]any{"version": cc.Version, "reason": "重复"}), http.StatusOK)
		d := mk(ent2, "他人四", "utilities.power")
		e.Clock.Advance(time.Hour)
		ee := mk(ent1, "新五", "utilities.power")

		key1 := url.QueryEscape(e.Token("ent1", "open311:read"))
		opKey := url.QueryEscape(e.Token("operator1", "appeals:read"))
		c := e.Client()
		ids := func(query string) []string {
			t.Helper()
			var rs xRequests
			parseXML(t, c.Get("/open311/v2/requests.xml?"+query), http.StatusOK, &rs)
			var out []string
			for _, r := range rs.Requests {
				out = append(out, r.Description)
			}
			return out
		}
		day0 := "2026-03-02"
		cases := []struct {
			query string
			want  []string
		}{
			{"api_key=" + key1, []string{"新五", "新三"}},
			{"api_key=" + opKey, []string{"新五", "他人四", "新三"}},
			{"api_key=" + key1 + "&status=open", []string{"新五"}},
			{"api_key=" + key1 + "&status=closed", []string{"新三"}},
			{"api_key=" + key1 + "&status=open,closed", []string{"新五", "新三"}},
			{"api_key=" + key1 + "&service_code=utilities.water", []string{"新三"}},
			{"api_key=" + key1 + "&service_code=utilities", []string{"新五", "新三"}},
			{"api_key=" + key1 + "&service_code=tax,utilities.power", []string{"新五"}},
			{"api_key=" + key1 + "&service_code=potholes", nil},
			{"api_key=" + key1 + "&start_date=" + day0, []string{"旧二", "旧一"}},
			{"api_key=" + key1 + "&start_date=" + day0 + "T00:00:00Z&end_date=" + day0 + "T01:30:00Z", []string{"旧二", "旧一"}},
			{"api_key=" + key1 + "&start_date=" + day0 + "T00:00:00Z&end_date=" + day0 + "T01:29:59Z", nil},
			{"api_key=" + key1 + "&end_date=" + url.QueryEscape("2026-06-10T10:00:00+08:00"), []string{"新三"}},
			{"api_key=" + key1 + "&end_date=2026-06-10", []string{"新五", "新三"}},
			{"api_key=" + key1 + "&service_request_id=" + b.Number + "," + d.Number + "," + a.Number + ",junk&status=open", []string{"旧二", "旧一"}},
			{"api_key=" + opKey + "&service_request_id=" + d.Number, []string{"他人四"}},
		}
		for _, tc := range cases {
			if got := ids(tc.query); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
			}
		}
		// JSON: an array of requests; closed ones carry no expected time
		var js []jRequest
		parseJSON(t, c.Get("/open311/v2/requests.json?api_key="+key1), http.StatusOK, &js)
		if len(js) != 2 || js[1].Status != "closed" || js[1].ExpectedDatetime != nil || *js[1].StatusNotes != "不予受理" || js[0].Status != "open" {
			t.Fatalf("JSON list %+v", js)
		}
		// the cap: the newest first
		restore := api.SetOpen311Max(1)
		if got := ids("api_key=" + key1); !slices.Equal(got, []string{"新五"}) {
			t.Errorf("capped at 1: %v", got)
		}
		restore()
		// errors
		xmlError(t, c.Get("/open311/v2/requests.xml"), http.StatusForbidden, "api_key")
		xmlError(t, c.Get("/open311/v2/requests.xml?api_key="+url.QueryEscape(e.Token("ent1", "directory:read"))), http.StatusForbidden, "open311:read")
		xmlError(t, c.Get("/open311/v2/requests.xml?api_key="+key1+"&status=pending"), http.StatusBadRequest, "open 或 closed")
		xmlError(t, c.Get("/open311/v2/requests.xml?api_key="+key1+"&start_date=yesterday"), http.StatusBadRequest, "start_date")
		xmlError(t, c.Get("/open311/v2/requests.xml?api_key="+key1+"&start_date=2026-01-01&end_date=2026-06-01"), http.StatusBadRequest, "90")
		xmlError(t, c.Get("/open311/v2/requests.xml?api_key="+key1+"&start_date=2026-06-01&end_date=2026-05-01"), http.StatusBadRequest, "90")
		var many string
		for i := range 201 {
			many += fmt.Sprintf("ZQ20260302%06d,", i+1)
		}
		xmlError(t, c.Get("/open311/v2/requests.xml?api_key="+key1+"&service_request_id="+many), http.StatusBadRequest, "service_request_id")
		jsonError(t, c.Get("/open311/v2/requests.json?api_key="+key1+"&status=x"), http.StatusBadRequest)

		// one request: another enterprise's is 404
		xmlError(t, c.Get("/open311/v2/requests/"+d.Number+".xml?api_key="+key1), http.StatusNotFound, d.Number)
		xmlError(t, c.Get("/open311/v2/requests/"+ee.Number+".xml"), http.StatusForbidden, "api_key")
		// tokens: the id is its own token
		var tk xRequests
		parseXML(t, c.Get("/open311/v2/tokens/"+ee.Number+".xml?api_key="+key1), http.StatusOK, &tk)
		if len(tk.Requests) != 1 || tk.Requests[0].ServiceRequestID != ee.Number || tk.Requests[0].Token != ee.Number {
			t.Errorf("token %+v", tk)
		}
		var tj []map[string]string
		parseJSON(t, c.Get("/open311/v2/tokens/"+ee.Number+".json?api_key="+key1), http.StatusOK, &tj)
		if len(tj) != 1 || tj[0]["token"] != ee.Number {
			t.Errorf("token JSON %v", tj)
		}
		xmlError(t, c.Get("/open311/v2/tokens/"+d.Number+".xml?api_key="+key1), http.StatusNotFound, d.Number)
		xmlError(t, c.Get("/open311/v2/tokens/12345.xml?api_key="+key1), http.StatusNotFound, "12345")

		// no names or phones in any list
		all := c.Get("/open311/v2/requests.xml?api_key=" + opKey)
		for _, secret := range []string{"王经理", "13807310001", "138****0001"} {
			if strings.Contains(all.Body, secret) {
				t.Errorf("GET requests shows %q", secret)
			}
		}
	})
}
