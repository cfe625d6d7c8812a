// Package eventtest is the contract suite of the event bus port: the
// behaviour every event.Bus implementation (the memory bus, kafkabus)
// must show, written once and run by each implementation's tests.
package eventtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
)

// Wait bounds how long a case waits for something that should happen.
// It is generous because distributed consumer groups take seconds to
// rebalance; cases finish as soon as what they wait for happened.
const Wait = 30 * time.Second

// NewBus returns a bus for the test. Every call within one test must return
// a bus attached to the same backend (the same broker and topic prefix;
// for the memory bus, the same *MemBus), so that a case can model several
// instances of a role. NewBus arranges (with t.Cleanup) for what it opened
// to be closed; a case may also Close a bus itself, so Close must be
// idempotent.
type NewBus func(t *testing.T) event.Bus

// Run runs every case of the contract against the buses newBus returns.
// Cases run in parallel, each on its own topics and groups.
func Run(t *testing.T, newBus NewBus) {
	cases := []struct {
		name string
		run  func(*testing.T, NewBus)
	}{
		{"round trip keeps every envelope field", testRoundTrip},
		{"invalid subscriptions and publishes are refused", testInvalid},
		{"consumer group members share the work and handle each event once", testGroupSharesWork},
		{"broadcast subscribers each see every event", testBroadcastSeesAll},
		{"broadcast sees nothing published before Subscribe", testBroadcastStartsAtSubscribe},
		{"per-key order holds across many keys and hundreds of events", testPerKeyOrder},
		{"a failing handler is retried and no later event of its key overtakes it", testRetryKeepsOrder},
		{"a permanent error skips the event and delivery goes on", testPermanentSkips},
		{"a new consumer group replays from the oldest event", testNewGroupReplays},
		{"Close waits for a handler in progress", testCloseWaitsForHandler},
		{"a subscriber whose context is cancelled receives nothing more", testCancelledSubscriberStops},
		{"a batch handler gets waiting events together, retried from the first it did not handle", testBatchHandler},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newBus)
		})
	}
}

// unique returns prefix followed by random hex, for topic and group names
// that never collide between cases or runs.
func unique(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// testContext returns a context cancelled when the test ends.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

type seqPayload struct {
	Seq int `json:"seq"`
}

func newEvent(t *testing.T, typ, key string, seq int) event.Event {
	t.Helper()
	e, err := event.New(typ, key, seqPayload{Seq: seq})
	if err != nil {
		t.Fatalf("event.New: %v", err)
	}
	return e
}

func seqOf(t *testing.T, e event.Event) int {
	t.Helper()
	var p seqPayload
	if err := e.Decode(&p); err != nil {
		t.Fatalf("decode payload of %s: %v", e.ID, err)
	}
	return p.Seq
}

func publish(t *testing.T, b event.Bus, topic string, events ...event.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(testContext(t), Wait)
	defer cancel()
	if err := b.Publish(ctx, topic, events...); err != nil {
		t.Fatalf("Publish to %s: %v", topic, err)
	}
}

func subscribe(t *testing.T, ctx context.Context, b event.Bus, topic, group string, h event.Handler) {
	t.Helper()
	if err := b.Subscribe(ctx, event.Subscription{Topic: topic, Group: group, Handler: h}); err != nil {
		t.Fatalf("Subscribe(topic %s, group %q): %v", topic, group, err)
	}
}

// recorder is a handler that records every event it is given.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) handle(_ context.Context, e event.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) snapshot() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event.Event(nil), r.events...)
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// has reports whether the recorder saw an event with this id.
func (r *recorder) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.ID == id {
			return true
		}
	}
	return false
}

// eventually fails the test unless cond becomes true within Wait.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", Wait, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ids returns the set of the events' ids and fails on duplicates.
func idSet(t *testing.T, who string, events []event.Event) map[string]bool {
	t.Helper()
	set := make(map[string]bool, len(events))
	for _, e := range events {
		if set[e.ID] {
			t.Errorf("%s handled event %s more than once", who, e.ID)
		}
		set[e.ID] = true
	}
	return set
}

// jsonEqual reports whether a and b are the same JSON value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// describe formats an event for failure messages.
func describe(e event.Event) string {
	return fmt.Sprintf("{id %s, type %s, key %s, occurredAt %s, payload %s}",
		e.ID, e.Type, e.Key, e.OccurredAt.Format(time.RFC3339Nano), e.Payload)
}
