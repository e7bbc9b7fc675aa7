// Package api is the JSON API under /api/v1: bearer tokens or session cookies, RFC 9457
// problem+json errors localised by Accept-Language, cursor pagination, Idempotency-Key on
// creating POSTs, optimistic concurrency by version, and an OpenAPI 3.1 document that the
// tests hold every response to.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/directory"
	"yingshang/internal/httpx"
	"yingshang/internal/i18n"
	"yingshang/internal/liaison"
	"yingshang/internal/notify"
	"yingshang/internal/search"
	"yingshang/internal/stats"
)

// Deps are the services the API calls, wired by internal/app.
type Deps struct {
	DB        *db.DB
	Auth      *auth.Service
	Directory *directory.Service
	Appeal    *appeal.Service
	Calendar  *calendar.Store
	Notify    *notify.Service
	Liaison   *liaison.Service
	Stats     *stats.Service
	Search    *search.Engine
	Catalog   *i18n.Catalog
	Logger    *slog.Logger
	Now       func() time.Time
}

// HandlerFunc is an API handler: it writes a success response or returns an error that
// becomes problem+json.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one line of the API's route table.
type Route struct {
	Method  string
	Pattern string
	// Area and Write are what a token's scope must allow ("appeals", true).
	Area  string
	Write bool
	// Create marks a creating POST: an Idempotency-Key makes a retry return the first result.
	Create bool
	// Public routes need no credentials (the OpenAPI document, public status look-ups).
	Public bool
	// MaxBody bounds the request body (default maxBody, 1 MB); uploads set their own.
	MaxBody int64
	Handler HandlerFunc
}

// Server is the JSON API.
type Server struct {
	Deps
	mux    *http.ServeMux
	routes []Route
	doc    []byte
	// prep holds the keyed intake's statements (idempotency.go).
	prep *db.Prepared
}

// New builds the API and loads its OpenAPI document.
func New(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	doc, err := LoadDocument()
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, mux: http.NewServeMux(), doc: doc}
	if d.DB != nil {
		s.prep = d.DB.Prepare(storeKeySQL)
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.problem(w, r, apperr.NotFound("resource"))
	})
	s.open311Routes()
	return s, nil
}

// Handler is the API's http.Handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Routes returns the route table (the access-matrix test walks it).
func (s *Server) Routes() []Route { return s.routes }

func (s *Server) routeTable() []Route {
	var rs []Route
	rs = append(rs, Route{Method: "GET", Pattern: "/api/v1/openapi.json", Public: true, Handler: s.openapi})
	rs = append(rs, s.coreRoutes()...)
	rs = append(rs, s.calendarRoutes()...)
	rs = append(rs, s.webhookRoutes()...)
	rs = append(rs, s.directoryRoutes()...)
	rs = append(rs, s.liaisonRoutes()...)
	rs = append(rs, s.appealRoutes()...)
	rs = append(rs, s.statsRoutes()...)
	rs = append(rs, s.searchRoutes()...)
	return rs
}

type ctxKey int

const actorKey ctxKey = 1

func actorOf(r *http.Request) auth.Actor {
	a, _ := r.Context().Value(actorKey).(auth.Actor)
	return a
}

// authenticate resolves a bearer token or a full session cookie.
func (s *Server) authenticate(r *http.Request) (auth.Actor, error) {
	ip := httpx.ClientIP(r)
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return auth.Actor{}, apperr.New(apperr.ErrUnauthorized, "error.token_invalid")
		}
		return s.Auth.AuthenticateToken(r.Context(), strings.TrimSpace(tok), ip)
	}
	if c, err := r.Cookie("ys_session"); err == nil {
		sess, err := s.Auth.Authenticate(r.Context(), c.Value, ip)
		if err != nil {
			return auth.Actor{}, err
		}
		if !sess.Full() {
			return auth.Actor{}, apperr.New(apperr.ErrUnauthorized, "error.session_missing")
		}
		return sess.Actor, nil
	}
	return auth.Actor{}, apperr.New(apperr.ErrUnauthorized, "error.unauthorized")
}

// maxBody bounds a JSON request body.
const maxBody = 1 << 20

func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		if httpx.BadInput(r) {
			s.problem(w, r, apperr.New(apperr.ErrInvalid, "error.bad_request", "Detail", "invalid UTF-8 or NUL in the path or query"))
			return
		}
		if r.Body != nil {
			limit := int64(maxBody)
			if rt.MaxBody > 0 {
				limit = rt.MaxBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if !rt.Public {
			a, err := s.authenticate(r)
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="yingshang"`)
				s.problem(w, r, err)
				return
			}
			if !a.ScopeAllows(rt.Area, rt.Write) {
				s.problem(w, r, apperr.New(apperr.ErrForbidden, "error.scope_denied"))
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), actorKey, a))
		}
		var err error
		if rt.Create && r.Header.Get("Idempotency-Key") != "" {
			err = s.idempotent(w, r, rt.Handler)
		} else {
			err = rt.Handler(w, r)
		}
		if err != nil {
			s.problem(w, r, err)
		}
	})
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// decode reads a JSON body into v, refusing unknown fields and trailing data.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.New(apperr.ErrInvalid, "error.bad_request", "Detail", "Content-Type must be application/json")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.ErrTooLarge, "error.too_large", "Max", "1 MB")
		}
		return apperr.New(apperr.ErrInvalid, "error.bad_request", "Detail", jsonErrorDetail(err))
	}
	if dec.More() {
		return apperr.New(apperr.ErrInvalid, "error.bad_request", "Detail", "trailing data after the JSON object")
	}
	return nil
}

func jsonErrorDetail(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "invalid JSON"
	case errors.As(err, &te):
		return "field " + te.Field + " has the wrong type"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, context.Canceled):
		return "request cancelled"
	}
	if err.Error() == "EOF" {
		return "empty body"
	}
	return "invalid JSON"
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(s.doc)
	return err
}
