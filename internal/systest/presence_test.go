package systest

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/event/kafkabus"
	"github.com/parleychat/parley/internal/ws"
)

// nextPresence waits up to within for w's next presence frame about
// userID and returns its status.
func nextPresence(t *testing.T, w *WS, userID string, within time.Duration) string {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case f, ok := <-w.frames:
			if !ok {
				t.Fatal("ws closed while waiting for presence")
			}
			if f["type"] == "presence" && f["userId"] == userID {
				return f["status"].(string)
			}
		case <-timeout:
			t.Fatalf("no presence of %s within %v", userID, within)
		}
	}
}

// TestPresence is issue 14's presence in both modes (split: alice on
// another ws instance than bob, so that it crosses the bus): bob sees
// alice online, away, online and offline (after the grace period), a
// later session of bob finds her in ready, and carol, who shares no group
// with them, hears nothing.
func TestPresence(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := StartWith(t, mode, map[string]int{"ws": 2})
			alice, aliceMe := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			carol, _ := signUp(t, c, "carol", "carol password")
			aliceID, bobID := aliceMe["id"].(string), bobMe["id"].(string)
			groupWith(t, alice, "Presence", bob)
			other := c.URL
			if mode == Split {
				other = c.Instances["ws"][1].URL
			}
			bws, ready := DialWS(t, c.URL, bob)
			if l, _ := ready["presence"].([]any); ready["presence"] == nil || len(l) != 0 {
				t.Fatalf("bob's ready presence = %v, want []", ready["presence"])
			}
			cws, _ := DialWS(t, c.URL, carol)

			aws, ready := DialWS(t, other, alice)
			if s := nextPresence(t, bws, aliceID, 10*time.Second); s != "online" {
				t.Fatalf("bob saw alice %s, want online", s)
			}
			// alice's instance learns of bob at his instance's next tick
			// (1 s): her first session has him in ready or hears him come
			// online soon after, never nothing.
			if l, _ := ready["presence"].([]any); len(l) == 0 {
				if s := nextPresence(t, aws, bobID, 5*time.Second); s != "online" {
					t.Fatalf("alice saw bob %s, want online", s)
				}
			} else if len(l) != 1 || l[0].(map[string]any)["userId"] != bobID || l[0].(map[string]any)["status"] != "online" {
				t.Fatalf("alice's first ready presence = %v, want bob online", ready["presence"])
			}
			// bob is online too: alice's second session finds him in ready.
			a2, ready := DialWS(t, other, alice)
			if l, _ := ready["presence"].([]any); len(l) != 1 || l[0].(map[string]any)["userId"] != bobID || l[0].(map[string]any)["status"] != "online" {
				t.Fatalf("alice's ready presence = %v, want bob online", ready["presence"])
			}
			// One session away, the other active: still online, and a
			// new session of bob finds her so in ready.
			aws.Send(map[string]any{"type": "presence", "status": "away"})
			bws.None("presence", 1500*time.Millisecond)
			_, ready = DialWS(t, c.URL, bob)
			if l, _ := ready["presence"].([]any); len(l) != 1 || l[0].(map[string]any)["userId"] != aliceID || l[0].(map[string]any)["status"] != "online" {
				t.Fatalf("bob's second ready presence = %v, want alice online", ready["presence"])
			}
			// The active session closes: the away one is left.
			a2.conn.CloseNow()
			if s := nextPresence(t, bws, aliceID, 10*time.Second); s != "away" {
				t.Fatalf("bob saw alice %s, want away", s)
			}
			aws.Send(map[string]any{"type": "presence", "status": "online"})
			if s := nextPresence(t, bws, aliceID, 10*time.Second); s != "online" {
				t.Fatalf("bob saw alice %s, want online", s)
			}
			start := time.Now()
			aws.conn.CloseNow()
			if s := nextPresence(t, bws, aliceID, 15*time.Second); s != "offline" {
				t.Fatalf("bob saw alice %s, want offline", s)
			}
			if d := time.Since(start); d < 4*time.Second { // grace: 5 s
				t.Fatalf("alice offline after %v, within the grace period", d)
			}
			cws.None("presence", 100*time.Millisecond)
		})
	}
}

// TestPresenceInstanceDies: a ws instance that dies without a word (here
// a fake one on the bus, which announces alice and then falls silent, as
// a SIGKILLed instance does) has its users taken offline by the others
// within the TTL (30 s) and a tick.
func TestPresenceInstanceDies(t *testing.T) {
	c := StartWith(t, Split, nil)
	alice, aliceMe := signUp(t, c, "alice", "alice password")
	bob, _ := signUp(t, c, "bob", "bob password")
	aliceID := aliceMe["id"].(string)
	gid := groupWith(t, alice, "Presence", bob)
	bws, _ := DialWS(t, c.URL, bob)

	cfg, err := kafkabus.ParseURL(c.Base.EventsURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus, err := kafkabus.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	e, err := event.New(ws.EventPresence, "dying", map[string]any{
		"instance": "dying", "seq": 1, "reset": true, "final": true,
		"users": []map[string]any{{"u": aliceID, "s": "online", "g": []string{gid}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Publish(ctx, ws.TopicPresence, e); err != nil {
		t.Fatal(err)
	}
	if s := nextPresence(t, bws, aliceID, 10*time.Second); s != "online" {
		t.Fatalf("bob saw alice %s, want online", s)
	}
	start := time.Now()
	if s := nextPresence(t, bws, aliceID, 45*time.Second); s != "offline" {
		t.Fatalf("bob saw alice %s, want offline", s)
	}
	if d := time.Since(start); d < 25*time.Second || d > 40*time.Second {
		t.Fatalf("alice offline %v after her instance fell silent, want about 30 s", d)
	}
}

// TestPresenceInstanceStops: a ws instance that shuts down gracefully
// (a rolling restart) keeps its users for the grace period; alice, who
// reconnects to the other instance at once, shows bob no flap. Once she
// leaves for good she goes offline.
func TestPresenceInstanceStops(t *testing.T) {
	c := StartWith(t, Split, map[string]int{"ws": 2})
	alice, aliceMe := signUp(t, c, "alice", "alice password")
	bob, _ := signUp(t, c, "bob", "bob password")
	aliceID := aliceMe["id"].(string)
	groupWith(t, alice, "Presence", bob)
	bws, _ := DialWS(t, c.Instances["ws"][0].URL, bob)
	DialWS(t, c.Instances["ws"][1].URL, alice)
	if s := nextPresence(t, bws, aliceID, 10*time.Second); s != "online" {
		t.Fatalf("bob saw alice %s, want online", s)
	}
	if err := c.Instances["ws"][1].Stop(); err != nil {
		t.Fatal(err)
	}
	aws, _ := DialWS(t, c.Instances["ws"][0].URL, alice)
	bws.None("presence", 8*time.Second) // past the grace period: no flap
	aws.conn.CloseNow()
	if s := nextPresence(t, bws, aliceID, 15*time.Second); s != "offline" {
		t.Fatalf("bob saw alice %s, want offline", s)
	}
}
