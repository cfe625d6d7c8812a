package kafkabus

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/parleychat/parley/internal/event"
)

// Consumer-group timings. Short enough that a crashed instance's
// partitions move within seconds (chat messages wait meanwhile), long
// enough for a handler in progress to finish when partitions are revoked.
const (
	sessionTimeout    = 10 * time.Second
	heartbeatInterval = time.Second
	rebalanceTimeout  = 30 * time.Second
)

// subscription is one Subscribe call: its own Kafka client, a poll loop
// that hands records to one worker per partition, and (for a consumer
// group) the callbacks that start and stop workers as partitions are
// assigned and revoked.
type subscription struct {
	bus     *Bus
	log     *slog.Logger
	topic   string // Kafka topic name
	group   string // Kafka group id; "" for broadcast
	handler event.BatchHandler
	hctx    context.Context // handed to the handler: the subscriber's context
	cl      *kgo.Client

	mu      sync.Mutex
	parts   map[int32]*partition
	closing bool
}

func (b *Bus) newSubscription(ctx context.Context, topic, group string, h event.BatchHandler) *subscription {
	return &subscription{
		bus:     b,
		log:     b.log.With("topic", topic, "group", group),
		topic:   topic,
		group:   group,
		handler: h,
		hctx:    ctx,
		parts:   make(map[int32]*partition),
	}
}

// newBroadcast consumes every partition of topic from its current end.
func (b *Bus) newBroadcast(ctx context.Context, topic string, h event.BatchHandler) (*subscription, error) {
	ends, err := b.endOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	s := b.newSubscription(ctx, topic, "", h)
	start := make(map[int32]kgo.Offset, len(ends))
	for p, off := range ends {
		start[p] = kgo.NewOffset().At(off)
	}
	cl, err := kgo.NewClient(b.clientOpts(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}),
		kgo.FetchMaxWait(time.Second),
	)...)
	if err != nil {
		return nil, err
	}
	s.cl = cl
	for p := range ends {
		s.parts[p] = s.newPartition(cl, p)
	}
	return s, nil
}

// newGroup joins the consumer group of group on topic. Offsets are
// committed by the partition workers, only for events handled or skipped.
func (b *Bus) newGroup(ctx context.Context, topic, group string, h event.BatchHandler) (*subscription, error) {
	s := b.newSubscription(ctx, topic, topic+"/"+group, h)
	cl, err := kgo.NewClient(b.clientOpts(
		kgo.ConsumerGroup(s.group),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeStartOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		// Callbacks never run between a poll and the hand-off of its
		// records, so records of a revoked partition never reach the
		// worker of a later assignment.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(s.assigned),
		kgo.OnPartitionsRevoked(s.revoked),
		kgo.OnPartitionsLost(s.lost),
		kgo.SessionTimeout(sessionTimeout),
		kgo.HeartbeatInterval(heartbeatInterval),
		kgo.RebalanceTimeout(rebalanceTimeout),
		kgo.FetchMaxWait(time.Second),
	)...)
	if err != nil {
		return nil, err
	}
	s.cl = cl
	return s, nil
}

// assigned starts a worker for each partition this member was given.
func (s *subscription) assigned(_ context.Context, cl *kgo.Client, assigned map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	ps := assigned[s.topic]
	for _, p := range ps {
		if s.parts[p] == nil {
			s.parts[p] = s.newPartition(cl, p)
		}
	}
	// A partition paused under an earlier assignment starts afresh.
	cl.ResumeFetchPartitions(map[string][]int32{s.topic: ps})
	s.log.Debug("kafkabus: partitions assigned", "partitions", ps)
}

// revoked stops the workers of partitions moving to another member; each
// finishes the handler in progress and commits what it handled before the
// partition moves.
func (s *subscription) revoked(_ context.Context, _ *kgo.Client, revoked map[string][]int32) {
	s.stopPartitions(revoked[s.topic], true)
}

// lost stops the workers of partitions this member lost without a clean
// hand-over (its session expired): committing would fail, so it does not
// try; the new owner re-handles from the last commit.
func (s *subscription) lost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	s.stopPartitions(lost[s.topic], false)
}

func (s *subscription) stopPartitions(ps []int32, commit bool) {
	s.mu.Lock()
	var stopping []*partition
	for _, p := range ps {
		if w := s.parts[p]; w != nil {
			stopping = append(stopping, w)
			delete(s.parts, p)
		}
	}
	s.mu.Unlock()
	for _, w := range stopping {
		w.halt(commit)
	}
	for _, w := range stopping {
		<-w.done
	}
	if len(ps) > 0 {
		s.log.Debug("kafkabus: partitions stopped", "partitions", ps, "committed", commit)
	}
}

// run polls until ctx is done or the bus closes, then shuts down.
func (s *subscription) run(ctx context.Context, closing <-chan struct{}) {
	pollCtx, cancel := context.WithCancel(context.Background())
	stopWatch := context.AfterFunc(ctx, cancel)
	go func() {
		select {
		case <-closing:
			cancel()
		case <-pollCtx.Done():
		}
	}()
	s.poll(pollCtx)
	stopWatch()
	cancel()
	s.shutdown()
}

func (s *subscription) poll(ctx context.Context) {
	for {
		fs := s.cl.PollRecords(ctx, 1000)
		if ctx.Err() != nil || fs.IsClientClosed() {
			s.cl.AllowRebalance()
			return
		}
		failed := false
		fs.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				failed = true
				s.log.Warn("kafkabus: fetch failed", "partition", p, "err", err)
			}
		})
		s.mu.Lock()
		fs.EachPartition(func(ftp kgo.FetchTopicPartition) {
			if w := s.parts[ftp.Partition]; w != nil && len(ftp.Records) > 0 {
				w.push(ftp.Records)
			}
		})
		s.mu.Unlock()
		s.cl.AllowRebalance()
		if failed && fs.NumRecords() == 0 {
			select { // do not spin while the brokers are away
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
}

// shutdown stops every worker (letting handlers in progress finish),
// commits what they handled, and closes the client, which leaves the
// consumer group.
func (s *subscription) shutdown() {
	s.mu.Lock()
	s.closing = true
	ps := slices.Collect(maps.Keys(s.parts))
	s.mu.Unlock()
	s.stopPartitions(ps, true)
	s.cl.CloseAllowingRebalance()
	s.log.Debug("kafkabus: subscription stopped")
}
