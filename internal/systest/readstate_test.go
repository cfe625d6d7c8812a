package systest

import (
	"testing"
	"time"
)

// readStateOf is cl's GET /api/v1/read-state, by group.
func readStateOf(t *testing.T, cl *Client) map[string]map[string]any {
	t.Helper()
	r := cl.Do("GET", "/api/v1/read-state", nil)
	Expect(t, "read state", r, 200, "")
	var body struct {
		Items []map[string]any `json:"items"`
	}
	r.JSON(t, &body)
	out := map[string]map[string]any{}
	for _, it := range body.Items {
		out[it["groupId"].(string)] = it
	}
	return out
}

// wantState fails unless st (a read state, a ready group or a read.updated
// frame) has these lastReadSeq, unread and mentions (and lastSeq, when
// lastSeq >= 0).
func wantState(t *testing.T, what string, st map[string]any, lastReadSeq, lastSeq, unread, mentions float64) {
	t.Helper()
	if st == nil || st["lastReadSeq"] != lastReadSeq || st["unread"] != unread || st["mentions"] != mentions || lastSeq >= 0 && st["lastSeq"] != lastSeq {
		t.Fatalf("%s = %v, want lastReadSeq %v, lastSeq %v, unread %v, mentions %v", what, st, lastReadSeq, lastSeq, unread, mentions)
	}
}

// readyGroup is gid's entry in a ready frame.
func readyGroup(t *testing.T, ready map[string]any, gid string) map[string]any {
	t.Helper()
	for _, g := range ready["groups"].([]any) {
		if g := g.(map[string]any); g["groupId"] == gid {
			return g
		}
	}
	t.Fatalf("ready has no group %s: %v", gid, ready)
	return nil
}

// TestReadState is issue 14's read state in both modes: counts in ready
// and GET /read-state (own and deleted messages left out, mentions
// counted), a read on one of bob's sessions reaching his other one live
// and alice as a receipt, the cursor never going back and clamped at the
// end, bad input refused, receipts hidden by the privacy setting, the
// state surviving a restart of the message role, and a removed member's
// state no longer listing the group.
func TestReadState(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := Start(t, mode)
			alice, _ := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			carol, _ := signUp(t, c, "carol", "carol password")
			bobID := bobMe["id"].(string)
			gid := groupWith(t, alice, "Reading", bob)
			post := func(cl *Client, cid, text string, mentions ...string) string {
				var r Response
				eventually(t, 10*time.Second, "post "+cid, func() bool {
					r = cl.Do("POST", "/api/v1/groups/"+gid+"/messages", map[string]any{"clientMsgId": cid, "text": text, "mentions": mentions})
					return r.Status == 201
				})
				return r.Map(t)["id"].(string)
			}
			// alice mentions bob at once after he joined: the message role
			// confirms a mentioned member its projection has not seen yet.
			post(alice, "a-1", "one")                           // seq 1
			post(alice, "a-2", "two @bob", bobID)               // seq 2, mentions bob
			post(bob, "b-1", "bob's own")                       // seq 3
			mentioned := post(alice, "a-3", "four @bob", bobID) // seq 4, deleted below
			gone := post(alice, "a-4", "five")                  // seq 5, deleted below
			post(alice, "a-5", "six")                           // seq 6
			for _, id := range []string{mentioned, gone} {
				Expect(t, "delete", alice.Do("DELETE", "/api/v1/groups/"+gid+"/messages/"+id, nil), 204, "")
			}

			// bob: 1, 2 (mention) and 6 unread; 3 is his, 4 and 5 deleted.
			wantState(t, "bob's read state", readStateOf(t, bob)[gid], 0, 6, 3, 1)
			b1, ready := DialWS(t, c.URL, bob)
			wantState(t, "bob's ready", readyGroup(t, ready, gid), 0, 6, 3, 1)
			b2, _ := DialWS(t, c.URL, bob)
			aws, _ := DialWS(t, c.URL, alice)

			// A read frame on one session: both of bob's sessions update,
			// alice gets his receipt, bob none of his own.
			b1.Send(map[string]any{"type": "read", "groupId": gid, "seq": 3})
			for i, w := range []*WS{b1, b2} {
				f := w.Next("read.updated")
				if f["groupId"] != gid {
					t.Fatalf("session %d: read.updated = %v", i+1, f)
				}
				wantState(t, "read.updated", f, 3, -1, 1, 0)
			}
			if f := aws.Next("receipt.updated"); f["groupId"] != gid || f["userId"] != bobID || f["lastReadSeq"] != 3.0 {
				t.Fatalf("receipt.updated = %v", f)
			}
			b2.None("receipt.updated", 300*time.Millisecond)

			// REST: backwards changes nothing (no frame), past the end is
			// clamped, bad input is refused.
			read := func(cl *Client, body any) Response { return cl.Do("POST", "/api/v1/groups/"+gid+"/read", body) }
			r := read(bob, map[string]any{"seq": 1})
			Expect(t, "read backwards", r, 200, "")
			wantState(t, "read backwards", r.Map(t), 3, 6, 1, 0)
			b2.None("read.updated", 500*time.Millisecond)
			for name, body := range map[string]any{"negative": map[string]any{"seq": -1}, "a string": map[string]any{"seq": "9"}, "none": map[string]any{}} {
				Expect(t, "a "+name+" seq", read(bob, body), 400, "invalid")
			}
			Expect(t, "a non-member reads", read(carol, map[string]any{"seq": 1}), 404, "not_found")
			b1.Send(map[string]any{"type": "read", "groupId": gid, "seq": -3})
			if f := b1.Next("error"); f["error"].(map[string]any)["code"] != "invalid" {
				t.Fatalf("a bad read frame: %v", f)
			}
			wantState(t, "after refusals", readStateOf(t, bob)[gid], 3, 6, 1, 0)
			r = read(bob, map[string]any{"seq": 1 << 40})
			Expect(t, "read past the end", r, 200, "")
			wantState(t, "read past the end", r.Map(t), 6, 6, 0, 0)
			wantState(t, "bob's other session", b2.Next("read.updated"), 6, -1, 0, 0)
			wantState(t, "alice's read state", readStateOf(t, alice)[gid], 0, 6, 1, 0)
			receipts := func(cl *Client) []any {
				r := cl.Do("GET", "/api/v1/groups/"+gid+"/read-receipts", nil)
				Expect(t, "read receipts", r, 200, "")
				return r.Map(t)["items"].([]any)
			}
			if rs := receipts(alice); len(rs) != 1 || rs[0].(map[string]any)["userId"] != bobID || rs[0].(map[string]any)["lastReadSeq"] != 6.0 {
				t.Fatalf("alice sees receipts %v", rs)
			}
			Expect(t, "a non-member's receipts", carol.Do("GET", "/api/v1/groups/"+gid+"/read-receipts", nil), 404, "not_found")

			// bob stops sharing: alice no longer sees his, he sees none and
			// gets no receipt when alice reads.
			Expect(t, "stop sharing", bob.Do("PUT", "/api/v1/read-state/settings", map[string]any{"shareReceipts": false}), 200, "")
			if rs := receipts(alice); len(rs) != 0 {
				t.Fatalf("alice still sees %v", rs)
			}
			Expect(t, "alice reads", read(alice, map[string]any{"seq": 6}), 200, "")
			aws.Next("read.updated")
			b1.None("receipt.updated", 500*time.Millisecond)
			if rs := receipts(bob); len(rs) != 0 {
				t.Fatalf("bob, not sharing, sees %v", rs)
			}

			// The read state survives a restart of the message role (the
			// whole node when embedded).
			victim := c.Procs[0]
			if mode == Split {
				victim = c.Instances["message"][0]
			}
			c.Restart(t, victim)
			var st map[string]any
			eventually(t, 20*time.Second, "bob's read state after the restart", func() bool {
				r := bob.Do("GET", "/api/v1/read-state", nil)
				if r.Status != 200 {
					return false
				}
				st = readStateOf(t, bob)[gid]
				return true
			})
			wantState(t, "bob's read state after the restart", st, 6, 6, 0, 0)
			var ready2 map[string]any
			eventually(t, 20*time.Second, "a chat connection after the restart", func() bool {
				w, f, err := dialWS(t, c.URL, bob)
				if err != nil {
					return false
				}
				w.conn.CloseNow()
				ready2 = f
				return true
			})
			wantState(t, "bob's ready after the restart", readyGroup(t, ready2, gid), 6, 6, 0, 0)
			wantState(t, "alice's read state after the restart", readStateOf(t, alice)[gid], 6, 6, 0, 0)

			// Removed, bob's read state no longer lists the group.
			Expect(t, "remove bob", alice.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+bobID, nil), 204, "")
			eventually(t, 10*time.Second, "the group to leave bob's read state", func() bool {
				_, listed := readStateOf(t, bob)[gid]
				return !listed
			})
			Expect(t, "a removed member reads", read(bob, map[string]any{"seq": 6}), 404, "not_found")
		})
	}
}
