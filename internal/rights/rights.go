package rights

// Role is a member's role in a group.
type Role string

// Roles (ARCHITECTURE.md §6).
const (
	RoleCreator Role = "creator"
	RoleAdmin   Role = "admin"
	RoleMember  Role = "member"
)

// Rights are what a member may be given. Creators and admins always hold
// all four.
type Rights struct {
	AddMembers     bool `json:"addMembers"`
	RemoveMembers  bool `json:"removeMembers"`
	DeleteMessages bool `json:"deleteMessages"`
	MuteMembers    bool `json:"muteMembers"`
}

// All is what creators and admins hold.
var All = Rights{AddMembers: true, RemoveMembers: true, DeleteMessages: true, MuteMembers: true}

// Any reports whether at least one right is held.
func (r Rights) Any() bool {
	return r.AddMembers || r.RemoveMembers || r.DeleteMessages || r.MuteMembers
}

// Membership is a user's place in a group: what the roles that enforce the
// rights table (group, message, ws, webrtc) need to know of a member.
type Membership struct {
	GroupID string
	UserID  string
	Role    Role
	Rights  Rights
	// Username is the member's name as the group role knows it, for the
	// roles that show it (a call's participants); Can ignores it.
	Username string
}

// Action is something a member may try to do in a group; Can decides.
type Action int

// Actions: the rows of the rights table (ARCHITECTURE.md §6).
const (
	// ActEditGroup is renaming the group and setting or deleting its picture.
	ActEditGroup Action = iota
	// ActDeleteGroup is deleting the group.
	ActDeleteGroup
	// ActInvite is inviting a user.
	ActInvite
	// ActCancelInvite is canceling an invite; the target is its inviter, and
	// the actor may be a non-member (an inviter who left).
	ActCancelInvite
	// ActRemoveMember is removing the target from the group (or leaving,
	// when the target is the actor).
	ActRemoveMember
	// ActChangeRights is changing the target's rights.
	ActChangeRights
	// ActSetRole is granting or revoking admin, and transferring ownership.
	ActSetRole
	// ActDeleteMessage is deleting a message of the target (its author)
	// for everyone. Enforced by the message role.
	ActDeleteMessage
	// ActMute is muting the target for everyone in a call. Enforced by the
	// webrtc role.
	ActMute
)

// Can reports whether actor may do act to target in their group. It is
// the rights table of ARCHITECTURE.md §6, row by row; target is nil for
// actions on the group itself. Actor and target must be members of the
// same group (a non-member may do nothing: callers answer 404 before
// asking), except for ActCancelInvite, whose target is the invite's
// inviter, who may have left since.
func Can(actor Membership, act Action, target *Membership) bool {
	creator, admin := actor.Role == RoleCreator, actor.Role == RoleAdmin
	self := target != nil && target.UserID == actor.UserID
	// The target's standing, when there is one.
	var xCreator, xAdmin, xPlain bool
	if target != nil {
		xCreator, xAdmin = target.Role == RoleCreator, target.Role == RoleAdmin
		xPlain = !xCreator && !xAdmin
	}
	switch act {
	case ActEditGroup:
		return creator || admin
	case ActDeleteGroup:
		return creator
	case ActInvite:
		return creator || admin || actor.Rights.AddMembers
	case ActCancelInvite:
		return creator || admin || self
	case ActRemoveMember:
		switch {
		case target == nil || xCreator:
			return false // nobody removes the creator, who cannot leave either
		case self, creator:
			return true
		case admin:
			return xPlain
		default:
			return actor.Rights.RemoveMembers && xPlain && !target.Rights.Any()
		}
	case ActChangeRights:
		switch {
		case target == nil || xCreator:
			return false
		case creator:
			return true
		default:
			return admin && xPlain
		}
	case ActSetRole:
		return creator && target != nil && !xCreator
	case ActDeleteMessage:
		switch {
		case target == nil:
			return false
		case self, creator:
			return true
		case admin:
			return !xCreator
		default:
			return actor.Rights.DeleteMessages && xPlain
		}
	case ActMute:
		switch {
		case target == nil:
			return false
		case creator:
			return true
		case admin:
			return !xCreator
		default:
			return actor.Rights.MuteMembers && xPlain
		}
	}
	return false
}
