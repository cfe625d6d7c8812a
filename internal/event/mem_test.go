package event_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/event/eventtest"
)

// testLogger discards the bus's logs unless PARLEY_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("PARLEY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newMem(t *testing.T, opts event.MemOptions) *event.MemBus {
	t.Helper()
	opts.Logger = testLogger()
	b := event.NewMemBus(opts)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestMemBusContract(t *testing.T) {
	t.Parallel()
	// One in-process bus per test: every "instance" shares it.
	var mu sync.Mutex
	buses := map[*testing.T]*event.MemBus{}
	eventtest.Run(t, func(t *testing.T) event.Bus {
		mu.Lock()
		defer mu.Unlock()
		if buses[t] == nil {
			buses[t] = newMem(t, event.MemOptions{})
		}
		return buses[t]
	})
}

func mustNew(t *testing.T, key string, seq int) event.Event {
	t.Helper()
	e, err := event.New("test.mem", key, map[string]int{"seq": seq})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestMemBusPublishFailsWhenAGroupIsTooFarBehind(t *testing.T) {
	t.Parallel()
	b := newMem(t, event.MemOptions{Partitions: 1, MaxBacklog: 3})
	ctx := context.Background()
	release := make(chan struct{})
	defer close(release)
	if err := b.Subscribe(ctx, event.Subscription{Topic: "t", Group: "stuck", Handler: func(context.Context, event.Event) error {
		<-release
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := b.Publish(ctx, "t", mustNew(t, "k", i)); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	err := b.Publish(ctx, "t", mustNew(t, "k", 3))
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("publish beyond the backlog: got %v, want an Unavailable error", err)
	}
}

func TestMemBusKeepsABoundedTailForGroupsThatSubscribeLater(t *testing.T) {
	t.Parallel()
	b := newMem(t, event.MemOptions{Partitions: 1, MaxUnclaimed: 4})
	ctx := context.Background()
	for i := range 10 {
		if err := b.Publish(ctx, "t", mustNew(t, "k", i)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var seqs []int
	if err := b.Subscribe(ctx, event.Subscription{Topic: "t", Group: "late", Handler: func(_ context.Context, e event.Event) error {
		var p struct{ Seq int }
		_ = e.Decode(&p)
		mu.Lock()
		seqs = append(seqs, p.Seq)
		mu.Unlock()
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the retained tail", func() bool { mu.Lock(); defer mu.Unlock(); return len(seqs) >= 4 })
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(seqs) != "[6 7 8 9]" {
		t.Fatalf("late group replayed %v, want the newest four [6 7 8 9]", seqs)
	}
}

func TestMemBusSlowBroadcastSubscriberLosesOldestEvents(t *testing.T) {
	t.Parallel()
	b := newMem(t, event.MemOptions{Partitions: 1, MaxBacklog: 2})
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var seqs []int
	if err := b.Subscribe(ctx, event.Subscription{Topic: "t", Handler: func(_ context.Context, e event.Event) error {
		var p struct{ Seq int }
		_ = e.Decode(&p)
		if p.Seq == 0 {
			close(started)
			<-release
		}
		mu.Lock()
		seqs = append(seqs, p.Seq)
		mu.Unlock()
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "t", mustNew(t, "k", 0)); err != nil {
		t.Fatal(err)
	}
	<-started
	for i := 1; i <= 5; i++ {
		if err := b.Publish(ctx, "t", mustNew(t, "k", i)); err != nil {
			t.Fatalf("publish %d: broadcast subscribers must not hold publishes back: %v", i, err)
		}
	}
	close(release)
	waitFor(t, "the newest events", func() bool { mu.Lock(); defer mu.Unlock(); return len(seqs) >= 3 })
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(seqs) != "[0 4 5]" {
		t.Fatalf("slow subscriber handled %v, want [0 4 5]", seqs)
	}
}

func TestMemBusCloseDrainsWhatGroupsHaveLeft(t *testing.T) {
	t.Parallel()
	b := newMem(t, event.MemOptions{})
	var handled atomic.Int64
	if err := b.Subscribe(context.Background(), event.Subscription{Topic: "t", Group: "g", Handler: func(context.Context, event.Event) error {
		time.Sleep(time.Millisecond)
		handled.Add(1)
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := b.Publish(context.Background(), "t", mustNew(t, fmt.Sprint(i%5), i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := handled.Load(); n != 100 {
		t.Fatalf("Close returned with %d of 100 events handled", n)
	}
	if err := b.Ping(context.Background()); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Ping after Close: got %v, want Unavailable", err)
	}
	if err := b.Subscribe(context.Background(), event.Subscription{Topic: "t", Handler: func(context.Context, event.Event) error { return nil }}); err == nil {
		t.Fatal("Subscribe after Close succeeded")
	}
}

func TestMemBusCloseGivesUpOnAFailingHandlerAfterTheDrainTimeout(t *testing.T) {
	t.Parallel()
	b := newMem(t, event.MemOptions{DrainTimeout: 100 * time.Millisecond})
	if err := b.Subscribe(context.Background(), event.Subscription{Topic: "t", Group: "g", Handler: func(ctx context.Context, _ event.Event) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
			return errors.New("always failing")
		}
	}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(context.Background(), "t", mustNew(t, "k", 0)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = b.Close()
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Close took %v with a 100ms drain timeout", d)
	}
}

func TestMemBusRecoversAPanickingHandlerAndRetriesIt(t *testing.T) {
	t.Parallel()
	b := newMem(t, event.MemOptions{})
	var calls atomic.Int64
	done := make(chan struct{})
	if err := b.Subscribe(context.Background(), event.Subscription{Topic: "t", Group: "g", Handler: func(context.Context, event.Event) error {
		if calls.Add(1) == 1 {
			panic("bug in a handler")
		}
		close(done)
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(context.Background(), "t", mustNew(t, "k", 0)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the event was not retried after the handler panicked")
	}
}

func TestMemBusRejectsPayloadsThatAreNotJSON(t *testing.T) {
	t.Parallel()
	b := newMem(t, event.MemOptions{})
	e := mustNew(t, "k", 0)
	e.Payload = []byte("{not json")
	if err := b.Publish(context.Background(), "t", e); !errs.Is(err, errs.Invalid) {
		t.Fatalf("got %v, want an Invalid error", err)
	}
}

func TestBackoffGrowsToItsCapWithJitter(t *testing.T) {
	t.Parallel()
	b := event.Backoff{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond}
	for attempt, full := range []time.Duration{10, 20, 40, 80, 100, 100, 100} {
		full *= time.Millisecond
		for range 50 {
			if d := b.Delay(attempt); d < full/2 || d > full {
				t.Fatalf("Delay(%d) = %v, want within [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
	if d := (event.Backoff{}).Delay(1000); d > event.DefaultBackoff.Max {
		t.Fatalf("zero Backoff uses the default cap, got %v", d)
	}
}
