package systest

import (
	"strings"
	"testing"
	"time"
)

// TestIdsInAnotherSpellingNameTheSameThing is issue 12 defect 3 in both
// modes (split: the group role on MariaDB): an id in upper case names the
// same group and member as its canonical spelling, and what the group role
// does through it reaches every other role. A member who leaves through an
// upper-case path can no longer read, post or receive messages; a demotion
// through one takes the admin's rights away in the message role too; a
// group deleted through one takes its messages with it.
func TestIdsInAnotherSpellingNameTheSameThing(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			c := Start(t, mode)
			up := strings.ToUpper
			alice, _ := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			carol, carolMe := signUp(t, c, "carol", "carol password")
			dave, _ := signUp(t, c, "dave", "dave password")
			erin, _ := signUp(t, c, "erin", "erin password")
			gid := groupWith(t, alice, "Chat", bob, carol, dave)
			bobID, carolID := bobMe["id"].(string), carolMe["id"].(string)
			post := func(cl *Client, path, cid string) Response {
				return cl.Do("POST", "/api/v1/groups/"+path+"/messages", map[string]any{"clientMsgId": cid, "text": "hello " + cid})
			}
			Expect(t, "bob posts", post(bob, gid, "b-1"), 201, "")

			// Bob leaves through the upper-case spelling of both ids.
			bws, _ := DialWS(t, c.URL, bob)
			Expect(t, "bob leaves (upper case)", bob.Do("DELETE", "/api/v1/groups/"+up(gid)+"/members/"+up(bobID), nil), 204, "")
			if f := bws.Next("group.deleted"); f["groupId"] != gid {
				t.Fatalf("bob's socket was told %v, want group.deleted for %s", f, gid)
			}
			Expect(t, "alice posts after bob left", post(alice, gid, "a-1"), 201, "")
			bws.None("message.created", 500*time.Millisecond)
			Expect(t, "bob reads after leaving", bob.Do("GET", "/api/v1/groups/"+gid+"/messages", nil), 404, "not_found")
			Expect(t, "bob posts after leaving", post(bob, gid, "b-2"), 404, "not_found")
			Expect(t, "bob reads the group after leaving", bob.Do("GET", "/api/v1/groups/"+gid, nil), 404, "not_found")

			// Carol is made admin, then demoted through upper-case ids.
			Expect(t, "carol made admin", alice.Do("PATCH", "/api/v1/groups/"+gid+"/members/"+carolID, map[string]any{"role": "admin"}), 200, "")
			Expect(t, "carol demoted (upper case)", alice.Do("PATCH", "/api/v1/groups/"+up(gid)+"/members/"+up(carolID), map[string]any{"role": "member"}), 200, "")
			// Erin joins after the demotion: once the message role lets her
			// post, it has applied every earlier event of the group, the
			// demotion included (one group's events stay in order).
			groupInvite(t, alice, erin, gid)
			Expect(t, "erin posts", post(erin, gid, "e-1"), 201, "")
			daveMsg := post(dave, gid, "d-1")
			Expect(t, "dave posts", daveMsg, 201, "")
			Expect(t, "demoted carol deletes dave's message", carol.Do("DELETE", "/api/v1/groups/"+gid+"/messages/"+daveMsg.Map(t)["id"].(string), nil), 403, "forbidden")

			// The group is deleted through its upper-case id.
			Expect(t, "alice deletes the group (upper case)", alice.Do("DELETE", "/api/v1/groups/"+up(gid), nil), 204, "")
			eventually(t, 10*time.Second, "the message role forgets the group", func() bool {
				return dave.Do("GET", "/api/v1/groups/"+gid+"/messages", nil).Status == 404
			})
			Expect(t, "dave posts to the deleted group", post(dave, gid, "d-2"), 404, "not_found")

			// What is no id at all names nothing.
			for _, bad := range []string{strings.ReplaceAll(gid, "-", ""), gid + "0", "{" + gid + "}", "ü" + gid[1:]} {
				Expect(t, "malformed id "+bad, alice.Do("GET", "/api/v1/groups/"+bad, nil), 404, "not_found")
			}
		})
	}
}

// groupInvite invites invitee into gid and has them accept.
func groupInvite(t *testing.T, owner, invitee *Client, gid string) {
	t.Helper()
	me := invitee.Do("GET", "/api/v1/users/me", nil)
	r := owner.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": me.Map(t)["id"].(string)})
	Expect(t, "invite", r, 201, "")
	Expect(t, "accept", invitee.Do("POST", "/api/v1/invites/"+r.Map(t)["id"].(string)+"/accept", nil), 200, "")
}
