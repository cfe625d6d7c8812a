// Package ratelimittest is the contract suite every ratelimit.Limiter
// implementation passes: Run(t, newLimiter) from the implementation's own
// test. The suite uses real time, with short periods, so that it checks
// implementations whose clock is not this process's (Redis).
package ratelimittest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/ratelimit"
)

// Run runs the contract suite. newLimiter returns a limiter that shares no
// counts with those of other calls (a fresh one, or one with a key prefix
// of its own); it registers its own cleanup on t.
func Run(t *testing.T, newLimiter func(t *testing.T) ratelimit.Limiter) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, l ratelimit.Limiter)
	}{
		{"AllowsNThenRefusesWithRetryAfter", allowsNThenRefuses},
		{"RefusedCallsAreNotCounted", refusedCallsAreNotCounted},
		{"KeysAreIndependent", keysAreIndependent},
		{"AllowsAgainAfterRetryAfter", allowsAgainAfterRetryAfter},
		{"FullBurstAgainAfterThePeriod", fullBurstAgainAfterPeriod},
		{"ConcurrentCallsNeverExceedN", concurrentCallsNeverExceedN},
		{"InvalidArgumentsAreInvalid", invalidArguments},
		{"PingSucceeds", pingSucceeds},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newLimiter(t))
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func allow(t *testing.T, l ratelimit.Limiter, key string, r ratelimit.Rate) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(ctx(t), key, r)
	if err != nil {
		t.Fatalf("Allow(%q, %+v): %v", key, r, err)
	}
	if d.Allowed && d.RetryAfter != 0 {
		t.Fatalf("Allow(%q): allowed with RetryAfter %s, want 0", key, d.RetryAfter)
	}
	if !d.Allowed && d.RetryAfter <= 0 {
		t.Fatalf("Allow(%q): refused with RetryAfter %s, want > 0", key, d.RetryAfter)
	}
	return d
}

// mustAllowN asserts that the next n calls on key are allowed.
func mustAllowN(t *testing.T, l ratelimit.Limiter, key string, r ratelimit.Rate, n int) {
	t.Helper()
	for i := range n {
		if d := allow(t, l, key, r); !d.Allowed {
			t.Fatalf("call %d of %d on %q refused (RetryAfter %s), want allowed", i+1, n, key, d.RetryAfter)
		}
	}
}

func mustRefuse(t *testing.T, l ratelimit.Limiter, key string, r ratelimit.Rate) time.Duration {
	t.Helper()
	d := allow(t, l, key, r)
	if d.Allowed {
		t.Fatalf("call on %q allowed, want refused", key)
	}
	return d.RetryAfter
}

func allowsNThenRefuses(t *testing.T, l ratelimit.Limiter) {
	r := ratelimit.Rate{N: 5, Per: time.Minute}
	mustAllowN(t, l, "login:alice", r, 5)
	got := mustRefuse(t, l, "login:alice", r)
	// The next call becomes allowed one interval (Per/N = 12 s) after the
	// burst; allow for slow machines between the calls.
	if want := r.Interval(); got > want || got < want-5*time.Second {
		t.Fatalf("RetryAfter = %s, want about %s", got, want)
	}
}

func refusedCallsAreNotCounted(t *testing.T, l ratelimit.Limiter) {
	r := ratelimit.Rate{N: 2, Per: time.Minute}
	mustAllowN(t, l, "k", r, 2)
	first := mustRefuse(t, l, "k", r)
	var last time.Duration
	for range 20 {
		last = mustRefuse(t, l, "k", r)
	}
	// Had the refusals been counted, the wait would have grown by 20
	// intervals.
	if last > first {
		t.Fatalf("RetryAfter grew from %s to %s while refused calls were made", first, last)
	}
}

func keysAreIndependent(t *testing.T, l ratelimit.Limiter) {
	r := ratelimit.Rate{N: 2, Per: time.Minute}
	mustAllowN(t, l, "ip:192.0.2.1", r, 2)
	mustRefuse(t, l, "ip:192.0.2.1", r)
	mustAllowN(t, l, "ip:192.0.2.2", r, 2)
	mustRefuse(t, l, "ip:192.0.2.2", r)
	// A key that merely shares a prefix is another key too.
	mustAllowN(t, l, "ip:192.0.2.10", r, 2)
}

func allowsAgainAfterRetryAfter(t *testing.T, l ratelimit.Limiter) {
	r := ratelimit.Rate{N: 2, Per: 600 * time.Millisecond}
	mustAllowN(t, l, "k", r, 2)
	wait := mustRefuse(t, l, "k", r)
	if wait > r.Interval() {
		t.Fatalf("RetryAfter = %s, longer than one interval %s", wait, r.Interval())
	}
	time.Sleep(wait + 20*time.Millisecond)
	mustAllowN(t, l, "k", r, 1)
	mustRefuse(t, l, "k", r)
}

func fullBurstAgainAfterPeriod(t *testing.T, l ratelimit.Limiter) {
	r := ratelimit.Rate{N: 3, Per: 500 * time.Millisecond}
	mustAllowN(t, l, "k", r, 3)
	mustRefuse(t, l, "k", r)
	time.Sleep(r.Per + 20*time.Millisecond)
	mustAllowN(t, l, "k", r, 3)
	mustRefuse(t, l, "k", r)
}

func concurrentCallsNeverExceedN(t *testing.T, l ratelimit.Limiter) {
	r := ratelimit.Rate{N: 10, Per: time.Minute}
	const workers, each = 16, 8
	var allowed, refused atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, workers*each)
	start := make(chan struct{})
	for range workers {
		wg.Go(func() {
			<-start
			for range each {
				d, err := l.Allow(context.Background(), "hot", r)
				switch {
				case err != nil:
					errc <- err
				case d.Allowed:
					allowed.Add(1)
				default:
					refused.Add(1)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("Allow: %v", err)
	}
	// All calls happen well within one interval (6 s), so exactly N pass.
	if allowed.Load() != int64(r.N) || refused.Load() != workers*each-int64(r.N) {
		t.Fatalf("%d allowed and %d refused out of %d parallel calls, want exactly %d allowed",
			allowed.Load(), refused.Load(), workers*each, r.N)
	}
}

func invalidArguments(t *testing.T, l ratelimit.Limiter) {
	long := make([]byte, ratelimit.MaxKeyLen+1)
	for i := range long {
		long[i] = 'k'
	}
	good := ratelimit.Rate{N: 1, Per: time.Second}
	for _, c := range []struct {
		key string
		r   ratelimit.Rate
	}{
		{"", good},
		{string(long), good},
		{"k", ratelimit.Rate{N: 0, Per: time.Second}},
		{"k", ratelimit.Rate{N: -1, Per: time.Second}},
		{"k", ratelimit.Rate{N: 1, Per: 0}},
		{"k", ratelimit.Rate{N: 1, Per: -time.Second}},
		{"k", ratelimit.Rate{N: 1000, Per: time.Microsecond}},
	} {
		t.Run(fmt.Sprintf("key%d_%d_per_%s", len(c.key), c.r.N, c.r.Per), func(t *testing.T) {
			d, err := l.Allow(ctx(t), c.key, c.r)
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("Allow(len %d, %+v) = %+v, %v; want an errs.Invalid error", len(c.key), c.r, d, err)
			}
		})
	}
	// The longest valid key works.
	mustAllowN(t, l, string(long[:ratelimit.MaxKeyLen]), good, 1)
}

func pingSucceeds(t *testing.T, l ratelimit.Limiter) {
	if err := l.Ping(ctx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
