package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/message"
	"github.com/parleychat/parley/internal/ratelimit"
	"github.com/parleychat/parley/internal/registry"
	"github.com/parleychat/parley/internal/sfu"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/token"
	"github.com/parleychat/parley/internal/user"
)

// Node is one Parley process: the roles it runs, the adapters they opened,
// and the HTTP server in front of them.
type Node struct {
	cfg     *config.Config
	log     *slog.Logger
	roles   []role
	mux     *http.ServeMux
	admin   *http.ServeMux // the admin listener's endpoints (metrics_addr)
	adminLn net.Listener   // set by ServeAdminOn
	health  *httpapi.Health
	reg     *prometheus.Registry

	// background work (relays, consumers) runs under bgCtx.
	bgCtx    context.Context
	bgCancel context.CancelFunc
	bg       sync.WaitGroup

	mu       sync.Mutex
	closers  []func() error                // adapters, closed in reverse order
	drainers []func(context.Context) error // run before the HTTP server drains
	bus      event.Bus
	blob     blob.Store
	dbs      map[string]*sqlstore.DB
	limiter  ratelimit.Limiter

	userSvc *user.Service
	// parked counts the events relays parked (label outbox: the relay's
	// name, a closed set).
	parked *prometheus.CounterVec

	emailSvc   *email.Service
	tokenSvc   *token.Service
	groupSvc   *group.Service
	messageSvc *message.Service
	verifier   *auth.Verifier
	registry   registry.Registry
	sfu        *sfu.Server
}

// New builds a node for cfg: it selects the roles, opens what they need
// and mounts their routes. Nothing listens until Serve.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Node, error) {
	selected, err := selectRoles(cfg.Roles)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(selected))
	for i, r := range selected {
		names[i] = r.name
	}
	n := newBare(ctx, cfg, log, names)
	n.roles = selected
	warnOpenDataDir(cfg.DataDir, log)
	for _, r := range selected {
		if err := r.start(n); err != nil {
			n.Close()
			return nil, fmt.Errorf("start role %s: %w", r.name, err)
		}
	}
	return n, nil
}

// newBare returns a node with its mux, health endpoints and metrics
// registry but no roles yet.
func newBare(ctx context.Context, cfg *config.Config, log *slog.Logger, names []string) *Node {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	n := &Node{
		cfg: cfg, log: log, mux: http.NewServeMux(), admin: http.NewServeMux(), reg: reg,
		health: httpapi.NewHealth(names, reg), dbs: map[string]*sqlstore.DB{},
	}
	n.parked = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parley_outbox_parked_total", Help: "Events an outbox relay gave up on and parked in outbox_parked, by relay.",
	}, []string{"outbox"})
	reg.MustRegister(n.parked)
	n.bgCtx, n.bgCancel = context.WithCancel(context.WithoutCancel(ctx))
	n.health.Register(n.mux)
	n.health.RegisterAdmin(n.admin)
	n.mux.Handle("/api/", httpapi.NotFound())
	// Other methods of the operational endpoints are a JSON 405 here,
	// not the web client's (or the mux's) text one. Found by FuzzREST.
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		n.mux.Handle(p, getOnly())
	}
	return n
}

// getOnly answers every request with a JSON 405 (Allow: GET, HEAD); it
// sits under a "GET <path>" pattern, which takes GET and HEAD.
func getOnly() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		httpapi.Encode(w, http.StatusMethodNotAllowed, httpapi.ErrorBody{Error: httpapi.ErrorDetail{
			Code: string(errs.Invalid), Message: "method " + r.Method + " is not allowed here (Allow: GET, HEAD)"}})
	})
}

// warnOpenDataDir warns when the data directory lets other users of the
// machine in (any permission for group or others): the files Parley
// writes in it are its owner's only, but an operator should know that the
// directory is not. Parley creates it 0700 and never widens or narrows an
// existing one.
func warnOpenDataDir(dir string, log *slog.Logger) {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	log.Warn("the data directory is open to other users of this machine; its databases and keys are not, but consider chmod 700",
		"data_dir", dir, "mode", fi.Mode().Perm().String())
}

// Roles returns the names of the roles this node runs.
func (n *Node) Roles() []string {
	out := make([]string, len(n.roles))
	for i, r := range n.roles {
		out[i] = r.name
	}
	return out
}

// Handler is the node's whole HTTP surface with the shared middleware.
func (n *Node) Handler() http.Handler {
	// No global body cap: JSON bodies are capped by httpapi.Decode, other
	// bodies by the route (httpapi.Limit, or the blob store's signed size).
	return httpapi.Middleware(apiPathsAsSent(jsonMuxErrors(n.mux)), n.log, httpapi.NewMetrics(n.reg), 0)
}

// jsonMuxErrors makes the answers http.ServeMux writes itself, when no
// pattern takes a request (405 for another method of a path it knows,
// "OPTIONS /metrics" say, or 404), the JSON error of the contract instead
// of text/plain; the Allow header is kept. Found by FuzzREST.
func jsonMuxErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&muxErrorWriter{ResponseWriter: w, r: r}, r)
	})
}

// muxErrorWriter turns a 404 or 405 into the JSON error and drops the
// mux's own text body.
type muxErrorWriter struct {
	http.ResponseWriter
	r       *http.Request
	swallow bool
}

func (m *muxErrorWriter) WriteHeader(code int) {
	if code != http.StatusNotFound && code != http.StatusMethodNotAllowed {
		m.ResponseWriter.WriteHeader(code)
		return
	}
	m.swallow = true
	h := m.ResponseWriter.Header()
	h.Del("Content-Type")
	h.Del("X-Content-Type-Options")
	if code == http.StatusNotFound {
		httpapi.Error(m.ResponseWriter, m.r, nil, errs.E(errs.NotFound, "no such endpoint: %s %s", m.r.Method, m.r.URL.Path))
		return
	}
	httpapi.Encode(m.ResponseWriter, code, httpapi.ErrorBody{Error: httpapi.ErrorDetail{
		Code: string(errs.Invalid), Message: "method " + m.r.Method + " is not allowed here (Allow: " + h.Get("Allow") + ")"}})
}

func (m *muxErrorWriter) Write(b []byte) (int, error) {
	if m.swallow {
		return len(b), nil
	}
	return m.ResponseWriter.Write(b)
}

// apiPathsAsSent answers an /api/ path that is not in clean form ("..",
// ".", "//" segments, as a malformed id would put there) with the JSON
// 404 of a path that names nothing. http.ServeMux would instead redirect
// it (307, method and body kept, HTML body) to the cleaned path, which is
// another endpoint: "DELETE /api/v1/groups/G/members/.." to "DELETE
// /api/v1/groups/G/members", "/api/v1/calls/../ws" to the chat socket.
// No API client needs such a redirect, and every 4xx of the API is JSON.
func apiPathsAsSent(next http.Handler) http.Handler {
	notFound := httpapi.NotFound()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; strings.HasPrefix(p, "/api/") && cleanPath(p) != p {
			notFound.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cleanPath is the form http.ServeMux redirects to: path.Clean keeping a
// trailing slash.
func cleanPath(p string) string {
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

// ServeAdminOn makes Serve answer the admin endpoints on ln instead of
// listening on metrics_addr itself (tests pass a listener on port 0).
func (n *Node) ServeAdminOn(ln net.Listener) { n.adminLn = ln }

// AdminHandler is the admin listener's surface (metrics_addr): /metrics,
// the detailed /readyz and /healthz, behind the same middleware.
func (n *Node) AdminHandler() http.Handler {
	return httpapi.Middleware(jsonMuxErrors(n.admin), n.log, nil, 0)
}

// Go runs fn in the background until the node stops; roles use it for
// consumers and outbox relays.
func (n *Node) Go(name string, fn func(ctx context.Context) error) {
	n.bg.Go(func() {
		if err := fn(n.bgCtx); err != nil && !errors.Is(err, context.Canceled) {
			n.log.Error("background task stopped", "task", name, "err", err)
		}
	})
}

// Serve answers HTTP on ln until ctx is done, then drains: it stops
// accepting, lets requests in flight finish (up to the shutdown timeout),
// stops background work and closes every adapter.
func (n *Node) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           n.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Plain-text HTTP/2 as well as HTTP/1.1, so that gRPC clients reach
	// the internal RPC services on the same port (Connect clients use
	// HTTP/1.1).
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	var admin *http.Server
	aln := n.adminLn
	if aln == nil && n.cfg.MetricsAddr != "" {
		var err error
		if aln, err = net.Listen("tcp", n.cfg.MetricsAddr); err != nil {
			n.Close()
			return fmt.Errorf("metrics_addr: %w", err)
		}
	}
	if aln != nil {
		admin = &http.Server{
			Handler: n.AdminHandler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
			ErrorLog: slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
		}
		go func() { _ = admin.Serve(aln) }()
		n.log.Info("parley admin endpoints listening", "addr", aln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	n.log.Info("parley listening", "addr", ln.Addr().String(), "roles", n.Roles(), "public_url", n.cfg.PublicURL)

	var serveErr error
	select {
	case err := <-errc:
		serveErr = err
	case <-ctx.Done():
	}
	n.log.Info("parley stopping", "timeout", n.cfg.ShutdownTimeoutOr(15*time.Second).String())
	sctx, cancel := context.WithTimeout(context.Background(), n.cfg.ShutdownTimeoutOr(15*time.Second))
	defer cancel()
	n.mu.Lock()
	drainers := n.drainers
	n.mu.Unlock()
	for _, d := range drainers {
		if err := d(sctx); err != nil {
			n.log.Warn("drain", "err", err)
		}
	}
	if err := srv.Shutdown(sctx); err != nil {
		n.log.Warn("http shutdown", "err", err)
	}
	if admin != nil {
		_ = admin.Shutdown(sctx)
	}
	n.Close()
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return serveErr
}

// Close stops background work and closes adapters in reverse order of
// opening. It is safe to call more than once.
func (n *Node) Close() {
	n.bgCancel()
	n.bg.Wait()
	n.mu.Lock()
	closers := n.closers
	n.closers = nil
	n.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		if err := closers[i](); err != nil {
			n.log.Warn("close adapter", "err", err)
		}
	}
}

func (n *Node) onDrain(fn func(context.Context) error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.drainers = append(n.drainers, fn)
}

func (n *Node) onClose(fn func() error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closers = append(n.closers, fn)
}
