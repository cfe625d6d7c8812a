package kafkabus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
)

// Bus is the Kafka event bus. It is safe for concurrent use.
type Bus struct {
	cfg Config
	log *slog.Logger
	cl  *kgo.Client // produces and asks the brokers about topics
	adm *kadm.Client

	closing   chan struct{} // closed when Close begins
	closeOnce sync.Once

	mu     sync.Mutex
	closed bool
	topics map[string]bool // topics known to exist
	subs   sync.WaitGroup  // running subscriptions
}

var _ event.Bus = (*Bus)(nil)

// Open connects to the brokers and checks that one answers. It creates
// no topic yet: each topic is created (with cfg.Partitions partitions)
// the first time this process publishes to or subscribes to it.
func Open(ctx context.Context, cfg Config) (*Bus, error) {
	cfg = cfg.withDefaults()
	if len(cfg.Brokers) == 0 {
		return nil, errs.E(errs.Invalid, "kafkabus: no brokers configured")
	}
	b := &Bus{
		cfg:     cfg,
		log:     cfg.Logger,
		closing: make(chan struct{}),
		topics:  make(map[string]bool),
	}
	cl, err := kgo.NewClient(b.clientOpts(
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// Same key, same partition: Kafka's own murmur2 hashing, so
		// other Kafka clients agree with us.
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
	)...)
	if err != nil {
		return nil, fmt.Errorf("kafkabus: %w", err)
	}
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("kafkabus: no broker of %v answers: %w", cfg.Brokers, errs.Wrap(errs.Unavailable, err, "event bus unavailable"))
	}
	b.cl, b.adm = cl, kadm.NewClient(cl)
	return b, nil
}

// clientOpts are the options every client of this bus shares.
func (b *Bus) clientOpts(more ...kgo.Opt) []kgo.Opt {
	return append([]kgo.Opt{
		kgo.SeedBrokers(b.cfg.Brokers...),
		kgo.ClientID(b.cfg.ClientID),
		kgo.WithLogger(kgoLogger{b.log}),
	}, more...)
}

func errClosed() error { return errs.E(errs.Unavailable, "event bus is closed") }

func (b *Bus) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Publish produces events to the topic and returns once every broker in
// sync has them (acks=all). Each record's key is the event key and its
// value the JSON envelope.
func (b *Bus) Publish(ctx context.Context, topic string, events ...event.Event) error {
	if topic == "" {
		return errs.E(errs.Invalid, "event bus: publish needs a topic")
	}
	if b.isClosed() {
		return fmt.Errorf("publish to %s: %w", topic, errClosed())
	}
	if len(events) == 0 {
		return nil
	}
	name, err := b.ensureTopic(ctx, topic)
	if err != nil {
		return err
	}
	recs := make([]*kgo.Record, len(events))
	for i, e := range events {
		v, err := event.Marshal(e)
		if err != nil {
			return fmt.Errorf("publish to %s: %w", topic,
				errs.Wrap(errs.Invalid, err, fmt.Sprintf("event %s (%s) does not encode", e.ID, e.Type)))
		}
		recs[i] = &kgo.Record{Topic: name, Key: []byte(e.Key), Value: v}
	}
	if err := b.cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("publish %d events to %s: %w", len(events), name, errs.Wrap(errs.Unavailable, err, "event bus unavailable"))
	}
	return nil
}

// ensureTopic creates the Kafka topic behind topic unless this process
// knows it exists, and returns its name.
func (b *Bus) ensureTopic(ctx context.Context, topic string) (string, error) {
	name := b.cfg.TopicPrefix + topic
	b.mu.Lock()
	known := b.topics[name]
	b.mu.Unlock()
	if known {
		return name, nil
	}
	_, err := b.adm.CreateTopic(ctx, b.cfg.Partitions, b.cfg.ReplicationFactor, nil, name)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return "", fmt.Errorf("create topic %s: %w", name, errs.Wrap(errs.Unavailable, err, "event bus unavailable"))
	}
	b.mu.Lock()
	b.topics[name] = true
	b.mu.Unlock()
	return name, nil
}

// endOffsets returns the offset the next record of each partition of
// topic will get. A topic just created may take a moment to show up in
// every broker's metadata, so unknown-topic answers are retried briefly.
func (b *Bus) endOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		listed, err := b.adm.ListEndOffsets(ctx, topic)
		if err == nil {
			err = listed.Error()
		}
		if err == nil {
			out := map[int32]int64{}
			listed.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
			if len(out) > 0 {
				return out, nil
			}
			err = kerr.UnknownTopicOrPartition
		}
		if !errors.Is(err, kerr.UnknownTopicOrPartition) && !errors.Is(err, kerr.LeaderNotAvailable) &&
			!errors.Is(err, kerr.NotLeaderForPartition) || time.Now().After(deadline) {
			return nil, fmt.Errorf("list end offsets of %s: %w", topic, errs.Wrap(errs.Unavailable, err, "event bus unavailable"))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Subscribe starts consuming s.Topic in the background and returns once
// the subscription is set up. A consumer group joins the Kafka group
// "<prefix><topic>/<group>" and, when new, starts from the earliest
// offset. A broadcast subscription looks up the end offset of every
// partition before returning and consumes from there, so it sees every
// event published after Subscribe returns (partitions added to the topic
// later are not followed). The handler is given ctx: cancelling it stops
// the subscription and tells a handler in progress to give up, in which
// case its event stays uncommitted and is handled again elsewhere.
func (b *Bus) Subscribe(ctx context.Context, s event.Subscription) error {
	if s.Topic == "" || s.Handler == nil && s.Batch == nil {
		return errs.E(errs.Invalid, "event bus: a subscription needs a topic and a handler")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.isClosed() {
		return fmt.Errorf("subscribe to %s: %w", s.Topic, errClosed())
	}
	name, err := b.ensureTopic(ctx, s.Topic)
	if err != nil {
		return err
	}
	var sub *subscription
	h, bh := event.Handlers(s)
	if s.Group == "" {
		// Broadcast: one event at a time.
		sub, err = b.newBroadcast(ctx, name, func(ctx context.Context, events []event.Event) (int, error) {
			for i, e := range events {
				if err := event.Invoke(ctx, h, e); err != nil {
					return i, err
				}
			}
			return len(events), nil
		})
	} else {
		sub, err = b.newGroup(ctx, name, s.Group, bh)
	}
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", name, err)
	}

	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		sub.shutdown()
		return fmt.Errorf("subscribe to %s: %w", s.Topic, errClosed())
	}
	b.subs.Add(1)
	b.mu.Unlock()
	go func() {
		defer b.subs.Done()
		sub.run(ctx, b.closing)
	}()
	return nil
}

// Ping asks a broker for metadata.
func (b *Bus) Ping(ctx context.Context) error {
	if b.isClosed() {
		return errClosed()
	}
	if err := b.cl.Ping(ctx); err != nil {
		return fmt.Errorf("kafkabus: ping: %w", errs.Wrap(errs.Unavailable, err, "event bus unavailable"))
	}
	return nil
}

// Close stops every subscription: each lets the handlers in progress
// finish (without retrying them further), commits what was handled,
// leaves its consumer group and closes its connections. Then Close
// closes the producer. It is idempotent; every call returns once the bus
// has stopped.
func (b *Bus) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		close(b.closing)
		b.subs.Wait()
		b.cl.Close()
	})
	return nil
}

// kgoLogger passes the Kafka client's warnings and errors to slog.
type kgoLogger struct{ l *slog.Logger }

func (k kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (k kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	lvl := slog.LevelWarn
	switch level {
	case kgo.LogLevelError:
		lvl = slog.LevelError
	case kgo.LogLevelInfo:
		lvl = slog.LevelInfo
	case kgo.LogLevelDebug:
		lvl = slog.LevelDebug
	}
	k.l.Log(context.Background(), lvl, "kafka client: "+msg, keyvals...)
}
