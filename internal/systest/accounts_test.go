package systest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// signUp registers and verifies a user through the mailed link, and
// returns a signed-in client.
func signUp(t testing.TB, c *Cluster, username, password string) (*Client, map[string]any) {
	t.Helper()
	cl := c.NewClient(t)
	email := strings.ToLower(username) + "@example.com"
	r := cl.Do("POST", "/api/v1/users", map[string]string{"username": username, "email": email, "password": password})
	Expect(t, "register "+username, r, 201, "")
	code := LinkCode(t, c.Mail.Wait(t, email, "confirm"), "/verify/")
	Expect(t, "verify "+username, cl.Do("POST", "/api/v1/users/verify", map[string]string{"code": code}), 200, "")
	login := cl.Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password})
	Expect(t, "login "+username, login, 200, "")
	m := login.Map(t)
	cl.Token = m["accessToken"].(string)
	return cl, m["user"].(map[string]any)
}

// TestAccounts walks every accounts endpoint of API.md with its success
// and error cases, in both modes.
func TestAccounts(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := Start(t, mode)
			testRegistrationAndVerification(t, c)
			testSessions(t, c)
			testPasswords(t, c)
			testPictures(t, c)
			testAbuseLimits(t, c)
		})
	}
}

func testRegistrationAndVerification(t *testing.T, c *Cluster) {
	anon := c.NewClient(t)
	reg := func(u, e, p string) Response {
		return anon.Do("POST", "/api/v1/users", map[string]string{"username": u, "email": e, "password": p})
	}
	r := reg("alice", "Alice@Example.com", "correct horse")
	Expect(t, "register", r, 201, "")
	me := r.Map(t)
	if me["username"] != "alice" || me["email"] != "alice@example.com" || me["emailVerified"] != false || me["id"] == "" {
		t.Fatalf("register answered %v", me)
	}
	for _, bad := range []struct{ what, u, e, p, field string }{
		{"short username", "al", "a2@example.com", "correct horse", "username"},
		{"bad username", "al ice", "a3@example.com", "correct horse", "username"},
		{"bad email", "alice2", "not-an-email", "correct horse", "email"},
		{"short password", "alice3", "a4@example.com", "short", "password"},
	} {
		r := reg(bad.u, bad.e, bad.p)
		Expect(t, bad.what, r, 400, "invalid")
		if f, _ := r.Map(t)["error"].(map[string]any)["fields"].(map[string]any); f[bad.field] == nil {
			t.Fatalf("%s: no fields.%s in %s", bad.what, bad.field, r.Body)
		}
	}
	r = reg("ALICE", "other@example.com", "correct horse")
	Expect(t, "duplicate username (case-insensitive)", r, 409, "conflict")
	if !strings.Contains(string(r.Body), `"username"`) {
		t.Fatalf("duplicate username without fields.username: %s", r.Body)
	}
	r = reg("alice9", "alice@example.com", "correct horse")
	Expect(t, "duplicate email", r, 409, "conflict")
	Expect(t, "malformed JSON", anon.Do("POST", "/api/v1/users", "not an object"), 400, "invalid")

	mail := c.Mail.Wait(t, "alice@example.com", "confirm")
	if !strings.Contains(mail.HTML, "/verify/") || !strings.Contains(mail.Text, c.URL+"/verify/") {
		t.Fatalf("verification mail lacks a link to %s/verify/: %s", c.URL, mail.Text)
	}
	code := LinkCode(t, mail, "/verify/")

	login := map[string]string{"email": "alice@example.com", "password": "correct horse"}
	r = anon.Do("POST", "/api/v1/auth/login", login)
	Expect(t, "login before verification", r, 403, "forbidden")
	if !strings.Contains(string(r.Body), "email_not_verified") {
		t.Fatalf("no email_not_verified detail: %s", r.Body)
	}

	Expect(t, "resend", anon.Do("POST", "/api/v1/users/verify/resend", map[string]string{"email": "alice@example.com"}), 202, "")
	c.Mail.Wait(t, "alice@example.com", "confirm")
	Expect(t, "resend to nobody", anon.Do("POST", "/api/v1/users/verify/resend", map[string]string{"email": "nobody@example.com"}), 202, "")

	Expect(t, "verify with a bad code", anon.Do("POST", "/api/v1/users/verify", map[string]string{"code": "nope"}), 400, "invalid")
	r = anon.Do("POST", "/api/v1/users/verify", map[string]string{"code": code})
	Expect(t, "verify", r, 200, "")
	if r.Map(t)["emailVerified"] != true {
		t.Fatalf("verify answered %s", r.Body)
	}
	Expect(t, "verify twice", anon.Do("POST", "/api/v1/users/verify", map[string]string{"code": code}), 400, "invalid")

	time.Sleep(50 * time.Millisecond)
	if n := c.Mail.Count("nobody@example.com"); n != 0 {
		t.Fatalf("a mail went to an address with no account")
	}
}

func testSessions(t *testing.T, c *Cluster) {
	cl := c.NewClient(t)
	wrong := cl.Do("POST", "/api/v1/auth/login", map[string]string{"email": "alice@example.com", "password": "wrong password"})
	unknown := cl.Do("POST", "/api/v1/auth/login", map[string]string{"email": "zed@example.com", "password": "wrong password"})
	Expect(t, "wrong password", wrong, 401, "unauthenticated")
	Expect(t, "unknown email", unknown, 401, "unauthenticated")
	if string(wrong.Body) != string(unknown.Body) {
		t.Fatalf("login reveals which emails exist:\n%s\n%s", wrong.Body, unknown.Body)
	}

	r := cl.Do("POST", "/api/v1/auth/login", map[string]string{"email": "ALICE@example.com", "password": "correct horse"})
	Expect(t, "login", r, 200, "")
	m := r.Map(t)
	cl.Token, _ = m["accessToken"].(string)
	if cl.Token == "" || m["expiresAt"] == nil || m["user"].(map[string]any)["username"] != "alice" {
		t.Fatalf("login answered %s", r.Body)
	}
	sc := r.Header.Get("Set-Cookie")
	for _, want := range []string{"parley_refresh=", "Path=/api/v1/auth", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("refresh cookie %q lacks %s", sc, want)
		}
	}

	r = cl.Do("GET", "/api/v1/users/me", nil)
	Expect(t, "me", r, 200, "")
	me := r.Map(t)
	if me["email"] != "alice@example.com" || me["emailVerified"] != true {
		t.Fatalf("me = %v", me)
	}
	id := me["id"].(string)
	anon := c.NewClient(t)
	Expect(t, "me without a token", anon.Do("GET", "/api/v1/users/me", nil), 401, "unauthenticated")
	anon.Token = "garbage.token.here"
	Expect(t, "me with a garbage token", anon.Do("GET", "/api/v1/users/me", nil), 401, "unauthenticated")
	anon.Token = ""

	r = cl.Do("GET", "/api/v1/users/"+id, nil)
	Expect(t, "public user", r, 200, "")
	if u := r.Map(t); u["username"] != "alice" || u["email"] != nil {
		t.Fatalf("public user leaks or lacks fields: %v", u)
	}
	Expect(t, "unknown user", cl.Do("GET", "/api/v1/users/0190f3a0-0000-7000-8000-000000000000", nil), 404, "not_found")
	Expect(t, "malformed user id", cl.Do("GET", "/api/v1/users/..%2f..", nil), 404, "")

	// Refresh needs the CSRF header, rotates the cookie, and a replayed
	// (stolen) old cookie kills the whole family.
	old := cl.Cookie("parley_refresh", "/api/v1/auth/refresh")
	Expect(t, "refresh without CSRF header", cl.Do("POST", "/api/v1/auth/refresh", nil), 403, "forbidden")
	r = cl.Do("POST", "/api/v1/auth/refresh", nil, "X-Parley-CSRF", "1")
	Expect(t, "refresh", r, 200, "")
	if r.Map(t)["accessToken"] == nil {
		t.Fatalf("refresh answered %s", r.Body)
	}
	rotated := cl.Cookie("parley_refresh", "/api/v1/auth/refresh")
	if rotated == "" || rotated == old {
		t.Fatal("refresh did not rotate the cookie")
	}
	// A second tab refreshing with the same cookie at once gets the same
	// new cookie (issue 12 defect 11), not a revoked session.
	tab := c.NewClient(t)
	tab.SetCookie("parley_refresh", old, "/api/v1/auth")
	Expect(t, "a concurrent duplicate refresh", tab.Do("POST", "/api/v1/auth/refresh", nil, "X-Parley-CSRF", "1"), 200, "")
	if got := tab.Cookie("parley_refresh", "/api/v1/auth/refresh"); got != rotated {
		t.Fatalf("the duplicate got another cookie than the first refresh")
	}
	Expect(t, "refresh again", cl.Do("POST", "/api/v1/auth/refresh", nil, "X-Parley-CSRF", "1"), 200, "")
	// A stolen cookie older than the last rotation is reuse.
	thief := c.NewClient(t)
	thief.SetCookie("parley_refresh", old, "/api/v1/auth")
	Expect(t, "replayed old refresh token", thief.Do("POST", "/api/v1/auth/refresh", nil, "X-Parley-CSRF", "1"), 401, "unauthenticated")
	Expect(t, "rotated token after reuse", cl.Do("POST", "/api/v1/auth/refresh", nil, "X-Parley-CSRF", "1"), 401, "unauthenticated")
	Expect(t, "refresh without a cookie", anon.Do("POST", "/api/v1/auth/refresh", nil, "X-Parley-CSRF", "1"), 401, "unauthenticated")

	// Logout revokes this session's family and clears the cookie.
	r = cl.Do("POST", "/api/v1/auth/login", map[string]string{"email": "alice@example.com", "password": "correct horse"})
	Expect(t, "login again", r, 200, "")
	cl.Token = r.Map(t)["accessToken"].(string)
	session := cl.Cookie("parley_refresh", "/api/v1/auth/refresh")
	Expect(t, "logout", cl.Do("POST", "/api/v1/auth/logout", nil), 204, "")
	if cl.Cookie("parley_refresh", "/api/v1/auth/refresh") != "" {
		t.Fatal("logout did not clear the cookie")
	}
	cl.SetCookie("parley_refresh", session, "/api/v1/auth")
	Expect(t, "refresh after logout", cl.Do("POST", "/api/v1/auth/refresh", nil, "X-Parley-CSRF", "1"), 401, "unauthenticated")
	Expect(t, "logout without a token", anon.Do("POST", "/api/v1/auth/logout", nil), 401, "unauthenticated")
}

func testPasswords(t *testing.T, c *Cluster) {
	cl, _ := signUp(t, c, "bob", "first password")
	other, _ := signUp(t, c, "bob2", "another password")
	_ = other
	second := c.NewClient(t) // bob's second session
	r := second.Do("POST", "/api/v1/auth/login", map[string]string{"email": "bob@example.com", "password": "first password"})
	Expect(t, "second session", r, 200, "")

	pw := func(cur, next string) Response {
		return cl.Do("PUT", "/api/v1/users/me/password", map[string]string{"currentPassword": cur, "newPassword": next})
	}
	Expect(t, "change with wrong current", pw("not it", "second password"), 403, "forbidden")
	Expect(t, "change to a short password", pw("first password", "short"), 400, "invalid")
	Expect(t, "change password", pw("first password", "second password"), 204, "")
	Expect(t, "other session revoked by change", second.Do("POST", "/api/v1/auth/refresh", nil, "X-Parley-CSRF", "1"), 401, "unauthenticated")
	Expect(t, "this session kept", cl.Do("POST", "/api/v1/auth/refresh", nil, "X-Parley-CSRF", "1"), 200, "")

	anon := c.NewClient(t)
	Expect(t, "forgot", anon.Do("POST", "/api/v1/auth/password/forgot", map[string]string{"email": "bob@example.com"}), 202, "")
	Expect(t, "forgot for nobody", anon.Do("POST", "/api/v1/auth/password/forgot", map[string]string{"email": "ghost@example.com"}), 202, "")
	mail := c.Mail.Wait(t, "bob@example.com", "reset")
	code := LinkCode(t, mail, "/reset-password/")
	Expect(t, "reset with a bad code", anon.Do("POST", "/api/v1/auth/password/reset", map[string]string{"code": "bad", "password": "third password"}), 400, "invalid")
	Expect(t, "reset to a short password", anon.Do("POST", "/api/v1/auth/password/reset", map[string]string{"code": code, "password": "x"}), 400, "invalid")
	Expect(t, "reset", anon.Do("POST", "/api/v1/auth/password/reset", map[string]string{"code": code, "password": "third password"}), 204, "")
	Expect(t, "reset code is single use", anon.Do("POST", "/api/v1/auth/password/reset", map[string]string{"code": code, "password": "fourth password"}), 400, "invalid")
	Expect(t, "every session revoked by reset", cl.Do("POST", "/api/v1/auth/refresh", nil, "X-Parley-CSRF", "1"), 401, "unauthenticated")
	Expect(t, "old password after reset", anon.Do("POST", "/api/v1/auth/login", map[string]string{"email": "bob@example.com", "password": "second password"}), 401, "unauthenticated")
	Expect(t, "new password after reset", anon.Do("POST", "/api/v1/auth/login", map[string]string{"email": "bob@example.com", "password": "third password"}), 200, "")
	if c.Mail.Count("ghost@example.com") != 0 {
		t.Fatal("forgot-password mailed an address with no account")
	}
}

func testPictures(t *testing.T, c *Cluster) {
	cl, me := signUp(t, c, "carol", "carol password")
	if me["pictureUrl"] != nil {
		t.Fatalf("new user has a picture: %v", me)
	}
	Expect(t, "delete missing picture", cl.Do("DELETE", "/api/v1/users/me/picture", nil), 404, "not_found")
	Expect(t, "text as a picture", cl.Upload("PUT", "/api/v1/users/me/picture", "picture", "x.png", "image/png", []byte("hello, not an image")), 400, "invalid")
	Expect(t, "picture too large", cl.Upload("PUT", "/api/v1/users/me/picture", "picture", "big.png", "image/png", bytes.Repeat([]byte{0}, 6<<20)), 413, "too_large")

	r := cl.Upload("PUT", "/api/v1/users/me/picture", "picture", "me.png", "image/png", pngBytes(t, 64, 48))
	Expect(t, "upload picture", r, 200, "")
	url, _ := r.Map(t)["pictureUrl"].(string)
	if url == "" {
		t.Fatalf("no pictureUrl after upload: %s", r.Body)
	}
	anon := c.NewClient(t)
	pic := anon.Do("GET", strings.TrimPrefix(url, c.URL), nil)
	if pic.Status == http.StatusFound {
		res, err := http.Get(pic.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		pic.Status, pic.Header = res.StatusCode, res.Header
	}
	if pic.Status != 200 || !strings.HasPrefix(pic.Header.Get("Content-Type"), "image/") {
		t.Fatalf("picture GET = %d %s", pic.Status, pic.Header.Get("Content-Type"))
	}
	r = cl.Upload("PUT", "/api/v1/users/me/picture", "picture", "me2.png", "image/png", pngBytes(t, 20, 20))
	Expect(t, "replace picture", r, 200, "")
	if r.Map(t)["pictureUrl"] == url {
		t.Fatal("a new picture keeps the old versioned URL")
	}
	Expect(t, "delete picture", cl.Do("DELETE", "/api/v1/users/me/picture", nil), 204, "")
	id := me["id"].(string)
	Expect(t, "picture after delete", anon.Do("GET", "/api/v1/users/"+id+"/picture", nil), 404, "not_found")
}

func testAbuseLimits(t *testing.T, c *Cluster) {
	cl := c.NewClient(t)
	login := map[string]string{"email": "mallory@example.com", "password": "guess guess"}
	for i := range 10 {
		Expect(t, fmt.Sprintf("login attempt %d", i+1), cl.Do("POST", "/api/v1/auth/login", login), 401, "unauthenticated")
	}
	r := cl.Do("POST", "/api/v1/auth/login", login)
	Expect(t, "login attempt 11", r, 429, "rate_limited")
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra <= 0 {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	// Another address and another account are not affected.
	Expect(t, "other account", cl.Do("POST", "/api/v1/auth/login", map[string]string{"email": "trudy@example.com", "password": "guess guess"}), 401, "unauthenticated")

	// Issue 12 defect 6: an attacker's wrong passwords for an account lock
	// out the attacker's address, never the owner, who logs in from their
	// own (and stays signed in while the attacker keeps trying).
	_, victim := signUp(t, c, "victim", "victim password")
	attacker := c.NewClient(t)
	wrong := map[string]string{"email": victim["email"].(string), "password": "not the password"}
	for range 12 {
		attacker.Do("POST", "/api/v1/auth/login", wrong)
	}
	Expect(t, "the attacker is limited", attacker.Do("POST", "/api/v1/auth/login", wrong), 429, "rate_limited")
	owner := c.NewClient(t)
	Expect(t, "the owner logs in from elsewhere", owner.Do("POST", "/api/v1/auth/login", map[string]string{"email": victim["email"].(string), "password": "victim password"}), 200, "")

	forgot := map[string]string{"email": "mallory@example.com"}
	for i := range 3 {
		Expect(t, fmt.Sprintf("forgot %d", i+1), cl.Do("POST", "/api/v1/auth/password/forgot", forgot), 202, "")
	}
	Expect(t, "forgot 4", cl.Do("POST", "/api/v1/auth/password/forgot", forgot), 429, "rate_limited")
}
