package systest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// eventually polls fn until it returns true, for at most d: the time the
// product promises for an event to reach another role.
func eventually(t *testing.T, d time.Duration, what string, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func searchNames(t *testing.T, cl *Client, q string) []string {
	t.Helper()
	r := cl.Do("GET", "/api/v1/search/users?q="+url.QueryEscape(q), nil)
	Expect(t, "search "+q, r, 200, "")
	var body struct {
		Items []struct {
			ID, Username string
		} `json:"items"`
	}
	r.JSON(t, &body)
	var names []string
	for _, it := range body.Items {
		names = append(names, it.Username)
	}
	return names
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestGroupsAndSearch walks the group and search endpoints of API.md in
// both modes: create, rename, pictures, search-driven invites, accept,
// decline, cancel, rights, removal, leave, ownership transfer and delete.
func TestGroupsAndSearch(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := Start(t, mode)
			alice, aliceMe := signUp(t, c, "Alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			carol, carolMe := signUp(t, c, "carol", "carol password")
			aliceID, bobID, carolID := aliceMe["id"].(string), bobMe["id"].(string), carolMe["id"].(string)

			// Search: fuzzy 3-grams and prefixes, verified users only, within a second.
			for _, q := range []string{"ali", "lic", "ALI", "al"} {
				eventually(t, time.Second, "search "+q+" finds Alice", func() bool { return contains(searchNames(t, bob, q), "Alice") })
			}
			anon := c.NewClient(t)
			r := anon.Do("POST", "/api/v1/users", map[string]string{"username": "alicia_unverified", "email": "alicia@example.com", "password": "some password"})
			Expect(t, "register unverified", r, 201, "")
			time.Sleep(300 * time.Millisecond)
			if contains(searchNames(t, bob, "alicia"), "alicia_unverified") {
				t.Fatal("an unverified user is findable")
			}
			Expect(t, "search without q", bob.Do("GET", "/api/v1/search/users", nil), 400, "invalid")
			Expect(t, "search with a long q", bob.Do("GET", "/api/v1/search/users?q="+strings.Repeat("x", 65), nil), 400, "invalid")
			Expect(t, "search without a token", anon.Do("GET", "/api/v1/search/users?q=ali", nil), 401, "unauthenticated")

			// Alice creates a group and finds it in her list.
			Expect(t, "create with no name", alice.Do("POST", "/api/v1/groups", map[string]string{"name": " "}), 400, "invalid")
			r = alice.Do("POST", "/api/v1/groups", map[string]string{"name": "Book club"})
			Expect(t, "create group", r, 201, "")
			g := r.Map(t)
			gid := g["id"].(string)
			if g["creatorId"] != aliceID || g["memberCount"] != float64(1) || g["me"].(map[string]any)["role"] != "creator" {
				t.Fatalf("created group = %v", g)
			}
			r = alice.Do("GET", "/api/v1/groups", nil)
			Expect(t, "list groups", r, 200, "")
			if !strings.Contains(string(r.Body), gid) {
				t.Fatalf("my groups lack the new group: %s", r.Body)
			}
			Expect(t, "non-member reads group", bob.Do("GET", "/api/v1/groups/"+gid, nil), 404, "not_found")
			Expect(t, "rename", alice.Do("PATCH", "/api/v1/groups/"+gid, map[string]string{"name": "Reading club"}), 200, "")
			pr := alice.Upload("PUT", "/api/v1/groups/"+gid+"/picture", "picture", "g.png", "image/png", pngBytes(t, 32, 32))
			Expect(t, "picture", pr, 200, "")
			Expect(t, "get picture", anon.Do("GET", pr.Map(t)["pictureUrl"].(string), nil), 200, "")
			Expect(t, "get picture by the group id alone", anon.Do("GET", "/api/v1/groups/"+gid+"/picture", nil), 404, "not_found")
			Expect(t, "delete picture", alice.Do("DELETE", "/api/v1/groups/"+gid+"/picture", nil), 204, "")

			// Invite bob (found by search), bob accepts.
			r = alice.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": bobID})
			Expect(t, "invite bob", r, 201, "")
			inv := r.Map(t)
			Expect(t, "second pending invite", alice.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": bobID}), 409, "conflict")
			r = bob.Do("GET", "/api/v1/invites?direction=received&status=pending", nil)
			Expect(t, "bob's invites", r, 200, "")
			if !strings.Contains(string(r.Body), inv["id"].(string)) {
				t.Fatalf("bob does not see the invite: %s", r.Body)
			}
			Expect(t, "alice accepts bob's invite", alice.Do("POST", "/api/v1/invites/"+inv["id"].(string)+"/accept", nil), 403, "forbidden")
			r = bob.Do("POST", "/api/v1/invites/"+inv["id"].(string)+"/accept", nil)
			Expect(t, "bob accepts", r, 200, "")
			Expect(t, "accept twice", bob.Do("POST", "/api/v1/invites/"+inv["id"].(string)+"/accept", nil), 409, "conflict")
			Expect(t, "invite a member", alice.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": bobID}), 409, "conflict")

			// Bob, a plain member, may not invite until alice grants addMembers.
			Expect(t, "bob invites without the right", bob.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": carolID}), 403, "forbidden")
			r = alice.Do("PATCH", "/api/v1/groups/"+gid+"/members/"+bobID, map[string]any{"rights": map[string]bool{"addMembers": true}})
			Expect(t, "grant addMembers", r, 200, "")
			if r.Map(t)["rights"].(map[string]any)["addMembers"] != true {
				t.Fatalf("grant answered %s", r.Body)
			}
			Expect(t, "bob changes his own rights", bob.Do("PATCH", "/api/v1/groups/"+gid+"/members/"+bobID, map[string]any{"rights": map[string]bool{"removeMembers": true}}), 403, "forbidden")
			r = bob.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": carolID})
			Expect(t, "bob invites carol", r, 201, "")
			carolInv := r.Map(t)["id"].(string)
			Expect(t, "carol declines", carol.Do("POST", "/api/v1/invites/"+carolInv+"/decline", nil), 200, "")
			Expect(t, "declined is not a member", carol.Do("GET", "/api/v1/groups/"+gid, nil), 404, "not_found")
			r = alice.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": carolID})
			Expect(t, "invite carol again", r, 201, "")
			Expect(t, "alice cancels", alice.Do("DELETE", "/api/v1/invites/"+r.Map(t)["id"].(string), nil), 204, "")
			r = bob.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": carolID})
			Expect(t, "invite carol a third time", r, 201, "")
			Expect(t, "carol accepts", carol.Do("POST", "/api/v1/invites/"+r.Map(t)["id"].(string)+"/accept", nil), 200, "")

			// Removal: bob (no removeMembers) cannot remove anyone; alice removes bob.
			Expect(t, "bob removes carol", bob.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+carolID, nil), 403, "forbidden")
			Expect(t, "bob removes the creator", bob.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+aliceID, nil), 403, "forbidden")
			Expect(t, "alice removes bob", alice.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+bobID, nil), 204, "")
			Expect(t, "removed bob reads the group", bob.Do("GET", "/api/v1/groups/"+gid, nil), 404, "not_found")
			r = alice.Do("GET", "/api/v1/groups/"+gid+"/members", nil)
			Expect(t, "members", r, 200, "")
			if strings.Contains(string(r.Body), bobID) || !strings.Contains(string(r.Body), carolID) {
				t.Fatalf("members after removal: %s", r.Body)
			}

			// Ownership, leave, delete.
			Expect(t, "creator cannot leave", alice.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+aliceID, nil), 403, "forbidden")
			r = alice.Do("POST", "/api/v1/groups/"+gid+"/owner", map[string]string{"userId": carolID})
			Expect(t, "transfer ownership", r, 200, "")
			if r.Map(t)["creatorId"] != carolID {
				t.Fatalf("transfer answered %s", r.Body)
			}
			Expect(t, "old creator (now admin) deletes the group", alice.Do("DELETE", "/api/v1/groups/"+gid, nil), 403, "forbidden")
			Expect(t, "alice leaves", alice.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+aliceID, nil), 204, "")
			Expect(t, "carol deletes the group", carol.Do("DELETE", "/api/v1/groups/"+gid, nil), 204, "")
			Expect(t, "deleted group", carol.Do("GET", "/api/v1/groups/"+gid, nil), 404, "not_found")

			// A rename reaches search within a second (no rename endpoint
			// exists; a picture change is a user.updated event the index takes).
			Expect(t, "bob's picture", bob.Upload("PUT", "/api/v1/users/me/picture", "picture", "b.png", "image/png", pngBytes(t, 16, 16)), 200, "")
			eventually(t, time.Second, "bob's picture reaches search", func() bool {
				r := alice.Do("GET", "/api/v1/search/users?q=bob", nil)
				return strings.Contains(string(r.Body), fmt.Sprintf("/api/v1/users/%s/picture", bobID))
			})
		})
	}
}
