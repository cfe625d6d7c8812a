package event

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/errs"
)

// MemOptions configures the memory bus. Zero values take the defaults.
type MemOptions struct {
	// Partitions is the number of partitions of every topic (default 16).
	// An event's partition is the FNV-1a hash of its key modulo Partitions.
	Partitions int
	// Logger receives retries, skipped events and dropped events
	// (default: discard).
	Logger *slog.Logger
	// MaxBacklog bounds each partition of each topic (default 10000).
	// When the slowest consumer group is that many events behind,
	// Publish fails with errs.Unavailable instead of growing without
	// limit; the outbox upstream retries later. A broadcast subscriber
	// that falls that far behind loses its oldest undelivered events.
	MaxBacklog int
	// MaxUnclaimed is how many events per partition a topic keeps while
	// no consumer group has subscribed to it (default 1000), so that a
	// group subscribing a moment after the first publish still replays
	// them. Beyond it the oldest are dropped.
	MaxUnclaimed int
	// Backoff is the retry policy for failing handlers (default
	// DefaultBackoff).
	Backoff Backoff
	// DrainTimeout bounds how long Close lets consumer groups handle the
	// events already published (default 5 s).
	DrainTimeout time.Duration
}

func (o MemOptions) withDefaults() MemOptions {
	if o.Partitions <= 0 {
		o.Partitions = 16
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.MaxBacklog <= 0 {
		o.MaxBacklog = 10000
	}
	if o.MaxUnclaimed <= 0 {
		o.MaxUnclaimed = 1000
	}
	o.MaxUnclaimed = min(o.MaxUnclaimed, o.MaxBacklog)
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 5 * time.Second
	}
	return o
}

// MemBus is the in-process event bus (mem://), the embedded default. See
// the package documentation for its guarantees and what it cannot do. It
// is safe for concurrent use.
type MemBus struct {
	opts MemOptions
	log  *slog.Logger

	// closingCh is closed when Close begins; stopCtx is cancelled when
	// consumers must stop at once (drain done or timed out), which also
	// cancels the contexts handed to handlers.
	closingCh chan struct{}
	stopCtx   context.Context
	stop      context.CancelFunc
	closeOnce sync.Once

	mu      sync.Mutex
	closing bool
	topics  map[string]*memTopic
	// workers counts the goroutines delivering events; one runs per
	// consumer and partition while that partition has work.
	workers sync.WaitGroup
}

var _ Bus = (*MemBus)(nil)

// NewMemBus returns an empty memory bus.
func NewMemBus(opts MemOptions) *MemBus {
	opts = opts.withDefaults()
	stopCtx, stop := context.WithCancel(context.Background())
	return &MemBus{
		opts:      opts,
		log:       opts.Logger,
		closingCh: make(chan struct{}),
		stopCtx:   stopCtx,
		stop:      stop,
		topics:    make(map[string]*memTopic),
	}
}

// memLog is an ordered run of events; offsets count from 0 for the life
// of the log, base being the offset of events[0].
type memLog struct {
	base   uint64
	events []Event
}

func (l *memLog) end() uint64         { return l.base + uint64(len(l.events)) }
func (l *memLog) at(off uint64) Event { return l.events[off-l.base] }

// dropBefore forgets every event before offset off.
func (l *memLog) dropBefore(off uint64) {
	if off <= l.base {
		return
	}
	n := min(off-l.base, uint64(len(l.events)))
	clear(l.events[:n]) // release payloads; append reallocates later
	l.events = l.events[n:]
	l.base += n
}

type memTopic struct {
	name string
	// logs holds, per partition, the events some consumer group still
	// needs (or, before any group subscribed, the latest MaxUnclaimed).
	logs   []memLog
	groups map[string]*memGroup
	subs   map[*memSub]struct{} // broadcast subscribers
}

// memGroup is a consumer group on one topic. One worker per partition
// delivers the partition's events in order, each to the member that owns
// the partition at that moment.
type memGroup struct {
	name    string
	topic   *memTopic
	members []*memMember // in the order they subscribed
	next    []uint64     // per partition: the next offset to handle
	active  []bool       // per partition: a worker is running
}

// memSub is a broadcast subscriber with its own queue per partition.
type memSub struct {
	m       *memMember
	topic   *memTopic
	queues  []memLog
	active  []bool
	dropped uint64
}

// memMember is one Subscribe call.
type memMember struct {
	ctx     context.Context // the subscriber's: done means it left
	hctx    context.Context // handed to the handler: ends with ctx or at a hard stop
	release func()
	handler Handler
	batch   BatchHandler // consumer groups deliver through it
}

func (b *MemBus) newMember(ctx context.Context, s Subscription) *memMember {
	hctx, cancel := context.WithCancel(ctx)
	unhook := context.AfterFunc(b.stopCtx, cancel)
	h, bh := s.handlers()
	return &memMember{ctx: ctx, hctx: hctx, handler: h, batch: bh, release: func() { unhook(); cancel() }}
}

func errClosed() error { return errs.E(errs.Unavailable, "event bus is closed") }

func (b *MemBus) partition(key string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum32() % uint32(b.opts.Partitions))
}

func (b *MemBus) topicLocked(name string) *memTopic {
	t := b.topics[name]
	if t == nil {
		t = &memTopic{
			name:   name,
			logs:   make([]memLog, b.opts.Partitions),
			groups: make(map[string]*memGroup),
			subs:   make(map[*memSub]struct{}),
		}
		b.topics[name] = t
	}
	return t
}

// normalize passes e through its JSON form (Marshal), as the Kafka bus
// does, so that both buses hand handlers the same values and a publisher
// keeps no reference into what consumers read.
func normalize(e Event) (Event, error) {
	raw, err := Marshal(e)
	if err != nil {
		return Event{}, errs.Wrap(errs.Invalid, err, fmt.Sprintf("event %s (%s) does not encode", e.ID, e.Type))
	}
	var out Event
	if err := json.Unmarshal(raw, &out); err != nil {
		return Event{}, errs.Wrap(errs.Invalid, err, fmt.Sprintf("event %s (%s) does not decode", e.ID, e.Type))
	}
	return out, nil
}

// Publish appends events to their partitions' logs and queues, all or
// none. It fails with errs.Unavailable when the bus is closed or when a
// consumer group is MaxBacklog events behind on a partition.
func (b *MemBus) Publish(ctx context.Context, topic string, events ...Event) error {
	if topic == "" {
		return errs.E(errs.Invalid, "event bus: publish needs a topic")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	norm := make([]Event, len(events))
	parts := make([]int, len(events))
	need := make(map[int]int)
	for i, e := range events {
		n, err := normalize(e)
		if err != nil {
			return fmt.Errorf("publish to %s: %w", topic, err)
		}
		norm[i], parts[i] = n, b.partition(e.Key)
		need[parts[i]]++
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing {
		return fmt.Errorf("publish to %s: %w", topic, errClosed())
	}
	t := b.topicLocked(topic)
	for p, n := range need {
		if err := b.makeRoomLocked(t, p, n); err != nil {
			return err
		}
	}
	for i, e := range norm {
		p := parts[i]
		t.logs[p].events = append(t.logs[p].events, e)
		for s := range t.subs {
			b.enqueueLocked(s, p, e)
		}
	}
	for p := range need {
		if l := &t.logs[p]; len(t.groups) == 0 && len(l.events) > b.opts.MaxUnclaimed {
			l.dropBefore(l.end() - uint64(b.opts.MaxUnclaimed))
		}
		for _, g := range t.groups {
			b.kickGroupLocked(g, p)
		}
		for s := range t.subs {
			b.kickSubLocked(s, p)
		}
	}
	return nil
}

// makeRoomLocked reports whether n more events fit in partition p of t.
// Only consumer groups hold events back; a topic without groups is
// trimmed after appending instead (see Publish).
func (b *MemBus) makeRoomLocked(t *memTopic, p, n int) error {
	l := &t.logs[p]
	if n > b.opts.MaxBacklog {
		return errs.E(errs.TooLarge, "event bus: %d events for one partition of %s in one publish; at most %d fit",
			n, t.name, b.opts.MaxBacklog)
	}
	if len(t.groups) == 0 {
		return nil
	}
	if len(l.events)+n <= b.opts.MaxBacklog {
		return nil
	}
	slowest := ""
	for name, g := range t.groups {
		if g.next[p] == l.base {
			slowest = name
			break
		}
	}
	return errs.E(errs.Unavailable,
		"event bus: topic %s partition %d is full: consumer group %q has %d events to handle",
		t.name, p, slowest, len(l.events))
}

// enqueueLocked adds e to a broadcast subscriber's queue, dropping its
// oldest undelivered event when it is MaxBacklog behind.
func (b *MemBus) enqueueLocked(s *memSub, p int, e Event) {
	q := &s.queues[p]
	if len(q.events) >= b.opts.MaxBacklog {
		q.dropBefore(q.base + 1)
		s.dropped++
		if s.dropped == 1 || s.dropped%1000 == 0 {
			b.log.Warn("event bus: broadcast subscriber too slow, dropping its oldest events",
				"topic", s.topic.name, "partition", p, "dropped_total", s.dropped)
		}
	}
	q.events = append(q.events, e)
}

// Subscribe registers s and returns; delivery runs in the background
// until ctx is done or the bus is closed. A broadcast subscriber sees
// every event published after Subscribe returns; a new consumer group
// starts from the oldest retained event. Members of a group split the
// partitions evenly; when one leaves, the others take its partitions
// over at their next event. The context handed to the handler ends with
// ctx, or when Close stops waiting for the drain.
func (b *MemBus) Subscribe(ctx context.Context, s Subscription) error {
	if s.Topic == "" || s.Handler == nil && s.Batch == nil {
		return errs.E(errs.Invalid, "event bus: a subscription needs a topic and a handler")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing {
		return fmt.Errorf("subscribe to %s: %w", s.Topic, errClosed())
	}
	t := b.topicLocked(s.Topic)
	m := b.newMember(ctx, s)

	if s.Group == "" {
		sub := &memSub{m: m, topic: t, queues: make([]memLog, b.opts.Partitions), active: make([]bool, b.opts.Partitions)}
		t.subs[sub] = struct{}{}
		context.AfterFunc(ctx, func() {
			b.mu.Lock()
			delete(t.subs, sub)
			b.mu.Unlock()
			m.release()
		})
		return nil
	}

	g := t.groups[s.Group]
	if g == nil {
		g = &memGroup{name: s.Group, topic: t, next: make([]uint64, b.opts.Partitions), active: make([]bool, b.opts.Partitions)}
		for p := range g.next {
			g.next[p] = t.logs[p].base
		}
		t.groups[s.Group] = g
	}
	g.members = append(g.members, m)
	for p := range g.next {
		b.kickGroupLocked(g, p)
	}
	context.AfterFunc(ctx, func() {
		b.mu.Lock()
		g.removeLocked(m)
		b.mu.Unlock()
		m.release()
	})
	return nil
}

// Ping reports whether the bus still accepts events.
func (b *MemBus) Ping(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing {
		return errClosed()
	}
	return nil
}

// Close stops accepting publishes and subscriptions, stops broadcast
// delivery after the handlers in progress, lets consumer groups handle
// what was already published for up to DrainTimeout, then cancels the
// handlers' contexts and waits for every handler in progress to return.
// Events still unhandled are lost (see the package documentation). Close
// is idempotent; every call returns once the bus has stopped.
func (b *MemBus) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closing = true
		close(b.closingCh)
		b.mu.Unlock()

		done := make(chan struct{})
		go func() {
			b.workers.Wait()
			close(done)
		}()
		timer := time.NewTimer(b.opts.DrainTimeout)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			b.log.Warn("event bus: drain timed out; stopping with events unhandled", "timeout", b.opts.DrainTimeout)
			b.stop()
			<-done
		}
		b.stop()
	})
	return nil
}
