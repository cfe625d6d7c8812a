package event

import (
	"context"
	"fmt"
	"runtime/debug"
)

// MaxBatch bounds how many waiting events of one partition a consumer
// group hands a BatchHandler at once.
const MaxBatch = 128

// BatchHandler handles a run of events of one partition, in order: the
// events a consumer group has waiting (at most MaxBatch), so that a
// handler may take them in one transaction. It returns how many of them,
// from the first, are handled (acknowledged). When that is fewer than
// len(events), err is the failure of the next one: the bus retries from
// it (with the events after it, which the handler may then see again), or
// skips it when err is Permanent. Returning nil acknowledges them all.
// Handlers must tolerate duplicates, as for Handler.
type BatchHandler func(ctx context.Context, events []Event) (int, error)

// handlers returns s's one-event handler and its batch handler, each
// derived from the other when s sets only one: broadcast subscriptions
// deliver one event at a time, consumer groups in batches.
func (s Subscription) handlers() (Handler, BatchHandler) {
	h, bh := s.Handler, s.Batch
	if h == nil && bh != nil {
		h = func(ctx context.Context, e Event) error {
			n, err := bh(ctx, []Event{e})
			if n >= 1 {
				return nil
			}
			if err == nil {
				err = fmt.Errorf("event %s: batch handler handled nothing", e.ID)
			}
			return err
		}
	}
	if bh == nil && h != nil {
		bh = func(ctx context.Context, events []Event) (int, error) {
			for i, e := range events {
				if err := Invoke(ctx, h, e); err != nil {
					return i, err
				}
			}
			return len(events), nil
		}
	}
	return h, bh
}

// Handlers returns s's one-event handler and batch handler, each derived
// from the other when s sets only one (for Bus implementations outside
// this package); both are nil when s sets neither.
func Handlers(s Subscription) (Handler, BatchHandler) { return s.handlers() }

// InvokeBatch calls h with events, turning a panic into an error (nothing
// handled) and keeping the count within 0…len(events): a handler that
// returns nil handled them all, one that returns an error handled fewer.
func InvokeBatch(ctx context.Context, h BatchHandler, events []Event) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("event batch handler panicked: %v\n%s", r, debug.Stack())
		}
	}()
	n, err = h(ctx, events)
	n = max(0, min(n, len(events)))
	if err == nil {
		n = len(events)
	} else if n == len(events) {
		n = len(events) - 1 // the error is the last event's
	}
	return n, err
}
