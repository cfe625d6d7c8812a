package auth

import (
	"net/http"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
)

// Require lets a request through to next only with a valid
// "Authorization: Bearer <access token>" header, and puts the token's
// Claims in the request context (FromContext). Otherwise it answers a JSON
// error (httpapi.Error) without calling next: 401 unauthenticated for a
// missing, repeated, non-Bearer, malformed, expired or badly signed token,
// with a WWW-Authenticate: Bearer challenge (RFC 6750: error="invalid_token"
// when a token was presented); 503 unavailable when the keys cannot be
// fetched.
func (v *Verifier) Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, err := bearer(r)
		var c Claims
		if err == nil {
			c, err = v.Verify(r.Context(), token)
		}
		if err != nil {
			if errs.Is(err, errs.Unauthenticated) {
				challenge := "Bearer"
				if token != "" {
					challenge = `Bearer error="invalid_token"`
				}
				w.Header().Set("WWW-Authenticate", challenge)
			}
			httpapi.Error(w, r, nil, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithClaims(r.Context(), c)))
	})
}

// bearer extracts the token of the request's single Authorization header
// with the Bearer scheme (case-insensitive, RFC 7235).
func bearer(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		return "", errs.E(errs.Unauthenticated, "missing Authorization: Bearer header")
	case 1:
	default:
		return "", errs.E(errs.Unauthenticated, "more than one Authorization header")
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", errs.E(errs.Unauthenticated, "Authorization header must use the Bearer scheme")
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", errs.E(errs.Unauthenticated, "missing access token after Bearer")
	}
	return token, nil
}

// Signed wraps a handler that needs the caller's claims: require (usually
// Verifier.Require) authenticates the request, and a request that reaches
// f without claims (a misconfigured require) is answered 401, never run.
func Signed(require func(http.Handler) http.Handler, f func(w http.ResponseWriter, r *http.Request, c Claims)) http.Handler {
	return require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := FromContext(r.Context())
		if !ok || c.UserID == "" {
			httpapi.Error(w, r, nil, errs.E(errs.Unauthenticated, "not signed in"))
			return
		}
		f(w, r, c)
	}))
}
