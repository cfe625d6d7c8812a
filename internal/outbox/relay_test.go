package outbox_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

func TestNotifyPublishesWithoutWaitingForThePoll(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		rec := &recorder{}
		// Neither a poll nor a lease renewal wakes the relay during the test.
		r := start(t, db, rec, outbox.Options{PollInterval: time.Hour, LeaseTTL: time.Minute})

		first := newEvents(t, "k", 0, 1)
		commit(t, db, "things", first...)
		r.relay.Notify()
		waitUntil(t, 5*time.Second, func() bool { return len(rec.ids()) == 1 }, "first event not published")
		// Let a wake-up left over from the start be used up.
		time.Sleep(200 * time.Millisecond)

		// The relay now sleeps: only Notify can make it publish quickly.
		second := newEvents(t, "k", 1, 1)
		commit(t, db, "things", second...)
		began := time.Now()
		r.relay.Notify()
		waitUntil(t, time.Second, func() bool { return len(rec.ids()) == 2 }, "notified event not published")
		t.Logf("published %v after Notify", time.Since(began))
		time.Sleep(200 * time.Millisecond)

		third := newEvents(t, "k", 2, 1)
		commit(t, db, "things", third...)
		time.Sleep(300 * time.Millisecond)
		if n := len(rec.ids()); n != 2 {
			t.Fatalf("an event was published without Notify before the poll interval (%d published)", n)
		}
	})
}

func TestEventsCommittedWhileNothingPublishesArriveInOrderAfterRestart(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		var want []string

		// The bus is down: the relay runs but every publish fails.
		down := &recorder{failIf: func(int) error { return errBusDown }}
		r := start(t, db, down, outbox.Options{PollInterval: 10 * time.Millisecond, BatchSize: 4})
		for i := range 5 {
			evs := newEvents(t, "k", i*3, 3)
			commit(t, db, "things", evs...)
			want = append(want, idsOf(evs)...)
			r.relay.Notify()
		}
		waitUntil(t, 5*time.Second, func() bool { return down.callCount() >= 3 }, "the relay did not retry the failing bus")
		r.stop(t) // the process "crashes"

		// More commits while no relay runs at all.
		evs := newEvents(t, "k", 15, 10)
		commit(t, db, "other-things", evs...)
		want = append(want, idsOf(evs)...)

		// A fresh relay (a restarted process) publishes everything, in order.
		rec := &recorder{}
		start(t, sqlstoretest.Reopen(t, db), rec, outbox.Options{PollInterval: 10 * time.Millisecond, BatchSize: 4})
		waitUntil(t, 10*time.Second, func() bool { return len(dedupe(rec.ids())) == len(want) },
			"published %d of %d events", len(dedupe(rec.ids())), len(want))
		if got := dedupe(rec.ids()); !slices.Equal(got, want) {
			t.Fatalf("published %s\nwant        %s", fmtIDs(got), fmtIDs(want))
		}
		for _, d := range rec.deliveries()[:15] {
			if d.topic != "things" {
				t.Fatalf("event %s published to %q, want things", d.event.ID, d.topic)
			}
		}
		waitUntil(t, 5*time.Second, func() bool { return waiting(t, db) == 0 }, "published events still in the outbox")
	})
}

func TestRelayKilledBetweenPublishAndDeleteRepublishes(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		const ttl = time.Second
		opts := outbox.Options{PollInterval: 10 * time.Millisecond, LeaseTTL: ttl}

		// The first instance dies (its database connections vanish) right
		// after the bus accepted the events, before it can delete them.
		dbA := sqlstoretest.Reopen(t, db)
		first := &recorder{}
		first.after = func() { dbA.Close() }
		a := start(t, dbA, first, opts)

		evs := newEvents(t, "k", 0, 5)
		commit(t, db, "things", evs...)
		a.relay.Notify()
		waitUntil(t, 5*time.Second, func() bool { return len(first.ids()) == 5 }, "first instance did not publish")
		a.stop(t)
		if n := waiting(t, db); n != 5 {
			t.Fatalf("%d events waiting after the crash, want all 5 (not deleted)", n)
		}

		// The restarted instance takes over once the dead one's lease
		// expires, and publishes the same events again.
		second := &recorder{}
		start(t, db, second, opts)
		waitUntil(t, ttl+5*time.Second, func() bool { return len(second.ids()) == 5 }, "second instance did not republish")

		all := append(first.ids(), second.ids()...)
		if len(all) != 10 {
			t.Fatalf("%d deliveries, want each of 5 events twice", len(all))
		}
		// A consumer that deduplicates by event id sees each event once, in order.
		if got := dedupe(all); !slices.Equal(got, idsOf(evs)) {
			t.Fatalf("deduplicated %v, want %v", got, idsOf(evs))
		}
		waitUntil(t, 5*time.Second, func() bool { return waiting(t, db) == 0 }, "republished events still in the outbox")
	})
}

func TestTwoRelaysNeverPublishAtTheSameTime(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		g := &gate{}
		a, b := &recorder{gate: g}, &recorder{gate: g}
		opts := outbox.Options{PollInterval: 5 * time.Millisecond, BatchSize: 3}
		ra := start(t, sqlstoretest.Reopen(t, db), a, opts)
		rb := start(t, sqlstoretest.Reopen(t, db), b, opts)

		var want []string
		for i := range 20 {
			evs := newEvents(t, "k", i*4, 4)
			commit(t, db, "things", evs...)
			want = append(want, idsOf(evs)...)
			ra.relay.Notify()
			rb.relay.Notify()
		}
		all := func() []string { return append(a.ids(), b.ids()...) }
		waitUntil(t, 10*time.Second, func() bool { return len(all()) >= len(want) }, "published %d of %d", len(all()), len(want))

		if n := g.overlaps.Load(); n != 0 {
			t.Fatalf("two relays published at the same time %d times", n)
		}
		na, nb := len(a.ids()), len(b.ids())
		if na*nb != 0 {
			t.Fatalf("both relays published (%d and %d events), want one leader", na, nb)
		}
		if got := all(); !slices.Equal(got, want) {
			t.Fatalf("published %s\nwant        %s", fmtIDs(got), fmtIDs(want))
		}
	})
}

// leaderOf commits one event and reports which of the recorders received
// it, and its index.
func leaderOf(t *testing.T, db *sqlstore.DB, recs []*recorder, evs []event.Event) int {
	t.Helper()
	commit(t, db, "things", evs...)
	leader := -1
	waitUntil(t, 5*time.Second, func() bool {
		for i, r := range recs {
			if slices.Contains(r.ids(), evs[0].ID) {
				leader = i
				return true
			}
		}
		return false
	}, "no relay published %s", evs[0].ID)
	return leader
}

func TestStoppedLeaderHandsOverPromptly(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		// A lease far longer than the test: only its release lets the
		// other relay take over in time.
		opts := outbox.Options{PollInterval: 20 * time.Millisecond, LeaseTTL: time.Minute}
		recs := []*recorder{{}, {}}
		relays := []*running{
			start(t, sqlstoretest.Reopen(t, db), recs[0], opts),
			start(t, sqlstoretest.Reopen(t, db), recs[1], opts),
		}
		leader := leaderOf(t, db, recs, newEvents(t, "k", 0, 1))
		relays[leader].stop(t)

		began := time.Now()
		next := newEvents(t, "k", 1, 1)
		commit(t, db, "things", next...)
		other := recs[1-leader]
		waitUntil(t, 3*time.Second, func() bool { return slices.Contains(other.ids(), next[0].ID) },
			"the standby relay did not take over after a clean stop")
		t.Logf("standby published %v after the leader stopped", time.Since(began))
	})
}

func TestDeadLeaderIsReplacedOnceItsLeaseExpires(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		const ttl = time.Second
		opts := outbox.Options{PollInterval: 10 * time.Millisecond, LeaseTTL: ttl}
		dbA := sqlstoretest.Reopen(t, db)
		a, b := &recorder{}, &recorder{}
		ra := start(t, dbA, a, opts)
		if leaderOf(t, db, []*recorder{a}, newEvents(t, "k", 0, 1)) != 0 {
			t.Fatal("first relay does not lead")
		}
		start(t, sqlstoretest.Reopen(t, db), b, opts)
		time.Sleep(50 * time.Millisecond) // b has tried, and failed, to take the lease

		// a dies: its connections vanish, so it cannot release the lease.
		dbA.Close()
		died := time.Now()
		ra.stop(t)

		next := newEvents(t, "k", 1, 1)
		commit(t, db, "things", next...)
		waitUntil(t, ttl+5*time.Second, func() bool { return slices.Contains(b.ids(), next[0].ID) },
			"the standby relay did not take over after the lease expired")
		took := time.Since(died)
		t.Logf("standby published %v after the leader died (lease TTL %v)", took, ttl)
		if took < ttl/2 {
			t.Fatalf("standby published %v after the leader died: it did not wait for the lease to expire", took)
		}
		if slices.Contains(a.ids(), next[0].ID) {
			t.Fatal("the dead relay published")
		}
	})
}

func TestOrderIsKeptPerKeyUnderConcurrentWritersAndFailures(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		// Every fifth publish fails; batches are small; topics alternate.
		rec := &recorder{failIf: func(call int) error {
			if call%5 == 0 {
				return fmt.Errorf("call %d: %w", call, errBusDown)
			}
			return nil
		}}
		r := start(t, db, rec, outbox.Options{PollInterval: 5 * time.Millisecond, BatchSize: 7})

		const writers, each = 4, 40
		want := make([][]string, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				key := fmt.Sprintf("group-%d", w)
				for i := range each {
					e := newEvents(t, key, i, 1)
					commit(t, db, []string{"groups", "messages"}[i%2], e...)
					want[w] = append(want[w], e[0].ID)
					r.relay.Notify()
				}
			})
		}
		wg.Wait()
		waitUntil(t, 20*time.Second, func() bool { return len(dedupe(rec.ids())) == writers*each },
			"published %d of %d", len(dedupe(rec.ids())), writers*each)

		got := make([][]string, writers)
		for _, d := range rec.deliveries() {
			var w int
			fmt.Sscanf(d.event.Key, "group-%d", &w)
			got[w] = append(got[w], d.event.ID)
		}
		for w := range writers {
			if g := dedupe(got[w]); !slices.Equal(g, want[w]) {
				t.Errorf("key group-%d: published %s\nwant %s", w, fmtIDs(g), fmtIDs(want[w]))
			}
		}
		if rec.callCount() < 5 {
			t.Fatalf("only %d publishes: the failure path was not exercised", rec.callCount())
		}
	})
}

func TestRunRefusesMisuse(t *testing.T) {
	t.Parallel()
	if err := outbox.NewRelay(nil, &recorder{}, outbox.Options{}).Run(context.Background()); err == nil {
		t.Error("Run without a Name succeeded")
	}
	db := migrated(t, sqlstoretest.SQLite(t))
	r := start(t, db, &recorder{}, outbox.Options{Name: "twice"})
	for range 1000 {
		r.relay.Notify() // never blocks, with or without a running relay
	}
	waitUntil(t, 5*time.Second, func() bool {
		var n int
		_ = db.QueryRow("SELECT COUNT(*) FROM outbox_lease WHERE name = 'twice'").Scan(&n)
		return n == 1
	}, "the first Run did not take the lease")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.relay.Run(ctx); err == nil {
		t.Error("a second concurrent Run succeeded")
	}
}

// TestTopicFiltersSplitOneOutboxBetweenRelays checks that a stuck
// destination for one topic (mail) does not hold back another (events).
func TestTopicFiltersSplitOneOutboxBetweenRelays(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		stuck := &recorder{failIf: func(int) error { return errBusDown }}
		bus := &recorder{}
		start(t, db, stuck, outbox.Options{Name: "role-mail", Topics: []string{"mail"}, PollInterval: 20 * time.Millisecond})
		start(t, db, bus, outbox.Options{Name: "role", ExceptTopics: []string{"mail"}, PollInterval: 20 * time.Millisecond})

		commit(t, db, "mail", newEvents(t, "u", 0, 2)...)
		evs := newEvents(t, "u", 2, 3)
		commit(t, db, "users", evs...)
		waitUntil(t, 5*time.Second, func() bool { return len(bus.ids()) == 3 }, "events stuck behind the failing mail relay")
		for _, d := range bus.deliveries() {
			if d.topic != "users" {
				t.Fatalf("the events relay published topic %q", d.topic)
			}
		}
		waitUntil(t, 5*time.Second, func() bool { return stuck.callCount() > 0 }, "the mail relay never tried its topic")
		if len(stuck.ids()) != 0 {
			t.Fatal("the failing publisher recorded events")
		}
	})
}
