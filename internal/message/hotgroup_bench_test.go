package message

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/event/kafkabus"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// BenchmarkHotGroup offers one group as much as the role can sequence:
// 50 (then 200) senders, each publishing a message.submitted and waiting for its
// message.created on the messages topic before sending the next (as fast
// as acks allow). The role runs as the node wires it: the sequencer as a
// consumer group of messages.submitted, the outbox relay publishing to the
// messages topic. Embedded: SQLite and the memory bus; split: MariaDB and
// the Kafka-protocol broker process. It reports messages sequenced per
// second and p50/p99 from publish to message.created.
//
//	go test -run '^$' -bench HotGroup -benchtime 1x ./internal/message
func BenchmarkHotGroup(b *testing.B) {
	for _, mode := range []string{"embedded", "split"} {
		for _, senders := range []int{50, 200} {
			b.Run(fmt.Sprintf("%s/senders=%d", mode, senders), func(b *testing.B) { benchHotGroup(b, mode, senders) })
		}
	}
}

func benchHotGroup(b *testing.B, mode string, senders int) {
	const each = 100
	ctx := platformtest.Context(b)
	var db *sqlstore.DB
	var bus event.Bus
	if mode == "embedded" {
		db = sqlstoretest.SQLite(b)
		mem := event.NewMemBus(event.MemOptions{})
		b.Cleanup(func() { mem.Close() })
		bus = mem
	} else {
		db = sqlstoretest.MySQL(b)
		cfg, err := kafkabus.ParseURL(platformtest.KafkaURL(b))
		if err != nil {
			b.Fatal(err)
		}
		cfg.TopicPrefix = platformtest.Name("parleybench.") + "."
		cfg.Partitions = 8
		kb, err := kafkabus.Open(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { kb.Close() })
		bus = kb
	}
	relay := outbox.NewRelay(db, bus, outbox.Options{Name: "message", BatchSize: RelayBatchSize})
	svc := benchService(b, db, relay.Notify)
	go func() { _ = relay.Run(ctx) }()
	g := newUUID()
	users := make([]string, senders)
	for i := range users {
		users[i] = newUUID()
		if err := svc.putMember(ctx, g, groupevent.Member{UserID: users[i], Role: rights.RoleMember}); err != nil {
			b.Fatal(err)
		}
	}
	// acks routes each message.created to its sender by clientMsgId.
	var mu sync.Mutex
	acks := map[string]chan time.Time{}
	seen := func(_ context.Context, e event.Event) error {
		if e.Type != EventCreated {
			return nil
		}
		var c Created
		if err := e.Decode(&c); err != nil || c.Message.ClientMsgID == nil {
			return nil
		}
		mu.Lock()
		ch := acks[*c.Message.ClientMsgID]
		mu.Unlock()
		if ch != nil {
			select {
			case ch <- time.Now():
			default:
			}
		}
		return nil
	}
	for _, s := range []event.Subscription{
		{Topic: TopicSubmitted, Group: ConsumerGroup, Handler: svc.HandleSubmitted, Batch: svc.HandleSubmittedBatch},
		{Topic: Topic, Handler: seen},
	} {
		if err := bus.Subscribe(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	round := 0
	for b.Loop() {
		round++
		lat := make([]time.Duration, 0, senders*each)
		var lmu sync.Mutex
		var wg sync.WaitGroup
		start := time.Now()
		for s := range senders {
			wg.Go(func() {
				for i := range each {
					cid := fmt.Sprintf("r%d-s%d-%d", round, s, i)
					ch := make(chan time.Time, 1)
					mu.Lock()
					acks[cid] = ch
					mu.Unlock()
					ev, err := event.New(EventSubmitted, g, Submitted{GroupID: g, AuthorID: users[s], ClientMsgID: cid, Text: "hot group message"})
					if err != nil {
						b.Error(err)
						return
					}
					t0 := time.Now()
					if err := bus.Publish(ctx, TopicSubmitted, ev); err != nil {
						b.Error(err)
						return
					}
					select {
					case t1 := <-ch:
						lmu.Lock()
						lat = append(lat, t1.Sub(t0))
						lmu.Unlock()
					case <-time.After(30 * time.Second):
						b.Errorf("sender %d: no message.created for %s within 30 s", s, cid)
						return
					}
					mu.Lock()
					delete(acks, cid)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		if len(lat) == 0 {
			b.Fatal("nothing delivered")
		}
		slices.Sort(lat)
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
