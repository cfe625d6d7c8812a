package blobtest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/blob"
)

var client = &http.Client{Timeout: 20 * time.Second}

// do sends a request the way a browser would: the body's length becomes
// Content-Length, and headers are set as given (a "" value omits one).
func do(t *testing.T, method, rawURL string, headers map[string]string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctxFor(t), method, rawURL, r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, rawURL, err)
	}
	return resp.StatusCode, resp.Header, b
}

// send performs a signed request with its own headers and the given body.
func send(t *testing.T, sr blob.SignedRequest, body []byte) (int, http.Header, []byte) {
	t.Helper()
	return do(t, sr.Method, sr.URL, sr.Headers, body)
}

func want2xx(t *testing.T, what string, status int, body []byte) {
	t.Helper()
	if status < 200 || status > 299 {
		t.Fatalf("%s: status %d (%s), want 2xx", what, status, snippet(body))
	}
}

func want4xx(t *testing.T, what string, status int, body []byte) {
	t.Helper()
	if status < 400 || status > 499 {
		t.Errorf("%s: status %d (%s), want 4xx", what, status, snippet(body))
	}
}

func snippet(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return strings.TrimSpace(string(b))
}

func presignPut(t *testing.T, s blob.Store, key string, size int64, ct string, ttl time.Duration) blob.SignedRequest {
	t.Helper()
	sr, err := s.PresignPut(ctxFor(t), key, size, ct, ttl)
	if err != nil {
		t.Fatalf("PresignPut(%q): %v", key, err)
	}
	return sr
}

func presignGet(t *testing.T, s blob.Store, key string, ttl time.Duration, name string) blob.SignedRequest {
	t.Helper()
	sr, err := s.PresignGet(ctxFor(t), key, ttl, name)
	if err != nil {
		t.Fatalf("PresignGet(%q): %v", key, err)
	}
	return sr
}

// withKey returns rawURL with its key (the end of the path) replaced.
func withKey(t *testing.T, rawURL, key, other string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	base, ok := strings.CutSuffix(u.Path, "/"+key)
	if !ok {
		t.Fatalf("signed URL path %q does not end with its key %q", u.Path, key)
	}
	u.Path, u.RawPath = base+"/"+other, ""
	return u.String()
}

// withBadSignature returns rawURL with one character of its signature
// changed, leaving the rest of the query exactly as it was.
func withBadSignature(t *testing.T, rawURL string) string {
	t.Helper()
	base, query, _ := strings.Cut(rawURL, "?")
	parts := strings.Split(query, "&")
	for i, p := range parts {
		name, value, _ := strings.Cut(p, "=")
		if (name == "sig" || strings.EqualFold(name, "X-Amz-Signature")) && value != "" {
			c := byte('0')
			if value[0] == '0' {
				c = '1'
			}
			parts[i] = name + "=" + string(c) + value[1:]
			return base + "?" + strings.Join(parts, "&")
		}
	}
	t.Fatalf("no signature parameter (sig or X-Amz-Signature) in %s", rawURL)
	return ""
}

func testSignedPut(t *testing.T, s blob.Store) {
	content := randomBytes(t, 70_000)
	const key, ct, ttl = "groups/g1/upload.pdf", "application/pdf", 5 * time.Minute
	before := time.Now()
	sr := presignPut(t, s, key, int64(len(content)), ct, ttl)
	if sr.Method != http.MethodPut || sr.Headers["Content-Type"] != ct || sr.Headers["If-None-Match"] != "*" {
		t.Errorf("signed request method %q headers %v, want PUT with Content-Type %q and If-None-Match *", sr.Method, sr.Headers, ct)
	}
	if sr.ExpiresAt.Before(before.Add(ttl-2*time.Second)) || sr.ExpiresAt.After(time.Now().Add(ttl)) {
		t.Errorf("ExpiresAt = %v, want about %v", sr.ExpiresAt, before.Add(ttl))
	}
	status, _, body := send(t, sr, content)
	want2xx(t, "signed PUT", status, body)

	got, info := readAll(t, s, key)
	if !bytes.Equal(got, content) {
		t.Errorf("Open after a signed PUT returned %d different bytes", len(got))
	}
	checkInfo(t, info, key, int64(len(content)), ct)

	t.Run("GetWithADownloadName", func(t *testing.T) {
		const name = "résumé 2024 \"final\".pdf"
		get := presignGet(t, s, key, time.Minute, name)
		if get.Method != http.MethodGet {
			t.Errorf("method %q, want GET", get.Method)
		}
		status, h, body := send(t, get, nil)
		want2xx(t, "signed GET", status, body)
		if !bytes.Equal(body, content) {
			t.Errorf("signed GET returned %d different bytes", len(body))
		}
		if h.Get("Content-Type") != ct {
			t.Errorf("Content-Type %q, want %q", h.Get("Content-Type"), ct)
		}
		cd := h.Get("Content-Disposition")
		wantExt := "filename*=UTF-8''r%C3%A9sum%C3%A9%202024%20%22final%22.pdf"
		if !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, wantExt) {
			t.Errorf("Content-Disposition %q, want attachment with %s", cd, wantExt)
		}
	})
	t.Run("GetWithoutANameIsNotAnAttachment", func(t *testing.T) {
		status, h, body := send(t, presignGet(t, s, key, time.Minute, ""), nil)
		want2xx(t, "signed GET", status, body)
		if !bytes.Equal(body, content) {
			t.Errorf("signed GET returned %d different bytes", len(body))
		}
		if cd := h.Get("Content-Disposition"); strings.HasPrefix(cd, "attachment") {
			t.Errorf("Content-Disposition %q, want inline or none", cd)
		}
	})
	// Issue 12 defect 7: the URL writes once. A second PUT through it (an
	// attachment swapped after the message was sent) is refused and the
	// object keeps its content.
	t.Run("ThePutURLWritesOnce", func(t *testing.T) {
		other := randomBytes(t, len(content))
		status, _, body := send(t, sr, other)
		want4xx(t, "second PUT through the same URL", status, body)
		if status != http.StatusPreconditionFailed {
			t.Errorf("second PUT: status %d, want 412", status)
		}
		got, _ := readAll(t, s, key)
		if !bytes.Equal(got, content) {
			t.Fatal("a second PUT replaced the object")
		}
		// A fresh URL for the same key cannot overwrite it either.
		status, _, body = send(t, presignPut(t, s, key, int64(len(other)), ct, ttl), other)
		want4xx(t, "PUT through a new URL for a stored key", status, body)
		if got, _ := readAll(t, s, key); !bytes.Equal(got, content) {
			t.Fatal("a new URL replaced the object")
		}
	})
	t.Run("ThePutURLCannotReadAndTheGetURLCannotWrite", func(t *testing.T) {
		status, _, body := do(t, http.MethodGet, sr.URL, nil, nil)
		want4xx(t, "GET with a PUT URL", status, body)
		get := presignGet(t, s, key, time.Minute, "")
		status, _, body = do(t, http.MethodPut, get.URL, map[string]string{"Content-Type": ct}, content)
		want4xx(t, "PUT with a GET URL", status, body)
	})
}

func testSignedPutWrongSize(t *testing.T, s blob.Store) {
	const key, ct = "groups/g1/sized.png", "image/png"
	sr := presignPut(t, s, key, 1000, ct, time.Minute)
	for _, n := range []int{1001, 999, 0} {
		status, _, body := send(t, sr, bytes.Repeat([]byte("x"), n))
		want4xx(t, "PUT of a body of another size", status, body)
	}
	assertAbsent(t, s, key)
}

func testSignedPutWrongType(t *testing.T, s blob.Store) {
	const key, ct = "groups/g1/typed.png", "image/png"
	content := []byte("<svg onload=alert(1)>")
	sr := presignPut(t, s, key, int64(len(content)), ct, time.Minute)
	for _, other := range []string{"image/svg+xml", "text/html", "image/png; charset=utf-8", ""} {
		status, _, body := do(t, sr.Method, sr.URL, map[string]string{"Content-Type": other}, content)
		want4xx(t, "PUT with Content-Type "+other, status, body)
	}
	assertAbsent(t, s, key)
}

func testSignedPutTampered(t *testing.T, s blob.Store) {
	const key, other, ct = "groups/g1/mine", "groups/g1/theirs", "text/plain"
	content := []byte("hello")
	sr := presignPut(t, s, key, int64(len(content)), ct, time.Minute)

	status, _, body := do(t, sr.Method, withKey(t, sr.URL, key, other), sr.Headers, content)
	want4xx(t, "PUT to another key", status, body)
	status, _, body = do(t, sr.Method, withBadSignature(t, sr.URL), sr.Headers, content)
	want4xx(t, "PUT with a changed signature", status, body)
	assertAbsent(t, s, key)
	assertAbsent(t, s, other)
}

func testSignedGetTampered(t *testing.T, s blob.Store) {
	const key, other = "groups/g1/public", "groups/g2/secret"
	put(t, s, key, []byte("public"), "text/plain")
	put(t, s, other, []byte("confidential 42"), "text/plain")
	sr := presignGet(t, s, key, time.Minute, "")

	status, _, body := send(t, blob.SignedRequest{Method: sr.Method, URL: withKey(t, sr.URL, key, other)}, nil)
	want4xx(t, "GET of another key", status, body)
	if bytes.Contains(body, []byte("confidential 42")) {
		t.Errorf("GET of another key returned its content")
	}
	status, _, body = send(t, blob.SignedRequest{Method: sr.Method, URL: withBadSignature(t, sr.URL)}, nil)
	want4xx(t, "GET with a changed signature", status, body)
}

func testSignedGetMissing(t *testing.T, s blob.Store) {
	status, _, body := send(t, presignGet(t, s, "groups/g1/none", time.Minute, "x.txt"), nil)
	want4xx(t, "GET of a missing object", status, body)
}

// testExpired waits once, then checks a PUT URL and a GET URL in parallel.
func testExpired(t *testing.T, s blob.Store) {
	const key, getKey, ct = "groups/g1/late", "groups/g1/old", "text/plain"
	put(t, s, getKey, []byte("old"), ct)
	putReq := presignPut(t, s, key, 4, ct, time.Second)
	getReq := presignGet(t, s, getKey, time.Second, "")
	time.Sleep(2100 * time.Millisecond)

	t.Run("Put", func(t *testing.T) {
		t.Parallel()
		status, _, body := send(t, putReq, []byte("late"))
		want4xx(t, "expired PUT", status, body)
		assertAbsent(t, s, key)
	})
	t.Run("Get", func(t *testing.T) {
		t.Parallel()
		status, _, body := send(t, getReq, nil)
		want4xx(t, "expired GET", status, body)
		if string(body) == "old" {
			t.Errorf("expired GET returned the content")
		}
	})
}
