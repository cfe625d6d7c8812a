package message

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/sqlstore"
)

func TestRepliesQuoteTheOriginalAsItIsNow(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, owner := e.group()
		bob := e.member(g)
		long := strings.Repeat("é", 150)
		orig := e.post(g, owner, long)
		short := e.post(g, owner, "short")

		w := e.do("POST", "/api/v1/groups/"+g+"/messages", bob, map[string]any{"clientMsgId": "r1", "text": "answer", "replyToId": orig.ID})
		want(t, w, http.StatusCreated)
		r1 := decode[Message](t, w)
		wantExcerpt := strings.Repeat("é", ExcerptLen) + "…"
		if q := r1.ReplyTo; q == nil || q.ID != orig.ID || q.Seq != orig.Seq || q.AuthorID != owner || q.Excerpt != wantExcerpt || q.Deleted {
			t.Fatalf("replyTo = %+v, want the original cut to 100 characters", r1.ReplyTo)
		}
		if n := utf8.RuneCountInString(r1.ReplyTo.Excerpt); n != ExcerptLen+1 {
			t.Fatalf("excerpt has %d characters", n)
		}
		var created Created
		evs := e.events(g, EventCreated)
		if err := json.Unmarshal(evs[len(evs)-1].Payload, &created); err != nil || created.Message.ReplyTo == nil || created.Message.ReplyTo.ID != orig.ID {
			t.Fatalf("message.created = %s (%v), want the reply", evs[len(evs)-1].Payload, err)
		}
		r2, err := e.svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: bob, ClientMsgID: "r2", Text: "and this", ReplyToID: short.ID})
		if err != nil {
			t.Fatal(err)
		}
		if r2.ReplyTo == nil || r2.ReplyTo.Excerpt != "short" {
			t.Fatalf("replyTo = %+v", r2.ReplyTo)
		}
		// Resending the same clientMsgId answers the reply as it is.
		if again, err := e.svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: bob, ClientMsgID: "r2", Text: "and this", ReplyToID: short.ID}); err != nil || again.ID != r2.ID || again.ReplyTo == nil {
			t.Fatalf("resend = %+v, %v", again, err)
		}

		// The original is edited, then deleted: history follows.
		if _, err := e.svc.Edit(t.Context(), g, orig.ID, owner, Edit{Text: "edited"}); err != nil {
			t.Fatal(err)
		}
		if q := e.historyOf(g, bob)[r1.Seq].ReplyTo; q == nil || q.Excerpt != "edited" || q.Deleted {
			t.Fatalf("after the edit, replyTo = %+v", q)
		}
		if err := e.svc.Delete(t.Context(), g, short.ID, owner); err != nil {
			t.Fatal(err)
		}
		if q := e.historyOf(g, bob)[r2.Seq].ReplyTo; q == nil || q.ID != short.ID || !q.Deleted || q.Excerpt != "" {
			t.Fatalf("after the delete, replyTo = %+v, want deleted with no excerpt", q)
		}
		// A reader who hid the original still sees the quote.
		if err := e.svc.Hide(t.Context(), g, orig.ID, bob); err != nil {
			t.Fatal(err)
		}
		h := e.historyOf(g, bob)
		if !h[orig.Seq].Hidden || h[r1.Seq].ReplyTo == nil || h[r1.Seq].ReplyTo.Excerpt != "edited" {
			t.Fatalf("with the original hidden: %+v / %+v", h[orig.Seq], h[r1.Seq])
		}
		// A deleted reply shows no quote.
		if err := e.svc.Delete(t.Context(), g, r1.ID, bob); err != nil {
			t.Fatal(err)
		}
		if m := e.historyOf(g, owner)[r1.Seq]; !m.Deleted || m.ReplyTo != nil {
			t.Fatalf("deleted reply = %+v, want no replyTo", m)
		}
		// Editing a reply keeps it.
		r3 := e.post(g, bob, "third")
		_ = r3
		if m, err := e.svc.Edit(t.Context(), g, r2.ID, bob, Edit{Text: "and that"}); err != nil || m.ReplyTo == nil || m.ReplyTo.ID != short.ID {
			t.Fatalf("edited reply = %+v, %v", m, err)
		}
	})
}

func TestRepliesAndMentionsRefusedChangeNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, owner := e.group()
		bob := e.member(g)
		other, stranger := e.group()
		elsewhere := e.post(other, stranger, "other group")
		gone := e.post(g, owner, "gone")
		if err := e.svc.Delete(t.Context(), g, gone.ID, owner); err != nil {
			t.Fatal(err)
		}
		many := make([]string, MaxMentions+1)
		for i := range many {
			many[i] = bob
		}
		before := e.snapshot(g)
		for _, tc := range []struct {
			name  string
			extra map[string]any
			field string
		}{
			{"a reply to another group's message", map[string]any{"replyToId": elsewhere.ID}, "replyToId"},
			{"a reply to a deleted message", map[string]any{"replyToId": gone.ID}, "replyToId"},
			{"a reply to an unknown message", map[string]any{"replyToId": newUUID()}, "replyToId"},
			{"a reply to something that is no id", map[string]any{"replyToId": "42"}, "replyToId"},
			{"51 mentions", map[string]any{"mentions": many}, "mentions"},
			{"a mention that is no id", map[string]any{"mentions": []string{"@bob"}}, "mentions"},
		} {
			body := map[string]any{"clientMsgId": "c-" + tc.name, "text": "hi"}
			for k, v := range tc.extra {
				body[k] = v
			}
			b := wantErr(t, tc.name, e.do("POST", "/api/v1/groups/"+g+"/messages", bob, body), 400, "invalid", tc.field)
			if tc.field == "replyToId" && tc.name != "a reply to something that is no id" && b.Error.Fields["replyToId"] != "no such message in this group" {
				t.Errorf("%s: fields = %v", tc.name, b.Error.Fields)
			}
		}
		e.unchanged("refused sends", g, before)
		if n := len(e.events(other, EventCreated)); n != 1 {
			t.Fatalf("the other group has %d message.created, want 1", n)
		}
	})
}

// TestTheSequencerRejectsABadReply checks the WebSocket path: a reply to
// another group's message becomes message.rejected (invalid) for the
// sender, and nothing is stored.
func TestTheSequencerRejectsABadReply(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		other, stranger := e.group()
		elsewhere := e.post(other, stranger, "other group")
		before := e.snapshot(g)
		ev, err := event.New(EventSubmitted, g, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "c1", Text: "hi", ReplyToID: elsewhere.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.HandleSubmitted(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		rej := e.events(g, EventRejected)
		if len(rej) != 1 {
			t.Fatalf("%d message.rejected, want 1", len(rej))
		}
		var p Rejected
		if err := json.Unmarshal(rej[0].Payload, &p); err != nil || p.Error.Code != "invalid" || p.UserID != u || p.ClientMsgID != "c1" {
			t.Fatalf("message.rejected = %s (%v)", rej[0].Payload, err)
		}
		if after := e.snapshot(g); strings.Replace(after, "events 1", "events 0", 1) != before {
			t.Fatalf("the refused submission changed more than the rejection:\n%s\n%s", before, after)
		}
	})
}

func TestMentionsAreMembersInFirstMentionOrder(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, owner := e.group()
		bob, carol := e.member(g), e.member(g)
		_, outsider := e.group()
		w := e.do("POST", "/api/v1/groups/"+g+"/messages", owner, map[string]any{
			"clientMsgId": "c1", "text": "@carol @bob @x @carol",
			"mentions": []string{carol, strings.ToUpper(bob), outsider, carol, newUUID()},
		})
		want(t, w, http.StatusCreated)
		m := decode[Message](t, w)
		if strings.Join(m.Mentions, ",") != carol+","+bob {
			t.Fatalf("mentions = %v, want carol then bob (canonical ids, members only, no duplicates)", m.Mentions)
		}
		if h := e.historyOf(g, bob)[m.Seq]; strings.Join(h.Mentions, ",") != carol+","+bob {
			t.Fatalf("history mentions = %v", h.Mentions)
		}
		// Only non-members: no mentions at all (omitted).
		w = e.do("POST", "/api/v1/groups/"+g+"/messages", owner, map[string]any{"clientMsgId": "c2", "text": "@x", "mentions": []string{outsider}})
		want(t, w, http.StatusCreated)
		if strings.Contains(w.Body.String(), `"mentions"`) {
			t.Fatalf("a message without members mentioned shows mentions: %s", w.Body.String())
		}
		// A deleted message has none.
		if err := e.svc.Delete(t.Context(), g, m.ID, owner); err != nil {
			t.Fatal(err)
		}
		if h := e.historyOf(g, bob)[m.Seq]; h.Mentions != nil {
			t.Fatalf("deleted message mentions = %v", h.Mentions)
		}
	})
}
