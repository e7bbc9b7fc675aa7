package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingshang/internal/apperr"
)

// Form carries what the user typed and what is wrong with it, so a refused form comes
// back with every value kept and every problem next to its field.
type Form struct {
	Values url.Values
	Errors map[string]string
	// Error is the message above the form.
	Error string
}

// NewForm wraps submitted values.
func NewForm(v url.Values) *Form {
	if v == nil {
		v = url.Values{}
	}
	return &Form{Values: v, Errors: map[string]string{}}
}

// Value is a field's submitted value.
func (f *Form) Value(k string) string { return f.Values.Get(k) }

// All is a multi-valued field's values.
func (f *Form) All(k string) []string { return f.Values[k] }

// Err is a field's problem ("" when none).
func (f *Form) Err(k string) string { return f.Errors[k] }

// Checked reports whether a checkbox or multi-select has value v.
func (f *Form) Checked(k, v string) bool {
	for _, x := range f.Values[k] {
		if x == v {
			return true
		}
	}
	return false
}

// Bind fills the form's errors from a service error: field errors next to their fields,
// others above the form. It reports whether err was a user's mistake (to show the form
// again) rather than a failure of ours.
func (s *Server) Bind(f *Form, lang string, err error) bool {
	e, ok := apperr.As(err)
	if !ok {
		return false
	}
	switch {
	case errors.Is(err, apperr.ErrInvalid):
		for _, fe := range e.Fields {
			if _, dup := f.Errors[fe.Field]; !dup {
				f.Errors[fe.Field] = s.Catalog.T(lang, fe.Key, fe.Args)
			}
		}
		f.Error = s.Catalog.T(lang, "error.invalid")
		return true
	case errors.Is(err, apperr.ErrConflict), errors.Is(err, apperr.ErrIllegalMove), errors.Is(err, apperr.ErrTooMany),
		errors.Is(err, apperr.ErrUnauthorized), errors.Is(err, apperr.ErrTooLarge):
		f.Error = s.Catalog.T(lang, e.Key, e.Args)
		return true
	}
	return false
}

// maxForm bounds a urlencoded form body.
const maxForm = 1 << 20

// parseForm reads a POSTed form with a size limit.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	return r.ParseForm()
}

func formInt(v url.Values, k string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(v.Get(k)), 10, 64)
	return n
}

// pageParams reads ?page= (1-based) and ?size= with bounds.
func pageParams(q url.Values, defSize int) (page, size int) {
	page, _ = strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	if page > 100000 {
		page = 100000
	}
	size, _ = strconv.Atoi(q.Get("size"))
	if size <= 0 || size > 200 {
		size = defSize
	}
	return page, size
}

// Pager is what the pagination partial shows.
type Pager struct {
	Page, Pages, Size, Total int
	Query                    url.Values
}

func newPager(q url.Values, page, size, total int) Pager {
	pages := (total + size - 1) / size
	if pages < 1 {
		pages = 1
	}
	return Pager{Page: page, Pages: pages, Size: size, Total: total, Query: q}
}

// PrevURL and NextURL keep the filters.
func (p Pager) PrevURL() string { return p.at(p.Page - 1) }

// NextURL is the next page's query string.
func (p Pager) NextURL() string { return p.at(p.Page + 1) }

func (p Pager) at(n int) string {
	c := url.Values{}
	for k, v := range p.Query {
		c[k] = v
	}
	c.Set("page", strconv.Itoa(n))
	return "?" + c.Encode()
}
