package groupevent

import (
	"time"

	"github.com/parleychat/parley/internal/rights"
)

// Topic carries the role's events (ARCHITECTURE.md §4), keyed by group id.
const Topic = "groups"

// Event types on Topic.
const (
	TypeCreated       = "group.created"        // GroupChanged
	TypeUpdated       = "group.updated"        // GroupChanged
	TypeDeleted       = "group.deleted"        // GroupDeleted
	TypeMemberAdded   = "group.member_added"   // MemberChanged
	TypeMemberUpdated = "group.member_updated" // MemberChanged
	TypeMemberRemoved = "group.member_removed" // MemberRemoved
	TypeInviteCreated = "group.invite_created" // InviteChanged
	TypeInviteUpdated = "group.invite_updated" // InviteChanged
)

// GroupChanged is the payload of group.created and group.updated: the
// group as it is after the change.
type GroupChanged struct {
	Group Group `json:"group"`
}

// GroupDeleted is the payload of group.deleted: the group and everyone who
// was a member of it when it was deleted.
type GroupDeleted struct {
	GroupID   string   `json:"groupId"`
	MemberIDs []string `json:"memberIds"`
}

// MemberChanged is the payload of group.member_added and
// group.member_updated: the member as it is after the change.
type MemberChanged struct {
	GroupID string `json:"groupId"`
	Member  Member `json:"member"`
}

// MemberRemoved is the payload of group.member_removed (a removal or a
// member leaving).
type MemberRemoved struct {
	GroupID string `json:"groupId"`
	UserID  string `json:"userId"`
}

// InviteChanged is the payload of group.invite_created and
// group.invite_updated: the invite as it is after the change.
type InviteChanged struct {
	Invite Invite `json:"invite"`
}

// User is another user as the API shows them (API.md "User").
// DisplayName is omitted when the user has none.
type User struct {
	ID          string  `json:"id"`
	Username    string  `json:"username"`
	DisplayName string  `json:"displayName,omitempty"`
	PictureURL  *string `json:"pictureUrl"`
}

// Member is a member of a group (API.md "Member"). DisplayName is the
// user's display name, omitted when the user has none.
type Member struct {
	UserID      string        `json:"userId"`
	Username    string        `json:"username"`
	DisplayName string        `json:"displayName,omitempty"`
	PictureURL  *string       `json:"pictureUrl"`
	Role        rights.Role   `json:"role"`
	Rights      rights.Rights `json:"rights"`
	JoinedAt    time.Time     `json:"joinedAt"`
}

// Kind is what a group is: an ordinary group, or a direct (one-to-one)
// conversation.
type Kind string

// Kinds. A Group decoded from an event written before kinds existed has
// Kind "", which means KindGroup.
const (
	KindGroup  Kind = "group"
	KindDirect Kind = "direct"
)

// Group is a group as every member sees it: the API Group without "me".
// It is also the payload of group.created and group.updated. A direct
// conversation (Kind KindDirect) has no name (""): clients show the other
// member instead.
type Group struct {
	ID          string    `json:"id"`
	Kind        Kind      `json:"kind"`
	Name        string    `json:"name"`
	PictureURL  *string   `json:"pictureUrl"`
	CreatedAt   time.Time `json:"createdAt"`
	CreatorID   string    `json:"creatorId"`
	MemberCount int       `json:"memberCount"`
}

// InviteStatus is where an invite stands.
type InviteStatus string

// Invite statuses: an invite starts pending and ends once.
const (
	InvitePending  InviteStatus = "pending"
	InviteAccepted InviteStatus = "accepted"
	InviteDeclined InviteStatus = "declined"
	InviteCanceled InviteStatus = "canceled"
)

// GroupRef is the group as an invite shows it.
type GroupRef struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	PictureURL *string `json:"pictureUrl"`
}

// Invite is an invitation of a user into a group (API.md "Invite").
type Invite struct {
	ID        string       `json:"id"`
	Group     GroupRef     `json:"group"`
	Inviter   User         `json:"inviter"`
	Invitee   User         `json:"invitee"`
	Status    InviteStatus `json:"status"`
	CreatedAt time.Time    `json:"createdAt"`
	UpdatedAt time.Time    `json:"updatedAt"`
}

// IsDirect reports whether g is a direct conversation.
func (g Group) IsDirect() bool { return g.Kind == KindDirect }
