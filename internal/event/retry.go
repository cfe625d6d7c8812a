package event

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"time"
)

// Backoff is how long a bus waits before retrying a handler that failed.
// The zero value means DefaultBackoff.
type Backoff struct {
	// Min is the wait before the first retry.
	Min time.Duration
	// Max caps the wait, however many retries failed before.
	Max time.Duration
}

// DefaultBackoff starts at 20 ms and doubles up to 5 s.
var DefaultBackoff = Backoff{Min: 20 * time.Millisecond, Max: 5 * time.Second}

// Delay returns the wait before retry number attempt (0 for the first
// retry): Min·2^attempt capped at Max, jittered to a random duration in
// [d/2, d] so that consumers failing together do not retry in lockstep.
func (b Backoff) Delay(attempt int) time.Duration {
	if b.Min <= 0 {
		b.Min = DefaultBackoff.Min
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoff.Max
	}
	if b.Max < b.Min {
		b.Max = b.Min
	}
	d := b.Min
	for i := 0; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	half := d / 2
	return half + rand.N(d-half+1)
}

// Invoke calls h with e and turns a panic in h into an error, so that a bug
// in one handler is logged and retried like any failure instead of taking
// down every role running in the process.
func Invoke(ctx context.Context, h Handler, e Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("event handler panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return h(ctx, e)
}

// sleep waits d, or less if stop or done is closed first (either may be
// nil).
func sleep(d time.Duration, stop, done <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-stop:
	case <-done:
	}
}
