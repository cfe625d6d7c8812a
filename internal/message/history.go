package message

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

// Page is one page of history.
type Page struct {
	Items   []Message `json:"items"`
	HasMore bool      `json:"hasMore"`
}

// Cursor selects a page: Before > 0 gives the messages with a smaller seq,
// newest first; After ≥ 0 with IsAfter gives those with a larger seq,
// oldest first; neither gives the newest messages.
type Cursor struct {
	Before  int64
	After   int64
	IsAfter bool
	Limit   int
}

// History returns a page of groupID's messages as userID sees them:
// messages userID hid come back as {id, seq, hidden} only, deleted ones as
// tombstones. HasMore tells whether more messages lie beyond the page in
// its direction. A non-member is errs.NotFound.
func (s *Service) History(ctx context.Context, groupID, userID string, c Cursor) (Page, error) {
	if !validID(groupID) {
		return Page{}, errNoGroup()
	}
	if err := s.withOwner(ctx, groupID, userID, func(owner *rights.Membership) error {
		_, err := s.member(ctx, s.db, owner, groupID, userID)
		return err
	}); err != nil {
		return Page{}, err
	}
	if c.Limit <= 0 {
		c.Limit = DefaultLimit
	}
	if c.Limit > MaxLimit {
		c.Limit = MaxLimit
	}
	q := "SELECT " + msgCols + ", " + replyCols + `, h.user_id FROM messages m` + s.store.bySeq + replyJoin + `
		LEFT JOIN message_hidden h ON h.message_id = m.id AND h.user_id = ?
		WHERE m.group_id = ?`
	args := []any{userID, groupID}
	switch {
	case c.IsAfter:
		q += " AND m.seq > ? ORDER BY m.seq ASC"
		args = append(args, c.After)
	case c.Before > 0:
		q += " AND m.seq < ? ORDER BY m.seq DESC"
		args = append(args, c.Before)
	default:
		q += " ORDER BY m.seq DESC"
	}
	q += " LIMIT ?"
	args = append(args, c.Limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	p := Page{Items: []Message{}}
	for rows.Next() {
		r, err := scanRow(rows, true, true)
		if err != nil {
			return Page{}, fmt.Errorf("history: %w", err)
		}
		if len(p.Items) == c.Limit {
			p.HasMore = true
			break
		}
		m, err := r.message()
		if err != nil {
			return Page{}, err
		}
		p.Items = append(p.Items, m)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("history: %w", err)
	}
	rows.Close()
	if err := s.store.withReactions(ctx, s.db, p.Items); err != nil {
		return Page{}, fmt.Errorf("history: %w", err)
	}
	return p, nil
}

// Delete deletes a message for everyone: the author may delete their own;
// others need rights.ActDeleteMessage against the author's membership (an
// author who left counts as a plain member). The row becomes a tombstone,
// message.deleted goes to the outbox, and only after the commit are the
// message's files removed from storage. Deleting a deleted message
// succeeds and changes nothing. A non-member, or a message not in the
// group, is errs.NotFound; a member without the right is errs.Forbidden.
func (s *Service) Delete(ctx context.Context, groupID, messageID, actorID string) error {
	if !validID(groupID) {
		return errNoGroup()
	}
	if !validID(messageID) {
		return errNoMessage()
	}
	var keys []string
	deleted := false
	var owner *rights.Membership
	del := func(tx *sql.Tx) error {
		keys, deleted = nil, false
		actor, err := s.member(ctx, tx, owner, groupID, actorID)
		if err != nil {
			return err
		}
		r, err := s.store.byID(ctx, tx, groupID, messageID, true)
		if err != nil {
			return err
		}
		if r.AuthorID != actorID {
			author, err := s.store.member(ctx, tx, groupID, r.AuthorID)
			if errs.Is(err, errs.NotFound) {
				author, err = rights.Membership{GroupID: groupID, UserID: r.AuthorID, Role: rights.RoleMember}, nil
			}
			if err != nil {
				return err
			}
			if !rights.Can(actor, rights.ActDeleteMessage, &author) {
				return errs.E(errs.Forbidden, "you may not delete this message")
			}
		}
		if r.DeletedAt.Valid {
			return nil
		}
		m, err := r.message()
		if err != nil {
			return err
		}
		for _, a := range m.Attachments {
			keys = append(keys, a.Key)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE messages SET deleted_at = ?, text = '', attachments = '[]', reply_to_id = NULL, mentions = NULL, edited_at = NULL WHERE id = ?", sqlstore.Time(s.now()), r.ID); err != nil {
			return fmt.Errorf("tombstone message: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM message_reactions WHERE message_id = ?", r.ID); err != nil {
			return fmt.Errorf("remove reactions: %w", err)
		}
		// The uploads stay as tombstones until their upload URLs have
		// expired: SweepUploads then deletes their objects once more.
		if _, err := tx.ExecContext(ctx, "UPDATE message_uploads SET deleted_at = ? WHERE message_id = ?", sqlstore.Time(s.now()), r.ID); err != nil {
			return fmt.Errorf("tombstone uploads: %w", err)
		}
		deleted = true
		return addEvent(ctx, tx, EventDeleted, r.GroupID, Deleted{GroupID: r.GroupID, MessageID: r.ID, Seq: r.Seq})
	}
	err := s.withOwner(ctx, groupID, actorID, func(o *rights.Membership) error { owner = o; return sqlstore.InTx(ctx, s.db, del) })
	if err != nil {
		return fmt.Errorf("delete message: %w", err)
	}
	if !deleted {
		return nil
	}
	s.notify()
	// Not with the request's context: a client that hangs up right after
	// its delete must not leave the files behind. A failure here is
	// retried by SweepUploads, which finds the tombstones.
	bctx := context.WithoutCancel(ctx)
	for _, k := range keys {
		if err := s.blob.Delete(bctx, k); err != nil {
			s.log.Warn("message: delete attachment (the sweep retries)", "key", k, "err", err)
		}
	}
	return nil
}

// Hide hides a message for userID only and emits message.hidden for that
// user's other sessions. Hiding twice succeeds and emits once. A
// non-member, or a message not in the group, is errs.NotFound.
func (s *Service) Hide(ctx context.Context, groupID, messageID, userID string) error {
	if !validID(groupID) {
		return errNoGroup()
	}
	if !validID(messageID) {
		return errNoMessage()
	}
	added := false
	var owner *rights.Membership
	hide := func(tx *sql.Tx) error {
		added = false
		if _, err := s.member(ctx, tx, owner, groupID, userID); err != nil {
			return err
		}
		r, err := s.store.byID(ctx, tx, groupID, messageID, false)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.store.insertIgnore+" INTO message_hidden (user_id, message_id, group_id) VALUES (?, ?, ?)", userID, r.ID, r.GroupID)
		if err != nil {
			return fmt.Errorf("hide message: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		added = true
		return addEvent(ctx, tx, EventHidden, r.GroupID, Hidden{GroupID: r.GroupID, MessageID: r.ID, UserID: userID})
	}
	err := s.withOwner(ctx, groupID, userID, func(o *rights.Membership) error { owner = o; return sqlstore.InTx(ctx, s.db, hide) })
	if err != nil {
		return fmt.Errorf("hide message: %w", err)
	}
	if added {
		s.notify()
	}
	return nil
}
