package directory

import (
	"strings"
	"unicode/utf8"

	"yingshang/internal/apperr"
)

// badText reports whether s holds what is not text a person types: invalid UTF-8 or
// control characters (NUL included, which PostgreSQL refuses to store).
func badText(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// checkText adds a field error for each field holding bad text.
func checkText(v *apperr.Validation, fields map[string]string) {
	for field, s := range fields {
		if badText(s) && !v.Has(field) {
			v.Add(field, "error.dir.bad_chars")
		}
	}
}

// cleanQuery makes a search term plain text: invalid UTF-8 and control characters go.
// A term that was nothing else searches for what no stored text holds (U+FFFD: checkText
// keeps invalid text out), so that it finds nothing instead of lifting the filter.
func cleanQuery(s string) string {
	if !badText(s) {
		return strings.TrimSpace(s)
	}
	t := strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "")))
	if t == "" && strings.TrimSpace(s) != "" {
		return string(utf8.RuneError)
	}
	return t
}
