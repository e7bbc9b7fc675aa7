package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/app"
	"yingshang/internal/calendar"
	"yingshang/internal/demo"
)

// serveMemoryLimit is serve's default soft limit on the Go heap (GOMEMLIMIT).
const serveMemoryLimit = 160 << 20

func cmdServe(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("serve", &c)
	addr := fs.String("addr", env("YINGSHANG_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT (YINGSHANG_ADDR)")
	withDemo := fs.Bool("demo", envBool("YINGSHANG_DEMO"), "load the demo city into an empty database (YINGSHANG_DEMO)")
	tlsCert := fs.String("tls-cert", env("YINGSHANG_TLS_CERT", ""), "serve HTTPS with this certificate (YINGSHANG_TLS_CERT)")
	tlsKey := fs.String("tls-key", env("YINGSHANG_TLS_KEY", ""), "the certificate's key (YINGSHANG_TLS_KEY)")
	proxy := fs.Bool("behind-proxy", envBool("YINGSHANG_BEHIND_PROXY"), "trust X-Forwarded-For from a local proxy; mark cookies Secure (YINGSHANG_BEHIND_PROXY)")
	workers := fs.Int("workers", envInt("YINGSHANG_WORKERS", 2), "background job workers (YINGSHANG_WORKERS)")
	debugAddr := fs.String("debug-addr", env("YINGSHANG_DEBUG_ADDR", ""), "serve Go's profiler (/debug/pprof) on this loopback address, e.g. 127.0.0.1:6060; off when empty (YINGSHANG_DEBUG_ADDR)")
	lease := fs.Duration("job-lease", envDuration("YINGSHANG_JOB_LEASE", 2*time.Minute), "how long a crashed process's job waits before another takes it over (YINGSHANG_JOB_LEASE)")
	// --fake-clock-file is a test-only control (see testClockEnv): without
	// YINGSHANG_TEST_CLOCK=1 it is not even defined, so it neither shows in the help nor
	// parses.
	var clockFile *string
	if os.Getenv(testClockEnv) == "1" {
		clockFile = fs.String("fake-clock-file", "", "TEST ONLY: the server's clock is the real time plus the Go duration in this file (YINGSHANG_TEST_CLOCK=1 required)")
	} else if refused := testClockFlag(args); refused != "" {
		return fmt.Errorf("%s is a test-only control, refused unless %s=1", refused, testClockEnv)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := c.config()
	if err != nil {
		return err
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if *debugAddr != "" && !loopback(*debugAddr) {
		return fmt.Errorf("--debug-addr %s: the profiler shows the process's memory and must listen on a loopback address (127.0.0.1 or ::1)", *debugAddr)
	}
	cfg.Addr, cfg.TLSCert, cfg.TLSKey, cfg.BehindProxy, cfg.SecureCookies, cfg.Workers = *addr, *tlsCert, *tlsKey, *proxy, *proxy, *workers
	cfg.JobLease = *lease
	if clockFile != nil && *clockFile != "" {
		clock, err := calendar.NewFileClock(*clockFile)
		if err != nil {
			return err
		}
		cfg.Clock = clock
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = defaultBaseURL(*addr, *tlsCert != "")
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit on the Go heap (GOMEMLIMIT overrides): the collector works harder
		// near it instead of letting the heap double; with SQLite's page caches (48 MB) and
		// the binary this keeps the process within the 300 MB budget (docs/benchmarks.md).
		debug.SetMemoryLimit(serveMemoryLimit)
	}
	start := time.Now()
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	pw, created, err := a.Bootstrap(ctx, os.Getenv("YINGSHANG_ADMIN_PASSWORD"))
	if err != nil {
		return err
	}
	if *withDemo {
		empty, err := demo.IsEmpty(ctx, a.DB)
		if err != nil {
			return err
		}
		if empty {
			res, loaded, err := a.LoadDemo(ctx, demo.Options{Seed: 1})
			if err != nil {
				return err
			}
			hist, err := a.LoadDemoAppeals(ctx, loaded, 0, 1)
			if err != nil {
				return err
			}
			a.Log.Info("demo city loaded", "orgs", res.Orgs, "enterprises", res.Enterprises, "users", res.Users, "appeals", hist.Appeals)
			fmt.Printf("Demo city loaded: %d organisations, %d enterprises, %d people, %d users, %d appeals of the past year; every demo user's password is %s (see README)\n",
				res.Orgs, res.Enterprises, res.People, res.Users, hist.Appeals, res.Password)
		} else {
			a.Log.Info("demo skipped: the database already holds data")
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	if clockFile != nil && *clockFile != "" {
		a.Log.Warn("TEST CLOCK: the server's time is the real time plus the offset in the file", "file", *clockFile)
	}
	fmt.Printf("Yingshang is serving on %s://%s (engine %s, ready in %s)\n", scheme, ln.Addr(), a.DB.Engine, time.Since(start).Round(time.Millisecond))
	if created {
		if os.Getenv("YINGSHANG_ADMIN_PASSWORD") != "" {
			fmt.Println("Admin login: admin / (the password in YINGSHANG_ADMIN_PASSWORD)")
		} else {
			fmt.Printf("Admin login: admin / %s   (shown once; change it after signing in)\n", pw)
		}
	}
	if *debugAddr != "" {
		stop, err := serveDebug(ctx, *debugAddr)
		if err != nil {
			return err
		}
		defer stop()
		a.Log.Info("profiler listening", "addr", *debugAddr)
	}
	return a.Serve(ctx, ln)
}

// loopback reports whether addr (HOST:PORT) names a loopback interface.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveDebug serves net/http/pprof on addr until stop is called or ctx ends: how a
// slow request or a stall is profiled on a running deployment (go tool pprof
// http://127.0.0.1:6060/debug/pprof/profile?seconds=20).
func serveDebug(ctx context.Context, addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return func() { _ = srv.Close() }, nil
}

func envBool(key string) bool {
	v, _ := strconv.ParseBool(os.Getenv(key))
	return v
}

func envDuration(key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

// defaultBaseURL is the listen address as a URL, for email links when --base-url is not
// given (set it in production: users reach the site by its public name).
func defaultBaseURL(addr string, tls bool) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// testClockEnv must be "1" for serve to accept --fake-clock-file.
const testClockEnv = "YINGSHANG_TEST_CLOCK"

// testClockFlag names the --fake-clock-file argument if args hold one.
func testClockFlag(args []string) string {
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "fake-clock-file" {
			return "--fake-clock-file"
		}
	}
	return ""
}
