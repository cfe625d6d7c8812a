package group

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/outbox"
)

// The topic, event types and payloads are groupevent's; these names keep
// the role's own code short.
const (
	Topic              = groupevent.Topic
	EventCreated       = groupevent.TypeCreated
	EventUpdated       = groupevent.TypeUpdated
	EventDeleted       = groupevent.TypeDeleted
	EventMemberAdded   = groupevent.TypeMemberAdded
	EventMemberUpdated = groupevent.TypeMemberUpdated
	EventMemberRemoved = groupevent.TypeMemberRemoved
	EventInviteCreated = groupevent.TypeInviteCreated
	EventInviteUpdated = groupevent.TypeInviteUpdated
)

type (
	GroupChanged  = groupevent.GroupChanged
	GroupDeleted  = groupevent.GroupDeleted
	MemberChanged = groupevent.MemberChanged
	MemberRemoved = groupevent.MemberRemoved
	InviteChanged = groupevent.InviteChanged
)

// addEvent writes one event about group groupID to the outbox in tx. Call
// it after the statements that changed the group's rows.
func addEvent(ctx context.Context, tx *sql.Tx, typ, groupID string, payload any) error {
	e, err := event.New(typ, groupID, payload)
	if err != nil {
		return fmt.Errorf("encode %s: %w", typ, err)
	}
	return outbox.Add(ctx, tx, Topic, e)
}
