package httpapi

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check reports whether one dependency is reachable.
type Check func(ctx context.Context) error

// Health serves /healthz, /readyz and /metrics for one process.
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

// Register mounts the three endpoints on mux.
func (h *Health) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		Encode(w, http.StatusOK, map[string]any{"status": "ok", "roles": h.roles})
	})
	mux.HandleFunc("GET /readyz", h.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{}))
}

type checkResult struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// ready runs every check in parallel with a short timeout. Failures are
// named but their details stay in the answer only as the error text of the
// adapter, which never includes credentials.
func (h *Health) ready(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	names := make([]string, 0, len(h.checks))
	for n := range h.checks {
		names = append(names, n)
	}
	checks := h.checks
	h.mu.Unlock()
	sort.Strings(names)

	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
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
	Encode(w, code, map[string]any{"status": status, "roles": h.roles, "checks": results})
}
