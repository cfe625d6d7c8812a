package user

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/sqlstore"
)

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("a reset code sets the password once and revokes every session", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("reset")
			a, b := e.login(u), e.login(u)
			rec := e.post("/api/v1/auth/password/forgot", map[string]string{"email": strings.ToUpper(u.Email)})
			wantStatus(t, rec, http.StatusAccepted)
			code := e.lastCode(u.Email, email.KindPasswordReset)
			wantStatus(t, e.post("/api/v1/auth/password/reset", map[string]string{"code": code, "password": "brand new password"}), http.StatusNoContent)
			if e.tokens.live(a.sid) || e.tokens.live(b.sid) {
				t.Fatal("a session survived the reset")
			}
			wantStatus(t, e.post("/api/v1/auth/login", map[string]string{"email": u.Email, "password": u.Password}), http.StatusUnauthorized)
			u.Password = "brand new password"
			e.login(u)
			b2 := wantStatus(t, e.post("/api/v1/auth/password/reset", map[string]string{"code": code, "password": "another password"}), http.StatusBadRequest)
			if b2.Error.Fields["code"] == "" {
				t.Fatalf("reused code: %+v", b2.Error)
			}
		})

		t.Run("a new code retires the older ones", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("older")
			wantStatus(t, e.post("/api/v1/auth/password/forgot", map[string]string{"email": u.Email}), http.StatusAccepted)
			first := e.lastCode(u.Email, email.KindPasswordReset)
			wantStatus(t, e.post("/api/v1/auth/password/forgot", map[string]string{"email": u.Email}), http.StatusAccepted)
			second := e.lastCode(u.Email, email.KindPasswordReset)
			wantStatus(t, e.post("/api/v1/auth/password/reset", map[string]string{"code": first, "password": "password one"}), http.StatusBadRequest)
			wantStatus(t, e.post("/api/v1/auth/password/reset", map[string]string{"code": second, "password": "password two"}), http.StatusNoContent)
		})

		t.Run("a code expires after an hour", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("expire")
			wantStatus(t, e.post("/api/v1/auth/password/forgot", map[string]string{"email": u.Email}), http.StatusAccepted)
			code := e.lastCode(u.Email, email.KindPasswordReset)
			e.clock.advance(ResetTTL + time.Second)
			wantStatus(t, e.post("/api/v1/auth/password/reset", map[string]string{"code": code, "password": "too late now"}), http.StatusBadRequest)
		})

		t.Run("refuses bad input and verification codes", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.register("badreset")
			b := wantStatus(t, e.post("/api/v1/auth/password/reset", map[string]string{"code": "", "password": "short"}), http.StatusBadRequest)
			if b.Error.Fields["code"] == "" || b.Error.Fields["password"] == "" {
				t.Fatalf("%+v", b.Error)
			}
			wantStatus(t, e.post("/api/v1/auth/password/reset", map[string]string{"code": "unknown", "password": "long enough"}), http.StatusBadRequest)
			wantStatus(t, e.post("/api/v1/auth/password/reset", map[string]string{"code": e.lastCode(u.Email, email.KindVerification), "password": "long enough"}), http.StatusBadRequest)
		})

		t.Run("a reset verifies an unverified account", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.register("unverreset")
			wantStatus(t, e.post("/api/v1/auth/password/forgot", map[string]string{"email": u.Email}), http.StatusAccepted)
			wantStatus(t, e.post("/api/v1/auth/password/reset", map[string]string{"code": e.lastCode(u.Email, email.KindPasswordReset), "password": "now verified"}), http.StatusNoContent)
			u.Password = "now verified"
			e.login(u)
			evs := e.events(u.ID)
			if len(evs) != 2 || evs[1].Type != EventVerified {
				t.Fatalf("events %+v", evs)
			}
		})

		t.Run("keeps the old password and the code when sessions cannot be revoked", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("tokdown")
			s := e.login(u)
			wantStatus(t, e.post("/api/v1/auth/password/forgot", map[string]string{"email": u.Email}), http.StatusAccepted)
			code := e.lastCode(u.Email, email.KindPasswordReset)
			e.tokens.setRevokeErr(errTokenRoleDown)
			wantStatus(t, e.post("/api/v1/auth/password/reset", map[string]string{"code": code, "password": "never applied"}), http.StatusServiceUnavailable)
			if !e.tokens.live(s.sid) {
				t.Fatal("session revoked although the call failed")
			}
			e.tokens.setRevokeErr(nil)
			e.login(u) // old password still valid
			wantStatus(t, e.post("/api/v1/auth/password/reset", map[string]string{"code": code, "password": "applied now"}), http.StatusNoContent)
		})

		t.Run("forgot answers 202 and sends nothing for an unknown address", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ghost := uniq("ghost") + "@example.com"
			rec := e.post("/api/v1/auth/password/forgot", map[string]string{"email": ghost})
			wantStatus(t, rec, http.StatusAccepted)
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM outbox WHERE topic = ? AND payload LIKE ?", MailTopic, "%"+ghost+"%").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatal("a reset mail was queued for an unknown address")
			}
			wantStatus(t, e.post("/api/v1/auth/password/forgot", map[string]string{"email": "no"}), http.StatusBadRequest)
		})

		t.Run("forgot is limited per address and per client address", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("bomb")
			for i := range limitForgotEmail.rate.N + 1 {
				rec := e.post("/api/v1/auth/password/forgot", map[string]string{"email": u.Email})
				if i < limitForgotEmail.rate.N {
					wantStatus(t, rec, http.StatusAccepted)
				} else {
					wantStatus(t, rec, http.StatusTooManyRequests)
				}
			}
			if n := len(e.mails(u.Email)); n != 1+limitForgotEmail.rate.N {
				t.Fatalf("%d mails", n)
			}
			for i := range limitForgotAddr.rate.N + 1 {
				rec := e.do(req{method: "POST", path: "/api/v1/auth/password/forgot", remote: "198.51.100.7:1",
					body: map[string]string{"email": uniq("spray") + "@example.com"}})
				if i < limitForgotAddr.rate.N {
					wantStatus(t, rec, http.StatusAccepted)
				} else {
					wantStatus(t, rec, http.StatusTooManyRequests)
				}
			}
		})
	})
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("changes the password and revokes the other sessions only", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("change")
			mine, other := e.login(u), e.login(u)
			rec := e.do(req{method: "PUT", path: "/api/v1/users/me/password", bearer: mine.access,
				body: map[string]string{"currentPassword": u.Password, "newPassword": "a better password"}})
			wantStatus(t, rec, http.StatusNoContent)
			if !e.tokens.live(mine.sid) || e.tokens.live(other.sid) {
				t.Fatalf("mine live %v, other live %v", e.tokens.live(mine.sid), e.tokens.live(other.sid))
			}
			wantStatus(t, e.post("/api/v1/auth/login", map[string]string{"email": u.Email, "password": u.Password}), http.StatusUnauthorized)
			u.Password = "a better password"
			e.login(u)
		})

		t.Run("refuses a wrong current password with 403", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("wrongcur")
			s := e.login(u)
			for _, cur := range []string{"not it", strings.Repeat("x", 200)} {
				b := wantStatus(t, e.do(req{method: "PUT", path: "/api/v1/users/me/password", bearer: s.access,
					body: map[string]string{"currentPassword": cur, "newPassword": "whatever123"}}), http.StatusForbidden)
				if b.Error.Code != "forbidden" {
					t.Fatalf("%+v", b.Error)
				}
			}
			e.login(u)
		})

		t.Run("refuses bad input, missing tokens and too many attempts", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("badchange")
			s := e.login(u)
			b := wantStatus(t, e.do(req{method: "PUT", path: "/api/v1/users/me/password", bearer: s.access,
				body: map[string]string{"currentPassword": "", "newPassword": "short"}}), http.StatusBadRequest)
			if b.Error.Fields["currentPassword"] == "" || b.Error.Fields["newPassword"] == "" {
				t.Fatalf("%+v", b.Error)
			}
			wantStatus(t, e.do(req{method: "PUT", path: "/api/v1/users/me/password",
				body: map[string]string{"currentPassword": u.Password, "newPassword": "whatever123"}}), http.StatusUnauthorized)
			for range limitPasswordCheck.rate.N {
				wantStatus(t, e.do(req{method: "PUT", path: "/api/v1/users/me/password", bearer: s.access,
					body: map[string]string{"currentPassword": "guess", "newPassword": "whatever123"}}), http.StatusForbidden)
			}
			wantStatus(t, e.do(req{method: "PUT", path: "/api/v1/users/me/password", bearer: s.access,
				body: map[string]string{"currentPassword": u.Password, "newPassword": "whatever123"}}), http.StatusTooManyRequests)
		})
	})
}

func TestPasswordHashes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, err := newHasher(DefaultHashParams, 2)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.hash(ctx, "pässwörd 🔑")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %s", enc)
	}
	if again, _ := h.hash(ctx, "pässwörd 🔑"); again == enc {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if ok, stale, err := h.check(ctx, enc, "pässwörd 🔑"); !ok || stale || err != nil {
		t.Fatalf("right password: ok=%v stale=%v err=%v", ok, stale, err)
	}
	if ok, _, _ := h.check(ctx, enc, "passwörd 🔑"); ok {
		t.Fatal("wrong password accepted")
	}
	cheap, _ := newHasher(testHash, 1)
	if _, stale, _ := cheap.check(ctx, enc, "x"); !stale {
		t.Fatal("a hash with other parameters is not reported stale")
	}
	for _, bad := range []string{
		"", "$2a$10$bcrypt", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if _, _, err := h.check(ctx, bad, "x"); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
	if err := h.checkDummy(ctx, "anything"); err != nil {
		t.Fatal(err)
	}
}
