package ws

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
)

// ups formats updates as "user status" for comparison.
func ups(us []presenceUpdate) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.UserID+" "+u.Status)
	}
	return out
}

func noGroups(string) []string { return []string{"g"} }

func TestPresenceLocalFollowsConnections(t *testing.T) {
	t.Parallel()
	const grace = 5 * time.Second
	l := newPresenceLocal(grace)
	t0 := time.Unix(1000, 0)
	a1, a2 := &conn{}, &conn{}
	tick := func(at time.Duration) []string { return ups(l.tick(t0.Add(at), noGroups)) }
	want := func(got []string, w ...string) {
		t.Helper()
		if w == nil {
			w = []string{}
		}
		if !slices.Equal(got, w) {
			t.Fatalf("announced %v, want %v", got, w)
		}
	}

	l.connect(a1, "alice")
	want(tick(0), "alice online")
	want(tick(time.Second)) // nothing new
	l.connect(a2, "alice")
	l.setAway(a1, "alice", true)
	want(tick(2 * time.Second)) // a2 is active: still online
	l.setAway(a2, "alice", true)
	want(tick(3*time.Second), "alice away") // all away
	l.setAway(a2, "alice", false)
	want(tick(4*time.Second), "alice online") // one active again
	// Away and back within one tick: coalesced, nothing announced.
	l.setAway(a2, "alice", true)
	l.setAway(a2, "alice", false)
	want(tick(5 * time.Second))
	// The active one closes: the other is away.
	l.disconnect(a2, "alice", t0.Add(5*time.Second))
	want(tick(6*time.Second), "alice away")
	// The last one closes: away is kept for the grace period, then offline.
	l.disconnect(a1, "alice", t0.Add(6*time.Second))
	want(tick(7 * time.Second))
	want(tick(10 * time.Second))
	want(tick(11*time.Second), "alice offline")
	if len(l.users) != 0 || len(l.dirty) != 0 {
		t.Fatalf("offline user kept: %v %v", l.users, l.dirty)
	}
	want(tick(12 * time.Second))
}

func TestPresenceLocalSuppressesFlaps(t *testing.T) {
	t.Parallel()
	l := newPresenceLocal(5 * time.Second)
	t0 := time.Unix(1000, 0)
	c1, c2, c3 := &conn{}, &conn{}, &conn{}
	// Connected and gone within a tick: never announced.
	l.connect(c1, "bob")
	l.disconnect(c1, "bob", t0)
	if got := ups(l.tick(t0.Add(time.Second), noGroups)); len(got) != 0 {
		t.Fatalf("announced %v", got)
	}
	if got := ups(l.tick(t0.Add(10*time.Second), noGroups)); len(got) != 0 {
		t.Fatalf("announced %v", got)
	}
	// Online, then a reload: gone and back within the grace period.
	l.connect(c2, "bob")
	if got := ups(l.tick(t0.Add(11*time.Second), noGroups)); !slices.Equal(got, []string{"bob online"}) {
		t.Fatalf("announced %v", got)
	}
	l.disconnect(c2, "bob", t0.Add(12*time.Second))
	l.tick(t0.Add(13*time.Second), noGroups)
	l.connect(c3, "bob")
	for at := 14; at < 30; at++ {
		if got := ups(l.tick(t0.Add(time.Duration(at)*time.Second), noGroups)); len(got) != 0 {
			t.Fatalf("at %d s announced %v, want nothing (a reload is no flap)", at, got)
		}
	}
	// An unknown connection's status is ignored.
	if l.setAway(&conn{}, "bob", true) || l.setAway(c3, "nobody", true) {
		t.Fatal("setAway accepted a connection it does not know")
	}
}

func TestPresenceLocalAnnouncesGroupsAgain(t *testing.T) {
	t.Parallel()
	l := newPresenceLocal(time.Second)
	t0 := time.Unix(1000, 0)
	groups := []string{"g1"}
	of := func(string) []string { return groups }
	c := &conn{}
	l.connect(c, "alice")
	if got := l.tick(t0, of); len(got) != 1 || !slices.Equal(got[0].Groups, []string{"g1"}) {
		t.Fatalf("announced %v", got)
	}
	groups = []string{"g1", "g2"}
	l.regroup("alice")
	l.regroup("nobody")
	if got := l.tick(t0.Add(time.Second), of); len(got) != 1 || got[0].Status != StatusOnline || !slices.Equal(got[0].Groups, []string{"g1", "g2"}) {
		t.Fatalf("announced %v, want alice online in g1, g2", got)
	}
	// Offline goes to the groups last announced (the hub no longer
	// knows him).
	l.disconnect(c, "alice", t0.Add(time.Second))
	groups = nil
	if got := l.tick(t0.Add(3*time.Second), of); len(got) != 1 || got[0].Status != StatusOffline || !slices.Equal(got[0].Groups, []string{"g1", "g2"}) {
		t.Fatalf("announced %v, want alice offline in g1, g2", got)
	}
}

// changes formats changes as "user status to-groups".
func changes(cs []presenceChange) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.userID+" "+c.status+" "+strings.Join(c.to, ","))
	}
	return out
}

func newTestPresence(self string) *presence {
	p := newPresence(&Server{hub: newHub()}, PresenceLimits{Grace: 5 * time.Second, TTL: 30 * time.Second})
	p.id = self
	p.needFull, p.askSync = false, false
	return p
}

func TestPresenceViewMergesInstances(t *testing.T) {
	t.Parallel()
	p := newTestPresence("i1")
	now := time.Unix(1000, 0)
	step := func(pe presenceEvent, want ...string) {
		t.Helper()
		if want == nil {
			want = []string{}
		}
		if got := changes(p.apply(pe, now)); !slices.Equal(got, want) {
			t.Fatalf("changes %v, want %v", got, want)
		}
	}
	up := func(u, s string, g ...string) presenceUpdate { return presenceUpdate{UserID: u, Status: s, Groups: g} }
	step(presenceEvent{Instance: "i1", Seq: 1, Reset: true, Final: true})
	step(presenceEvent{Instance: "i2", Seq: 1, Reset: true, Final: true, Users: []presenceUpdate{up("alice", StatusAway, "g1")}}, "alice away g1")
	// Alice active on i1 as well: online; then away there: away again.
	step(presenceEvent{Instance: "i1", Seq: 2, Users: []presenceUpdate{up("alice", StatusOnline, "g1", "g2")}}, "alice online g1,g2")
	step(presenceEvent{Instance: "i1", Seq: 2, Users: []presenceUpdate{up("alice", StatusOffline)}}) // duplicate: ignored
	step(presenceEvent{Instance: "i1", Seq: 3, Users: []presenceUpdate{up("alice", StatusAway, "g1", "g2")}}, "alice away g1,g2")
	if s := p.view.snapshot("bob", []string{"g2"}); len(s) != 1 || s[0] != (presenceEntry{"alice", StatusAway}) {
		t.Fatalf("snapshot %v", s)
	}
	if s := p.view.snapshot("alice", []string{"g1", "g2"}); len(s) != 0 {
		t.Fatalf("alice's own snapshot has %v", s)
	}
	if s := p.view.snapshot("carol", []string{"g3"}); len(s) != 0 {
		t.Fatalf("carol shares no group, snapshot %v", s)
	}
	// Gone from i1: still away on i2, which only announced g1.
	step(presenceEvent{Instance: "i1", Seq: 4, Users: []presenceUpdate{up("alice", StatusOffline)}})
	if s := p.view.snapshot("bob", []string{"g2"}); len(s) != 0 {
		t.Fatalf("g2 snapshot %v after alice left i1", s)
	}
	// Gone everywhere: offline, told to the groups she was seen in.
	step(presenceEvent{Instance: "i2", Seq: 2, Users: []presenceUpdate{up("alice", StatusOffline)}}, "alice offline g1")
	if p.view.status("alice") != StatusOffline || len(p.view.users) != 0 || len(p.view.byGroup) != 0 {
		t.Fatalf("offline alice kept: %v %v", p.view.users, p.view.byGroup)
	}
}

func TestPresenceExpiresSilentAndLeavingInstances(t *testing.T) {
	t.Parallel()
	p := newTestPresence("self")
	t0 := time.Unix(1000, 0)
	up := func(u string) []presenceUpdate {
		return []presenceUpdate{{UserID: u, Status: StatusOnline, Groups: []string{"g"}}}
	}
	p.apply(presenceEvent{Instance: "self", Seq: 1, Reset: true, Final: true, Users: up("me")}, t0)
	p.apply(presenceEvent{Instance: "dead", Seq: 1, Reset: true, Final: true, Users: up("alice")}, t0)
	p.apply(presenceEvent{Instance: "going", Seq: 1, Reset: true, Final: true, Users: up("bob")}, t0)
	p.apply(presenceEvent{Instance: "going", Seq: 2, Leaving: true}, t0.Add(20*time.Second))
	p.apply(presenceEvent{Instance: "dead", Seq: 2}, t0.Add(10*time.Second)) // a heartbeat
	if got := changes(p.view.expire("self", t0.Add(24*time.Second), 30*time.Second)); len(got) != 0 {
		t.Fatalf("expired %v too early", got)
	}
	if got := changes(p.view.expire("self", t0.Add(26*time.Second), 30*time.Second)); !slices.Equal(got, []string{"bob offline g"}) {
		t.Fatalf("at 26 s expired %v, want bob (his instance left 5 s ago)", got)
	}
	if got := changes(p.view.expire("self", t0.Add(41*time.Second), 30*time.Second)); !slices.Equal(got, []string{"alice offline g"}) {
		t.Fatalf("at 41 s expired %v, want alice (her instance silent for 31 s)", got)
	}
	if got := changes(p.view.expire("self", t0.Add(time.Hour), 30*time.Second)); len(got) != 0 || p.view.status("me") != StatusOnline {
		t.Fatalf("self expired: %v", got)
	}
}

func TestPresenceFullStateAndGaps(t *testing.T) {
	t.Parallel()
	p := newTestPresence("self")
	now := time.Unix(1000, 0)
	up := func(u string) presenceUpdate {
		return presenceUpdate{UserID: u, Status: StatusOnline, Groups: []string{"g"}}
	}
	// An instance seen first in the middle of its life: this one asks for
	// everyone's full state.
	p.apply(presenceEvent{Instance: "i2", Seq: 7, Users: []presenceUpdate{up("a"), up("b")}}, now)
	if !p.askSync {
		t.Fatal("no sync asked for an instance met mid-stream")
	}
	p.askSync = false
	// Its full state in two batches drops b, keeps a, adds c.
	if got := changes(p.apply(presenceEvent{Instance: "i2", Seq: 8, Reset: true, Users: []presenceUpdate{up("a")}}, now)); len(got) != 0 {
		t.Fatalf("first batch changed %v", got)
	}
	got := changes(p.apply(presenceEvent{Instance: "i2", Seq: 9, Final: true, Users: []presenceUpdate{up("c")}}, now))
	if !slices.Equal(got, []string{"c online g", "b offline g"}) {
		t.Fatalf("full state changed %v", got)
	}
	if p.askSync || p.needFull {
		t.Fatal("asked for nothing yet")
	}
	// A gap in its seq: ask again. Another instance's sync request: send ours.
	p.apply(presenceEvent{Instance: "i2", Seq: 11}, now)
	if !p.askSync {
		t.Fatal("no sync asked after a gap")
	}
	p.apply(presenceEvent{Instance: "i3", Seq: 1, Reset: true, Final: true, Sync: true}, now)
	if !p.needFull {
		t.Fatal("a sync request did not make this instance send its full state")
	}
}

// TestPresenceTickBatchesAndHeartbeats runs the tick over a memory bus
// with a thousand users: one batch of events (no event per user), a
// heartbeat only when there is nothing else to say.
func TestPresenceTickBatches(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{presence: true})
	p := h.srv.presence
	got := make(chan presenceEvent, 100)
	if err := h.bus.Subscribe(t.Context(), subscription(TopicPresence, got)); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	for i := range 1200 {
		p.local.connect(&conn{}, fmt.Sprintf("u%04d", i))
	}
	p.needFull, p.askSync = false, false
	p.mu.Unlock()
	p.tick(t.Context(), time.Now())
	var users, events int
	for users < 1200 {
		select {
		case pe := <-got:
			if pe.Instance == p.id && len(pe.Users) > 0 {
				users += len(pe.Users)
				events++
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of 1200 users announced", users)
		}
	}
	if events != 3 {
		t.Fatalf("1200 users in %d events, want 3 batches of at most %d", events, presenceMaxBatch)
	}
}

// subscription sends the presence events of topic to ch.
func subscription(topic string, ch chan<- presenceEvent) event.Subscription {
	return event.Subscription{Topic: topic, Handler: func(_ context.Context, e event.Event) error {
		var pe presenceEvent
		if err := e.Decode(&pe); err != nil {
			return err
		}
		ch <- pe
		return nil
	}}
}
