package ws

import (
	"slices"
	"testing"

	"github.com/parleychat/parley/internal/event"
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
