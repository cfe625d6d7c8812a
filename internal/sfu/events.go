package sfu

import (
	"context"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"github.com/parleychat/parley/internal/event"
)

// TopicCalls carries call state for the chat sockets (ARCHITECTURE.md §4),
// keyed by group id.
const TopicCalls = "calls"

// Event types on TopicCalls.
const (
	EventCallUpdated = "call.updated"
	EventCallEnded   = "call.ended"
)

// CallUpdated is the payload of call.updated: who is in the call (distinct
// user ids, in order of joining) and since when.
type CallUpdated struct {
	GroupID      string    `json:"groupId"`
	Participants []string  `json:"participants"`
	StartedAt    time.Time `json:"startedAt"`
}

// CallEnded is the payload of call.ended.
type CallEnded struct {
	GroupID string `json:"groupId"`
}

// callEvents publishes the calls topic from one goroutine, so that a
// call's events keep their order, and coalesces what piles up: only a
// call's latest state is published (a burst of joins is one event).
type callEvents struct {
	bus event.Publisher
	log *slog.Logger

	mu      sync.Mutex
	pending map[string]event.Event
	order   []string
	wake    chan struct{}
	stop    chan struct{}
	idle    chan struct{} // closed and replaced when the queue empties
}

// publishAttempts caps the tries of one event; between them the wait
// doubles from 100 ms.
const publishAttempts = 6

func newCallEvents(bus event.Publisher, log *slog.Logger) *callEvents {
	return &callEvents{bus: bus, log: log, pending: map[string]event.Event{}, wake: make(chan struct{}, 1), stop: make(chan struct{}), idle: make(chan struct{})}
}

func (c *callEvents) updated(groupID string, users []string, startedAt time.Time) {
	c.put(groupID, EventCallUpdated, CallUpdated{GroupID: groupID, Participants: users, StartedAt: startedAt})
}

func (c *callEvents) ended(groupID string) {
	c.put(groupID, EventCallEnded, CallEnded{GroupID: groupID})
}

func (c *callEvents) put(groupID, typ string, payload any) {
	e, err := event.New(typ, groupID, payload)
	if err != nil {
		c.log.Error("sfu: encode call event", "err", err)
		return
	}
	c.mu.Lock()
	if _, ok := c.pending[groupID]; !ok {
		c.order = append(c.order, groupID)
	}
	c.pending[groupID] = e
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *callEvents) next() (event.Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.order) == 0 {
		close(c.idle)
		c.idle = make(chan struct{})
		return event.Event{}, false
	}
	id := c.order[0]
	c.order = c.order[1:]
	e := c.pending[id]
	delete(c.pending, id)
	return e, true
}

func (c *callEvents) run() {
	for {
		for {
			e, ok := c.next()
			if !ok {
				break
			}
			c.publish(e)
		}
		select {
		case <-c.wake:
		case <-c.stop:
			return
		}
	}
}

func (c *callEvents) publish(e event.Event) {
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.bus.Publish(ctx, TopicCalls, e)
		cancel()
		if err == nil {
			return
		}
		if attempt == publishAttempts {
			c.log.Error("sfu: call event lost after retries", "type", e.Type, "group", e.Key, "err", err)
			return
		}
		select {
		case <-time.After(wait):
		case <-c.stop:
			return
		}
		wait *= 2
	}
}

// flush waits until what is queued is published, or ctx is done, then
// stops the publisher.
func (c *callEvents) flush(ctx context.Context) {
	c.mu.Lock()
	empty := len(c.order) == 0
	idle := c.idle
	c.mu.Unlock()
	if !empty {
		select {
		case <-idle:
		case <-ctx.Done():
		}
	}
	close(c.stop)
}

// cpuMeter measures the process's CPU use between samples, as a fraction
// of one core.
type cpuMeter struct {
	last     time.Time
	lastUsed time.Duration
}

func newCPUMeter() *cpuMeter {
	return &cpuMeter{last: time.Now(), lastUsed: cpuUsed()}
}

func (m *cpuMeter) sample() float64 {
	now, used := time.Now(), cpuUsed()
	el := now.Sub(m.last)
	frac := 0.0
	if el > 0 {
		frac = float64(used-m.lastUsed) / float64(el)
	}
	m.last, m.lastUsed = now, used
	return frac
}

func cpuUsed() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
