package systest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/callclient"
)

// joinCall opens a call socket for cl through the cluster's public URL and
// joins, publishing audio and video.
func joinCall(t *testing.T, c *Cluster, cl *Client, gid string) *callclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("X-Forwarded-For", cl.addr)
	cc, err := callclient.Dial(ctx, callclient.URL(c.URL, gid), cl.Token, callclient.Options{LoopbackOnly: true, Header: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Close)
	if _, err := cc.Join(ctx, true, true); err != nil {
		t.Fatalf("join: %v", err)
	}
	return cc
}

// receives waits until rx gets a steady stream of tx's source.
func receives(t *testing.T, rx, tx *callclient.Client, source string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	start := rx.Received(tx.ParticipantID, source)
	for rx.Received(tx.ParticipantID, source) < start+20 {
		if time.Now().After(deadline) {
			t.Fatalf("%s receives no %s of %s (%d packets)", rx.ParticipantID, source, tx.ParticipantID, rx.Received(tx.ParticipantID, source))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCalls runs a group call in both modes (split: the gateway and the SFU
// are separate nodes, membership and call events travel over Kafka): three
// members exchange media, the chat sockets follow the call, a moderator's
// mute is enforced, a member removed from the group is dropped from the
// call, and the last one out ends it.
func TestCalls(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := Start(t, mode)
			alice, aliceMe := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			carol, _ := signUp(t, c, "carol", "carol password")
			eve, _ := signUp(t, c, "eve", "eve password")
			gid := groupWith(t, alice, "Calls", bob, carol)
			aliceID, bobID := aliceMe["id"].(string), bobMe["id"].(string)

			Expect(t, "a non-member reads the call", eve.Do("GET", "/api/v1/calls/"+gid, nil), 404, "not_found")
			Expect(t, "no token", c.NewClient(t).Do("GET", "/api/v1/calls/"+gid, nil), 401, "unauthenticated")
			r := alice.Do("GET", "/api/v1/calls/"+gid, nil)
			Expect(t, "no call yet", r, 200, "")
			if m := r.Map(t); m["active"] != false || m["startedAt"] != nil || len(m["participants"].([]any)) != 0 {
				t.Fatalf("inactive call = %v", m)
			}
			aws, _ := DialWS(t, c.URL, alice)

			a := joinCall(t, c, alice, gid)
			b := joinCall(t, c, bob, gid)
			k := joinCall(t, c, carol, gid)
			for _, rx := range []*callclient.Client{a, b, k} {
				for _, tx := range []*callclient.Client{a, b, k} {
					if rx != tx {
						receives(t, rx, tx, "microphone")
						receives(t, rx, tx, "camera")
					}
				}
			}
			for {
				u := aws.Next("call.updated")
				if u["groupId"] != gid {
					t.Fatalf("call.updated = %v", u)
				}
				if ps := u["participants"].([]any); len(ps) == 3 {
					if ps[0] != aliceID || ps[1] != bobID {
						t.Fatalf("call.updated participants = %v", ps)
					}
					break
				}
			}
			r = bob.Do("GET", "/api/v1/calls/"+gid, nil)
			Expect(t, "the call", r, 200, "")
			if m := r.Map(t); m["active"] != true || m["startedAt"] == nil || len(m["participants"].([]any)) != 3 {
				t.Fatalf("active call = %v", m)
			}

			// The creator mutes bob for everyone: nobody hears him, and he
			// cannot lift it.
			bm := b.Mark()
			if err := a.Moderate(b.ParticipantID, "audio", true); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Wait(ctxFor(t), bm, "moderated", nil); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			before := k.Received(b.ParticipantID, "microphone")
			time.Sleep(time.Second)
			if got := k.Received(b.ParticipantID, "microphone"); got != before {
				t.Fatalf("carol still hears bob after a moderator's mute: %d packets", got-before)
			}
			bm = b.Mark()
			_ = b.Mute("audio", false)
			if f, err := b.Wait(ctxFor(t), bm, "error", nil); err != nil || !strings.Contains(string(f.Raw), "forbidden") {
				t.Fatalf("bob's unmute: %v %v", f, err)
			}

			// Carol is removed from the group: her call ends.
			carolID := userID(t, carol)
			Expect(t, "remove carol", alice.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+carolID, nil), 204, "")
			code, err := k.WaitClosed(ctxFor(t))
			if err != nil || code != 4004 {
				t.Fatalf("carol's call socket closed with %d (%v), want 4004", code, err)
			}
			if _, err := a.WaitParticipant(ctxFor(t), 0, "participant.left", k.ParticipantID, nil); err != nil {
				t.Fatal(err)
			}

			// The last one out ends the call.
			_ = a.Leave()
			_ = b.Leave()
			aws.Next("call.ended")
			deadline := time.Now().Add(10 * time.Second)
			for {
				m := alice.Do("GET", "/api/v1/calls/"+gid, nil).Map(t)
				if m["active"] == false {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the call is still active: %v", m)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func userID(t *testing.T, cl *Client) string {
	t.Helper()
	r := cl.Do("GET", "/api/v1/users/me", nil)
	Expect(t, "me", r, 200, "")
	id, ok := r.Map(t)["id"].(string)
	if !ok {
		t.Fatalf("me = %s", r.Body)
	}
	return id
}
