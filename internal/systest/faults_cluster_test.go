//go:build cluster

package systest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/platformtest"
)

// TestClusterReadYourWrites is the back-to-back flow of issue 10 on real
// processes: register, verify, create a group, invite, accept and post,
// 50 times, every step on its first try and no 5xx.
func TestClusterReadYourWrites(t *testing.T) {
	readYourWrites(t, attach(t).Cluster, 50)
}

// conversation is four users in one group, exchanging total messages
// through the ingress; each connection lands on one of the two ws
// instances (nginx: least_conn).
type conversation struct {
	rc    *realCluster
	peers []*peer
	errc  chan error
	total int
}

func startConversation(t *testing.T, rc *realCluster, total int) *conversation {
	t.Helper()
	salt := platformtest.Name("")[:5]
	var clients []*Client
	for i := range 4 {
		cl, me := signUp(t, rc.Cluster, fmt.Sprintf("f%s%d", salt, i), "fault password")
		cl.userID = me["id"].(string)
		clients = append(clients, cl)
	}
	gid := groupWith(t, clients[0], "Faults "+salt, clients[1:]...)
	c := &conversation{rc: rc, total: total, errc: make(chan error, len(clients))}
	deadline := time.Now().Add(4 * time.Minute)
	for i, cl := range clients {
		p := newPeer(t, fmt.Sprintf("u%d", i), cl, gid, rc.URL, total, total/len(clients))
		c.peers = append(c.peers, p)
		go func() { c.errc <- p.run(deadline) }()
	}
	return c
}

func (c *conversation) acked() int64 {
	var n int64
	for _, p := range c.peers {
		n += p.acked.Load()
	}
	return n
}

// waitAcked waits until n messages of the conversation were acknowledged.
func (c *conversation) waitAcked(t *testing.T, n int64) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); c.acked() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d messages acknowledged in time", c.acked(), n)
		}
		select {
		case err := <-c.errc:
			c.errc <- err
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// finish waits for every peer and checks the conversation: every peer
// holds the same messages at seq 1..total, every message sent is there
// exactly once, and the history says the same.
func (c *conversation) finish(t *testing.T) {
	t.Helper()
	for range c.peers {
		if err := <-c.errc; err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]bool{}
	for _, p := range c.peers {
		for _, cid := range p.mine {
			want[cid] = true
		}
	}
	first := c.peers[0]
	for _, p := range c.peers {
		if len(p.bySeq) != c.total {
			t.Fatalf("%s holds %d messages, want %d (a seq beyond %d would be a duplicate)", p.name, len(p.bySeq), c.total, c.total)
		}
		for seq := int64(1); seq <= int64(c.total); seq++ {
			if p.bySeq[seq] != first.bySeq[seq] {
				t.Fatalf("seq %d: %s holds %s, %s holds %s", seq, p.name, p.bySeq[seq], first.name, first.bySeq[seq])
			}
		}
	}
	seen := map[string]int64{}
	for seq, cid := range first.cidBySeq {
		if prev, dup := seen[cid]; dup {
			t.Fatalf("message %s stored twice: seq %d and %d", cid, prev, seq)
		}
		if !want[cid] {
			t.Fatalf("seq %d carries %q, which nobody sent", seq, cid)
		}
		seen[cid] = seq
	}
	if len(seen) != len(want) {
		t.Fatalf("%d distinct messages stored, %d sent", len(seen), len(want))
	}
	// The history, read afresh, agrees.
	var after int64
	n := 0
	for {
		r := first.cl.Do("GET", fmt.Sprintf("/api/v1/groups/%s/messages?after=%d&limit=100", first.gid, after), nil)
		Expect(t, "history", r, 200, "")
		var page struct {
			Items []struct {
				ID  string `json:"id"`
				Seq int64  `json:"seq"`
			} `json:"items"`
			HasMore bool `json:"hasMore"`
		}
		r.JSON(t, &page)
		for _, m := range page.Items {
			n++
			if m.Seq != after+1 || first.bySeq[m.Seq] != m.ID {
				t.Fatalf("history: seq %d (%s) after %d, live %s", m.Seq, m.ID, after, first.bySeq[m.Seq])
			}
			after = m.Seq
		}
		if !page.HasMore {
			break
		}
	}
	if n != c.total {
		t.Fatalf("history holds %d messages, want %d", n, c.total)
	}
	var stats []string
	for _, p := range c.peers {
		stats = append(stats, fmt.Sprintf("%s: %d reconnections, %d resent after unavailable, %d catch-ups", p.name, p.reconns.Load(), p.rejected.Load(), p.catchups.Load()))
	}
	sort.Strings(stats)
	t.Logf("%d messages, no loss, no duplicate; %s", c.total, strings.Join(stats, "; "))
}

// TestClusterFaults kills and restarts processes of the cluster during
// 1,000 messages between four users spread over both ws instances. Every
// user must end with the same messages at seq 1..1000, none lost, none
// twice; the roles must recover by themselves, and readiness must show an
// outage while it lasts.
func TestClusterFaults(t *testing.T) {
	rc := attach(t)
	const total = 1000

	t.Run("kill -9 of a ws process, then restart", func(t *testing.T) {
		c := startConversation(t, rc, total)
		c.waitAcked(t, 300)
		rc.kill9(t, "ws-2")
		t.Logf("killed ws-2 after %d acknowledged messages", c.acked())
		rc.ctl(t, "start", "ws-2")
		c.finish(t)
		var moved, stayed int
		for _, p := range c.peers {
			if p.reconns.Load() > 0 {
				moved++
			} else {
				stayed++
			}
		}
		if moved == 0 || stayed == 0 {
			t.Fatalf("%d users reconnected and %d did not: the ingress did not spread the connections over both ws instances", moved, stayed)
		}
	})

	t.Run("kill -9 of a message process, then restart", func(t *testing.T) {
		c := startConversation(t, rc, total)
		c.waitAcked(t, 300)
		rc.kill9(t, "message-2")
		t.Logf("killed message-2 after %d acknowledged messages", c.acked())
		c.waitAcked(t, 600)
		rc.ctl(t, "start", "message-2")
		c.finish(t)
	})

	t.Run("broker and MariaDB restarts", func(t *testing.T) {
		pids := rc.pids()
		c := startConversation(t, rc, total)
		c.waitAcked(t, 200)

		rc.ctl(t, "stop", "broker")
		t.Logf("broker stopped after %d acknowledged messages", c.acked())
		waitStatus(t, "ws-1 readiness during the broker outage", rc.node(t, "ws-1")+"/readyz", 503, 30*time.Second)
		rc.ctl(t, "start", "broker")
		rc.allReady(t, pids, 90*time.Second)
		c.waitAcked(t, c.acked()+200)

		rc.ctl(t, "stop", "mariadb")
		t.Logf("MariaDB stopped after %d acknowledged messages", c.acked())
		for _, n := range []string{"message-1", "group", "user"} {
			waitStatus(t, n+" readiness during the MariaDB outage", rc.node(t, n)+"/readyz", 503, 30*time.Second)
		}
		// The API says so too: 503 unavailable, which clients retry, not 500.
		p := c.peers[1]
		r, err := p.cl.Try("GET", "/api/v1/groups/"+p.gid+"/messages?limit=1")
		if err != nil || r.Status != 503 || r.ErrorCode() != "unavailable" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("history while the database is down: %v %d %s, want 503 unavailable with Retry-After", err, r.Status, r.Body)
		}
		rc.ctl(t, "start", "mariadb")
		rc.allReady(t, pids, 90*time.Second)
		c.finish(t)
		var resent int64
		for _, p := range c.peers {
			resent += p.rejected.Load()
		}
		t.Logf("%d submissions were refused as unavailable during the outages and sent again", resent)
	})
}
