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

// Edit is what an edit changes: the text, and the mentions (which replace
// the old list).
type Edit struct {
	Text     string
	Mentions []string
}

// Edit replaces the text and mentions of a message by its author and
// emits message.updated with the new state; id, seq, createdAt,
// attachments, reply and reactions stay, editedAt is set. In one
// transaction, with the message's row locked:
//   - a malformed text or mentions list is errs.Invalid (the text follows
//     the rule of a send: it may be empty only when the message has
//     attachments);
//   - a non-member (or an unknown group) is errs.NotFound "no such group";
//   - an unknown or deleted message is errs.NotFound "no such message";
//   - anyone but the author, even an admin, is errs.Forbidden;
//   - past the edit window (Config.EditWindow) is errs.Forbidden.
//
// Mentions of non-members are dropped, as on a send.
func (s *Service) Edit(ctx context.Context, groupID, messageID, userID string, in Edit) (Message, error) {
	if !validID(groupID) {
		return Message{}, errNoGroup()
	}
	if !validID(messageID) {
		return Message{}, errNoMessage()
	}
	if p := messagerule.CheckRefs("", in.Mentions); p != nil {
		return Message{}, errs.Field(p.Field, p.Why)
	}
	// The text's shape is checked before anything is read; whether it may
	// be empty depends on the message (below).
	if p := messagerule.CheckText(in.Text, true); p != nil {
		return Message{}, errs.Field(p.Field, p.Why)
	}
	s.learnMentioned(ctx, groupID, in.Mentions)
	var out Message
	var owner *rights.Membership
	edit := func(tx *sql.Tx) error {
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
		if r.AuthorID != userID {
			return errs.E(errs.Forbidden, "only the author may edit a message")
		}
		now := sqlstore.Time(s.now())
		if s.editWindow > 0 && now.Sub(r.CreatedAt) > s.editWindow {
			return errs.E(errs.Forbidden, "the time to edit this message has passed")
		}
		cur, err := r.message()
		if err != nil {
			return err
		}
		if p := messagerule.CheckText(in.Text, len(cur.Attachments) > 0); p != nil {
			return errs.Field(p.Field, p.Why)
		}
		_, mentionsCol, err := s.mentioned(ctx, tx, groupID, in.Mentions)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE messages SET text = ?, mentions = ?, edited_at = ? WHERE id = ?", in.Text, mentionsCol, now, r.ID); err != nil {
			return fmt.Errorf("update message: %w", err)
		}
		r.Text, r.Mentions, r.EditedAt = in.Text, mentionsCol, sql.NullTime{Time: now, Valid: true}
		if out, err = s.store.view(ctx, tx, r); err != nil {
			return err
		}
		return addEvent(ctx, tx, EventUpdated, groupID, Updated{Message: out})
	}
	err := s.withOwner(ctx, groupID, userID, func(o *rights.Membership) error { owner = o; return sqlstore.InTx(ctx, s.db, edit) })
	if err != nil {
		return Message{}, fmt.Errorf("edit message: %w", err)
	}
	s.notify()
	return out, nil
}
