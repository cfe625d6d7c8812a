package rights

import "testing"

// TestCanCoversTheMessageAndCallRows checks the rows other roles enforce
// with Can: deleting someone's message and muting someone in a call.
func TestCanCoversTheMessageAndCallRows(t *testing.T) {
	t.Parallel()
	m := func(id string, role Role, r Rights) Membership {
		return Membership{GroupID: "g", UserID: id, Role: role, Rights: r}
	}
	creator, admin, admin2 := m("c", RoleCreator, All), m("a", RoleAdmin, All), m("a2", RoleAdmin, All)
	deleter, muter := m("d", RoleMember, Rights{DeleteMessages: true}), m("mu", RoleMember, Rights{MuteMembers: true})
	plain, plain2 := m("p", RoleMember, Rights{}), m("p2", RoleMember, Rights{})
	for _, tc := range []struct {
		name   string
		actor  Membership
		act    Action
		target Membership
		want   bool
	}{
		{"creator deletes the creator's own message", creator, ActDeleteMessage, creator, true},
		{"creator deletes an admin's message", creator, ActDeleteMessage, admin, true},
		{"admin deletes a member's message", admin, ActDeleteMessage, plain, true},
		{"admin deletes another admin's message", admin, ActDeleteMessage, admin2, true},
		{"admin cannot delete the creator's message", admin, ActDeleteMessage, creator, false},
		{"deleteMessages deletes a plain member's message", deleter, ActDeleteMessage, plain, true},
		{"deleteMessages cannot delete an admin's message", deleter, ActDeleteMessage, admin, false},
		{"deleteMessages cannot delete the creator's message", deleter, ActDeleteMessage, creator, false},
		{"any member deletes their own message", plain, ActDeleteMessage, plain, true},
		{"a member without the right cannot delete another's", plain, ActDeleteMessage, plain2, false},
		{"creator mutes an admin", creator, ActMute, admin, true},
		{"admin mutes a member", admin, ActMute, plain, true},
		{"admin mutes another admin", admin, ActMute, admin2, true},
		{"admin cannot mute the creator", admin, ActMute, creator, false},
		{"muteMembers mutes a plain member", muter, ActMute, plain, true},
		{"muteMembers cannot mute an admin", muter, ActMute, admin, false},
		{"muteMembers cannot mute the creator", muter, ActMute, creator, false},
		{"a member without the right cannot mute", plain, ActMute, plain2, false},
	} {
		if got := Can(tc.actor, tc.act, &tc.target); got != tc.want {
			t.Errorf("%s: Can = %v, want %v", tc.name, got, tc.want)
		}
	}
	if Can(creator, ActMute, nil) || Can(creator, ActDeleteMessage, nil) || Can(creator, ActRemoveMember, nil) {
		t.Error("actions on a member allowed without a target")
	}

}
