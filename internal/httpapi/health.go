package httpapi

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parleychat/parley/internal/errs"
)

// Check reports whether one dependency is reachable.
type Check func(ctx context.Context) error

// Health serves /healthz, /readyz and /metrics for one process. The
// public port gets /healthz and a bare /readyz (ready or not, nothing
// more: adapter errors name hosts and databases); the admin listener
// (metrics_addr) gets /healthz, the detailed /readyz and /metrics.
type Health struct {
	mu     sync.Mutex
	checks map[string]Check
	roles  []string
	reg    *prometheus.Registry
}

// NewHealth returns the operational endpoints for a process running roles.
func NewHealth(roles []string, reg *prometheus.Registry) *Health {
	return &Health{checks: map[string]Check{}, roles: roles, reg: reg}
}

// Add registers a readiness check under a name (e.g. "events", "user.db").
func (h *Health) Add(name string, c Check) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks[name] = c
}

// Register mounts the public endpoints on mux: /healthz and a /readyz
// that only says whether the process is ready.
func (h *Health) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		status, code, _ := h.check(r.Context())
		Encode(w, code, map[string]any{"status": status})
	})
	// A scraper pointed at the public port learns where metrics went,
	// rather than getting the web client's page.
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, nil, errs.E(errs.NotFound, "metrics are served on the admin listener (metrics_addr), not on the public port"))
	})
}

// RegisterAdmin mounts the operator's endpoints on the admin listener's
// mux: /healthz, a /readyz that names each check and its error, and
// /metrics.
func (h *Health) RegisterAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /readyz", h.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{}))
}

func (h *Health) healthz(w http.ResponseWriter, r *http.Request) {
	Encode(w, http.StatusOK, map[string]any{"status": "ok", "roles": h.roles})
}

type checkResult struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// ready answers the detailed readiness of the admin listener: every
// check by name, with the error text of a failing adapter (which never
// includes credentials).
func (h *Health) ready(w http.ResponseWriter, r *http.Request) {
	status, code, results := h.check(r.Context())
	Encode(w, code, map[string]any{"status": status, "roles": h.roles, "checks": results})
}

// check runs every check in parallel with a short timeout.
func (h *Health) check(ctx context.Context) (string, int, map[string]checkResult) {
	h.mu.Lock()
	names := make([]string, 0, len(h.checks))
	checks := make(map[string]Check, len(h.checks))
	for n, c := range h.checks {
		names = append(names, n)
		checks[n] = c
	}
	h.mu.Unlock()
	sort.Strings(names)

	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	results := make(map[string]checkResult, len(names))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Go(func() {
			res := checkResult{Status: "ok"}
			if err := checks[n](ctx); err != nil {
				res = checkResult{Status: "failing", Error: err.Error()}
			}
			mu.Lock()
			results[n] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	status, code := "ready", http.StatusOK
	for _, res := range results {
		if res.Status != "ok" {
			status, code = "not_ready", http.StatusServiceUnavailable
		}
	}
	return status, code, results
}
