package user

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/sqlstore"
)

func TestProfiles(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("me answers the signed-in account and needs a token", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("me")
			s := e.login(u)
			rec := e.do(req{method: "GET", path: "/api/v1/users/me", bearer: s.access})
			wantStatus(t, rec, http.StatusOK)
			me := decode[Me](t, rec)
			if me.ID != u.ID || me.Username != u.Username || me.Email != u.Email || !me.EmailVerified {
				t.Fatalf("Me %+v", me)
			}
			b := wantStatus(t, e.do(req{method: "GET", path: "/api/v1/users/me"}), http.StatusUnauthorized)
			if b.Error.Code != "unauthenticated" {
				t.Fatalf("%+v", b.Error)
			}
		})

		t.Run("a user is public once verified, with exactly id, username and pictureUrl", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			s := e.login(e.verified("viewer"))
			v := e.verified("Visible")
			rec := e.do(req{method: "GET", path: "/api/v1/users/" + v.ID, bearer: s.access})
			wantStatus(t, rec, http.StatusOK)
			var raw map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
				t.Fatal(err)
			}
			if len(raw) != 3 || raw["id"] != v.ID || raw["username"] != v.Username || raw["pictureUrl"] != nil {
				t.Fatalf("User %v", raw)
			}
			if _, ok := raw["pictureUrl"]; !ok {
				t.Fatal("pictureUrl missing instead of null")
			}
			unverified := e.register("hidden")
			for _, id := range []string{unverified.ID, "0190d6e2-0000-7000-8000-000000000000", "nope", strings.ReplaceAll(v.ID, "-", ""), "{" + v.ID + "}"} {
				wantStatus(t, e.do(req{method: "GET", path: "/api/v1/users/" + id, bearer: s.access}), http.StatusNotFound)
			}
			// Another spelling of the id names the same user, who is shown
			// with the canonical id (package ids).
			rec = e.do(req{method: "GET", path: "/api/v1/users/" + strings.ToUpper(v.ID), bearer: s.access})
			wantStatus(t, rec, http.StatusOK)
			if !strings.Contains(rec.Body.String(), `"id":"`+v.ID+`"`) {
				t.Fatalf("upper-case id answered %s", rec.Body)
			}
			wantStatus(t, e.do(req{method: "GET", path: "/api/v1/users/" + v.ID}), http.StatusUnauthorized)
		})

		t.Run("migrating again changes nothing", func(t *testing.T) {
			t.Parallel()
			before, err := sqlstore.Applied(platformtest.Context(t), db, MigrationSource)
			if err != nil || len(before) < 2 {
				t.Fatalf("applied %v, %v", before, err)
			}
			if err := Migrate(platformtest.Context(t), db); err != nil {
				t.Fatal(err)
			}
			got, err := sqlstore.Applied(platformtest.Context(t), db, MigrationSource)
			if err != nil || !slices.Equal(got, before) {
				t.Fatalf("applied %v after migrating again, %v before (%v)", got, before, err)
			}
		})
	})
}

func TestInputRules(t *testing.T) {
	t.Parallel()
	for name, ok := range map[string]bool{
		"abc": true, "a.b-c_d": true, "ABC123": true, strings.Repeat("x", 32): true,
		"ab": false, strings.Repeat("x", 33): false, "a b": false, "ab@c": false, "abç": false, "": false,
	} {
		if got := validUsername(name) == ""; got != ok {
			t.Errorf("validUsername(%q) ok = %v, want %v", name, got, ok)
		}
	}
	for in, want := range map[string]string{
		"Ada@Example.com":               "ada@example.com",
		"  ada@example.com\t":           "ada@example.com",
		"a.b+tag@sub.example.io":        "a.b+tag@sub.example.io",
		"Ada <ada@example.com>":         "",
		"ada@":                          "",
		"@example.com":                  "",
		"ada":                           "",
		"ada@example.com\r\nBcc: x@y.z": "",
		"a@b@c":                         "",
	} {
		got, problem := normalizeEmail(in)
		if got != want || (want == "") != (problem != "") {
			t.Errorf("normalizeEmail(%q) = %q, %q; want %q", in, got, problem, want)
		}
	}
	for pw, ok := range map[string]bool{"1234567": false, "12345678": true, strings.Repeat("é", 128): true, strings.Repeat("é", 129): false} {
		if got := validPassword(pw) == ""; got != ok {
			t.Errorf("validPassword(%d runes) ok = %v", len([]rune(pw)), got)
		}
	}
}

func TestAddrKeyGroupsIPv6By64(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"192.0.2.1":            "192.0.2.1",
		"::ffff:192.0.2.1":     "192.0.2.1",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
	} {
		if got := addrKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("addrKey(%s) = %s, want %s", in, got, want)
		}
	}
	if addrKey(netip.Addr{}) != "unknown" {
		t.Error("invalid address")
	}
}

func TestETagMatching(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header []string
		want   bool
	}{
		{nil, false}, {[]string{`"3"`}, true}, {[]string{`W/"3"`}, true}, {[]string{`"1", "3"`}, true},
		{[]string{`"1"`, `"3"`}, true}, {[]string{"*"}, true}, {[]string{`"33"`}, false},
	} {
		if got := etagMatches(tc.header, `"3"`); got != tc.want {
			t.Errorf("etagMatches(%q) = %v", tc.header, got)
		}
	}
}

func TestConstructorsRefuseMissingDependencies(t *testing.T) {
	t.Parallel()
	if _, err := NewService(Config{}); err == nil {
		t.Error("NewService without dependencies")
	}
	if _, err := NewHandler(HandlerConfig{}); err == nil {
		t.Error("NewHandler without dependencies")
	}
	if _, err := NewHandler(HandlerConfig{Service: &Service{}, Require: func(h http.Handler) http.Handler { return h }, PublicURL: "ftp://x"}); err == nil {
		t.Error("NewHandler with a non-http public URL")
	}
}
