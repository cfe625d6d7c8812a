package group

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/httpapi"

	"github.com/parleychat/parley/internal/picture"
	"github.com/parleychat/parley/internal/sqlstore"
)

func TestPictures(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("upload re-encodes, versions the URL and serves it cacheable", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada := e.user(uniq("ada"))
			g := e.createGroup(ada, "Pics")
			got := decodeAs[MyGroup](t, wantStatus(t, e.upload(g.ID, ada, pngBytes(t, 900, 600)), 200))
			// The URL carries version 1 and an unguessable part.
			if got.PictureURL == nil || !strings.HasPrefix(*got.PictureURL, "/api/v1/groups/"+g.ID+"/picture?v=1-") || len(*got.PictureURL) < len("/api/v1/groups/"+g.ID+"/picture?v=1-")+20 {
				t.Fatalf("pictureUrl %v", got.PictureURL)
			}
			if p := lastEvent[GroupChanged](e, g.ID, EventUpdated); p.Group.PictureURL == nil || *p.Group.PictureURL != *got.PictureURL {
				t.Fatalf("updated payload %+v", p)
			}
			rec := e.do("GET", *got.PictureURL, "", nil)
			body := wantStatus(t, rec, 200)
			if rec.Header().Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(body, []byte("\xff\xd8\xff")) {
				t.Fatalf("served %s, %d bytes", rec.Header().Get("Content-Type"), len(body))
			}
			if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Fatalf("versioned Cache-Control %q", cc)
			}
			// Issue 12 defect 10: without the picture's own token the group
			// id alone shows nothing.
			for _, v := range []string{"", "?v=1", "?v=2", "?v=1-00"} {
				wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID+"/picture"+v, "", nil), 404)
			}
			etag := rec.Header().Get("ETag")
			cond := httptestRequest("GET", *got.PictureURL)
			cond.Header.Set("If-None-Match", etag)
			w := serve(e, cond)
			if w.Code != http.StatusNotModified {
				t.Fatalf("If-None-Match: %d", w.Code)
			}
			again := decodeAs[MyGroup](t, wantStatus(t, e.upload(g.ID, ada, pngBytes(t, 4, 4)), 200))
			if !strings.HasPrefix(*again.PictureURL, "/api/v1/groups/"+g.ID+"/picture?v=2-") {
				t.Fatalf("second version %v", *again.PictureURL)
			}
			// The old picture's URL is gone with it.
			wantStatus(t, e.do("GET", *got.PictureURL, "", nil), 404)
			wantStatus(t, e.do("DELETE", "/api/v1/groups/"+g.ID+"/picture", ada, nil), 204)
			if p := lastEvent[GroupChanged](e, g.ID, EventUpdated); p.Group.PictureURL != nil {
				t.Fatalf("picture still in payload %+v", p)
			}
			wantStatus(t, e.do("GET", *again.PictureURL, "", nil), 404)
			wantStatus(t, e.do("DELETE", "/api/v1/groups/"+g.ID+"/picture", ada, nil), 404)
		})

		t.Run("refuses what is not one picture with 400 and too much with 413", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada := e.user(uniq("ada"))
			g := e.createGroup(ada, "Pics")
			for name, data := range map[string][]byte{
				"text": []byte("hello"), "empty": nil, "truncated png": pngBytes(t, 20, 20)[:40],
			} {
				if b := wantStatus(t, e.upload(g.ID, ada, data), 400); errorCode(t, b) != "invalid" {
					t.Errorf("%s: %s", name, b)
				}
			}
			body, ct := uploadBody(t, "avatar", pngBytes(t, 4, 4))
			wantStatus(t, e.raw("PUT", "/api/v1/groups/"+g.ID+"/picture", ada, body, ct), 400)
			wantStatus(t, e.raw("PUT", "/api/v1/groups/"+g.ID+"/picture", ada, []byte("{}"), "application/json"), 415)
			big := append(pngBytes(t, 4, 4), bytes.Repeat([]byte{0}, picture.MaxBytes)...)
			wantStatus(t, e.upload(g.ID, ada, big[:picture.MaxBytes+1]), 413)
			if evs := e.events(g.ID); slices.Contains(types(evs), EventUpdated) {
				t.Fatalf("refused uploads emitted %v", types(evs))
			}
		})
	})
}

func TestMembers(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("list shows every member with username, role and rights", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			adaName := uniq("ada")
			ada, bob := e.user(adaName), e.user(uniq("bob"))
			g := e.createGroup(ada, "G")
			e.join(g.ID, bob, RoleMember, Rights{MuteMembers: true})
			ms := decodeAs[httpapi.Items[Member]](t, wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID+"/members", bob, nil), 200)).Items
			if len(ms) != 2 || ms[0].UserID != ada || ms[0].Username != adaName || ms[0].Role != RoleCreator ||
				ms[1].UserID != bob || ms[1].Rights != (Rights{MuteMembers: true}) || ms[1].JoinedAt.IsZero() {
				t.Fatalf("members %+v", ms)
			}
		})

		t.Run("patch changes rights partially and emits member_updated", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob := e.user(uniq("ada")), e.user(uniq("bob"))
			g := e.createGroup(ada, "G")
			e.join(g.ID, bob, RoleMember, Rights{MuteMembers: true})
			m := decodeAs[Member](t, wantStatus(t, e.do("PATCH", "/api/v1/groups/"+g.ID+"/members/"+bob, ada,
				`{"rights":{"addMembers":true,"muteMembers":false}}`), 200))
			if m.Rights != (Rights{AddMembers: true}) || m.Role != RoleMember {
				t.Fatalf("member %+v", m)
			}
			if p := lastEvent[MemberChanged](e, g.ID, EventMemberUpdated); p.Member != m || p.GroupID != g.ID {
				t.Fatalf("payload %+v", p)
			}
			n := len(e.events(g.ID))
			wantStatus(t, e.do("PATCH", "/api/v1/groups/"+g.ID+"/members/"+bob, ada, `{"rights":{"addMembers":true}}`), 200)
			if len(e.events(g.ID)) != n {
				t.Fatal("a patch that changed nothing emitted an event")
			}
		})

		t.Run("admins hold every right; revoking admin clears them", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob := e.user(uniq("ada")), e.user(uniq("bob"))
			g := e.createGroup(ada, "G")
			e.join(g.ID, bob, RoleMember, Rights{})
			path := "/api/v1/groups/" + g.ID + "/members/" + bob
			if m := decodeAs[Member](t, wantStatus(t, e.do("PATCH", path, ada, `{"role":"admin"}`), 200)); m.Role != RoleAdmin || m.Rights != AllRights {
				t.Fatalf("granted %+v", m)
			}
			wantStatus(t, e.do("PATCH", path, ada, `{"rights":{"addMembers":false}}`), 400)
			m := decodeAs[Member](t, wantStatus(t, e.do("PATCH", path, ada, `{"role":"member","rights":{"muteMembers":true}}`), 200))
			if m.Role != RoleMember || m.Rights != (Rights{MuteMembers: true}) {
				t.Fatalf("revoked %+v", m)
			}
			for _, body := range []string{`{}`, `{"role":"creator"}`, `{"role":"boss"}`, `{"rights":{"fly":true}}`, `{"rights":{"addMembers":"yes"}}`, `nope`} {
				if rec := e.do("PATCH", path, ada, body); rec.Code != 400 {
					t.Errorf("%s: %d %s", body, rec.Code, rec.Body)
				}
			}
			wantStatus(t, e.do("PATCH", "/api/v1/groups/"+g.ID+"/members/"+newUUID(), ada, `{"role":"admin"}`), 404)
		})

		t.Run("removal and leaving emit member_removed and end access", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob, cy := e.user(uniq("ada")), e.user(uniq("bob")), e.user(uniq("cy"))
			g := e.createGroup(ada, "G")
			e.join(g.ID, bob, RoleMember, Rights{})
			e.join(g.ID, cy, RoleMember, Rights{})
			wantStatus(t, e.do("DELETE", "/api/v1/groups/"+g.ID+"/members/"+bob, ada, nil), 204)
			if p := lastEvent[MemberRemoved](e, g.ID, EventMemberRemoved); p.UserID != bob || p.GroupID != g.ID {
				t.Fatalf("payload %+v", p)
			}
			wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID, bob, nil), 404)
			wantStatus(t, e.do("DELETE", "/api/v1/groups/"+g.ID+"/members/"+bob, ada, nil), 404)
			wantStatus(t, e.do("DELETE", "/api/v1/groups/"+g.ID+"/members/"+cy, cy, nil), 204)
			if p := lastEvent[MemberRemoved](e, g.ID, EventMemberRemoved); p.UserID != cy {
				t.Fatalf("leave payload %+v", p)
			}
			b := wantStatus(t, e.do("DELETE", "/api/v1/groups/"+g.ID+"/members/"+ada, ada, nil), 403)
			if !strings.Contains(string(b), "creator") {
				t.Fatalf("creator leaving: %s", b)
			}
			if d := decodeAs[GroupDetail](t, wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID, ada, nil), 200)); d.MemberCount != 1 {
				t.Fatalf("memberCount %d", d.MemberCount)
			}
		})

		t.Run("transfer makes the old creator an admin", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob, eve := e.user(uniq("ada")), e.user(uniq("bob")), e.user(uniq("eve"))
			g := e.createGroup(ada, "G")
			e.join(g.ID, bob, RoleMember, Rights{})
			got := decodeAs[MyGroup](t, wantStatus(t, e.do("POST", "/api/v1/groups/"+g.ID+"/owner", ada, map[string]string{"userId": bob}), 200))
			if got.CreatorID != bob || got.Me.Role != RoleAdmin || got.Me.Rights != AllRights {
				t.Fatalf("after transfer %+v", got)
			}
			d := decodeAs[GroupDetail](t, wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID, bob, nil), 200))
			if d.Me.Role != RoleCreator || d.CreatorID != bob {
				t.Fatalf("bob sees %+v", d.MyGroup)
			}
			evs := e.events(g.ID)
			if tail := types(evs)[len(evs)-3:]; !slices.Equal(tail, []string{EventMemberUpdated, EventMemberUpdated, EventUpdated}) {
				t.Fatalf("events %v", tail)
			}
			wantStatus(t, e.do("DELETE", "/api/v1/groups/"+g.ID+"/members/"+ada, ada, nil), 204) // the old creator may leave now
			wantStatus(t, e.do("POST", "/api/v1/groups/"+g.ID+"/owner", bob, map[string]string{"userId": eve}), 404)
			wantStatus(t, e.do("POST", "/api/v1/groups/"+g.ID+"/owner", bob, `{}`), 400)
		})
	})
}
