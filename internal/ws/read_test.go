package ws

import (
	"slices"
	"testing"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
)

const (
	g1 = "0192aaaa-0000-7000-8000-000000000001" // alice and bob
	g2 = "0192aaaa-0000-7000-8000-000000000002" // alice and carol
)

func TestReadyCarriesTheReadState(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{groups: map[string][]string{"alice": {g1}}, seqs: map[string]int64{g1: 7}})
	_, ready := h.dial(t, "tok-alice")
	for _, g := range ready["groups"].([]any) {
		g := g.(map[string]any)
		for _, k := range []string{"groupId", "lastSeq", "lastReadSeq", "unread", "mentions"} {
			if _, ok := g[k]; !ok {
				t.Errorf("ready group %v has no %s", g, k)
			}
		}
		if g["groupId"] == g1 && g["lastSeq"] != 7.0 {
			t.Errorf("ready group %v, want lastSeq 7", g)
		}
	}
}

func TestReadFrameGoesToTheMessageRole(t *testing.T) {
	t.Parallel()
	p := newPeople(t)
	alice, bob := p.conns["alice1"], p.conns["bob"]
	alice.send(map[string]any{"type": "read", "groupId": g1, "seq": 5})
	waitFor(t, "the cursor to move", func() bool { return slices.Equal(p.h.seqs.marked(), []string{g1 + " alice 5"}) })

	for name, f := range map[string]struct {
		c    *client
		body string
		code string
	}{
		"no seq":            {alice, `{"type":"read","groupId":"` + g1 + `"}`, "invalid"},
		"a negative seq":    {alice, `{"type":"read","groupId":"` + g1 + `","seq":-1}`, "invalid"},
		"a fractional seq":  {alice, `{"type":"read","groupId":"` + g1 + `","seq":1.5}`, "invalid"},
		"a string seq":      {alice, `{"type":"read","groupId":"` + g1 + `","seq":"1"}`, "invalid"},
		"another's group":   {bob, `{"type":"read","groupId":"` + g2 + `","seq":1}`, "not_found"},
		"a malformed group": {bob, `{"type":"read","groupId":"nope","seq":1}`, "not_found"},
	} {
		f.c.sendRaw([]byte(f.body))
		got := f.c.read()
		if got["type"] != "error" || got["error"].(map[string]any)["code"] != f.code {
			t.Errorf("%s: %v, want an error frame with code %s", name, got, f.code)
		}
	}
	if got := p.h.seqs.marked(); len(got) != 1 {
		t.Fatalf("refused read frames moved cursors: %v", got)
	}
}

func TestReadAndReceiptEventsReachTheRightConnections(t *testing.T) {
	t.Parallel()
	p := newPeople(t)
	got := p.expect(t, TopicMessages, []event.Event{
		mustEvent(t, EventReadUpdated, map[string]any{"groupId": g1, "userId": "alice", "lastReadSeq": 3, "lastSeq": 5, "unread": 2, "mentions": 1}),
	}, map[string][]string{"alice1": {"read.updated"}, "alice2": {"read.updated"}})
	f := got["alice2"]
	if len(f) == 1 && (f[0]["groupId"] != g1 || f[0]["lastReadSeq"] != 3.0 || f[0]["unread"] != 2.0 || f[0]["mentions"] != 1.0) {
		t.Errorf("read.updated frame = %v", f[0])
	}
	// bob's receipt, for alice and carol: carol is not in g1, bob never
	// gets his own.
	got = p.expect(t, TopicMessages, []event.Event{
		mustEvent(t, EventReceiptUpdated, map[string]any{"groupId": g1, "userId": "bob", "lastReadSeq": 3, "to": []string{"alice", "carol"}}),
	}, map[string][]string{"alice1": {"receipt.updated"}, "alice2": {"receipt.updated"}})
	f = got["alice1"]
	if len(f) == 1 && (f[0]["groupId"] != g1 || f[0]["userId"] != "bob" || f[0]["lastReadSeq"] != 3.0 || f[0]["to"] != nil) {
		t.Errorf("receipt.updated frame = %v", f[0])
	}
	// Not in the list (alice does not share): nobody.
	p.expect(t, TopicMessages, []event.Event{
		mustEvent(t, EventReceiptUpdated, map[string]any{"groupId": g1, "userId": "bob", "lastReadSeq": 4, "to": []string{}}),
	}, nil)
}

func TestReadFramesThatCannotMoveTheCursorStayHere(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{groups: map[string][]string{"alice": {g1}}, seqs: map[string]int64{g1: 10}})
	c, _ := h.dial(t, "tok-alice")
	for _, seq := range []int{5, 3, 5, 0, 7, 99, 12} {
		c.send(map[string]any{"type": "read", "groupId": g1, "seq": seq})
	}
	c.send(map[string]any{"type": "ping"})
	if f := c.read(); f["type"] != "pong" {
		t.Fatalf("got %v, want pong", f)
	}
	// 5 moves it; 3, 5 and 0 cannot; 7 moves it; 99 is clamped to 10;
	// 12 is passed on, since the group may have grown past 10 meanwhile.
	want := []string{g1 + " alice 5", g1 + " alice 7", g1 + " alice 99", g1 + " alice 12"}
	if got := h.seqs.marked(); !slices.Equal(got, want) {
		t.Fatalf("MarkRead calls %v, want %v", got, want)
	}

	// Removed and added back, the connection forgets what it knew: the
	// message role dropped the cursor with the membership.
	h.publish(groupevent.Topic, mustEvent(t, groupevent.TypeMemberRemoved, groupevent.MemberRemoved{GroupID: g1, UserID: "alice"}),
		mustEvent(t, groupevent.TypeMemberAdded, groupevent.MemberChanged{GroupID: g1, Member: groupevent.Member{UserID: "alice", Role: "member"}}))
	c.framesUntilMarker("group.updated")
	c.send(map[string]any{"type": "read", "groupId": g1, "seq": 4})
	waitFor(t, "the read after re-joining to be passed on", func() bool { return len(h.seqs.marked()) == len(want)+1 })
}
