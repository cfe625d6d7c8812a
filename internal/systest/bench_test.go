package systest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkChat measures what a user feels in a busy group: the time from
// a message.send frame to its message.created at another member's
// WebSocket (p50, p99), and the messages per second the cluster carried,
// in one group, under a light load (10 senders at 10/s: 100 messages/s
// offered) and a busy one (20 senders at 15/s, under the per-connection
// limit of 20/s: 300 messages/s offered, each fanned out to 21
// connections). Both modes. A sender whose connection the server drops as
// too slow loses the frames it had in flight (a real client resends them
// after reconnecting); the benchmark reports what was delivered.
//
//	go test -run '^$' -bench Chat -benchtime 1x ./internal/systest
func BenchmarkChat(b *testing.B) {
	for _, load := range []struct {
		name                     string
		senders, perSender, rate int
	}{{"light", 10, 50, 10}, {"busy", 20, 50, 15}} {
		for _, mode := range Modes {
			b.Run(load.name+"/"+string(mode), func(b *testing.B) { benchChat(b, mode, load.senders, load.perSender, load.rate) })
		}
	}
}

func benchChat(b *testing.B, mode Mode, senders, perSender, rate int) {
	{
		{
			c := Start(b, mode)
			recv, _ := signUp(b, c, "reader", "reader password")
			var users []*Client
			for i := range senders {
				u, _ := signUp(b, c, fmt.Sprintf("sender%02d", i), "sender password")
				users = append(users, u)
			}
			gid := groupWith(b, recv, "Busy", users...)
			rws, _ := DialWS(b, c.URL, recv)
			conns := make([]*WS, senders)
			for i, u := range users {
				conns[i], _ = DialWS(b, c.URL, u)
			}
			for b.Loop() {
				var sent sync.Map // clientMsgId → time sent
				total := senders * perSender
				start := time.Now()
				var wg sync.WaitGroup
				for i, w := range conns {
					wg.Go(func() {
						tick := time.NewTicker(time.Second / time.Duration(rate))
						defer tick.Stop()
						for j := range perSender {
							<-tick.C
							cid := fmt.Sprintf("s%02d-%03d", i, j)
							sent.Store(cid, time.Now())
							if err := w.write(map[string]any{"type": "message.send", "groupId": gid, "clientMsgId": cid, "text": "load"}); err != nil {
								b.Logf("sender %d: %v", i, err)
								return
							}
						}
					})
				}
				lat := make([]time.Duration, 0, total)
				timeout := time.After(2 * time.Minute)
				for len(lat) < total {
					select {
					case f := <-rws.frames:
						if f["type"] != "message.created" {
							continue
						}
						cid, _ := f["message"].(map[string]any)["clientMsgId"].(string)
						if t0, ok := sent.Load(cid); ok {
							lat = append(lat, time.Since(t0.(time.Time)))
						}
					case <-timeout:
						b.Logf("only %d of %d messages delivered within 2 minutes", len(lat), total)
						total = len(lat)
					}
				}
				elapsed := time.Since(start)
				wg.Wait()
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(total)/elapsed.Seconds(), "msgs/s")
				b.ReportMetric(float64(len(lat)), "delivered")
			}
		}
	}
}
