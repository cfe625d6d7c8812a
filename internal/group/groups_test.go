package group

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/httpapi"

	"github.com/parleychat/parley/internal/sqlstore"
)

func TestGroups(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("create makes the caller creator with every right and emits created and member_added", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada := e.user(uniq("ada"))
			g := e.createGroup(ada, "  Book club  ")
			if g.Name != "Book club" || g.CreatorID != ada || g.MemberCount != 1 || g.PictureURL != nil || g.CreatedAt.IsZero() {
				t.Fatalf("group %+v", g)
			}
			if g.Me.UserID != ada || g.Me.Role != RoleCreator || g.Me.Rights != AllRights || g.Me.Username == "" {
				t.Fatalf("me %+v", g.Me)
			}
			evs := e.events(g.ID)
			if got := types(evs); !slices.Equal(got, []string{EventCreated, EventMemberAdded}) {
				t.Fatalf("events %v", got)
			}
			var created GroupChanged
			if err := evs[0].Decode(&created); err != nil || created.Group != g.Group {
				t.Fatalf("created payload %+v (%v), want %+v", created, err, g.Group)
			}
			var added MemberChanged
			if err := evs[1].Decode(&added); err != nil || added.GroupID != g.ID || added.Member != g.Me {
				t.Fatalf("member_added payload %+v (%v)", added, err)
			}
			if !strings.Contains(string(evs[0].Payload), `"pictureUrl":null`) || strings.Contains(string(evs[0].Payload), `"me"`) {
				t.Fatalf("group payload %s: want pictureUrl null and no me", evs[0].Payload)
			}
			if e.notified.Load() == 0 {
				t.Fatal("relay not notified")
			}
		})

		t.Run("create refuses bad names and bodies with 400", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada := e.user(uniq("ada"))
			for _, body := range []string{
				`{"name":""}`, `{"name":"   "}`, `{"name":"` + strings.Repeat("x", 65) + `"}`, `{"name":"a\u0000b"}`,
				`{"name":"a\nb"}`, `{"name":"a\u007fb"}`, `{}`, `{"name":1}`, `{"name":"a","extra":1}`, `not json`, `[]`, `{"name":"a"}{}`,
			} {
				rec := e.do("POST", "/api/v1/groups", ada, body)
				if b := wantStatus(t, rec, http.StatusBadRequest); errorCode(t, b) != "invalid" {
					t.Errorf("%s: body %s", body, b)
				}
			}
			g := e.createGroup(ada, strings.Repeat("é", 64))
			if len([]rune(g.Name)) != 64 {
				t.Fatalf("64 two-byte characters not kept: %q", g.Name)
			}
		})

		t.Run("every route needs a token but the picture", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			for _, r := range [][2]string{
				{"GET", "/api/v1/groups"}, {"POST", "/api/v1/groups"}, {"GET", "/api/v1/groups/x"}, {"PATCH", "/api/v1/groups/x"},
				{"DELETE", "/api/v1/groups/x"}, {"PUT", "/api/v1/groups/x/picture"}, {"DELETE", "/api/v1/groups/x/picture"},
				{"GET", "/api/v1/groups/x/members"}, {"PATCH", "/api/v1/groups/x/members/y"}, {"DELETE", "/api/v1/groups/x/members/y"},
				{"POST", "/api/v1/groups/x/owner"}, {"POST", "/api/v1/groups/x/invites"}, {"GET", "/api/v1/invites"},
				{"POST", "/api/v1/invites/x/accept"}, {"POST", "/api/v1/invites/x/decline"}, {"DELETE", "/api/v1/invites/x"},
			} {
				if rec := e.do(r[0], r[1], "", nil); rec.Code != http.StatusUnauthorized {
					t.Errorf("%s %s: %d, want 401", r[0], r[1], rec.Code)
				}
			}
			wantStatus(t, e.do("GET", "/api/v1/groups/x/picture", "", nil), http.StatusNotFound)
		})

		t.Run("a user the projection does not know yet cannot create a group", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			rec := e.do("POST", "/api/v1/groups", newUUID(), map[string]string{"name": "Early"})
			wantStatus(t, rec, http.StatusServiceUnavailable)
			if rec.Header().Get("Retry-After") == "" {
				t.Fatal("no Retry-After")
			}
		})

		t.Run("list shows only the caller's groups, as an empty list when none", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob := e.user(uniq("ada")), e.user(uniq("bob"))
			g1, g2 := e.createGroup(ada, "One"), e.createGroup(ada, "Two")
			e.createGroup(bob, "Bob's")
			e.join(g2.ID, bob, RoleMember, Rights{})
			got := decodeAs[httpapi.Items[MyGroup]](t, wantStatus(t, e.do("GET", "/api/v1/groups", ada, nil), 200)).Items
			if len(got) != 2 || got[0].ID != g1.ID || got[1].ID != g2.ID || got[1].MemberCount != 2 || got[0].Me.Role != RoleCreator {
				t.Fatalf("ada's groups %+v", got)
			}
			bobs := decodeAs[httpapi.Items[MyGroup]](t, wantStatus(t, e.do("GET", "/api/v1/groups", bob, nil), 200)).Items
			if len(bobs) != 2 {
				t.Fatalf("bob's groups %+v", bobs)
			}
			for _, g := range bobs {
				if g.ID == g2.ID && (g.Me.Role != RoleMember || g.Me.UserID != bob) {
					t.Fatalf("bob's me in Two: %+v", g.Me)
				}
			}
			lone := e.user(uniq("lone"))
			if b := wantStatus(t, e.do("GET", "/api/v1/groups", lone, nil), 200); string(b) != "{\"items\":[]}\n" {
				t.Fatalf("empty list %q", b)
			}
		})

		t.Run("get shows members to members and 404 to everyone else", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob, eve := e.user(uniq("ada")), e.user(uniq("bob")), e.user(uniq("eve"))
			g := e.createGroup(ada, "G")
			e.join(g.ID, bob, RoleMember, Rights{AddMembers: true})
			d := decodeAs[GroupDetail](t, wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID, bob, nil), 200))
			if d.ID != g.ID || d.Me.UserID != bob || d.Me.Rights != (Rights{AddMembers: true}) || len(d.Members) != 2 || d.MemberCount != 2 {
				t.Fatalf("detail %+v", d)
			}
			for _, id := range []string{g.ID, newUUID(), "not-a-uuid", strings.Repeat("9", 300)} {
				if b := wantStatus(t, e.do("GET", "/api/v1/groups/"+id, eve, nil), 404); errorCode(t, b) != "not_found" {
					t.Fatalf("body %s", b)
				}
			}
		})

		t.Run("rename changes the name and emits updated", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada := e.user(uniq("ada"))
			g := e.createGroup(ada, "Old")
			got := decodeAs[MyGroup](t, wantStatus(t, e.do("PATCH", "/api/v1/groups/"+g.ID, ada, map[string]string{"name": " New "}), 200))
			if got.Name != "New" || got.Me.Role != RoleCreator {
				t.Fatalf("renamed %+v", got)
			}
			if p := lastEvent[GroupChanged](e, g.ID, EventUpdated); p.Group.Name != "New" || p.Group.ID != g.ID {
				t.Fatalf("updated payload %+v", p)
			}
			wantStatus(t, e.do("PATCH", "/api/v1/groups/"+g.ID, ada, map[string]string{"name": ""}), 400)
			wantStatus(t, e.do("PATCH", "/api/v1/groups/"+g.ID, ada, `{"name":"x","creatorId":"me"}`), 400)
		})

		t.Run("delete removes the group, its members and invites and emits deleted with every member", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob, cy := e.user(uniq("ada")), e.user(uniq("bob")), e.user(uniq("cy"))
			g := e.createGroup(ada, "Doomed")
			e.join(g.ID, bob, RoleAdmin, AllRights)
			inv := decodeAs[Invite](t, wantStatus(t, e.do("POST", "/api/v1/groups/"+g.ID+"/invites", ada, map[string]string{"userId": cy}), 201))
			wantStatus(t, e.upload(g.ID, ada, pngBytes(t, 10, 10)), 200)
			wantStatus(t, e.do("DELETE", "/api/v1/groups/"+g.ID, ada, nil), 204)
			p := lastEvent[GroupDeleted](e, g.ID, EventDeleted)
			slices.Sort(p.MemberIDs)
			want := []string{ada, bob}
			slices.Sort(want)
			if p.GroupID != g.ID || !slices.Equal(p.MemberIDs, want) {
				t.Fatalf("deleted payload %+v, want members %v", p, want)
			}
			for _, u := range []string{ada, bob} {
				wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID, u, nil), 404)
			}
			wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID+"/picture", "", nil), 404)
			wantStatus(t, e.do("POST", "/api/v1/invites/"+inv.ID+"/accept", cy, nil), 404)
			if ms, _ := e.svc.GroupsOf(t.Context(), bob); len(ms) != 0 {
				t.Fatalf("bob still has memberships %+v", ms)
			}
			wantStatus(t, e.do("DELETE", "/api/v1/groups/"+g.ID, ada, nil), 404)
		})
	})
}
