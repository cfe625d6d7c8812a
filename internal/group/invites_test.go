package group

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/user"
)

func (e *env) invite(groupID, from, to string) Invite {
	e.t.Helper()
	return decodeAs[Invite](e.t, wantStatus(e.t, e.do("POST", "/api/v1/groups/"+groupID+"/invites", from, map[string]string{"userId": to}), http.StatusCreated))
}

func (e *env) inviteList(uid, query string) InvitePage {
	e.t.Helper()
	return decodeAs[InvitePage](e.t, wantStatus(e.t, e.do("GET", "/api/v1/invites"+query, uid, nil), 200))
}

func TestInvites(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("invite shows group, inviter and invitee and emits invite_created", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			adaName, bobName := uniq("ada"), uniq("bob")
			ada, bob := e.user(adaName), e.user(bobName)
			g := e.createGroup(ada, "Club")
			inv := e.invite(g.ID, ada, bob)
			if inv.ID == "" || inv.Status != InvitePending || inv.Group.ID != g.ID || inv.Group.Name != "Club" ||
				inv.Inviter != (User{ID: ada, Username: adaName}) || inv.Invitee != (User{ID: bob, Username: bobName}) ||
				inv.CreatedAt.IsZero() || !inv.UpdatedAt.Equal(inv.CreatedAt) {
				t.Fatalf("invite %+v", inv)
			}
			if p := lastEvent[InviteChanged](e, g.ID, EventInviteCreated); p.Invite != inv {
				t.Fatalf("payload %+v, want %+v", p.Invite, inv)
			}
		})

		t.Run("only verified known users not yet in the group nor invited can be invited", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob, cy := e.user(uniq("ada")), e.user(uniq("bob")), e.user(uniq("cy"))
			g := e.createGroup(ada, "Club")
			e.join(g.ID, cy, RoleMember, Rights{})
			unverified := newUUID()
			if err := e.svc.HandleUserEvent(t.Context(), userEvent(t, user.EventRegistered, unverified, uniq("un"), nil, sqlstore.Now())); err != nil {
				t.Fatal(err)
			}
			path := "/api/v1/groups/" + g.ID + "/invites"
			wantStatus(t, e.do("POST", path, ada, map[string]string{"userId": unverified}), 404)
			wantStatus(t, e.do("POST", path, ada, map[string]string{"userId": newUUID()}), 404)
			wantStatus(t, e.do("POST", path, ada, map[string]string{"userId": ""}), 400)
			wantStatus(t, e.do("POST", path, ada, `{"userId":7}`), 400)
			if b := wantStatus(t, e.do("POST", path, ada, map[string]string{"userId": cy}), 409); errorCode(t, b) != "conflict" {
				t.Fatal(string(b))
			}
			wantStatus(t, e.do("POST", path, ada, map[string]string{"userId": ada}), 409)
			e.invite(g.ID, ada, bob)
			wantStatus(t, e.do("POST", path, ada, map[string]string{"userId": bob}), 409)
			wantStatus(t, e.do("POST", path, cy, map[string]string{"userId": bob}), 403)
		})

		t.Run("accept makes a member without rights and emits invite_updated and member_added", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob, eve := e.user(uniq("ada")), e.user(uniq("bob")), e.user(uniq("eve"))
			g := e.createGroup(ada, "Club")
			inv := e.invite(g.ID, ada, bob)
			wantStatus(t, e.do("POST", "/api/v1/invites/"+inv.ID+"/accept", eve, nil), 404)
			wantStatus(t, e.do("POST", "/api/v1/invites/"+inv.ID+"/accept", ada, nil), 403)
			got := decodeAs[answer](t, wantStatus(t, e.do("POST", "/api/v1/invites/"+inv.ID+"/accept", bob, nil), 200))
			if got.Invite.Status != InviteAccepted || got.Group == nil || got.Group.ID != g.ID || got.Group.MemberCount != 2 ||
				got.Group.Me.UserID != bob || got.Group.Me.Role != RoleMember || got.Group.Me.Rights != (Rights{}) {
				t.Fatalf("answer %+v", got)
			}
			evs := e.events(g.ID)
			tail := types(evs)[len(evs)-2:]
			if tail[0] != EventInviteUpdated || tail[1] != EventMemberAdded {
				t.Fatalf("events %v", tail)
			}
			wantStatus(t, e.do("POST", "/api/v1/invites/"+inv.ID+"/accept", bob, nil), 409)
			wantStatus(t, e.do("POST", "/api/v1/invites/"+inv.ID+"/decline", bob, nil), 409)
			wantStatus(t, e.do("DELETE", "/api/v1/invites/"+inv.ID, ada, nil), 409)
			wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID, bob, nil), 200)
		})

		t.Run("decline and cancel never make a member and allow a new invite", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob := e.user(uniq("ada")), e.user(uniq("bob"))
			g := e.createGroup(ada, "Club")
			inv := e.invite(g.ID, ada, bob)
			got := decodeAs[answer](t, wantStatus(t, e.do("POST", "/api/v1/invites/"+inv.ID+"/decline", bob, nil), 200))
			if got.Invite.Status != InviteDeclined || got.Group != nil {
				t.Fatalf("decline answer %+v", got)
			}
			if p := lastEvent[InviteChanged](e, g.ID, EventInviteUpdated); p.Invite.Status != InviteDeclined {
				t.Fatalf("payload %+v", p)
			}
			wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID, bob, nil), 404)
			again := e.invite(g.ID, ada, bob)
			wantStatus(t, e.do("DELETE", "/api/v1/invites/"+again.ID, bob, nil), 403)
			wantStatus(t, e.do("DELETE", "/api/v1/invites/"+again.ID, ada, nil), 204)
			if p := lastEvent[InviteChanged](e, g.ID, EventInviteUpdated); p.Invite.Status != InviteCanceled || p.Invite.ID != again.ID {
				t.Fatalf("payload %+v", p)
			}
			wantStatus(t, e.do("POST", "/api/v1/invites/"+again.ID+"/accept", bob, nil), 409)
			wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID, bob, nil), 404)
			wantStatus(t, e.do("DELETE", "/api/v1/invites/"+newUUID(), ada, nil), 404)
		})

		t.Run("an inviter who left may still cancel their invite", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob, cy := e.user(uniq("ada")), e.user(uniq("bob")), e.user(uniq("cy"))
			g := e.createGroup(ada, "Club")
			e.join(g.ID, bob, RoleMember, Rights{AddMembers: true})
			inv := e.invite(g.ID, bob, cy)
			wantStatus(t, e.do("DELETE", "/api/v1/groups/"+g.ID+"/members/"+bob, bob, nil), 204)
			wantStatus(t, e.do("DELETE", "/api/v1/invites/"+inv.ID, bob, nil), 204)
		})

		t.Run("list filters by direction and status, newest first, with a cursor", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada, bob := e.user(uniq("ada")), e.user(uniq("bob"))
			var ids []string
			for i := range 5 {
				g := e.createGroup(ada, fmt.Sprintf("G%d", i))
				ids = append(ids, e.invite(g.ID, ada, bob).ID)
			}
			wantStatus(t, e.do("POST", "/api/v1/invites/"+ids[0]+"/decline", bob, nil), 200)
			if p := e.inviteList(bob, ""); len(p.Items) != 4 || p.Items[0].ID != ids[4] || p.Items[3].ID != ids[1] || p.NextCursor != nil {
				t.Fatalf("received pending %+v", p)
			}
			if p := e.inviteList(bob, "?direction=received&status=all"); len(p.Items) != 5 || p.Items[4].ID != ids[0] {
				t.Fatalf("received all: %d", len(p.Items))
			}
			if p := e.inviteList(bob, "?direction=sent&status=all"); len(p.Items) != 0 {
				t.Fatalf("bob sent %+v", p)
			}
			var seen []string
			q := "?direction=sent&status=all&limit=2"
			for range 5 {
				p := e.inviteList(ada, q)
				for _, it := range p.Items {
					seen = append(seen, it.ID)
				}
				if p.NextCursor == nil {
					break
				}
				q = "?direction=sent&status=all&limit=2&cursor=" + *p.NextCursor
			}
			if fmt.Sprint(seen) != fmt.Sprint([]string{ids[4], ids[3], ids[2], ids[1], ids[0]}) {
				t.Fatalf("pages %v, want %v newest first", seen, ids)
			}
			for _, q := range []string{"?direction=up", "?status=old", "?limit=0", "?limit=101", "?limit=x", "?cursor=zzz"} {
				wantStatus(t, e.do("GET", "/api/v1/invites"+q, ada, nil), 400)
			}
		})
	})
}
