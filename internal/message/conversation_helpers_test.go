package message

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// snapshot is everything of group g the issue-13 operations could change:
// its messages' rows, its reactions and how many events it emitted. A
// refused request must leave it as it was.
func (e *env) snapshot(g string) string {
	e.t.Helper()
	var b strings.Builder
	rows, err := e.db.QueryContext(e.t.Context(), `SELECT id, seq, text, attachments, COALESCE(mentions, ''), COALESCE(reply_to_id, ''),
		CASE WHEN edited_at IS NULL THEN 0 ELSE 1 END, CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END
		FROM messages WHERE group_id = ? ORDER BY seq`, g)
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var id, text, atts, mentions, reply string
		var seq, edited, deleted int64
		if err := rows.Scan(&id, &seq, &text, &atts, &mentions, &reply, &edited, &deleted); err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&b, "message %s %d %q %s %s %s %d %d\n", id, seq, text, atts, mentions, reply, edited, deleted)
	}
	rows.Close()
	rows, err = e.db.QueryContext(e.t.Context(), "SELECT message_id, user_id, emoji FROM message_reactions WHERE group_id = ? ORDER BY id", g)
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var mid, uid, emoji string
		if err := rows.Scan(&mid, &uid, &emoji); err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&b, "reaction %s %s %s\n", mid, uid, emoji)
	}
	rows.Close()
	var n int
	if err := e.db.QueryRowContext(e.t.Context(), "SELECT COUNT(*) FROM outbox WHERE event_key = ?", g).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "events %d\n", n)
	return b.String()
}

// unchanged fails when group g's snapshot differs from before.
func (e *env) unchanged(what, g, before string) {
	e.t.Helper()
	if after := e.snapshot(g); after != before {
		e.t.Errorf("%s changed the group:\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

type errBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// wantErr fails unless w is the error status with code, naming field
// among its fields when field is not "".
func wantErr(t *testing.T, what string, w *httptest.ResponseRecorder, status int, code, field string) errBody {
	t.Helper()
	if w.Code != status {
		t.Fatalf("%s: status %d, want %d: %s", what, w.Code, status, w.Body.String())
	}
	b := decode[errBody](t, w)
	if b.Error.Code != code {
		t.Fatalf("%s: code %q, want %q: %s", what, b.Error.Code, code, w.Body.String())
	}
	if _, ok := b.Error.Fields[field]; field != "" && !ok {
		t.Fatalf("%s: no fields.%s: %s", what, field, w.Body.String())
	}
	return b
}

// historyOf is the newest page of g as uid sees it, by seq.
func (e *env) historyOf(g, uid string) map[int64]Message {
	e.t.Helper()
	w := e.do("GET", "/api/v1/groups/"+g+"/messages", uid, nil)
	want(e.t, w, 200)
	out := map[int64]Message{}
	for _, m := range decode[Page](e.t, w).Items {
		out[m.Seq] = m
	}
	return out
}
