package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"yingshang/internal/app/apptest"
	"yingshang/internal/db"
)

// Random bodies to EVERY route of the API's route table that takes a JSON body (a byte
// picks the route; path parameters name an existing object, so the handler gets past the
// look-up): the answer is a success or a 4xx problem in JSON, never a 500 and never a
// panic. New routes join by being in the table.
func FuzzEveryJSONBody(f *testing.F) {
	e := apptest.New(f, db.SQLite, demo)
	h := e.App.Handler()
	tokens := []string{e.Token("admin", "write"), e.Token("operator1", "write"), e.Token("leader1", "write"), e.Token("ent1", "write")}
	seed := newAppeal("模糊测试：每个 JSON 接口")
	var created struct {
		Number string `json:"number"`
	}
	body, _ := json.Marshal(seed)
	rec := post(h, tokens[3], "/api/v1/appeals", body)
	if rec.Code != 201 {
		f.Fatalf("seed appeal: %d %s", rec.Code, rec.Body.String())
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
		f.Fatal(err)
	}
	params := regexp.MustCompile(`\{[a-z_]+\}`)
	var paths []string
	for _, rt := range e.App.API.Routes() {
		if rt.Method != "POST" && rt.Method != "PUT" && rt.Method != "PATCH" {
			continue
		}
		if rt.MaxBody > 1<<20 { // uploads take multipart bodies, fuzzed elsewhere
			continue
		}
		p := params.ReplaceAllStringFunc(rt.Pattern, func(m string) string {
			if m == "{number}" {
				return created.Number
			}
			return "1"
		})
		if p[len(p)-1] == '/' {
			p += "accept"
		}
		paths = append(paths, p)
	}
	if len(paths) < 10 {
		f.Fatalf("only %d JSON routes in the table", len(paths))
	}
	for i, b := range [][]byte{[]byte(`{}`), []byte(`{"name":"模糊","kind":"bank"}`), []byte(`{"credit_code":"91430100MA4L0XXXXX"}`),
		[]byte(`{"version":1,"note":"x"}`), []byte(`{"username":"u","roles":["admin","auditor"]}`), []byte(`{"url":"http://127.0.0.1:1/x","events":["*"]}`),
		[]byte(`{"leader_user_id":-1,"org_id":1e400}`), []byte(`[{"a":1}]`), []byte(`"\u0000"`), []byte(`{"date":"2026-02-30"}`)} {
		f.Add(b, byte(i), byte(i))
	}
	f.Fuzz(func(t *testing.T, body []byte, route, who byte) {
		path := paths[int(route)%len(paths)]
		rec := post(h, tokens[int(who)%len(tokens)], path, body)
		checkNo500(t, rec, path, body)
	})
}

func post(h http.Handler, token, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
