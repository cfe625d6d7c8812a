package search_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/ratelimit"
	"github.com/parleychat/parley/internal/search"
	"github.com/parleychat/parley/internal/user"
)

func asErr(err error, target **errs.Error) bool { return errors.As(err, target) }

// fakeRequire authenticates a request by its X-Test-User header, as
// auth.Verifier.Require would by its token.
func fakeRequire(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Test-User")
		if id == "" {
			http.Error(w, `{"error":{"code":"unauthenticated"}}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithClaims(r.Context(), auth.Claims{UserID: id})))
	})
}

type failingLimiter struct{}

func (failingLimiter) Allow(context.Context, string, ratelimit.Rate) (ratelimit.Decision, error) {
	return ratelimit.Decision{}, errors.New("redis: connection refused")
}

func newServer(t *testing.T, limiter search.Limiter, rate ratelimit.Rate) *httptest.Server {
	t.Helper()
	svc := newService(t)
	pic := "/api/v1/users/u2/picture?v=1"
	for _, c := range []user.Changed{
		{UserID: "u1", Username: "Alice"},
		{UserID: "u2", Username: "Albert", PictureURL: &pic},
		{UserID: "u3", Username: "malice"},
		{UserID: "u4", Username: "zed", DisplayName: "Alice Z."},
	} {
		handle(t, svc, userEvent(t, user.EventVerified, time.Now(), c))
	}
	h, err := search.NewHandler(search.HandlerConfig{Service: svc, Require: fakeRequire, Limiter: limiter, Rate: rate})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, as string, query url.Values) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/search/users?"+query.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if as != "" {
		req.Header.Set("X-Test-User", as)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil && res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("decode body: %v", err)
	}
	return res, body
}

func TestSearchEndpointAnswersRankedUsers(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ratelimit.NewMemory(), ratelimit.Rate{})
	res, body := get(t, srv, "me", url.Values{"q": {" alice "}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d (%s), want 200", res.StatusCode, body)
	}
	// The exact username, then the display name prefix, then trigrams.
	want := `{"items":[{"id":"u1","username":"Alice","pictureUrl":null},{"id":"u4","username":"zed","displayName":"Alice Z.","pictureUrl":null},{"id":"u3","username":"malice","pictureUrl":null}]}`
	if !jsonEqual(t, body, []byte(want)) {
		t.Errorf("body = %s, want %s", body, want)
	}
	_, body = get(t, srv, "me", url.Values{"q": {"al"}, "limit": {"1"}})
	var got search.Results
	if err := json.Unmarshal(body, &got); err != nil || len(got.Items) != 1 {
		t.Fatalf("limit=1 body = %s, want one item", body)
	}
	_, body = get(t, srv, "me", url.Values{"q": {"albert"}})
	want = `{"items":[{"id":"u2","username":"Albert","pictureUrl":"/api/v1/users/u2/picture?v=1"}]}`
	if !jsonEqual(t, body, []byte(want)) {
		t.Errorf("body = %s, want %s", body, want)
	}
	_, body = get(t, srv, "me", url.Values{"q": {"zzz"}})
	if !jsonEqual(t, body, []byte(`{"items":[]}`)) {
		t.Errorf("no match body = %s, want an empty items array", body)
	}
}

func TestSearchEndpointRejectsBadParameters(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ratelimit.NewMemory(), ratelimit.Rate{})
	for name, q := range map[string]url.Values{
		"missing q":      {},
		"blank q":        {"q": {"   "}},
		"q too long":     {"q": {strings.Repeat("a", 65)}},
		"limit zero":     {"q": {"al"}, "limit": {"0"}},
		"limit over 50":  {"q": {"al"}, "limit": {"51"}},
		"limit not int":  {"q": {"al"}, "limit": {"ten"}},
		"limit is empty": {"q": {"al"}, "limit": {""}},
	} {
		res, body := get(t, srv, "me", q)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status = %d (%s), want 400", name, res.StatusCode, body)
		}
	}
	if res, _ := get(t, srv, "", url.Values{"q": {"al"}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous: status = %d, want 401", res.StatusCode)
	}
}

func TestSearchEndpointRateLimitsEachUser(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ratelimit.NewMemory(), ratelimit.Rate{N: 3, Per: time.Minute})
	for i := range 3 {
		if res, body := get(t, srv, "alice", url.Values{"q": {"al"}}); res.StatusCode != http.StatusOK {
			t.Fatalf("search %d: status = %d (%s), want 200", i+1, res.StatusCode, body)
		}
	}
	res, body := get(t, srv, "alice", url.Values{"q": {"al"}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("4th search: status = %d, Retry-After %q (%s); want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if res, _ := get(t, srv, "bob", url.Values{"q": {"al"}}); res.StatusCode != http.StatusOK {
		t.Errorf("another user: status = %d, want 200 (limits are per user)", res.StatusCode)
	}
}

func TestSearchEndpointAnswers503WhenTheLimiterIsDown(t *testing.T) {
	t.Parallel()
	srv := newServer(t, failingLimiter{}, ratelimit.Rate{})
	if res, body := get(t, srv, "me", url.Values{"q": {"al"}}); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status = %d (%s), want 503", res.StatusCode, body)
	}
}

func TestNewHandlerRequiresItsDependencies(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	for name, c := range map[string]search.HandlerConfig{
		"no service": {Require: fakeRequire, Limiter: ratelimit.NewMemory()},
		"no require": {Service: svc, Limiter: ratelimit.NewMemory()},
		"no limiter": {Service: svc, Require: fakeRequire},
		"bad rate":   {Service: svc, Require: fakeRequire, Limiter: ratelimit.NewMemory(), Rate: ratelimit.Rate{N: 1}},
	} {
		if _, err := search.NewHandler(c); err == nil {
			t.Errorf("%s: NewHandler succeeded", name)
		}
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("unmarshal %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
