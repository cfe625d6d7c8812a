package ws

import (
	"encoding/json"
	"testing"
)

// TestLeanMessageFrame: message.created carries no null, false or empty
// optional field, and every field that has a value keeps its name.
func TestLeanMessageFrame(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	c, _ := h.dial(t, "tok-alice")
	msg := map[string]any{
		"id": "0192aaaa-0000-7000-8000-0000000000e1", "groupId": allGroup, "seq": 7, "authorId": "bob", "text": "hi",
		"attachments": []any{}, "createdAt": "2026-12-03T01:02:03.456Z", "clientMsgId": nil, "deleted": false, "hidden": false,
		"reactions": []any{}, "mentions": []any{"0192aaaa-0000-7000-8000-0000000000f1"}, "editedAt": nil, "replyTo": nil,
	}
	h.publish(TopicMessages, mustEvent(t, EventMessageCreated, map[string]any{"message": msg}))
	got := c.framesUntilMarker("message.deleted")
	if len(got) != 1 {
		t.Fatalf("frames %v", got)
	}
	m := got[0]["message"].(map[string]any)
	want := map[string]any{"id": msg["id"], "groupId": allGroup, "seq": 7.0, "authorId": "bob", "text": "hi",
		"createdAt": msg["createdAt"], "mentions": []any{"0192aaaa-0000-7000-8000-0000000000f1"}}
	if b, w := mustJSON(t, m), mustJSON(t, want); b != w {
		t.Fatalf("message %s, want %s", b, w)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
