// Package web is the server-rendered interface: one route table, thin handlers (parse →
// call a service → render), html/template pages in Chinese first and English second,
// htmx for progressive enhancement. Handlers never hold rules; services do.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/directory"
	"yingshang/internal/i18n"
	"yingshang/internal/liaison"
	"yingshang/internal/notify"
	"yingshang/internal/search"
	"yingshang/internal/stats"
)

// Deps are the services the interface calls, wired by internal/app.
type Deps struct {
	Auth      *auth.Service
	Audit     *audit.Log
	Notify    *notify.Service
	Directory *directory.Service
	Calendar  *calendar.Store
	Liaison   *liaison.Service
	// Appeal is the closed loop (appeal_*.go: queues, intake, the appeal page, portal,
	// public status, catalogue and settings); nil leaves those pages out.
	Appeal  *appeal.Service
	Stats   *stats.Service
	Search  *search.Engine
	Catalog *i18n.Catalog
	Logger  *slog.Logger
	Now     func() time.Time
	// HomeCards add tiles to the home page, one function per part of the domain.
	HomeCards []func(r *http.Request, a auth.Actor) []HomeCard
	// EnterpriseSections fill the mechanisms' sections of an enterprise's page (一企一档),
	// one function per mechanism; see enterprise_page.go.
	EnterpriseSections []func(r *http.Request, a auth.Actor, enterpriseID int64) (Section, bool)
	// SecureCookies marks cookies Secure (the binary serves TLS or sits behind one).
	SecureCookies bool
}

// Server is the web interface.
type Server struct {
	Deps
	tmpl   *Templates
	assets *Assets
	mux    *http.ServeMux
	routes []Route
}

// New parses templates, hashes assets and builds the route table.
func New(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	assets, err := LoadAssets()
	if err != nil {
		return nil, err
	}
	tmpl, err := LoadTemplates(d.Catalog, assets)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, tmpl: tmpl, assets: assets, mux: http.NewServeMux()}
	if s.Appeal != nil {
		s.HomeCards = append(s.HomeCards, s.appealHomeCards)
		s.EnterpriseSections = append(s.EnterpriseSections, s.appealEnterpriseSection)
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.guard(rt))
	}
	s.mux.Handle("GET /static/", assets)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.notFound(w, r)
	})
	return s, nil
}

// Handler returns the interface with sessions and language applied.
func (s *Server) Handler() http.Handler { return s.withSession(s.mux) }

// Routes returns the route table (the access-matrix test walks it).
func (s *Server) Routes() []Route { return s.routes }

// ServeError renders the localised error page for a panic that escaped a handler.
func (s *Server) ServeError(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusInternalServerError, "error.page_error", "error.internal")
}

func (s *Server) ctx(r *http.Request) context.Context { return r.Context() }
