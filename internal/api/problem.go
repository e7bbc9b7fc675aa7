package api

import (
	"errors"
	"net/http"

	"yingshang/internal/apperr"
	"yingshang/internal/i18n"
)

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Errors []ProblemField `json:"errors,omitempty"`
	// RequestID ties the answer to the server's log line.
	RequestID string `json:"request_id,omitempty"`
}

// ProblemField is one invalid field.
type ProblemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ProblemBase prefixes every problem type; the suffix names the kind of problem.
const ProblemBase = "https://yingshang.example.cn/problems/"

func (s *Server) lang(r *http.Request) string {
	if a := actorOf(r); a.Lang != "" && r.Header.Get("Accept-Language") == "" {
		return a.Lang
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// problem writes err as problem+json. Unexpected errors are logged and answered 500
// without detail.
// ServeProblem answers err as problem+json, for refusals made in front of the API (a
// cross-site request).
func (s *Server) ServeProblem(w http.ResponseWriter, r *http.Request, err error) {
	s.problem(w, r, err)
}

func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	lang := s.lang(r)
	p := Problem{RequestID: w.Header().Get("X-Request-Id")}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = apperr.New(apperr.ErrTooLarge, "error.too_large", "Max", "1 MB")
	}
	e, known := apperr.As(err)
	switch {
	case errors.Is(err, apperr.ErrInvalid):
		p.Status, p.Type, p.Title = http.StatusUnprocessableEntity, "validation", s.Catalog.T(lang, "error.invalid")
		if e.Key == "error.bad_request" {
			p.Status, p.Type = http.StatusBadRequest, "bad-request"
		}
		for _, f := range e.Fields {
			p.Errors = append(p.Errors, ProblemField{Field: f.Field, Message: s.Catalog.T(lang, f.Key, f.Args)})
		}
	case errors.Is(err, apperr.ErrNotFound):
		p.Status, p.Type = http.StatusNotFound, "not-found"
	case errors.Is(err, apperr.ErrForbidden):
		p.Status, p.Type = http.StatusForbidden, "forbidden"
	case errors.Is(err, apperr.ErrConflict):
		p.Status, p.Type = http.StatusConflict, "conflict"
	case errors.Is(err, apperr.ErrIllegalMove):
		p.Status, p.Type = http.StatusConflict, "illegal-move"
	case errors.Is(err, apperr.ErrUnauthorized):
		p.Status, p.Type = http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, apperr.ErrTooMany):
		p.Status, p.Type = http.StatusTooManyRequests, "too-many-requests"
	case errors.Is(err, apperr.ErrTooLarge):
		p.Status, p.Type = http.StatusRequestEntityTooLarge, "too-large"
	default:
		known = false
	}
	if !known {
		s.Logger.Error("api", "path", r.URL.Path, "err", err, "request_id", p.RequestID)
		p.Status, p.Type = http.StatusInternalServerError, "internal"
		p.Title = s.Catalog.T(lang, "error.internal")
	} else {
		if p.Title == "" {
			p.Title = s.Catalog.Localise(lang, e.Key, e.Args)
		}
		if e.Key != "error.invalid" {
			p.Detail = s.Catalog.Localise(lang, e.Key, e.Args)
		}
	}
	p.Type = ProblemBase + p.Type
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Language", lang)
	w.WriteHeader(p.Status)
	_ = jsonEncoder(w).Encode(p)
}
