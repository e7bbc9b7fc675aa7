package web

import (
	"errors"
	"net/http"
	"strings"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/httpx"
)

// The public status query (诉求进度查询): anyone holding an appeal's number and its
// six-character query code sees where it stands, without names, text or phone numbers.
// Lookups are limited per client address (appeal.StatusTries per appeal.StatusWindow),
// counted in the database so that every process counts the same.

type statusData struct {
	View     *appeal.PublicView
	Category string
}

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(w, r, "appealui.status_title", statusData{})
	p.Form = NewForm(nil)
	if n := r.URL.Query().Get("number"); n != "" {
		p.Form.Values.Set("number", n)
	}
	s.render(w, r, "status/status", p)
}

func (s *Server) statusLookup(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	f := NewForm(r.PostForm)
	number, code := strings.TrimSpace(f.Value("number")), strings.TrimSpace(f.Value("code"))
	render := func(status int, d statusData) {
		p := s.page(w, r, "appealui.status_title", d)
		p.Form = f
		s.renderStatus(w, r, status, "status/status", p)
	}
	if number == "" || code == "" {
		if number == "" {
			f.Errors["number"] = s.Catalog.T(lang, "error.required")
		}
		if code == "" {
			f.Errors["code"] = s.Catalog.T(lang, "error.required")
		}
		render(http.StatusUnprocessableEntity, statusData{})
		return
	}
	v, err := s.Appeal.PublicStatusLimited(r.Context(), httpx.ClientIP(r), number, code)
	switch {
	case err == nil:
	case errors.Is(err, apperr.ErrNotFound):
		f.Error = s.Catalog.T(lang, "appealui.status_not_found")
		render(http.StatusNotFound, statusData{})
		return
	case errors.Is(err, apperr.ErrTooMany):
		f.Error = s.Message(lang, err)
		w.Header().Set("Retry-After", "600")
		render(http.StatusTooManyRequests, statusData{})
		return
	default:
		s.fail(w, r, err)
		return
	}
	// The code is not shown back: the page may be left open on a shared screen.
	f.Values.Del("code")
	cat := v.CategoryName
	if c, err := s.Appeal.CategoryByCode(r.Context(), actorOf(r), v.CategoryCode); err == nil {
		cat = catName(lang, c)
	}
	render(http.StatusOK, statusData{View: &v, Category: cat})
}
