package outbox_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// delivery is one event as a publisher received it.
type delivery struct {
	topic string
	event event.Event
}

// recorder is a hand-written event.Publisher that keeps what it receives.
// failIf, when set, decides per call (counted from 1) whether the call
// fails without recording anything; after runs once a call has recorded
// its events, before Publish returns.
type recorder struct {
	failIf func(call int) error
	// failEvent, when set, decides per event whether a call fails.
	failEvent func(e event.Event) error
	after     func()
	gate      *gate

	mu    sync.Mutex
	calls int
	got   []delivery
}

var _ event.Publisher = (*recorder)(nil)

var errBusDown = errors.New("bus unavailable")

func (r *recorder) Publish(ctx context.Context, topic string, events ...event.Event) error {
	if r.gate != nil {
		r.gate.enter()
		defer r.gate.leave()
	}
	r.mu.Lock()
	r.calls++
	call := r.calls
	r.mu.Unlock()
	if r.failIf != nil {
		if err := r.failIf(call); err != nil {
			return err
		}
	}
	if r.failEvent != nil {
		for _, e := range events {
			if err := r.failEvent(e); err != nil {
				return err
			}
		}
	}
	r.mu.Lock()
	for _, e := range events {
		r.got = append(r.got, delivery{topic, e})
	}
	r.mu.Unlock()
	if r.after != nil {
		r.after()
	}
	return nil
}

func (r *recorder) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *recorder) ids() []string {
	var ids []string
	for _, d := range r.deliveries() {
		ids = append(ids, d.event.ID)
	}
	return ids
}

func (r *recorder) callCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// gate detects publishers that run at the same time.
type gate struct{ active, overlaps atomic.Int32 }

func (g *gate) enter() {
	if g.active.Add(1) > 1 {
		g.overlaps.Add(1)
	}
	time.Sleep(2 * time.Millisecond) // widen the window an overlap would need
}

func (g *gate) leave() { g.active.Add(-1) }

// dedupe returns ids without repeats, each at its first position: what a
// consumer that deduplicates by event id processes.
func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// migrated returns db with the outbox tables.
func migrated(t *testing.T, db *sqlstore.DB) *sqlstore.DB {
	t.Helper()
	if err := outbox.Migrate(platformtest.Context(t), db); err != nil {
		t.Fatalf("outbox.Migrate: %v", err)
	}
	return db
}

// newEvents makes n events of one key, numbered from first.
func newEvents(t *testing.T, key string, first, n int) []event.Event {
	t.Helper()
	var evs []event.Event
	for i := first; i < first+n; i++ {
		e, err := event.New("test.numbered", key, map[string]any{"n": i, "text": "héllo 👋"})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	return evs
}

// commit adds events to topic in one committed transaction.
func commit(t *testing.T, db *sqlstore.DB, topic string, evs ...event.Event) {
	t.Helper()
	ctx := context.Background()
	if err := sqlstore.InTx(ctx, db, func(tx *sql.Tx) error { return outbox.Add(ctx, tx, topic, evs...) }); err != nil {
		t.Errorf("commit %d events: %v", len(evs), err)
	}
}

func idsOf(evs []event.Event) []string {
	var ids []string
	for _, e := range evs {
		ids = append(ids, e.ID)
	}
	return ids
}

// waitUntil polls cond until it holds or d passes.
func waitUntil(t *testing.T, d time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: "+format, append([]any{d}, args...)...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waiting(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM outbox").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// running is a relay started in the background.
type running struct {
	relay  *outbox.Relay
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// start runs a relay until stop or the end of the test.
func start(t *testing.T, db *sqlstore.DB, pub event.Publisher, opts outbox.Options) *running {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "test"
	}
	if opts.Logger == nil && testing.Verbose() {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{relay: outbox.NewRelay(db, pub, opts), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- r.relay.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the relay and waits for Run to return.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.once.Do(func() {
		r.cancel()
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return 10 s after its context was cancelled")
		}
	})
}

func TestMigrateIsRepeatable(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		migrated(t, db)
		got, err := sqlstore.Applied(platformtest.Context(t), db, outbox.Source)
		if err != nil || !slices.Equal(got, []int{1, 2}) {
			t.Fatalf("Applied = %v, %v; want [1 2]", got, err)
		}
	})
}

func TestAddRejectsEventsThatCouldNeverBePublished(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		ctx := platformtest.Context(t)
		good := newEvents(t, "k", 0, 1)[0]
		commit(t, db, "things", good)
		for _, tc := range []struct {
			name  string
			topic string
			event func(e event.Event) event.Event
			want  string
		}{
			{"no topic", "", func(e event.Event) event.Event { return e }, "topic"},
			{"no id", "things", func(e event.Event) event.Event { e.ID = ""; return e }, "event id"},
			{"long id", "things", func(e event.Event) event.Event { e.ID = strings.Repeat("x", 65); return e }, "event id"},
			{"no type", "things", func(e event.Event) event.Event { e.Type = ""; return e }, "type"},
			{"payload not JSON", "things", func(e event.Event) event.Event { e.Payload = json.RawMessage("{nope"); return e }, "JSON"},
			{"id already waiting", "things", func(e event.Event) event.Event { e.ID = good.ID; return e }, "already in the outbox"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := tc.event(newEvents(t, "k", 1, 1)[0])
				err := sqlstore.InTx(ctx, db, func(tx *sql.Tx) error { return outbox.Add(ctx, tx, tc.topic, e) })
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Add = %v, want an error about %q", err, tc.want)
				}
			})
		}
		if n := waiting(t, db); n != 1 {
			t.Fatalf("%d events waiting, want only the good one", n)
		}
	})
}

func TestAddedEventIsPublishedIntactAfterCommit(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		rec := &recorder{}
		start(t, db, rec, outbox.Options{PollInterval: 20 * time.Millisecond})

		sent := newEvents(t, "group-1", 0, 1)[0]
		sent.OccurredAt = time.Date(2025, 6, 1, 12, 30, 45, 123456789, time.FixedZone("CEST", 2*3600))
		empty := event.Event{ID: "no-payload-event", Type: "test.empty", Key: "group-1"}
		commit(t, db, "groups", sent, empty)
		waitUntil(t, 5*time.Second, func() bool { return len(rec.deliveries()) >= 2 }, "events not published")

		got := rec.deliveries()
		if len(got) != 2 || got[0].topic != "groups" || got[1].topic != "groups" {
			t.Fatalf("published %+v, want both events on topic groups", got)
		}
		e := got[0].event
		if e.ID != sent.ID || e.Type != sent.Type || e.Key != sent.Key || string(e.Payload) != string(sent.Payload) {
			t.Errorf("published %+v, want %+v", e, sent)
		}
		if want := sqlstore.Time(sent.OccurredAt); !e.OccurredAt.Equal(want) || e.OccurredAt.Location() != time.UTC {
			t.Errorf("OccurredAt = %v, want %v", e.OccurredAt, want)
		}
		if e := got[1].event; e.ID != empty.ID || e.Payload != nil || e.OccurredAt.IsZero() {
			t.Errorf("event without payload published as %+v", e)
		}
		waitUntil(t, 5*time.Second, func() bool { return waiting(t, db) == 0 }, "published events still in the outbox")
	})
}

func TestRolledBackTransactionPublishesNothing(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		ctx := platformtest.Context(t)
		rec := &recorder{}
		start(t, db, rec, outbox.Options{PollInterval: 20 * time.Millisecond})

		undone := newEvents(t, "k", 0, 3)
		err := sqlstore.InTx(ctx, db, func(tx *sql.Tx) error {
			if err := outbox.Add(ctx, tx, "things", undone...); err != nil {
				return err
			}
			return errors.New("the change failed")
		})
		if err == nil {
			t.Fatal("InTx succeeded")
		}
		marker := newEvents(t, "k", 3, 1)
		commit(t, db, "things", marker...)
		// Events leave in order: once the later marker is out, anything
		// committed before it would be out too.
		waitUntil(t, 5*time.Second, func() bool { return len(rec.ids()) > 0 }, "marker not published")
		if got := rec.ids(); !slices.Equal(got, idsOf(marker)) {
			t.Fatalf("published %v, want only the marker %v", got, idsOf(marker))
		}
	})
}

// fmtIDs shortens a list of ids for failure messages.
func fmtIDs(ids []string) string {
	if len(ids) > 6 {
		return fmt.Sprintf("%v … (%d ids)", ids[:6], len(ids))
	}
	return fmt.Sprint(ids)
}
