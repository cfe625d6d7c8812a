package systest

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
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
	{"/api/v1/blobs/", "message"},
	{"/api/v1/groups", "group"}, {"/api/v1/groups/", "group"},
	{"/api/v1/invites", "group"}, {"/api/v1/invites/", "group"},
	{"/api/v1/search/", "search"},
	{"/api/v1/ws", "ws"},
	{"/api/v1/calls/", "webrtc-gateway"},
	{"/api/", ""},
	{"/", "web"},
}

// startIngress serves the routing table in front of the nodes (role →
// base URL). A route whose role runs nowhere answers a JSON 404, like an
// ingress with no such backend configured.
func startIngress(t *testing.T, backends map[string]string) string {
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
				pr.SetXForwarded()
				pr.Out.Host = pr.In.Host
			},
		}
		mux.Handle(r.Pattern, proxy)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
