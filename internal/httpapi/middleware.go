package httpapi

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the request id stored by the middleware, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// validRequestID accepts an incoming X-Request-Id only when it is short and
// plain, so it can go into logs as is.
func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status and size of an answer. It passes
// Flush and Hijack through so WebSockets and streaming keep working.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijack not supported")
	}
	if s.status == 0 {
		s.status = http.StatusSwitchingProtocols
	}
	return h.Hijack()
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// MetricMethod maps a request method to a metric label from a closed set:
// the methods of RFC 9110 and PATCH as they are, anything else "other".
// Every label value of every metric comes from a closed set, so that no
// client can create series (the route label is the matched route pattern
// or "unmatched", the code a status between 100 and 599 or "other").
func MetricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// metricCode is the status label: the three digits of a status the
// server wrote (200 when the handler wrote nothing, as net/http then
// answers), or "other".
func metricCode(status int) string {
	if status == 0 {
		return "200"
	}
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status)
}

// Metrics are the HTTP metrics of one process, registered on its own
// registry (several nodes may share a test process).
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// Middleware wraps the whole handler of a process: request id, panic
// recovery (500 without details; the stack goes to the log), a cap on
// request bodies, an access log line per request and metrics by route
// pattern. Routes may lower or raise the body cap with Limit.
func Middleware(next http.Handler, log *slog.Logger, m *Metrics, bodyLimit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		if bodyLimit > 0 && r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, bodyLimit)
		}
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(p), "request_id", id, "stack", string(debug.Stack()))
				if rec.status == 0 {
					Error(rec, r, nil, errors.New("panic"))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			if m != nil {
				method := MetricMethod(r.Method)
				m.requests.WithLabelValues(route, method, metricCode(rec.status)).Inc()
				m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
			}
			level := slog.LevelInfo
			if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
				level = slog.LevelDebug
			}
			log.Log(r.Context(), level, "http", "method", r.Method, "path", r.URL.Path, "route", route,
				"status", rec.status, "bytes", rec.bytes, "duration_ms", time.Since(start).Milliseconds(), "request_id", id)
		}()
		next.ServeHTTP(rec, r)
	})
}

// Limit replaces the body cap of one route (e.g. picture uploads).
func Limit(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

// ClientIPs returns ClientIP with the trusted proxies, which also warns
// (once per process, on log) when a peer outside them sends
// X-Forwarded-For: if that peer is the ingress, trusted_proxies misses it,
// and every client behind it shares one client address, and so one budget
// of every per-address limit.
func ClientIPs(trusted []netip.Prefix, log *slog.Logger) func(*http.Request) netip.Addr {
	var once sync.Once
	return func(r *http.Request) netip.Addr {
		if r.Header.Get("X-Forwarded-For") != "" && log != nil {
			if peer, err := netip.ParseAddrPort(r.RemoteAddr); err == nil && !slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(peer.Addr().Unmap()) }) {
				once.Do(func() {
					log.Warn("a peer that is not a trusted proxy sends X-Forwarded-For; if it is your ingress, add it to trusted_proxies, or every client behind it shares one rate-limit budget",
						"peer", peer.Addr().Unmap().String(), "trusted_proxies", fmt.Sprint(trusted))
				})
			}
		}
		return ClientIP(r, trusted)
	}
}

// ClientIP returns the address of the client that sent r: the nearest
// X-Forwarded-For hop that is not a trusted proxy when the request came
// from one, else the connection's address. Rate limits key on it, so it
// must not be forgeable by clients that talk to us directly.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := peer.Addr().Unmap()
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !isTrusted(addr) {
		return addr
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr
		}
		hop = hop.Unmap()
		if !isTrusted(hop) {
			return hop
		}
		addr = hop
	}
	return addr
}
