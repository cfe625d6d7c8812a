package ratelimit

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/errs"
)

// Rate is N calls per period Per, with bursts of up to N (see the package
// documentation for the exact algorithm).
type Rate struct {
	N   int
	Per time.Duration
}

// Decision is the outcome of one Allow call.
type Decision struct {
	// Allowed reports whether the call may proceed. An allowed call has been
	// counted.
	Allowed bool
	// RetryAfter is, when the call is refused, how long until the same key
	// is allowed one call again (never zero for a refused call). It is zero
	// when the call is allowed. It suits an HTTP Retry-After header once
	// rounded up to whole seconds.
	RetryAfter time.Duration
}

// Limiter is the rate-limit port. Implementations: Memory in this package
// (mem://, the embedded default) and redislimit (redis://).
type Limiter interface {
	// Allow counts one call for key against r and says whether it may
	// proceed. A refused call is not counted. A key should always be used
	// with the same Rate (use a prefix per limit, e.g. "login:email:").
	// An empty or over-long key and an invalid Rate are errs.Invalid
	// errors; other errors mean the limiter's storage is unreachable and
	// leave the caller to decide whether to fail open or closed.
	Allow(ctx context.Context, key string, r Rate) (Decision, error)
	// Ping reports whether the limiter's storage is reachable.
	Ping(ctx context.Context) error
}

// MaxKeyLen is the longest key, in bytes, that a Limiter accepts.
const MaxKeyLen = 1024

// Validate checks what every Limiter checks before counting: a non-empty
// key of at most MaxKeyLen bytes, N ≥ 1, Per > 0 and an interval between
// calls (Per/N) of at least a microsecond, the precision of the Redis
// implementation.
func Validate(key string, r Rate) error {
	switch {
	case key == "":
		return errs.E(errs.Invalid, "rate limit key is empty")
	case len(key) > MaxKeyLen:
		return errs.E(errs.Invalid, "rate limit key is longer than %d bytes", MaxKeyLen)
	case r.N < 1:
		return errs.E(errs.Invalid, "rate limit N must be at least 1, got %d", r.N)
	case r.Per <= 0:
		return errs.E(errs.Invalid, "rate limit period must be positive, got %s", r.Per)
	case r.Interval() < time.Microsecond:
		return errs.E(errs.Invalid, "rate limit %d per %s is finer than one call per microsecond", r.N, r.Per)
	}
	return nil
}

// Interval is the time after which one more call becomes allowed: Per/N.
func (r Rate) Interval() time.Duration {
	if r.N < 1 {
		return 0
	}
	return r.Per / time.Duration(r.N)
}

// gcra applies one call at now to a key whose theoretical arrival time is
// tat (the zero time for a fresh key). It returns the decision and, when
// the call is allowed, the key's new theoretical arrival time: the moment
// the key is back to a full burst and may be forgotten.
func gcra(now, tat time.Time, r Rate) (Decision, time.Time) {
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(r.Interval())
	// The call is allowed once next is no more than Per ahead of now.
	if allowAt := next.Add(-r.Per); now.Before(allowAt) {
		return Decision{RetryAfter: allowAt.Sub(now)}, tat
	}
	return Decision{Allowed: true}, next
}
