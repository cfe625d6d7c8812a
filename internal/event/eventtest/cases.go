package eventtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
)

func testRoundTrip(t *testing.T, newBus NewBus) {
	b := newBus(t)
	ctx := testContext(t)
	topic := unique("roundtrip-")
	var inGroup, inBroadcast recorder
	subscribe(t, ctx, b, topic, unique("g-"), inGroup.handle)
	subscribe(t, ctx, b, topic, "", inBroadcast.handle)

	want := []event.Event{
		{
			ID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Type: "test.round_trip", Key: "group-1",
			OccurredAt: time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC),
			Payload:    json.RawMessage(`{"text":"héllo <b>&</b> 👋","n":1.5,"nested":{"list":[1,"two",null,true]}}`),
		},
		{
			ID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", Type: "test.other", Key: "user-2",
			OccurredAt: time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC),
			Payload:    json.RawMessage(`[]`),
		},
	}
	publish(t, b, topic, want...)

	for name, r := range map[string]*recorder{"group subscriber": &inGroup, "broadcast subscriber": &inBroadcast} {
		eventually(t, name+" to get both events", func() bool { return r.len() >= len(want) })
		got := r.snapshot()
		if len(got) != len(want) {
			t.Fatalf("%s got %d events, want %d", name, len(got), len(want))
		}
		for _, w := range want {
			i := slices.IndexFunc(got, func(e event.Event) bool { return e.ID == w.ID })
			if i < 0 {
				t.Fatalf("%s never got event %s", name, w.ID)
			}
			g := got[i]
			if g.Type != w.Type || g.Key != w.Key || !g.OccurredAt.Equal(w.OccurredAt) || !jsonEqual(g.Payload, w.Payload) {
				t.Errorf("%s got\n  %s\nwant\n  %s", name, describe(g), describe(w))
			}
		}
	}
}

func testInvalid(t *testing.T, newBus NewBus) {
	b := newBus(t)
	ctx := testContext(t)
	h := func(context.Context, event.Event) error { return nil }
	if err := b.Subscribe(ctx, event.Subscription{Group: "g", Handler: h}); err == nil {
		t.Error("Subscribe without a topic succeeded")
	}
	if err := b.Subscribe(ctx, event.Subscription{Topic: unique("invalid-")}); err == nil {
		t.Error("Subscribe without a handler succeeded")
	}
	if err := b.Publish(ctx, "", newEvent(t, "test.invalid", "k", 0)); err == nil {
		t.Error("Publish without a topic succeeded")
	}
	if err := b.Ping(ctx); err != nil {
		t.Errorf("Ping on an open bus: %v", err)
	}
}

func testGroupSharesWork(t *testing.T, newBus NewBus) {
	b1, b2 := newBus(t), newBus(t)
	ctx := testContext(t)
	topic, group := unique("share-"), unique("g-")
	var r1, r2 recorder
	subscribe(t, ctx, b1, topic, group, r1.handle)
	subscribe(t, ctx, b2, topic, group, r2.handle)

	// Distributed members may take a moment to be given partitions, so
	// publish in rounds until both have worked.
	published := map[string]bool{}
	deadline := time.Now().Add(Wait)
	for round := 0; r1.len() == 0 || r2.len() == 0; round++ {
		if time.Now().After(deadline) {
			t.Fatalf("after %d rounds, member 1 handled %d events and member 2 %d: the group did not share the work",
				round, r1.len(), r2.len())
		}
		var batch []event.Event
		for k := range 32 {
			e := newEvent(t, "test.share", fmt.Sprintf("key-%d", k), round)
			batch = append(batch, e)
			published[e.ID] = true
		}
		publish(t, []event.Bus{b1, b2}[round%2], topic, batch...)
		time.Sleep(50 * time.Millisecond)
	}
	eventually(t, "every event to be handled", func() bool { return r1.len()+r2.len() >= len(published) })
	time.Sleep(200 * time.Millisecond) // let a stray duplicate show up

	s1, s2 := idSet(t, "member 1", r1.snapshot()), idSet(t, "member 2", r2.snapshot())
	for id := range s1 {
		if s2[id] {
			t.Errorf("event %s was handled by both members", id)
		}
	}
	if n := len(s1) + len(s2); n != len(published) {
		t.Errorf("members handled %d events, %d were published", n, len(published))
	}
}

func testBroadcastSeesAll(t *testing.T, newBus NewBus) {
	b1, b2 := newBus(t), newBus(t)
	ctx := testContext(t)
	topic := unique("bcast-")
	var r1, r2 recorder
	subscribe(t, ctx, b1, topic, "", r1.handle)
	subscribe(t, ctx, b2, topic, "", r2.handle)

	var events []event.Event
	for i := range 40 {
		events = append(events, newEvent(t, "test.broadcast", fmt.Sprintf("key-%d", i%8), i))
	}
	publish(t, b1, topic, events[:20]...)
	publish(t, b2, topic, events[20:]...)

	for name, r := range map[string]*recorder{"subscriber 1": &r1, "subscriber 2": &r2} {
		eventually(t, name+" to see all 40 events", func() bool { return r.len() >= len(events) })
		got := idSet(t, name, r.snapshot())
		for _, e := range events {
			if !got[e.ID] {
				t.Errorf("%s never saw event %s", name, e.ID)
			}
		}
	}
}

func testBroadcastStartsAtSubscribe(t *testing.T, newBus NewBus) {
	b := newBus(t)
	ctx := testContext(t)
	topic := unique("bstart-")
	var before, after []event.Event
	for k := range 8 {
		before = append(before, newEvent(t, "test.before", fmt.Sprintf("key-%d", k), 0))
		after = append(after, newEvent(t, "test.after", fmt.Sprintf("key-%d", k), 1))
	}
	publish(t, b, topic, before...)

	var r recorder
	subscribe(t, ctx, b, topic, "", r.handle)
	publish(t, b, topic, after...)

	// Same keys: had an earlier event been delivered, it would come first.
	eventually(t, "the events published after Subscribe", func() bool { return r.len() >= len(after) })
	for _, e := range before {
		if r.has(e.ID) {
			t.Errorf("broadcast subscriber saw event %s published before it subscribed", e.ID)
		}
	}
}

// keyedSeqs records, per key, the sequence numbers handled, in order.
type keyedSeqs struct {
	mu   sync.Mutex
	seqs map[string][]int
	n    int
}

func (k *keyedSeqs) handler(t *testing.T) event.Handler {
	return func(_ context.Context, e event.Event) error {
		var p seqPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			t.Errorf("payload of %s: %v", e.ID, err)
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.seqs == nil {
			k.seqs = map[string][]int{}
		}
		k.seqs[e.Key] = append(k.seqs[e.Key], p.Seq)
		k.n++
		return nil
	}
}

func (k *keyedSeqs) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n
}

func testPerKeyOrder(t *testing.T, newBus NewBus) {
	b1, b2 := newBus(t), newBus(t)
	ctx := testContext(t)
	topic := unique("order-")
	const keys, perKey = 20, 25
	var inGroup, inBroadcast keyedSeqs
	subscribe(t, ctx, b1, topic, unique("g-"), inGroup.handler(t))
	subscribe(t, ctx, b2, topic, "", inBroadcast.handler(t))

	// Each key's events are published in order, in batches of 1 to 5,
	// while the other keys publish concurrently through two buses.
	batches := make([][][]event.Event, keys)
	for k := range keys {
		for seq := 0; seq < perKey; {
			batch := make([]event.Event, min(1+(seq+k)%5, perKey-seq))
			for i := range batch {
				batch[i] = newEvent(t, "test.order", fmt.Sprintf("key-%d", k), seq+i)
			}
			batches[k] = append(batches[k], batch)
			seq += len(batch)
		}
	}
	var wg sync.WaitGroup
	for k := range keys {
		wg.Go(func() {
			bus := []event.Bus{b1, b2}[k%2]
			for _, batch := range batches[k] {
				if err := bus.Publish(ctx, topic, batch...); err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()

	want := make([]int, perKey)
	for i := range want {
		want[i] = i
	}
	for name, r := range map[string]*keyedSeqs{"group subscriber": &inGroup, "broadcast subscriber": &inBroadcast} {
		eventually(t, name+" to handle every event", func() bool { return r.count() >= keys*perKey })
		r.mu.Lock()
		for k := range keys {
			key := fmt.Sprintf("key-%d", k)
			if got := r.seqs[key]; !slices.Equal(got, want) {
				t.Errorf("%s handled %s in the order %v, want %v", name, key, got, want)
			}
		}
		r.mu.Unlock()
	}
}

// attemptLog is a handler that records every attempt, in order, and fails
// according to fail.
type attemptLog struct {
	mu       sync.Mutex
	attempts []string
	fail     func(id string, attempt int) error
	count    map[string]int
}

func (a *attemptLog) handle(_ context.Context, e event.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.count == nil {
		a.count = map[string]int{}
	}
	a.count[e.ID]++
	a.attempts = append(a.attempts, e.ID)
	return a.fail(e.ID, a.count[e.ID])
}

func (a *attemptLog) snapshot() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.attempts...)
}

// modes runs f as a consumer group and as a broadcast subscriber.
func modes(t *testing.T, newBus NewBus, f func(t *testing.T, b event.Bus, group string)) {
	for _, m := range []struct{ name, group string }{{"group", unique("g-")}, {"broadcast", ""}} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f(t, newBus(t), m.group)
		})
	}
}

func testRetryKeepsOrder(t *testing.T, newBus NewBus) {
	modes(t, newBus, func(t *testing.T, b event.Bus, group string) {
		topic := unique("retry-")
		first := newEvent(t, "test.retry", "key-1", 1)
		second := newEvent(t, "test.retry", "key-1", 2)
		log := &attemptLog{fail: func(id string, attempt int) error {
			if id == first.ID && attempt <= 2 {
				return errors.New("transient failure")
			}
			return nil
		}}
		subscribe(t, testContext(t), b, topic, group, log.handle)
		publish(t, b, topic, first, second)

		want := []string{first.ID, first.ID, first.ID, second.ID}
		eventually(t, "the second event to be handled", func() bool { return len(log.snapshot()) >= len(want) })
		time.Sleep(50 * time.Millisecond)
		if got := log.snapshot(); !slices.Equal(got, want) {
			t.Errorf("attempts %v, want %v (first fails twice, then succeeds, then second)", got, want)
		}
	})
}

func testPermanentSkips(t *testing.T, newBus NewBus) {
	modes(t, newBus, func(t *testing.T, b event.Bus, group string) {
		topic := unique("perm-")
		bad := newEvent(t, "test.bad", "key-1", 1)
		good := newEvent(t, "test.good", "key-1", 2)
		log := &attemptLog{fail: func(id string, _ int) error {
			if id == bad.ID {
				return event.Permanent(errors.New("cannot ever handle this"))
			}
			return nil
		}}
		subscribe(t, testContext(t), b, topic, group, log.handle)
		publish(t, b, topic, bad, good)

		want := []string{bad.ID, good.ID}
		eventually(t, "the event after the bad one to be handled", func() bool { return len(log.snapshot()) >= len(want) })
		time.Sleep(50 * time.Millisecond)
		if got := log.snapshot(); !slices.Equal(got, want) {
			t.Errorf("attempts %v, want %v (the bad event once, then the good one)", got, want)
		}
	})
}

func testNewGroupReplays(t *testing.T, newBus NewBus) {
	b := newBus(t)
	topic := unique("replay-")
	var events []event.Event
	for i := range 10 {
		events = append(events, newEvent(t, "test.replay", fmt.Sprintf("key-%d", i%3), i))
	}
	publish(t, b, topic, events...)

	var r recorder
	subscribe(t, testContext(t), b, topic, unique("late-"), r.handle)
	eventually(t, "the new group to replay all 10 events", func() bool { return r.len() >= len(events) })
	got := r.snapshot()
	for k := range 3 {
		var seqs, want []int
		for _, e := range got {
			if e.Key == fmt.Sprintf("key-%d", k) {
				seqs = append(seqs, seqOf(t, e))
			}
		}
		for i := k; i < 10; i += 3 {
			want = append(want, i)
		}
		if !slices.Equal(seqs, want) {
			t.Errorf("key-%d replayed as %v, want %v", k, seqs, want)
		}
	}
}

func testCloseWaitsForHandler(t *testing.T, newBus NewBus) {
	b := newBus(t)
	topic := unique("close-")
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var finished atomic.Bool
	subscribe(t, testContext(t), b, topic, unique("g-"), func(context.Context, event.Event) error {
		once.Do(func() { close(started) })
		<-release
		finished.Store(true)
		return nil
	})
	publish(t, b, topic, newEvent(t, "test.close", "key-1", 1))

	select {
	case <-started:
	case <-time.After(Wait):
		t.Fatal("the handler never started")
	}
	closed := make(chan error, 1)
	go func() { closed <- b.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a handler was in progress", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
		if !finished.Load() {
			t.Error("Close returned before the handler in progress finished")
		}
	case <-time.After(Wait):
		t.Fatal("Close did not return after the handler finished")
	}
	if err := b.Publish(testContext(t), topic, newEvent(t, "test.close", "key-1", 2)); err == nil {
		t.Error("Publish on a closed bus succeeded")
	}
}

func testCancelledSubscriberStops(t *testing.T, newBus NewBus) {
	t.Run("broadcast", func(t *testing.T) {
		t.Parallel()
		b := newBus(t)
		topic := unique("cancel-")
		ctxA, cancelA := context.WithCancel(testContext(t))
		var rA, rB recorder
		subscribe(t, ctxA, b, topic, "", rA.handle)
		subscribe(t, testContext(t), b, topic, "", rB.handle)

		e1 := newEvent(t, "test.cancel", "key-1", 1)
		publish(t, b, topic, e1)
		eventually(t, "both subscribers to see the first event", func() bool { return rA.has(e1.ID) && rB.has(e1.ID) })
		cancelA()
		e2 := newEvent(t, "test.cancel", "key-1", 2)
		publish(t, b, topic, e2)
		eventually(t, "the live subscriber to see the second event", func() bool { return rB.has(e2.ID) })
		time.Sleep(100 * time.Millisecond)
		if rA.has(e2.ID) {
			t.Error("the cancelled subscriber received an event published after its context was cancelled")
		}
	})
	t.Run("group", func(t *testing.T) {
		t.Parallel()
		b1, b2 := newBus(t), newBus(t)
		topic, group := unique("cancel-"), unique("g-")
		ctxA, cancelA := context.WithCancel(testContext(t))
		var rA, rB recorder
		subscribe(t, ctxA, b1, topic, group, rA.handle)
		subscribe(t, testContext(t), b2, topic, group, rB.handle)

		batch := func(seq int) []event.Event {
			var out []event.Event
			for k := range 32 {
				out = append(out, newEvent(t, "test.cancel", fmt.Sprintf("key-%d", k), seq))
			}
			return out
		}
		first := batch(1)
		publish(t, b1, topic, first...)
		eventually(t, "the first batch to be handled", func() bool {
			for _, e := range first {
				if !rA.has(e.ID) && !rB.has(e.ID) {
					return false
				}
			}
			return true
		})
		cancelA()
		second := batch(2)
		publish(t, b1, topic, second...)
		eventually(t, "the remaining member to handle the whole second batch", func() bool {
			for _, e := range second {
				if !rB.has(e.ID) {
					return false
				}
			}
			return true
		})
		for _, e := range second {
			if rA.has(e.ID) {
				t.Errorf("the cancelled member handled event %s published after its context was cancelled", e.ID)
			}
		}
	})
}

// testBatchHandler: a consumer group with a BatchHandler is handed the
// waiting events of a partition together (never more than MaxBatch), in
// order; after a transient failure in the middle of a batch it is handed
// the failed event again, never the ones it acknowledged before it; a
// permanent failure skips just that event.
func testBatchHandler(t *testing.T, newBus NewBus) {
	b := newBus(t)
	topic := unique("batch-")
	const n, failAt, skipAt = 300, 150, 200
	var events []event.Event
	for i := 1; i <= n; i++ {
		events = append(events, newEvent(t, "test.batch", "key-1", i))
	}
	published := make(chan struct{})
	var mu sync.Mutex
	var sizes, handled []int
	failed := false
	h := func(_ context.Context, batch []event.Event) (int, error) {
		<-published // let the others queue up behind the first
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, len(batch))
		for i, e := range batch {
			seq := seqOf(t, e)
			if seq == failAt && !failed {
				failed = true
				return i, errors.New("transient failure")
			}
			if seq == skipAt {
				return i, event.Permanent(errors.New("cannot ever handle this"))
			}
			handled = append(handled, seq)
		}
		return len(batch), nil
	}
	if err := b.Subscribe(testContext(t), event.Subscription{Topic: topic, Group: unique("g-"), Batch: h}); err != nil {
		t.Fatal(err)
	}
	publish(t, b, topic, events...)
	close(published)
	eventually(t, "every event to be handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(handled) >= n-1
	})
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	var want []int
	for i := 1; i <= n; i++ {
		if i != skipAt {
			want = append(want, i)
		}
	}
	if !slices.Equal(handled, want) {
		t.Fatalf("handled %v, want 1…%d without %d, each once, in order", handled, n, skipAt)
	}
	if slices.Max(sizes) > event.MaxBatch || slices.Max(sizes) < 2 {
		t.Fatalf("batch sizes %v: want waiting events together, at most %d", sizes, event.MaxBatch)
	}
}
