package apptest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"yingshang/internal/api"
)

var (
	docOnce   sync.Once
	docRouter routers.Router
	docErr    error
)

func openapiRouter() (routers.Router, error) {
	docOnce.Do(func() {
		var doc *openapi3.T
		doc, docErr = api.Document()
		if docErr != nil {
			return
		}
		doc.Servers = openapi3.Servers{{URL: "http://127.0.0.1"}}
		docRouter, docErr = gorillamux.NewRouter(doc)
	})
	return docRouter, docErr
}

// checkOpenAPI holds every API response a test receives to the OpenAPI document: an
// undocumented route, status, content type or body shape fails the test, so the document
// cannot drift from the code.
func checkOpenAPI(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") || req.URL.Path == "/api/v1/openapi.json" {
		return
	}
	router, err := openapiRouter()
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	u := *req.URL
	u.Scheme, u.Host = "http", "127.0.0.1"
	r2 := req.Clone(context.Background())
	r2.URL = &u
	r2.Host = "127.0.0.1"
	route, params, err := router.FindRoute(r2)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return // an unknown route answers 404/405 problem; nothing to hold it to
		}
		t.Errorf("openapi: %s %s is not in the document: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r2, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("openapi: %s %s → %d does not match the document:\n%v\nbody: %s", req.Method, req.URL.Path, status, err, snippet(string(body)))
	}
}
