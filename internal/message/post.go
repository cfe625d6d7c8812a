package message

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/message/messagerule"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

// validate checks a submission's shape and limits (not membership or
// attachments). Every failure is errs.Invalid.
func validate(in Submitted) error {
	keys := make([]string, len(in.Attachments))
	for i, a := range in.Attachments {
		keys[i] = a.Key
	}
	if p := messagerule.Check(in.ClientMsgID, in.Text, keys); p != nil {
		return errs.Field(p.Field, p.Why)
	}
	if p := messagerule.CheckRefs(in.ReplyToID, in.Mentions); p != nil {
		return errs.Field(p.Field, p.Why)
	}
	return nil
}

// errNoReply is the refusal of a replyToId that names no live message of
// the group.
func errNoReply() error { return errs.Field("replyToId", "no such message in this group") }

// replyTarget reads, in tx, the message a new one replies to: it must be
// a message of groupID that is not deleted.
func (s *Service) replyTarget(ctx context.Context, tx *sql.Tx, groupID, id string) (replyRow, error) {
	var q replyRow
	err := tx.QueryRowContext(ctx, "SELECT id, seq, author_id, text, deleted_at FROM messages WHERE id = ? AND group_id = ?", id, groupID).
		Scan(&q.ID, &q.Seq, &q.AuthorID, &q.Text, &q.DeletedAt)
	if errors.Is(err, sql.ErrNoRows) || err == nil && q.DeletedAt.Valid {
		return replyRow{}, errNoReply()
	}
	if err != nil {
		return replyRow{}, fmt.Errorf("read replied-to message: %w", err)
	}
	return q, nil
}

// mentioned returns the ids of ids that are members of groupID (per the
// projection), deduplicated, in first-mention order: a mention of someone
// who is not a member (who may have just left) is dropped silently. The
// result is encoded for the mentions column (NULL when empty).
func (s *Service) mentioned(ctx context.Context, q querier, groupID string, ids []string) ([]string, sql.NullString, error) {
	if len(ids) == 0 {
		return nil, sql.NullString{}, nil
	}
	uniq := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(uniq, id) {
			uniq = append(uniq, id)
		}
	}
	args := make([]any, 0, len(uniq)+1)
	args = append(args, groupID)
	for _, id := range uniq {
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, "SELECT user_id FROM message_members WHERE group_id = ? AND user_id IN ("+placeholders(len(uniq))+")", args...)
	if err != nil {
		return nil, sql.NullString{}, fmt.Errorf("read mentioned members: %w", err)
	}
	defer rows.Close()
	member := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, sql.NullString{}, fmt.Errorf("read mentioned members: %w", err)
		}
		member[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, sql.NullString{}, fmt.Errorf("read mentioned members: %w", err)
	}
	out := uniq[:0]
	for _, id := range uniq {
		if member[id] {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, sql.NullString{}, nil
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, sql.NullString{}, fmt.Errorf("encode mentions: %w", err)
	}
	return out, sql.NullString{String: string(raw), Valid: true}, nil
}

// maxMentionAsks bounds how many mentioned users one send or edit asks
// the group role about (learnMentioned).
const maxMentionAsks = 5

// learnMentioned asks the group role, before the transaction, about the
// mentioned users the projection does not know as members of groupID, at
// most maxMentionAsks of them, and writes those it confirms into the
// projection (askOwner), so that a mention of a member who has just joined
// is kept instead of being dropped because the member_added event is still
// on the bus. Failures are not errors: a mention the role cannot confirm is
// dropped, as before. Without Config.Members it does nothing.
func (s *Service) learnMentioned(ctx context.Context, groupID string, ids []string) {
	if s.members == nil || len(ids) == 0 || !validID(groupID) {
		return
	}
	known, _, err := s.mentioned(ctx, s.db, groupID, ids)
	if err != nil {
		return
	}
	asked := 0
	for _, id := range ids {
		if slices.Contains(known, id) || !validID(id) {
			continue
		}
		if asked == maxMentionAsks {
			return
		}
		asked++
		known = append(known, id)
		if _, err := s.askOwner(ctx, groupID, id); err != nil && !isNoGroup(err) {
			s.log.Warn("message: ask the group role about a mentioned user", "group", groupID, "user", id, "err", err)
		}
	}
}

// errAttachment is the refusal of an attachment that is not a file this
// author uploaded for this group (or not uploaded yet, or already used).
func errAttachment() error {
	return errs.Field("attachments", "unknown or already used upload key")
}

// Post stores a message and emits message.created; it is the one path of
// both the sequencer (HandleSubmitted) and REST. In one transaction, under
// the group's sequence lock:
//   - a message the author already sent with the same clientMsgId is
//     returned as is (nothing new is stored or emitted);
//   - a non-member (per the projection) is errs.NotFound;
//   - a submission over the limits, or with an attachment that was not
//     issued to this author for this group, is not stored in the blob
//     store with the declared size, or is attached already, is
//     errs.Invalid;
//   - otherwise the message gets the group's next seq (1, 2, 3…, with no
//     gap) and message.created goes to the outbox.
//
// The transaction is shared with the other submissions of the group that
// are waiting meanwhile (group commit, sequencer.go); a refusal of one of
// them never affects this one. Other errors are transient (the database
// or storage failing); when ctx ends first, Post returns at once, and the
// message is stored only if its batch had already started.
func (s *Service) Post(ctx context.Context, in Submitted) (Message, error) {
	r := s.postAll(ctx, []Submitted{in})[0]
	return r.msg, r.err
}

// postAll posts ins as Post does each, keeping their order within each
// group (the first gets the lowest seq), and returns each one's result:
// the submissions of one group wait in its sequencer queue and are
// committed together with whatever else is waiting there (group commit,
// see sequencer). A submission from someone the projection does not know
// as a member is tried once more with the group role's answer (withOwner).
// After a transient failure of one submission, the same author's later
// ones in ins fail too, untried, so that none is stored ahead of it.
func (s *Service) postAll(ctx context.Context, ins []Submitted) []seqResult {
	res := make([]seqResult, len(ins))
	var order []string                  // groups in first-seen order
	byGroup := map[string][]int{}       // indexes of ins per group
	items := make([]*seqItem, len(ins)) // nil: refused before the queue
	// failed holds the first transient failure per group and author: their
	// later submissions wait (fail too), so that none overtakes it.
	failed := map[[2]string]error{}
	for i, in := range ins {
		if !validID(in.GroupID) || in.AuthorID == "" {
			res[i].err = errNoGroup()
			continue
		}
		k := [2]string{in.GroupID, in.AuthorID}
		if err := failed[k]; err != nil {
			res[i].err = errBehind(err)
			continue
		}
		// Storage is checked before the transaction so that no lock is
		// held across a network call; the transaction re-checks the
		// upload rows.
		if validate(in) == nil {
			if err := s.statAttachments(ctx, in); err != nil {
				res[i].err = err
				if !refusal(err) {
					failed[k] = err
				}
				continue
			}
			s.learnMentioned(ctx, in.GroupID, in.Mentions)
		}
		if _, ok := byGroup[in.GroupID]; !ok {
			order = append(order, in.GroupID)
		}
		byGroup[in.GroupID] = append(byGroup[in.GroupID], i)
		items[i] = &seqItem{in: in}
	}
	s.submitGroups(ctx, order, byGroup, items, res)

	// Second round: ask the group role about authors the projection
	// does not know, and try their submissions again with its answer.
	if s.members == nil {
		return wrapPosted(res, items)
	}
	type answer struct {
		m   *rights.Membership
		err error
	}
	asked := map[[2]string]answer{} // one question per group and author
	var order2 []string
	byGroup2 := map[string][]int{}
	items2 := make([]*seqItem, len(ins))
	for i, it := range items {
		if it == nil || !isNoGroup(res[i].err) {
			continue
		}
		k := [2]string{it.in.GroupID, it.in.AuthorID}
		a, ok := asked[k]
		if !ok {
			owner, err := s.askOwner(ctx, it.in.GroupID, it.in.AuthorID)
			a = answer{&owner, err}
			asked[k] = a
		}
		if a.err != nil {
			res[i].err = a.err
			continue
		}
		m := a.m
		if _, ok := byGroup2[it.in.GroupID]; !ok {
			order2 = append(order2, it.in.GroupID)
		}
		byGroup2[it.in.GroupID] = append(byGroup2[it.in.GroupID], i)
		items2[i] = &seqItem{in: it.in, owner: m}
	}
	s.submitGroups(ctx, order2, byGroup2, items2, res)
	for i, it := range items2 {
		if it != nil {
			items[i] = it
		}
	}
	return wrapPosted(res, items)
}

// errBehind is the failure of a submission not tried because an earlier
// one of the same author failed transiently (err): it is transient too.
func errBehind(err error) error {
	return fmt.Errorf("an earlier message of this author failed: %w", err)
}

// submitGroups queues each group's items (in order) with its sequencer,
// the groups side by side, and stores their results in res.
func (s *Service) submitGroups(ctx context.Context, order []string, byGroup map[string][]int, items []*seqItem, res []seqResult) {
	var wg sync.WaitGroup
	for _, g := range order {
		idx := byGroup[g]
		batch := make([]*seqItem, len(idx))
		for j, i := range idx {
			batch[j] = items[i]
		}
		run := func() {
			for j, r := range s.seq.submit(ctx, g, batch) {
				res[idx[j]] = r
			}
		}
		if len(order) == 1 {
			run()
			continue
		}
		wg.Go(run)
	}
	wg.Wait()
}

// wrapPosted marks the errors of submissions that reached the sequencer
// as Post's.
func wrapPosted(res []seqResult, items []*seqItem) []seqResult {
	for i, r := range res {
		if r.err != nil && items[i] != nil {
			res[i].err = fmt.Errorf("post message: %w", r.err)
		}
	}
	return res
}

// statAttachments checks that each attached object exists in storage with
// the size its upload record declares. Keys with no fitting record are
// left to claimAttachments, which refuses them.
func (s *Service) statAttachments(ctx context.Context, in Submitted) error {
	for _, a := range in.Attachments {
		u, ok, err := s.upload(ctx, s.db, a.Key)
		if err != nil {
			return err
		}
		if !ok || u.GroupID != in.GroupID || u.UploaderID != in.AuthorID {
			continue
		}
		info, err := s.blob.Stat(ctx, a.Key)
		if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
			return errs.Field("attachments", "a file was not uploaded")
		}
		if err != nil {
			return fmt.Errorf("stat attachment: %w", err)
		}
		if info.Size != u.Size {
			return errs.Field("attachments", "a file does not have its declared size")
		}
	}
	return nil
}

// claimAttachments checks, under lock, that every key was issued to the
// author for the group and is not attached yet, and returns the
// attachments in the order given.
func (s *Service) claimAttachments(ctx context.Context, tx *sql.Tx, in Submitted) ([]Attachment, error) {
	atts := make([]Attachment, 0, len(in.Attachments))
	for _, a := range in.Attachments {
		u, ok, err := s.uploadLocked(ctx, tx, a.Key)
		if err != nil {
			return nil, err
		}
		if !ok || u.GroupID != in.GroupID || u.UploaderID != in.AuthorID || u.MessageID.Valid || u.DeletedAt.Valid {
			return nil, errAttachment()
		}
		atts = append(atts, Attachment{Key: u.Key, Name: u.Name, Size: u.Size, ContentType: u.ContentType})
	}
	return atts, nil
}

// refusal reports whether err is a permanent refusal of a submission (as
// opposed to a transient failure worth retrying).
func refusal(err error) bool {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.NotFound, errs.Forbidden, errs.TooLarge, errs.Conflict:
		return true
	}
	return false
}

// membershipGrace is how long after its submission a message from a
// non-member is retried rather than rejected, to let the member projection
// catch up with a member the group role has just added.
const membershipGrace = 2 * time.Second

// HandleSubmitted is the sequencer for one event: HandleSubmittedBatch
// with that event alone.
func (s *Service) HandleSubmitted(ctx context.Context, e event.Event) error {
	_, err := s.HandleSubmittedBatch(ctx, []event.Event{e})
	return err
}

// HandleSubmittedBatch is the sequencer: the batch handler of
// messages.submitted (consumer group ConsumerGroup), given every
// submission waiting on a partition at once, in order. It posts them
// together (each group's in order, in as few transactions as its queue
// allows); a refusal becomes message.rejected for the sender (through
// the outbox) and the event is acknowledged; at the first transient
// failure it returns how many events came before it, so the bus retries
// from there (the submissions after it that were stored are found again
// by their clientMsgId and store nothing twice). Without Config.Members,
// a submission from a non-member younger than membershipGrace is also
// retried, since the projection may lag the group role that ws asked;
// with it, the group role was asked already.
func (s *Service) HandleSubmittedBatch(ctx context.Context, events []event.Event) (int, error) {
	// Decode up to the first event that does not decode: it is refused on
	// its own (permanently) once it leads a batch.
	var ins []Submitted
	var at []int // index in events of each of ins
	for i, e := range events {
		if e.Type != EventSubmitted {
			continue
		}
		var in Submitted
		if err := e.Decode(&in); err != nil {
			if i == 0 {
				return 0, err
			}
			events = events[:i]
			break
		}
		ins = append(ins, in)
		at = append(at, i)
	}
	res := s.postAll(ctx, ins)
	handled, failure := len(events), error(nil)
	var rejections []Rejected
	for j, r := range res {
		in, e := ins[j], events[at[j]]
		err := r.err
		if err == nil {
			continue
		}
		if !refusal(err) {
			handled, failure = at[j], err
			break
		}
		if errs.Is(err, errs.NotFound) && s.members == nil && !e.OccurredAt.IsZero() && s.now().Sub(e.OccurredAt) < membershipGrace {
			// ws checked membership with the group role before publishing:
			// the projection probably has not seen member_added yet.
			handled, failure = at[j], fmt.Errorf("sequencer: %s is not a member of %s yet, retrying: %w", in.AuthorID, in.GroupID, err)
			break
		}
		if !validID(in.GroupID) || in.AuthorID == "" {
			s.log.Warn("message: dropping a submission without group or author", "event", e.ID)
			continue
		}
		kind := errs.KindOf(err)
		msg := "the message was refused"
		if ee := errs.As(err); ee != nil {
			msg = ee.Message
		}
		rejections = append(rejections, Rejected{GroupID: in.GroupID, UserID: in.AuthorID, ClientMsgID: in.ClientMsgID, Error: ErrorBody{Code: string(kind), Message: msg}})
	}
	if len(rejections) > 0 {
		if err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
			for _, rej := range rejections {
				if err := addEvent(ctx, tx, EventRejected, rej.GroupID, rej); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return 0, fmt.Errorf("reject submission: %w", err)
		}
		s.notify()
	}
	return handled, failure
}
