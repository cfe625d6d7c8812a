package systest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/redisconn"
	"github.com/parleychat/parley/internal/registry/redisregistry"
	"github.com/parleychat/parley/internal/sfu"
)

// TestCallsAtScale is issue 9's split-mode test of calls over many SFUs:
// two gateways and three SFUs, each its own node, sharing the real Redis
// registry (a key prefix of this test's own; the test fails when Redis is
// unreachable). Clients reach the gateways directly, half each, so that
// both place rooms at the same time.
func TestCallsAtScale(t *testing.T) {
	c := StartWith(t, Split, map[string]int{"webrtc-gateway": 2, "webrtc": 3})
	s := newScale(t, c)
	alice, _ := signUp(t, c, "alice", "alice password")
	bob, _ := signUp(t, c, "bob", "bob password")
	carol, _ := signUp(t, c, "carol", "carol password")

	t.Run("ThirtyConcurrentFirstJoinsEndOnOneSFU", func(t *testing.T) {
		gid := groupWith(t, alice, "Crowd", bob, carol)
		users := []*Client{alice, bob, carol}
		const n = 30
		clients := make([]*callclient.Client, n)
		errc := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				clients[i], errc[i] = s.tryJoin(users[i%len(users)], s.gateway(i), gid, false)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errc {
			if err != nil {
				t.Fatalf("join %d (gateway %d): %v", i, i%2+1, err)
			}
		}
		// Every client's view of the call converges to the 30.
		ids := map[string]bool{}
		for _, cl := range clients {
			ids[cl.ParticipantID] = true
		}
		if len(ids) != n {
			t.Fatalf("%d distinct participant ids for %d joins", len(ids), n)
		}
		for i, cl := range clients {
			waitFor(t, 30*time.Second, func() string {
				if v := view(cl); !sameSet(v, ids) {
					return fmt.Sprintf("client %d sees %d participants, want the %d", i, len(v), n)
				}
				return ""
			})
		}
		// Exactly one SFU hosts the room, with all 30, and the registry
		// names that one.
		host := s.onlyHost(t, gid, n)
		if in, ok, err := s.reg.Lookup(context.Background(), gid); err != nil || !ok || in.Addr != host {
			t.Fatalf("registry Lookup = %+v %v %v, want the SFU at %s", in, ok, err, host)
		}
		for _, cl := range clients {
			_ = cl.Leave()
		}
		for _, cl := range clients {
			if code, err := cl.WaitClosed(ctxFor(t)); err != nil || code != websocket.StatusNormalClosure {
				t.Fatalf("after leave: closed %d (%v)", code, err)
			}
		}
	})

	t.Run("TwentyRoomsSpreadOverTheSFUsByLoad", func(t *testing.T) {
		s.waitIdle(t)
		const rooms = 20
		gids := make([]string, rooms)
		for i := range gids {
			gids[i] = groupWith(t, alice, fmt.Sprintf("Room %d", i))
		}
		// All first joins at once, over both gateways: a burst that no
		// heartbeat has reported yet.
		clients := make([]*callclient.Client, rooms)
		errc := make([]error, rooms)
		var wg sync.WaitGroup
		for i, gid := range gids {
			wg.Go(func() { clients[i], errc[i] = s.tryJoin(alice, s.gateway(i), gid, false) })
		}
		wg.Wait()
		for i, err := range errc {
			if err != nil {
				t.Fatalf("join room %d: %v", i, err)
			}
		}
		perSFU := map[string]int{}
		for _, gid := range gids {
			in, ok, err := s.reg.Lookup(context.Background(), gid)
			if err != nil || !ok {
				t.Fatalf("room %s is not placed: %v", gid, err)
			}
			perSFU[in.Addr]++
			s.onlyHostIs(t, gid, in.Addr, 1)
		}
		counts := make([]int, 0, len(s.sfus))
		for _, p := range s.sfus {
			counts = append(counts, perSFU[p.URL])
		}
		t.Logf("20 rooms over 3 SFUs: %v", counts)
		// Placement reads, for each SFU, the rooms the registry placed on
		// it (counted atomically at the claim) plus the participants its
		// last heartbeat reported beyond one per room. Every room here has
		// one participant, so that score is exactly the room count, read
		// and bumped in one Lua script: each room goes to an SFU with the
		// fewest, whatever the heartbeats' timing, so no SFU ends more than
		// one above the least loaded.
		if slices.Min(counts) == 0 || slices.Max(counts)-slices.Min(counts) > 1 {
			all, _ := s.reg.Instances(context.Background())
			t.Fatalf("20 rooms over 3 SFUs: %v, want 7/7/6 in some order (registry: %+v)", counts, all)
		}
		for _, cl := range clients {
			_ = cl.Leave()
		}
	})

	t.Run("AStoppedSFUDrainsAndItsCallMoves", func(t *testing.T) {
		gid := groupWith(t, alice, "Drain", bob)
		a, err := s.tryJoin(alice, s.gateway(0), gid, true)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.tryJoin(bob, s.gateway(1), gid, true)
		if err != nil {
			t.Fatal(err)
		}
		exchange(t, a, b)
		in, ok, err := s.reg.Lookup(context.Background(), gid)
		if err != nil || !ok {
			t.Fatalf("the call is not placed: %v", err)
		}
		victim := s.sfuAt(t, in.Addr)
		marks := []int{a.Mark(), b.Mark()}

		// SIGTERM's path: the node's context ends and it drains.
		if err := victim.Stop(); err != nil {
			t.Fatalf("stop the SFU: %v", err)
		}
		all, err := s.reg.Instances(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, live := range all {
			if live.ID == in.ID {
				t.Fatalf("the drained SFU is still registered: %+v", all)
			}
		}
		if len(all) != 2 {
			t.Fatalf("live SFUs after the drain: %+v, want the other two", all)
		}
		for i, cl := range []*callclient.Client{a, b} {
			if f, err := cl.Wait(ctxFor(t), marks[i], "error", nil); err != nil || !json.Valid(f.Raw) || errorCodeOf(f) != "unavailable" {
				t.Fatalf("client %d: no error unavailable before the close: %v %s", i, err, f.Raw)
			}
			if code, err := cl.WaitClosed(ctxFor(t)); err != nil || code != sfu.CloseServiceRestart {
				t.Fatalf("client %d: closed with %d (%v), want 1012", i, code, err)
			}
		}

		// Both rejoin through their gateways and meet on another SFU.
		a2, err := s.tryJoin(alice, s.gateway(0), gid, true)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := s.tryJoin(bob, s.gateway(1), gid, true)
		if err != nil {
			t.Fatal(err)
		}
		exchange(t, a2, b2)
		moved, ok, err := s.reg.Lookup(context.Background(), gid)
		if err != nil || !ok || moved.ID == in.ID || moved.Addr == in.Addr {
			t.Fatalf("after the drain the call is on %+v (%v %v), want another SFU than %s", moved, ok, err, in.Addr)
		}
		s.onlyHostIs(t, gid, moved.Addr, 2)
	})
}

// scale is TestCallsAtScale's view of its cluster.
type scale struct {
	c        *Cluster
	reg      *redisregistry.Registry
	gateways []*Proc
	sfus     []*Proc
}

func newScale(t *testing.T, c *Cluster) *scale {
	t.Helper()
	reg, err := redisregistry.Open(context.Background(), c.Base.RegistryURL, 0)
	if err != nil {
		t.Fatalf("open the registry %s: %v", c.Base.RegistryURL, err)
	}
	t.Cleanup(func() {
		reg.Close()
		dropRegistryKeys(t, c.Base.RegistryURL)
	})
	s := &scale{c: c, reg: reg, gateways: c.Instances["webrtc-gateway"], sfus: c.Instances["webrtc"]}
	if len(s.gateways) != 2 || len(s.sfus) != 3 {
		t.Fatalf("%d gateways and %d SFUs, want 2 and 3", len(s.gateways), len(s.sfus))
	}
	waitFor(t, 20*time.Second, func() string {
		all, err := reg.Instances(context.Background())
		if err != nil || len(all) != 3 {
			return fmt.Sprintf("live SFUs %+v (%v), want 3", all, err)
		}
		return ""
	})
	return s
}

// gateway is the i-th client's gateway: they alternate.
func (s *scale) gateway(i int) string { return s.gateways[i%len(s.gateways)].URL }

// tryJoin dials a gateway and joins (publishing audio and video when
// media), trying again while the call service says to (1012/1013, error
// unavailable), as the web client does, for up to 40 s.
func (s *scale) tryJoin(cl *Client, gateway, gid string, media bool) (*callclient.Client, error) {
	deadline := time.Now().Add(40 * time.Second)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		cc, err := s.join(cl, gateway, gid, media)
		if err == nil || time.Now().After(deadline) {
			return cc, err
		}
		time.Sleep(wait) // backoff between attempts, not an assertion
	}
}

func (s *scale) join(cl *Client, gateway, gid string, media bool) (*callclient.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("X-Forwarded-For", cl.addr)
	cc, err := callclient.Dial(ctx, callclient.URL(gateway, gid), cl.Token, callclient.Options{LoopbackOnly: true, Header: h})
	if err != nil {
		return nil, err
	}
	if _, err := cc.Join(ctx, media, media); err != nil {
		cc.Close()
		return nil, err
	}
	cl.t.Cleanup(cc.Close)
	return cc, nil
}

// state asks one SFU, on its internal endpoint, for a call's state.
func (s *scale) state(t *testing.T, sfuURL, gid string) sfu.CallState {
	t.Helper()
	req, _ := http.NewRequest("GET", sfuURL+sfu.InternalPrefix+gid, nil)
	req.Header.Set(sfu.SecretHeader, s.c.Base.InternalSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("state of %s on %s: %v", gid, sfuURL, err)
	}
	defer res.Body.Close()
	var st sfu.CallState
	if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&st) != nil {
		t.Fatalf("state of %s on %s: %d", gid, sfuURL, res.StatusCode)
	}
	return st
}

// onlyHost returns the one running SFU that hosts gid, and checks it has
// n participants; every other running SFU must not know the call.
func (s *scale) onlyHost(t *testing.T, gid string, n int) string {
	t.Helper()
	var hosts []string
	var st sfu.CallState
	for _, p := range s.running() {
		if got := s.state(t, p.URL, gid); got.Active {
			hosts, st = append(hosts, p.URL), got
		}
	}
	if len(hosts) != 1 {
		t.Fatalf("the call %s is hosted by %v, want exactly one SFU", gid, hosts)
	}
	if len(st.Participants) != n {
		t.Fatalf("the SFU at %s hosts %d participants of %s, want %d", hosts[0], len(st.Participants), gid, n)
	}
	return hosts[0]
}

// onlyHostIs checks that the SFU at host, and no other, hosts gid with n
// participants.
func (s *scale) onlyHostIs(t *testing.T, gid, host string, n int) {
	t.Helper()
	if got := s.onlyHost(t, gid, n); got != host {
		t.Fatalf("the call %s is on %s, the registry says %s", gid, got, host)
	}
}

// running lists the SFU nodes not stopped.
func (s *scale) running() []*Proc {
	var out []*Proc
	for _, p := range s.sfus {
		select {
		case <-p.done:
		default:
			out = append(out, p)
		}
	}
	return out
}

func (s *scale) sfuAt(t *testing.T, addr string) *Proc {
	t.Helper()
	for _, p := range s.sfus {
		if p.URL == addr {
			return p
		}
	}
	t.Fatalf("no SFU node at %s", addr)
	return nil
}

// waitIdle waits until the registry shows every SFU without rooms and
// its heartbeat without participants (the calls of earlier scenarios are
// over), so that placement starts from equal loads.
func (s *scale) waitIdle(t *testing.T) {
	t.Helper()
	waitFor(t, 30*time.Second, func() string {
		all, err := s.reg.Instances(context.Background())
		if err != nil || len(all) != 3 {
			return fmt.Sprintf("live SFUs %+v (%v)", all, err)
		}
		for _, in := range all {
			if in.Rooms != 0 || in.Load.Participants != 0 {
				return fmt.Sprintf("an SFU is not idle: %+v", in)
			}
		}
		return ""
	})
}

// view is the participants a client knows of: the joined frame's, plus
// those that joined since, minus those that left.
func view(cl *callclient.Client) map[string]bool {
	out := map[string]bool{}
	for _, f := range cl.Frames() {
		switch f.Type {
		case "joined":
			var j callclient.Joined
			if f.Decode(&j) == nil {
				for _, p := range j.Participants {
					out[p.ParticipantID] = true
				}
			}
		case "participant.joined", "participant.left":
			var v struct{ Participant callclient.Participant }
			if f.Decode(&v) == nil {
				out[v.Participant.ParticipantID] = f.Type == "participant.joined"
			}
		}
	}
	for id, in := range out {
		if !in {
			delete(out, id)
		}
	}
	return out
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// exchange waits until a and b receive each other's audio and video.
func exchange(t *testing.T, a, b *callclient.Client) {
	t.Helper()
	for _, src := range []string{"microphone", "camera"} {
		receives(t, a, b, src)
		receives(t, b, a, src)
	}
}

func errorCodeOf(f callclient.Frame) string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = f.Decode(&e)
	return e.Error.Code
}

// waitFor polls cond (which returns what is still wrong, or "") until it
// holds, for up to d.
func waitFor(t *testing.T, d time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		wrong := cond()
		if wrong == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, wrong)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dropRegistryKeys deletes what the test left under the registry URL's
// prefix.
func dropRegistryKeys(t *testing.T, rawURL string) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return
	}
	prefix := u.Query().Get("prefix")
	if prefix == "" {
		return // never the shared default prefix
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rdb, _, err := redisconn.Open(ctx, rawURL, "")
	if err != nil {
		t.Logf("clean up %s: %v", prefix, err)
		return
	}
	defer rdb.Close()
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}
