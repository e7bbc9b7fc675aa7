package httpx

import (
	"net/http/httptest"
	"testing"
)

func TestBadInput(t *testing.T) {
	for target, want := range map[string]bool{
		"/appeals?q=%E9%95%BF":       false,
		"/appeals?q=%27+OR+1%3D1+--": false,
		"/appeals?q=a%00b":           true,
		"/appeals?q=%FF%FE":          true,
		"/appeals?%FF=1":             true,
		"/appeals/ZQ%00":             true,
		"/appeals/%FF":               true,
	} {
		if got := BadInput(httptest.NewRequest("GET", target, nil)); got != want {
			t.Errorf("%s: %v, want %v", target, got, want)
		}
	}
}
