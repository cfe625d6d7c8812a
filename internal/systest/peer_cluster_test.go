//go:build cluster

package systest

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// peer is one user in the fault scenarios, doing what the web client does
// against a deployment that loses pieces under it: it connects through
// the ingress, catches up with ?after=lastSeq after every (re)connection
// and whenever it sees a gap, sends its share of the conversation under
// the per-connection rate limit, resends a message whose submission was
// refused as unavailable or not acknowledged within resendAfter (the same
// clientMsgId: the server deduplicates), and reconnects with a capped
// backoff whenever its connection or the ingress fails.
type peer struct {
	t     *testing.T
	name  string
	cl    *Client
	gid   string
	base  string // the ingress
	total int    // messages in the whole conversation
	mine  []string

	mu       sync.Mutex
	bySeq    map[int64]string // seq → message id
	cidBySeq map[int64]string // seq → clientMsgId
	ownAcked map[string]bool
	lastSent map[string]time.Time
	maxSeen  int64
	gapSince time.Time
	progress time.Time // when a new seq last came in

	acked    atomic.Int64
	reconns  atomic.Int64
	rejected atomic.Int64 // submissions refused as unavailable (resent)
	catchups atomic.Int64
}

const resendAfter = 3 * time.Second

func newPeer(t *testing.T, name string, cl *Client, gid, base string, total, share int) *peer {
	p := &peer{
		t: t, name: name, cl: cl, gid: gid, base: base, total: total,
		bySeq: map[int64]string{}, cidBySeq: map[int64]string{}, ownAcked: map[string]bool{}, lastSent: map[string]time.Time{},
	}
	for i := range share {
		p.mine = append(p.mine, fmt.Sprintf("%s-%04d", name, i))
	}
	return p
}

// record takes one message.created (live or from history).
func (p *peer) record(m map[string]any) error {
	seq := int64(m["seq"].(float64))
	id, _ := m["id"].(string)
	cid, _ := m["clientMsgId"].(string)
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.bySeq[seq]; ok && prev != id {
		return fmt.Errorf("%s: seq %d is both %s and %s", p.name, seq, prev, id)
	} else if !ok {
		p.progress = time.Now()
	}
	p.bySeq[seq] = id
	p.cidBySeq[seq] = cid
	p.maxSeen = max(p.maxSeen, seq)
	if cid != "" && m["authorId"] == p.cl.userID && !p.ownAcked[cid] {
		p.ownAcked[cid] = true
		p.acked.Add(1)
	}
	return nil
}

func (p *peer) lastContiguous() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.contiguousLocked()
}

func (p *peer) contiguousLocked() int64 {
	var s int64
	for {
		if _, ok := p.bySeq[s+1]; !ok {
			return s
		}
		s++
	}
}

func (p *peer) complete() bool {
	return p.lastContiguous() >= int64(p.total) && int(p.acked.Load()) == len(p.mine)
}

// catchUp pages through the history after the last contiguous seq. A
// transient failure (the ingress or a role restarting, a database down)
// is retried with a capped backoff until the deadline.
func (p *peer) catchUp(deadline time.Time) error {
	p.catchups.Add(1)
	wait := 100 * time.Millisecond
	for {
		r, err := p.cl.Try("GET", fmt.Sprintf("/api/v1/groups/%s/messages?after=%d&limit=100", p.gid, p.lastContiguous()))
		if err != nil || r.Status >= 500 {
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: catch-up still failing at the deadline: %v %d %s", p.name, err, r.Status, r.Body)
			}
			time.Sleep(wait)
			wait = min(2*wait, 2*time.Second)
			continue
		}
		if r.Status != 200 {
			return fmt.Errorf("%s: catch-up answered %d %s", p.name, r.Status, r.Body)
		}
		var page struct {
			Items   []map[string]any `json:"items"`
			HasMore bool             `json:"hasMore"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			return err
		}
		for _, m := range page.Items {
			if err := p.record(m); err != nil {
				return err
			}
		}
		if !page.HasMore {
			p.mu.Lock()
			p.gapSince = time.Time{}
			p.mu.Unlock()
			return nil
		}
	}
}

// run drives the peer until it holds the whole conversation.
func (p *peer) run(deadline time.Time) error {
	wait := 100 * time.Millisecond
	for !p.complete() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: incomplete at the deadline: contiguous to %d of %d, %d of %d own acknowledged",
				p.name, p.lastContiguous(), p.total, p.acked.Load(), len(p.mine))
		}
		w, _, err := dialWS(p.t, p.base, p.cl)
		if err != nil {
			p.reconns.Add(1)
			time.Sleep(wait)
			wait = min(2*wait, 2*time.Second)
			continue
		}
		wait = 100 * time.Millisecond
		if err := p.catchUp(deadline); err != nil {
			w.conn.CloseNow()
			return err
		}
		err = p.session(w, deadline)
		w.conn.CloseNow()
		if err != nil {
			return err
		}
		if !p.complete() {
			p.reconns.Add(1)
		}
	}
	return nil
}

// next returns the next own message to (re)send, or "".
func (p *peer) next(now time.Time) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, cid := range p.mine {
		if p.ownAcked[cid] {
			continue
		}
		if t, ok := p.lastSent[cid]; !ok || now.Sub(t) > resendAfter {
			p.lastSent[cid] = now
			return cid
		}
	}
	return ""
}

// session drives one connection until it ends or everything is in.
func (p *peer) session(w *WS, deadline time.Time) error {
	tick := time.NewTicker(70 * time.Millisecond) // ~14 sends/s, under the 20/s limit
	defer tick.Stop()
	for !p.complete() && time.Now().Before(deadline) {
		select {
		case f, ok := <-w.frames:
			if !ok {
				return nil // connection ended: reconnect
			}
			switch f["type"] {
			case "message.created":
				if err := p.record(f["message"].(map[string]any)); err != nil {
					return err
				}
			case "message.rejected":
				cid, _ := f["clientMsgId"].(string)
				var e struct{ Code string }
				raw, _ := json.Marshal(f["error"])
				json.Unmarshal(raw, &e)
				if e.Code != "unavailable" {
					return fmt.Errorf("%s: %s refused for good: %v", p.name, cid, f)
				}
				p.rejected.Add(1)
				p.mu.Lock()
				delete(p.lastSent, cid) // resend at the next tick
				p.mu.Unlock()
			}
		case now := <-tick.C:
			p.mu.Lock()
			gap := p.maxSeen > p.contiguousLocked()
			if gap && p.gapSince.IsZero() {
				p.gapSince = now
			}
			stale := gap && now.Sub(p.gapSince) > time.Second
			idle := p.contiguousLocked() < int64(p.total) && now.Sub(p.progress) > 2*time.Second
			if idle {
				p.progress = now
			}
			p.mu.Unlock()
			if stale || idle {
				// A gap that live delivery did not fill, or nothing new
				// for a while (an event missed while a role was down):
				// ask the history.
				if err := p.catchUp(deadline); err != nil {
					return err
				}
			}
			if cid := p.next(now); cid != "" {
				if err := w.write(map[string]any{"type": "message.send", "groupId": p.gid, "clientMsgId": cid, "text": p.name + " " + cid}); err != nil {
					return nil // connection ended: reconnect
				}
			}
		}
	}
	return nil
}
