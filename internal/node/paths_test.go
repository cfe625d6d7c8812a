package node

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUncleanAPIPathsAreNotRedirected: an /api/ path with "..", "." or
// "//" segments (what a malformed id puts there) is a JSON 404, never
// http.ServeMux's 307 to the cleaned path, which is another endpoint with
// the same method and body. Found by the route walk
// (systest.TestEveryRouteRefusesMalformedInput).
func TestUncleanAPIPathsAreNotRedirected(t *testing.T) {
	reached := false
	mux := http.NewServeMux()
	mux.HandleFunc("DELETE /api/v1/groups/{id}/members", func(http.ResponseWriter, *http.Request) { reached = true })
	h := apiPathsAsSent(mux)
	for _, p := range []string{
		"/api/v1/groups/g/members/..", "/api/v1/groups/g/members/x/..", "/api/v1/groups//members", "/api/v1/groups/g/./members",
		"/api/v1/calls/../ws",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("DELETE", p, nil))
		if rec.Code != 404 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") || rec.Header().Get("Location") != "" {
			t.Errorf("%s: %d %s %q, want a JSON 404", p, rec.Code, rec.Header().Get("Location"), rec.Body)
		}
	}
	if reached {
		t.Fatal("an unclean path reached the handler of its cleaned form")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("DELETE", "/api/v1/groups/g/members", nil))
	if !reached {
		t.Fatalf("the clean path was refused: %d", rec.Code)
	}
}

// TestMuxErrorsAreJSON: a method the mux does not serve on a path it
// knows ("OPTIONS /metrics", found by FuzzREST) is a JSON 405 with Allow.
func TestMuxErrorsAreJSON(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(http.ResponseWriter, *http.Request) {})
	h := jsonMuxErrors(mux)
	for _, m := range []string{"OPTIONS", "POST", "PROPFIND"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(m, "/metrics", nil))
		if rec.Code != 405 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") ||
			!strings.Contains(rec.Body.String(), `"code":"invalid"`) || rec.Header().Get("Allow") == "" {
			t.Errorf("%s /metrics: %d %q %q", m, rec.Code, rec.Header(), rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Errorf("GET /metrics: %d", rec.Code)
	}
}
