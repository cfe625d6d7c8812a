package ws

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/event"
)

// submissions subscribes to TopicSubmitted as the message role would.
func (h *harness) submissions(t *testing.T) <-chan event.Event {
	t.Helper()
	ch := make(chan event.Event, 100)
	err := h.bus.Subscribe(context.Background(), event.Subscription{
		Topic: TopicSubmitted, Group: "message",
		Handler: func(_ context.Context, e event.Event) error { ch <- e; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestSendPublishesSubmittedWithTheConnectionsUserAsAuthor(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{groups: map[string][]string{"alice": {"0192aaaa-0000-7000-8000-000000000001"}}})
	subs := h.submissions(t)
	c, _ := h.dial(t, "tok-alice")
	c.send(map[string]any{
		"type": "message.send", "groupId": "0192aaaa-0000-7000-8000-000000000001", "clientMsgId": "c-1", "text": "hi <b>&",
		"attachments": []map[string]string{{"key": "groups/g1/k1"}},
		"authorId":    "mallory", "userId": "mallory",
	})
	var e event.Event
	select {
	case e = <-subs:
	case <-time.After(5 * time.Second):
		t.Fatal("nothing published")
	}
	var p Submitted
	if err := e.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if e.Type != EventSubmitted || e.Key != "0192aaaa-0000-7000-8000-000000000001" {
		t.Errorf("event type %q key %q, want %q key g1", e.Type, e.Key, EventSubmitted)
	}
	want := Submitted{GroupID: "0192aaaa-0000-7000-8000-000000000001", AuthorID: "alice", ClientMsgID: "c-1", Text: "hi <b>&"}
	if p.GroupID != want.GroupID || p.AuthorID != want.AuthorID || p.ClientMsgID != want.ClientMsgID || p.Text != want.Text ||
		len(p.Attachments) != 1 || p.Attachments[0].Key != "groups/g1/k1" {
		t.Fatalf("payload = %+v, want %+v with one attachment", p, want)
	}
}

// TestSendPassesReplyAndMentionsThrough checks the issue-13 fields of
// message.send: ws checks their shape (messagerule.CheckRefs) and passes
// them to the sequencer as they are; whether they name a message of the
// group and its members is the message role's to check.
func TestSendPassesReplyAndMentionsThrough(t *testing.T) {
	t.Parallel()
	const g1 = "0192aaaa-0000-7000-8000-000000000001"
	const m1 = "0192aaaa-0000-7000-8000-0000000000e1"
	const u1, u2 = "0192aaaa-0000-7000-8000-0000000000f1", "0192aaaa-0000-7000-8000-0000000000f2"
	h := newHarness(t, harnessOpts{groups: map[string][]string{"alice": {g1}}})
	subs := h.submissions(t)
	c, _ := h.dial(t, "tok-alice")
	c.send(map[string]any{"type": "message.send", "groupId": g1, "clientMsgId": "c-1", "text": "@bob yes", "replyToId": strings.ToUpper(m1), "mentions": []string{u1, strings.ToUpper(u2), u1}})
	select {
	case e := <-subs:
		var p Submitted
		if err := e.Decode(&p); err != nil || p.ReplyToID != m1 || strings.Join(p.Mentions, ",") != u1+","+u2+","+u1 {
			t.Fatalf("payload %+v (%v), want replyToId and mentions as sent, in canonical form", p, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing published")
	}
	c.send(map[string]any{"type": "message.send", "groupId": g1, "clientMsgId": "c-2", "text": "plain"})
	select {
	case e := <-subs:
		if strings.Contains(string(e.Payload), "replyToId") || strings.Contains(string(e.Payload), "mentions") {
			t.Fatalf("payload %s names a reply or mentions it was not sent with", e.Payload)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing published")
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = u1
	}
	for name, extra := range map[string]map[string]any{
		"reply id without dashes": {"replyToId": strings.ReplaceAll(m1, "-", "")},
		"reply id not an id":      {"replyToId": "42"},
		"mention not an id":       {"mentions": []string{"@bob"}},
		"51 mentions":             {"mentions": many},
	} {
		f := map[string]any{"type": "message.send", "groupId": g1, "clientMsgId": "c-" + name, "text": "x"}
		for k, v := range extra {
			f[k] = v
		}
		c.send(f)
		if got := c.read(); got["type"] != "message.rejected" || got["error"].(map[string]any)["code"] != "invalid" {
			t.Fatalf("%s: %v, want message.rejected invalid", name, got)
		}
	}
	select {
	case e := <-subs:
		t.Fatalf("published %s for a rejected send", e.Payload)
	default:
	}
}

// TestSendCanonicalisesTheGroupID is issue 12 defect 3 on the chat
// WebSocket: a group id in another spelling is published in canonical
// form (the one every role matches on), and what is no id names no group.
func TestSendCanonicalisesTheGroupID(t *testing.T) {
	t.Parallel()
	const g1 = "0192aaaa-0000-7000-8000-000000000001"
	h := newHarness(t, harnessOpts{groups: map[string][]string{"alice": {g1}}})
	subs := h.submissions(t)
	c, _ := h.dial(t, "tok-alice")
	c.send(map[string]any{"type": "message.send", "groupId": strings.ToUpper(g1), "clientMsgId": "c-1", "text": "hi"})
	select {
	case e := <-subs:
		var p Submitted
		if err := e.Decode(&p); err != nil || e.Key != g1 || p.GroupID != g1 {
			t.Fatalf("published key %q payload %+v (%v), want the canonical id", e.Key, p, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing published")
	}
	for _, bad := range []string{strings.ReplaceAll(g1, "-", ""), "{" + g1 + "}", g1 + " ", "urn:uuid:" + g1} {
		c.send(map[string]any{"type": "message.send", "groupId": bad, "clientMsgId": "c-2", "text": "hi"})
		f := c.read()
		if f["type"] != "message.rejected" || f["error"].(map[string]any)["code"] != "not_found" {
			t.Fatalf("groupId %q: %v, want message.rejected not_found", bad, f)
		}
	}
}

func TestSendIsRejectedToTheSenderOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{groups: map[string][]string{"alice": {"0192aaaa-0000-7000-8000-000000000001"}}})
	long := strings.Repeat("é", MaxTextLen+1)
	atts := make([]map[string]string, MaxAttachments+1)
	for i := range atts {
		atts[i] = map[string]string{"key": "k"}
	}
	cases := []struct {
		name  string
		frame map[string]any
		code  string
	}{
		{"not a member", map[string]any{"groupId": "0192aaaa-0000-7000-8000-0000000000b1", "clientMsgId": "c", "text": "x"}, "not_found"},
		{"no clientMsgId", map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000001", "text": "x"}, "invalid"},
		{"clientMsgId too long", map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000001", "clientMsgId": strings.Repeat("c", 65), "text": "x"}, "invalid"},
		{"text too long", map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000001", "clientMsgId": "c", "text": long}, "invalid"},
		{"empty without attachment", map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000001", "clientMsgId": "c", "text": ""}, "invalid"},
		{"too many attachments", map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000001", "clientMsgId": "c", "text": "x", "attachments": atts}, "invalid"},
		{"attachment without key", map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000001", "clientMsgId": "c", "attachments": []map[string]string{{}}}, "invalid"},
		{"no groupId", map[string]any{"clientMsgId": "c", "text": "x"}, "invalid"},
	}
	subs := h.submissions(t)
	other, _ := h.dial(t, "tok-alice")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := h.dial(t, "tok-alice")
			tc.frame["type"] = "message.send"
			wantID, _ := tc.frame["clientMsgId"].(string)
			c.send(tc.frame)
			f := c.read()
			if f["type"] != "message.rejected" || f["clientMsgId"] != wantID {
				t.Fatalf("frame = %v, want message.rejected", f)
			}
			if code := f["error"].(map[string]any)["code"]; code != tc.code {
				t.Fatalf("code = %v, want %s", code, tc.code)
			}
		})
	}
	other.send(map[string]any{"type": "ping"})
	if f := other.read(); f["type"] != "pong" {
		t.Fatalf("other connection of the sender got %v, want only pong", f)
	}
	select {
	case e := <-subs:
		t.Fatalf("published %v for a rejected send", e)
	default:
	}
}

func TestSendWhenTheBusFailsIsRejectedAsUnavailable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{failSubmit: true})
	c, _ := h.dial(t, "tok-alice")
	c.send(map[string]any{"type": "message.send", "groupId": allGroup, "clientMsgId": "c-9", "text": "x"})
	f := c.read()
	if f["type"] != "message.rejected" || f["error"].(map[string]any)["code"] != "unavailable" || f["groupId"] != allGroup {
		t.Fatalf("frame = %v, want message.rejected unavailable", f)
	}
}

func TestPingUnknownAndMalformedFrames(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	c, _ := h.dial(t, "tok-alice")
	c.send(map[string]any{"type": "ping"})
	if f := c.read(); f["type"] != "pong" {
		t.Fatalf("ping → %v, want pong", f)
	}
	for _, raw := range []string{`{"type":"dance"}`, `not json`, `[1,2]`} {
		c.sendRaw([]byte(raw))
		f := c.read()
		if f["type"] != "error" || f["error"].(map[string]any)["code"] != "invalid" {
			t.Fatalf("%s → %v, want error invalid", raw, f)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageBinary, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if f := c.read(); f["type"] != "error" {
		t.Fatalf("binary frame → %v, want error", f)
	}
	c.send(map[string]any{"type": "ping"})
	if f := c.read(); f["type"] != "pong" {
		t.Fatalf("connection unusable after errors: %v", f)
	}
}
