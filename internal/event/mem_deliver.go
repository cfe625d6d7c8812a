package event

import (
	"log/slog"
)

// This file holds the memory bus's delivery: one goroutine per consumer
// (group or broadcast subscriber) and partition, started when the
// partition has work and ending when it has none, so an idle bus runs no
// goroutines.

// removeLocked takes m out of the group; the partitions it owned pass to
// the remaining members at their next event.
func (g *memGroup) removeLocked(m *memMember) {
	for i, x := range g.members {
		if x == m {
			g.members = append(g.members[:i], g.members[i+1:]...)
			return
		}
	}
}

// ownerLocked returns the member that handles partition p now, first
// forgetting members whose context is done (so a cancelled subscriber
// receives nothing more even before its clean-up ran).
func (g *memGroup) ownerLocked(p int) *memMember {
	live := g.members[:0]
	for _, m := range g.members {
		if m.ctx.Err() == nil {
			live = append(live, m)
		}
	}
	clear(g.members[len(live):])
	g.members = live
	if len(live) == 0 {
		return nil
	}
	return live[p%len(live)]
}

// kickGroupLocked starts the worker of group g's partition p if the
// partition has events for it and nobody is delivering them yet.
func (b *MemBus) kickGroupLocked(g *memGroup, p int) {
	if g.active[p] || b.closing || len(g.members) == 0 || g.next[p] >= g.topic.logs[p].end() {
		return
	}
	g.active[p] = true
	b.workers.Add(1)
	go b.runGroup(g, p)
}

func (b *MemBus) kickSubLocked(s *memSub, p int) {
	if s.active[p] || b.closing || len(s.queues[p].events) == 0 {
		return
	}
	s.active[p] = true
	b.workers.Add(1)
	go b.runSub(s, p)
}

// nextGroupLocked returns the events group g must handle next on
// partition p (at most MaxBatch, oldest first) and the member to handle
// them, or false when the worker should stop: nothing left, no live
// member, or a hard stop.
func (b *MemBus) nextGroupLocked(g *memGroup, p int) (*memMember, []Event, bool) {
	if b.stopCtx.Err() != nil {
		return nil, nil, false
	}
	l := &g.topic.logs[p]
	if g.next[p] >= l.end() {
		return nil, nil, false
	}
	m := g.ownerLocked(p)
	if m == nil {
		return nil, nil, false
	}
	from := g.next[p] - l.base
	to := min(uint64(len(l.events)), from+MaxBatch)
	return m, append([]Event(nil), l.events[from:to]...), true
}

// runGroup delivers group g's partition p in order, handing the member
// every waiting event (up to MaxBatch) at once. A failing event is
// retried, by whichever member owns the partition at the time, until it
// succeeds or fails permanently; only then does the partition move on.
func (b *MemBus) runGroup(g *memGroup, p int) {
	defer b.workers.Done()
	attempt := 0
	for {
		b.mu.Lock()
		m, events, ok := b.nextGroupLocked(g, p)
		if !ok {
			g.active[p] = false
			b.mu.Unlock()
			return
		}
		off := g.next[p]
		b.mu.Unlock()

		n, err := InvokeBatch(m.hctx, m.batch, events)
		if err != nil && IsPermanent(err) {
			b.log.Error("event bus: skipping event after a permanent error",
				eventAttrs(g.topic.name, g.name, p, events[n], err)...)
			n++
		}
		if n > 0 {
			b.mu.Lock()
			g.next[p] = off + uint64(n)
			b.trimLocked(g.topic, p)
			b.mu.Unlock()
			attempt = 0
		}
		if err == nil || IsPermanent(err) {
			continue
		}
		d := b.opts.Backoff.Delay(attempt)
		attempt++
		b.log.Warn("event bus: handler failed, retrying",
			append(eventAttrs(g.topic.name, g.name, p, events[n], err), "attempt", attempt, "retry_in", d)...)
		// Wake early when the owner leaves: the next owner retries.
		sleep(d, b.stopCtx.Done(), m.ctx.Done())
	}
}

// trimLocked forgets the events of partition p that every group of t has
// handled.
func (b *MemBus) trimLocked(t *memTopic, p int) {
	l := &t.logs[p]
	low := l.end()
	for _, g := range t.groups {
		low = min(low, g.next[p])
	}
	l.dropBefore(low)
}

// runSub delivers a broadcast subscriber's partition p in order, until
// its queue is empty, the subscriber leaves or the bus closes.
func (b *MemBus) runSub(s *memSub, p int) {
	defer b.workers.Done()
	attempt := 0
	for {
		b.mu.Lock()
		q := &s.queues[p]
		if b.closing || s.m.ctx.Err() != nil || len(q.events) == 0 {
			s.active[p] = false
			b.mu.Unlock()
			return
		}
		off, e := q.base, q.events[0]
		b.mu.Unlock()

		err := Invoke(s.m.hctx, s.m.handler, e)
		if err == nil || IsPermanent(err) {
			if err != nil {
				b.log.Error("event bus: skipping event after a permanent error",
					eventAttrs(s.topic.name, "", p, e, err)...)
			}
			b.mu.Lock()
			q.dropBefore(off + 1) // a no-op if overflow dropped it meanwhile
			b.mu.Unlock()
			attempt = 0
			continue
		}
		d := b.opts.Backoff.Delay(attempt)
		attempt++
		b.log.Warn("event bus: handler failed, retrying",
			append(eventAttrs(s.topic.name, "", p, e, err), "attempt", attempt, "retry_in", d)...)
		sleep(d, b.closingCh, s.m.ctx.Done())
	}
}

func eventAttrs(topic, group string, partition int, e Event, err error) []any {
	return []any{
		slog.String("topic", topic), slog.String("group", group), slog.Int("partition", partition),
		slog.String("event_id", e.ID), slog.String("event_type", e.Type), slog.String("key", e.Key),
		slog.Any("err", err),
	}
}
