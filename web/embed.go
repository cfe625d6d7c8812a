package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// Dist is the dist folder as it was when the binary was built: README.md
// always, and the built client under dist/app once `npm run build` has run.
//
//go:embed all:dist
var Dist embed.FS

// ContentSecurityPolicy is sent with every HTML page of the client. It allows
// only the app's own origin, plus WebSockets (chat and call signalling),
// data: and blob: images (previews before upload), and blob: media (local
// camera and received call streams). Scripts and styles must come from files:
// the built client has no inline ones.
const ContentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self'; " +
	"style-src 'self'; " +
	"img-src 'self' data: blob:; " +
	"media-src 'self' blob:; " +
	"font-src 'self'; " +
	"connect-src 'self' ws: wss:; " +
	"worker-src 'self' blob:; " +
	"manifest-src 'self'; " +
	"object-src 'none'; " +
	"base-uri 'self'; " +
	"form-action 'self'; " +
	"frame-ancestors 'none'"

// Policy is ContentSecurityPolicy with storage origins added to img-src,
// media-src and connect-src: with object storage on another origin (S3),
// the browser PUTs files to it and shows them from it through pre-signed
// URLs. Each origin must be a CSP source expression without spaces or
// semicolons (scheme://host[:port], or a *. wildcard host); others are
// dropped.
func Policy(storageOrigins ...string) string {
	var ok []string
	for _, o := range storageOrigins {
		if o != "" && !strings.ContainsAny(o, " ;,'\"\t\r\n") {
			ok = append(ok, o)
		}
	}
	if len(ok) == 0 {
		return ContentSecurityPolicy
	}
	extra := " " + strings.Join(ok, " ")
	p := ContentSecurityPolicy
	for _, d := range []string{"img-src 'self' data: blob:", "media-src 'self' blob:", "connect-src 'self' ws: wss:"} {
		p = strings.Replace(p, d, d+extra, 1)
	}
	return p
}

// notBuiltPolicy is the Content-Security-Policy of the "not built" page,
// which has no script and one inline style.
const notBuiltPolicy = "default-src 'none'; style-src 'unsafe-inline'; object-src 'none'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const (
	indexName      = "index.html"
	assetsDir      = "assets/"
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheRevalid   = "no-cache"
)

// Handler serves the client embedded in this binary (dist/app of Dist),
// its pages carrying Policy(storageOrigins...).
func Handler(storageOrigins ...string) http.Handler {
	app, err := fs.Sub(Dist, "dist/app")
	if err != nil {
		// fs.Sub fails only for an invalid directory name, and this one is
		// a constant.
		panic(fmt.Sprintf("web: sub dist/app: %v", err))
	}
	return &handler{fsys: app, policy: Policy(storageOrigins...)}
}

// NewHandler serves the single-page app whose built files are at the root of
// fsys (index.html, assets/…). It guarantees:
//
//   - Files are served with their content type; files under assets/ (named by
//     content hash) are cacheable for a year as immutable; every other file,
//     index.html included, must be revalidated (no-cache, with an ETag).
//   - A GET or HEAD for any other path is answered with index.html (status
//     200), so deep links reach the client's router; a missing file under
//     assets/ is a plain 404 instead, so a stale bundle fails loudly.
//   - Any path under /api/ (the handler is mounted behind the API routes) is
//     a JSON 404 in the API's error shape, whatever the method.
//   - Other methods are 405 with Allow: GET, HEAD.
//   - Without index.html in fsys, every page is a 503 HTML note that the
//     client is not built yet.
//   - HTML responses carry ContentSecurityPolicy, nosniff and a same-origin
//     referrer policy; every response carries nosniff.
//
// fsys is read on every request, so a directory that changes (os.DirFS
// during development) is served as it is now.
func NewHandler(fsys fs.FS) http.Handler {
	return &handler{fsys: fsys, policy: ContentSecurityPolicy}
}

type handler struct {
	fsys   fs.FS
	policy string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	urlPath := path.Clean("/" + r.URL.Path)
	if urlPath == "/api" || strings.HasPrefix(urlPath, "/api/") {
		apiNotFound(w, r, urlPath)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}

	index, err := fs.ReadFile(h.fsys, indexName)
	if errors.Is(err, fs.ErrNotExist) {
		notBuilt(w, r)
		return
	}
	if err != nil {
		http.Error(w, "the web client could not be read", http.StatusInternalServerError)
		return
	}

	name := strings.TrimPrefix(urlPath, "/")
	if name != "" && name != indexName {
		if h.serveFile(w, r, name) {
			return
		}
		if strings.HasPrefix(name, assetsDir) {
			http.NotFound(w, r)
			return
		}
	}
	serveBytes(w, r, indexName, index, h.policy)
}

// serveFile serves the regular file name from fsys and reports whether it
// existed. Directories and unreadable entries count as missing.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	if !fs.ValidPath(name) {
		return false
	}
	if !strings.HasPrefix(name, assetsDir) {
		data, err := fs.ReadFile(h.fsys, name)
		if err != nil {
			return false
		}
		serveBytes(w, r, name, data, h.policy)
		return true
	}

	f, err := h.fsys.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	content, ok := f.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(f)
		if err != nil {
			return false
		}
		content = bytes.NewReader(data)
	}
	hdr := w.Header()
	hdr.Set("Content-Type", contentType(name))
	hdr.Set("Cache-Control", cacheImmutable)
	http.ServeContent(w, r, name, info.ModTime(), content)
	return true
}

// serveBytes serves a file that browsers must revalidate. Its ETag is a hash
// of the content, so a 304 is only possible while the bytes are unchanged
// (embedded files carry no modification time to compare).
func serveBytes(w http.ResponseWriter, r *http.Request, name string, data []byte, policy string) {
	sum := sha256.Sum256(data)
	hdr := w.Header()
	ctype := contentType(name)
	hdr.Set("Content-Type", ctype)
	hdr.Set("Cache-Control", cacheRevalid)
	hdr.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	if strings.HasPrefix(ctype, "text/html") {
		setPageSecurity(hdr, policy)
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

func setPageSecurity(hdr http.Header, policy string) {
	hdr.Set("Content-Security-Policy", policy)
	hdr.Set("Referrer-Policy", "same-origin")
	hdr.Set("X-Content-Type-Options", "nosniff")
}

// contentTypes pins the types of what a Vite build emits, so answers do not
// depend on the host's mime tables (which disagree about .js, for one).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".txt":         "text/plain; charset=utf-8",
	".wasm":        "application/wasm",
	".mp3":         "audio/mpeg",
	".ogg":         "audio/ogg",
	".wav":         "audio/wav",
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// apiNotFound answers a path under /api/ that no API route took, in the
// API's error shape, so API clients never receive the app's HTML.
func apiNotFound(w http.ResponseWriter, r *http.Request, urlPath string) {
	body, err := json.Marshal(map[string]any{
		"error": map[string]string{
			"code":    "not_found",
			"message": fmt.Sprintf("There is no API endpoint %s %s.", r.Method, urlPath),
		},
	})
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(http.StatusNotFound)
	if r.Method != http.MethodHead {
		_, _ = w.Write(append(body, '\n'))
	}
}

const notBuiltPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley · web client not built</title>
<style>
:root { color-scheme: light dark; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  background: #f6f6fa; color: #16161f; }
main { max-width: 32rem; margin: 1.5rem; padding: 2rem; border-radius: 16px;
  background: #fff; border: 1px solid #e2e2ea; }
h1 { margin: 0 0 .5rem; font-size: 1.35rem; }
p { margin: 0; color: #555769; }
code { padding: .1em .35em; border-radius: 6px; background: #ececf3; color: #16161f; }
@media (prefers-color-scheme: dark) {
  body { background: #101117; color: #ececf3; }
  main { background: #17181f; border-color: #2a2b37; }
  p { color: #a9abbe; }
  code { background: #262733; color: #ececf3; }
}
</style>
</head>
<body>
<main>
<h1>Parley is running</h1>
<p>The web client is not built yet — run <code>make run</code>.</p>
</main>
</body>
</html>
`

// notBuilt answers when the binary carries no client (dist/app missing).
func notBuilt(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Length", strconv.Itoa(len(notBuiltPage)))
	setPageSecurity(hdr, notBuiltPolicy)
	w.WriteHeader(http.StatusServiceUnavailable)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, notBuiltPage)
	}
}
