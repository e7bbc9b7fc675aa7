// Package app is the one place that wires configuration → database → services → HTTP
// surfaces and background work. Everything is passed explicitly from here; no package
// keeps mutable globals.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"yingshang/internal/api"
	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/directory"
	"yingshang/internal/httpx"
	"yingshang/internal/i18n"
	"yingshang/internal/jobs"
	"yingshang/internal/liaison"
	"yingshang/internal/notify"
	"yingshang/internal/search"
	"yingshang/internal/stats"
	"yingshang/internal/web"
)

// Config is everything the binary is told, from flags or the environment.
type Config struct {
	Addr      string
	DataDir   string
	DBURL     string
	LogFormat string // "text" or "json"
	LogLevel  slog.Level
	LogOutput io.Writer
	// TLSCert and TLSKey make the server speak HTTPS itself.
	TLSCert, TLSKey string
	// BehindProxy trusts X-Forwarded-For from a loopback or private peer.
	BehindProxy bool
	// SecureCookies marks cookies Secure (set automatically with TLS).
	SecureCookies bool
	// Workers is the number of background job workers (0: none, for CLI commands).
	Workers int
	// JobLease is how long a claimed job stays its worker's before another process may
	// take it over (a worker that died mid-job); default 2 minutes.
	JobLease time.Duration
	// Clock is the time source; tests use calendar.TestClock to move time.
	Clock calendar.Clock
	// OfficeHours overrides the default 09:00-12:00,13:30-17:30.
	OfficeHours string
	// BcryptCost lowers hashing cost in tests.
	BcryptCost int
	// BaseURL is the address users reach the site at; email links start with it.
	BaseURL string
	// SMTPURL configures the mail server (smtp://user:pass@host:port?from=…&tls=starttls);
	// it takes precedence over the settings on /admin/notify.
	SMTPURL string
}

// App is the wired application.
type App struct {
	Cfg       Config
	Log       *slog.Logger
	DB        *db.DB
	Registry  *prometheus.Registry
	Catalog   *i18n.Catalog
	Calendar  *calendar.Store
	Audit     *audit.Log
	Auth      *auth.Service
	Directory *directory.Service
	Notify    *notify.Service
	Appeal    *appeal.Service
	Liaison   *liaison.Service
	Stats     *stats.Service
	Search    *search.Engine
	Jobs      *jobs.Queue
	Web       *web.Server
	API       *api.Server
	handler   http.Handler
}

// NewLogger builds the structured logger.
func NewLogger(cfg Config) *slog.Logger {
	out := cfg.LogOutput
	if out == nil {
		out = os.Stderr
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if strings.EqualFold(cfg.LogFormat, "json") {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// Open opens the database, applies migrations and builds every service and surface.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Clock == nil {
		cfg.Clock = calendar.RealClock{}
	}
	log := NewLogger(cfg)
	d, err := db.Open(ctx, db.Config{URL: cfg.DBURL, DataDir: cfg.DataDir})
	if err != nil {
		return nil, err
	}
	if n, err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	} else if n > 0 {
		log.Info("migrations applied", "count", n, "engine", d.Engine)
	}
	a, err := build(ctx, cfg, log, d)
	if err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg Config, log *slog.Logger, d *db.DB) (*App, error) {
	now := cfg.Clock.Now
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(collectors.NewDBStatsCollector(d.W, "writer"))
	if d.R != d.W {
		reg.MustRegister(collectors.NewDBStatsCollector(d.R, "reader"))
	}
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	hours := calendar.DefaultOfficeHours()
	if cfg.OfficeHours != "" {
		if hours, err = calendar.ParseOfficeHours(cfg.OfficeHours); err != nil {
			return nil, fmt.Errorf("office hours %q: %w", cfg.OfficeHours, err)
		}
	}
	cal, err := calendar.New(calendar.Config{OfficeHours: hours})
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, DB: d, Registry: reg, Catalog: cat}
	a.Audit = audit.New(d, now)
	a.Calendar = calendar.NewStore(d, a.Audit, cal, cfg.Clock)
	if err := a.Calendar.Refresh(ctx); err != nil {
		return nil, err
	}
	a.Auth = auth.NewService(d, a.Audit, auth.Options{BcryptCost: cfg.BcryptCost, Now: now})
	a.Directory = directory.New(d, a.Audit, now)
	a.Jobs = jobs.New(d, jobs.Options{Logger: log, Now: now, Registry: reg, Lease: cfg.JobLease})
	a.Notify, err = notify.NewService(d, notify.Options{Now: now, Queue: a.Jobs, Audit: a.Audit, Catalog: cat, Logger: log,
		Registry: reg, BaseURL: cfg.BaseURL, SMTPURL: cfg.SMTPURL})
	if err != nil {
		return nil, err
	}
	a.Search = search.New(d)
	a.Appeal = appeal.New(appeal.Deps{DB: d, Audit: a.Audit, Notify: a.Notify, Calendar: a.Calendar.Calendar(), Clock: cfg.Clock, Logger: log,
		Indexer: a.Search})
	if _, err := a.Appeal.EnsureDefaults(ctx); err != nil {
		return nil, err
	}
	a.Liaison = liaison.New(liaison.Deps{DB: d, Audit: a.Audit, Appeal: a.Appeal, Directory: a.Directory, Clock: cfg.Clock, Logger: log})
	a.Appeal.SetLeaderLinks(a.Liaison)
	a.Stats = stats.New(stats.Deps{DB: d, Audit: a.Audit, Appeal: a.Appeal, Calendar: a.Calendar.Calendar(), Clock: cfg.Clock, Logger: log})
	a.registerJobs()

	wd := web.Deps{
		Auth: a.Auth, Audit: a.Audit, Notify: a.Notify, Directory: a.Directory, Calendar: a.Calendar, Appeal: a.Appeal, Stats: a.Stats, Search: a.Search, Catalog: cat, Logger: log, Now: now,
		SecureCookies: cfg.SecureCookies || cfg.TLSCert != "",
	}
	web.WithLiaison(&wd, a.Liaison)
	a.Web, err = web.New(wd)
	if err != nil {
		return nil, err
	}
	a.API, err = api.New(api.Deps{DB: d, Auth: a.Auth, Directory: a.Directory, Appeal: a.Appeal, Calendar: a.Calendar, Notify: a.Notify,
		Liaison: a.Liaison, Stats: a.Stats, Search: a.Search, Catalog: cat, Logger: log, Now: now})
	if err != nil {
		return nil, err
	}
	a.handler = a.buildHandler(reg)
	return a, nil
}

func (a *App) registerJobs() {
	a.Jobs.Handle("sessions.sweep", func(ctx context.Context, _ jobs.Job) error {
		_, err := a.Auth.SweepSessions(ctx)
		return err
	})
	a.Jobs.Every("sessions.sweep", 10*time.Minute)
	a.Notify.RegisterJobs(a.Jobs)
	a.Appeal.RegisterJobs(a.Jobs)
	a.Stats.RegisterJobs(a.Jobs)
	a.Jobs.Handle("search.catchup", func(ctx context.Context, _ jobs.Job) error {
		n, err := a.Search.CatchUp(ctx)
		if n > 0 {
			a.Log.Info("search index caught up", "appeals", n)
		}
		return err
	})
	a.Jobs.Every("search.catchup", 10*time.Minute)
}

func (a *App) buildHandler(reg *prometheus.Registry) http.Handler {
	m := httpx.NewMetrics(reg)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", a.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	apiH := a.API.Handler()
	mux.Handle("/api/", apiH)
	mux.Handle("/open311/", apiH)
	mux.Handle("/", a.Web.Handler())
	var h http.Handler = mux
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			a.API.ServeProblem(w, r, apperr.New(apperr.ErrForbidden, "error.cross_origin"))
			return
		}
		http.Error(w, a.Catalog.T(i18n.Match(r.Header.Get("Accept-Language")), "error.cross_origin"), http.StatusForbidden)
	}))
	h = cop.Handler(h)
	h = httpx.SecurityHeaders(h, a.Cfg.TLSCert != "")
	if a.Cfg.BehindProxy {
		h = httpx.TrustProxy(h)
	}
	return httpx.Observe(h, a.Log, m, a.Web.ServeError)
}

// Handler is the whole HTTP surface.
func (a *App) Handler() http.Handler { return a.handler }

func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.DB.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "database unreachable\n")
		return
	}
	if err := a.DB.CheckCurrent(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintf(w, "%v\n", err)
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Serve listens until ctx ends (SIGTERM), then drains requests and workers.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if a.Cfg.TLSCert != "" {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	if a.Cfg.Workers > 0 {
		a.Jobs.Run(workCtx, a.Cfg.Workers)
	}
	go a.refreshLoop(workCtx)
	folded := make(chan struct{})
	go func() {
		defer close(folded)
		a.Search.FoldLoop(workCtx, a.Log)
	}()
	errc := make(chan error, 1)
	go func() {
		var err error
		if a.Cfg.TLSCert != "" {
			err = srv.ServeTLS(ln, a.Cfg.TLSCert, a.Cfg.TLSKey)
		} else {
			err = srv.Serve(ln)
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		stopWork()
		a.Jobs.Wait()
		<-folded
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := srv.Shutdown(shutCtx)
	stopWork()
	a.Jobs.Wait()
	<-folded
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// refreshLoop keeps per-process caches in step with what other processes changed in the
// shared database (the calendar's overrides).
func (a *App) refreshLoop(ctx context.Context) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Calendar.Refresh(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("calendar refresh", "err", err)
			}
		}
	}
}
