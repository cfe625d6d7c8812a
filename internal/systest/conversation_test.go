package systest

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/config"
)

// convMessage is a Message with the fields of issue 13.
type convMessage struct {
	ID       string   `json:"id"`
	Seq      int64    `json:"seq"`
	AuthorID string   `json:"authorId"`
	Text     string   `json:"text"`
	Deleted  bool     `json:"deleted"`
	EditedAt string   `json:"editedAt"`
	Mentions []string `json:"mentions"`
	ReplyTo  *struct {
		ID, AuthorID, Excerpt string
		Seq                   int64
		Deleted               bool
	} `json:"replyTo"`
	Reactions []struct {
		Emoji   string   `json:"emoji"`
		Count   int      `json:"count"`
		UserIDs []string `json:"userIds"`
	} `json:"reactions"`
}

// convHistory is the newest page of gid as cl sees it, by id.
func convHistory(t *testing.T, cl *Client, gid string) map[string]convMessage {
	t.Helper()
	r := cl.Do("GET", "/api/v1/groups/"+gid+"/messages", nil)
	Expect(t, "history", r, 200, "")
	var p struct {
		Items []convMessage `json:"items"`
	}
	r.JSON(t, &p)
	out := map[string]convMessage{}
	for _, m := range p.Items {
		out[m.ID] = m
	}
	return out
}

// frameMessage decodes the message of a message.created or .updated frame.
func frameMessage(t *testing.T, f map[string]any) map[string]any {
	t.Helper()
	m, ok := f["message"].(map[string]any)
	if !ok {
		t.Fatalf("frame without message: %v", f)
	}
	return m
}

// TestConversation is issue 13's "Add" between two users, over HTTP and
// the chat WebSocket, in both modes: a message with mentions, a reply, an
// edit seen live, reactions added and taken back, the refusals (someone
// else's message, a non-member, a bad emoji, a reply to another group's
// message) that change nothing, and a reload through history.
func TestConversation(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := Start(t, mode)
			alice, aliceMe := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			eve, eveMe := signUp(t, c, "eve", "eve password")
			aliceID, bobID, eveID := aliceMe["id"].(string), bobMe["id"].(string), eveMe["id"].(string)
			gid := groupWith(t, alice, "Chat", bob)
			other := groupWith(t, eve, "Elsewhere")
			r := eve.Do("POST", "/api/v1/groups/"+other+"/messages", map[string]any{"clientMsgId": "e-1", "text": "not yours"})
			Expect(t, "eve's message", r, 201, "")
			elsewhere := r.Map(t)["id"].(string)

			aws, _ := DialWS(t, c.URL, alice)
			bws, _ := DialWS(t, c.URL, bob)
			both := []*WS{aws, bws}

			// A message mentioning bob (and eve, who is no member).
			aws.Send(map[string]any{"type": "message.send", "groupId": gid, "clientMsgId": "a-1", "text": "hello @bob @eve", "mentions": []string{bobID, eveID, bobID}})
			var first string
			for _, w := range both {
				m := frameMessage(t, w.Next("message.created"))
				ms, _ := m["mentions"].([]any)
				if m["text"] != "hello @bob @eve" || len(ms) != 1 || ms[0] != bobID {
					t.Fatalf("created = %v, want bob mentioned only", m)
				}
				first = m["id"].(string)
			}

			// Bob replies over the WebSocket.
			bws.Send(map[string]any{"type": "message.send", "groupId": gid, "clientMsgId": "b-1", "text": "hi!", "replyToId": first})
			var reply string
			for _, w := range both {
				m := frameMessage(t, w.Next("message.created"))
				q, _ := m["replyTo"].(map[string]any)
				if q["id"] != first || q["authorId"] != aliceID || q["excerpt"] != "hello @bob @eve" || q["deleted"] != false {
					t.Fatalf("reply = %v", m)
				}
				reply = m["id"].(string)
			}
			// A reply to another group's message is refused: over the
			// WebSocket as message.rejected, over REST as 400.
			bws.Send(map[string]any{"type": "message.send", "groupId": gid, "clientMsgId": "b-2", "text": "sneaky", "replyToId": elsewhere})
			if f := bws.Next("message.rejected"); f["clientMsgId"] != "b-2" || f["error"].(map[string]any)["code"] != "invalid" {
				t.Fatalf("rejected = %v", f)
			}
			Expect(t, "REST reply to another group's message", bob.Do("POST", "/api/v1/groups/"+gid+"/messages", map[string]any{"clientMsgId": "b-3", "text": "sneaky", "replyToId": elsewhere}), 400, "invalid")

			// Alice edits hers; both see it live.
			edit := "/api/v1/groups/" + gid + "/messages/" + first
			r = alice.Do("PATCH", edit, map[string]any{"text": "hello @bob, edited", "mentions": []string{bobID}})
			Expect(t, "edit", r, 200, "")
			if m := r.Map(t); m["editedAt"] == nil || m["seq"] != float64(1) {
				t.Fatalf("edited = %v", m)
			}
			for _, w := range both {
				m := frameMessage(t, w.Next("message.updated"))
				if m["id"] != first || m["text"] != "hello @bob, edited" || m["editedAt"] == nil {
					t.Fatalf("updated = %v", m)
				}
			}
			Expect(t, "bob edits alice's message", bob.Do("PATCH", edit, map[string]any{"text": "mine now"}), 403, "forbidden")
			Expect(t, "eve edits it", eve.Do("PATCH", edit, map[string]any{"text": "mine now"}), 404, "not_found")
			aws.None("message.updated", 300*time.Millisecond)

			// Reactions.
			react := func(cl *Client, method, mid, emoji string) Response {
				return cl.Do(method, "/api/v1/groups/"+gid+"/messages/"+mid+"/reactions/"+url.PathEscape(emoji), nil)
			}
			Expect(t, "bob reacts", react(bob, "PUT", first, "👍"), 204, "")
			for _, w := range both {
				f := w.Next("reaction.added")
				if f["groupId"] != gid || f["messageId"] != first || f["seq"] != float64(1) || f["emoji"] != "👍" || f["userId"] != bobID {
					t.Fatalf("reaction.added = %v", f)
				}
			}
			Expect(t, "bob reacts again", react(bob, "PUT", first, "👍"), 204, "")
			Expect(t, "alice reacts", react(alice, "PUT", first, "❤️"), 204, "")
			if f := aws.Next("reaction.added"); f["emoji"] != "❤️" || f["userId"] != aliceID {
				t.Fatalf("after a repeated add, the next reaction.added = %v, want alice's ❤️", f)
			}
			Expect(t, "bob takes his back", react(bob, "DELETE", first, "👍"), 204, "")
			for _, w := range both {
				if f := w.Next("reaction.removed"); f["emoji"] != "👍" || f["userId"] != bobID {
					t.Fatalf("reaction.removed = %v", f)
				}
			}
			Expect(t, "not an emoji", react(bob, "PUT", first, "thumbsup"), 400, "invalid")
			Expect(t, "eve reacts", react(eve, "PUT", first, "👍"), 404, "not_found")
			Expect(t, "a reaction to an unknown message", react(bob, "PUT", strings.Replace(first, first[:8], "00000000", 1), "👍"), 404, "not_found")
			aws.None("reaction.added", 300*time.Millisecond)

			// A reload: history has it all.
			h := convHistory(t, bob, gid)
			m := h[first]
			if m.Text != "hello @bob, edited" || m.EditedAt == "" || len(m.Mentions) != 1 || m.Mentions[0] != bobID {
				t.Fatalf("history: first = %+v", m)
			}
			if len(m.Reactions) != 1 || m.Reactions[0].Emoji != "❤️" || m.Reactions[0].Count != 1 || m.Reactions[0].UserIDs[0] != aliceID {
				t.Fatalf("history: reactions = %+v", m.Reactions)
			}
			if q := h[reply].ReplyTo; q == nil || q.ID != first || q.Excerpt != "hello @bob, edited" || q.Seq != 1 {
				t.Fatalf("history: reply's quote = %+v, want the edited text", q)
			}
			if len(h) != 2 {
				t.Fatalf("history has %d messages, want 2 (the refused ones stored nothing)", len(h))
			}

			// Deleted for everyone: no reactions, the quote says deleted.
			Expect(t, "delete", alice.Do("DELETE", edit, nil), 204, "")
			bws.Next("message.deleted")
			h = convHistory(t, bob, gid)
			if m := h[first]; !m.Deleted || m.Reactions != nil || m.Mentions != nil || m.EditedAt != "" {
				t.Fatalf("deleted = %+v", m)
			}
			if q := h[reply].ReplyTo; q == nil || !q.Deleted || q.Excerpt != "" {
				t.Fatalf("the reply's quote after the delete = %+v", q)
			}
			Expect(t, "edit a deleted message", alice.Do("PATCH", edit, map[string]any{"text": "back"}), 404, "not_found")
			Expect(t, "react to a deleted message", react(bob, "PUT", first, "👍"), 404, "not_found")
		})
	}
}

// TestEditWindowFromConfiguration: message.edit_window
// (PARLEY_MESSAGE_EDIT_WINDOW) reaches the message role: an edit within it
// succeeds, one after it is 403 and changes nothing.
func TestEditWindowFromConfiguration(t *testing.T) {
	c := StartEmbeddedWith(t, func(cfg *config.Config) { setKey(t, cfg, "message.edit_window", "1500ms") })
	alice, _ := signUp(t, c, "alice", "alice password")
	gid := groupWith(t, alice, "Chat")
	r := alice.Do("POST", "/api/v1/groups/"+gid+"/messages", map[string]any{"clientMsgId": "a-1", "text": "first"})
	Expect(t, "send", r, 201, "")
	edit := "/api/v1/groups/" + gid + "/messages/" + r.Map(t)["id"].(string)
	Expect(t, "edit in time", alice.Do("PATCH", edit, map[string]any{"text": "second"}), 200, "")
	time.Sleep(1600 * time.Millisecond)
	r = alice.Do("PATCH", edit, map[string]any{"text": "third"})
	Expect(t, "edit too late", r, 403, "forbidden")
	if !strings.Contains(string(r.Body), "the time to edit this message has passed") {
		t.Fatalf("too late: %s", r.Body)
	}
	for _, m := range convHistory(t, alice, gid) {
		if m.Text != "second" {
			t.Fatalf("history has %q, want the in-time edit", m.Text)
		}
	}
}
