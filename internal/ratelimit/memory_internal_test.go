package ratelimit

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// clock is a manual clock for Memory.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestMemory() (*Memory, *clock) {
	c := &clock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	m := NewMemory()
	m.now = c.now
	return m, c
}

func check(t *testing.T, m *Memory, key string, r Rate, want Decision) {
	t.Helper()
	got, err := m.Allow(context.Background(), key, r)
	if err != nil {
		t.Fatalf("Allow(%q): %v", key, err)
	}
	if got != want {
		t.Fatalf("Allow(%q) = %+v, want %+v", key, got, want)
	}
}

func TestMemoryFollowsTheTokenBucketExactly(t *testing.T) {
	t.Parallel()
	m, c := newTestMemory()
	r := Rate{N: 3, Per: 3 * time.Second}
	ok := Decision{Allowed: true}
	for range 3 {
		check(t, m, "k", r, ok)
	}
	check(t, m, "k", r, Decision{RetryAfter: time.Second})
	c.advance(999 * time.Millisecond)
	check(t, m, "k", r, Decision{RetryAfter: time.Millisecond})
	c.advance(time.Millisecond)
	check(t, m, "k", r, ok) // one token refilled after Per/N
	check(t, m, "k", r, Decision{RetryAfter: time.Second})
	c.advance(3 * time.Second) // idle for Per: full burst again
	for range 3 {
		check(t, m, "k", r, ok)
	}
	check(t, m, "k", r, Decision{RetryAfter: time.Second})
}

func TestMemorySpreadsCallsAtTheSustainedRate(t *testing.T) {
	t.Parallel()
	m, c := newTestMemory()
	r := Rate{N: 10, Per: 15 * time.Minute} // the login limit: one more every 90 s
	allowed := 0
	// An hour of one attempt per second: the burst, then one every 90 s.
	for range 3600 {
		d, err := m.Allow(context.Background(), "login", r)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			allowed++
		}
		c.advance(time.Second)
	}
	if want := 10 + 3600/90; allowed < want-1 || allowed > want+1 {
		t.Fatalf("allowed %d calls in an hour, want about %d", allowed, want)
	}
}

func TestMemoryForgetsIdleKeys(t *testing.T) {
	t.Parallel()
	m, c := newTestMemory()
	r := Rate{N: 2, Per: 10 * time.Second}
	for i := range 100 {
		check(t, m, fmt.Sprint("idle", i), r, Decision{Allowed: true})
	}
	if m.Len() != 100 {
		t.Fatalf("Len = %d, want 100", m.Len())
	}
	c.advance(sweepEvery)
	check(t, m, "fresh", r, Decision{Allowed: true})
	if m.Len() != 1 {
		t.Fatalf("after the idle keys expired Len = %d, want 1 (only the fresh key)", m.Len())
	}
}

func TestMemoryKeepsKeysThatAreStillLimited(t *testing.T) {
	t.Parallel()
	m, c := newTestMemory()
	r := Rate{N: 1, Per: 2 * sweepEvery}
	check(t, m, "k", r, Decision{Allowed: true})
	c.advance(sweepEvery)
	check(t, m, "other", r, Decision{Allowed: true}) // triggers a sweep
	check(t, m, "k", r, Decision{RetryAfter: sweepEvery})
}

func TestMemoryCapsTheNumberOfKeys(t *testing.T) {
	t.Parallel()
	m, _ := newTestMemory()
	m.maxKeys = 8
	r := Rate{N: 1, Per: time.Hour}
	for i := range 1000 {
		check(t, m, fmt.Sprint("flood", i), r, Decision{Allowed: true})
		if m.Len() > m.maxKeys {
			t.Fatalf("after %d keys Len = %d, above the cap %d", i+1, m.Len(), m.maxKeys)
		}
	}
	// The most recent key is always kept.
	check(t, m, "flood999", r, Decision{RetryAfter: time.Hour})
}
