package group

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
)

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

// AllRights is what creators and admins hold.
var AllRights = Rights{AddMembers: true, RemoveMembers: true, DeleteMessages: true, MuteMembers: true}

// Any reports whether at least one right is held.
func (r Rights) Any() bool {
	return r.AddMembers || r.RemoveMembers || r.DeleteMessages || r.MuteMembers
}

// Membership is a user's place in a group: what other roles (message, ws,
// webrtc) need to enforce the rights table.
type Membership struct {
	GroupID string
	UserID  string
	Role    Role
	Rights  Rights
}

// User is another user as the API shows them (API.md "User").
type User struct {
	ID         string  `json:"id"`
	Username   string  `json:"username"`
	PictureURL *string `json:"pictureUrl"`
}

// Member is a member of a group (API.md "Member").
type Member struct {
	UserID     string    `json:"userId"`
	Username   string    `json:"username"`
	PictureURL *string   `json:"pictureUrl"`
	Role       Role      `json:"role"`
	Rights     Rights    `json:"rights"`
	JoinedAt   time.Time `json:"joinedAt"`
}

// Group is a group as every member sees it: the API Group without "me".
// It is also the payload of group.created and group.updated.
type Group struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	PictureURL  *string   `json:"pictureUrl"`
	CreatedAt   time.Time `json:"createdAt"`
	CreatorID   string    `json:"creatorId"`
	MemberCount int       `json:"memberCount"`
}

// MyGroup is a group as one member sees it (API.md "Group"): with "me",
// the caller's own membership.
type MyGroup struct {
	Group
	Me Member `json:"me"`
}

// GroupDetail is the answer to GET /groups/{id}: MyGroup and its members.
type GroupDetail struct {
	MyGroup
	Members []Member `json:"members"`
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

// Name limits (API.md "Limits").
const (
	MinNameLen = 1
	MaxNameLen = 64
)

// normalizeName trims s and checks it is 1–64 characters of valid UTF-8
// without control characters.
func normalizeName(s string) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		return "", errs.Field("name", "must be valid UTF-8")
	case n < MinNameLen || n > MaxNameLen:
		return "", errs.Field("name", "must be 1 to 64 characters")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", errs.Field("name", "must not contain control characters")
	}
	return s, nil
}

// PictureURL is the public URL of version v of a group's picture. The
// version changes with every upload, so the URL of one version never
// changes content and may be cached for ever.
func PictureURL(groupID string, v int64) string {
	return "/api/v1/groups/" + groupID + "/picture?v=" + strconv.FormatInt(v, 10)
}
