package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/httpapi"
)

// echoClaims answers 200 with the user id from the request context, and
// fails the test if Require let a request through without claims.
func echoClaims(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := FromContext(r.Context())
		if !ok {
			t.Error("handler reached without claims in the context")
		}
		w.Write([]byte(c.UserID + "/" + c.SessionID))
	})
}

func TestRequirePutsClaimsInTheContext(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	src := &source{}
	src.set(k)
	h := NewVerifier(src.get).Require(echoClaims(t))
	for _, header := range []string{"Bearer %s", "bearer %s", "BEARER  %s ", "  Bearer %s"} {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/users/me", nil)
		r.Header.Set("Authorization", strings.Replace(header, "%s", sign(t, k, validClaims()), 1))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK || w.Body.String() != "user-1/session-1" {
			t.Errorf("Authorization %q: %d %q, want 200 user-1/session-1", header, w.Code, w.Body.String())
		}
	}
}

func TestRequireAnswersJSON401ForGarbageHeaders(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	src := &source{}
	src.set(k)
	good := sign(t, k, validClaims())
	expired, err := Sign(k.kid, k.priv, Claims{UserID: "u", SessionID: "s", ExpiresAt: time.Now().Add(-time.Minute)}, time.Now().Add(-16*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		headers   []string // Authorization values; none = header absent
		challenge string
	}{
		{"no header", nil, "Bearer"},
		{"empty header", []string{""}, "Bearer"},
		{"scheme only", []string{"Bearer"}, "Bearer"},
		{"scheme and spaces", []string{"Bearer    "}, "Bearer"},
		{"basic auth", []string{"Basic dXNlcjpwYXNz"}, "Bearer"},
		{"token without scheme", []string{good}, "Bearer"},
		{"wrong scheme with a valid token", []string{"Token " + good}, "Bearer"},
		{"two headers", []string{"Bearer " + good, "Bearer " + good}, "Bearer"},
		{"garbage token", []string{"Bearer not-a-jwt"}, `Bearer error="invalid_token"`},
		{"three dots", []string{"Bearer ..."}, `Bearer error="invalid_token"`},
		{"token with spaces", []string{"Bearer " + good[:10] + " " + good[10:]}, `Bearer error="invalid_token"`},
		{"expired token", []string{"Bearer " + expired}, `Bearer error="invalid_token"`},
		{"tampered token", []string{"Bearer " + tamper(good)}, `Bearer error="invalid_token"`},
		{"huge token", []string{"Bearer " + strings.Repeat("a", 64<<10)}, `Bearer error="invalid_token"`},
		{"control characters", []string{"Bearer \x01\x02\x03"}, `Bearer error="invalid_token"`},
		{"alg none", []string{"Bearer " + forge(map[string]any{"alg": "none", "kid": "k1"}, payload(nil), nil)}, `Bearer error="invalid_token"`},
	}
	h := NewVerifier(src.get).Require(echoClaims(t))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/api/v1/users/me", nil)
			for _, v := range tc.headers {
				r.Header.Add("Authorization", v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401; body %s", w.Code, w.Body)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			var body httpapi.ErrorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q is not a JSON error: %v", w.Body, err)
			}
			if body.Error.Code != "unauthenticated" || body.Error.Message == "" {
				t.Errorf("error = %+v, want code unauthenticated with a message", body.Error)
			}
		})
	}
}

func TestRequireAnswers503WhenKeysCannotBeFetched(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	src := &source{}
	src.fail(errors.New("token role down"))
	h := NewVerifier(src.get).Require(echoClaims(t))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+sign(t, k, validClaims()))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503; body %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "token role down") {
		t.Errorf("body %s leaks the cause", w.Body)
	}
}

func TestWithClaimsRoundTrips(t *testing.T) {
	t.Parallel()
	if _, ok := FromContext(t.Context()); ok {
		t.Fatal("FromContext on a bare context reported claims")
	}
	want := Claims{UserID: "u", SessionID: "s", ExpiresAt: time.Unix(1, 0).UTC()}
	got, ok := FromContext(WithClaims(t.Context(), want))
	if !ok || got != want {
		t.Fatalf("FromContext = %+v, %v; want %+v, true", got, ok, want)
	}
}

// tamper changes one character inside the signature of a token, always to
// a different one (a change of the last characters could decode to the
// same bytes, or leave them as they were).
func tamper(tok string) string {
	i := len(tok) - 10
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}

func TestSignedRefusesRequestsWithoutClaims(t *testing.T) {
	ran := false
	passThrough := func(next http.Handler) http.Handler { return next } // a require that checks nothing
	h := Signed(passThrough, func(w http.ResponseWriter, r *http.Request, c Claims) { ran = true })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusUnauthorized || ran {
		t.Fatalf("status %d, handler ran: %v", rec.Code, ran)
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	h = Signed(passThrough, func(w http.ResponseWriter, r *http.Request, c Claims) {
		if c.UserID != "u1" {
			t.Errorf("claims = %+v", c)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	h.ServeHTTP(rec, req.WithContext(WithClaims(req.Context(), Claims{UserID: "u1"})))
	if rec.Code != http.StatusNoContent {
		t.Fatalf("signed request: status %d", rec.Code)
	}
}
