package systest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// Client is one user's browser-like API client: a cookie jar (the refresh
// cookie), an access token, and helpers that fail the test on transport
// errors but return every status for the scenario to assert.
type Client struct {
	t     testing.TB
	base  string
	http  *http.Client
	Token string
	// userID is filled in by scenarios that need it.
	userID string
	// addr is the client address this client claims through the
	// ingress's X-Forwarded-For (the nodes trust loopback proxies), so
	// that per-address abuse limits see distinct users as distinct.
	addr string
}

var clientSeq atomic.Uint32

// NewClient returns a client for the cluster with an empty cookie jar.
func (c *Cluster) NewClient(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	n := clientSeq.Add(1)
	addr := fmt.Sprintf("198.18.%d.%d", n/250%250, n%250+1)
	return &Client{t: t, base: c.URL, addr: addr, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Response is a decoded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it is not JSON.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body is not JSON (%v): %s", err, r.Body)
	}
}

// Map decodes the body as a JSON object.
func (r Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// ErrorCode returns error.code of an error body ("" if none).
func (r Response) ErrorCode() string {
	var b struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(r.Body, &b)
	return b.Error.Code
}

// Do sends a request with an optional JSON body and extra headers.
func (c *Client) Do(method, path string, body any, headers ...string) Response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, headers)
}

// Upload sends a multipart form with one file field.
func (c *Client) Upload(method, path, field, filename, contentType string, data []byte) Response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="` + field + `"; filename="` + filename + `"`}
	h["Content-Type"] = []string{contentType}
	part, _ := mw.CreatePart(h)
	part.Write(data)
	mw.Close()
	req, err := http.NewRequest(method, c.base+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req, nil)
}

func (c *Client) send(req *http.Request, headers []string) Response {
	c.t.Helper()
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("X-Forwarded-For", c.addr)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Cookie returns the value of a cookie the client holds for path.
func (c *Client) Cookie(name, path string) string {
	u, _ := url.Parse(c.base + path)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie replaces a cookie (to replay a stolen one).
func (c *Client) SetCookie(name, value, path string) {
	u, _ := url.Parse(c.base + path)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: path}})
}

// Expect fails the test unless the response has the status (and, when
// code is not empty, the error code).
func Expect(t testing.TB, what string, r Response, status int, code string) {
	t.Helper()
	if r.Status != status || (code != "" && r.ErrorCode() != code) {
		t.Fatalf("%s: got %d %s, want %d %s", what, r.Status, strings.TrimSpace(string(r.Body)), status, code)
	}
}

// Try is Do without a body for goroutines other than the test's: it
// returns transport errors instead of failing the test.
func (c *Client) Try(method, path string) (Response, error) {
	req, err := http.NewRequest(method, c.base+path, nil)
	if err != nil {
		return Response{}, err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("X-Forwarded-For", c.addr)
	res, err := c.http.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}, err
}
