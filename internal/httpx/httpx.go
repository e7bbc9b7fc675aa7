// Package httpx holds what every HTTP surface shares: request ids, access logs, Prometheus
// metrics by route and status, panic recovery, security headers, cross-origin protection,
// body limits and the client address.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type ctxKey int

const (
	requestIDKey ctxKey = 1
	routeKey     ctxKey = 3
)

// SetRoute records the matched route pattern for metrics and logs. Inner muxes match on
// a copy of the request, so the outer middleware cannot see their pattern otherwise.
func SetRoute(r *http.Request) {
	if p, ok := r.Context().Value(routeKey).(*string); ok && r.Pattern != "" {
		*p = r.Pattern
	}
}

// RequestID returns the id of the request in ctx.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// Metrics are the HTTP series on /metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP series.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yingshang_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "yingshang_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Observe wraps h with a request id, access logging, metrics and panic recovery.
func Observe(h http.Handler, log *slog.Logger, m *Metrics, onPanic http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		route := new(string)
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		r = r.WithContext(context.WithValue(ctx, routeKey, route))
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "request_id", id, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				if rec.status == 0 {
					onPanic(rec, r)
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			if *route == "" {
				*route = r.Pattern
			}
			if *route == "" {
				*route = "unmatched"
			}
			d := time.Since(start)
			if m != nil {
				m.requests.WithLabelValues(*route, r.Method, strconv.Itoa(status)).Inc()
				m.latency.WithLabelValues(*route).Observe(d.Seconds())
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			log.Log(r.Context(), level, "http", "request_id", id, "method", r.Method, "path", r.URL.Path,
				"route", *route, "status", status, "bytes", rec.bytes, "ms", d.Milliseconds(), "ip", ClientIP(r))
		}()
		h.ServeHTTP(rec, r)
	})
}

// CSP allows only our own scripts and styles: no inline script, no inline style, no
// framing. data: images are our own QR codes.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders sets the headers a level-3 assessment looks for.
func SecurityHeaders(h http.Handler, tls bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", CSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
		if tls {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// ClientIP is the peer address. Behind a proxy, set TrustProxy so X-Forwarded-For counts.
func ClientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey).(string); ok {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

const clientIPKey ctxKey = 2

// TrustProxy takes the client address from the last X-Forwarded-For hop (the proxy's
// view of its peer) when the direct peer is a loopback or private address.
func TrustProxy(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsPrivate()) {
			if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
				parts := strings.Split(xff, ",")
				client := strings.TrimSpace(parts[len(parts)-1])
				if net.ParseIP(client) != nil {
					r = r.WithContext(context.WithValue(r.Context(), clientIPKey, client))
				}
			}
		}
		h.ServeHTTP(w, r)
	})
}
