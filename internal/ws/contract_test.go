package ws

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/message"
	"github.com/parleychat/parley/internal/message/readstate"
)

// Both forms of the message role serve the ready frame's lastSeq.
var (
	_ Sequences = (*message.Service)(nil)
	_ Sequences = (*message.Client)(nil)
)

// The message role's names and payloads are the other side of the issue-5
// contract; ws keeps its own copies so that it builds without the message
// package. These tests hold the two sides together.

func TestTopicAndEventNamesMatchTheMessageRole(t *testing.T) {
	t.Parallel()
	pairs := map[string][2]string{
		"submitted topic": {TopicSubmitted, message.TopicSubmitted},
		"messages topic":  {TopicMessages, message.Topic},
		"submitted":       {EventSubmitted, message.EventSubmitted},
		"created":         {EventMessageCreated, message.EventCreated},
		"deleted":         {EventMessageDeleted, message.EventDeleted},
		"rejected":        {EventMessageRejected, message.EventRejected},
		"hidden":          {EventMessageHidden, message.EventHidden},
		"updated":         {EventMessageUpdated, message.EventUpdated},
		"reaction added":  {EventReactionAdded, message.EventReactionAdded},
		"reaction gone":   {EventReactionRemoved, message.EventReactionRemoved},
	}
	for name, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("%s: ws uses %q, message uses %q", name, p[0], p[1])
		}
	}
}

func TestSubmittedDecodesAsTheMessageRolesSubmitted(t *testing.T) {
	t.Parallel()
	in := Submitted{GroupID: "g", AuthorID: "u", ClientMsgID: "c", Text: "t", Attachments: []AttachmentRef{{Key: "k"}}, ReplyToID: "r", Mentions: []string{"m"}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out message.Submitted
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	want := message.Submitted{GroupID: "g", AuthorID: "u", ClientMsgID: "c", Text: "t", Attachments: []message.AttachmentRef{{Key: "k"}}, ReplyToID: "r", Mentions: []string{"m"}}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("decoded %+v, want %+v", out, want)
	}
}

func TestMessageRolePayloadsAreDelivered(t *testing.T) {
	t.Parallel()
	p := newPeople(t)
	cid := "c1"
	events := []event.Event{
		mustEvent(t, message.EventCreated, message.Created{Message: message.Message{ID: "m1", GroupID: "0192aaaa-0000-7000-8000-000000000001", Seq: 1, AuthorID: "bob", Text: "hi", CreatedAt: time.Now(), ClientMsgID: &cid}}),
		mustEvent(t, message.EventDeleted, message.Deleted{GroupID: "0192aaaa-0000-7000-8000-000000000001", MessageID: "m1", Seq: 1}),
		mustEvent(t, message.EventRejected, message.Rejected{GroupID: "0192aaaa-0000-7000-8000-000000000001", UserID: "bob", ClientMsgID: "c2", Error: message.ErrorBody{Code: "invalid", Message: "m"}}),
		mustEvent(t, message.EventHidden, message.Hidden{GroupID: "0192aaaa-0000-7000-8000-000000000001", MessageID: "m1", UserID: "alice"}),
	}
	got := p.expect(t, TopicMessages, events, map[string][]string{
		"alice1": {"message.created", "message.deleted", "message.hidden"},
		"alice2": {"message.created", "message.deleted", "message.hidden"},
		"bob":    {"message.created", "message.deleted", "message.rejected"},
	})
	// The lean form (issue 11): fields at their default (hidden false, no
	// attachments) are absent, the others keep their names.
	m := got["bob"][0]["message"].(map[string]any)
	_, hidden := m["hidden"]
	_, atts := m["attachments"]
	if m["clientMsgId"] != "c1" || m["text"] != "hi" || m["authorId"] != "bob" || hidden || atts {
		t.Errorf("message.created frame carries %v", m)
	}
}

func TestMessageRoleIssue13PayloadsAreDelivered(t *testing.T) {
	t.Parallel()
	p := newPeople(t)
	const g1 = "0192aaaa-0000-7000-8000-000000000001"
	edited := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	events := []event.Event{
		mustEvent(t, message.EventUpdated, message.Updated{Message: message.Message{ID: "m1", GroupID: g1, Seq: 1, AuthorID: "bob", Text: "edited", EditedAt: &edited,
			ReplyTo: &message.ReplyTo{ID: "m0", Seq: 1, AuthorID: "alice", Excerpt: "hi"}, Mentions: []string{"alice"},
			Reactions: []message.Reaction{{Emoji: "👍", Count: 1, UserIDs: []string{"alice"}}}}}),
		mustEvent(t, message.EventReactionAdded, message.ReactionChanged{GroupID: g1, MessageID: "m1", Seq: 1, Emoji: "👍", UserID: "alice"}),
		mustEvent(t, message.EventReactionRemoved, message.ReactionChanged{GroupID: g1, MessageID: "m1", Seq: 1, Emoji: "👍", UserID: "alice"}),
	}
	want := []string{"message.updated", "reaction.added", "reaction.removed"}
	got := p.expect(t, TopicMessages, events, map[string][]string{"alice1": want, "alice2": want, "bob": want})
	m := got["bob"][0]["message"].(map[string]any)
	if m["text"] != "edited" || m["editedAt"] != "2026-12-02T12:00:00Z" || m["replyTo"].(map[string]any)["excerpt"] != "hi" ||
		fmt.Sprint(m["mentions"]) != "[alice]" || len(m["reactions"].([]any)) != 1 {
		t.Errorf("message.updated frame carries %v", m)
	}
	r := got["bob"][1]
	if r["groupId"] != g1 || r["messageId"] != "m1" || r["seq"] != 1.0 || r["emoji"] != "👍" || r["userId"] != "alice" {
		t.Errorf("reaction.added frame = %v", r)
	}
}

func TestReadyAsksForReadStatesInBatches(t *testing.T) {
	t.Parallel()
	ids := make([]string, 1203)
	for i := range ids {
		ids[i] = fmt.Sprint("g", i)
	}
	seqs := &batchCheckingSeqs{max: 1000}
	got, err := readStates(context.Background(), seqs, "u", ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) || got[1202] != (readstate.State{GroupID: "g1202", LastSeq: 1202}) || seqs.calls != 3 {
		t.Fatalf("got %d states in %d calls, the last %+v", len(got), seqs.calls, got[len(got)-1])
	}
}

type batchCheckingSeqs struct{ max, calls int }

func (b *batchCheckingSeqs) ReadStates(_ context.Context, _ string, ids []string) ([]readstate.State, error) {
	b.calls++
	if len(ids) > b.max {
		return nil, fmt.Errorf("%d ids", len(ids))
	}
	out := make([]readstate.State, len(ids))
	for i, id := range ids {
		var n int64
		fmt.Sscanf(id, "g%d", &n)
		out[i] = readstate.State{GroupID: id, LastSeq: n}
	}
	return out, nil
}

func (b *batchCheckingSeqs) MarkRead(context.Context, string, string, int64) (readstate.State, error) {
	return readstate.State{}, nil
}
