package web

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

const testIndex = `<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>`

func builtApp() fstest.MapFS {
	return fstest.MapFS{
		"index.html":                {Data: []byte(testIndex)},
		"favicon.svg":               {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		"assets/index-abc123.js":    {Data: []byte(`console.log("parley")`)},
		"assets/index-def456.css":   {Data: []byte(`body{margin:0}`)},
		"assets/font-0a1b2c.woff2":  {Data: []byte("wOF2")},
		"assets/logo-9f8e7d.png":    {Data: []byte("\x89PNG\r\n\x1a\n")},
		"assets/nested/chunk-1.mjs": {Data: []byte(`export {}`)},
	}
}

func serve(t *testing.T, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func assertHTMLSecurity(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	hdr := rec.Header()
	if got := hdr.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
	}
	if got := hdr.Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("Referrer-Policy = %q, want same-origin", got)
	}
	csp := hdr.Get("Content-Security-Policy")
	if csp == "" {
		t.Fatal("no Content-Security-Policy on an HTML response")
	}
	for _, want := range []string{"frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
}

func assertIndex(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/html; charset=utf-8", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", got)
	}
	if rec.Body.String() != testIndex {
		t.Errorf("body = %q, want index.html", rec.Body.String())
	}
	assertHTMLSecurity(t, rec)
}

func TestAppPolicyAllowsWhatTheClientNeeds(t *testing.T) {
	t.Parallel()
	for _, want := range []string{
		"default-src 'self'",
		"script-src 'self'",
		"connect-src 'self' ws: wss:",
		"img-src 'self' data: blob:",
		"media-src 'self' blob:",
	} {
		if !strings.Contains(ContentSecurityPolicy, want) {
			t.Errorf("ContentSecurityPolicy lacks %q", want)
		}
	}
	if strings.Contains(ContentSecurityPolicy, "unsafe-") {
		t.Errorf("ContentSecurityPolicy allows unsafe sources: %q", ContentSecurityPolicy)
	}
}

func TestHandlerServesIndexAtRootForGetAndHead(t *testing.T) {
	t.Parallel()
	h := NewHandler(builtApp())

	assertIndex(t, serve(t, h, http.MethodGet, "/", nil))

	head := serve(t, h, http.MethodHead, "/", nil)
	if head.Code != http.StatusOK || head.Body.Len() != 0 {
		t.Fatalf("HEAD / = %d with %d body bytes, want 200 and no body", head.Code, head.Body.Len())
	}
	if got, want := head.Header().Get("Content-Length"), strconv.Itoa(len(testIndex)); got != want {
		t.Errorf("HEAD / Content-Length = %q, want %q", got, want)
	}
	assertHTMLSecurity(t, head)
}

func TestHandlerRevalidatesIndexWithAnETag(t *testing.T) {
	t.Parallel()
	h := NewHandler(builtApp())

	first := serve(t, h, http.MethodGet, "/", nil)
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("index.html has no ETag")
	}
	again := serve(t, h, http.MethodGet, "/somewhere", http.Header{"If-None-Match": {etag}})
	if again.Code != http.StatusNotModified {
		t.Fatalf("status with a matching If-None-Match = %d, want 304", again.Code)
	}

	changed := builtApp()
	changed["index.html"] = &fstest.MapFile{Data: []byte(testIndex + "<!-- v2 -->")}
	fresh := serve(t, NewHandler(changed), http.MethodGet, "/", http.Header{"If-None-Match": {etag}})
	if fresh.Code != http.StatusOK {
		t.Fatalf("status after index.html changed = %d, want 200", fresh.Code)
	}
}

func TestHandlerServesHashedAssetsAsImmutable(t *testing.T) {
	t.Parallel()
	h := NewHandler(builtApp())
	tests := []struct {
		path, contentType, body string
	}{
		{"/assets/index-abc123.js", "text/javascript; charset=utf-8", `console.log("parley")`},
		{"/assets/index-def456.css", "text/css; charset=utf-8", `body{margin:0}`},
		{"/assets/font-0a1b2c.woff2", "font/woff2", "wOF2"},
		{"/assets/logo-9f8e7d.png", "image/png", "\x89PNG\r\n\x1a\n"},
		{"/assets/nested/chunk-1.mjs", "text/javascript; charset=utf-8", `export {}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			rec := serve(t, h, http.MethodGet, tt.path, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control = %q, want a year, immutable", got)
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if rec.Body.String() != tt.body {
				t.Errorf("body = %q, want %q", rec.Body.String(), tt.body)
			}
		})
	}
}

func TestHandlerServesOtherFilesForRevalidation(t *testing.T) {
	t.Parallel()
	rec := serve(t, NewHandler(builtApp()), http.MethodGet, "/favicon.svg", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	if got := rec.Header().Get("Content-Type"); got != "image/svg+xml" {
		t.Errorf("Content-Type = %q, want image/svg+xml", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", got)
	}
	if rec.Header().Get("ETag") == "" {
		t.Error("no ETag")
	}
}

func TestHandlerAnswersClientRoutesWithIndex(t *testing.T) {
	t.Parallel()
	h := NewHandler(builtApp())
	for _, path := range []string{
		"/index.html",
		"/no/such/page",
		"/groups/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
		"/verify/abc123",
		"/assets",                // a directory, not a file
		"/assets/",               // likewise
		"/apiary",                // only /api and /api/... are the API
		"/favicon.svg/extra",     // below a file
		"/a/../../../etc/passwd", // cleaned to /etc/passwd: not a file
	} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			assertIndex(t, serve(t, h, http.MethodGet, path, nil))
		})
	}
}

func TestHandlerAnswersMissingAssetsWith404(t *testing.T) {
	t.Parallel()
	rec := serve(t, NewHandler(builtApp()), http.MethodGet, "/assets/index-0ld0ld.js", nil)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status = %d, want 404", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "<html") {
		t.Errorf("a missing asset was answered with HTML: %q", rec.Body.String())
	}
}

func TestHandlerAnswersUnknownAPIPathsWithJSON404(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
	}{
		{http.MethodGet, "/api/v1/nope"},
		{http.MethodGet, "/api"},
		{http.MethodGet, "/api/"},
		{http.MethodPost, "/api/v1/groups/x/nothing"},
		{http.MethodDelete, "/api/v2/users"},
	}
	for _, app := range []struct {
		name string
		fsys fs.FS
	}{{"built", builtApp()}, {"not built", fstest.MapFS{}}} {
		h := NewHandler(app.fsys)
		for _, tt := range tests {
			t.Run(app.name+" "+tt.method+" "+tt.path, func(t *testing.T) {
				t.Parallel()
				rec := serve(t, h, tt.method, tt.path, nil)
				if rec.Code != http.StatusNotFound {
					t.Fatalf("status = %d, want 404", rec.Code)
				}
				if got := rec.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
					t.Errorf("Content-Type = %q, want JSON", got)
				}
				var body struct {
					Error struct {
						Code    string `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Fatalf("body %q is not JSON: %v", rec.Body.String(), err)
				}
				if body.Error.Code != "not_found" || body.Error.Message == "" {
					t.Errorf("error = %+v, want code not_found and a message", body.Error)
				}
			})
		}
	}
}

func TestHandlerAnswersAPIHeadWithoutBody(t *testing.T) {
	t.Parallel()
	rec := serve(t, NewHandler(builtApp()), http.MethodHead, "/api/v1/nope", nil)
	if rec.Code != http.StatusNotFound || rec.Body.Len() != 0 {
		t.Fatalf("HEAD = %d with %d body bytes, want 404 and no body", rec.Code, rec.Body.Len())
	}
}

func TestHandlerRejectsMethodsOtherThanGetAndHead(t *testing.T) {
	t.Parallel()
	h := NewHandler(builtApp())
	for _, method := range []string{
		http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions,
	} {
		for _, path := range []string{"/", "/assets/index-abc123.js", "/no/such/page"} {
			t.Run(method+" "+path, func(t *testing.T) {
				t.Parallel()
				rec := serve(t, h, method, path, nil)
				if rec.Code != http.StatusMethodNotAllowed {
					t.Fatalf("status = %d, want 405", rec.Code)
				}
				if got := rec.Header().Get("Allow"); got != "GET, HEAD" {
					t.Errorf("Allow = %q, want GET, HEAD", got)
				}
			})
		}
	}
}

func TestHandlerAnswers503UntilTheClientIsBuilt(t *testing.T) {
	t.Parallel()
	notBuiltFS := fstest.MapFS{"README.md": {Data: []byte("build me")}}
	h := NewHandler(notBuiltFS)
	for _, path := range []string{"/", "/index.html", "/no/such/page", "/assets/index-abc123.js", "/README.md"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			rec := serve(t, h, http.MethodGet, path, nil)
			if rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("status = %d, want 503", rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q, want HTML", got)
			}
			body := rec.Body.String()
			for _, want := range []string{"The web client is not built yet", "make run"} {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q", want)
				}
			}
			assertHTMLSecurity(t, rec)
		})
	}

	head := serve(t, h, http.MethodHead, "/", nil)
	if head.Code != http.StatusServiceUnavailable || head.Body.Len() != 0 {
		t.Errorf("HEAD = %d with %d body bytes, want 503 and no body", head.Code, head.Body.Len())
	}
}

func TestHandlerServesTheEmbeddedBuild(t *testing.T) {
	t.Parallel()
	if _, err := fs.Stat(Dist, "dist/README.md"); err != nil {
		t.Fatalf("dist/README.md is not embedded: %v", err)
	}
	want := http.StatusServiceUnavailable
	if _, err := fs.Stat(Dist, "dist/app/index.html"); err == nil {
		want = http.StatusOK
	}
	h := Handler()
	for _, path := range []string{"/", "/no/such/page"} {
		if got := serve(t, h, http.MethodGet, path, nil).Code; got != want {
			t.Errorf("GET %s = %d, want %d (dist/app built: %v)", path, got, want, want == http.StatusOK)
		}
	}
	if got := serve(t, h, http.MethodGet, "/api/v1/nope", nil).Code; got != http.StatusNotFound {
		t.Errorf("GET /api/v1/nope = %d, want 404", got)
	}
}

func TestPolicyAddsStorageOrigins(t *testing.T) {
	t.Parallel()
	p := Policy("http://127.0.0.1:7070", "https://*.amazonaws.com", "https://evil; script-src *", "")
	for _, want := range []string{
		"connect-src 'self' ws: wss: http://127.0.0.1:7070 https://*.amazonaws.com;",
		"img-src 'self' data: blob: http://127.0.0.1:7070 https://*.amazonaws.com;",
		"media-src 'self' blob: http://127.0.0.1:7070 https://*.amazonaws.com;",
		"script-src 'self';",
	} {
		if !strings.Contains(p, want) {
			t.Errorf("Policy lacks %q: %s", want, p)
		}
	}
	if strings.Contains(p, "evil") {
		t.Errorf("an origin with a semicolon got in: %s", p)
	}
	if Policy() != ContentSecurityPolicy {
		t.Error("Policy() without origins differs from ContentSecurityPolicy")
	}
}
