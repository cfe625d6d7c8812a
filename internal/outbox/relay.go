package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/sqlstore"
)

// Defaults of Options.
const (
	DefaultPollInterval = 250 * time.Millisecond
	DefaultLeaseTTL     = 10 * time.Second
	DefaultBatchSize    = 100
)

// maxBackoff caps the pause after a failed publish (it is also kept below
// a third of the lease TTL, so the leader keeps its lease while it waits).
const maxBackoff = 5 * time.Second

// errLogEvery is how often the same database error is logged again.
const errLogEvery = 30 * time.Second

// Options configure a Relay.
type Options struct {
	// Name is the role whose outbox this is. It names the lease: among all
	// relays on one database with the same Name, one publishes at a time.
	Name string
	// Logger receives leadership changes and publish failures. Nil
	// discards them.
	Logger *slog.Logger
	// PollInterval is how often the leader looks for events nobody
	// notified it about (other instances' commits), and how often other
	// relays try to take the lease (at most every LeaseTTL/2). Default
	// 250 ms.
	PollInterval time.Duration
	// LeaseTTL is how long the lease lasts unless renewed; the leader
	// renews it every third of it. A leader that dies without releasing
	// its lease is replaced once it expires: after at most this long plus
	// a poll. Default 10 s.
	LeaseTTL time.Duration
	// BatchSize is how many events are read at once; each run of events
	// with the same topic in a batch is one Publish call. Default 100.
	BatchSize int
	// Topics, when set, limits the relay to these topics; ExceptTopics
	// excludes topics. Two relays with different Names and disjoint topic
	// sets share one outbox, so that one slow destination (mail handed to
	// the email role) never holds back the others (events on the bus).
	// Order is kept per relay.
	Topics, ExceptTopics []string

	// Unordered makes the relay publish each event on its own, for
	// destinations where events are independent (mail): a failed event
	// is retried after its own backoff (RetryMin doubling up to
	// RetryMax) while later events go on, and after MaxAttempts failures,
	// or at once when the publisher says the failure is permanent
	// (event.Permanent), it is parked in outbox_parked (a dead letter),
	// logged and reported to OnPark. One bad event never blocks the
	// others. Order is not kept.
	Unordered   bool
	MaxAttempts int           // default 20
	RetryMin    time.Duration // default 5 s
	RetryMax    time.Duration // default 15 min
	// OnPark, when set, is called after an event was parked (a metric).
	OnPark func(topic string, e event.Event, err error)
}

// Relay publishes the events of an outbox, in id order, while it holds
// the outbox's lease. See the package documentation for its guarantees.
type Relay struct {
	db      *sqlstore.DB
	pub     event.Publisher
	opts    Options
	log     *slog.Logger
	lease   *lease
	wake    chan struct{}
	running atomic.Bool

	// Owned by Run's goroutine.
	leading   bool
	lastErr   string    // last database error logged
	lastErrAt time.Time // when it was logged
}

// NewRelay returns a relay that publishes the outbox in db to pub. Run
// starts it.
func NewRelay(db *sqlstore.DB, pub event.Publisher, opts Options) *Relay {
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultLeaseTTL
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = DefaultRetryMin
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = max(DefaultRetryMax, opts.RetryMin)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "outbox-relay", "outbox", opts.Name)
	return &Relay{
		db:    db,
		pub:   pub,
		opts:  opts,
		log:   log,
		lease: newLease(db, opts.Name, opts.LeaseTTL),
		wake:  make(chan struct{}, 1),
	}
}

// Notify wakes the relay to publish at once, typically right after a
// transaction that called Add committed. It never blocks; notifications
// sent while the relay is busy coalesce. A relay that does not lead, or
// that is backing off after a failed publish, ignores it.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run publishes until ctx is done, then releases the lease (so that
// another instance takes over at once) and returns nil. Database and
// publish errors are logged and retried, never returned; Run returns an
// error only when misused (missing Name, database or publisher, or a
// second concurrent Run).
func (r *Relay) Run(ctx context.Context) error {
	switch {
	case r.opts.Name == "" || len(r.opts.Name) > 64:
		return errors.New("outbox: relay: Options.Name must be 1 to 64 bytes")
	case r.db == nil || r.pub == nil:
		return errors.New("outbox: relay: a database and a publisher are required")
	case !r.running.CompareAndSwap(false, true):
		return errors.New("outbox: relay: already running")
	}
	defer r.running.Store(false)
	defer r.release(ctx)

	failures := 0
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		wait, backoff := r.step(ctx, &failures)
		deadline := time.Now().Add(wait)
		timer.Reset(wait)
	waiting:
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-timer.C:
				break waiting
			case <-r.wake:
				if !backoff && r.leading {
					timer.Stop()
					break waiting
				}
				if time.Now().After(deadline) {
					break waiting
				}
			}
		}
	}
}

// step takes or renews the lease and, when leading, publishes everything
// waiting. It returns how long to wait before the next step and whether
// that wait is a backoff after a failure (which Notify must not cut).
func (r *Relay) step(ctx context.Context, failures *int) (wait time.Duration, backoff bool) {
	for {
		if !r.lead(ctx) {
			return min(r.opts.PollInterval, r.opts.LeaseTTL/2), false
		}
		batch, err := r.fetch(ctx)
		if err != nil {
			r.logDBError(ctx, "outbox relay: read outbox", err)
			return r.backoff(failures), true
		}
		if len(batch) == 0 {
			*failures = 0
			return r.leaderWait(r.opts.PollInterval), false
		}
		publish := r.publish
		if r.opts.Unordered {
			publish = r.publishEach
		}
		published, err := publish(ctx, batch)
		if published > 0 {
			*failures = 0 // the bus works: a new failure starts a new backoff
		}
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("outbox relay: publish failed; will retry from the first unpublished event",
					"err", err, "attempt", *failures+1)
			}
			return r.backoff(failures), true
		}
		*failures = 0
		if len(batch) < r.opts.BatchSize {
			return r.leaderWait(r.opts.PollInterval), false
		}
	}
}

// lead reports whether this relay holds the lease, renewing or taking it
// when due, and logs changes of leadership.
func (r *Relay) lead(ctx context.Context) bool {
	held, err := r.lease.hold(ctx)
	if err != nil {
		r.logDBError(ctx, "outbox relay: lease", err)
	}
	switch {
	case held && !r.leading:
		r.log.Info("outbox relay: leading", "holder", r.lease.holder)
	case !held && r.leading:
		r.log.Info("outbox relay: no longer leading", "holder", r.lease.holder)
	}
	r.leading = held
	return held
}

// logDBError logs a database error unless ctx is done or the same error
// was logged less than errLogEvery ago: a relay retries every poll
// interval, and a database that is down should not flood the log.
func (r *Relay) logDBError(ctx context.Context, msg string, err error) {
	if ctx.Err() != nil {
		return
	}
	text := msg + ": " + err.Error()
	if text == r.lastErr && time.Since(r.lastErrAt) < errLogEvery {
		return
	}
	r.lastErr, r.lastErrAt = text, time.Now()
	r.log.Error(msg, "err", err)
}

// leaderWait shortens d so that the leader wakes in time to renew.
func (r *Relay) leaderWait(d time.Duration) time.Duration {
	return max(min(d, time.Until(r.lease.renewAt)), 0)
}

// backoff counts a failure and returns the pause before retrying:
// doubling from the poll interval, capped, and short enough to renew the
// lease meanwhile.
func (r *Relay) backoff(failures *int) time.Duration {
	*failures++
	d := max(r.opts.PollInterval, 10*time.Millisecond)
	for i := 1; i < *failures && d < maxBackoff; i++ {
		d *= 2
	}
	return r.leaderWait(min(d, maxBackoff, r.opts.LeaseTTL/3))
}

// row is one waiting event.
type row struct {
	id       int64
	topic    string
	event    event.Event
	attempts int // failed attempts so far (unordered mode)
}

// fetch reads the first BatchSize waiting events in id order.
func (r *Relay) fetch(ctx context.Context) ([]row, error) {
	q, args := "SELECT id, event_id, topic, event_key, type, payload, occurred_at, attempts FROM outbox WHERE 1 = 1", []any{}
	switch {
	case len(r.opts.Topics) > 0:
		q += " AND topic IN (?" + strings.Repeat(", ?", len(r.opts.Topics)-1) + ")"
		for _, t := range r.opts.Topics {
			args = append(args, t)
		}
	case len(r.opts.ExceptTopics) > 0:
		q += " AND topic NOT IN (?" + strings.Repeat(", ?", len(r.opts.ExceptTopics)-1) + ")"
		for _, t := range r.opts.ExceptTopics {
			args = append(args, t)
		}
	}
	if r.opts.Unordered {
		q += " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
		args = append(args, sqlstore.Now())
	}
	rows, err := r.db.QueryContext(ctx, q+" ORDER BY id LIMIT ?", append(args, r.opts.BatchSize)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var batch []row
	for rows.Next() {
		var x row
		var payload []byte
		if err := rows.Scan(&x.id, &x.event.ID, &x.topic, &x.event.Key, &x.event.Type, &payload, &x.event.OccurredAt, &x.attempts); err != nil {
			return nil, err
		}
		if len(payload) > 0 {
			x.event.Payload = payload
		}
		batch = append(batch, x)
	}
	return batch, rows.Err()
}

// publish publishes batch in order, one Publish per run of events with
// the same topic, deleting each run once it is published. It stops at the
// first failure and reports how many events it published and deleted;
// what was not deleted is published again later.
func (r *Relay) publish(ctx context.Context, batch []row) (int, error) {
	published := 0
	for len(batch) > 0 {
		n := 1
		for n < len(batch) && batch[n].topic == batch[0].topic {
			n++
		}
		run := batch[:n]
		batch = batch[n:]

		events := make([]event.Event, len(run))
		ids := make([]any, len(run))
		for i, x := range run {
			events[i] = x.event
			ids[i] = x.id
		}
		// A publish may not outlive the lease it started under (at least
		// two thirds of the TTL remain when the lease is fresh).
		pctx, cancel := context.WithTimeout(ctx, r.opts.LeaseTTL/3)
		err := r.pub.Publish(pctx, run[0].topic, events...)
		cancel()
		if err != nil {
			return published, fmt.Errorf("publish %d events to %s: %w", len(events), run[0].topic, err)
		}
		// Delete by id, never by range: on MySQL a lower id may commit
		// after a higher one was read.
		q := "DELETE FROM outbox WHERE id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
		if _, err := r.db.ExecContext(ctx, q, ids...); err != nil {
			return published, fmt.Errorf("delete %d published events of %s (they will be published again): %w", len(ids), run[0].topic, err)
		}
		published += len(run)
	}
	return published, nil
}

// release gives up the lease when Run stops, if this relay holds it.
func (r *Relay) release(ctx context.Context) {
	r.leading = false
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	released, err := r.lease.release(rctx)
	switch {
	case err != nil:
		r.log.Warn("outbox relay: could not release the lease; another instance takes over when it expires", "err", err)
	case released:
		r.log.Info("outbox relay: released the lease", "holder", r.lease.holder)
	}
}
