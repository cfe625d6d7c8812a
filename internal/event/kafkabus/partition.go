package kafkabus

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/parleychat/parley/internal/event"
)

// Flow control and commit batching per partition.
const (
	pauseAt     = 2000 // queued records at which fetching the partition pauses
	resumeAt    = 200  // and at which it resumes
	commitEvery = 100  // handled records between commits while busy
	commitAfter = time.Second
)

// partition is the worker of one partition of a subscription: it handles
// the records the poll loop queues, in offset order, handing the handler
// every record waiting (up to event.MaxBatch) at once,
// and (in a consumer group) commits the offset after those it handled.
type partition struct {
	sub *subscription
	cl  *kgo.Client
	id  int32

	mu     sync.Mutex
	queue  []*kgo.Record
	paused bool

	wake     chan struct{} // a record was queued
	stop     chan struct{} // closed by halt
	stopOnce sync.Once
	noCommit atomic.Bool // set by halt when the partition was lost
	done     chan struct{}

	// Owned by the worker goroutine.
	uncommitted *kgo.Record // last record handled or skipped, not yet committed
	pending     int
	lastCommit  time.Time
}

func (s *subscription) newPartition(cl *kgo.Client, id int32) *partition {
	w := &partition{
		sub:        s,
		cl:         cl,
		id:         id,
		wake:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		lastCommit: time.Now(),
	}
	go w.run()
	return w
}

// push queues records fetched for this partition, pausing its fetches
// when the worker is far behind (a handler being retried, say) so memory
// stays bounded.
func (w *partition) push(recs []*kgo.Record) {
	w.mu.Lock()
	w.queue = append(w.queue, recs...)
	if !w.paused && len(w.queue) >= pauseAt {
		w.paused = true
		w.cl.PauseFetchPartitions(map[string][]int32{w.sub.topic: {w.id}})
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// halt asks the worker to stop after the handler in progress, committing
// what it handled unless commit is false.
func (w *partition) halt(commit bool) {
	w.noCommit.Store(!commit)
	w.stopOnce.Do(func() { close(w.stop) })
}

func (w *partition) stopped() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

func (w *partition) run() {
	defer close(w.done)
	attempt := 0
	for {
		recs, ok := w.next()
		if !ok {
			break
		}
		events, ok := w.decode(recs)
		if !ok {
			w.handled(recs[:1]) // not an event envelope: skipped
			continue
		}
		recs = recs[:len(events)]
		s := w.sub
		if w.stopped() || s.hctx.Err() != nil {
			break
		}
		n, err := event.InvokeBatch(s.hctx, s.handler, events)
		if err != nil && event.IsPermanent(err) {
			s.log.Error("kafkabus: skipping event after a permanent error", w.attrs(recs[n], events[n], err)...)
			n++
		}
		if n > 0 {
			w.handled(recs[:n])
			attempt = 0
		}
		if err == nil || event.IsPermanent(err) {
			continue
		}
		d := s.bus.cfg.Backoff.Delay(attempt)
		attempt++
		s.log.Warn("kafkabus: handler failed, retrying", append(w.attrs(recs[n], events[n], err), "attempt", attempt, "retry_in", d)...)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-w.stop:
		case <-s.hctx.Done():
		}
		t.Stop()
	}
	if !w.noCommit.Load() {
		w.commit()
	}
}

// next returns the oldest queued records (at most event.MaxBatch),
// committing while it waits for one, or false once halted.
func (w *partition) next() ([]*kgo.Record, bool) {
	for {
		if w.stopped() {
			return nil, false
		}
		w.mu.Lock()
		if len(w.queue) > 0 {
			recs := append([]*kgo.Record(nil), w.queue[:min(len(w.queue), event.MaxBatch)]...)
			w.mu.Unlock()
			return recs, true
		}
		w.mu.Unlock()
		w.commit() // idle: make what was handled durable now
		select {
		case <-w.wake:
		case <-w.stop:
			return nil, false
		}
	}
}

// decode returns the events of the leading records that are event
// envelopes, or false when the first is not one (it is logged, to be
// skipped).
func (w *partition) decode(recs []*kgo.Record) ([]event.Event, bool) {
	events := make([]event.Event, 0, len(recs))
	for _, r := range recs {
		var e event.Event
		if err := json.Unmarshal(r.Value, &e); err != nil {
			if len(events) == 0 {
				w.sub.log.Error("kafkabus: skipping a record that is not an event envelope",
					"partition", r.Partition, "offset", r.Offset, "err", err)
				return nil, false
			}
			break // handled on its own next time
		}
		events = append(events, e)
	}
	return events, true
}

// handled pops recs (the oldest queued records, handled or skipped) and
// commits after them when enough have gathered or enough time passed.
func (w *partition) handled(recs []*kgo.Record) {
	w.mu.Lock()
	clear(w.queue[:len(recs)])
	w.queue = w.queue[len(recs):]
	if w.paused && len(w.queue) <= resumeAt {
		w.paused = false
		w.cl.ResumeFetchPartitions(map[string][]int32{w.sub.topic: {w.id}})
	}
	w.mu.Unlock()
	w.uncommitted = recs[len(recs)-1]
	w.pending += len(recs)
	if w.pending >= commitEvery || time.Since(w.lastCommit) >= commitAfter {
		w.commit()
	}
}

func (w *partition) attrs(r *kgo.Record, e event.Event, err error) []any {
	return []any{
		"partition", r.Partition, "offset", r.Offset,
		"event_id", e.ID, "event_type", e.Type, "key", e.Key, "err", err,
	}
}

// commit commits the offset after the last record handled, for a consumer
// group. A failed commit is logged and retried at the next one: at worst
// the events are handled again.
func (w *partition) commit() {
	r := w.uncommitted
	if w.sub.group == "" || r == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offsets := map[string]map[int32]kgo.EpochOffset{
		w.sub.topic: {w.id: {Epoch: r.LeaderEpoch, Offset: r.Offset + 1}},
	}
	var cerr error
	w.cl.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			cerr = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					cerr = err
				}
			}
		}
	})
	if cerr != nil {
		w.sub.log.Warn("kafkabus: offset commit failed; events since the last commit may be handled again",
			"partition", w.id, "offset", r.Offset+1, "err", cerr)
		return
	}
	w.uncommitted, w.pending, w.lastCommit = nil, 0, time.Now()
}
