package systest

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// chatter is one user in the failover scenario: it sends its share of the
// messages over the WebSocket, records every message.created, and when its
// connection dies reconnects to a fallback instance, catches up with
// ?after=lastSeq and resends what was never acknowledged (same clientMsgId:
// the server is idempotent) — what the web client does.
type chatter struct {
	t        *testing.T
	name     string
	cl       *Client
	gid      string
	urls     []string // ws instances, preferred first
	total    int      // messages in the whole conversation
	mine     []string // my clientMsgIds, in send order
	acked    atomic.Int64
	reconns  int
	mu       sync.Mutex
	bySeq    map[int64]string // seq → message id
	ownAcked map[string]bool
}

func (ch *chatter) record(m map[string]any) error {
	seq := int64(m["seq"].(float64))
	id := m["id"].(string)
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if prev, ok := ch.bySeq[seq]; ok && prev != id {
		return fmt.Errorf("%s: seq %d is both %s and %s", ch.name, seq, prev, id)
	}
	ch.bySeq[seq] = id
	if cid, _ := m["clientMsgId"].(string); cid != "" && m["authorId"] == ch.cl.userID && !ch.ownAcked[cid] {
		ch.ownAcked[cid] = true
		ch.acked.Add(1)
	}
	return nil
}

func (ch *chatter) lastContiguous() int64 {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	var s int64
	for {
		if _, ok := ch.bySeq[s+1]; !ok {
			return s
		}
		s++
	}
}

func (ch *chatter) complete() bool {
	return ch.lastContiguous() >= int64(ch.total) && int(ch.acked.Load()) == len(ch.mine)
}

// catchUp fetches every message after the last contiguous seq.
func (ch *chatter) catchUp() error {
	for {
		r, err := ch.cl.Try("GET", fmt.Sprintf("/api/v1/groups/%s/messages?after=%d&limit=100", ch.gid, ch.lastContiguous()))
		if err != nil || r.Status != 200 {
			return fmt.Errorf("%s: catch-up: %v %d %s", ch.name, err, r.Status, r.Body)
		}
		var p struct {
			Items   []map[string]any `json:"items"`
			HasMore bool             `json:"hasMore"`
		}
		if err := json.Unmarshal(r.Body, &p); err != nil {
			return err
		}
		for _, m := range p.Items {
			if err := ch.record(m); err != nil {
				return err
			}
		}
		if !p.HasMore {
			return nil
		}
	}
}

// run sends this chatter's messages at a pace under the per-connection
// rate limit and reads until the whole conversation is in, reconnecting
// whenever its connection ends.
func (ch *chatter) run(deadline time.Time) error {
	urlIdx := 0
	for !ch.complete() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: incomplete at the deadline: contiguous to %d of %d, %d of %d own acknowledged",
				ch.name, ch.lastContiguous(), ch.total, ch.acked.Load(), len(ch.mine))
		}
		w, _, err := dialWS(ch.t, ch.urls[urlIdx%len(ch.urls)], ch.cl)
		if err != nil {
			urlIdx++ // that instance is gone: use the next one
			ch.reconns++
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err := ch.catchUp(); err != nil {
			return err
		}
		if err := ch.session(w, deadline); err != nil {
			return err
		}
		ch.reconns++
	}
	return nil
}

// session drives one connection until it ends or everything is in.
func (ch *chatter) session(w *WS, deadline time.Time) error {
	tick := time.NewTicker(70 * time.Millisecond) // ~14 sends/s, under the 20/s limit
	defer tick.Stop()
	next := 0 // index into mine of the next message to (re)send on this connection
	for !ch.complete() && time.Now().Before(deadline) {
		select {
		case f, ok := <-w.frames:
			if !ok {
				return nil // connection ended: reconnect
			}
			if f["type"] == "message.created" {
				if err := ch.record(f["message"].(map[string]any)); err != nil {
					return err
				}
			}
		case <-tick.C:
			for next < len(ch.mine) {
				cid := ch.mine[next]
				next++
				ch.mu.Lock()
				done := ch.ownAcked[cid]
				ch.mu.Unlock()
				if done {
					continue
				}
				if err := w.write(map[string]any{"type": "message.send", "groupId": ch.gid, "clientMsgId": cid, "text": ch.name + " " + cid}); err != nil {
					return nil // connection ended: reconnect
				}
				break
			}
			if next >= len(ch.mine) && int(ch.acked.Load()) < len(ch.mine) {
				// Everything was sent on this connection; resend stragglers
				// only after a quiet second (a reconnect resends at once).
				next = len(ch.mine)
			}
		}
	}
	return nil
}

// TestFailover is the split-mode scenario of issue 5: two ws and two
// message instances over the Kafka-protocol broker and MariaDB; two users
// exchange 1,000 messages while one ws instance (then, in a second run, one
// message instance) is stopped mid-stream. Both must end with the same
// 1,000 messages, no gap, no duplicate, same order.
func TestFailover(t *testing.T) {
	for _, kill := range []string{"ws", "message"} {
		t.Run("kill "+kill, func(t *testing.T) {
			const total = 1000
			c := StartWith(t, Split, map[string]int{"ws": 2, "message": 2})
			alice, aliceMe := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			alice.userID, bob.userID = aliceMe["id"].(string), bobMe["id"].(string)
			gid := groupWith(t, alice, "Failover", bob)
			ws0, ws1 := c.Instances["ws"][0].URL, c.Instances["ws"][1].URL
			mk := func(name string, cl *Client, urls []string) *chatter {
				ch := &chatter{t: t, name: name, cl: cl, gid: gid, urls: urls, total: total, bySeq: map[int64]string{}, ownAcked: map[string]bool{}}
				for i := range total / 2 {
					ch.mine = append(ch.mine, fmt.Sprintf("%s-%04d", name, i))
				}
				return ch
			}
			a := mk("alice", alice, []string{ws0, ws1})
			b := mk("bob", bob, []string{ws1, ws0}) // bob starts on the instance that dies

			deadline := time.Now().Add(3 * time.Minute)
			errc := make(chan error, 2)
			for _, ch := range []*chatter{a, b} {
				go func() { errc <- ch.run(deadline) }()
			}
			// Stop one instance once ~300 messages went through.
			for a.acked.Load()+b.acked.Load() < 300 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			victim := c.Instances[kill][1]
			if err := victim.Stop(); err != nil {
				t.Logf("stop %s: %v", kill, err)
			}
			t.Logf("stopped %s instance 2 after %d acknowledged messages", kill, a.acked.Load()+b.acked.Load())
			for range 2 {
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
			}
			for seq := int64(1); seq <= total; seq++ {
				if a.bySeq[seq] != b.bySeq[seq] {
					t.Fatalf("seq %d differs: %s vs %s", seq, a.bySeq[seq], b.bySeq[seq])
				}
			}
			if len(a.bySeq) != total || len(b.bySeq) != total {
				t.Fatalf("message counts %d and %d, want %d (a seq beyond %d means a duplicate)", len(a.bySeq), len(b.bySeq), total, total)
			}
			if kill == "ws" && b.reconns == 0 {
				t.Fatal("bob never had to reconnect: the scenario did not kill his instance")
			}
			t.Logf("reconnections: alice %d, bob %d", a.reconns, b.reconns)
		})
	}
}
