package outbox_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// parked is what outbox_parked holds for a relay.
func parked(t *testing.T, db *sqlstore.DB, relay string) map[string]int {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "SELECT event_id, attempts FROM outbox_parked WHERE relay = ?", relay)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	return out
}

// TestUnorderedRelayNeverLetsOneEventBlockTheOthers is issue 12 defect 4
// at the outbox: in the mail relay's mode, an event the destination
// refuses for good is parked at once, one that keeps failing is retried
// with its own backoff and parked after MaxAttempts, and every other event
// is published meanwhile, whatever its place in the outbox.
func TestUnorderedRelayNeverLetsOneEventBlockTheOthers(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		migrated(t, db)
		evs := newEvents(t, "u", 0, 6)
		refused, flaky := evs[0].ID, evs[2].ID
		var mu sync.Mutex
		attempts := map[string]int{}
		var tried []time.Time // the flaky event's attempts
		rec := &recorder{failEvent: func(e event.Event) error {
			mu.Lock()
			defer mu.Unlock()
			attempts[e.ID]++
			switch e.ID {
			case refused:
				return event.Permanent(errors.New("550 mailbox unavailable"))
			case flaky:
				tried = append(tried, time.Now())
				return errors.New("421 try again later")
			}
			return nil
		}}
		var parkedIDs []string
		var pmu sync.Mutex
		start(t, db, rec, outbox.Options{Name: "mail", Unordered: true, MaxAttempts: 3,
			RetryMin: 30 * time.Millisecond, RetryMax: 60 * time.Millisecond, PollInterval: 5 * time.Millisecond,
			OnPark: func(topic string, e event.Event, err error) {
				pmu.Lock()
				parkedIDs = append(parkedIDs, e.ID)
				pmu.Unlock()
			}})
		commit(t, db, "mail", evs...)

		want := []string{evs[1].ID, evs[3].ID, evs[4].ID, evs[5].ID}
		waitUntil(t, 10*time.Second, func() bool { return len(rec.ids()) == len(want) }, "the good events were not all published: %v", rec.ids())
		got := rec.ids()
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("published %v, want %v", got, want)
		}
		waitUntil(t, 10*time.Second, func() bool { return waiting(t, db) == 0 }, "events still waiting in the outbox")
		p := parked(t, db, "mail")
		if len(p) != 2 || p[refused] != 1 || p[flaky] != 3 {
			t.Fatalf("parked %v, want the refused event after 1 attempt and the flaky one after 3", p)
		}
		mu.Lock()
		if attempts[refused] != 1 || attempts[flaky] != 3 {
			t.Errorf("attempts %v: a refused event is tried once, a failing one MaxAttempts times", attempts)
		}
		mu.Unlock()
		waitUntil(t, 5*time.Second, func() bool { pmu.Lock(); defer pmu.Unlock(); return len(parkedIDs) == 2 }, "OnPark not called for both")
		pmu.Lock()
		defer pmu.Unlock()
		slices.Sort(parkedIDs)
		w := []string{refused, flaky}
		slices.Sort(w)
		if !slices.Equal(parkedIDs, w) {
			t.Fatalf("OnPark saw %v, want %v", parkedIDs, w)
		}
		// The flaky event waited its backoff between attempts (30 ms, then
		// 60 ms): a destination that is down is not hammered.
		mu.Lock()
		defer mu.Unlock()
		for i := 1; i < len(tried); i++ {
			if gap, min := tried[i].Sub(tried[i-1]), 30*time.Millisecond<<(i-1); gap < min-time.Millisecond {
				t.Errorf("retry %d came %v after the previous attempt, before its backoff of %v", i, gap, min)
			}
		}
	})
}
