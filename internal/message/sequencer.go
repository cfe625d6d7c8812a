package message

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

// This file is the group commit of Post (issue 11): the submissions of
// one group that wait while a transaction of that group is being
// committed are sequenced together in the next one.

// maxBatch bounds how many submissions one transaction sequences.
const maxBatch = 128

// RelayBatchSize is how many outbox events the role's relay publishes
// per round (one Publish and one DELETE per topic run): two full batches
// of message.created, so that a hot group's commit leaves in one round.
const RelayBatchSize = 2 * maxBatch

// batchTimeout bounds one batch's transaction. It does not end with any
// caller's context: one caller giving up never fails the others.
const batchTimeout = 30 * time.Second

// Item states: waiting in the queue, taken into a batch, given up by its
// caller before a batch took it.
const (
	itemWaiting int32 = iota
	itemTaken
	itemCancelled
)

// seqItem is one submission waiting to be sequenced.
type seqItem struct {
	ctx   context.Context
	in    Submitted
	owner *rights.Membership // the group role's answer on a projection miss
	state atomic.Int32
	done  chan seqResult // buffered: the committer never waits for the caller
}

// seqResult is what one submission came to: created is false for a
// message found by its clientMsgId (nothing new stored).
type seqResult struct {
	msg     Message
	created bool
	err     error
}

// sequencer queues submissions per group. The first submission of an
// idle group starts a committer goroutine that takes up to maxBatch
// waiting submissions per transaction until the queue is empty, so a
// lone submission is committed at once (no wait for company) and those
// that arrive meanwhile share the next commit.
type sequencer struct {
	s      *Service
	mu     sync.Mutex
	groups map[string][]*seqItem // waiting submissions of groups with a committer running
	// onBatch, when set (tests), is called with each batch's size before
	// its transaction.
	onBatch func(groupID string, n int)
}

func newSequencer(s *Service) *sequencer {
	return &sequencer{s: s, groups: map[string][]*seqItem{}}
}

// submit queues items (all of groupID, in the order given, which is the
// order of their seqs) and returns once each has its result, or early
// with ctx's error for those not done when ctx ends (a submission a
// batch had already taken may still be stored: its clientMsgId finds it).
func (q *sequencer) submit(ctx context.Context, groupID string, items []*seqItem) []seqResult {
	for _, it := range items {
		it.ctx = ctx
		it.done = make(chan seqResult, 1)
	}
	q.mu.Lock()
	waiting, running := q.groups[groupID]
	q.groups[groupID] = append(waiting, items...)
	q.mu.Unlock()
	if !running {
		go q.commitLoop(groupID)
	}
	out := make([]seqResult, len(items))
	for i, it := range items {
		select {
		case out[i] = <-it.done:
		case <-ctx.Done():
			for _, it := range items[i:] {
				it.state.CompareAndSwap(itemWaiting, itemCancelled)
			}
			for j := i; j < len(items); j++ {
				out[j] = seqResult{err: ctx.Err()}
			}
			return out
		}
	}
	return out
}

// commitLoop commits groupID's waiting submissions, a batch at a time,
// until none is left.
func (q *sequencer) commitLoop(groupID string) {
	for {
		q.mu.Lock()
		waiting := q.groups[groupID]
		if len(waiting) == 0 {
			delete(q.groups, groupID)
			q.mu.Unlock()
			return
		}
		n := min(len(waiting), maxBatch)
		batch := waiting[:n:n]
		q.groups[groupID] = waiting[n:]
		q.mu.Unlock()

		live := batch[:0]
		for _, it := range batch {
			if it.state.CompareAndSwap(itemWaiting, itemTaken) {
				live = append(live, it)
			}
		}
		if len(live) > 0 {
			if q.onBatch != nil {
				q.onBatch(groupID, len(live))
			}
			q.commit(groupID, live)
		}
	}
}

// commit sequences items and hands each its result.
func (q *sequencer) commit(groupID string, items []*seqItem) {
	for i, r := range q.run(groupID, items) {
		items[i].done <- r
	}
}

// run sequences items in one transaction and returns each one's result.
// When the transaction fails as a whole (not a refusal of one item, which
// never fails the others), each item is tried again on its own, so that
// whatever broke it fails only its own submission; an author's later
// items then fail the same way untried, so none overtakes an earlier one.
func (q *sequencer) run(groupID string, items []*seqItem) []seqResult {
	s := q.s
	ctx, cancel := context.WithTimeout(context.WithoutCancel(items[0].ctx), batchTimeout)
	defer cancel()
	res, err := q.sequence(ctx, groupID, items)
	if err == nil {
		if slices.ContainsFunc(res, func(r seqResult) bool { return r.created }) {
			s.notify()
		}
		return res
	}
	res = make([]seqResult, len(items))
	if len(items) == 1 {
		res[0].err = err
		return res
	}
	s.log.Warn("message: a batch of submissions failed; sequencing them one by one", "group", groupID, "batch", len(items), "err", err)
	failed := map[string]error{}
	for i, it := range items {
		if err := failed[it.in.AuthorID]; err != nil {
			res[i].err = errBehind(err)
			continue
		}
		res[i] = q.run(groupID, items[i:i+1])[0]
		if res[i].err != nil && !refusal(res[i].err) {
			failed[it.in.AuthorID] = res[i].err
		}
	}
	return res
}

// sequence is Service.sequence, with a panic turned into an error so that
// a bug never leaves callers waiting nor the group's queue without a
// committer.
func (q *sequencer) sequence(ctx context.Context, groupID string, items []*seqItem) (res []seqResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			q.s.log.Error("message: sequencing a batch panicked", "group", groupID, "panic", r, "stack", string(debug.Stack()))
			res, err = nil, fmt.Errorf("sequencing panicked: %v", r)
		}
	}()
	return q.s.sequence(ctx, groupID, items)
}

// sequence runs one transaction for items, all of groupID: under the
// group's sequence lock, each item is checked on its own (clientMsgId
// seen before, in the database or earlier in the batch; membership;
// limits; reply target; attachments) and refused alone, in its result;
// those that pass get the next seqs in order, and their rows and
// message.created events are written together. The error is the
// transaction's (the database failing): then nothing was stored.
func (s *Service) sequence(ctx context.Context, groupID string, items []*seqItem) ([]seqResult, error) {
	var res []seqResult
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		res = make([]seqResult, len(items))
		last, err := s.store.lockSeq(ctx, tx, groupID)
		if err != nil {
			return err
		}
		b := batchTx{s: s, tx: tx, groupID: groupID, seen: map[[2]string]int{}, members: map[string]error{}}
		if err := b.prefetch(ctx, items); err != nil {
			return err
		}
		for i, it := range items {
			r, err := b.item(ctx, it, last+1)
			if err != nil && !refusal(err) {
				return err
			}
			if err == nil && r.created {
				last++
			}
			r.err = err
			res[i] = r
		}
		if len(b.rows) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE message_sequences SET last_seq = ? WHERE group_id = ?", last, groupID); err != nil {
			return fmt.Errorf("advance sequence: %w", err)
		}
		if err := b.insert(ctx); err != nil {
			return err
		}
		return outbox.Add(ctx, tx, Topic, b.events...)
	})
	return res, err
}

// batchTx is the state of one batch's transaction.
type batchTx struct {
	s       *Service
	tx      *sql.Tx
	groupID string
	// seen maps (author, clientMsgId) to the index in res of the message
	// stored or found for it in this batch.
	seen    map[[2]string]int
	results []Message
	// members caches the projection's answer per author (without owner).
	members map[string]error
	// stored holds the messages already stored under the batch's
	// (author, clientMsgId) pairs (prefetch).
	stored map[[2]string]row
	rows   []any // INSERT arguments, insertCols per message
	events []event.Event
}

const insertCols = 10

// item checks and, when it passes, stages one submission with seq next.
// A refusal is returned as the error, with nothing staged.
func (b *batchTx) item(ctx context.Context, it *seqItem, next int64) (seqResult, error) {
	s, in := b.s, it.in
	key := b.clientKey(in.AuthorID, in.ClientMsgID)
	if in.ClientMsgID != "" {
		if j, ok := b.seen[key]; ok {
			return seqResult{msg: b.results[j]}, nil
		}
		if r, found := b.stored[key]; found {
			m, err := s.store.view(ctx, b.tx, r)
			if err != nil {
				return seqResult{}, err
			}
			b.remember(key, m)
			return seqResult{msg: m}, nil
		}
	}
	if err := b.member(ctx, it); err != nil {
		return seqResult{}, err
	}
	if err := validate(in); err != nil {
		return seqResult{}, err
	}
	var reply *replyRow
	if in.ReplyToID != "" {
		q, err := s.replyTarget(ctx, b.tx, b.groupID, in.ReplyToID)
		if err != nil {
			return seqResult{}, err
		}
		reply = &q
	}
	mentions, mentionsCol, err := s.mentioned(ctx, b.tx, b.groupID, in.Mentions)
	if err != nil {
		return seqResult{}, err
	}
	atts, err := s.claimAttachments(ctx, b.tx, in)
	if err != nil {
		return seqResult{}, err
	}
	raw, err := json.Marshal(atts)
	if err != nil {
		return seqResult{}, fmt.Errorf("encode attachments: %w", err)
	}
	cid := in.ClientMsgID
	out := Message{
		ID: newID(), GroupID: b.groupID, Seq: next, AuthorID: in.AuthorID, Text: in.Text,
		Attachments: atts, CreatedAt: sqlstore.Time(s.now()), ClientMsgID: &cid, Mentions: mentions,
	}
	replyTo := sql.NullString{}
	if reply != nil {
		replyTo = sql.NullString{String: in.ReplyToID, Valid: true}
		out.ReplyTo = row{Reply: *reply}.replyTo()
	}
	// Claim the files now, so that a later submission of the batch naming
	// one of them is refused.
	for _, a := range atts {
		if _, err := b.tx.ExecContext(ctx, "UPDATE message_uploads SET message_id = ? WHERE upload_key = ?", out.ID, a.Key); err != nil {
			return seqResult{}, fmt.Errorf("attach upload: %w", err)
		}
	}
	e, err := event.New(EventCreated, b.groupID, Created{Message: out})
	if err != nil {
		return seqResult{}, fmt.Errorf("encode %s: %w", EventCreated, err)
	}
	b.rows = append(b.rows, out.ID, out.GroupID, out.Seq, out.AuthorID, out.Text, string(raw), out.CreatedAt, cid, replyTo, mentionsCol)
	b.events = append(b.events, e)
	if in.ClientMsgID != "" {
		b.remember(key, out)
	}
	return seqResult{msg: out, created: true}, nil
}

// clientKey is the key of (author, clientMsgId) in the batch's maps,
// equal where the database's unique index finds them equal: MySQL's
// utf8mb4_bin pads with spaces, so there trailing spaces do not count.
func (b *batchTx) clientKey(authorID, clientMsgID string) [2]string {
	if b.s.db.Dialect == sqlstore.MySQL {
		clientMsgID = strings.TrimRight(clientMsgID, " ")
	}
	return [2]string{authorID, clientMsgID}
}

func (b *batchTx) remember(key [2]string, m Message) {
	b.seen[key] = len(b.results)
	b.results = append(b.results, m)
}

// member checks it's author's membership, asking the projection once per
// author and batch (an item with the group role's answer uses it on a
// projection miss, as Service.member does).
func (b *batchTx) member(ctx context.Context, it *seqItem) error {
	if it.owner != nil {
		_, err := b.s.member(ctx, b.tx, it.owner, b.groupID, it.in.AuthorID)
		return err
	}
	err, ok := b.members[it.in.AuthorID]
	if !ok {
		_, err = b.s.member(ctx, b.tx, nil, b.groupID, it.in.AuthorID)
		if err != nil && !refusal(err) {
			return err
		}
		b.members[it.in.AuthorID] = err
	}
	return err
}

// lookupChunk bounds the (author, clientMsgId) pairs or authors one
// prefetch query names.
const lookupChunk = 100

// prefetch reads, with a few queries for the whole batch, what each item
// would otherwise ask on its own: the messages already stored under the
// batch's (author, clientMsgId) pairs (each pair an index lookup) and the
// projection's membership of its authors.
func (b *batchTx) prefetch(ctx context.Context, items []*seqItem) error {
	b.stored = map[[2]string]row{}
	var pairs [][3]string // key, and the clientMsgId as given
	var authors []string
	seenPair, seenAuthor := map[[2]string]bool{}, map[string]bool{}
	for _, it := range items {
		k := b.clientKey(it.in.AuthorID, it.in.ClientMsgID)
		if it.in.ClientMsgID != "" && !seenPair[k] {
			seenPair[k] = true
			pairs = append(pairs, [3]string{k[0], k[1], it.in.ClientMsgID})
		}
		if it.owner == nil && !seenAuthor[it.in.AuthorID] {
			seenAuthor[it.in.AuthorID] = true
			authors = append(authors, it.in.AuthorID)
		}
	}
	for start := 0; start < len(pairs); start += lookupChunk {
		chunk := pairs[start:min(start+lookupChunk, len(pairs))]
		args := []any{b.groupID}
		for _, p := range chunk {
			args = append(args, p[0], p[2])
		}
		// Each pair must be a lookup in the (group, author, clientMsgId)
		// index, never a scan of the group, whatever the planner guesses.
		from, match := " FROM messages m", " AND (m.author_id, m.client_msg_id) IN (VALUES "+strings.TrimSuffix(strings.Repeat("(?, ?),", len(chunk)), ",")+")"
		if b.s.db.Dialect == sqlstore.MySQL {
			from = " FROM messages m FORCE INDEX (messages_client)"
			match = " AND (" + strings.TrimSuffix(strings.Repeat("(m.author_id = ? AND m.client_msg_id = ?) OR ", len(chunk)), " OR ") + ")"
		}
		rows, err := b.tx.QueryContext(ctx, "SELECT "+msgCols+", "+replyCols+from+replyJoin+" WHERE m.group_id = ?"+match, args...)
		if err != nil {
			return fmt.Errorf("find messages by client id: %w", err)
		}
		for rows.Next() {
			r, err := scanRow(rows, true, false)
			if err != nil {
				rows.Close()
				return fmt.Errorf("find messages by client id: %w", err)
			}
			b.stored[b.clientKey(r.AuthorID, r.ClientMsgID.String)] = r
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("find messages by client id: %w", err)
		}
	}
	for start := 0; start < len(authors); start += lookupChunk {
		chunk := authors[start:min(start+lookupChunk, len(authors))]
		args := []any{b.groupID}
		for _, a := range chunk {
			args = append(args, a)
			b.members[a] = errNoGroup()
		}
		rows, err := b.tx.QueryContext(ctx, "SELECT user_id FROM message_members WHERE group_id = ? AND user_id IN ("+placeholders(len(chunk))+")", args...)
		if err != nil {
			return fmt.Errorf("read memberships: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("read memberships: %w", err)
			}
			b.members[id] = nil
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("read memberships: %w", err)
		}
	}
	return nil
}

// insertChunk is how many messages one INSERT writes.
const insertChunk = 64

// insert writes the staged messages, a multi-row INSERT per chunk.
func (b *batchTx) insert(ctx context.Context) error {
	for start := 0; start < len(b.rows); start += insertChunk * insertCols {
		args := b.rows[start:min(start+insertChunk*insertCols, len(b.rows))]
		n := len(args) / insertCols
		q := `INSERT INTO messages (id, group_id, seq, author_id, text, attachments, created_at, client_msg_id, reply_to_id, mentions) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?),", n), ",")
		if _, err := b.tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("insert %d messages: %w", n, err)
		}
	}
	return nil
}
