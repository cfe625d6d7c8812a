package ws

import (
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
)

// fence makes sure the frames c sent so far are handled (a ping answered),
// then publishes a typing event of user "fence" in each group, keyed as
// ws keys typing, so that it follows whatever c's frames published there.
func (p *people) fence(t *testing.T, c *client, groups ...string) {
	t.Helper()
	c.send(map[string]any{"type": "ping"})
	for c.read()["type"] != "pong" {
	}
	for _, g := range groups {
		e := mustEvent(t, EventTyping, map[string]any{"groupId": g, "userId": "fence"})
		e.Key = g
		if err := p.h.bus.Publish(t.Context(), TopicTyping, e); err != nil {
			t.Fatal(err)
		}
	}
}

// typingFrames reads c's frames up to n fences and returns the typing
// frames before them as "group user".
func typingFrames(t *testing.T, c *client, n int) []string {
	t.Helper()
	var out []string
	for n > 0 {
		f := c.read()
		switch {
		case f["type"] != "typing":
		case f["userId"] == "fence":
			n--
		default:
			out = append(out, f["groupId"].(string)+" "+f["userId"].(string))
		}
	}
	return out
}

func TestTypingReachesTheOtherMembersOnceEveryThreeSeconds(t *testing.T) {
	t.Parallel()
	p := newPeople(t)
	alice1, alice2, bob, carol := p.conns["alice1"], p.conns["alice2"], p.conns["bob"], p.conns["carol"]
	typing := func(c *client, g string) { c.send(map[string]any{"type": "typing", "groupId": g}) }

	// Three in a row in g1, one in g2: bob sees one typing in g1 (the rest
	// dropped), carol the one in g2, alice's own sessions nothing.
	typing(alice1, g1)
	typing(alice1, g1)
	typing(alice1, g1)
	typing(alice1, g2)
	p.fence(t, alice1, g1, g2)
	if got := typingFrames(t, bob, 1); !slices.Equal(got, []string{g1 + " alice"}) {
		t.Fatalf("bob saw %v, want alice typing in g1 once", got)
	}
	if got := typingFrames(t, carol, 1); !slices.Equal(got, []string{g2 + " alice"}) {
		t.Fatalf("carol saw %v, want alice typing in g2 once", got)
	}
	for name, c := range map[string]*client{"alice1": alice1, "alice2": alice2} {
		if got := typingFrames(t, c, 2); len(got) != 0 {
			t.Errorf("%s saw her own typing: %v", name, got)
		}
	}

	// A group she is not in is an error and reaches no one.
	bob.send(map[string]any{"type": "typing", "groupId": g2})
	if f := bob.read(); f["type"] != "error" || f["error"].(map[string]any)["code"] != "not_found" {
		t.Fatalf("typing in another's group: %v, want a not_found error", f)
	}

	// Another connection of alice has its own allowance; after three
	// seconds the first has it back.
	typing(alice2, g1)
	p.fence(t, alice2)
	time.Sleep(TypingInterval + 100*time.Millisecond)
	typing(alice1, g1)
	p.fence(t, alice1, g1, g2)
	if got := typingFrames(t, bob, 1); !slices.Equal(got, []string{g1 + " alice", g1 + " alice"}) {
		t.Fatalf("bob saw %v, want alice typing in g1 twice (her second session, then her first after 3 s)", got)
	}
	if got := typingFrames(t, carol, 1); len(got) != 0 {
		t.Errorf("carol saw %v", got)
	}
}

func TestStaleTypingIsDropped(t *testing.T) {
	t.Parallel()
	p := newPeople(t)
	old := mustEvent(t, EventTyping, map[string]any{"groupId": g1, "userId": "alice"})
	old.OccurredAt = time.Now().Add(-time.Minute)
	p.expect(t, TopicTyping, []event.Event{old}, nil)
}
