package event

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Event is the envelope every Parley event travels in (ARCHITECTURE.md §4).
// Key is the aggregate id (a group id, a user id): events with the same key
// on the same topic are delivered in the order they were published.
type Event struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Key        string          `json:"key"`
	OccurredAt time.Time       `json:"occurredAt"`
	Payload    json.RawMessage `json:"payload"`
}

// New builds an event with a fresh time-ordered id, the current time and
// payload encoded as JSON.
func New(typ, key string, payload any) (Event, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return Event{}, err
	}
	return Event{ID: uuid.Must(uuid.NewV7()).String(), Type: typ, Key: key, OccurredAt: time.Now().UTC(), Payload: raw}, nil
}

// Decode unmarshals the payload into v. A payload that does not decode is
// a permanent error: retrying cannot fix it.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return Permanent(err)
	}
	return nil
}

// Handler handles one event. Returning nil acknowledges it; returning an
// error makes the bus retry it (with backoff) before any later event of the
// same key, unless the error is Permanent, in which case the event is
// logged and skipped. Handlers must tolerate duplicates: delivery is
// at-least-once.
type Handler func(ctx context.Context, e Event) error

// Publisher sends events to a topic.
type Publisher interface {
	// Publish returns once every event is durably accepted by the bus (for
	// the memory bus: appended to the in-process log). Events are keyed
	// by Event.Key; same key, same topic ⇒ same order for every consumer.
	Publish(ctx context.Context, topic string, events ...Event) error
}

// Subscription describes how a handler consumes a topic.
type Subscription struct {
	Topic string
	// Group names a consumer group: among all subscribers (in every
	// process) with the same Group, each event is handled by exactly one.
	// A new group starts from the oldest retained event. An empty Group
	// is a broadcast subscription: this subscriber sees every event
	// published after it subscribed.
	Group string
	// Handler handles one event. Set Handler, Batch or both.
	Handler Handler
	// Batch, when set, lets a consumer group hand over every event of a
	// partition that is waiting (up to MaxBatch) in one call, in order;
	// broadcast subscriptions still deliver one event at a time (through
	// Handler, or Batch with one event when Handler is nil).
	Batch BatchHandler
}

// Bus is the event bus port. Implementations: the in-process memory bus in
// this package (mem://) and event/kafkabus (kafka://).
type Bus interface {
	Publisher
	// Subscribe starts consuming in the background until ctx is done or
	// the bus is closed. It returns once the subscription is registered:
	// a broadcast subscriber sees every event published after Subscribe
	// returns.
	Subscribe(ctx context.Context, s Subscription) error
	// Ping reports whether the bus is reachable (for /readyz).
	Ping(ctx context.Context) error
	// Close stops consumers, waiting for handlers in progress, and
	// releases connections.
	Close() error
}

type permanentError struct{ err error }

func (p permanentError) Error() string { return "permanent: " + p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying: the bus logs and skips the event.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
