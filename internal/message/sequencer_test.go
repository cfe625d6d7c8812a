package message

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// createdSeqs returns the seqs of g's message.created events in the
// outbox, in outbox order.
func (e *env) createdSeqs(g string) []int64 {
	e.t.Helper()
	var out []int64
	for _, ev := range e.events(g, EventCreated) {
		var c Created
		if err := json.Unmarshal(ev.Payload, &c); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, c.Message.Seq)
	}
	return out
}

// wantContiguous fails unless seqs is 1, 2, 3… n.
func wantContiguous(t *testing.T, what string, seqs []int64, n int) {
	t.Helper()
	if len(seqs) != n {
		t.Fatalf("%s: %d seqs, want %d", what, len(seqs), n)
	}
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("%s: seq %d at position %d: want 1, 2, 3… in order, without gaps", what, s, i)
		}
	}
}

// gate blocks the first batch of a sequencer until released, and records
// every batch's size.
type gate struct {
	mu      sync.Mutex
	sizes   []int
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func hold(svc *Service) *gate {
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	svc.seq.onBatch = func(_ string, n int) {
		g.mu.Lock()
		g.sizes = append(g.sizes, n)
		first := len(g.sizes) == 1
		g.mu.Unlock()
		if first {
			close(g.entered)
			<-g.release
		}
	}
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

func (g *gate) batches() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]int(nil), g.sizes...)
}

// waitQueued waits until n submissions of g wait in svc's queue.
func waitQueued(t *testing.T, svc *Service, g string, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d submissions to queue", n), func() bool {
		svc.seq.mu.Lock()
		defer svc.seq.mu.Unlock()
		return len(svc.seq.groups[g]) == n
	})
}

// behindACommit posts first, and while its batch is held, queues ins (in
// one postAll); then lets the commits go on. It returns ins' results,
// the sizes of the batches and first's error.
func behindACommit(t *testing.T, e *env, first Submitted, ins []Submitted) ([]seqResult, []int, error) {
	t.Helper()
	gt := hold(e.svc)
	firstErr := make(chan error, 1)
	go func() {
		_, err := e.svc.Post(context.Background(), first)
		firstErr <- err
	}()
	<-gt.entered
	done := make(chan []seqResult)
	go func() { done <- e.svc.postAll(context.Background(), ins) }()
	waitQueued(t, e.svc, first.GroupID, len(ins))
	gt.open()
	err := <-firstErr
	res := <-done
	return res, gt.batches(), err
}

// TestGroupCommitUnderManyConcurrentPosters: 50 posters of one group on
// two instances of the role, each sending its messages one after the
// other: every post succeeds, the group's seqs are 1…n in commit order
// in the outbox, each poster's messages keep their order, and the posts
// shared transactions (fewer batches than messages).
func TestGroupCommitUnderManyConcurrentPosters(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		a := newEnv(t, db)
		b := newEnv(t, sqlstoretest.Reopen(t, db))
		g, _ := a.group()
		var batches atomic.Int32
		for _, svc := range []*Service{a.svc, b.svc} {
			svc.seq.onBatch = func(string, int) { batches.Add(1) }
		}
		const posters, each = 50, 20
		authors := make([]string, posters)
		for i := range authors {
			authors[i] = a.member(g)
		}
		got := make([][]int64, posters)
		var wg sync.WaitGroup
		var failed atomic.Value
		for p := range posters {
			svc := a.svc
			if p%2 == 1 {
				svc = b.svc
			}
			wg.Go(func() {
				for i := range each {
					m, err := svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: authors[p], ClientMsgID: fmt.Sprintf("p%d-%d", p, i), Text: "hot"})
					if err != nil {
						failed.Store(err)
						return
					}
					got[p] = append(got[p], m.Seq)
				}
			})
		}
		wg.Wait()
		if err := failed.Load(); err != nil {
			t.Fatalf("post: %v", err)
		}
		wantContiguous(t, "outbox", a.createdSeqs(g), posters*each)
		for p, seqs := range got {
			for i := 1; i < len(seqs); i++ {
				if seqs[i] <= seqs[i-1] {
					t.Fatalf("poster %d: seqs %v are not increasing", p, seqs)
				}
			}
		}
		if n := batches.Load(); n >= posters*each {
			t.Errorf("%d transactions for %d messages: concurrent posts should share them", n, posters*each)
		}
		t.Logf("%d messages in %d batches", posters*each, batches.Load())
	})
}

// TestGroupCommitDuplicatesInOneBatch: the same (author, clientMsgId)
// twice in one batch stores one message and gives both callers the same
// one; the same clientMsgId from another author is another message.
func TestGroupCommitDuplicatesInOneBatch(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		v := e.member(g)
		ins := []Submitted{
			{GroupID: g, AuthorID: u, ClientMsgID: "same", Text: "one"},
			{GroupID: g, AuthorID: u, ClientMsgID: "same", Text: "one, resent"},
			{GroupID: g, AuthorID: v, ClientMsgID: "same", Text: "another author"},
			{GroupID: g, AuthorID: u, ClientMsgID: "warm", Text: "resent while the first commits"},
		}
		res, sizes, err := behindACommit(t, e, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "warm", Text: "first"}, ins)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.err != nil {
				t.Fatalf("submission %d: %v", i, r.err)
			}
		}
		if len(sizes) != 2 || sizes[1] != len(ins) {
			t.Fatalf("batches %v, want [1 %d]", sizes, len(ins))
		}
		if res[0].msg.ID != res[1].msg.ID || res[1].msg.Text != "one" {
			t.Fatalf("duplicate in one batch: %+v and %+v, want the same message", res[0].msg, res[1].msg)
		}
		if res[2].msg.ID == res[0].msg.ID || res[2].msg.Seq != 3 {
			t.Fatalf("another author's message: %+v", res[2].msg)
		}
		if res[3].msg.Seq != 1 || res[3].msg.Text != "first" {
			t.Fatalf("resend of a committed message: %+v, want seq 1", res[3].msg)
		}
		wantContiguous(t, "outbox", e.createdSeqs(g), 3)
	})
}

// TestGroupCommitRefusesABadSubmissionAlone: in one batch, a non-member,
// a reply to no message, an unknown attachment and an over-long text are
// each refused with their own error, while the good submissions around
// them are stored with contiguous seqs.
func TestGroupCommitRefusesABadSubmissionAlone(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		ins := []Submitted{
			{GroupID: g, AuthorID: u, ClientMsgID: "good-1", Text: "good"},
			{GroupID: g, AuthorID: newUUID(), ClientMsgID: "stranger", Text: "not a member"},
			{GroupID: g, AuthorID: u, ClientMsgID: "bad-reply", Text: "re", ReplyToID: newUUID()},
			{GroupID: g, AuthorID: u, ClientMsgID: "bad-file", Text: "file", Attachments: []AttachmentRef{{Key: "groups/" + g + "/nope"}}},
			{GroupID: g, AuthorID: u, ClientMsgID: "too-long", Text: strings.Repeat("x", MaxTextLen+1)},
			{GroupID: g, AuthorID: u, ClientMsgID: "good-2", Text: "good again"},
		}
		res, sizes, err := behindACommit(t, e, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "warm-up", Text: "first"}, ins)
		if err != nil || len(sizes) != 2 || sizes[1] != len(ins) {
			t.Fatalf("first: %v; batches %v, want [1 %d]", err, sizes, len(ins))
		}
		for i, want := range []errs.Kind{"", errs.NotFound, errs.Invalid, errs.Invalid, errs.Invalid, ""} {
			if want == "" {
				if res[i].err != nil {
					t.Fatalf("good submission %d: %v", i, res[i].err)
				}
				continue
			}
			if !errs.Is(res[i].err, want) {
				t.Fatalf("submission %d (%s): %v, want %s", i, ins[i].ClientMsgID, res[i].err, want)
			}
		}
		if res[0].msg.Seq != 2 || res[5].msg.Seq != 3 {
			t.Fatalf("good seqs %d and %d, want 2 and 3", res[0].msg.Seq, res[5].msg.Seq)
		}
		wantContiguous(t, "outbox", e.createdSeqs(g), 3)

	})
}

// TestGroupCommitCallerGivesUp: a caller whose context ends while its
// submission waits returns at once with the context's error and its
// message is never stored; the others in the queue are stored with
// contiguous seqs.
func TestGroupCommitCallerGivesUp(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		gt := hold(e.svc)
		go e.post(g, u, "first")
		<-gt.entered
		ctx, cancel := context.WithCancel(context.Background())
		gaveUp := make(chan error, 1)
		go func() {
			_, err := e.svc.Post(ctx, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "given-up", Text: "never mind"})
			gaveUp <- err
		}()
		stayed := make(chan Message, 1)
		waitQueued(t, e.svc, g, 1)
		go func() { stayed <- e.post(g, u, "stayed") }()
		waitQueued(t, e.svc, g, 2)
		cancel()
		select {
		case err := <-gaveUp:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("the caller that gave up got %v", err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("a cancelled caller still waits for the batch ahead of it")
		}
		gt.open()
		if m := <-stayed; m.Seq != 2 {
			t.Fatalf("the caller that stayed got seq %d, want 2", m.Seq)
		}
		wantContiguous(t, "outbox", e.createdSeqs(g), 2)
		if _, found, err := e.svc.store.byClientID(context.Background(), e.db, g, u, "given-up"); err != nil || found {
			t.Fatalf("the given-up message was stored (%v, %v)", found, err)
		}
	})
}

// TestGroupCommitBatchIsBounded: 300 submissions queued behind a commit
// are taken maxBatch at a time.
func TestGroupCommitBatchIsBounded(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		ins := make([]Submitted, 300)
		for i := range ins {
			ins[i] = Submitted{GroupID: g, AuthorID: u, ClientMsgID: fmt.Sprint("m", i), Text: "queued"}
		}
		res, sizes, err := behindACommit(t, e, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "first", Text: "first"}, ins)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.err != nil || r.msg.Seq != int64(i+2) {
				t.Fatalf("submission %d: seq %d, %v", i, r.msg.Seq, r.err)
			}
		}
		if want := []int{1, maxBatch, maxBatch, 300 - 2*maxBatch}; fmt.Sprint(sizes) != fmt.Sprint(want) {
			t.Fatalf("batches %v, want %v", sizes, want)
		}
		wantContiguous(t, "outbox", e.createdSeqs(g), 301)
	})
}

// TestSequencerTakesABatchOfEvents: HandleSubmittedBatch acknowledges a
// batch with a duplicate and a refusal in it, stores the good ones in
// order and rejects the bad one through the outbox; an event that does
// not decode in the middle ends the batch before it, and is refused
// permanently once it leads one.
func TestSequencerTakesABatchOfEvents(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		bad := event.Event{ID: newUUID(), Type: EventSubmitted, Key: g, Payload: json.RawMessage(`"not an object"`)}
		events := []event.Event{
			submitted(t, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "1", Text: "one"}),
			submitted(t, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "1", Text: "one"}),
			submitted(t, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "x", Text: strings.Repeat("x", MaxTextLen+1)}),
			submitted(t, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "2", Text: "two"}),
			bad,
			submitted(t, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "3", Text: "three"}),
		}
		n, err := e.svc.HandleSubmittedBatch(context.Background(), events)
		if n != 4 || err != nil {
			t.Fatalf("handled %d, %v; want 4 (up to the event that does not decode), nil", n, err)
		}
		wantContiguous(t, "outbox", e.createdSeqs(g), 2)
		if rej := e.events(g, EventRejected); len(rej) != 1 || !strings.Contains(string(rej[0].Payload), `"clientMsgId":"x"`) {
			t.Fatalf("rejections %v", rej)
		}
		n, err = e.svc.HandleSubmittedBatch(context.Background(), events[4:])
		if n != 0 || !event.IsPermanent(err) {
			t.Fatalf("a batch led by an event that does not decode: %d, %v; want 0 and a permanent error", n, err)
		}
		if n, err = e.svc.HandleSubmittedBatch(context.Background(), events[5:]); n != 1 || err != nil {
			t.Fatalf("handled %d, %v", n, err)
		}
		wantContiguous(t, "outbox", e.createdSeqs(g), 3)
	})
}

// TestGroupCommitClientMsgIDsTheIndexFindsEqual: where the database's
// unique index takes two clientMsgIds as one (MySQL ignores trailing
// spaces), the batch does too, whether the first is stored already or
// earlier in the same batch: no submission fails on the index.
func TestGroupCommitClientMsgIDsTheIndexFindsEqual(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		if _, err := e.svc.Post(context.Background(), Submitted{GroupID: g, AuthorID: u, ClientMsgID: "stored", Text: "a"}); err != nil {
			t.Fatal(err)
		}
		res := e.svc.postAll(context.Background(), []Submitted{
			{GroupID: g, AuthorID: u, ClientMsgID: "stored ", Text: "b"},
			{GroupID: g, AuthorID: u, ClientMsgID: "new", Text: "c"},
			{GroupID: g, AuthorID: u, ClientMsgID: "new  ", Text: "d"},
		})
		for i, r := range res {
			if r.err != nil {
				t.Fatalf("submission %d: %v", i, r.err)
			}
		}
		same := db.Dialect == sqlstore.MySQL
		if (res[0].msg.Seq == 1) != same || (res[2].msg.ID == res[1].msg.ID) != same {
			t.Fatalf("seqs %d, %d, %d: trailing spaces should count as the unique index counts them", res[0].msg.Seq, res[1].msg.Seq, res[2].msg.Seq)
		}
	})
}

// downStore is a blob store whose Stat fails as a storage outage does.
type downStore struct{ blob.Store }

func (downStore) Stat(context.Context, string) (blob.Info, error) {
	return blob.Info{}, errors.New("storage unavailable")
}

// TestSequencerKeepsAnAuthorsOrderAfterATransientFailure: when one
// submission of a batch fails transiently (its file cannot be checked),
// the same author's later submissions are not stored ahead of it, the
// bus is told to retry from it, and other authors' submissions go on.
func TestSequencerKeepsAnAuthorsOrderAfterATransientFailure(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		v := e.member(g)
		tk := e.upload(g, u, "a.txt", "text/plain", []byte("hello"))
		e.svc.blob = downStore{e.svc.blob}
		events := []event.Event{
			submitted(t, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "u1", Text: "with a file", Attachments: []AttachmentRef{{Key: tk.Key}}}),
			submitted(t, Submitted{GroupID: g, AuthorID: v, ClientMsgID: "v1", Text: "another author"}),
			submitted(t, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "u2", Text: "after the file"}),
		}
		n, err := e.svc.HandleSubmittedBatch(context.Background(), events)
		if n != 0 || err == nil || refusal(err) {
			t.Fatalf("handled %d, %v; want 0 and a transient error", n, err)
		}
		wantContiguous(t, "outbox", e.createdSeqs(g), 1)
		if _, found, _ := e.svc.store.byClientID(context.Background(), db, g, u, "u2"); found {
			t.Fatal("the author's later message was stored ahead of the one that failed")
		}
		if _, found, _ := e.svc.store.byClientID(context.Background(), db, g, v, "v1"); !found {
			t.Fatal("another author's message waited for the failure")
		}
	})
}

// TestGroupCommitSurvivesAPanic: a batch whose transaction panics is
// retried item by item; the item that panics again fails alone, its
// author's later item fails untried (no overtaking), another author's is
// stored, and the group's queue keeps working afterwards.
func TestGroupCommitSurvivesAPanic(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		v := e.member(g)
		var calls atomic.Int32
		e.svc.now = func() time.Time {
			if calls.Add(1) <= 2 {
				panic("clock broke")
			}
			return time.Now()
		}
		res := e.svc.postAll(context.Background(), []Submitted{
			{GroupID: g, AuthorID: u, ClientMsgID: "u1", Text: "one"},
			{GroupID: g, AuthorID: v, ClientMsgID: "v1", Text: "two"},
			{GroupID: g, AuthorID: u, ClientMsgID: "u2", Text: "three"},
		})
		if res[0].err == nil || refusal(res[0].err) || res[2].err == nil || res[1].err != nil || res[1].msg.Seq != 1 {
			t.Fatalf("results %+v", res)
		}
		if calls.Load() != 3 {
			t.Fatalf("the clock was read %d times: u2 should fail untried after u1", calls.Load())
		}
		if m := e.post(g, u, "later"); m.Seq != 2 {
			t.Fatalf("after the panic: seq %d, want 2", m.Seq)
		}
	})
}
