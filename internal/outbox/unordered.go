package outbox

import (
	"context"
	"database/sql"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/sqlstore"
)

// Defaults of the unordered mode's options.
const (
	DefaultMaxAttempts = 20
	DefaultRetryMin    = 5 * time.Second
	DefaultRetryMax    = 15 * time.Minute
)

// maxErrorText bounds the error text kept with a parked event.
const maxErrorText = 1000

// publishEach is the unordered mode of step: each due event of batch is
// published on its own. A success deletes it; a failure never holds the
// others back: it is retried later with its own backoff, or parked (moved
// to outbox_parked) when it failed permanently (event.Permanent) or for
// the MaxAttempts-th time. It reports how many events it published.
func (r *Relay) publishEach(ctx context.Context, batch []row) (int, error) {
	published := 0
	for _, x := range batch {
		if ctx.Err() != nil {
			return published, ctx.Err()
		}
		pctx, cancel := context.WithTimeout(ctx, r.opts.LeaseTTL/3)
		err := r.pub.Publish(pctx, x.topic, x.event)
		cancel()
		if err == nil {
			if _, err := r.db.ExecContext(ctx, "DELETE FROM outbox WHERE id = ?", x.id); err != nil {
				return published, fmt.Errorf("delete published event %s (it will be published again): %w", x.event.ID, err)
			}
			published++
			continue
		}
		if ctx.Err() != nil {
			return published, ctx.Err()
		}
		attempts := x.attempts + 1
		if event.IsPermanent(err) || attempts >= r.opts.MaxAttempts {
			if perr := r.park(ctx, x, attempts, err); perr != nil {
				return published, perr
			}
			continue
		}
		due := sqlstore.Now().Add(r.retryDelay(attempts))
		r.log.Warn("outbox relay: publish failed; will retry this event", "event_id", x.event.ID, "type", x.event.Type,
			"attempt", attempts, "retry_at", due, "err", err)
		if _, err := r.db.ExecContext(ctx, "UPDATE outbox SET attempts = ?, next_attempt_at = ? WHERE id = ?", attempts, due, x.id); err != nil {
			return published, fmt.Errorf("schedule retry of event %s: %w", x.event.ID, err)
		}
	}
	return published, nil
}

// retryDelay is the wait after the attempts-th failure of one event:
// RetryMin doubling up to RetryMax.
func (r *Relay) retryDelay(attempts int) time.Duration {
	d := r.opts.RetryMin
	for i := 1; i < attempts && d < r.opts.RetryMax; i++ {
		d *= 2
	}
	return min(d, r.opts.RetryMax)
}

// park moves event x to outbox_parked with why it failed, logs it and
// calls OnPark.
func (r *Relay) park(ctx context.Context, x row, attempts int, cause error) error {
	text := cause.Error()
	if len(text) > maxErrorText {
		text = text[:maxErrorText]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	payload := []byte(x.event.Payload)
	if payload == nil {
		payload = []byte{}
	}
	err := sqlstore.InTx(ctx, r.db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_parked
			(relay, event_id, topic, event_key, type, payload, occurred_at, attempts, last_error, parked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.opts.Name, x.event.ID, x.topic, x.event.Key, x.event.Type, payload, sqlstore.Time(x.event.OccurredAt), attempts, text, sqlstore.Now()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE id = ?", x.id)
		return err
	})
	if err != nil {
		return fmt.Errorf("park event %s: %w", x.event.ID, err)
	}
	r.log.Error("outbox relay: event parked; it will not be retried", "event_id", x.event.ID, "type", x.event.Type,
		"topic", x.topic, "attempts", attempts, "permanent", event.IsPermanent(cause), "err", cause)
	if r.opts.OnPark != nil {
		r.opts.OnPark(x.topic, x.event, cause)
	}
	return nil
}
