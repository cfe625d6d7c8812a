package ws

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
)

// BenchmarkPresenceRestart measures what presence costs when a ws
// instance with 10,000 connections restarts (each user in 3 of 1,000
// groups): its users reconnect to a new instance, whose state machine
// announces them in one tick (batches of 500, JSON-encoded as events), and
// one receiving instance decodes and applies them and then forgets the
// old instance. ns/op is that whole cost on the announcing instance plus
// one receiver (every ws instance is a receiver). "warm": the old
// instance's users are still in the view (it left, or died, less than
// its grace or TTL ago), so no user changes status and no frame is sent;
// "cold": nobody is known (the embedded mode's own restart), so every
// user comes online — the frames those changes make are the fan-out cost
// measured by BenchmarkTypingFanout, per contact connection.
func BenchmarkPresenceRestart(b *testing.B) {
	const users, groups = 10000, 1000
	groupsOf := func(u int) []string {
		return []string{fmt.Sprintf("g%04d", u%groups), fmt.Sprintf("g%04d", (u*7+1)%groups), fmt.Sprintf("g%04d", (u*13+2)%groups)}
	}
	for _, warm := range []bool{true, false} {
		name := "cold"
		if warm {
			name = "warm"
		}
		b.Run(name, func(b *testing.B) {
			var events, changed int
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				recv := newTestPresence("recv")
				if warm {
					old := presenceEvent{Instance: "old", Seq: 1, Reset: true, Final: true}
					for u := range users {
						old.Users = append(old.Users, presenceUpdate{UserID: fmt.Sprintf("u%05d", u), Status: StatusOnline, Groups: groupsOf(u)})
					}
					recv.apply(old, time.Now())
					recv.apply(presenceEvent{Instance: "old", Seq: 2, Leaving: true}, time.Now())
				}
				next := newTestPresence("new")
				conns := make([]*conn, users)
				for u := range conns {
					conns[u] = &conn{}
				}
				b.StartTimer()

				// The new instance: 10,000 connections, one tick.
				now := time.Now()
				for u, c := range conns {
					next.local.connect(c, fmt.Sprintf("u%05d", u))
				}
				ups := next.local.tick(now, func(id string) []string {
					var u int
					fmt.Sscanf(id, "u%05d", &u)
					return groupsOf(u)
				})
				var evs []event.Event
				for start := 0; start < len(ups); start += presenceMaxBatch {
					e, err := event.New(EventPresence, "new", presenceEvent{Instance: "new", Seq: uint64(len(evs) + 2), Users: ups[start:min(start+presenceMaxBatch, len(ups))]})
					if err != nil {
						b.Fatal(err)
					}
					evs = append(evs, e)
				}
				// One receiver: the new instance's first (empty) full
				// state, its batches, then the old instance expires.
				recv.mu.Lock()
				n := len(recv.apply(presenceEvent{Instance: "new", Seq: 1, Reset: true, Final: true}, now))
				recv.mu.Unlock()
				for _, e := range evs {
					var pe presenceEvent
					if err := e.Decode(&pe); err != nil {
						b.Fatal(err)
					}
					recv.mu.Lock()
					cs := recv.apply(pe, now)
					recv.deliver(cs)
					recv.mu.Unlock()
					n += len(cs)
				}
				recv.mu.Lock()
				cs := recv.view.expire("recv", now.Add(time.Minute), time.Hour)
				recv.mu.Unlock()
				n += len(cs)
				events, changed = len(evs), n
			}
			b.ReportMetric(float64(events), "events/op")
			b.ReportMetric(float64(changed), "changes/op")
			if warm && changed != 0 {
				b.Fatalf("a warm restart changed %d users' status, want none", changed)
			}
			if !warm && changed != users {
				b.Fatalf("a cold restart changed %d users, want %d", changed, users)
			}
		})
	}
}
