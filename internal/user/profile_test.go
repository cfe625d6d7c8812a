package user

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/sqlstore"
)

func TestDisplayNameRules(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Ada Lovelace":                "Ada Lovelace",
		"  Ada \t":                    "Ada",
		"\n Ada \r\n":                 "Ada",
		"":                            "",
		"   ":                         "",
		"Zoë 🦊":                       "Zoë 🦊",
		"👩\u200d💻 dev":                "👩\u200d💻 dev", // ZWJ sequence
		"李小龍":                         "李小龍",
		strings.Repeat("é", 64):       strings.Repeat("é", 64),
		" " + strings.Repeat("x", 64): strings.Repeat("x", 64),
	} {
		got, problem := normalizeDisplayName(in)
		if got != want || problem != "" {
			t.Errorf("normalizeDisplayName(%q) = %q, %q; want %q", in, got, problem, want)
		}
	}
	for _, in := range []string{
		strings.Repeat("x", 65),
		strings.Repeat("é", 65),
		"Ada\nLovelace",     // line break (Cc)
		"Ada\rLovelace",     // Cc
		"Ada\u0085Lovelace", // NEL (Cc)
		"Ada\u2028Lovelace", // line separator (Zl)
		"Ada\u2029Lovelace", // paragraph separator (Zp)
		"Ada\tLovelace",     // Cc
		"Ada\x00",           // Cc
		"Ada\x7f",           // DEL (Cc)
		"Ada\u200b",         // zero-width space (Cf)
		"Ada\u202e",         // right-to-left override (Cf)
		"\u2066Ada",         // isolate (Cf)
		"Ada\ufeff",         // BOM (Cf)
		"Ada\u00ad",         // soft hyphen (Cf)
		"Ada\ue000",         // private use (Co)
		"Ada\U000f0000",     // supplementary private use (Co)
		"Ada\ufffd",         // what a lone surrogate escape decodes to
		"Ada\xff",           // not UTF-8
		"Ada\xed\xa0\x80",   // a surrogate encoded in UTF-8 (invalid)
	} {
		if got, problem := normalizeDisplayName(in); problem == "" {
			t.Errorf("normalizeDisplayName(%q) = %q, accepted", in, got)
		}
	}
}

func TestDisplayName(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		patch := func(e *env, access string, body any) *httptest.ResponseRecorder {
			return e.do(req{method: "PATCH", path: "/api/v1/users/me", bearer: access, body: body, contentType: "application/json"})
		}
		me := func(e *env, access string) map[string]any {
			rec := e.do(req{method: "GET", path: "/api/v1/users/me", bearer: access})
			wantStatus(e.t, rec, http.StatusOK)
			var raw map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
				e.t.Fatal(err)
			}
			return raw
		}
		updated := func(e *env, id string) []Changed {
			var out []Changed
			for _, ev := range e.events(id) {
				if ev.Type != EventUpdated {
					continue
				}
				var c Changed
				if err := json.Unmarshal(ev.Payload, &c); err != nil {
					e.t.Fatal(err)
				}
				out = append(out, c)
			}
			return out
		}

		t.Run("sets, shows and clears the display name, with user.updated each time", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("dn")
			s := e.login(u)
			viewer := e.login(e.verified("viewer"))
			if _, ok := me(e, s.access)["displayName"]; ok {
				t.Fatal("displayName present before it was set")
			}

			rec := patch(e, s.access, map[string]any{"displayName": "  Ada Lovelace 🦊 "})
			wantStatus(t, rec, http.StatusOK)
			got := decode[Me](t, rec)
			if got.ID != u.ID || got.DisplayName != "Ada Lovelace 🦊" || got.Username != u.Username || got.Email != u.Email {
				t.Fatalf("PATCH answered %+v", got)
			}
			if m := me(e, s.access); m["displayName"] != "Ada Lovelace 🦊" {
				t.Fatalf("GET /users/me %v", m)
			}
			rec = e.do(req{method: "GET", path: "/api/v1/users/" + u.ID, bearer: viewer.access})
			wantStatus(t, rec, http.StatusOK)
			if pub := decode[User](t, rec); pub.DisplayName != "Ada Lovelace 🦊" {
				t.Fatalf("GET /users/{id} %+v", pub)
			}
			if g, err := e.svc.Get(t.Context(), u.ID); err != nil || g.DisplayName != "Ada Lovelace 🦊" {
				t.Fatalf("Directory.Get %+v, %v", g, err)
			}
			ev := updated(e, u.ID)
			if len(ev) != 1 || ev[0].DisplayName != "Ada Lovelace 🦊" || ev[0].UserID != u.ID || ev[0].Username != u.Username {
				t.Fatalf("user.updated events %+v", ev)
			}

			// The same name again: accepted, nothing emitted.
			wantStatus(t, patch(e, s.access, map[string]any{"displayName": "Ada Lovelace 🦊"}), http.StatusOK)
			if ev := updated(e, u.ID); len(ev) != 1 {
				t.Fatalf("an unchanged name emitted %d events", len(ev)-1)
			}

			// null, "" and white space all clear it.
			for i, clear := range []any{nil, "", " \t "} {
				wantStatus(t, patch(e, s.access, map[string]any{"displayName": "Name " + string(rune('A'+i))}), http.StatusOK)
				rec := patch(e, s.access, map[string]any{"displayName": clear})
				wantStatus(t, rec, http.StatusOK)
				var raw map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
					t.Fatal(err)
				}
				if _, ok := raw["displayName"]; ok {
					t.Fatalf("clearing with %q answered %v", clear, raw)
				}
				if _, ok := me(e, s.access)["displayName"]; ok {
					t.Fatalf("cleared with %q, still shown", clear)
				}
				ev := updated(e, u.ID)
				if last := ev[len(ev)-1]; last.DisplayName != "" {
					t.Fatalf("user.updated after clearing with %q: %+v", clear, last)
				}
			}
			if ev := updated(e, u.ID); len(ev) != 1+2*3 {
				t.Fatalf("%d user.updated events, want 7", len(ev))
			}
			// The event omits an unset name.
			for _, r := range e.outbox(Topic, u.ID) {
				if r.typ == EventUpdated && strings.Contains(string(r.payload), "displayName\":\"\"") {
					t.Fatalf("payload %s", r.payload)
				}
			}
		})

		t.Run("refuses bad input with 400 and changes nothing", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("dnbad")
			s := e.login(u)
			wantStatus(t, patch(e, s.access, map[string]any{"displayName": "Kept"}), http.StatusOK)
			before := len(e.events(u.ID))
			for _, body := range []any{
				map[string]any{"displayName": strings.Repeat("x", 65)},
				map[string]any{"displayName": "two\nlines"},
				map[string]any{"displayName": "Ada\u2028Lovelace"},
				map[string]any{"displayName": "bell\a"},
				map[string]any{"displayName": "rtl\u202eevil"},
				map[string]any{"displayName": "private\ue000"},
				`{"displayName":"lone \ud800 surrogate"}`,
				map[string]any{"displayName": 42},
				map[string]any{"displayName": []string{"a"}},
				map[string]any{},
			} {
				rec := patch(e, s.access, body)
				b := wantStatus(t, rec, http.StatusBadRequest)
				if b.Error.Code != "invalid" || b.Error.Fields["displayName"] == "" {
					t.Fatalf("%v: %+v", body, b.Error)
				}
				if m := me(e, s.access); m["displayName"] != "Kept" {
					t.Fatalf("%v changed the name: %v", body, m)
				}
			}
			for _, body := range []any{
				map[string]any{"displayName": "x", "username": "other"}, // unknown field
				`{"displayName": "x"} {}`,
				`not json`,
			} {
				b := wantStatus(t, patch(e, s.access, body), http.StatusBadRequest)
				if b.Error.Code != "invalid" {
					t.Fatalf("%v: %+v", body, b.Error)
				}
			}
			if rec := e.do(req{method: "PATCH", path: "/api/v1/users/me", bearer: s.access, body: `{"displayName":"x"}`, contentType: "text/plain"}); rec.Code != http.StatusUnsupportedMediaType {
				t.Fatalf("text/plain body: %d", rec.Code)
			}
			if m := me(e, s.access); m["displayName"] != "Kept" || m["username"] != u.Username {
				t.Fatalf("after bad input %v", m)
			}
			if n := len(e.events(u.ID)); n != before {
				t.Fatalf("bad input emitted %d events", n-before)
			}
			wantStatus(t, e.do(req{method: "PATCH", path: "/api/v1/users/me", body: map[string]any{"displayName": "x"}}), http.StatusUnauthorized)
		})

		t.Run("is rate limited per user", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("dnlimit")
			s := e.login(u)
			other := e.login(e.verified("dnother"))
			for i := range limitProfileUser.rate.N {
				wantStatus(t, patch(e, s.access, map[string]any{"displayName": "name " + string(rune('a'+i%26))}), http.StatusOK)
			}
			rec := patch(e, s.access, map[string]any{"displayName": "one too many"})
			b := wantStatus(t, rec, http.StatusTooManyRequests)
			if b.Error.Code != "rate_limited" || rec.Header().Get("Retry-After") == "" {
				t.Fatalf("%+v, Retry-After %q", b.Error, rec.Header().Get("Retry-After"))
			}
			if m := me(e, s.access); m["displayName"] == "one too many" {
				t.Fatal("a refused edit was stored")
			}
			wantStatus(t, patch(e, other.access, map[string]any{"displayName": "unaffected"}), http.StatusOK)
			e.limiter.setErr(errTokenRoleDown)
			wantStatus(t, patch(e, other.access, map[string]any{"displayName": "limiter down"}), http.StatusServiceUnavailable)
		})
	})
}

// FuzzDisplayName checks the display name rule's promises on any input:
// an accepted name is trimmed, at most MaxDisplayNameLen characters of
// valid UTF-8 on one line with no Cc, Co, Cs or Cf (but the ZWJ), and
// accepting it again gives the same name.
func FuzzDisplayName(f *testing.F) {
	for _, s := range []string{"", " Ada ", "👩\u200d💻", "a\nb", "\u202e", "\ufeffx", strings.Repeat("é", 65), "\xff", "Zoë 🦊"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, problem := normalizeDisplayName(in)
		if problem != "" {
			if got != "" {
				t.Fatalf("refused %q but returned %q", in, got)
			}
			return
		}
		if got != strings.TrimSpace(got) || !utf8.ValidString(got) || utf8.RuneCountInString(got) > MaxDisplayNameLen {
			t.Fatalf("accepted %q as %q", in, got)
		}
		for _, r := range got {
			if r != '\u200d' && (unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp) || r == utf8.RuneError) {
				t.Fatalf("accepted %q with %U", got, r)
			}
		}
		if again, p := normalizeDisplayName(got); again != got || p != "" {
			t.Fatalf("not idempotent: %q → %q, %q", got, again, p)
		}
	})
}
