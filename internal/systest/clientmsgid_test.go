package systest

import (
	"strings"
	"testing"
)

// TestOneRuleForAMessagesShape is issue 12 defect 12 on the chat
// WebSocket of a running node: what ws accepts, the message role stores,
// and what it would refuse, ws refuses at once to the sender. A clientMsgId
// of 40 two-byte characters (80 bytes) is within the 64-character rule;
// one of 65 characters and a blank text are not.
func TestOneRuleForAMessagesShape(t *testing.T) {
	t.Parallel()
	c := Start(t, Embedded)
	alice, _ := signUp(t, c, "alice", "alice password")
	gid := groupWith(t, alice, "Shapes")
	ws, _ := DialWS(t, c.URL, alice)

	wide := strings.Repeat("é", 40)
	ws.Send(map[string]any{"type": "message.send", "groupId": gid, "clientMsgId": wide, "text": "hello"})
	if m := ws.Next("message.created")["message"].(map[string]any); m["clientMsgId"] != wide {
		t.Fatalf("created %v, want clientMsgId %q", m, wide)
	}
	for _, f := range []map[string]any{
		{"clientMsgId": strings.Repeat("é", 65), "text": "too long an id"},
		{"clientMsgId": "blank", "text": "   "},
	} {
		f["type"], f["groupId"] = "message.send", gid
		ws.Send(f)
		r := ws.Next("message.rejected")
		if r["clientMsgId"] != f["clientMsgId"] || r["error"].(map[string]any)["code"] != "invalid" {
			t.Fatalf("rejected %v, want invalid for %v", r, f["clientMsgId"])
		}
	}
}
