package systest

import (
	"testing"
	"time"
)

// TestTyping is issue 14's typing in both modes (split: alice's second
// session and bob on another ws instance than her first, so that the
// frame crosses the bus): it reaches the group's other members and not
// the typist's own sessions nor a non-member, at most once per 3 s per
// connection and group.
func TestTyping(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := StartWith(t, mode, map[string]int{"ws": 2})
			alice, aliceMe := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			carol, _ := signUp(t, c, "carol", "carol password")
			aliceID, bobID := aliceMe["id"].(string), bobMe["id"].(string)
			gid := groupWith(t, alice, "Typing", bob)
			groupWith(t, carol, "Elsewhere", alice) // carol shares another group with alice
			other := c.URL
			if mode == Split {
				other = c.Instances["ws"][1].URL
			}
			a1, _ := DialWS(t, c.URL, alice)
			a2, _ := DialWS(t, other, alice)
			bws, _ := DialWS(t, other, bob)
			cws, _ := DialWS(t, c.URL, carol)

			a1.Send(map[string]any{"type": "typing", "groupId": gid})
			if f := bws.Next("typing"); f["groupId"] != gid || f["userId"] != aliceID {
				t.Fatalf("bob got typing %v", f)
			}
			// Again at once: dropped (one per 3 s per connection and group).
			a1.Send(map[string]any{"type": "typing", "groupId": gid})
			bws.None("typing", time.Second)
			for _, w := range []*WS{a1, a2, cws} {
				w.None("typing", 100*time.Millisecond)
			}

			// bob types: both of alice's sessions see it, bob does not.
			bws.Send(map[string]any{"type": "typing", "groupId": gid})
			for _, w := range []*WS{a1, a2} {
				if f := w.Next("typing"); f["groupId"] != gid || f["userId"] != bobID {
					t.Fatalf("alice got typing %v", f)
				}
			}
			bws.None("typing", 500*time.Millisecond)
			cws.None("typing", 100*time.Millisecond)

			// A non-member's typing is an error and reaches no one.
			cws.Send(map[string]any{"type": "typing", "groupId": gid})
			if f := cws.Next("error"); f["error"].(map[string]any)["code"] != "not_found" {
				t.Fatalf("carol's typing: %v", f)
			}
			bws.None("typing", 500*time.Millisecond)

			// After 3 s alice's first session may type again.
			time.Sleep(3 * time.Second)
			a1.Send(map[string]any{"type": "typing", "groupId": gid})
			if f := bws.Next("typing"); f["userId"] != aliceID {
				t.Fatalf("bob got typing %v", f)
			}
		})
	}
}
