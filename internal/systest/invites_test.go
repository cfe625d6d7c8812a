package systest

import (
	"testing"
)

// inviteGroups maps invite id → the group as the invite shows it to cl.
func inviteGroups(t *testing.T, cl *Client, direction string) map[string]map[string]any {
	t.Helper()
	r := cl.Do("GET", "/api/v1/invites?status=all&direction="+direction, nil)
	Expect(t, "invites", r, 200, "")
	var page struct {
		Items []struct {
			ID    string         `json:"id"`
			Group map[string]any `json:"group"`
		} `json:"items"`
	}
	r.JSON(t, &page)
	out := map[string]map[string]any{}
	for _, it := range page.Items {
		out[it.ID] = it.Group
	}
	return out
}

// TestInviteHistoryShowsOnlyWhatTheViewerMaySee is issue 12 defect 10: a
// user who declined an invite, or was removed after accepting one, sees
// in their invite history the group as it was when invited and no
// picture, not the group's current name and picture; a pending invitee
// and the members see the group as it is.
func TestInviteHistoryShowsOnlyWhatTheViewerMaySee(t *testing.T) {
	t.Parallel()
	c := Start(t, Embedded)
	alice, _ := signUp(t, c, "alice", "alice password")
	bob, bobMe := signUp(t, c, "bob", "bob password")
	carol, carolMe := signUp(t, c, "carol", "carol password")
	dave, daveMe := signUp(t, c, "dave", "dave password")
	r := alice.Do("POST", "/api/v1/groups", map[string]string{"name": "Book club"})
	Expect(t, "create", r, 201, "")
	gid := r.Map(t)["id"].(string)
	Expect(t, "picture", alice.Upload("PUT", "/api/v1/groups/"+gid+"/picture", "picture", "a.png", "image/png", pngBytes(t, 16, 16)), 200, "")

	invite := func(id string) string {
		r := alice.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": id})
		Expect(t, "invite", r, 201, "")
		return r.Map(t)["id"].(string)
	}
	bobInv := invite(bobMe["id"].(string))
	Expect(t, "bob declines", bob.Do("POST", "/api/v1/invites/"+bobInv+"/decline", nil), 200, "")
	carolInv := invite(carolMe["id"].(string))
	Expect(t, "carol accepts", carol.Do("POST", "/api/v1/invites/"+carolInv+"/accept", nil), 200, "")
	Expect(t, "carol is removed", alice.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+carolMe["id"].(string), nil), 204, "")
	daveInv := invite(daveMe["id"].(string))

	// The group changes after all that.
	Expect(t, "rename", alice.Do("PATCH", "/api/v1/groups/"+gid, map[string]string{"name": "Secret plans"}), 200, "")
	pic := alice.Upload("PUT", "/api/v1/groups/"+gid+"/picture", "picture", "b.png", "image/png", pngBytes(t, 20, 20))
	Expect(t, "new picture", pic, 200, "")
	current := pic.Map(t)["pictureUrl"].(string)

	for who, v := range map[string]struct {
		cl  *Client
		inv string
	}{"bob (declined)": {bob, bobInv}, "carol (removed)": {carol, carolInv}} {
		g := inviteGroups(t, v.cl, "received")[v.inv]
		if g["name"] != "Book club" || g["pictureUrl"] != nil {
			t.Errorf("%s sees the group as %v, want the name it had when invited and no picture", who, g)
		}
	}
	if g := inviteGroups(t, dave, "received")[daveInv]; g["name"] != "Secret plans" || g["pictureUrl"] != current {
		t.Errorf("the pending invitee sees %v, want the group as it is", g)
	}
	sent := inviteGroups(t, alice, "sent")
	for _, id := range []string{bobInv, carolInv, daveInv} {
		if g := sent[id]; g["name"] != "Secret plans" || g["pictureUrl"] != current {
			t.Errorf("alice (a member) sees %v for invite %s, want the group as it is", g, id)
		}
	}
}
