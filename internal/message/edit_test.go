package message

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

func TestEditByTheAuthor(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, owner := e.group()
		bob, carol := e.member(g), e.member(g)
		orig := e.post(g, bob, "helo")
		path := "/api/v1/groups/" + g + "/messages/" + orig.ID

		w := e.do("PATCH", path, bob, map[string]any{"text": "hello @carol", "mentions": []string{carol, newUUID(), carol}})
		want(t, w, http.StatusOK)
		got := decode[Message](t, w)
		if got.ID != orig.ID || got.Seq != orig.Seq || !got.CreatedAt.Equal(orig.CreatedAt) || got.Text != "hello @carol" || got.EditedAt == nil {
			t.Fatalf("edited = %+v, from %+v", got, orig)
		}
		if strings.Join(got.Mentions, ",") != carol {
			t.Fatalf("mentions = %v, want only carol (a non-member dropped, duplicates dropped)", got.Mentions)
		}
		evs := e.events(g, EventUpdated)
		if len(evs) != 1 {
			t.Fatalf("%d message.updated events, want 1", len(evs))
		}
		var p Updated
		if err := json.Unmarshal(evs[0].Payload, &p); err != nil || p.Message.Text != "hello @carol" || p.Message.EditedAt == nil || p.Message.Seq != orig.Seq {
			t.Fatalf("message.updated = %s (%v)", evs[0].Payload, err)
		}
		if h := e.historyOf(g, owner)[orig.Seq]; h.Text != "hello @carol" || h.EditedAt == nil || len(h.Mentions) != 1 {
			t.Fatalf("history = %+v, want the latest text", h)
		}

		// A second edit replaces the mentions (here: none).
		w = e.do("PATCH", path, bob, map[string]any{"text": "hello"})
		want(t, w, http.StatusOK)
		if m := decode[Message](t, w); m.Text != "hello" || m.Mentions != nil {
			t.Fatalf("second edit = %+v, want no mentions", m)
		}
		raw := e.do("GET", "/api/v1/groups/"+g+"/messages", owner, nil).Body.String()
		if strings.Contains(raw, `"mentions"`) || strings.Contains(raw, `"replyTo"`) || strings.Contains(raw, `"reactions"`) {
			t.Fatalf("empty fields are not omitted: %s", raw)
		}
		if !strings.Contains(raw, `"editedAt"`) {
			t.Fatalf("history has no editedAt: %s", raw)
		}
	})
}

func TestEditRefusalsChangeNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, owner := e.group()
		bob := e.member(g)
		admin := newUUID()
		e.join(g, admin, rights.RoleAdmin, rights.Rights{})
		other, stranger := e.group()
		m := e.post(g, bob, "mine")
		gone := e.post(g, bob, "to delete")
		if err := e.svc.Delete(t.Context(), g, gone.ID, bob); err != nil {
			t.Fatal(err)
		}
		elsewhere := e.post(other, stranger, "other group")
		path := func(gid, mid string) string { return "/api/v1/groups/" + gid + "/messages/" + mid }
		many := make([]string, MaxMentions+1)
		for i := range many {
			many[i] = newUUID()
		}
		body := map[string]any{"text": "changed"}
		before := e.snapshot(g)
		cases := []struct {
			name   string
			uid    string
			path   string
			body   any
			status int
			code   string
			field  string
		}{
			{"someone else's message", owner, path(g, m.ID), body, 403, "forbidden", ""},
			{"the group admin", admin, path(g, m.ID), body, 403, "forbidden", ""},
			{"a non-member", stranger, path(g, m.ID), body, 404, "not_found", ""},
			{"an unknown group", bob, path(newUUID(), m.ID), body, 404, "not_found", ""},
			{"a group id that is no id", bob, path(strings.ReplaceAll(g, "-", ""), m.ID), body, 404, "not_found", ""},
			{"an unknown message", bob, path(g, newUUID()), body, 404, "not_found", ""},
			{"a message id that is no id", bob, path(g, "{"+m.ID+"}"), body, 404, "not_found", ""},
			{"another group's message", bob, path(g, elsewhere.ID), body, 404, "not_found", ""},
			{"a deleted message", bob, path(g, gone.ID), body, 404, "not_found", ""},
			{"empty text", bob, path(g, m.ID), map[string]any{"text": " "}, 400, "invalid", "text"},
			{"no text", bob, path(g, m.ID), map[string]any{"mentions": []string{}}, 400, "invalid", "text"},
			{"text too long", bob, path(g, m.ID), map[string]any{"text": strings.Repeat("x", MaxTextLen+1)}, 400, "invalid", "text"},
			{"51 mentions", bob, path(g, m.ID), map[string]any{"text": "x", "mentions": many}, 400, "invalid", "mentions"},
			{"a mention that is no id", bob, path(g, m.ID), map[string]any{"text": "x", "mentions": []string{"@owner"}}, 400, "invalid", "mentions"},
			{"an unknown field", bob, path(g, m.ID), map[string]any{"text": "x", "authorId": owner}, 400, "invalid", ""},
		}
		for _, tc := range cases {
			w := e.do("PATCH", tc.path, tc.uid, tc.body)
			b := wantErr(t, tc.name, w, tc.status, tc.code, tc.field)
			if tc.name == "someone else's message" && b.Error.Message != "only the author may edit a message" {
				t.Errorf("%s: message %q", tc.name, b.Error.Message)
			}
			if tc.name == "an unknown message" && b.Error.Message != "no such message" {
				t.Errorf("%s: message %q", tc.name, b.Error.Message)
			}
		}
		e.unchanged("refused edits", g, before)
	})
}

func TestEditWindow(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
		e.svc.now = func() time.Time { return now }
		e.svc.editWindow = 15 * time.Minute
		g, u := e.group()
		m := e.post(g, u, "first")
		now = now.Add(15 * time.Minute)
		if _, err := e.svc.Edit(context.Background(), g, m.ID, u, Edit{Text: "in time"}); err != nil {
			t.Fatalf("edit at the end of the window: %v", err)
		}
		now = now.Add(time.Second)
		before := e.snapshot(g)
		w := e.do("PATCH", "/api/v1/groups/"+g+"/messages/"+m.ID, u, map[string]any{"text": "too late"})
		if b := wantErr(t, "edit past the window", w, 403, "forbidden", ""); b.Error.Message != "the time to edit this message has passed" {
			t.Errorf("message %q", b.Error.Message)
		}
		e.unchanged("an edit past the window", g, before)
	})
}

func TestEditOfAMessageWithFilesMayEmptyItsText(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		tk := e.upload(g, u, "a.txt", "text/plain", []byte("file"))
		m, err := e.svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: u, ClientMsgID: "c", Text: "caption", Attachments: []AttachmentRef{{Key: tk.Key}}})
		if err != nil {
			t.Fatal(err)
		}
		w := e.do("PATCH", "/api/v1/groups/"+g+"/messages/"+m.ID, u, map[string]any{"text": ""})
		want(t, w, http.StatusOK)
		if got := decode[Message](t, w); got.Text != "" || len(got.Attachments) != 1 || got.Attachments[0].Key != tk.Key {
			t.Fatalf("edited = %+v, want the attachment kept", got)
		}
	})
}
