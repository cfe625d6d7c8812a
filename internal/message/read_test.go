package message

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

func readPath(g string) string { return "/api/v1/groups/" + g + "/read" }

// markRead posts {seq} as uid and returns the state answered.
func (e *env) markRead(g, uid string, seq int64) ReadState {
	e.t.Helper()
	w := e.do("POST", readPath(g), uid, map[string]int64{"seq": seq})
	want(e.t, w, http.StatusOK)
	return decode[ReadState](e.t, w)
}

// readStateOf is GET /api/v1/read-state as uid, by group.
func (e *env) readStateOf(uid string) map[string]ReadState {
	e.t.Helper()
	w := e.do("GET", "/api/v1/read-state", uid, nil)
	want(e.t, w, http.StatusOK)
	out := map[string]ReadState{}
	for _, st := range decode[httpapi.Items[ReadState]](e.t, w).Items {
		out[st.GroupID] = st
	}
	return out
}

// mention posts text by uid in g mentioning ids.
func (e *env) mention(g, uid, text string, ids ...string) Message {
	e.t.Helper()
	m, err := e.svc.Post(context.Background(), Submitted{GroupID: g, AuthorID: uid, ClientMsgID: newUUID(), Text: text, Mentions: ids})
	if err != nil {
		e.t.Fatalf("post: %v", err)
	}
	return m
}

func TestReadStateCountsAndCursor(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, alice := e.group()
		bob := e.member(g)
		e.post(g, alice, "1")                     // seq 1
		e.mention(g, alice, "2 @bob", bob)        // seq 2, mentions bob
		e.post(g, bob, "3 bob's own")             // seq 3, bob's own: never unread for him
		gone := e.mention(g, alice, "4", bob)     // seq 4, deleted below
		e.mention(g, alice, "5 @bob", bob, alice) // seq 5, mentions bob
		e.post(g, alice, "6")                     // seq 6
		if err := e.svc.Delete(context.Background(), g, gone.ID, alice); err != nil {
			t.Fatal(err)
		}

		st := e.readStateOf(bob)[g]
		if st != (ReadState{GroupID: g, LastReadSeq: 0, LastSeq: 6, Unread: 4, Mentions: 2}) {
			t.Fatalf("bob's read state before reading = %+v", st)
		}
		if st := e.readStateOf(alice)[g]; st.Unread != 1 || st.Mentions != 0 {
			t.Fatalf("alice's read state = %+v, want 1 unread (bob's), 0 mentions", st)
		}

		st = e.markRead(g, bob, 2)
		if st != (ReadState{GroupID: g, LastReadSeq: 2, LastSeq: 6, Unread: 2, Mentions: 1}) {
			t.Fatalf("after reading to 2: %+v", st)
		}
		// Backwards (and the same seq again) changes nothing and emits nothing.
		before := e.readSnapshot(g)
		if st := e.markRead(g, bob, 1); st.LastReadSeq != 2 || st.Unread != 2 {
			t.Fatalf("reading back to 1 answered %+v, want the cursor at 2", st)
		}
		e.markRead(g, bob, 2)
		e.markRead(g, bob, 0)
		e.readUnchanged("reading backwards", g, before)

		// Beyond the last seq is clamped to it.
		st = e.markRead(g, bob, 1<<40)
		if st != (ReadState{GroupID: g, LastReadSeq: 6, LastSeq: 6}) {
			t.Fatalf("after reading past the end: %+v", st)
		}
		e.post(g, alice, "7")
		if st := e.readStateOf(bob)[g]; st != (ReadState{GroupID: g, LastReadSeq: 6, LastSeq: 7, Unread: 1}) {
			t.Fatalf("a new message after the clamp: %+v (the cursor must not have gone past 6)", st)
		}

		// Two moves, two read.updated for bob's sessions, with the state.
		ups := e.events(g, EventReadUpdated)
		if len(ups) != 2 {
			t.Fatalf("%d read.updated, want 2", len(ups))
		}
		var p ReadUpdated
		if err := json.Unmarshal(ups[1].Payload, &p); err != nil || p.UserID != bob || p.ReadState != (ReadState{GroupID: g, LastReadSeq: 6, LastSeq: 6}) {
			t.Fatalf("read.updated = %s (%v)", ups[1].Payload, err)
		}
	})
}

// readSnapshot is what a refused or no-op read could change: the group's
// cursors and its outbox.
func (e *env) readSnapshot(g string) string {
	e.t.Helper()
	out := e.snapshot(g)
	rows, err := e.db.QueryContext(e.t.Context(), "SELECT user_id, last_read_seq FROM message_read_cursors WHERE group_id = ? ORDER BY user_id", g)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		var n int64
		if err := rows.Scan(&u, &n); err != nil {
			e.t.Fatal(err)
		}
		out += fmt.Sprintf("cursor %s %d\n", u, n)
	}
	return out
}

func (e *env) readUnchanged(what, g, before string) {
	e.t.Helper()
	if after := e.readSnapshot(g); after != before {
		e.t.Errorf("%s changed the read state:\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

func TestMarkReadRefusesBadInput(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, alice := e.group()
		bob := e.member(g)
		e.post(g, alice, "hello")
		e.markRead(g, bob, 1)
		stranger := newUUID()
		before := e.readSnapshot(g)

		wantErr(t, "a non-member", e.do("POST", readPath(g), stranger, map[string]int64{"seq": 1}), 404, "not_found", "")
		wantErr(t, "an unknown group", e.do("POST", readPath(newUUID()), bob, map[string]int64{"seq": 1}), 404, "not_found", "")
		wantErr(t, "a malformed group id", e.do("POST", readPath("nope"), bob, map[string]int64{"seq": 1}), 404, "not_found", "")
		for name, body := range map[string]string{
			"a negative seq": `{"seq": -1}`, "no seq": `{}`, "a string seq": `{"seq": "1"}`,
			"a fractional seq": `{"seq": 1.5}`, "an unknown field": `{"seq": 1, "userId": "x"}`, "no JSON": `seq=1`,
		} {
			w := e.do("POST", readPath(g), bob, body)
			if w.Code != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400: %s", name, w.Code, w.Body.String())
			}
		}
		wantErr(t, "a negative seq", e.do("POST", readPath(g), bob, `{"seq": -1}`), 400, "invalid", "seq")
		wantErr(t, "no token", e.do("POST", readPath(g), "", map[string]int64{"seq": 1}), 401, "unauthenticated", "")
		e.readUnchanged("refused reads", g, before)
		if _, ok := e.readStateOf(stranger)[g]; ok {
			t.Fatal("a non-member's read state lists the group")
		}
	})
}

func TestReadStateFollowsMembership(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, alice := e.group()
		other, _ := e.group()
		bob := e.member(g)
		e.join(other, bob, rights.RoleMember, rights.Rights{})
		e.post(g, alice, "hello")
		e.markRead(g, bob, 1)
		if got := e.readStateOf(bob); len(got) != 2 || got[g].LastReadSeq != 1 || got[other].LastSeq != 0 {
			t.Fatalf("bob's read state = %+v", got)
		}
		ev := groupEvent(t, groupevent.TypeMemberRemoved, g, groupevent.MemberRemoved{GroupID: g, UserID: bob})
		if err := e.svc.HandleGroupEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		if got := e.readStateOf(bob); len(got) != 1 || got[other].GroupID != other {
			t.Fatalf("after bob's removal his read state = %+v, want the other group only", got)
		}
		wantErr(t, "a removed member", e.do("POST", readPath(g), bob, map[string]int64{"seq": 1}), 404, "not_found", "")
		// Back in, he starts again from 0: his cursor went with him.
		e.join(g, bob, rights.RoleMember, rights.Rights{})
		if st := e.readStateOf(bob)[g]; st.LastReadSeq != 0 || st.Unread != 1 {
			t.Fatalf("bob back in: %+v", st)
		}
	})
}

func TestReadStateOfManyGroupsIsOneBatch(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		bob := newUUID()
		var groups []string
		for i := range 520 { // more than one chunk
			g, alice := e.group()
			e.join(g, bob, rights.RoleMember, rights.Rights{})
			groups = append(groups, g)
			if i%100 == 0 {
				e.post(g, alice, "hi")
				e.mention(g, alice, "hi @bob", bob)
			}
		}
		sts, err := e.svc.ReadStates(t.Context(), bob, append(groups, groups[0]))
		if err != nil {
			t.Fatal(err)
		}
		if len(sts) != len(groups)+1 || sts[len(groups)] != sts[0] {
			t.Fatalf("%d states, the repeated group %+v vs %+v", len(sts), sts[len(groups)], sts[0])
		}
		for i, st := range sts[:len(groups)] {
			w := ReadState{GroupID: groups[i]}
			if i%100 == 0 {
				w = ReadState{GroupID: groups[i], LastSeq: 2, Unread: 2, Mentions: 1}
			}
			if st != w {
				t.Fatalf("group %d: %+v, want %+v", i, st, w)
			}
		}
		if got := e.readStateOf(bob); len(got) != len(groups) {
			t.Fatalf("GET read-state lists %d groups, want %d", len(got), len(groups))
		}
	})
}

func TestReadReceipts(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, alice := e.group()
		bob, carol := e.member(g), e.member(g)
		e.post(g, alice, "1")
		e.post(g, alice, "2")
		receipts := func(uid string) []Receipt {
			t.Helper()
			w := e.do("GET", "/api/v1/groups/"+g+"/read-receipts", uid, nil)
			want(t, w, http.StatusOK)
			return decode[httpapi.Items[Receipt]](t, w).Items
		}
		receiptTo := func(i int) ReceiptUpdated {
			t.Helper()
			evs := e.events(g, EventReceiptUpdated)
			if len(evs) <= i {
				t.Fatalf("%d receipt.updated, want more than %d", len(evs), i)
			}
			var p ReceiptUpdated
			if err := json.Unmarshal(evs[i].Payload, &p); err != nil {
				t.Fatal(err)
			}
			return p
		}

		e.markRead(g, bob, 2)
		want2 := []string{alice, carol}
		slices.Sort(want2)
		if p := receiptTo(0); p.UserID != bob || p.LastReadSeq != 2 || !slices.Equal(p.To, want2) {
			t.Fatalf("receipt.updated = %+v, want bob at 2 to %v", p, want2)
		}
		if got := receipts(alice); len(got) != 1 || got[0] != (Receipt{UserID: bob, LastReadSeq: 2}) {
			t.Fatalf("alice sees %+v", got)
		}
		wantErr(t, "a non-member's receipts", e.do("GET", "/api/v1/groups/"+g+"/read-receipts", newUUID(), nil), 404, "not_found", "")

		// carol stops sharing: her reads emit no receipt, she is left out
		// of others' receipts and lists, and she sees none.
		w := e.do("PUT", "/api/v1/read-state/settings", carol, map[string]bool{"shareReceipts": false})
		want(t, w, http.StatusOK)
		if got := decode[ReceiptSettings](t, e.do("GET", "/api/v1/read-state/settings", carol, nil)); got.ShareReceipts {
			t.Fatal("carol's setting did not stick")
		}
		e.do("PUT", "/api/v1/read-state/settings", carol, map[string]bool{"shareReceipts": false}) // again: no change
		e.markRead(g, carol, 1)
		if n := len(e.events(g, EventReceiptUpdated)); n != 1 {
			t.Fatalf("%d receipt.updated after carol (not sharing) read, want 1", n)
		}
		if got := receipts(carol); len(got) != 0 {
			t.Fatalf("carol, not sharing, sees %+v", got)
		}
		if got := receipts(alice); len(got) != 1 || got[0].UserID != bob {
			t.Fatalf("alice sees %+v, carol should be left out", got)
		}
		e.markRead(g, alice, 1)
		if p := receiptTo(1); p.UserID != alice || !slices.Equal(p.To, []string{bob}) {
			t.Fatalf("receipt.updated = %+v, want alice's to bob only", p)
		}
		wantErr(t, "a setting without shareReceipts", e.do("PUT", "/api/v1/read-state/settings", carol, `{}`), 400, "invalid", "shareReceipts")
		if got := decode[ReceiptSettings](t, e.do("GET", "/api/v1/read-state/settings", newUUID(), nil)); !got.ShareReceipts {
			t.Fatal("receipts are not shared by default")
		}
		// Back on.
		want(t, e.do("PUT", "/api/v1/read-state/settings", carol, map[string]bool{"shareReceipts": true}), http.StatusOK)
		if got := receipts(carol); len(got) != 2 {
			t.Fatalf("carol sharing again sees %+v", got)
		}
	})
}

// TestMentionOfANewMemberIsKept: a mention of a member the projection has
// not seen yet (the member_added event still on the bus) is confirmed with
// the group role and kept, so that it counts in the mentioned user's read
// state; a mention of a non-member is still dropped, and one send asks
// about a bounded number of users.
func TestMentionOfANewMemberIsKept(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		f := &fakeMembers{ms: map[[2]string]rights.Membership{}}
		e.svc.members = f
		g, alice := e.group()
		f.add(g, alice, rights.RoleCreator)
		bob, stranger := newUUID(), newUUID()
		f.add(g, bob, rights.RoleMember) // the group role knows him, the projection not yet
		m := e.mention(g, alice, "hi @bob", bob, stranger)
		if len(m.Mentions) != 1 || m.Mentions[0] != bob {
			t.Fatalf("mentions %v, want bob's only", m.Mentions)
		}
		if st := e.readStateOf(bob)[g]; st.Unread != 1 || st.Mentions != 1 {
			t.Fatalf("bob's read state %+v, want 1 unread mention", st)
		}
		// An edit mentioning carol, who just joined, keeps her too.
		carol := newUUID()
		f.add(g, carol, rights.RoleMember)
		ed, err := e.svc.Edit(t.Context(), g, m.ID, alice, Edit{Text: "hi @carol", Mentions: []string{carol}})
		if err != nil || len(ed.Mentions) != 1 || ed.Mentions[0] != carol {
			t.Fatalf("edit %v (%v), want carol mentioned", ed.Mentions, err)
		}
		// Many strangers: at most maxMentionAsks questions for one send.
		var many []string
		for range 20 {
			many = append(many, newUUID())
		}
		before := f.count()
		if m := e.mention(g, alice, "nobody", many...); len(m.Mentions) != 0 {
			t.Fatalf("strangers mentioned: %v", m.Mentions)
		}
		if n := f.count() - before; n > maxMentionAsks {
			t.Fatalf("one send asked the group role %d times", n)
		}
	})
}
