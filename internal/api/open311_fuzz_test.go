package api_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"yingshang/internal/app/apptest"
	"yingshang/internal/db"
)

// wellFormed reports whether b is one XML document with the declaration.
func wellFormed(b []byte) bool {
	if !strings.HasPrefix(string(b), xmlDecl) {
		return false
	}
	var v struct {
		XMLName xml.Name
	}
	return xml.Unmarshal(b, &v) == nil && v.XMLName.Local != ""
}

// Random forms to POST requests (as an enterprise's api_key, and an operator's) and
// random query strings to GET requests: every answer is a created request or an error
// document of the specification (well-formed XML, or a JSON array), never a 500 and
// never a panic.
func FuzzOpen311Form(f *testing.F) {
	e := apptest.New(f, db.SQLite, demo)
	keys := []string{e.Token("ent1", "open311:write"), e.Token("operator1", "open311:write")}
	h := e.App.Handler()
	f.Add("service_code=utilities.power&address_string=%E5%B2%B3%E9%BA%93%E5%8C%BA&description=%E5%81%9C%E7%94%B5", false, true)
	f.Add("service_code=tax&lat=28.2&long=112.9&description=x&account_id=91430100MA4L000000&first_name=a&last_name=b&phone=13800000000", true, false)
	f.Add("service_code=utilities.power&lat=NaN&long=Inf&description=%00", false, false)
	f.Add("service_code=..&address_id=1&media_url=http://%5B::1%5D:80/&attribute[x][]=1", true, true)
	f.Add("status=open,closed&service_code=utilities,tax&start_date=2026-01&end_date=2026-02-30T25:61Z", false, true)
	f.Add("service_request_id=ZQ20260302000001,,ZQ%00&jurisdiction_id=www.127.0.0.1", true, false)
	f.Add("%zz=%&;;&&=", false, false)
	f.Fuzz(func(t *testing.T, form string, operator, asJSON bool) {
		key := keys[0]
		if operator {
			key = keys[1]
		}
		format := ".xml"
		if asJSON {
			format = ".json"
		}
		body := form + "&api_key=" + url.QueryEscape(key)
		for _, req := range []*httptestReq{
			{"POST", "/open311/v2/requests" + format, body},
			{"GET", "/open311/v2/requests" + format + "?" + body, ""},
		} {
			r := httptest.NewRequest(req.method, "/", strings.NewReader(req.body))
			u, err := url.Parse(req.target)
			if err != nil {
				continue // not a request a client could send
			}
			r.URL, r.RequestURI = u, ""
			if req.method == "POST" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code >= 500 {
				t.Fatalf("%s %s: %d %s", req.method, req.target, rec.Code, rec.Body.String())
			}
			if asJSON {
				var v []map[string]any
				if json.Unmarshal(rec.Body.Bytes(), &v) != nil {
					t.Fatalf("%s %s: not a JSON array: %s", req.method, req.target, rec.Body.String())
				}
			} else if !wellFormed(rec.Body.Bytes()) {
				t.Fatalf("%s %s: not an XML document: %s", req.method, req.target, rec.Body.String())
			}
		}
	})
}

type httptestReq struct{ method, target, body string }
