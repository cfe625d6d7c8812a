package group

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/outbox"
)

// Topic carries the role's events (ARCHITECTURE.md §4), keyed by group id.
const Topic = "groups"

// Event types on Topic.
const (
	EventCreated       = "group.created"        // GroupChanged
	EventUpdated       = "group.updated"        // GroupChanged
	EventDeleted       = "group.deleted"        // GroupDeleted
	EventMemberAdded   = "group.member_added"   // MemberChanged
	EventMemberUpdated = "group.member_updated" // MemberChanged
	EventMemberRemoved = "group.member_removed" // MemberRemoved
	EventInviteCreated = "group.invite_created" // InviteChanged
	EventInviteUpdated = "group.invite_updated" // InviteChanged
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

// addEvent writes one event about group groupID to the outbox in tx. Call
// it after the statements that changed the group's rows.
func addEvent(ctx context.Context, tx *sql.Tx, typ, groupID string, payload any) error {
	e, err := event.New(typ, groupID, payload)
	if err != nil {
		return fmt.Errorf("encode %s: %w", typ, err)
	}
	return outbox.Add(ctx, tx, Topic, e)
}
