package group

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/rights"
)

// The rights table lives in the leaf package rights, shared with the
// roles that enforce its other rows; these aliases keep the group role's
// own code short.
type (
	Role       = rights.Role
	Rights     = rights.Rights
	Membership = rights.Membership
	Action     = rights.Action
)

// Roles and actions, from package rights.
const (
	RoleCreator = rights.RoleCreator
	RoleAdmin   = rights.RoleAdmin
	RoleMember  = rights.RoleMember

	ActEditGroup     = rights.ActEditGroup
	ActDeleteGroup   = rights.ActDeleteGroup
	ActInvite        = rights.ActInvite
	ActCancelInvite  = rights.ActCancelInvite
	ActRemoveMember  = rights.ActRemoveMember
	ActChangeRights  = rights.ActChangeRights
	ActSetRole       = rights.ActSetRole
	ActDeleteMessage = rights.ActDeleteMessage
	ActMute          = rights.ActMute
)

// AllRights is what creators and admins hold.
var AllRights = rights.All

// Can is rights.Can.
func Can(actor Membership, act Action, target *Membership) bool {
	return rights.Can(actor, act, target)
}

// The wire types other roles read in events live in groupevent.
type (
	User         = groupevent.User
	Member       = groupevent.Member
	Group        = groupevent.Group
	GroupRef     = groupevent.GroupRef
	Invite       = groupevent.Invite
	InviteStatus = groupevent.InviteStatus
	Kind         = groupevent.Kind
)

// Kinds, from groupevent.
const (
	KindGroup  = groupevent.KindGroup
	KindDirect = groupevent.KindDirect
)

// Invite statuses, from groupevent.
const (
	InvitePending  = groupevent.InvitePending
	InviteAccepted = groupevent.InviteAccepted
	InviteDeclined = groupevent.InviteDeclined
	InviteCanceled = groupevent.InviteCanceled
)

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

// Name limits (API.md "Limits").
const (
	MinNameLen = 1
	MaxNameLen = 64
)

// normalizeName trims s and checks it is 1–64 characters of valid UTF-8
// without control characters or invisible format characters (bidi
// overrides and isolates such as U+202E, which make a name display as
// another; zero-width joiners stay allowed for emoji and scripts that need
// them).
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
	case strings.IndexFunc(s, hiddenFormat) >= 0:
		return "", errs.Field("name", "must not contain invisible formatting or text-direction characters")
	}
	return s, nil
}

// hiddenFormat reports a Unicode format character (category Cf: bidi
// embeddings, overrides, isolates and marks, zero-width spaces, the BOM…)
// other than the zero-width joiner and non-joiner, which emoji sequences
// and some scripts need.
func hiddenFormat(r rune) bool {
	return unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d'
}

// PictureURL is the URL of a group's picture stored under key (see
// pictureKey): it carries the picture's token, its version and a random
// part, without which the picture endpoint answers 404. Only who may see
// the group learns the URL (members, and the invitee of a pending invite),
// so that nobody who left, was removed or declined can follow the group's
// picture by its id (issue 12 defect 10). The token changes with every
// upload, so the URL of one picture never changes content and may be
// cached for ever.
func PictureURL(groupID, key string) string {
	return "/api/v1/groups/" + groupID + "/picture?v=" + pictureToken(groupID, key)
}

// pictureToken is the part of a picture's key after "picture-": its
// version and random part ("3-9f2c…"), or only its version for pictures
// stored before tokens had a random part.
func pictureToken(groupID, key string) string {
	return strings.TrimPrefix(key, "groups/"+groupID+"/picture-")
}
