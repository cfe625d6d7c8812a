package systest

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestDisplayNames sets, shows, finds and clears a display name (issue
// 13) in both modes: the user role answers it at once, the group role's
// members and the search role's results show it once the user.updated
// event reaches them, and bad names are refused without changing
// anything.
func TestDisplayNames(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := Start(t, mode)
			alice, aliceMe := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			aliceID, bobID := aliceMe["id"].(string), bobMe["id"].(string)
			if _, ok := bobMe["displayName"]; ok {
				t.Fatalf("a new user has a display name: %v", bobMe)
			}

			// Set: trimmed, answered as Me, shown by /users/me and /users/{id}.
			r := bob.Do("PATCH", "/api/v1/users/me", map[string]any{"displayName": "  Bobby Tables 🦊 "})
			Expect(t, "set a display name", r, 200, "")
			if me := r.Map(t); me["displayName"] != "Bobby Tables 🦊" || me["id"] != bobID || me["username"] != "bob" {
				t.Fatalf("PATCH /users/me answered %v", me)
			}
			wantName := func(what string, r Response, want string) {
				t.Helper()
				Expect(t, what, r, 200, "")
				got, ok := r.Map(t)["displayName"]
				if want == "" && ok || want != "" && got != want {
					t.Fatalf("%s: displayName %v (present %v), want %q: %s", what, got, ok, want, r.Body)
				}
			}
			wantName("bob's /users/me", bob.Do("GET", "/api/v1/users/me", nil), "Bobby Tables 🦊")
			wantName("bob seen by alice", alice.Do("GET", "/api/v1/users/"+bobID, nil), "Bobby Tables 🦊")
			wantName("alice's /users/me", alice.Do("GET", "/api/v1/users/me", nil), "")

			// Bad names: 400 invalid with fields.displayName, nothing changed.
			for _, bad := range []any{strings.Repeat("x", 65), "two\nlines", "evil\u202eeman", "private\ue000", 42} {
				r := bob.Do("PATCH", "/api/v1/users/me", map[string]any{"displayName": bad})
				Expect(t, "a bad display name", r, 400, "invalid")
				if !strings.Contains(string(r.Body), `"displayName"`) {
					t.Fatalf("the refusal of %q names no field: %s", bad, r.Body)
				}
			}
			Expect(t, "no displayName in the body", bob.Do("PATCH", "/api/v1/users/me", map[string]any{}), 400, "invalid")
			Expect(t, "without a token", c.NewClient(t).Do("PATCH", "/api/v1/users/me", map[string]any{"displayName": "x"}), 401, "unauthenticated")
			wantName("after bad input", bob.Do("GET", "/api/v1/users/me", nil), "Bobby Tables 🦊")

			// The group role: bob's name among the members, alice's absent.
			r = alice.Do("POST", "/api/v1/groups", map[string]string{"name": "Names"})
			Expect(t, "create group", r, 201, "")
			gid := r.Map(t)["id"].(string)
			r = alice.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": bobID})
			Expect(t, "invite bob", r, 201, "")
			Expect(t, "bob accepts", bob.Do("POST", "/api/v1/invites/"+r.Map(t)["id"].(string)+"/accept", nil), 200, "")
			memberNames := func() map[string]any {
				r := alice.Do("GET", "/api/v1/groups/"+gid+"/members", nil)
				Expect(t, "members", r, 200, "")
				var body struct {
					Items []map[string]any `json:"items"`
				}
				r.JSON(t, &body)
				out := map[string]any{}
				for _, m := range body.Items {
					if n, ok := m["displayName"]; ok {
						out[m["userId"].(string)] = n
					}
				}
				return out
			}
			eventually(t, 5*time.Second, "bob's display name among the members", func() bool {
				return memberNames()[bobID] == "Bobby Tables 🦊"
			})
			if n, ok := memberNames()[aliceID]; ok {
				t.Fatalf("alice, who has no display name, shows %v", n)
			}

			// The search role: found by the name, which the result carries.
			found := func(q string) any {
				r := alice.Do("GET", "/api/v1/search/users?q="+url.QueryEscape(q), nil)
				Expect(t, "search "+q, r, 200, "")
				var body struct {
					Items []map[string]any `json:"items"`
				}
				r.JSON(t, &body)
				for _, it := range body.Items {
					if it["id"] == bobID {
						if n, ok := it["displayName"]; ok {
							return n
						}
						return ""
					}
				}
				return nil
			}
			for _, q := range []string{"tables", "Bobby T", "ables"} {
				eventually(t, 5*time.Second, "search "+q+" finds bob by his display name", func() bool { return found(q) == "Bobby Tables 🦊" })
			}

			// Cleared with null: gone from /users/me, the members and search.
			wantName("clear the display name", bob.Do("PATCH", "/api/v1/users/me", map[string]any{"displayName": nil}), "")
			wantName("bob's /users/me after clearing", bob.Do("GET", "/api/v1/users/me", nil), "")
			eventually(t, 5*time.Second, "the cleared name leaves the members", func() bool {
				_, ok := memberNames()[bobID]
				return !ok
			})
			eventually(t, 5*time.Second, "the cleared name is no longer found", func() bool { return found("tables") == nil })
			if n := found("bob"); n != "" {
				t.Fatalf("search bob after clearing: displayName %v", n)
			}
		})
	}
}
