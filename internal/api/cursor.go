package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"

	"yingshang/internal/apperr"
)

// Cursor is an opaque position in a sorted list: the sort key of the last item seen and
// its id (ties broken by id). Clients pass back next_cursor unchanged.
type Cursor struct {
	Key string `json:"k,omitempty"`
	ID  int64  `json:"i"`
}

// Encode makes the opaque string.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor reads ?cursor=; an empty one is the start.
func ParseCursor(s string) (Cursor, error) {
	var c Cursor
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 512 || json.Unmarshal(b, &c) != nil || c.ID < 0 {
		return Cursor{}, apperr.Invalid("cursor", "error.cursor")
	}
	return c, nil
}

// Limit reads ?limit= (default 50, at most 200).
func Limit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 200 {
		return 0, apperr.Invalid("limit", "error.range", "Min", 1, "Max", 200)
	}
	return n, nil
}

// Page is a list response.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
	Total      *int   `json:"total,omitempty"`
}
