package ws

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkFanout measures delivering one message.created to every
// connection of a group: decoding the event, encoding the frame once,
// queueing it for each connection, and the writers sending it over real
// loopback WebSockets to clients that read everything. ns/op is per event
// (all connections); frames/s counts frames received by clients.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			const window = 256 // events in flight before waiting for the slowest client
			h := newHarness(b, harnessOpts{limits: Limits{SendQueue: 2 * window}})
			var received []atomic.Int64
			received = make([]atomic.Int64, n)
			var wg sync.WaitGroup
			for i := range n {
				c, _ := h.dial(b, fmt.Sprintf("tok-u%d", i))
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						if _, _, err := c.ws.Read(context.Background()); err != nil {
							return
						}
						received[i].Add(1)
					}
				}()
			}
			slowest := func() int64 {
				m := received[0].Load()
				for i := range received {
					m = min(m, received[i].Load())
				}
				return m
			}
			e := mustEvent(b, EventMessageCreated, map[string]any{"message": map[string]any{
				"id": "m", "groupId": allGroup, "seq": 1, "authorId": "u0", "text": "hello, this is a message of ordinary length", "attachments": []any{},
				"createdAt": time.Now().UTC(), "clientMsgId": "c", "deleted": false, "hidden": false,
			}})
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				for int64(i)-slowest() >= window {
					runtime.Gosched()
				}
				if err := h.srv.handleMessages(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
			for slowest() < int64(b.N) {
				runtime.Gosched()
			}
			b.ReportMetric(float64(b.N*n)/time.Since(start).Seconds(), "frames/s")
			b.StopTimer()
			for i := range received {
				if got := received[i].Load(); got != int64(b.N) {
					b.Fatalf("client %d received %d frames, want %d", i, got, b.N)
				}
			}
		})
	}
}

// BenchmarkIdleConnectionMemory is the measurement helper for memory per
// idle authenticated connection: it opens N connections (each in one group
// besides allGroup) and reports the growth of heap in use plus goroutine
// stacks per connection, after a GC. Clients run in the same process, so
// the figure includes the client side of each connection (a coder/websocket
// Conn with its buffers and one HTTP transport connection): it is an upper
// bound for the server side. Run with -bench IdleConnectionMemory
// -benchtime 1x.
// idleConns sets how many connections BenchmarkIdleConnectionMemory opens;
// 10,000 needs a higher open-files limit than the default 20,000 (both
// ends are in this process): ulimit -n 65536 first.
var idleConns = flag.Int("conns", 2000, "connections for BenchmarkIdleConnectionMemory")

func BenchmarkIdleConnectionMemory(b *testing.B) {
	n := *idleConns
	for b.Loop() {
		h := newHarness(b, harnessOpts{})
		heap0, stack0 := memInUse()
		clients := make([]*client, 0, n)
		for i := range n {
			c, _ := h.dial(b, fmt.Sprintf("tok-u%d", i))
			clients = append(clients, c)
		}
		heap1, stack1 := memInUse()
		b.ReportMetric(float64(heap1+stack1-heap0-stack0)/float64(n), "bytes/conn")
		b.ReportMetric(float64(stack1-stack0)/float64(n), "stack-bytes/conn")
		b.ReportMetric(float64(runtime.NumGoroutine())/float64(n), "goroutines/conn")
		for _, c := range clients {
			_ = c.ws.CloseNow()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = h.srv.Shutdown(ctx)
		cancel()
		h.http.Close()
	}
}

func memInUse() (heap, stack int64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse), int64(m.StackInuse)
}

// BenchmarkTypingFanout measures delivering one typing event to a group
// of N connections (handleTyping: decode, one frame, N-1 enqueues, the
// writers sending it over loopback to clients that read everything). The
// typist is one of the N and receives nothing. ns/op is per event.
func BenchmarkTypingFanout(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			const window = 256
			h := newHarness(b, harnessOpts{limits: Limits{SendQueue: 2 * window}})
			received := make([]atomic.Int64, n)
			for i := range n {
				c, _ := h.dial(b, fmt.Sprintf("tok-u%d", i))
				go func() {
					for {
						if _, _, err := c.ws.Read(context.Background()); err != nil {
							return
						}
						received[i].Add(1)
					}
				}()
			}
			slowest := func() int64 {
				m := received[1].Load()
				for i := 1; i < n; i++ {
					m = min(m, received[i].Load())
				}
				return m
			}
			e := mustEvent(b, EventTyping, map[string]any{"groupId": allGroup, "userId": "u0"})
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				for int64(i)-slowest() >= window {
					runtime.Gosched()
				}
				e.OccurredAt = time.Now()
				if err := h.srv.handleTyping(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
			for slowest() < int64(b.N) {
				runtime.Gosched()
			}
			b.ReportMetric(float64(b.N*(n-1))/time.Since(start).Seconds(), "frames/s")
			b.StopTimer()
			if got := received[0].Load(); got != 0 {
				b.Fatalf("the typist received %d frames", got)
			}
		})
	}
}

// BenchmarkIdleServerConnectionMemory is BenchmarkIdleConnectionMemory
// with bare TCP clients (gobwas/ws frames; after ready each keeps its
// net.Conn only), so that the figure is the server side's plus a few
// hundred bytes: run with -bench IdleServerConnectionMemory -benchtime 1x
// -memprofile to see where a connection's memory goes.
var idleHeapProfile = flag.String("idleheap", "", "BenchmarkIdleServerConnectionMemory: write a heap profile here while the connections are open")

func BenchmarkIdleServerConnectionMemory(b *testing.B) {
	n := *idleConns
	for b.Loop() {
		h := newHarness(b, harnessOpts{})
		heap0, stack0 := memInUse()
		g0 := runtime.NumGoroutine()
		conns := make([]net.Conn, 0, n)
		for i := range n {
			c := h.dialRawAuth(b, fmt.Sprintf("tok-u%d", i))
			c.br = nil
			conns = append(conns, c.nc)
		}
		heap1, stack1 := memInUse()
		if *idleHeapProfile != "" {
			f, err := os.Create(*idleHeapProfile)
			if err != nil {
				b.Fatal(err)
			}
			if err := pprof.WriteHeapProfile(f); err != nil {
				b.Fatal(err)
			}
			_ = f.Close()
		}
		b.ReportMetric(float64(heap1+stack1-heap0-stack0)/float64(n), "bytes/conn")
		b.ReportMetric(float64(stack1-stack0)/float64(n), "stack-bytes/conn")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/float64(n), "goroutines/conn")
		for _, c := range conns {
			_ = c.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = h.srv.Shutdown(ctx)
		cancel()
		h.http.Close()
	}
}
