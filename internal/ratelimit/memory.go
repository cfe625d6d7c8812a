package ratelimit

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxKeys is how many keys a Memory limiter tracks at most.
// A key costs about a hundred bytes, so the default bounds the state to
// roughly a hundred megabytes even under a flood of distinct keys.
const DefaultMaxKeys = 1 << 20

// sweepEvery is how often Memory looks for keys that are back to a full
// burst; at the key cap it looks at most once per sweepAtCapEvery, so that
// a flood of new keys cannot make every call scan the whole map.
const (
	sweepEvery      = time.Minute
	sweepAtCapEvery = time.Second
)

// Memory is the embedded Limiter: the state lives in this process's
// memory and counts for this process only.
//
// Memory is bounded: a key is dropped once it is back to a full burst (at
// the latest Per after its last allowed call), found by a sweep that runs
// at most once a minute, and never more than DefaultMaxKeys keys are kept.
// When a flood of distinct keys reaches that cap even after a sweep,
// random keys are forgotten, which lets those keys start again from a full
// burst: the limiter then errs on the side of allowing, never of refusing
// everybody. It is safe for concurrent use.
type Memory struct {
	mu        sync.Mutex
	keys      map[string]time.Time // key → theoretical arrival time
	lastSweep time.Time
	maxKeys   int
	now       func() time.Time // replaced by tests
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns an empty in-process limiter.
func NewMemory() *Memory {
	return NewMemoryClock(time.Now)
}

// NewMemoryClock returns an empty in-process limiter that reads the time
// from now: tests use it to count a burst without the clock refilling it.
func NewMemoryClock(now func() time.Time) *Memory {
	return &Memory{keys: make(map[string]time.Time), maxKeys: DefaultMaxKeys, now: now}
}

// Allow implements Limiter. It never fails except for invalid arguments.
func (m *Memory) Allow(ctx context.Context, key string, r Rate) (Decision, error) {
	if err := Validate(key, r); err != nil {
		return Decision{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweep(now)
	d, tat := gcra(now, m.keys[key], r)
	if d.Allowed {
		if _, ok := m.keys[key]; !ok {
			m.makeRoom(now)
		}
		m.keys[key] = tat
	}
	return d, nil
}

// Ping implements Limiter; memory is always reachable.
func (m *Memory) Ping(context.Context) error { return nil }

// Len returns the number of keys currently tracked.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

// sweep drops keys that are back to a full burst, at most once per
// sweepEvery. The caller holds mu.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.lastSweep) >= sweepEvery {
		m.dropExpired(now)
	}
}

func (m *Memory) dropExpired(now time.Time) {
	m.lastSweep = now
	for k, tat := range m.keys {
		if !tat.After(now) {
			delete(m.keys, k)
		}
	}
}

// makeRoom ensures one more key fits under maxKeys: first by dropping
// expired keys (if that was not just done), then by forgetting arbitrary
// ones (Go's map iteration order is randomised). The caller holds mu.
func (m *Memory) makeRoom(now time.Time) {
	if len(m.keys) < m.maxKeys {
		return
	}
	if now.Sub(m.lastSweep) >= sweepAtCapEvery {
		m.dropExpired(now)
	}
	for k := range m.keys {
		if len(m.keys) < m.maxKeys {
			break
		}
		delete(m.keys, k)
	}
}
