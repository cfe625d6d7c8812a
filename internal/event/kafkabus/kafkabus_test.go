package kafkabus_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/event/eventtest"
	"github.com/parleychat/parley/internal/event/kafkabus"
	"github.com/parleychat/parley/internal/platformtest"
)

// testLogger discards the bus's logs unless PARLEY_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("PARLEY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// factory returns a NewBus that opens a fresh Bus on every call, all of a
// test's buses sharing one topic prefix (so one backend), each closed when
// the test ends.
func factory(brokers []string) eventtest.NewBus {
	var mu sync.Mutex
	prefixes := map[*testing.T]string{}
	return func(t *testing.T) event.Bus {
		t.Helper()
		mu.Lock()
		prefix, ok := prefixes[t]
		if !ok {
			prefix = platformtest.Name("parleytest.") + "."
			prefixes[t] = prefix
		}
		mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		b, err := kafkabus.Open(ctx, kafkabus.Config{
			Brokers:     brokers,
			TopicPrefix: prefix,
			Partitions:  8,
			ClientID:    "parley-test",
			Logger:      testLogger(),
		})
		if err != nil {
			t.Fatalf("open kafka bus on %v: %v", brokers, err)
		}
		t.Cleanup(func() { _ = b.Close() })
		return b
	}
}

// newInProcessBroker starts a kfake cluster for the test.
func newInProcessBroker(t *testing.T) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

func TestContractOnInProcessBroker(t *testing.T) {
	t.Parallel()
	eventtest.Run(t, factory(newInProcessBroker(t)))
}

// TestContractOnBrokerProcess runs the contract against the broker that
// runs as its own process (cmd/parley-devbroker, or a real Kafka), at
// PARLEY_TEST_KAFKA_URL. It fails when that broker is unreachable.
func TestContractOnBrokerProcess(t *testing.T) {
	t.Parallel()
	cfg, err := kafkabus.ParseURL(platformtest.KafkaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	eventtest.Run(t, factory(cfg.Brokers))
}

func TestMalformedRecordsAreSkipped(t *testing.T) {
	t.Parallel()
	brokers := newInProcessBroker(t)
	b := factory(brokers)(t)
	ctx := platformtest.Context(t)

	got := make(chan event.Event, 10)
	topic := "malformed"
	if err := b.Subscribe(ctx, event.Subscription{Topic: topic, Group: "g", Handler: func(_ context.Context, e event.Event) error {
		got <- e
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	// Find the topic's full name: the factory's prefix plus topic.
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	full := findTopic(t, ctx, cl, topic)
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: full, Key: []byte("k"), Value: []byte("not an envelope")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	good, _ := event.New("test.good", "k", map[string]int{"n": 1})
	if err := b.Publish(ctx, topic, good); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-got:
		if e.ID != good.ID {
			t.Fatalf("got event %s, want %s", e.ID, good.ID)
		}
	case <-time.After(eventtest.Wait):
		t.Fatal("the event after a malformed record was never handled")
	}
}

// findTopic returns the name of the only topic ending in "."+suffix.
func findTopic(t *testing.T, ctx context.Context, cl *kgo.Client, suffix string) string {
	t.Helper()
	topics, err := kadm.NewClient(cl).ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name := range topics {
		if strings.HasSuffix(name, "."+suffix) {
			return name
		}
	}
	t.Fatalf("no topic ending in .%s among %v", suffix, topics.Names())
	return ""
}

func TestOpenFailsWhenNoBrokerAnswers(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := kafkabus.Open(ctx, kafkabus.Config{Brokers: []string{"127.0.0.1:1"}, Logger: testLogger()})
	if err == nil {
		t.Fatal("Open succeeded with no broker listening")
	}
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url  string
		want kafkabus.Config
	}{
		{"kafka://127.0.0.1:19092", kafkabus.Config{Brokers: []string{"127.0.0.1:19092"}}},
		{"kafka://h1:9092,h2:9093/", kafkabus.Config{Brokers: []string{"h1:9092", "h2:9093"}}},
		{"kafka://kafka", kafkabus.Config{Brokers: []string{"kafka:9092"}}},
		{"kafka://h1:9092,h2:9092?prefix=x.&partitions=8&replication=3&client_id=ws-1",
			kafkabus.Config{Brokers: []string{"h1:9092", "h2:9092"}, TopicPrefix: "x.", Partitions: 8, ReplicationFactor: 3, ClientID: "ws-1"}},
	} {
		got, err := kafkabus.ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseURL(%q) = %+v, want %+v", tc.url, got, tc.want)
		}
	}
	for _, bad := range []string{
		"mem://", "kafka://", "kafka://h:9092?partitions=0", "kafka://h:9092?partitions=x",
		"kafka://h:9092?replication=0", "kafka://h:9092?colour=blue", "kafka://h:9092?%zz",
	} {
		if _, err := kafkabus.ParseURL(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseURL(%q): got %v, want an Invalid error", bad, err)
		}
	}
}
