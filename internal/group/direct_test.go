package group

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/ratelimit"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
	"github.com/parleychat/parley/internal/user"
)

// startDirect is POST /direct as uid with other, wanting status.
func (e *env) startDirect(uid, other string, status int) MyGroup {
	e.t.Helper()
	return decodeAs[MyGroup](e.t, wantStatus(e.t, e.do("POST", "/api/v1/direct", uid, map[string]string{"userId": other}), status))
}

// directRows counts the direct conversations of a pair in the database.
func directRows(t *testing.T, db *sqlstore.DB, a, b string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM chat_groups WHERE direct_key = ?`, directKey(a, b)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDirectConversations(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("starting one makes a nameless group of kind direct with both as plain members", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob := e.user(uniq("ada")), e.user(uniq("bob"))
			g := e.startDirect(ada, bob, http.StatusCreated)
			if g.Kind != KindDirect || g.Name != "" || g.PictureURL != nil || g.MemberCount != 2 || g.CreatorID != ada {
				t.Fatalf("group %+v", g.Group)
			}
			if g.Me.UserID != ada || g.Me.Role != RoleMember || g.Me.Rights != (Rights{}) {
				t.Fatalf("me %+v", g.Me)
			}
			d := decodeAs[GroupDetail](t, wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID, bob, nil), 200))
			if len(d.Members) != 2 || d.Kind != KindDirect || d.Me.UserID != bob {
				t.Fatalf("detail %+v", d)
			}
			for _, m := range d.Members {
				if m.Role != RoleMember || m.Rights != (Rights{}) {
					t.Fatalf("member %+v: want a plain member without rights", m)
				}
			}
			// What the message and webrtc roles read (Memberships) gives
			// each exactly the fixed rights of a direct conversation.
			ma, err := e.svc.Member(context.Background(), g.ID, ada)
			if err != nil {
				t.Fatal(err)
			}
			mb, err := e.svc.Member(context.Background(), g.ID, bob)
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				name   string
				act    Action
				target *Membership
				want   bool
			}{
				{"delete own message", ActDeleteMessage, &ma, true},
				{"delete the other's message", ActDeleteMessage, &mb, false},
				{"mute the other in a call", ActMute, &mb, false},
				{"leave", ActRemoveMember, &ma, true},
				{"remove the other", ActRemoveMember, &mb, false},
				{"change the other's rights", ActChangeRights, &mb, false},
				{"change own rights", ActChangeRights, &ma, false},
				{"make the other admin", ActSetRole, &mb, false},
				{"rename", ActEditGroup, nil, false},
				{"delete the conversation", ActDeleteGroup, nil, false},
				{"invite", ActInvite, nil, false},
			} {
				if got := Can(ma, tc.act, tc.target); got != tc.want {
					t.Errorf("%s: Can = %v, want %v", tc.name, got, tc.want)
				}
			}
			if got := types(e.events(g.ID)); strings.Join(got, " ") != "group.created group.member_added group.member_added" {
				t.Fatalf("events %v", got)
			}
			created := lastEvent[MemberChanged](e, g.ID, EventMemberAdded)
			if created.GroupID != g.ID {
				t.Fatalf("event %+v", created)
			}
			ev := e.events(g.ID)[0]
			var gc GroupChanged
			if err := ev.Decode(&gc); err != nil || gc.Group.Kind != KindDirect {
				t.Fatalf("group.created %+v (%v): want kind direct", gc, err)
			}
		})

		t.Run("the pair has one conversation whoever starts it and how often", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob := e.user(uniq("ada")), e.user(uniq("bob"))
			first := e.startDirect(ada, bob, http.StatusCreated)
			before := len(e.events(first.ID))
			again := e.startDirect(ada, bob, http.StatusOK)
			back := e.startDirect(bob, strings.ToUpper(ada), http.StatusOK)
			if again.ID != first.ID || back.ID != first.ID || back.Me.UserID != bob || again.Me.UserID != ada {
				t.Fatalf("first %s, again %s, back %s (me %s)", first.ID, again.ID, back.ID, back.Me.UserID)
			}
			if n := len(e.events(first.ID)); n != before {
				t.Fatalf("opening an existing conversation queued %d events", n-before)
			}
			if n := directRows(t, db, ada, bob); n != 1 {
				t.Fatalf("%d conversations for the pair", n)
			}
		})

		t.Run("the caller's list holds directs and groups, each with its kind", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob := e.user(uniq("ada")), e.user(uniq("bob"))
			g := e.createGroup(ada, "Plain")
			dm := e.startDirect(ada, bob, http.StatusCreated)
			list := decodeAs[struct{ Items []MyGroup }](t, wantStatus(t, e.do("GET", "/api/v1/groups", ada, nil), 200)).Items
			kinds := map[string]Kind{}
			for _, x := range list {
				kinds[x.ID] = x.Kind
			}
			if len(list) != 2 || kinds[g.ID] != KindGroup || kinds[dm.ID] != KindDirect {
				t.Fatalf("list %+v", list)
			}
			raw := e.do("GET", "/api/v1/groups/"+g.ID, ada, nil).Body.Bytes()
			if !bytes.Contains(raw, []byte(`"kind":"group"`)) {
				t.Fatalf("a group answers %s: want kind group", raw)
			}
		})

		t.Run("nobody else sees it", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob, cy := e.user(uniq("ada")), e.user(uniq("bob")), e.user(uniq("cy"))
			dm := e.startDirect(ada, bob, http.StatusCreated)
			for _, p := range []string{"/api/v1/groups/" + dm.ID, "/api/v1/groups/" + dm.ID + "/members"} {
				wantStatus(t, e.do("GET", p, cy, nil), http.StatusNotFound)
			}
			wantStatus(t, e.do("DELETE", "/api/v1/groups/"+dm.ID+"/members/"+cy, cy, nil), http.StatusNotFound)
			wantStatus(t, e.do("POST", "/api/v1/groups/"+dm.ID+"/invites", cy, map[string]string{"userId": cy}), http.StatusNotFound)
			if list := decodeAs[struct{ Items []MyGroup }](t, wantStatus(t, e.do("GET", "/api/v1/groups", cy, nil), 200)).Items; len(list) != 0 {
				t.Fatalf("cy lists %+v", list)
			}
			if _, err := e.svc.Member(context.Background(), dm.ID, cy); err == nil {
				t.Fatal("cy is a member for the other roles")
			}
		})

		t.Run("bad starts are refused and create nothing", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada := e.user(uniq("ada"))
			// Registered but not verified: the role never learns of the user.
			pending := newUUID()
			if err := e.svc.HandleUserEvent(context.Background(), userEvent(t, user.EventRegistered, pending, uniq("pen"), nil, time.Now())); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				name   string
				body   any
				status int
				code   string
			}{
				{"with oneself", map[string]string{"userId": ada}, 400, "invalid"},
				{"with oneself spelled in upper case", map[string]string{"userId": strings.ToUpper(ada)}, 400, "invalid"},
				{"with an unknown user", map[string]string{"userId": newUUID()}, 404, "not_found"},
				{"with an unverified account", map[string]string{"userId": pending}, 404, "not_found"},
				{"with no user", map[string]string{}, 400, "invalid"},
				{"with a malformed id", map[string]string{"userId": "bob"}, 400, "invalid"},
				{"with an unknown field", map[string]string{"userId": pending, "name": "x"}, 400, "invalid"},
				{"with no body", nil, 415, "unsupported_media_type"},
				{"with a body that is not an object", "[1]", 400, "invalid"},
			} {
				rec := e.do("POST", "/api/v1/direct", ada, tc.body)
				if rec.Code != tc.status || errorCode(t, rec.Body.Bytes()) != tc.code {
					t.Errorf("%s: %d %s, want %d %s", tc.name, rec.Code, rec.Body.String(), tc.status, tc.code)
				}
			}
			wantStatus(t, e.do("POST", "/api/v1/direct", "", map[string]string{"userId": pending}), http.StatusUnauthorized)
			if list := decodeAs[struct{ Items []MyGroup }](t, wantStatus(t, e.do("GET", "/api/v1/groups", ada, nil), 200)).Items; len(list) != 0 {
				t.Fatalf("ada lists %+v", list)
			}
		})

		t.Run("every change a group allows is refused and changes nothing", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob, cy := e.user(uniq("ada")), e.user(uniq("bob")), e.user(uniq("cy"))
			dm := e.startDirect(ada, bob, http.StatusCreated)
			before := e.do("GET", "/api/v1/groups/"+dm.ID, ada, nil).Body.String()
			events := len(e.events(dm.ID))
			body, ct := uploadBody(t, "picture", pngBytes(t, 8, 8))
			for _, tc := range []struct {
				name         string
				method, path string
				body         any
			}{
				{"rename", "PATCH", "", map[string]string{"name": "Ours"}},
				{"delete", "DELETE", "", nil},
				{"delete the picture", "DELETE", "/picture", nil},
				{"invite", "POST", "/invites", map[string]string{"userId": cy}},
				{"give the other rights", "PATCH", "/members/{other}", map[string]any{"rights": map[string]bool{"deleteMessages": true}}},
				{"give oneself rights", "PATCH", "/members/{self}", map[string]any{"rights": map[string]bool{"muteMembers": true}}},
				{"make the other admin", "PATCH", "/members/{other}", map[string]string{"role": "admin"}},
				{"make oneself admin", "PATCH", "/members/{self}", map[string]string{"role": "admin"}},
				{"remove the other", "DELETE", "/members/{other}", nil},
				{"transfer ownership", "POST", "/owner", map[string]string{"userId": "{other}"}},
			} {
				for _, pair := range [][2]string{{ada, bob}, {bob, ada}} {
					uid, other := pair[0], pair[1]
					path := strings.NewReplacer("{self}", uid, "{other}", other).Replace(tc.path)
					var body any = tc.body
					if m, ok := tc.body.(map[string]string); ok && m["userId"] == "{other}" {
						body = map[string]string{"userId": other}
					}
					rec := e.do(tc.method, "/api/v1/groups/"+dm.ID+path, uid, body)
					if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "direct conversation") {
						t.Errorf("%s as %s: %d %s, want 403 naming the direct conversation", tc.name, uid[:8], rec.Code, rec.Body.String())
					}
				}
			}
			rec := e.raw("PUT", "/api/v1/groups/"+dm.ID+"/picture", ada, body, ct)
			if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "direct conversation") {
				t.Errorf("set the picture: %d %s, want 403", rec.Code, rec.Body.String())
			}
			if after := e.do("GET", "/api/v1/groups/"+dm.ID, ada, nil).Body.String(); after != before {
				t.Fatalf("the conversation changed:\n%s\n%s", before, after)
			}
			if n := len(e.events(dm.ID)); n != events {
				t.Fatalf("%d events queued by refused changes", n-events)
			}
			if page := e.inviteList(cy, ""); len(page.Items) != 0 {
				t.Fatalf("cy was invited: %+v", page.Items)
			}
		})

		t.Run("one who leaves is back when either starts it again, with the same conversation", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob := e.user(uniq("ada")), e.user(uniq("bob"))
			dm := e.startDirect(ada, bob, http.StatusCreated)
			wantStatus(t, e.do("DELETE", "/api/v1/groups/"+dm.ID+"/members/"+bob, bob, nil), http.StatusNoContent)
			wantStatus(t, e.do("GET", "/api/v1/groups/"+dm.ID, bob, nil), http.StatusNotFound)
			left := decodeAs[GroupDetail](t, wantStatus(t, e.do("GET", "/api/v1/groups/"+dm.ID, ada, nil), 200))
			if left.MemberCount != 1 || len(left.Members) != 1 {
				t.Fatalf("after bob left: %+v", left)
			}
			again := e.startDirect(ada, bob, http.StatusOK)
			if again.ID != dm.ID || again.MemberCount != 2 {
				t.Fatalf("started again: %+v", again.Group)
			}
			added := lastEvent[MemberChanged](e, dm.ID, EventMemberAdded)
			if added.Member.UserID != bob || added.Member.Role != RoleMember || added.Member.Rights != (Rights{}) {
				t.Fatalf("event %+v", added)
			}
			// Both leave; the one who starts it brings both back.
			for _, uid := range []string{ada, bob} {
				wantStatus(t, e.do("DELETE", "/api/v1/groups/"+dm.ID+"/members/"+uid, uid, nil), http.StatusNoContent)
			}
			back := e.startDirect(bob, ada, http.StatusOK)
			if back.ID != dm.ID || back.MemberCount != 2 || back.Me.UserID != bob {
				t.Fatalf("started by bob after both left: %+v", back)
			}
			if n := directRows(t, db, ada, bob); n != 1 {
				t.Fatalf("%d conversations for the pair", n)
			}
		})

		t.Run("concurrent starts by both, on two instances, give one conversation", func(t *testing.T) {
			t.Parallel()
			e1 := newEnv(t, db)
			e2 := newEnv(t, sqlstoretest.Reopen(t, db))
			ada, bob := e1.user(uniq("ada")), e1.user(uniq("bob"))
			const n = 8
			codes, gids := make([]int, n), make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				e := []*env{e1, e2}[i%2]
				from, to := ada, bob
				if i%4 >= 2 {
					from, to = bob, ada
				}
				wg.Go(func() {
					rec := e.do("POST", "/api/v1/direct", from, map[string]string{"userId": to})
					codes[i] = rec.Code
					if rec.Code < 300 {
						gids[i] = decodeAs[MyGroup](t, rec.Body.Bytes()).ID
					}
				})
			}
			wg.Wait()
			created := 0
			for i, c := range codes {
				switch {
				case c == http.StatusCreated:
					created++
				case c != http.StatusOK:
					t.Fatalf("codes %v", codes)
				}
				if gids[i] != gids[0] {
					t.Fatalf("different conversations: %v", gids)
				}
			}
			if created != 1 {
				t.Fatalf("codes %v: want exactly one 201", codes)
			}
			if n := directRows(t, db, ada, bob); n != 1 {
				t.Fatalf("%d conversations for the pair", n)
			}
			d := decodeAs[GroupDetail](t, wantStatus(t, e1.do("GET", "/api/v1/groups/"+gids[0], bob, nil), 200))
			if len(d.Members) != 2 {
				t.Fatalf("members %+v", d.Members)
			}
			if got := types(e1.events(gids[0])); len(got) != 3 {
				t.Fatalf("events %v: want one creation", got)
			}
		})

		t.Run("creating is limited per user; opening an existing one is not", func(t *testing.T) {
			t.Parallel()
			e := newEnvWith(t, db, func(c *Config) { c.Limiter = ratelimit.NewMemory() })
			ada, bob := e.user(uniq("ada")), e.user(uniq("bob"))
			first := e.startDirect(ada, bob, http.StatusCreated)
			for range LimitNewDirect.N - 1 {
				e.startDirect(ada, e.user(uniq("u")), http.StatusCreated)
			}
			other := e.user(uniq("x"))
			rec := e.do("POST", "/api/v1/direct", ada, map[string]string{"userId": other})
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
				t.Fatalf("one more: %d %s (Retry-After %q), want 429", rec.Code, rec.Body.String(), rec.Header().Get("Retry-After"))
			}
			if again := e.startDirect(ada, bob, http.StatusOK); again.ID != first.ID {
				t.Fatalf("reopened %s, want %s", again.ID, first.ID)
			}
			e.startDirect(other, ada, http.StatusCreated) // the limit is the starter's
		})
	})
}
