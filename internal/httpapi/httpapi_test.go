package httpapi

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleychat/parley/internal/errs"
)

func decodeBody(t *testing.T, rec *httptest.ResponseRecorder) ErrorBody {
	t.Helper()
	var b ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("not a JSON error: %q", rec.Body.String())
	}
	return b
}

func TestErrorMapsKindsToStatusAndCode(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{errs.E(errs.Invalid, "bad"), 400, "invalid"},
		{errs.E(errs.Unauthenticated, "who"), 401, "unauthenticated"},
		{errs.E(errs.Forbidden, "no").WithDetail("email_not_verified"), 403, "forbidden"},
		{fmt.Errorf("load: %w", errs.E(errs.NotFound, "gone")), 404, "not_found"},
		{errs.E(errs.Conflict, "taken"), 409, "conflict"},
		{errs.E(errs.TooLarge, "big"), 413, "too_large"},
		{&RetryAfter{Seconds: 30, Err: errs.E(errs.RateLimited, "slow down")}, 429, "rate_limited"},
		{errs.E(errs.Unavailable, "later"), 503, "unavailable"},
		{errors.New("db password is hunter2"), 500, "internal"},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			rec := httptest.NewRecorder()
			var logs bytes.Buffer
			Error(rec, httptest.NewRequest("GET", "/x", nil), slog.New(slog.NewTextHandler(&logs, nil)), tc.err)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d", rec.Code, tc.status)
			}
			b := decodeBody(t, rec)
			if b.Error.Code != tc.code {
				t.Fatalf("code = %q, want %q", b.Error.Code, tc.code)
			}
			if strings.Contains(rec.Body.String(), "hunter2") {
				t.Fatal("internal error details leaked to the client")
			}
			if tc.status == 500 && !strings.Contains(logs.String(), "hunter2") {
				t.Fatal("internal error not logged")
			}
			if tc.status == 429 && rec.Header().Get("Retry-After") != "30" {
				t.Fatalf("Retry-After = %q", rec.Header().Get("Retry-After"))
			}
		})
	}
}

func TestFieldErrorsCarryFieldsAndDetail(t *testing.T) {
	rec := httptest.NewRecorder()
	Error(rec, httptest.NewRequest("GET", "/", nil), nil, errs.Field("email", "already registered"))
	b := decodeBody(t, rec)
	if b.Error.Fields["email"] != "already registered" {
		t.Fatalf("fields = %v", b.Error.Fields)
	}
}

type sample struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func TestDecodeRejectsBadBodiesWithClearErrors(t *testing.T) {
	cases := []struct {
		name, body, ctype string
		kind              errs.Kind
		field, mention    string
	}{
		{"empty", "", "application/json", errs.Invalid, "", "empty"},
		{"syntax", `{"name":`, "application/json", errs.Invalid, "", "truncated"},
		{"garbage", `{name}`, "application/json", errs.Invalid, "", "not valid JSON"},
		{"wrong type", `{"count":"x"}`, "application/json", errs.Invalid, "count", "number"},
		{"unknown field", `{"nmae":"x"}`, "application/json", errs.Invalid, "nmae", "unknown"},
		{"two values", `{} {}`, "application/json", errs.Invalid, "", "single"},
		{"not json type", `{}`, "text/plain", errs.UnsupportedMedia, "", "application/json"},
		{"form type", `name=x`, "application/x-www-form-urlencoded", errs.UnsupportedMedia, "", "application/json"},
		{"no type", `{}`, "", errs.UnsupportedMedia, "", "application/json"},
		{"json with charset", `{`, "application/json; charset=utf-8", errs.Invalid, "", "truncated"},
		{"array", `[1]`, "application/json", errs.Invalid, "", "object"},
		{"too large", `{"name":"` + strings.Repeat("a", DefaultBodyLimit) + `"}`, "application/json", errs.TooLarge, "", "larger"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.ctype)
			_, err := Decode[sample](r)
			if errs.KindOf(err) != tc.kind {
				t.Fatalf("kind = %v (%v), want %v", errs.KindOf(err), err, tc.kind)
			}
			e := errs.As(err)
			if tc.field != "" && e.Fields[tc.field] == "" {
				t.Fatalf("fields = %v, want %q", e.Fields, tc.field)
			}
			if !strings.Contains(e.Message, tc.mention) {
				t.Fatalf("message %q does not mention %q", e.Message, tc.mention)
			}
		})
	}
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"name":"a","count":2}`))
	r.Header.Set("Content-Type", "application/json")
	got, err := Decode[sample](r)
	if err != nil || got != (sample{"a", 2}) {
		t.Fatalf("good body: %+v %v", got, err)
	}
}

func TestMiddlewareRecoversPanicsWithoutLeaking(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret state") }), log, NewMetrics(prometheus.NewRegistry()), 0)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret") {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
	id := rec.Header().Get("X-Request-Id")
	if id == "" || !strings.Contains(rec.Body.String(), id) || !strings.Contains(logs.String(), "secret state") {
		t.Fatalf("request id / log missing: id=%q body=%q logs=%q", id, rec.Body.String(), logs.String())
	}
}

func TestMiddlewareRequestIDAndBodyLimit(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			Error(w, r, nil, errs.E(errs.TooLarge, "too big"))
			return
		}
		w.Write([]byte(RequestID(r.Context())))
	}), log, nil, 10)

	rec := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/", strings.NewReader("small"))
	r.Header.Set("X-Request-Id", "abc-123")
	h.ServeHTTP(rec, r)
	if rec.Body.String() != "abc-123" {
		t.Fatalf("incoming request id not kept: %q", rec.Body.String())
	}

	rec = httptest.NewRecorder()
	r = httptest.NewRequest("POST", "/", strings.NewReader("small"))
	r.Header.Set("X-Request-Id", "bad id\nwith newline")
	h.ServeHTTP(rec, r)
	if strings.Contains(rec.Body.String(), "newline") || rec.Body.Len() != 16 {
		t.Fatalf("unsafe request id accepted: %q", rec.Body.String())
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 11))))
	if rec.Code != 413 {
		t.Fatalf("body over the cap: status %d", rec.Code)
	}
}

// TestReadyzDetailsOnlyOnTheAdminListener is issue 12 defect 13: the
// public /readyz says ready or not, with no adapter error text, and the
// public port serves no /metrics; the admin listener names each check and
// its error and serves the metrics.
func TestReadyzDetailsOnlyOnTheAdminListener(t *testing.T) {
	h := NewHealth([]string{"web"}, prometheus.NewRegistry())
	public, admin := http.NewServeMux(), http.NewServeMux()
	h.Register(public)
	h.RegisterAdmin(admin)

	get := func(mux *http.ServeMux, path string) (int, map[string]any, string) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		var m map[string]any
		json.Unmarshal(rec.Body.Bytes(), &m)
		return rec.Code, m, rec.Body.String()
	}
	for _, mux := range []*http.ServeMux{public, admin} {
		if code, m, _ := get(mux, "/readyz"); code != 200 || m["status"] != "ready" {
			t.Fatalf("no checks: %d %v", code, m)
		}
	}
	h.Add("db", func(context.Context) error { return nil })
	h.Add("events", func(context.Context) error { return errors.New("broker kafka-1.internal:9092 down") })

	code, m, body := get(public, "/readyz")
	if code != 503 || m["status"] != "not_ready" || len(m) != 1 || strings.Contains(body, "kafka-1") {
		t.Fatalf("public readyz with a failing check: %d %s", code, body)
	}
	code, m, _ = get(admin, "/readyz")
	checks, _ := m["checks"].(map[string]any)
	if code != 503 || m["status"] != "not_ready" || checks == nil {
		t.Fatalf("admin readyz with a failing check: %d %v", code, m)
	}
	if checks["db"].(map[string]any)["status"] != "ok" || checks["events"].(map[string]any)["error"] != "broker kafka-1.internal:9092 down" {
		t.Fatalf("checks = %v", checks)
	}
	for _, mux := range []*http.ServeMux{public, admin} {
		if code, _, _ := get(mux, "/healthz"); code != 200 {
			t.Fatalf("healthz = %d while a dependency fails; it must only say the process is alive", code)
		}
	}
	if code, _, _ := get(admin, "/metrics"); code != 200 {
		t.Fatalf("admin metrics = %d", code)
	}
	if code, _, _ := get(public, "/metrics"); code != 404 {
		t.Fatalf("public metrics = %d, want 404", code)
	}
}

func TestClientIPBelievesOnlyTrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct{ remote, xff, want string }{
		{"203.0.113.7:5555", "", "203.0.113.7"},
		{"203.0.113.7:5555", "1.2.3.4", "203.0.113.7"},                        // untrusted peer cannot forge
		{"127.0.0.1:5555", "198.51.100.9", "198.51.100.9"},                    // ingress on loopback
		{"127.0.0.1:5555", "6.6.6.6, 198.51.100.9, 10.1.1.1", "198.51.100.9"}, // nearest untrusted hop
		{"127.0.0.1:5555", "garbage", "127.0.0.1"},
		{"[::ffff:127.0.0.1]:1", "198.51.100.9", "198.51.100.9"},
		{"not-an-addr", "", "invalid IP"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := ClientIP(r, trusted).String(); got != tc.want {
			t.Errorf("%s + %q = %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestUnreachableDependencyIsUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	for name, err := range map[string]error{
		"refused dial":   fmt.Errorf("read membership: %w", refused),
		"bad connection": fmt.Errorf("insert: %w", driver.ErrBadConn),
		"reset":          fmt.Errorf("query: %w", syscall.ECONNRESET),
	} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			var logs bytes.Buffer
			Error(rec, httptest.NewRequest("GET", "/x", nil), slog.New(slog.NewTextHandler(&logs, nil)), err)
			if rec.Code != 503 || decodeBody(t, rec).Error.Code != "unavailable" || rec.Header().Get("Retry-After") != "1" {
				t.Fatalf("%d %s (Retry-After %q), want 503 unavailable", rec.Code, rec.Body.String(), rec.Header().Get("Retry-After"))
			}
			if strings.Contains(rec.Body.String(), "membership") || !strings.Contains(logs.String(), "unavailable") {
				t.Fatalf("the cause leaked (%s) or was not logged (%s)", rec.Body.String(), logs.String())
			}
		})
	}
}

// TestClientIPsWarnsOnceAboutAnUntrustedProxy is the suspected item of
// issue 12 about clients behind a non-loopback ingress sharing one budget:
// the node says so, once, when a peer outside trusted_proxies sends
// X-Forwarded-For, and never for trusted peers or plain clients.
func TestClientIPsWarnsOnceAboutAnUntrustedProxy(t *testing.T) {
	var logs bytes.Buffer
	ip := ClientIPs([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, slog.New(slog.NewTextHandler(&logs, nil)))
	req := func(remote, xff string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return r
	}
	if a := ip(req("127.0.0.1:1", "203.0.113.9")); a.String() != "203.0.113.9" || logs.Len() != 0 {
		t.Fatalf("trusted proxy: %v, logged %q", a, logs.String())
	}
	if a := ip(req("198.51.100.7:1", "")); a.String() != "198.51.100.7" || logs.Len() != 0 {
		t.Fatalf("plain client: %v, logged %q", a, logs.String())
	}
	for range 3 {
		if a := ip(req("10.0.0.5:1", "203.0.113.9")); a.String() != "10.0.0.5" {
			t.Fatalf("untrusted proxy: %v", a)
		}
	}
	if n := strings.Count(logs.String(), "trusted_proxies"); n != 2 || !strings.Contains(logs.String(), "10.0.0.5") {
		t.Fatalf("want one warning naming the peer, got %q", logs.String())
	}
}
