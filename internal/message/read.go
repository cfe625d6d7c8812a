package message

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/message/readstate"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

// Read-state events on Topic (issue 14).
const (
	// EventReadUpdated goes to the reader's own sessions (ReadUpdated).
	EventReadUpdated = "read.updated"
	// EventReceiptUpdated goes to the members in its To list
	// (ReceiptUpdated).
	EventReceiptUpdated = "receipt.updated"
)

// ReadState is one group's read state for one user (readstate.State).
type ReadState = readstate.State

// ReadUpdated is the payload of read.updated: the reader's new state,
// for every session of UserID.
type ReadUpdated struct {
	UserID string `json:"userId"`
	ReadState
}

// ReceiptUpdated is the payload of receipt.updated: UserID's cursor moved
// to LastReadSeq. To lists the members who may see it (those who share
// their own receipts, the reader excluded); ws delivers it to them only
// and does not forward To. A group with more such members than
// receiptChunk emits one event per chunk.
type ReceiptUpdated struct {
	GroupID     string   `json:"groupId"`
	UserID      string   `json:"userId"`
	LastReadSeq int64    `json:"lastReadSeq"`
	To          []string `json:"to"`
}

// Receipt is one member's read cursor, as the read receipts of a group
// show it.
type Receipt struct {
	UserID      string `json:"userId"`
	LastReadSeq int64  `json:"lastReadSeq"`
}

// ReceiptSettings is a user's read-receipt privacy setting.
type ReceiptSettings struct {
	// ShareReceipts tells whether the other members see how far the user
	// has read (default true). A user who does not share sees no one
	// else's receipts either.
	ShareReceipts bool `json:"shareReceipts"`
}

// receiptChunk bounds the recipients of one receipt.updated event.
const receiptChunk = 500

// stateChunk bounds the groups of one read-state query.
const stateChunk = 500

// MarkRead moves userID's read cursor in groupID to seq and returns the
// group's read state for userID. The cursor never goes back (a lower seq
// changes nothing and is no error) and never passes the group's last seq
// (a higher one is clamped to it). When the cursor moved it emits
// read.updated (for the reader's sessions) and, when the reader shares
// receipts, receipt.updated for the members who share theirs.
//   - a negative seq is errs.Invalid (field seq);
//   - a non-member (or an unknown group) is errs.NotFound "no such group".
func (s *Service) MarkRead(ctx context.Context, groupID, userID string, seq int64) (ReadState, error) {
	if !validID(groupID) || userID == "" {
		return ReadState{}, errNoGroup()
	}
	if seq < 0 {
		return ReadState{}, errs.Field("seq", "must be a non-negative integer")
	}
	var out ReadState
	moved := false
	var owner *rights.Membership
	mark := func(tx *sql.Tx) error {
		moved = false
		if _, err := s.member(ctx, tx, owner, groupID, userID); err != nil {
			return err
		}
		var last int64
		err := tx.QueryRowContext(ctx, "SELECT last_seq FROM message_sequences WHERE group_id = ?", groupID).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read last seq: %w", err)
		}
		if moved, err = s.store.advanceCursor(ctx, tx, groupID, userID, min(seq, last)); err != nil {
			return err
		}
		states, err := s.store.readStates(ctx, tx, userID, []string{groupID})
		if err != nil {
			return err
		}
		out = states[0]
		if !moved {
			return nil
		}
		if err := addEvent(ctx, tx, EventReadUpdated, groupID, ReadUpdated{UserID: userID, ReadState: out}); err != nil {
			return err
		}
		return s.store.addReceipts(ctx, tx, groupID, userID, out.LastReadSeq)
	}
	err := s.withOwner(ctx, groupID, userID, func(o *rights.Membership) error { owner = o; return sqlstore.InTx(ctx, s.db, mark) })
	if err != nil {
		return ReadState{}, fmt.Errorf("mark read: %w", err)
	}
	if moved {
		s.notify()
	}
	return out, nil
}

// ReadStates returns userID's read state of each group of groupIDs, in
// that order, with a few queries per 500 groups whatever their number: a
// group the user never read (or unknown) has LastReadSeq 0. It does not
// check membership: its callers know the user's groups (the ws role's
// ready frame from the group role, UserReadState from the projection).
func (s *Service) ReadStates(ctx context.Context, userID string, groupIDs []string) ([]ReadState, error) {
	out, err := s.store.readStates(ctx, s.db, userID, groupIDs)
	if err != nil {
		return nil, fmt.Errorf("read states: %w", err)
	}
	return out, nil
}

// UserReadState is the read state of every group userID is a member of
// (in the projection), ordered by group id.
func (s *Service) UserReadState(ctx context.Context, userID string) ([]ReadState, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT group_id FROM message_members WHERE user_id = ? ORDER BY group_id", userID)
	if err != nil {
		return nil, fmt.Errorf("read groups of %s: %w", userID, err)
	}
	var groups []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read groups of %s: %w", userID, err)
		}
		groups = append(groups, g)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("read groups of %s: %w", userID, err)
	}
	return s.ReadStates(ctx, userID, groups)
}

// Receipts returns the read cursors of groupID's other members who share
// their receipts and have read something, furthest first. A caller who
// does not share gets none; a non-member is errs.NotFound "no such group".
func (s *Service) Receipts(ctx context.Context, groupID, userID string) ([]Receipt, error) {
	if !validID(groupID) || userID == "" {
		return nil, errNoGroup()
	}
	out := []Receipt{}
	err := s.withOwner(ctx, groupID, userID, func(o *rights.Membership) error {
		if _, err := s.member(ctx, s.db, o, groupID, userID); err != nil {
			return err
		}
		share, err := s.store.shares(ctx, s.db, userID)
		if err != nil || !share {
			return err
		}
		rows, err := s.db.QueryContext(ctx, `SELECT c.user_id, c.last_read_seq FROM message_read_cursors c
			JOIN message_members mm ON mm.group_id = c.group_id AND mm.user_id = c.user_id
			LEFT JOIN message_receipt_settings rs ON rs.user_id = c.user_id
			WHERE c.group_id = ? AND c.user_id <> ? AND c.last_read_seq > 0 AND COALESCE(rs.share_receipts, 1) <> 0
			ORDER BY c.last_read_seq DESC, c.user_id`, groupID, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Receipt
			if err := rows.Scan(&r.UserID, &r.LastReadSeq); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read receipts: %w", err)
	}
	return out, nil
}

// ReceiptSettingsOf returns userID's read-receipt setting.
func (s *Service) ReceiptSettingsOf(ctx context.Context, userID string) (ReceiptSettings, error) {
	share, err := s.store.shares(ctx, s.db, userID)
	if err != nil {
		return ReceiptSettings{}, fmt.Errorf("read receipt settings: %w", err)
	}
	return ReceiptSettings{ShareReceipts: share}, nil
}

// SetReceiptSettings stores userID's read-receipt setting. It takes effect
// for receipts read and sent from then on.
func (s *Service) SetReceiptSettings(ctx context.Context, userID string, rs ReceiptSettings) error {
	if userID == "" {
		return errs.E(errs.Unauthenticated, "no user")
	}
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE message_receipt_settings SET share_receipts = ? WHERE user_id = ?", rs.ShareReceipts, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		var exists int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM message_receipt_settings WHERE user_id = ?", userID).Scan(&exists); err != nil || exists > 0 {
			return err // MySQL counts an unchanged row as not affected
		}
		_, err = tx.ExecContext(ctx, s.store.insertIgnore+" INTO message_receipt_settings (user_id, share_receipts) VALUES (?, ?)", userID, rs.ShareReceipts)
		return err
	})
	if err != nil {
		return fmt.Errorf("store receipt settings: %w", err)
	}
	return nil
}

// shares reports whether userID shares read receipts (no row: yes).
func (s *store) shares(ctx context.Context, q querier, userID string) (bool, error) {
	var share bool
	err := q.QueryRowContext(ctx, "SELECT share_receipts FROM message_receipt_settings WHERE user_id = ?", userID).Scan(&share)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	return share, err
}

// advanceCursor moves the cursor of (groupID, userID) up to seq, never
// down, and reports whether it moved. The row is locked while compared.
func (s *store) advanceCursor(ctx context.Context, tx *sql.Tx, groupID, userID string, seq int64) (bool, error) {
	for range 2 {
		var cur int64
		err := tx.QueryRowContext(ctx, "SELECT last_read_seq FROM message_read_cursors WHERE group_id = ? AND user_id = ?"+s.lock, groupID, userID).Scan(&cur)
		switch {
		case err == nil:
			if seq <= cur {
				return false, nil
			}
			if _, err := tx.ExecContext(ctx, "UPDATE message_read_cursors SET last_read_seq = ? WHERE group_id = ? AND user_id = ?", seq, groupID, userID); err != nil {
				return false, fmt.Errorf("advance read cursor: %w", err)
			}
			return true, nil
		case !errors.Is(err, sql.ErrNoRows):
			return false, fmt.Errorf("read cursor: %w", err)
		case seq == 0:
			return false, nil // 0 is where a missing cursor stands
		}
		res, err := tx.ExecContext(ctx, s.insertIgnore+" INTO message_read_cursors (group_id, user_id, last_read_seq) VALUES (?, ?, ?)", groupID, userID, seq)
		if err != nil {
			return false, fmt.Errorf("create read cursor: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return true, nil
		}
		// Another session created it meanwhile: compare with that one.
	}
	return false, fmt.Errorf("read cursor of %s in %s: row vanished", userID, groupID)
}

// addReceipts writes receipt.updated for the members of groupID who may
// see userID's cursor, when userID shares receipts.
func (s *store) addReceipts(ctx context.Context, tx *sql.Tx, groupID, userID string, seq int64) error {
	share, err := s.shares(ctx, tx, userID)
	if err != nil || !share {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT mm.user_id FROM message_members mm
		LEFT JOIN message_receipt_settings rs ON rs.user_id = mm.user_id
		WHERE mm.group_id = ? AND mm.user_id <> ? AND COALESCE(rs.share_receipts, 1) <> 0 ORDER BY mm.user_id`, groupID, userID)
	if err != nil {
		return fmt.Errorf("read receipt recipients: %w", err)
	}
	var to []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return fmt.Errorf("read receipt recipients: %w", err)
		}
		to = append(to, u)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("read receipt recipients: %w", err)
	}
	for chunk := range slices.Chunk(to, receiptChunk) {
		if err := addEvent(ctx, tx, EventReceiptUpdated, groupID, ReceiptUpdated{GroupID: groupID, UserID: userID, LastReadSeq: seq, To: chunk}); err != nil {
			return err
		}
	}
	return nil
}

// readStates computes userID's read state of each group of groupIDs, in
// that order, with two queries per stateChunk groups: one for the last
// seqs and cursors, one that counts, over the groups with anything after
// the cursor only, the unread messages and mentions in the seq range
// (max(cursor, lastSeq − readstate.Window), lastSeq] — a range scan of
// the (group_id, seq) index each. A mention is found in the message's
// JSON list of ids (ids are canonical UUIDs, so the pattern is exact).
func (s *store) readStates(ctx context.Context, q querier, userID string, groupIDs []string) ([]ReadState, error) {
	out := make([]ReadState, len(groupIDs))
	idx := make(map[string][]int, len(groupIDs))
	for i, g := range groupIDs {
		out[i].GroupID = g
		idx[g] = append(idx[g], i)
	}
	for ids := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(groupIDs))), stateChunk) {
		args := []any{userID}
		for _, g := range ids {
			args = append(args, g)
		}
		rows, err := q.QueryContext(ctx, `SELECT s.group_id, s.last_seq, COALESCE(c.last_read_seq, 0) FROM message_sequences s
			LEFT JOIN message_read_cursors c ON c.group_id = s.group_id AND c.user_id = ?
			WHERE s.group_id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read cursors: %w", err)
		}
		type span struct {
			g        string
			from, to int64
		}
		var spans []span
		for rows.Next() {
			var g string
			var last, read int64
			if err := rows.Scan(&g, &last, &read); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read cursors: %w", err)
			}
			read = min(read, last)
			for _, i := range idx[g] {
				out[i].LastSeq, out[i].LastReadSeq = last, read
			}
			if last > read {
				spans = append(spans, span{g, max(read, last-readstate.Window), last})
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read cursors: %w", err)
		}
		if len(spans) == 0 {
			continue
		}
		slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.g, b.g) })
		args = []any{`%"` + userID + `"%`, userID}
		conds := make([]string, len(spans))
		for i, sp := range spans {
			conds[i] = "(m.group_id = ? AND m.seq > ? AND m.seq <= ?)"
			args = append(args, sp.g, sp.from, sp.to)
		}
		rows, err = q.QueryContext(ctx, `SELECT m.group_id, COUNT(*), SUM(CASE WHEN m.mentions LIKE ? THEN 1 ELSE 0 END) FROM messages m
			WHERE m.author_id <> ? AND m.deleted_at IS NULL AND (`+strings.Join(conds, " OR ")+`)
			GROUP BY m.group_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("count unread: %w", err)
		}
		for rows.Next() {
			var g string
			var unread, mentions int64
			if err := rows.Scan(&g, &unread, &mentions); err != nil {
				rows.Close()
				return nil, fmt.Errorf("count unread: %w", err)
			}
			for _, i := range idx[g] {
				out[i].Unread, out[i].Mentions = unread, mentions
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("count unread: %w", err)
		}
	}
	return out, nil
}
