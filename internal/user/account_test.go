package user

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/sqlstore"
)

func TestRegistration(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("creates an unverified account, its event and its verification mail", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			name := uniq("Ada.")
			rec := e.post("/api/v1/users", map[string]string{"username": name, "email": "  " + strings.ToUpper(name) + "@Example.COM ", "password": "s3cret-enough"})
			wantStatus(t, rec, http.StatusCreated)
			var raw map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"id", "username", "email", "emailVerified", "createdAt", "pictureUrl"} {
				if _, ok := raw[k]; !ok {
					t.Errorf("Me lacks %q: %v", k, raw)
				}
			}
			if len(raw) != 6 {
				t.Errorf("Me has extra fields: %v", raw)
			}
			me := decode[Me](t, rec)
			wantEmail := strings.ToLower(name) + "@example.com"
			if me.Username != name || me.Email != wantEmail || me.EmailVerified || me.PictureURL != nil || !validID(me.ID) {
				t.Fatalf("Me = %+v", me)
			}
			if time.Since(me.CreatedAt) > time.Minute || me.CreatedAt.Location() != time.UTC {
				t.Errorf("createdAt = %v", me.CreatedAt)
			}
			evs := e.events(me.ID)
			if len(evs) != 1 || evs[0].Type != EventRegistered {
				t.Fatalf("events = %+v", evs)
			}
			var reg map[string]any
			if err := json.Unmarshal(evs[0].Payload, &reg); err != nil || reg["userId"] != me.ID || reg["username"] != name || len(reg) != 2 {
				t.Fatalf("user.registered payload = %s", evs[0].Payload)
			}
			mails := e.mails(wantEmail)
			if len(mails) != 1 || mails[0].Kind != email.KindVerification || mails[0].To != wantEmail || mails[0].Username != name || len(mails[0].Code) < 40 {
				t.Fatalf("mails = %+v", mails)
			}
			// Only the code's digest is stored.
			var stored string
			if err := db.QueryRow("SELECT code_hash FROM user_codes WHERE user_id = ?", me.ID).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if stored == mails[0].Code || stored != codeDigest(mails[0].Code) {
				t.Fatalf("stored code %q for mailed code %q", stored, mails[0].Code)
			}
			if e.notified.Load() == 0 {
				t.Error("the relay was not notified after the commit")
			}
		})

		t.Run("reports every invalid field at once", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			long := strings.Repeat("a", 250) + "@example.com"
			for _, tc := range []struct {
				name   string
				body   map[string]string
				fields []string
			}{
				{"short username", map[string]string{"username": "ab", "email": "ab@example.com", "password": "password1"}, []string{"username"}},
				{"long username", map[string]string{"username": strings.Repeat("a", 33), "email": "x@example.com", "password": "password1"}, []string{"username"}},
				{"username with a space", map[string]string{"username": "ada lovelace", "email": "x@example.com", "password": "password1"}, []string{"username"}},
				{"username with unicode", map[string]string{"username": "adé", "email": "x@example.com", "password": "password1"}, []string{"username"}},
				{"no email", map[string]string{"username": "adaxyz", "email": "", "password": "password1"}, []string{"email"}},
				{"email without domain", map[string]string{"username": "adaxyz", "email": "ada@", "password": "password1"}, []string{"email"}},
				{"email with display name", map[string]string{"username": "adaxyz", "email": "Ada <ada@example.com>", "password": "password1"}, []string{"email"}},
				{"email too long", map[string]string{"username": "adaxyz", "email": long, "password": "password1"}, []string{"email"}},
				{"short password", map[string]string{"username": "adaxyz", "email": "x@example.com", "password": "1234567"}, []string{"password"}},
				{"long password", map[string]string{"username": "adaxyz", "email": "x@example.com", "password": strings.Repeat("p", 129)}, []string{"password"}},
				{"everything wrong", map[string]string{"username": "a", "email": "nope", "password": "x"}, []string{"username", "email", "password"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					b := wantStatus(t, e.post("/api/v1/users", tc.body), http.StatusBadRequest)
					if b.Error.Code != "invalid" || len(b.Error.Fields) != len(tc.fields) {
						t.Fatalf("error = %+v, want fields %v", b.Error, tc.fields)
					}
					for _, f := range tc.fields {
						if b.Error.Fields[f] == "" {
							t.Errorf("fields lack %q: %v", f, b.Error.Fields)
						}
					}
				})
			}
			// A password of 128 characters (multi-byte ones) is fine.
			name := uniq("long")
			wantStatus(t, e.post("/api/v1/users", map[string]string{"username": name, "email": name + "@example.com", "password": strings.Repeat("é", 128)}), http.StatusCreated)
		})

		t.Run("refuses malformed bodies with 400", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			for _, body := range []string{"", "{", `{"username": 3}`, `{"username":"a","nickname":"b"}`, `[]`} {
				b := wantStatus(t, e.do(req{method: "POST", path: "/api/v1/users", body: body, contentType: "application/json"}), http.StatusBadRequest)
				if b.Error.Code != "invalid" {
					t.Errorf("body %q: %+v", body, b.Error)
				}
			}
		})

		t.Run("refuses a taken username or address whatever its case, naming the field", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.register("taken")
			other := uniq("other")
			cases := []struct {
				username, email string
				fields          []string
			}{
				{strings.ToUpper(u.Username), other + "@example.com", []string{"username"}},
				{other, strings.ToUpper(u.Email), []string{"email"}},
				{strings.ToLower(u.Username), u.Email, []string{"username", "email"}},
			}
			for _, tc := range cases {
				b := wantStatus(t, e.post("/api/v1/users", map[string]string{"username": tc.username, "email": tc.email, "password": "password1"}), http.StatusConflict)
				if b.Error.Code != "conflict" || len(b.Error.Fields) != len(tc.fields) {
					t.Fatalf("%s/%s: %+v", tc.username, tc.email, b.Error)
				}
				for _, f := range tc.fields {
					if b.Error.Fields[f] == "" {
						t.Errorf("%s/%s: fields lack %q: %v", tc.username, tc.email, f, b.Error.Fields)
					}
				}
			}
		})

		t.Run("of two registrations of one name at once exactly one wins", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			name := uniq("race")
			codes := make([]int, 4)
			var wg sync.WaitGroup
			for i := range codes {
				wg.Go(func() {
					rec := e.post("/api/v1/users", map[string]string{"username": name, "email": name + string(rune('a'+i)) + "@example.com", "password": "password1"})
					codes[i] = rec.Code
				})
			}
			wg.Wait()
			won := 0
			for _, c := range codes {
				switch c {
				case http.StatusCreated:
					won++
				case http.StatusConflict:
				default:
					t.Fatalf("status %d", c)
				}
			}
			if won != 1 {
				t.Fatalf("%d registrations of one name succeeded: %v", won, codes)
			}
		})

		t.Run("limits registrations per client address", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			for i := range limitRegisterAddr.rate.N + 1 {
				name := uniq("lim")
				rec := e.do(req{method: "POST", path: "/api/v1/users", remote: "203.0.113.9:5555",
					body: map[string]string{"username": name, "email": name + "@example.com", "password": "password1"}})
				if i < limitRegisterAddr.rate.N {
					wantStatus(t, rec, http.StatusCreated)
					continue
				}
				b := wantStatus(t, rec, http.StatusTooManyRequests)
				if b.Error.Code != "rate_limited" || rec.Header().Get("Retry-After") != "360" {
					t.Fatalf("error %+v, Retry-After %q", b.Error, rec.Header().Get("Retry-After"))
				}
			}
		})
	})
}

func TestVerification(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("a code verifies once and emits user.verified", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.register("ver")
			code := e.lastCode(u.Email, email.KindVerification)
			rec := e.post("/api/v1/users/verify", map[string]string{"code": code})
			wantStatus(t, rec, http.StatusOK)
			me := decode[Me](t, rec)
			if !me.EmailVerified || me.ID != u.ID {
				t.Fatalf("Me = %+v", me)
			}
			evs := e.events(u.ID)
			if len(evs) != 2 || evs[1].Type != EventVerified {
				t.Fatalf("events = %+v", evs)
			}
			var ch map[string]any
			if err := json.Unmarshal(evs[1].Payload, &ch); err != nil || ch["userId"] != u.ID || ch["username"] != u.Username || ch["pictureUrl"] != nil || len(ch) != 3 {
				t.Fatalf("user.verified payload = %s", evs[1].Payload)
			}
			b := wantStatus(t, e.post("/api/v1/users/verify", map[string]string{"code": code}), http.StatusBadRequest)
			if b.Error.Fields["code"] == "" {
				t.Fatalf("reused code: %+v", b.Error)
			}
			if n := len(e.events(u.ID)); n != 2 {
				t.Fatalf("%d events after a reused code", n)
			}
		})

		t.Run("refuses unknown, empty, oversized and expired codes", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			for _, code := range []string{"nope", strings.Repeat("x", 5000), "", "../../etc"} {
				b := wantStatus(t, e.post("/api/v1/users/verify", map[string]string{"code": code}), http.StatusBadRequest)
				if b.Error.Fields["code"] == "" {
					t.Errorf("code %q: %+v", code, b.Error)
				}
			}
			u := e.register("exp")
			code := e.lastCode(u.Email, email.KindVerification)
			e.clock.advance(VerificationTTL + time.Second)
			wantStatus(t, e.post("/api/v1/users/verify", map[string]string{"code": code}), http.StatusBadRequest)
		})

		t.Run("a code still works just before it expires", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.register("fresh")
			e.clock.advance(VerificationTTL - time.Minute)
			wantStatus(t, e.post("/api/v1/users/verify", map[string]string{"code": e.lastCode(u.Email, email.KindVerification)}), http.StatusOK)
		})

		t.Run("a reset code does not verify", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("purp")
			wantStatus(t, e.post("/api/v1/auth/password/forgot", map[string]string{"email": u.Email}), http.StatusAccepted)
			wantStatus(t, e.post("/api/v1/users/verify", map[string]string{"code": e.lastCode(u.Email, email.KindPasswordReset)}), http.StatusBadRequest)
		})

		t.Run("of two uses of one code at once exactly one succeeds", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.register("twice")
			code := e.lastCode(u.Email, email.KindVerification)
			errs := make([]error, 4)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() { _, errs[i] = e.svc.Verify(context.Background(), code) })
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				}
			}
			if ok != 1 {
				t.Fatalf("%d uses succeeded: %v", ok, errs)
			}
			if n := len(e.events(u.ID)); n != 2 {
				t.Fatalf("%d events, want registered + one verified", n)
			}
		})
	})
}

func TestResendVerification(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("sends a new code to an unverified account; both codes work until one is used", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.register("resend")
			first := e.lastCode(u.Email, email.KindVerification)
			rec := e.post("/api/v1/users/verify/resend", map[string]string{"email": strings.ToUpper(u.Email)})
			wantStatus(t, rec, http.StatusAccepted)
			if rec.Body.Len() != 0 {
				t.Errorf("202 with a body: %q", rec.Body.String())
			}
			ms := e.mails(u.Email)
			if len(ms) != 2 || ms[1].Kind != email.KindVerification || ms[1].Code == first {
				t.Fatalf("mails = %+v", ms)
			}
			wantStatus(t, e.post("/api/v1/users/verify", map[string]string{"code": first}), http.StatusOK)
			// Verifying retires the other code.
			wantStatus(t, e.post("/api/v1/users/verify", map[string]string{"code": ms[1].Code}), http.StatusBadRequest)
		})

		t.Run("answers 202 and sends nothing for unknown or verified addresses", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("done")
			before := len(e.mails(u.Email))
			wantStatus(t, e.post("/api/v1/users/verify/resend", map[string]string{"email": u.Email}), http.StatusAccepted)
			if n := len(e.mails(u.Email)); n != before {
				t.Fatalf("a verified account got %d more mails", n-before)
			}
			ghost := uniq("ghost") + "@example.com"
			wantStatus(t, e.post("/api/v1/users/verify/resend", map[string]string{"email": ghost}), http.StatusAccepted)
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM outbox WHERE topic = ? AND payload LIKE ?", MailTopic, "%"+ghost+"%").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatal("a mail was queued for an unknown address")
			}
		})

		t.Run("refuses a malformed address", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			b := wantStatus(t, e.post("/api/v1/users/verify/resend", map[string]string{"email": "not-an-address"}), http.StatusBadRequest)
			if b.Error.Fields["email"] == "" {
				t.Fatalf("%+v", b.Error)
			}
		})

		t.Run("limits mails per address whether or not it has an account", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			for _, addr := range []string{e.register("lim").Email, uniq("nobody") + "@example.com"} {
				for i := range limitResendEmail.rate.N + 1 {
					rec := e.post("/api/v1/users/verify/resend", map[string]string{"email": addr})
					if i < limitResendEmail.rate.N {
						wantStatus(t, rec, http.StatusAccepted)
						continue
					}
					wantStatus(t, rec, http.StatusTooManyRequests)
					if rec.Header().Get("Retry-After") != "1200" {
						t.Errorf("Retry-After = %q", rec.Header().Get("Retry-After"))
					}
				}
			}
		})
	})
}
