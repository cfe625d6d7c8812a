package ws

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/group/groupevent"
)

// nextPresence reads c's frames up to the next presence frame and returns
// it as "user status".
func nextPresence(t *testing.T, c *client) string {
	t.Helper()
	for {
		f := c.read()
		if f["type"] == "presence" {
			return f["userId"].(string) + " " + f["status"].(string)
		}
	}
}

// presenceIn lists the presence list of a ready frame as "user status".
func presenceIn(t *testing.T, ready map[string]any) []string {
	t.Helper()
	list, ok := ready["presence"].([]any)
	if !ok {
		t.Fatalf("ready has no presence list: %v", ready)
	}
	out := []string{}
	for _, e := range list {
		m := e.(map[string]any)
		out = append(out, m["userId"].(string)+" "+m["status"].(string))
	}
	return out
}

// noPresenceYet checks that c has received no presence frame so far: the
// frames before the answer to a ping.
func noPresenceYet(t *testing.T, c *client) {
	t.Helper()
	c.send(map[string]any{"type": "ping"})
	for {
		f := c.read()
		if f["type"] == "pong" {
			return
		}
		if f["type"] == "presence" {
			t.Fatalf("received %v", f)
		}
	}
}

func TestPresenceFramesReachWhoSharesAGroup(t *testing.T) {
	t.Parallel()
	const g1, g3 = "0192aaaa-0000-7000-8000-000000000001", "0192aaaa-0000-7000-8000-000000000003"
	h := newHarness(t, harnessOpts{
		presence: true,
		limits:   Limits{Presence: PresenceLimits{Tick: 50 * time.Millisecond, Grace: 300 * time.Millisecond}},
		groups:   map[string][]string{"alice": {g1}, "bob": {g1}, "carol": {g3}},
		alone:    []string{"alice", "bob", "carol"},
	})
	status := func(u string) string {
		p := h.srv.presence
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.view.status(u)
	}

	bob, ready := h.dial(t, "tok-bob")
	if got := presenceIn(t, ready); len(got) != 0 {
		t.Fatalf("bob's ready lists %v, want nobody", got)
	}
	carol, _ := h.dial(t, "tok-carol")
	waitFor(t, "bob online", func() bool { return status("bob") == StatusOnline })

	alice, ready := h.dial(t, "tok-alice")
	if got := presenceIn(t, ready); len(got) != 1 || got[0] != "bob online" {
		t.Fatalf("alice's ready lists %v, want bob online", got)
	}
	if got := nextPresence(t, bob); got != "alice online" {
		t.Fatalf("bob got %q, want alice online", got)
	}
	// A second session of alice changes nothing.
	alice2, _ := h.dial(t, "tok-alice")

	alice.send(map[string]any{"type": "presence", "status": "away"})
	alice2.send(map[string]any{"type": "presence", "status": "away"})
	if got := nextPresence(t, bob); got != "alice away" {
		t.Fatalf("bob got %q, want alice away", got)
	}
	alice2.send(map[string]any{"type": "presence", "status": "online"})
	if got := nextPresence(t, bob); got != "alice online" {
		t.Fatalf("bob got %q, want alice online", got)
	}
	for _, bad := range []map[string]any{{"type": "presence"}, {"type": "presence", "status": "offline"}, {"type": "presence", "status": 1}} {
		alice.send(bad)
		if f := alice.read(); f["type"] != "error" || f["error"].(map[string]any)["code"] != "invalid" {
			t.Fatalf("%v: got %v, want error invalid", bad, f)
		}
	}

	// Both of alice's sessions close: offline after the grace period.
	start := time.Now()
	_ = alice.ws.CloseNow()
	_ = alice2.ws.CloseNow()
	if got := nextPresence(t, bob); got != "alice offline" {
		t.Fatalf("bob got %q, want alice offline", got)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("offline after %v, before the grace period", d)
	}
	// carol shares no group with alice or bob: she heard nothing, and
	// alice and bob's own sessions never hear of themselves.
	noPresenceYet(t, carol)
	noPresenceYet(t, bob)
}

func TestPresenceReconnectWithinGraceIsNoFlap(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{
		presence: true,
		limits:   Limits{Presence: PresenceLimits{Tick: 50 * time.Millisecond, Grace: time.Second}},
	})
	bob, _ := h.dial(t, "tok-bob")
	alice, _ := h.dial(t, "tok-alice")
	if got := nextPresence(t, bob); got != "alice online" {
		t.Fatalf("bob got %q", got)
	}
	_ = alice.ws.CloseNow()
	time.Sleep(300 * time.Millisecond)
	h.dial(t, "tok-alice")
	time.Sleep(1500 * time.Millisecond) // past the grace period
	noPresenceYet(t, bob)
}

// TestPresenceManyChangesGoAsOneBatch: twenty users coming online in one
// tick reach bob as one presence.batch frame, not twenty frames (a cold
// start must not overflow his send queue); and a member who joins a group
// is told, in a presence.batch, who of its members is not offline.
func TestPresenceManyChangesGoAsOneBatch(t *testing.T) {
	t.Parallel()
	const g1 = "0192aaaa-0000-7000-8000-000000000001"
	h := newHarness(t, harnessOpts{
		presence: true,
		limits:   Limits{Presence: PresenceLimits{Tick: 50 * time.Millisecond}},
		groups:   map[string][]string{"carol": {g1}},
		alone:    []string{"carol"},
	})
	bob, _ := h.dial(t, "tok-bob")
	carol, _ := h.dial(t, "tok-carol")
	// Another instance announces twenty users of allGroup in one event.
	pe := presenceEvent{Instance: "other", Seq: 1, Reset: true, Final: true}
	for i := range 20 {
		pe.Users = append(pe.Users, presenceUpdate{UserID: fmt.Sprintf("u%02d", i), Status: StatusOnline, Groups: []string{allGroup}})
	}
	e := mustEvent(t, EventPresence, pe)
	e.Key = "other"
	if err := h.bus.Publish(t.Context(), TopicPresence, e); err != nil {
		t.Fatal(err)
	}
	for {
		f := bob.read()
		if f["type"] == "presence" {
			t.Fatalf("bob got a single presence frame %v, want one presence.batch", f)
		}
		if f["type"] != "presence.batch" {
			continue
		}
		list := f["presence"].([]any)
		if len(list) != 20 || list[0].(map[string]any)["userId"] != "u00" || list[0].(map[string]any)["status"] != "online" {
			t.Fatalf("batch %v, want u00…u19 online", list)
		}
		break
	}
	// carol is not in allGroup: she heard of none of them.
	noPresenceYet(t, carol)

	// bob joins g1, carol's group: carol hears bob online, bob is told
	// carol's status.
	waitFor(t, "carol online", func() bool {
		p := h.srv.presence
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.view.status("carol") == StatusOnline
	})
	h.publish(groupevent.Topic, mustEvent(t, groupevent.TypeMemberAdded, groupevent.MemberChanged{GroupID: g1, Member: groupevent.Member{UserID: "bob", Role: "member"}}))
	for {
		f := bob.read()
		if f["type"] == "presence.batch" {
			if list := f["presence"].([]any); len(list) != 1 || list[0].(map[string]any)["userId"] != "carol" || list[0].(map[string]any)["status"] != "online" {
				t.Fatalf("bob joining g1 got %v, want carol online", list)
			}
			break
		}
	}
	if got := nextPresence(t, carol); got != "bob online" {
		t.Fatalf("carol got %q, want bob online", got)
	}
}
