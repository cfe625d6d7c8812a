package message

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/sqlstore"
)

// reactPath is the path of emoji's reactions to message mid of g.
func reactPath(g, mid, emoji string) string {
	return "/api/v1/groups/" + g + "/messages/" + mid + "/reactions/" + url.PathEscape(emoji)
}

func TestReactions(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, owner := e.group()
		bob, carol := e.member(g), e.member(g)
		m := e.post(g, owner, "react to me")

		want(t, e.do("PUT", reactPath(g, m.ID, "👍"), bob, nil), http.StatusNoContent)
		want(t, e.do("PUT", reactPath(g, m.ID, "❤️"), carol, nil), http.StatusNoContent)
		want(t, e.do("PUT", reactPath(g, m.ID, "👍"), carol, nil), http.StatusNoContent)
		want(t, e.do("PUT", reactPath(g, m.ID, "👍"), owner, nil), http.StatusNoContent)
		before := e.snapshot(g)
		want(t, e.do("PUT", reactPath(g, m.ID, "👍"), bob, nil), http.StatusNoContent) // again
		e.unchanged("adding a reaction twice", g, before)

		got := e.historyOf(g, bob)[m.Seq].Reactions
		wantR := []Reaction{{Emoji: "👍", Count: 3, UserIDs: []string{bob, carol, owner}}, {Emoji: "❤️", Count: 1, UserIDs: []string{carol}}}
		if a, b := fmt.Sprint(got), fmt.Sprint(wantR); a != b {
			t.Fatalf("reactions = %v, want %v", a, b)
		}
		added := e.events(g, EventReactionAdded)
		if len(added) != 4 {
			t.Fatalf("%d reaction.added, want 4", len(added))
		}
		var p ReactionChanged
		if err := json.Unmarshal(added[0].Payload, &p); err != nil || p != (ReactionChanged{GroupID: g, MessageID: m.ID, Seq: m.Seq, Emoji: "👍", UserID: bob}) {
			t.Fatalf("reaction.added = %s (%v)", added[0].Payload, err)
		}

		// bob takes his back: the emoji are ordered by their oldest
		// reaction that is still there, so ❤️ (carol's first) now leads.
		want(t, e.do("DELETE", reactPath(g, m.ID, "👍"), bob, nil), http.StatusNoContent)
		before = e.snapshot(g)
		want(t, e.do("DELETE", reactPath(g, m.ID, "👍"), bob, nil), http.StatusNoContent) // again
		want(t, e.do("DELETE", reactPath(g, m.ID, "🎉"), bob, nil), http.StatusNoContent) // never made
		e.unchanged("removing a reaction that is not there", g, before)
		if n := len(e.events(g, EventReactionRemoved)); n != 1 {
			t.Fatalf("%d reaction.removed, want 1", n)
		}
		got = e.historyOf(g, owner)[m.Seq].Reactions
		if a := fmt.Sprint(got); a != fmt.Sprint([]Reaction{{Emoji: "❤️", Count: 1, UserIDs: []string{carol}}, {Emoji: "👍", Count: 2, UserIDs: []string{carol, owner}}}) {
			t.Fatalf("after the removal, reactions = %v", a)
		}
		// An edit keeps them and message.updated carries them.
		if u, err := e.svc.Edit(t.Context(), g, m.ID, owner, Edit{Text: "edited"}); err != nil || len(u.Reactions) != 2 {
			t.Fatalf("edit = %+v, %v", u, err)
		}

		// Deleting the message for everyone removes its reactions.
		if err := e.svc.Delete(t.Context(), g, m.ID, owner); err != nil {
			t.Fatal(err)
		}
		if got := e.historyOf(g, owner)[m.Seq]; got.Reactions != nil {
			t.Fatalf("deleted message reactions = %v", got.Reactions)
		}
		var n int
		if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM message_reactions WHERE message_id = ?", m.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d reaction rows left after the delete (%v)", n, err)
		}
	})
}

func TestReactionRefusalsChangeNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, owner := e.group()
		bob := e.member(g)
		other, stranger := e.group()
		m := e.post(g, owner, "hi")
		want(t, e.do("PUT", reactPath(g, m.ID, "👍"), bob, nil), http.StatusNoContent)
		gone := e.post(g, owner, "gone")
		if err := e.svc.Delete(t.Context(), g, gone.ID, owner); err != nil {
			t.Fatal(err)
		}
		elsewhere := e.post(other, stranger, "elsewhere")
		before := e.snapshot(g)
		for _, method := range []string{"PUT", "DELETE"} {
			for _, tc := range []struct {
				name   string
				uid    string
				path   string
				status int
				code   string
				field  string
			}{
				{"a word", bob, reactPath(g, m.ID, "thumbsup"), 400, "invalid", "emoji"},
				{"a shortcode", bob, reactPath(g, m.ID, ":+1:"), 400, "invalid", "emoji"},
				{"an emoji and a letter", bob, reactPath(g, m.ID, "👍a"), 400, "invalid", "emoji"},
				{"an escaped slash", bob, reactPath(g, m.ID, "👍/"), 400, "invalid", "emoji"},
				{"eleven emoji", bob, reactPath(g, m.ID, strings.Repeat("👍", 11)), 400, "invalid", "emoji"},
				{"invalid UTF-8", bob, "/api/v1/groups/" + g + "/messages/" + m.ID + "/reactions/%F0%9F%91", 400, "invalid", "emoji"},
				{"a non-member", stranger, reactPath(g, m.ID, "👍"), 404, "not_found", ""},
				{"an unknown group", bob, reactPath(newUUID(), m.ID, "👍"), 404, "not_found", ""},
				{"an unknown message", bob, reactPath(g, newUUID(), "👍"), 404, "not_found", ""},
				{"a message id that is no id", bob, reactPath(g, "42", "👍"), 404, "not_found", ""},
				{"another group's message", bob, reactPath(g, elsewhere.ID, "👍"), 404, "not_found", ""},
				{"a deleted message", bob, reactPath(g, gone.ID, "👍"), 404, "not_found", ""},
			} {
				b := wantErr(t, method+" "+tc.name, e.do(method, tc.path, tc.uid, nil), tc.status, tc.code, tc.field)
				if tc.field == "emoji" && b.Error.Fields["emoji"] != "not an emoji" {
					t.Errorf("%s %s: fields = %v", method, tc.name, b.Error.Fields)
				}
				if strings.HasSuffix(tc.name, "message") && tc.name != "another group's message" && b.Error.Message != "no such message" {
					t.Errorf("%s %s: message %q", method, tc.name, b.Error.Message)
				}
			}
		}
		e.unchanged("refused reactions", g, before)
	})
}

func TestAtMost20DifferentReactions(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, owner := e.group()
		bob := e.member(g)
		m := e.post(g, owner, "popular")
		emoji := make([]string, 0, 40)
		for r := rune(0x1F600); len(emoji) < 40; r++ {
			emoji = append(emoji, string(r))
		}
		for _, em := range emoji[:MaxReactionEmoji] {
			want(t, e.do("PUT", reactPath(g, m.ID, em), owner, nil), http.StatusNoContent)
		}
		before := e.snapshot(g)
		w := e.do("PUT", reactPath(g, m.ID, emoji[MaxReactionEmoji]), bob, nil)
		if b := wantErr(t, "a 21st emoji", w, 409, "conflict", ""); b.Error.Message != "this message has too many different reactions" {
			t.Errorf("message %q", b.Error.Message)
		}
		e.unchanged("a 21st emoji", g, before)
		// One of the 20 may still be added by someone else.
		want(t, e.do("PUT", reactPath(g, m.ID, emoji[3]), bob, nil), http.StatusNoContent)

		// Concurrent adds of new emoji cannot go beyond 20, on a message
		// with 19: exactly one of them wins.
		m2 := e.post(g, owner, "race")
		for _, em := range emoji[:MaxReactionEmoji-1] {
			if err := e.svc.React(t.Context(), g, m2.ID, owner, em, true); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		results := make([]error, 10)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.svc.React(t.Context(), g, m2.ID, bob, emoji[MaxReactionEmoji+i], true)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range results {
			switch {
			case err == nil:
				won++
			case !errs.Is(err, errs.Conflict):
				t.Errorf("concurrent add: %v", err)
			}
		}
		var distinct int
		if err := db.QueryRowContext(t.Context(), "SELECT COUNT(DISTINCT emoji) FROM message_reactions WHERE message_id = ?", m2.ID).Scan(&distinct); err != nil {
			t.Fatal(err)
		}
		if won != 1 || distinct != MaxReactionEmoji {
			t.Fatalf("%d concurrent adds won, %d different emoji stored; want 1 and %d", won, distinct, MaxReactionEmoji)
		}
	})
}
