package message

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/sqlstore"
)

// HandleGroupEvent keeps the member projection from the groups topic
// (consumer group ConsumerGroup) and removes a deleted group's data. It is
// idempotent: member events upsert or delete one row; a deleted group is
// remembered so that a late member event never brings it back.
//
// On group.deleted it removes the group's messages, hidden marks, uploads,
// sequence and members in one transaction, then every object under
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
		if _, err := s.db.ExecContext(ctx, "DELETE FROM message_members WHERE group_id = ? AND user_id = ?", p.GroupID, p.UserID); err != nil {
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
	if groupID == "" || m.UserID == "" {
		return event.Permanent(errs.E(errs.Invalid, "member event without group or user"))
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
		for _, table := range []string{"messages", "message_hidden", "message_uploads", "message_sequences", "message_members"} {
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
