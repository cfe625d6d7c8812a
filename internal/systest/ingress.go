package systest

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/parleychat/parley/internal/httpapi"
)

// IngressRoutes is the path → role table of ARCHITECTURE.md §1, in
// net/http pattern syntax (the most specific pattern wins, as longest
// prefix does in nginx). deploy/nginx holds the same table.
var IngressRoutes = []struct{ Pattern, Role string }{
	{"/api/v1/users", "user"}, {"/api/v1/users/", "user"},
	{"/api/v1/auth/", "user"},
	{"/api/v1/groups/{id}/messages", "message"}, {"/api/v1/groups/{id}/messages/", "message"},
	{"/api/v1/groups/{id}/uploads", "message"}, {"/api/v1/groups/{id}/attachments/", "message"},
	{"/api/v1/groups/{id}/read", "message"}, {"/api/v1/groups/{id}/read-receipts", "message"},
	{"/api/v1/read-state", "message"}, {"/api/v1/read-state/", "message"},
	{"/api/v1/blobs/", "message"},
	{"/api/v1/groups", "group"}, {"/api/v1/groups/", "group"},
	{"/api/v1/invites", "group"}, {"/api/v1/invites/", "group"},
	{"/api/v1/direct", "group"},
	{"/api/v1/search/", "search"},
	{"/api/v1/ws", "ws"},
	{"/api/v1/calls/", "webrtc-gateway"},
	{"/api/", ""},
	{"/", "web"},
}

// ingress is the in-process stand-in for nginx in split mode.
type ingress struct {
	url     string
	handler atomicHandler
}

// newIngress listens on a loopback port; it answers 503 until route is
// called.
func newIngress(t testing.TB) *ingress {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ing := &ingress{url: "http://" + ln.Addr().String()}
	srv := &http.Server{Handler: &ing.handler}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ing
}

// route serves the routing table in front of the nodes (role → base URL).
// A route whose role runs nowhere answers a JSON 404, like an ingress with
// no such backend configured.
func (ing *ingress) route(t testing.TB, backends map[string]string) {
	t.Helper()
	mux := http.NewServeMux()
	for _, r := range IngressRoutes {
		target, ok := backends[r.Role]
		if !ok {
			mux.Handle(r.Pattern, httpapi.NotFound())
			continue
		}
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		proxy := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(u)
				// Like nginx's $proxy_add_x_forwarded_for: keep the hops the
				// client sent and add the client's address.
				pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
				pr.SetXForwarded()
				pr.Out.Host = pr.In.Host
			},
		}
		mux.Handle(r.Pattern, proxy)
	}
	ing.handler.Store(mux)
}

// atomicHandler lets the ingress start before its backends are known.
type atomicHandler struct{ h atomic.Pointer[http.ServeMux] }

func (a *atomicHandler) Store(m *http.ServeMux) { a.h.Store(m) }

func (a *atomicHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := a.h.Load()
	if m == nil {
		http.Error(w, "ingress not ready", http.StatusServiceUnavailable)
		return
	}
	m.ServeHTTP(w, r)
}
