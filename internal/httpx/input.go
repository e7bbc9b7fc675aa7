package httpx

import (
	"net/http"
	"strings"
	"unicode/utf8"
)

// BadInput reports whether the request's path or query holds what no person types and
// PostgreSQL refuses to compare: invalid UTF-8 or a NUL byte. The interface and the API
// answer such a request 400 before any handler passes the value to a query.
func BadInput(r *http.Request) bool {
	bad := func(s string) bool { return !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 }
	if bad(r.URL.Path) {
		return true
	}
	for k, vs := range r.URL.Query() {
		if bad(k) {
			return true
		}
		for _, v := range vs {
			if bad(v) {
				return true
			}
		}
	}
	return false
}
