package message

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

func TestDeleteFollowsTheRightsTable(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, creator := e.group()
		admin, admin2 := newUUID(), newUUID()
		e.join(g, admin, rights.RoleAdmin, rights.Rights{})
		e.join(g, admin2, rights.RoleAdmin, rights.Rights{})
		mod, mod2 := newUUID(), newUUID()
		e.join(g, mod, rights.RoleMember, rights.Rights{DeleteMessages: true})
		e.join(g, mod2, rights.RoleMember, rights.Rights{DeleteMessages: true})
		plain, plain2 := e.member(g), e.member(g)
		left := e.member(g)
		leftMsg := e.post(g, left, "bye")
		if err := e.svc.HandleGroupEvent(t.Context(), groupEvent(t, groupevent.TypeMemberRemoved, g, groupevent.MemberRemoved{GroupID: g, UserID: left})); err != nil {
			t.Fatal(err)
		}
		users := map[string]string{"creator": creator, "admin": admin, "admin2": admin2, "mod": mod, "mod2": mod2, "plain": plain, "plain2": plain2}
		cases := []struct {
			actor, author string
			code          int
		}{
			{"creator", "creator", 204}, {"creator", "admin", 204}, {"creator", "plain", 204},
			{"admin", "creator", 403}, {"admin", "admin2", 204}, {"admin", "mod", 204}, {"admin", "plain", 204}, {"admin", "admin", 204},
			{"mod", "creator", 403}, {"mod", "admin", 403}, {"mod", "mod2", 204}, {"mod", "plain", 204}, {"mod", "mod", 204},
			{"plain", "plain2", 403}, {"plain", "creator", 403}, {"plain", "mod", 403}, {"plain", "plain", 204},
		}
		for _, c := range cases {
			t.Run(c.actor+" deletes a message of "+c.author, func(t *testing.T) {
				m := e.post(g, users[c.author], "text")
				want(t, e.do("DELETE", "/api/v1/groups/"+g+"/messages/"+m.ID, users[c.actor], nil), c.code)
				evs := e.events(g, EventDeleted)
				deleted := len(evs) > 0 && strings.Contains(string(evs[len(evs)-1].Payload), m.ID)
				if deleted != (c.code == 204) {
					t.Fatalf("message.deleted emitted: %v, want %v", deleted, c.code == 204)
				}
			})
		}
		t.Run("an admin deletes the message of a member who left", func(t *testing.T) {
			want(t, e.do("DELETE", "/api/v1/groups/"+g+"/messages/"+leftMsg.ID, admin, nil), 204)
		})
		t.Run("a plain member may not delete the message of a member who left", func(t *testing.T) {
			m := e.post(g, plain2, "x")
			if err := e.svc.HandleGroupEvent(t.Context(), groupEvent(t, groupevent.TypeMemberRemoved, g, groupevent.MemberRemoved{GroupID: g, UserID: plain2})); err != nil {
				t.Fatal(err)
			}
			want(t, e.do("DELETE", "/api/v1/groups/"+g+"/messages/"+m.ID, plain, nil), 403)
		})
		t.Run("unknown, foreign or malformed messages and non-members get 404", func(t *testing.T) {
			m := e.post(g, plain, "mine")
			g2, c2 := e.group()
			other := e.post(g2, c2, "elsewhere")
			want(t, e.do("DELETE", "/api/v1/groups/"+g+"/messages/"+newUUID(), creator, nil), 404)
			want(t, e.do("DELETE", "/api/v1/groups/"+g+"/messages/"+other.ID, creator, nil), 404)
			want(t, e.do("DELETE", "/api/v1/groups/"+g+"/messages/not-an-id", creator, nil), 404)
			want(t, e.do("DELETE", "/api/v1/groups/"+g+"/messages/"+m.ID, newUUID(), nil), 404)
			want(t, e.do("DELETE", "/api/v1/groups/not-a-group/messages/"+m.ID, creator, nil), 404)
		})
		t.Run("deleted messages read as tombstones and deleting twice emits once", func(t *testing.T) {
			m := e.post(g, plain, "secret")
			before := len(e.events(g, EventDeleted))
			want(t, e.do("DELETE", "/api/v1/groups/"+g+"/messages/"+m.ID, plain, nil), 204)
			want(t, e.do("DELETE", "/api/v1/groups/"+g+"/messages/"+m.ID, plain, nil), 204)
			if n := len(e.events(g, EventDeleted)) - before; n != 1 {
				t.Fatalf("%d message.deleted, want 1", n)
			}
			w := e.do("GET", "/api/v1/groups/"+g+"/messages?after="+itoa(m.Seq-1)+"&limit=1", creator, nil)
			want(t, w, 200)
			got := decode[Page](t, w).Items[0]
			if got.ID != m.ID || !got.Deleted || got.Text != "" || len(got.Attachments) != 0 || got.AuthorID != plain || got.Seq != m.Seq || got.CreatedAt.IsZero() {
				t.Fatalf("tombstone %+v", got)
			}
		})
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// isHiddenView reports whether got shows m as hidden: id and seq only.
func isHiddenView(got, m Message) bool {
	return got.ID == m.ID && got.Seq == m.Seq && got.Hidden && got.Text == "" && got.AuthorID == "" &&
		got.GroupID == "" && len(got.Attachments) == 0 && got.CreatedAt.IsZero() && got.ClientMsgID == nil
}

func TestHideIsPerUser(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, ada := e.group()
		bob := e.member(g)
		m := e.post(g, ada, "hide me")
		for range 2 {
			want(t, e.do("POST", "/api/v1/groups/"+g+"/messages/"+m.ID+"/hide", bob, nil), http.StatusNoContent)
		}
		evs := e.events(g, EventHidden)
		if len(evs) != 1 {
			t.Fatalf("%d message.hidden, want 1", len(evs))
		}
		var h Hidden
		if err := evs[0].Decode(&h); err != nil || h != (Hidden{GroupID: g, MessageID: m.ID, UserID: bob}) {
			t.Fatalf("hidden payload %+v, %v", h, err)
		}
		bobs := decode[Page](t, e.do("GET", "/api/v1/groups/"+g+"/messages", bob, nil)).Items
		if len(bobs) != 1 || !isHiddenView(bobs[0], m) {
			t.Fatalf("bob sees %+v", bobs)
		}
		w := e.do("GET", "/api/v1/groups/"+g+"/messages", bob, nil)
		if raw, wantRaw := w.Body.String(), `{"items":[{"id":"`+m.ID+`","seq":1,"hidden":true}],"hasMore":false}`; strings.TrimSpace(raw) != wantRaw {
			t.Fatalf("hidden message shows as %s, want %s", raw, wantRaw)
		}
		adas := decode[Page](t, e.do("GET", "/api/v1/groups/"+g+"/messages", ada, nil)).Items
		if len(adas) != 1 || adas[0].Hidden || adas[0].Text != "hide me" {
			t.Fatalf("ada sees %+v", adas)
		}
		want(t, e.do("POST", "/api/v1/groups/"+g+"/messages/"+newUUID()+"/hide", bob, nil), http.StatusNotFound)
		want(t, e.do("POST", "/api/v1/groups/"+g+"/messages/"+m.ID+"/hide", newUUID(), nil), http.StatusNotFound)
	})
}

func TestHistoryPagesWithCursors(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		for range 7 {
			e.post(g, u, "m")
		}
		seqs := func(path string) ([]int64, bool) {
			t.Helper()
			w := e.do("GET", "/api/v1/groups/"+g+"/messages"+path, u, nil)
			want(t, w, http.StatusOK)
			p := decode[Page](t, w)
			out := []int64{}
			for _, m := range p.Items {
				out = append(out, m.Seq)
			}
			return out, p.HasMore
		}
		cases := []struct {
			query string
			want  []int64
			more  bool
		}{
			{"", []int64{7, 6, 5, 4, 3, 2, 1}, false},
			{"?limit=3", []int64{7, 6, 5}, true},
			{"?before=5&limit=3", []int64{4, 3, 2}, true},
			{"?before=4&limit=3", []int64{3, 2, 1}, false},
			{"?before=1", []int64{}, false},
			{"?after=0&limit=3", []int64{1, 2, 3}, true},
			{"?after=4&limit=3", []int64{5, 6, 7}, false},
			{"?after=7", []int64{}, false},
			{"?after=100", []int64{}, false},
		}
		for _, c := range cases {
			got, more := seqs(c.query)
			if !equal(got, c.want) || more != c.more {
				t.Errorf("%q: seqs %v hasMore %v, want %v %v", c.query, got, more, c.want, c.more)
			}
		}
		for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?before=-1", "?before=0", "?after=x", "?before=1&after=1", "?before=99999999999999999999"} {
			want(t, e.do("GET", "/api/v1/groups/"+g+"/messages"+q, u, nil), http.StatusBadRequest)
		}
	})
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGroupDeletionRemovesMessagesAndFiles(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		keep, ku := e.group()
		bob := e.member(g)
		tk := e.upload(g, u, "a.txt", "text/plain", []byte("abc"))
		unattached := e.upload(g, u, "b.txt", "text/plain", []byte("def"))
		m, err := e.svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: u, ClientMsgID: "f", Attachments: []AttachmentRef{{Key: tk.Key}}})
		if err != nil {
			t.Fatal(err)
		}
		want(t, e.do("POST", "/api/v1/groups/"+g+"/messages/"+m.ID+"/hide", bob, nil), http.StatusNoContent)
		want(t, e.do("PUT", reactPath(g, m.ID, "👍"), bob, nil), http.StatusNoContent)
		kept := e.upload(keep, ku, "k.txt", "text/plain", []byte("keep"))
		e.post(keep, ku, "stays")

		ev := groupEvent(t, groupevent.TypeDeleted, g, groupevent.GroupDeleted{GroupID: g, MemberIDs: []string{u, bob}})
		for range 2 { // redelivered
			if err := e.svc.HandleGroupEvent(t.Context(), ev); err != nil {
				t.Fatal(err)
			}
		}
		for _, table := range []string{"messages", "message_hidden", "message_reactions", "message_uploads", "message_sequences", "message_members"} {
			var n int
			if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table+" WHERE group_id = ?", g).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%s keeps %d rows of the deleted group (%v)", table, n, err)
			}
		}
		for _, k := range []string{tk.Key, unattached.Key} {
			if _, err := e.blob.Stat(t.Context(), k); err == nil {
				t.Fatalf("blob %s survived the group", k)
			}
		}
		if _, err := e.blob.Stat(t.Context(), kept.Key); err != nil {
			t.Fatalf("another group's blob: %v", err)
		}
		// A late member event does not bring the group back.
		e.join(g, u, rights.RoleCreator, rights.Rights{})
		want(t, e.do("GET", "/api/v1/groups/"+g+"/messages", u, nil), http.StatusNotFound)
		want(t, e.do("GET", "/api/v1/groups/"+keep+"/messages", ku, nil), http.StatusOK)
		if seqs, _ := e.svc.LastSeqs(t.Context(), []string{g, keep}); seqs[g] != 0 || seqs[keep] != 1 {
			t.Fatalf("last seqs %v", seqs)
		}
	})
}

func TestBadInputIsNeverA500(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		m := e.post(g, u, "x")
		long := strings.Repeat("a", 5000)
		paths := []struct{ method, path string }{
			{"GET", "/api/v1/groups/" + g + "/messages"},
			{"POST", "/api/v1/groups/" + g + "/messages"},
			{"DELETE", "/api/v1/groups/" + g + "/messages/" + m.ID},
			{"POST", "/api/v1/groups/" + g + "/messages/" + m.ID + "/hide"},
			{"POST", "/api/v1/groups/" + g + "/uploads"},
			{"POST", "/api/v1/groups/" + g + "/attachments/urls"},
			{"GET", "/api/v1/groups/" + long + "/messages"},
			{"POST", "/api/v1/groups/%00/messages"},
		}
		bodies := []any{nil, "", "null", "[]", "{", `{"x":1}`, `{"clientMsgId":5}`, `{"files":null}`, `{"keys":[1]}`,
			`{"keys":["../../etc/passwd"]}`, `{"keys":["` + long + `"]}`, `{"clientMsgId":"` + long + `","text":"a"}`,
			`{"clientMsgId":"a","text":"a","attachments":[{"key":"` + long + `"}]}`,
			`{"clientMsgId":"b","text":"a","attachments":[{"key":"a"},{"key":"a"}]}`,
			`{"files":[{"name":"` + long + `","size":1,"contentType":"text/plain"}]}`,
			`{"files":[{"name":"a","size":1e30,"contentType":"text/plain"}]}`}
		for _, p := range paths {
			for _, b := range bodies {
				r := e.do(p.method, strings.Replace(p.path, "%00", "%2500", 1), u, b)
				if r.Code >= 500 {
					t.Errorf("%s %s with %v: %d %s", p.method, p.path[:min(len(p.path), 60)], b, r.Code, r.Body.String())
				}
			}
		}
	})
}
