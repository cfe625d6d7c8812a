package message

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

// HandleGroupEvent keeps the member projection from the groups topic
// (consumer group ConsumerGroup) and removes a deleted group's data. It is
// idempotent: member events upsert or delete one row; a deleted group is
// remembered so that a late member event never brings it back, and so is
// a removed member until it is added again (see askOwner).
//
// A removed member's read cursor goes with the membership. On
// group.deleted it removes the group's messages, hidden marks, uploads,
// sequence, read cursors and members in one transaction, then every object under
// groups/<id>/ in the blob store; a storage failure is returned, so the
// bus retries the whole (idempotent) deletion.
func (s *Service) HandleGroupEvent(ctx context.Context, e event.Event) error {
	switch e.Type {
	case groupevent.TypeMemberAdded, groupevent.TypeMemberUpdated:
		var p groupevent.MemberChanged
		if err := e.Decode(&p); err != nil {
			return err
		}
		return s.putMember(ctx, p.GroupID, p.Member)
	case groupevent.TypeMemberRemoved:
		var p groupevent.MemberRemoved
		if err := e.Decode(&p); err != nil {
			return err
		}
		if !validID(p.GroupID) || !validID(p.UserID) {
			return event.Permanent(errs.E(errs.Invalid, "member event without a group or user id in canonical form"))
		}
		err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
			for _, table := range []string{"message_members", "message_read_cursors"} {
				if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE group_id = ? AND user_id = ?", p.GroupID, p.UserID); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, s.store.insertIgnore+" INTO message_removed_members (group_id, user_id) VALUES (?, ?)", p.GroupID, p.UserID)
			return err
		})
		if err != nil {
			return fmt.Errorf("message: project member removal: %w", err)
		}
		return nil
	case groupevent.TypeDeleted:
		var p groupevent.GroupDeleted
		if err := e.Decode(&p); err != nil {
			return err
		}
		return s.deleteGroup(ctx, p.GroupID)
	}
	return nil
}

func (s *Service) putMember(ctx context.Context, groupID string, m groupevent.Member) error {
	if !validID(groupID) || !validID(m.UserID) {
		return event.Permanent(errs.E(errs.Invalid, "member event without a group or user id in canonical form"))
	}
	r := m.Rights
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var gone int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM message_deleted_groups WHERE group_id = ?", groupID).Scan(&gone); err != nil {
			return err
		}
		if gone > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM message_removed_members WHERE group_id = ? AND user_id = ?", groupID, m.UserID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE message_members SET role = ?, add_members = ?, remove_members = ?, delete_messages = ?, mute_members = ?
			WHERE group_id = ? AND user_id = ?`, string(m.Role), r.AddMembers, r.RemoveMembers, r.DeleteMessages, r.MuteMembers, groupID, m.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, s.store.insertIgnore+` INTO message_members (group_id, user_id, role, add_members, remove_members, delete_messages, mute_members)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, groupID, m.UserID, string(m.Role), r.AddMembers, r.RemoveMembers, r.DeleteMessages, r.MuteMembers)
		return err
	})
	if err != nil {
		return fmt.Errorf("message: project member %s of %s: %w", m.UserID, groupID, err)
	}
	return nil
}

func (s *Service) deleteGroup(ctx context.Context, groupID string) error {
	if !validID(groupID) {
		return event.Permanent(errs.E(errs.Invalid, "group.deleted with a malformed group id"))
	}
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.store.insertIgnore+" INTO message_deleted_groups (group_id, deleted_at) VALUES (?, ?)", groupID, sqlstore.Time(s.now())); err != nil {
			return err
		}
		for _, table := range []string{"messages", "message_hidden", "message_reactions", "message_uploads", "message_sequences", "message_members", "message_removed_members", "message_read_cursors"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE group_id = ?", groupID); err != nil {
				return fmt.Errorf("clear %s: %w", table, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("message: delete group %s: %w", groupID, err)
	}
	if err := s.blob.DeletePrefix(ctx, "groups/"+groupID+"/"); err != nil {
		return fmt.Errorf("message: delete files of group %s: %w", groupID, err)
	}
	return nil
}

// maxSeqIDs bounds one LastSeqs call.
const maxSeqIDs = 1000

// LastSeqs implements Sequences: each id maps to its group's last seq, 0
// when the group has no message (or is unknown). More than 1000 ids is
// errs.Invalid.
func (s *Service) LastSeqs(ctx context.Context, groupIDs []string) (map[string]int64, error) {
	if len(groupIDs) > maxSeqIDs {
		return nil, errs.Field("groupIds", "at most 1000 ids")
	}
	out := make(map[string]int64, len(groupIDs))
	for _, id := range groupIDs {
		out[id] = 0
	}
	const chunk = 200
	for start := 0; start < len(groupIDs); start += chunk {
		ids := groupIDs[start:min(start+chunk, len(groupIDs))]
		args := make([]any, len(ids))
		ph := make([]byte, 0, 2*len(ids))
		for i, id := range ids {
			args[i] = id
			if i > 0 {
				ph = append(ph, ',')
			}
			ph = append(ph, '?')
		}
		rows, err := s.db.QueryContext(ctx, "SELECT group_id, last_seq FROM message_sequences WHERE group_id IN ("+string(ph)+")", args...)
		if err != nil {
			return nil, fmt.Errorf("last seqs: %w", err)
		}
		for rows.Next() {
			var id string
			var seq int64
			if err := rows.Scan(&id, &seq); err != nil {
				rows.Close()
				return nil, fmt.Errorf("last seqs: %w", err)
			}
			out[id] = seq
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("last seqs: %w", err)
		}
	}
	return out, nil
}

// Members is the owner of memberships, the group role: *group.Service
// in-process, *group.Client over RPC. Member returns one membership, or
// errs.NotFound for a non-member (or an unknown group).
type Members interface {
	Member(ctx context.Context, groupID, userID string) (rights.Membership, error)
}

// member reads userID's membership of groupID from the projection. When
// the projection does not know it and owner is not nil (what the group
// role answered a moment ago, see withOwner), that answer stands.
func (s *Service) member(ctx context.Context, q querier, owner *rights.Membership, groupID, userID string) (rights.Membership, error) {
	m, err := s.store.member(ctx, q, groupID, userID)
	if owner != nil && isNoGroup(err) {
		return *owner, nil
	}
	return m, err
}

// withOwner runs fn, which checks userID's membership of groupID with
// s.member. When fn fails only because the projection has not seen the
// membership yet (the member_added event of a group just created or an
// invite just accepted is still on the bus) and the role knows the group
// role, it asks the group role, fills the projection (askOwner) and runs
// fn once more with the answer: a client's next request after a
// successful answer never fails because this role lags (read-your-writes
// across roles). A non-member costs one RPC and gets the same
// errs.NotFound.
func (s *Service) withOwner(ctx context.Context, groupID, userID string, fn func(owner *rights.Membership) error) error {
	err := fn(nil)
	if !isNoGroup(err) || s.members == nil || !validID(groupID) || userID == "" {
		return err
	}
	m, err := s.askOwner(ctx, groupID, userID)
	if err != nil {
		return err
	}
	return fn(&m)
}

// askOwner asks the group role for userID's membership of groupID and
// writes it into the projection, unless the projection knows better: a
// group it saw deleted stays deleted (errs.NotFound), and a member whose
// removal it applied is not brought back (the answer may predate the
// removal), though the answer still serves the request that asked. A row
// that appeared meanwhile is kept: events are newer than the answer.
func (s *Service) askOwner(ctx context.Context, groupID, userID string) (rights.Membership, error) {
	m, err := s.members.Member(ctx, groupID, userID)
	if errs.Is(err, errs.NotFound) {
		return rights.Membership{}, errNoGroup()
	}
	if err != nil {
		return rights.Membership{}, fmt.Errorf("ask the group role about %s in %s: %w", userID, groupID, err)
	}
	if m.GroupID != groupID || m.UserID != userID || (m.Role != rights.RoleCreator && m.Role != rights.RoleAdmin && m.Role != rights.RoleMember) {
		return rights.Membership{}, errs.E(errs.Internal, "the group role answered an unusable membership for %s in %s", userID, groupID)
	}
	r := m.Rights
	err = sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var gone, removed int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM message_deleted_groups WHERE group_id = ?", groupID).Scan(&gone); err != nil {
			return err
		}
		if gone > 0 {
			return errNoGroup()
		}
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM message_removed_members WHERE group_id = ? AND user_id = ?", groupID, userID).Scan(&removed); err != nil {
			return err
		}
		if removed > 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, s.store.insertIgnore+` INTO message_members (group_id, user_id, role, add_members, remove_members, delete_messages, mute_members)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, groupID, userID, string(m.Role), r.AddMembers, r.RemoveMembers, r.DeleteMessages, r.MuteMembers)
		return err
	})
	if err != nil {
		if isNoGroup(err) {
			return rights.Membership{}, err
		}
		return rights.Membership{}, fmt.Errorf("message: project member %s of %s: %w", userID, groupID, err)
	}
	return m, nil
}
