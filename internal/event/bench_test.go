package event

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkMemBusThroughput publishes b.N events over 64 keys to one
// consumer group and waits until all are handled.
func BenchmarkMemBusThroughput(b *testing.B) {
	bus := NewMemBus(MemOptions{})
	defer bus.Close()
	var handled atomic.Int64
	done := make(chan struct{})
	target := int64(b.N)
	err := bus.Subscribe(context.Background(), Subscription{Topic: "bench", Group: "g", Handler: func(context.Context, Event) error {
		if handled.Add(1) == target {
			close(done)
		}
		return nil
	}})
	if err != nil {
		b.Fatal(err)
	}
	events := make([]Event, 64)
	for i := range events {
		events[i], _ = New("bench.event", fmt.Sprintf("key-%d", i), map[string]int{"i": i})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := bus.Publish(context.Background(), "bench", events[i%len(events)]); err != nil {
			b.Fatal(err)
		}
	}
	<-done
}
