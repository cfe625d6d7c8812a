package message

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/message/messagerule"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

func errNotEmoji() error { return errs.Field("emoji", "not an emoji") }

// React adds (add) or removes userID's reaction emoji to a message and
// emits reaction.added or reaction.removed. Both are idempotent: adding a
// reaction that exists, or removing one that does not, changes nothing
// and emits nothing. In one transaction, with the message's row locked
// (so that reactions to one message, and its deletion, are serialized):
//   - an emoji that messagerule.Emoji refuses is errs.Invalid;
//   - a non-member (or an unknown group) is errs.NotFound "no such group";
//   - an unknown or deleted message is errs.NotFound "no such message";
//   - a new emoji on a message that has MaxReactionEmoji different ones
//     already is errs.Conflict.
//
// The emoji is stored exactly as given.
func (s *Service) React(ctx context.Context, groupID, messageID, userID, emoji string, add bool) error {
	if !validID(groupID) {
		return errNoGroup()
	}
	if !validID(messageID) {
		return errNoMessage()
	}
	if !messagerule.Emoji(emoji) {
		return errNotEmoji()
	}
	changed := false
	var owner *rights.Membership
	react := func(tx *sql.Tx) error {
		changed = false
		if _, err := s.member(ctx, tx, owner, groupID, userID); err != nil {
			return err
		}
		r, err := s.store.byID(ctx, tx, groupID, messageID, true)
		if err != nil {
			return err
		}
		if r.DeletedAt.Valid {
			return errNoMessage()
		}
		typ := EventReactionRemoved
		if add {
			// A locking read: on MySQL a plain one would see the snapshot
			// taken before the message's lock was granted, and miss what
			// the transaction that held it added.
			typ = EventReactionAdded
			var mine, same, distinct int
			if err := tx.QueryRowContext(ctx, `SELECT
					COALESCE(SUM(CASE WHEN user_id = ? AND emoji = ? THEN 1 ELSE 0 END), 0),
					COALESCE(SUM(CASE WHEN emoji = ? THEN 1 ELSE 0 END), 0),
					COUNT(DISTINCT emoji)
				FROM message_reactions WHERE message_id = ?`+s.store.lock, userID, emoji, emoji, r.ID).Scan(&mine, &same, &distinct); err != nil {
				return fmt.Errorf("count reactions: %w", err)
			}
			if mine > 0 {
				return nil
			}
			if same == 0 && distinct >= MaxReactionEmoji {
				return errs.E(errs.Conflict, "this message has too many different reactions")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO message_reactions (message_id, group_id, user_id, emoji, created_at)
				VALUES (?, ?, ?, ?, ?)`, r.ID, r.GroupID, userID, emoji, sqlstore.Time(s.now())); err != nil {
				return fmt.Errorf("add reaction: %w", err)
			}
		} else {
			res, err := tx.ExecContext(ctx, "DELETE FROM message_reactions WHERE message_id = ? AND user_id = ? AND emoji = ?", r.ID, userID, emoji)
			if err != nil {
				return fmt.Errorf("remove reaction: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
		}
		changed = true
		return addEvent(ctx, tx, typ, r.GroupID, ReactionChanged{GroupID: r.GroupID, MessageID: r.ID, Seq: r.Seq, Emoji: emoji, UserID: userID})
	}
	err := s.withOwner(ctx, groupID, userID, func(o *rights.Membership) error { owner = o; return sqlstore.InTx(ctx, s.db, react) })
	if err != nil {
		return fmt.Errorf("react to message: %w", err)
	}
	if changed {
		s.notify()
	}
	return nil
}
