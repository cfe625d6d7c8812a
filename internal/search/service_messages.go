package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/message"
	"github.com/parleychat/parley/internal/rights"
)

// Members is what message search asks the owner of memberships (the
// group role: *group.Service in-process, *group.Client over RPC) at
// query time, so that a member removed a moment ago finds nothing more.
type Members interface {
	// GroupsOf lists every membership of userID.
	GroupsOf(ctx context.Context, userID string) ([]rights.Membership, error)
	// Member returns userID's membership of groupID; errs.NotFound when
	// the user is not a member or the group does not exist.
	Member(ctx context.Context, groupID, userID string) (rights.Membership, error)
}

var errNoMessages = errs.E(errs.Unavailable, "message search is not available")

// HandleMessageEvent applies one event of the messages topic (consumer
// group ConsumerGroup): message.created and message.updated write the
// message, versioned so that a redelivered or late event never undoes a
// newer one (see MessageVersion); message.deleted leaves a tombstone that
// nothing brings back; message.hidden records that its user hid the
// message, which their searches then skip. Other types are ignored. A payload that does not
// decode is a permanent error; index failures are returned for the bus
// to retry.
func (s *Service) HandleMessageEvent(ctx context.Context, e event.Event) error {
	if s.messages == nil {
		return errNoMessages
	}
	switch e.Type {
	case message.EventCreated, message.EventUpdated:
		d, deleted, err := messageDoc(e)
		if err != nil {
			return err
		}
		if deleted {
			return s.wrap(e, s.messages.DeleteMessage(ctx, d.GroupID, d.ID))
		}
		return s.wrap(e, s.messages.PutMessage(ctx, d))
	case message.EventDeleted:
		var p message.Deleted
		if err := e.Decode(&p); err != nil {
			return event.Permanent(fmt.Errorf("search: decode %s %s: %w", e.Type, e.ID, err))
		}
		if p.MessageID == "" {
			return event.Permanent(fmt.Errorf("search: %s %s has no message id", e.Type, e.ID))
		}
		return s.wrap(e, s.messages.DeleteMessage(ctx, p.GroupID, p.MessageID))
	case message.EventHidden:
		var p message.Hidden
		if err := e.Decode(&p); err != nil {
			return event.Permanent(fmt.Errorf("search: decode %s %s: %w", e.Type, e.ID, err))
		}
		if p.MessageID == "" || p.GroupID == "" || p.UserID == "" {
			return event.Permanent(fmt.Errorf("search: %s %s has no message, group or user id", e.Type, e.ID))
		}
		return s.wrap(e, s.messages.HideMessage(ctx, p.UserID, p.GroupID, p.MessageID))
	}
	return nil
}

// messageDoc is the document of a message.created or message.updated
// event, and whether the message it carries is deleted (then only ID and
// GroupID are set). A payload that does not decode is a permanent error.
func messageDoc(e event.Event) (d MessageDoc, deleted bool, err error) {
	var p message.Created // message.Updated has the same shape
	if err := e.Decode(&p); err != nil {
		return d, false, event.Permanent(fmt.Errorf("search: decode %s %s: %w", e.Type, e.ID, err))
	}
	m := p.Message
	if m.ID == "" || m.GroupID == "" {
		return d, false, event.Permanent(fmt.Errorf("search: %s %s has no message or group id", e.Type, e.ID))
	}
	if m.Deleted {
		return MessageDoc{ID: m.ID, GroupID: m.GroupID}, true, nil
	}
	v := VersionCreated(m.CreatedAt)
	if e.Type == message.EventUpdated {
		at := m.CreatedAt
		if m.EditedAt != nil {
			at = *m.EditedAt
		}
		v = VersionEdited(at)
	}
	d = MessageDoc{ID: m.ID, GroupID: m.GroupID, Seq: m.Seq, AuthorID: m.AuthorID, CreatedAt: m.CreatedAt, Text: m.Text, Version: v}
	for _, a := range m.Attachments {
		if a.Name != "" {
			d.Files = append(d.Files, a.Name)
		}
	}
	return d, false, nil
}

// HandleMessageEvents is HandleMessageEvent for a partition's waiting
// events (the bus's batch handler): each run of message.created and
// message.updated events of live messages is written in one call of the
// index's PutMessages when it has one, the other events one at a time,
// in order. On a failure it returns how many events were applied before
// the run or event that failed. After writing a partial batch it waits
// Config.BatchWait, if set, before returning.
func (s *Service) HandleMessageEvents(ctx context.Context, events []event.Event) (int, error) {
	bw, ok := s.messages.(MessageBatchWriter)
	if s.messages == nil || !ok {
		for i, e := range events {
			if err := s.HandleMessageEvent(ctx, e); err != nil {
				return i, err
			}
		}
		return len(events), nil
	}
	wrote := false
	for i := 0; i < len(events); {
		var docs []MessageDoc
		j := i
		for ; j < len(events); j++ {
			e := events[j]
			if e.Type != message.EventCreated && e.Type != message.EventUpdated {
				break
			}
			d, deleted, err := messageDoc(e)
			if err != nil || deleted {
				break // applied on its own: its error, or a deletion
			}
			docs = append(docs, d)
		}
		if len(docs) == 0 {
			if err := s.HandleMessageEvent(ctx, events[i]); err != nil {
				return i, err
			}
			i++
			continue
		}
		if err := bw.PutMessages(ctx, docs); err != nil {
			return i, fmt.Errorf("search: apply %d message events from %s: %w", len(docs), events[i].ID, err)
		}
		wrote = true
		i = j
	}
	if wrote && s.wait > 0 && len(events) < event.MaxBatch {
		t := time.NewTimer(s.wait)
		defer t.Stop()
		select { // all applied: a shutdown meanwhile loses nothing
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return len(events), nil
}

// HandleGroupEvent applies one event of the groups topic (consumer group
// ConsumerGroup): group.deleted removes the group's messages from the
// index and keeps them out. Other types are ignored: memberships are
// asked of the group role when searching, never projected here.
func (s *Service) HandleGroupEvent(ctx context.Context, e event.Event) error {
	if s.messages == nil {
		return errNoMessages
	}
	if e.Type != groupevent.TypeDeleted {
		return nil
	}
	var p groupevent.GroupDeleted
	if err := e.Decode(&p); err != nil {
		return event.Permanent(fmt.Errorf("search: decode %s %s: %w", e.Type, e.ID, err))
	}
	if p.GroupID == "" {
		return event.Permanent(fmt.Errorf("search: %s %s has no group id", e.Type, e.ID))
	}
	return s.wrap(e, s.messages.DeleteGroup(ctx, p.GroupID))
}

func (s *Service) wrap(e event.Event, err error) error {
	if err != nil {
		return fmt.Errorf("search: apply %s %s: %w", e.Type, e.ID, err)
	}
	return nil
}

// MessageSearch is a message search by UserID, as the handler received
// it: SearchMessages validates it.
type MessageSearch struct {
	UserID string
	// Q is the query: see QueryTerms.
	Q string
	// GroupID, when set, limits the search to that group; the caller must
	// be a member of it (errs.NotFound otherwise, as everywhere).
	GroupID string
	// Before is the Next of the previous page ("" for the first).
	Before string
	// Limit is the page size: 0 means DefaultMessageLimit, otherwise 1 to
	// MaxMessageLimit.
	Limit int
}

// MessageHit is one result: the message and its snippet with the [start,
// end) character offsets of the matched words in it.
type MessageHit struct {
	Message    MessageDoc
	Snippet    string
	Highlights [][2]int
}

// MessagePage is a page of results, newest first; Next, when not empty,
// is the Before of the next page. A page holds fewer items than asked
// when the caller hid some of its messages: follow Next until it is
// empty.
type MessagePage struct {
	Items []MessageHit
	Next  string
}

// SearchMessages runs a message search for in.UserID over the groups the
// group role says the user is a member of now. Everything is validated
// before anything is asked of the group role or the index: a bad q,
// before or limit is an errs.Invalid field error and costs nothing else.
func (s *Service) SearchMessages(ctx context.Context, in MessageSearch) (MessagePage, error) {
	terms, err := QueryTerms(in.Q)
	if err != nil {
		return MessagePage{}, err
	}
	if in.Before != "" && !ValidCursor(in.Before) {
		return MessagePage{}, errs.Field("before", "must be the next value of an earlier page")
	}
	limit := in.Limit
	if limit == 0 {
		limit = DefaultMessageLimit
	}
	if limit < 1 || limit > MaxMessageLimit {
		return MessagePage{}, errs.Field("limit", fmt.Sprintf("must be between 1 and %d", MaxMessageLimit))
	}
	if in.UserID == "" {
		return MessagePage{}, errs.E(errs.Unauthenticated, "not signed in")
	}
	if s.messages == nil {
		return MessagePage{}, errNoMessages
	}
	var groups []string
	if in.GroupID != "" {
		if _, err := s.members.Member(ctx, in.GroupID, in.UserID); err != nil {
			if errs.Is(err, errs.NotFound) {
				return MessagePage{}, errs.E(errs.NotFound, "group not found")
			}
			return MessagePage{}, fmt.Errorf("search messages: membership of %s: %w", in.GroupID, err)
		}
		groups = []string{in.GroupID}
	} else {
		ms, err := s.members.GroupsOf(ctx, in.UserID)
		if err != nil {
			return MessagePage{}, fmt.Errorf("search messages: memberships: %w", err)
		}
		for _, m := range ms {
			if m.UserID == in.UserID && m.GroupID != "" {
				groups = append(groups, m.GroupID)
			}
		}
	}
	page := MessagePage{Items: []MessageHit{}}
	if len(groups) == 0 {
		return page, nil
	}
	docs, err := s.messages.SearchMessages(ctx, MessageQuery{Terms: terms, GroupIDs: groups, Before: in.Before, Limit: limit + 1})
	if err != nil {
		return MessagePage{}, fmt.Errorf("search messages: %w", err)
	}
	allowed := make(map[string]bool, len(groups))
	for _, g := range groups {
		allowed[g] = true
	}
	if len(docs) > limit {
		docs = docs[:limit]
		page.Next = docs[limit-1].SortKey()
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		if !allowed[d.GroupID] {
			// The index answered outside the filter it was given: never
			// show it, and say so.
			return MessagePage{}, errors.New("search messages: the index returned a message of a group it was not asked for")
		}
		ids[i] = d.ID
	}
	// What the caller hid for themselves is left out of the page (which
	// may then hold fewer than limit items; next still follows on).
	hidden, err := s.messages.Hidden(ctx, in.UserID, ids)
	if err != nil {
		return MessagePage{}, fmt.Errorf("search messages: %w", err)
	}
	for _, d := range docs {
		if hidden[d.ID] {
			continue
		}
		snip, hl := Snippet(d, terms)
		page.Items = append(page.Items, MessageHit{Message: d, Snippet: snip, Highlights: hl})
	}
	return page, nil
}
