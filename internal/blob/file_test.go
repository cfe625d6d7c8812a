package blob_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/blob/blobtest"
	"github.com/parleychat/parley/internal/errs"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// newServedStore returns a file store in a temp dir whose Handler is
// served by a test server at the store's base URL.
func newServedStore(t *testing.T) (*blob.FileStore, *httptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	// The base URL is known only once the server listens, so the handler
	// is installed after the store exists.
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	s, err := blob.NewFileStore(dir, srv.URL+"/", testSecret)
	if err != nil {
		t.Fatalf("NewFileStore: %v", err)
	}
	h = s.Handler()
	return s, srv, dir
}

func TestFileStoreContract(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, _, _ := newServedStore(t)
		return s
	})
}

func TestNewFileStoreRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name, dir, base string
		secret          []byte
	}{
		{"empty dir", "", "http://localhost:8080", testSecret},
		{"relative base URL", dir, "/api", testSecret},
		{"ftp base URL", dir, "ftp://x", testSecret},
		{"base URL with query", dir, "http://x/?a=b", testSecret},
		{"short secret", dir, "http://localhost:8080", []byte("short")},
	}
	for _, c := range cases {
		if _, err := blob.NewFileStore(c.dir, c.base, c.secret); err == nil {
			t.Errorf("%s: NewFileStore succeeded, want an error", c.name)
		}
	}
}

func TestFileStoreKeepsFilesPrivateAndInsideItsDirectory(t *testing.T) {
	t.Parallel()
	s, _, dir := newServedStore(t)
	ctx := context.Background()
	if err := s.Put(ctx, "groups/g1/a.txt", strings.NewReader("hi"), 2, "text/plain"); err != nil {
		t.Fatal(err)
	}
	var files int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir { // dir itself was made by the test
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		perm := fi.Mode().Perm()
		if d.IsDir() && perm != 0o700 || !d.IsDir() && perm != 0o600 {
			t.Errorf("%s has mode %v", path, perm)
		}
		if !d.IsDir() {
			files++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != 2 {
		t.Errorf("%d files for one object, want content and sidecar", files)
	}
	// Deleting the last object under a prefix prunes its directories.
	if err := s.DeletePrefix(ctx, "groups/"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "objects", "groups")); !os.IsNotExist(err) {
		t.Errorf("objects/groups still exists after deleting everything in it: %v", err)
	}
}

func TestFileStoreReadersNeverSeeAHalfWrittenObject(t *testing.T) {
	t.Parallel()
	s, _, _ := newServedStore(t)
	ctx := context.Background()
	a := bytes.Repeat([]byte("a"), 64<<10)
	b := bytes.Repeat([]byte("b"), 32<<10)
	const key = "race/obj"
	if err := s.Put(ctx, key, bytes.NewReader(a), int64(len(a)), "text/a"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			c, ct := a, "text/a"
			if i%2 == 1 {
				c, ct = b, "text/b"
			}
			if err := s.Put(ctx, key, bytes.NewReader(c), int64(len(c)), ct); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 200 {
		rc, info, err := s.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := a
		if info.ContentType == "text/b" {
			want = b
		}
		if !bytes.Equal(got, want) || info.Size != int64(len(want)) {
			t.Fatalf("read %d bytes starting %q with type %s and size %d: mixed versions", len(got), got[:1], info.ContentType, info.Size)
		}
	}
	close(stop)
	wg.Wait()
}

// errorBody decodes the API's JSON error.
func errorBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q, want JSON", ct)
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("error body: %v", err)
	}
	return e.Error.Code
}

func request(t *testing.T, method, url string, header http.Header, body io.Reader) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestHandlerRefusesPathsOutsideTheStore(t *testing.T) {
	t.Parallel()
	s, srv, dir := newServedStore(t)
	// A file next to the store that traversal would reach.
	secretFile := filepath.Join(filepath.Dir(dir), "outside.txt")
	if err := os.WriteFile(secretFile, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A valid signature for a valid key, reused with other paths.
	sr, err := s.PresignGet(context.Background(), "a/b", time.Minute, "")
	if err != nil {
		t.Fatal(err)
	}
	_, query, _ := strings.Cut(sr.URL, "?")
	for _, p := range []string{
		"../outside.txt", "..%2foutside.txt", "%2e%2e/outside.txt", "a/%2e%2e/%2e%2e/outside.txt",
		"a/..%2F..%2F..%2Foutside.txt", "%2Fetc%2Fpasswd", "a%00b", "a/b~data", "a%5c..%5coutside.txt",
	} {
		// Send the raw path, bypassing client-side cleaning.
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = "/api/v1/blobs/" + p
		req.URL.RawQuery = query
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode > 499 || bytes.Contains(body, []byte("secret")) {
			t.Errorf("GET %s: status %d body %q, want 4xx", p, resp.StatusCode, body)
		}
	}
	// Nothing written outside by a PUT either.
	put := request(t, http.MethodPut, srv.URL+"/api/v1/blobs/../../evil?exp=1&size=1&ct=text%2Fplain&sig=00",
		http.Header{"Content-Type": {"text/plain"}}, strings.NewReader("x"))
	if put.StatusCode < 400 || put.StatusCode > 499 {
		t.Errorf("PUT with .. in path: status %d, want 4xx", put.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "evil")); !os.IsNotExist(err) {
		t.Errorf("a file was written outside the store")
	}
}

func TestHandlerErrorsAreJSONWithAPICodes(t *testing.T) {
	t.Parallel()
	s, srv, _ := newServedStore(t)
	ctx := context.Background()
	put, err := s.PresignPut(ctx, "k/one", 3, "text/plain", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := s.PresignGet(ctx, "k/missing", time.Minute, "")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, url string
		header            http.Header
		body              string
		status            int
		code              string
	}{
		{"DELETE is not allowed", http.MethodDelete, put.URL, nil, "", 405, "invalid"},
		{"POST is not allowed", http.MethodPost, put.URL, nil, "abc", 405, "invalid"},
		{"unsigned URL", http.MethodGet, srv.URL + "/api/v1/blobs/k/one", nil, "", 403, "forbidden"},
		{"garbage signature", http.MethodGet, srv.URL + "/api/v1/blobs/k/one?exp=zz&sig=nothex", nil, "", 403, "forbidden"},
		{"invalid key", http.MethodGet, srv.URL + "/api/v1/blobs/a~b?exp=1&sig=00", nil, "", 400, "invalid"},
		{"missing object", http.MethodGet, missing.URL, nil, "", 404, "not_found"},
		{"wrong content type", http.MethodPut, put.URL, http.Header{"Content-Type": {"text/html"}}, "abc", 403, "forbidden"},
		{"wrong length", http.MethodPut, put.URL, http.Header{"Content-Type": {"text/plain"}}, "abcd", 403, "forbidden"},
	}
	for _, c := range cases {
		resp := request(t, c.method, c.url, c.header, strings.NewReader(c.body))
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.status)
		}
		if code := errorBody(t, resp); code != c.code {
			t.Errorf("%s: code %q, want %q", c.name, code, c.code)
		}
		if c.status == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s: no Allow header", c.name)
		}
	}
	if _, err := s.Stat(ctx, "k/one"); !errs.Is(err, errs.NotFound) {
		t.Errorf("refused PUTs stored something: %v", err)
	}
}

func TestHandlerRefusesChunkedAndShortBodies(t *testing.T) {
	t.Parallel()
	s, _, _ := newServedStore(t)
	sr, err := s.PresignPut(context.Background(), "k/chunked", 5, "text/plain", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// An io.Reader of unknown length makes the client send it chunked.
	resp := request(t, http.MethodPut, sr.URL, http.Header{"Content-Type": {"text/plain"}}, io.MultiReader(strings.NewReader("hello")))
	if resp.StatusCode != http.StatusLengthRequired {
		t.Errorf("chunked PUT: status %d, want 411", resp.StatusCode)
	}
	// A body that ends before its Content-Length.
	req, err := http.NewRequest(http.MethodPut, sr.URL, strings.NewReader("hel"))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 5
	req.Header.Set("Content-Type", "text/plain")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode > 499 {
			t.Errorf("short body: status %d, want 4xx", resp.StatusCode)
		}
	} // else the client itself refused to send it: also fine.
	if _, err := s.Stat(context.Background(), "k/chunked"); !errs.Is(err, errs.NotFound) {
		t.Errorf("refused PUTs stored something: %v", err)
	}
}

func TestHandlerServesRangesAndSafeHeaders(t *testing.T) {
	t.Parallel()
	s, _, _ := newServedStore(t)
	ctx := context.Background()
	content := "0123456789abcdefghij"
	if err := s.Put(ctx, "k/doc.html", strings.NewReader(content), int64(len(content)), "text/html"); err != nil {
		t.Fatal(err)
	}
	sr, err := s.PresignGet(ctx, "k/doc.html", 90*time.Second, "")
	if err != nil {
		t.Fatal(err)
	}
	resp := request(t, http.MethodGet, sr.URL, http.Header{"Range": {"bytes=5-9"}}, nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || string(body) != "56789" {
		t.Errorf("range GET: status %d body %q, want 206 %q", resp.StatusCode, body, "56789")
	}
	if cr := resp.Header.Get("Content-Range"); cr != "bytes 5-9/20" {
		t.Errorf("Content-Range %q", cr)
	}
	h := resp.Header
	for name, want := range map[string]string{
		"Content-Type":           "text/html",
		"X-Content-Type-Options": "nosniff",
		"Content-Disposition":    "inline",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
		t.Errorf("Content-Security-Policy %q, want a sandbox", csp)
	}
	cc := h.Get("Cache-Control")
	age, err := strconv.Atoi(strings.TrimPrefix(cc, "private, max-age="))
	if err != nil || age < 80 || age > 90 {
		t.Errorf("Cache-Control %q, want private for at most the URL's 90 s", cc)
	}

	head := request(t, http.MethodHead, sr.URL, nil, nil)
	if head.StatusCode != http.StatusOK || head.ContentLength != int64(len(content)) {
		t.Errorf("HEAD: status %d length %d", head.StatusCode, head.ContentLength)
	}
}

func TestContentDisposition(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":               "inline",
		"report.pdf":     `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
		"a \"b\"\\c.txt": `attachment; filename="a _b__c.txt"; filename*=UTF-8''a%20%22b%22%5Cc.txt`,
		"日本.png":         `attachment; filename="__.png"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.png`,
		"100%.txt":       `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`,
	}
	for name, want := range cases {
		if got := blob.ContentDisposition(name); got != want {
			t.Errorf("ContentDisposition(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestValidKey(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"a", "groups/0193e0c2-7f3b/0193e0c3.png", "A-Z_a.z/0-9", "a.b/.hidden/x..y"} {
		if err := blob.ValidKey(k); err != nil {
			t.Errorf("ValidKey(%q) = %v, want nil", k, err)
		}
	}
	for _, k := range []string{"", "/a", "a/", "a//b", "..", "a/../b", "./a", "a b", "a~b", "é"} {
		if err := blob.ValidKey(k); !errs.Is(err, errs.Invalid) {
			t.Errorf("ValidKey(%q) = %v, want invalid", k, err)
		}
	}
}
