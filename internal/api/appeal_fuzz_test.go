package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"yingshang/internal/app/apptest"
	"yingshang/internal/db"
)

// fuzzMoves are the move endpoints the fuzzer aims at (a byte of the input picks one).
var fuzzMoves = []string{"accept", "reject", "merge", "direct-reply", "dispatch", "claim", "claim-part", "answer-part",
	"return", "rule-return", "request-extension", "decide-extension", "reply", "callback", "reopen", "close", "supervise", "escalate"}

// checkNo500 fails on a server error and on an answer that is not JSON.
func checkNo500(t *testing.T, rec *httptest.ResponseRecorder, what string, body []byte) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s %q: %d %s", what, body, rec.Code, rec.Body.String())
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s %q: answer is not JSON: %s", what, body, rec.Body.String())
	}
}

// Random bodies to POST /api/v1/appeals and to a move endpoint: every answer is a
// success or a 4xx problem, never a 500 and never a panic (the handler is called
// directly, so a panic fails the fuzzer).
func FuzzAppealJSON(f *testing.F) {
	e := apptest.New(f, db.SQLite, demo)
	ent := e.Token("ent1", "appeals:write")
	op := e.Token("operator1", "appeals:write")
	h := e.App.Handler()
	send := func(token, path string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	seed, _ := json.Marshal(newAppeal("模糊测试"))
	rec := send(ent, "/api/v1/appeals", seed)
	if rec.Code != http.StatusCreated {
		f.Fatalf("seed appeal: %d %s", rec.Code, rec.Body.String())
	}
	var a struct {
		Number string `json:"number"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		f.Fatal(err)
	}
	f.Add(seed, byte(0))
	f.Add([]byte(`{"version":1,"note":"已核实"}`), byte(0))
	f.Add([]byte(`{"version":2,"lead_org_id":1,"co_org_ids":[2,2,3,4,5,6,7]}`), byte(4))
	f.Add([]byte(`{"version":-9223372036854775808,"decision":"redispatch","lead_org_id":9223372036854775807}`), byte(9))
	f.Add([]byte(`{"version":1,"satisfaction":"satisfied","solved":null}`), byte(13))
	f.Add([]byte(`{"version":1,"level":-1}`), byte(16))
	f.Add([]byte(`{"version":1,"days":1e309}`), byte(10))
	f.Add([]byte(`{"kind":"appeal","category":"utilities.power","title":"\u0000","body":"x","district_code":"430104","priority":"urgent"}`), byte(1))
	f.Add([]byte(`{"version":1,"into":"ZQ20260302000001"}`), byte(2))
	f.Add([]byte(`{"version":1,"article_id":-1,"outcome":"solved"}`), byte(3))
	f.Add([]byte(`{"version":1,"leader_ids":[0,-1],"note":"`+strings.Repeat("长", 1001)+`"}`), byte(17))
	f.Add([]byte(`[]`), byte(5))
	f.Add([]byte(`{"version":"1"}`), byte(6))
	f.Fuzz(func(t *testing.T, body []byte, which byte) {
		rec := send(ent, "/api/v1/appeals", body)
		checkNo500(t, rec, "create", body)
		path := "/api/v1/appeals/" + a.Number + "/" + fuzzMoves[int(which)%len(fuzzMoves)]
		rec = send(op, path, body)
		checkNo500(t, rec, path, body)
	})
}
