package systest

import (
	"testing"
	"time"
)

// TestChatOverWebSocket covers the chat WebSocket in both modes: ready with
// lastSeq, sends delivered to every member's connection in order with the
// author taken from the connection, rejections to the sender only, delete
// and hide fan-out, and membership changes seen live.
func TestChatOverWebSocket(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := Start(t, mode)
			alice, aliceMe := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			eve, _ := signUp(t, c, "eve", "eve password")
			gid := groupWith(t, alice, "Chat", bob)
			aliceID, bobID := aliceMe["id"].(string), bobMe["id"].(string)
			Expect(t, "first message", alice.Do("POST", "/api/v1/groups/"+gid+"/messages", map[string]any{"clientMsgId": "a-0", "text": "before"}), 201, "")

			aws, ready := DialWS(t, c.URL, alice)
			if ready["userId"] != aliceID {
				t.Fatalf("ready = %v", ready)
			}
			groups, _ := ready["groups"].([]any)
			if len(groups) != 1 || groups[0].(map[string]any)["groupId"] != gid || groups[0].(map[string]any)["lastSeq"] != float64(1) {
				t.Fatalf("ready groups = %v", groups)
			}
			bws, _ := DialWS(t, c.URL, bob)
			bws2, _ := DialWS(t, c.URL, bob) // bob's second session
			ews, _ := DialWS(t, c.URL, eve)

			// Bob sends, claiming to be alice: everyone in the group gets it, as bob's.
			bws.Send(map[string]any{"type": "message.send", "groupId": gid, "clientMsgId": "b-1", "text": "hi all", "authorId": aliceID})
			for _, w := range []*WS{aws, bws, bws2} {
				m := w.Next("message.created")["message"].(map[string]any)
				if m["seq"] == float64(1) {
					// The REST message's event may still have been in flight
					// at connect; clients drop seq ≤ lastSeq.
					m = w.Next("message.created")["message"].(map[string]any)
				}
				if m["authorId"] != bobID || m["seq"] != float64(2) || m["text"] != "hi all" || m["clientMsgId"] != "b-1" {
					t.Fatalf("created = %v", m)
				}
			}
			ews.None("message.created", 300*time.Millisecond)

			// Eve is no member: her send is rejected to her alone.
			ews.Send(map[string]any{"type": "message.send", "groupId": gid, "clientMsgId": "e-1", "text": "let me in"})
			if r := ews.Next("message.rejected"); r["clientMsgId"] != "e-1" {
				t.Fatalf("rejected = %v", r)
			}

			// Ordered delivery of a burst from two senders.
			for i := range 20 {
				aws.Send(map[string]any{"type": "message.send", "groupId": gid, "clientMsgId": "a-" + string(rune('a'+i)), "text": "burst"})
			}
			var last float64 = 2
			for range 20 {
				m := bws.Next("message.created")["message"].(map[string]any)
				if m["seq"].(float64) != last+1 {
					t.Fatalf("seq %v after %v", m["seq"], last)
				}
				last = m["seq"].(float64)
			}

			// Delete for everyone reaches everyone; hide reaches only the hider's sessions.
			p := history(t, alice, gid, "?limit=1")
			mid := p.Items[0].ID
			Expect(t, "hide", bob.Do("POST", "/api/v1/groups/"+gid+"/messages/"+mid+"/hide", nil), 204, "")
			bws2.Next("message.hidden")
			aws.None("message.hidden", 300*time.Millisecond)
			Expect(t, "delete", alice.Do("DELETE", "/api/v1/groups/"+gid+"/messages/"+mid, nil), 204, "")
			for _, w := range []*WS{aws, bws} {
				if d := w.Next("message.deleted"); d["messageId"] != mid {
					t.Fatalf("deleted = %v", d)
				}
			}

			// Membership changes arrive live; a removed member gets group.deleted and can no longer send.
			Expect(t, "remove bob", alice.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+bobID, nil), 204, "")
			if g := bws.Next("group.deleted"); g["groupId"] != gid {
				t.Fatalf("removed bob got %v", g)
			}
			if r := aws.Next("member.removed"); r["userId"] != bobID {
				t.Fatalf("alice got %v", r)
			}
			bws.Send(map[string]any{"type": "message.send", "groupId": gid, "clientMsgId": "b-2", "text": "still here?"})
			bws.Next("message.rejected")

			// Invites reach the invitee live.
			eveMe := eve.Do("GET", "/api/v1/users/me", nil).Map(t)
			Expect(t, "invite eve", alice.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": eveMe["id"].(string)}), 201, "")
			ews.Next("invite.created")
		})
	}
}
