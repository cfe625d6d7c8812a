package user

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/sqlstore"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("answers tokens, Me and a strict refresh cookie", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("login")
			rec := e.post("/api/v1/auth/login", map[string]string{"email": strings.ToUpper(u.Email), "password": u.Password})
			wantStatus(t, rec, http.StatusOK)
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil || len(raw) != 3 || raw["accessToken"] == nil || raw["expiresAt"] == nil || raw["user"] == nil {
				t.Fatalf("login body = %s", rec.Body.String())
			}
			body := decode[accessResponse](t, rec)
			if body.User == nil || body.User.ID != u.ID || !body.User.EmailVerified || body.User.Email != u.Email {
				t.Fatalf("user = %+v", body.User)
			}
			if d := time.Until(body.ExpiresAt); d < 14*time.Minute || d > 16*time.Minute {
				t.Errorf("expiresAt %v", body.ExpiresAt)
			}
			c := refreshCookie(t, rec)
			if c.Path != "/api/v1/auth" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("cookie attributes: %s", rec.Header().Get("Set-Cookie"))
			}
			if c.MaxAge < 30*24*3600-60 || c.MaxAge > 30*24*3600 {
				t.Errorf("cookie Max-Age %d, want the refresh lifetime", c.MaxAge)
			}
			if cl, ok := e.tokens.claims(body.AccessToken); !ok || cl.UserID != u.ID {
				t.Fatalf("access token claims %+v", cl)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("tokens may be cached")
			}
		})

		t.Run("sets no Secure cookie when the public URL is plain http", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db, withPublicURL("http://localhost:8080"))
			u := e.verified("plain")
			rec := e.post("/api/v1/auth/login", map[string]string{"email": u.Email, "password": u.Password})
			wantStatus(t, rec, http.StatusOK)
			if c := refreshCookie(t, rec); c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("cookie: %s", rec.Header().Get("Set-Cookie"))
			}
		})

		t.Run("answers unknown address and wrong password identically", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("enum")
			wrong := e.post("/api/v1/auth/login", map[string]string{"email": u.Email, "password": "not the password"})
			unknown := e.post("/api/v1/auth/login", map[string]string{"email": uniq("nobody") + "@example.com", "password": "not the password"})
			malformed := e.post("/api/v1/auth/login", map[string]string{"email": "not an address", "password": "not the password"})
			wantStatus(t, wrong, http.StatusUnauthorized)
			for _, rec := range []*httptest.ResponseRecorder{unknown, malformed} {
				wantStatus(t, rec, http.StatusUnauthorized)
				if rec.Body.String() != wrong.Body.String() {
					t.Fatalf("bodies differ:\n%s\n%s", rec.Body.String(), wrong.Body.String())
				}
			}
			if len(wrong.Result().Cookies()) != 0 {
				t.Error("a failed login set a cookie")
			}
		})

		t.Run("tells an unverified account only once the password matched", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.register("unver")
			b := wantStatus(t, e.post("/api/v1/auth/login", map[string]string{"email": u.Email, "password": "wrong password"}), http.StatusUnauthorized)
			if b.Error.Detail != "" {
				t.Fatalf("wrong password revealed %q", b.Error.Detail)
			}
			b = wantStatus(t, e.post("/api/v1/auth/login", map[string]string{"email": u.Email, "password": u.Password}), http.StatusForbidden)
			if b.Error.Code != "forbidden" || b.Error.Detail != "email_not_verified" {
				t.Fatalf("%+v", b.Error)
			}
		})

		t.Run("refuses missing fields with 400", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			b := wantStatus(t, e.post("/api/v1/auth/login", map[string]string{"email": ""}), http.StatusBadRequest)
			if b.Error.Fields["email"] == "" || b.Error.Fields["password"] == "" {
				t.Fatalf("%+v", b.Error)
			}
		})

		t.Run("limits attempts per address and client address, counting before the password is checked", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("brute")
			from := func(email, password string) *httptest.ResponseRecorder {
				return e.do(req{method: "POST", path: "/api/v1/auth/login", remote: "192.0.2.10:1000", body: map[string]string{"email": email, "password": password}})
			}
			for range limitLoginEmailAddr.rate.N - 1 {
				wantStatus(t, from(u.Email, "guess"), http.StatusUnauthorized)
			}
			// A success does not reset the count.
			wantStatus(t, from(u.Email, u.Password), http.StatusOK)
			rec := from(u.Email, u.Password)
			b := wantStatus(t, rec, http.StatusTooManyRequests)
			if b.Error.Code != "rate_limited" || rec.Header().Get("Retry-After") != "90" {
				t.Fatalf("%+v Retry-After %q", b.Error, rec.Header().Get("Retry-After"))
			}
			// Unknown addresses are limited the same way.
			ghost := uniq("ghost") + "@example.com"
			for range limitLoginEmailAddr.rate.N {
				wantStatus(t, from(ghost, "guess"), http.StatusUnauthorized)
			}
			wantStatus(t, from(ghost, "guess"), http.StatusTooManyRequests)
		})

		// Issue 12 defect 6: wrong passwords from one client address never
		// lock the account's owner out from another.
		t.Run("an attacker's failures do not lock the owner out", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("victim")
			attacker, owner := "203.0.113.7:4000", "198.51.100.9:5000"
			for i := range limitLoginEmailAddr.rate.N + 5 {
				rec := e.do(req{method: "POST", path: "/api/v1/auth/login", remote: attacker, body: map[string]string{"email": u.Email, "password": "guess"}})
				if i >= limitLoginEmailAddr.rate.N {
					wantStatus(t, rec, http.StatusTooManyRequests)
				}
			}
			rec := e.do(req{method: "POST", path: "/api/v1/auth/login", remote: owner, body: map[string]string{"email": u.Email, "password": u.Password}})
			wantStatus(t, rec, http.StatusOK)
			// The attacker stays limited, even with the right password.
			rec = e.do(req{method: "POST", path: "/api/v1/auth/login", remote: attacker, body: map[string]string{"email": u.Email, "password": u.Password}})
			wantStatus(t, rec, http.StatusTooManyRequests)
		})

		t.Run("limits attempts per client address across accounts", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			for i := range limitLoginAddr.rate.N + 1 {
				rec := e.do(req{method: "POST", path: "/api/v1/auth/login", remote: "[2001:db8:1:2:3::4]:443",
					body: map[string]string{"email": uniq("spray") + "@example.com", "password": "guess"}})
				if i < limitLoginAddr.rate.N {
					wantStatus(t, rec, http.StatusUnauthorized)
				} else {
					wantStatus(t, rec, http.StatusTooManyRequests)
				}
			}
			// Another address of the same IPv6 /64 shares the count.
			rec := e.do(req{method: "POST", path: "/api/v1/auth/login", remote: "[2001:db8:1:2:ffff::1]:443",
				body: map[string]string{"email": uniq("spray") + "@example.com", "password": "guess"}})
			wantStatus(t, rec, http.StatusTooManyRequests)
		})

		t.Run("fails closed with 503 when the limiter is down", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("down")
			e.limiter.setErr(errors.New("redis: connection refused"))
			rec := e.post("/api/v1/auth/login", map[string]string{"email": u.Email, "password": u.Password})
			b := wantStatus(t, rec, http.StatusServiceUnavailable)
			if strings.Contains(b.Error.Message, "redis") {
				t.Fatalf("internal detail leaked: %q", b.Error.Message)
			}
		})

		t.Run("upgrades a hash made with older parameters", func(t *testing.T) {
			t.Parallel()
			old := newEnv(t, db)
			u := old.verified("upgrade")
			newer := HashParams{Memory: 512, Time: 2, Threads: 1}
			e := newEnv(t, db, withHash(newer))
			e.login(u)
			var hash string
			if err := db.QueryRow("SELECT password_hash FROM users WHERE id = ?", u.ID).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(hash, "$argon2id$v=19$m=512,t=2,p=1$") {
				t.Fatalf("hash not upgraded: %s", hash)
			}
			e.login(u)
		})
	})
}

func TestRefreshAndLogout(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		csrf := map[string]string{CSRFHeader: "1"}

		t.Run("refresh rotates the cookie and answers a new access token", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			s := e.login(e.verified("refresh"))
			rec := e.do(req{method: "POST", path: "/api/v1/auth/refresh", cookie: s.refresh, headers: csrf})
			wantStatus(t, rec, http.StatusOK)
			var raw map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil || len(raw) != 2 || raw["accessToken"] == nil || raw["expiresAt"] == nil {
				t.Fatalf("refresh body %s", rec.Body.String())
			}
			c := refreshCookie(t, rec)
			if c.Value == s.refresh || c.Path != RefreshPath || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Fatalf("cookie %s", rec.Header().Get("Set-Cookie"))
			}
			// The rotated token is now a reuse: refused, cookie cleared,
			// and the family revoked.
			rec = e.do(req{method: "POST", path: "/api/v1/auth/refresh", cookie: s.refresh, headers: csrf})
			wantStatus(t, rec, http.StatusUnauthorized)
			if c := refreshCookie(t, rec); c.MaxAge >= 0 || c.Value != "" {
				t.Errorf("cookie not cleared: %s", rec.Header().Get("Set-Cookie"))
			}
			if e.tokens.live(s.sid) {
				t.Error("reuse did not revoke the family")
			}
		})

		t.Run("refresh needs the CSRF header and the cookie", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			s := e.login(e.verified("csrf"))
			b := wantStatus(t, e.do(req{method: "POST", path: "/api/v1/auth/refresh", cookie: s.refresh}), http.StatusForbidden)
			if !strings.Contains(b.Error.Message, "X-Parley-CSRF") {
				t.Errorf("message %q", b.Error.Message)
			}
			wantStatus(t, e.do(req{method: "POST", path: "/api/v1/auth/refresh", cookie: s.refresh, headers: map[string]string{CSRFHeader: "yes"}}), http.StatusForbidden)
			wantStatus(t, e.do(req{method: "POST", path: "/api/v1/auth/refresh", headers: csrf}), http.StatusUnauthorized)
			wantStatus(t, e.do(req{method: "POST", path: "/api/v1/auth/refresh", cookie: "forged", headers: csrf}), http.StatusUnauthorized)
			// The real cookie still works: refused attempts did not touch it.
			wantStatus(t, e.do(req{method: "POST", path: "/api/v1/auth/refresh", cookie: s.refresh, headers: csrf}), http.StatusOK)
		})

		t.Run("logout revokes the session, clears the cookie, and needs a token", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			s := e.login(e.verified("logout"))
			wantStatus(t, e.do(req{method: "POST", path: "/api/v1/auth/logout", cookie: s.refresh}), http.StatusUnauthorized)
			rec := e.do(req{method: "POST", path: "/api/v1/auth/logout", bearer: s.access, cookie: s.refresh})
			wantStatus(t, rec, http.StatusNoContent)
			if c := refreshCookie(t, rec); c.MaxAge >= 0 || c.Path != RefreshPath {
				t.Errorf("cookie not cleared: %s", rec.Header().Get("Set-Cookie"))
			}
			if e.tokens.live(s.sid) {
				t.Fatal("session still live")
			}
			wantStatus(t, e.do(req{method: "POST", path: "/api/v1/auth/refresh", cookie: s.refresh, headers: csrf}), http.StatusUnauthorized)
			// Logging out twice is fine.
			wantStatus(t, e.do(req{method: "POST", path: "/api/v1/auth/logout", bearer: s.access}), http.StatusNoContent)
		})

		t.Run("logout also revokes the cookie's session when it is another one", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("two")
			a, b := e.login(u), e.login(u)
			wantStatus(t, e.do(req{method: "POST", path: "/api/v1/auth/logout", bearer: a.access, cookie: b.refresh}), http.StatusNoContent)
			if e.tokens.live(a.sid) || e.tokens.live(b.sid) {
				t.Fatal("a session survived")
			}
			if err := e.svc.Logout(context.Background(), "session-unknown", ""); err != nil {
				t.Fatalf("logout of an unknown session: %v", err)
			}
		})
	})
}
