// Package registrytest is the contract suite every registry.Registry
// passes: Run(t, open) from the implementation's own test. It uses real
// time with short TTLs, so that it also checks registries whose clock is
// not this process's (Redis).
package registrytest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/registry"
)

// Open returns a function that opens clients of one fresh, empty registry
// backend whose instances live ttl after their last heartbeat. Every
// client it opens shares the backend (as the gateways and SFUs of one
// deployment do); the function registers its own cleanup on t.
type Open func(t *testing.T, ttl time.Duration) func() registry.Registry

// Run runs the contract suite.
func Run(t *testing.T, open Open) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, open Open)
	}{
		{"HeartbeatMakesAnInstanceLive", heartbeatMakesLive},
		{"AnInstanceExpiresWithoutHeartbeats", expiresWithoutHeartbeats},
		{"PlacePicksTheLeastLoadedAndSticks", placePicksLeastLoaded},
		{"NewRoomsSpreadOverInstances", newRoomsSpread},
		{"AReportedRoomIsNotCountedTwice", reportedRoomCountedOnce},
		{"ConcurrentFirstPlacesAgree", concurrentFirstPlacesAgree},
		{"ReleaseOnlyByTheHolder", releaseOnlyByHolder},
		{"ClaimKeepsTheHolderOrTakesAFreeRoom", claimKeepsHolder},
		{"ARoomIsRePlacedWhenItsInstanceExpires", rePlacedWhenHolderExpires},
		{"DeregisterReleasesRooms", deregisterReleasesRooms},
		{"NoInstanceIsUnavailable", noInstanceIsUnavailable},
		{"MalformedIDsAreInvalid", malformedIDs},
		{"PingSucceeds", pingSucceeds},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, open)
		})
	}
}

const ttl = 600 * time.Millisecond

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func inst(id string, participants int) registry.Instance {
	return registry.Instance{ID: id, Addr: "http://" + id + ".sfu:8080", Load: registry.Load{Participants: participants, Tracks: 2 * participants, CPU: 0.25}}
}

func beat(t *testing.T, r registry.Registry, in registry.Instance) {
	t.Helper()
	if err := r.Heartbeat(ctx(t), in); err != nil {
		t.Fatalf("Heartbeat(%s): %v", in.ID, err)
	}
}

// keepBeating heartbeats in until the test ends or stop is called.
func keepBeating(t *testing.T, r registry.Registry, in registry.Instance) (stop func()) {
	t.Helper()
	beat(t, r, in)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(ttl / 6)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				_ = r.Heartbeat(context.Background(), in)
			}
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { close(done); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

func place(t *testing.T, r registry.Registry, room string) registry.Instance {
	t.Helper()
	in, err := r.Place(ctx(t), room)
	if err != nil {
		t.Fatalf("Place(%s): %v", room, err)
	}
	return in
}

func lookup(t *testing.T, r registry.Registry, room string) (registry.Instance, bool) {
	t.Helper()
	in, ok, err := r.Lookup(ctx(t), room)
	if err != nil {
		t.Fatalf("Lookup(%s): %v", room, err)
	}
	return in, ok
}

func ids(ins []registry.Instance) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.ID
	}
	return out
}

// eventually polls cond until it holds or 5 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func heartbeatMakesLive(t *testing.T, open Open) {
	r := open(t, time.Minute)()
	beat(t, r, inst("a", 5))
	beat(t, r, inst("b", 1))
	got, err := r.Instances(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids(got)) != "[b a]" {
		t.Fatalf("Instances = %v, want [b a] (least loaded first)", ids(got))
	}
	if got[0] != inst("b", 1) {
		t.Fatalf("instance b = %+v, want %+v", got[0], inst("b", 1))
	}
	// A heartbeat updates address and load.
	moved := inst("a", 0)
	moved.Addr = "http://elsewhere:9000"
	beat(t, r, moved)
	got, _ = r.Instances(ctx(t))
	if fmt.Sprint(ids(got)) != "[a b]" || got[0].Addr != moved.Addr {
		t.Fatalf("after a new heartbeat: %+v", got)
	}
}

func expiresWithoutHeartbeats(t *testing.T, open Open) {
	r := open(t, ttl)()
	beat(t, r, inst("gone", 0))
	keepBeating(t, r, inst("stays", 3))
	if got, _ := r.Instances(ctx(t)); len(got) != 2 {
		t.Fatalf("right after the heartbeats: %v", ids(got))
	}
	eventually(t, "the silent instance is still listed", func() bool {
		got, err := r.Instances(ctx(t))
		return err == nil && fmt.Sprint(ids(got)) == "[stays]"
	})
}

func placePicksLeastLoaded(t *testing.T, open Open) {
	r := open(t, time.Minute)()
	beat(t, r, inst("busy", 9))
	beat(t, r, inst("idle", 1))
	if in := place(t, r, "room-1"); in.ID != "idle" || in.Addr != inst("idle", 0).Addr {
		t.Fatalf("Place = %+v, want the idle instance", in)
	}
	// The room sticks to its instance even when that one becomes the
	// busiest.
	beat(t, r, inst("idle", 50))
	for range 3 {
		if in := place(t, r, "room-1"); in.ID != "idle" {
			t.Fatalf("Place again = %s, want idle", in.ID)
		}
	}
	if in, ok := lookup(t, r, "room-1"); !ok || in.ID != "idle" {
		t.Fatalf("Lookup = %+v %v", in, ok)
	}
	if _, ok := lookup(t, r, "room-2"); ok {
		t.Fatal("Lookup of a room never placed found one")
	}
	if in := place(t, r, "room-2"); in.ID != "busy" {
		t.Fatalf("a new room went to %s, want busy (now the least loaded)", in.ID)
	}
}

func newRoomsSpread(t *testing.T, open Open) {
	r := open(t, time.Minute)()
	for _, id := range []string{"s1", "s2", "s3"} {
		beat(t, r, inst(id, 0))
	}
	count := map[string]int{}
	for i := range 12 {
		count[place(t, r, fmt.Sprintf("room-%d", i)).ID]++
	}
	if count["s1"] != 4 || count["s2"] != 4 || count["s3"] != 4 {
		t.Fatalf("12 new rooms over 3 idle instances: %v, want 4 each", count)
	}
	got, _ := r.Instances(ctx(t))
	for _, in := range got {
		if in.Rooms != 4 {
			t.Fatalf("Instances reports %d rooms on %s, want 4", in.Rooms, in.ID)
		}
	}
}

// reportedRoomCountedOnce: a room counts once in placement, whether the
// SFU's heartbeat has reported it yet or not; participants beyond the
// first of each room count too.
func reportedRoomCountedOnce(t *testing.T, open Open) {
	r := open(t, time.Minute)()
	beat(t, r, inst("reported", 0))
	beat(t, r, inst("quiet", 0))
	// Both get rooms of one participant each, placed in turn; then only
	// "reported" beats, with its 3 rooms and their 3 participants.
	for i := range 6 {
		place(t, r, fmt.Sprintf("room-%d", i))
	}
	in := inst("reported", 3)
	in.Load.Rooms = 3
	beat(t, r, in)
	if got := place(t, r, "room-6"); got.ID != "quiet" || got.Rooms != 4 {
		t.Fatalf("room-6 went to %+v", got)
	}
	// quiet now holds 4 rooms to reported's 3, and its heartbeat still says
	// nothing: the next room goes to reported (3 < 4), not to quiet because
	// reported's participants were counted on top of its rooms.
	if got := place(t, r, "room-7"); got.ID != "reported" {
		all, _ := r.Instances(ctx(t))
		t.Fatalf("room-7 went to %s: the reported rooms were counted twice (%+v)", got.ID, all)
	}
	// Participants beyond one per room do count: 10 in one room outweigh
	// 4 rooms of one.
	in = inst("reported", 13)
	in.Load.Rooms = 4
	beat(t, r, in)
	if got := place(t, r, "room-8"); got.ID != "quiet" {
		t.Fatalf("room-8 went to %s, want quiet (reported has 9 extra participants)", got.ID)
	}
}

func concurrentFirstPlacesAgree(t *testing.T, open Open) {
	o := open(t, time.Minute)
	clients := []registry.Registry{o(), o(), o()}
	for i, id := range []string{"x", "y", "z"} {
		beat(t, clients[i], inst(id, 0))
	}
	for round := range 5 {
		room := fmt.Sprintf("hot-%d", round)
		const n = 30
		got := make([]string, n)
		errc := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				in, err := clients[i%len(clients)].Place(context.Background(), room)
				got[i], errc[i] = in.ID, err
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errc[i] != nil {
				t.Fatalf("Place %d: %v", i, errc[i])
			}
			if got[i] != got[0] {
				t.Fatalf("round %d: concurrent first Places split the room: %v", round, got)
			}
		}
	}
	all, _ := clients[0].Instances(ctx(t))
	total := 0
	for _, in := range all {
		total += in.Rooms
	}
	if total != 5 {
		t.Fatalf("%d rooms counted after placing 5: %+v", total, all)
	}
}

func releaseOnlyByHolder(t *testing.T, open Open) {
	r := open(t, time.Minute)()
	beat(t, r, inst("holder", 0))
	beat(t, r, inst("other", 5))
	place(t, r, "room")
	if err := r.Release(ctx(t), "room", "other"); err != nil {
		t.Fatal(err)
	}
	if in, ok := lookup(t, r, "room"); !ok || in.ID != "holder" {
		t.Fatalf("a release by another instance dropped the claim: %+v %v", in, ok)
	}
	if err := r.Release(ctx(t), "room", "holder"); err != nil {
		t.Fatal(err)
	}
	if _, ok := lookup(t, r, "room"); ok {
		t.Fatal("the holder's release left the claim")
	}
	got, _ := r.Instances(ctx(t))
	for _, in := range got {
		if in.Rooms != 0 {
			t.Fatalf("released room still counted: %+v", got)
		}
	}
	// Releasing again, or a room never placed, is harmless.
	if err := r.Release(ctx(t), "room", "holder"); err != nil {
		t.Fatal(err)
	}
	if err := r.Release(ctx(t), "never", "holder"); err != nil {
		t.Fatal(err)
	}
}

func claimKeepsHolder(t *testing.T, open Open) {
	o := open(t, ttl)
	r := o()
	keepBeating(t, r, inst("a", 0))
	stopB := keepBeating(t, r, inst("b", 5))
	if in := place(t, r, "room"); in.ID != "a" {
		t.Fatalf("placed on %s", in.ID)
	}
	// b opening the room hears that a holds it.
	if in, err := r.Claim(ctx(t), "room", "b"); err != nil || in.ID != "a" {
		t.Fatalf("Claim by b of a's room: %+v %v, want a", in, err)
	}
	if in, err := r.Claim(ctx(t), "room", "a"); err != nil || in.ID != "a" {
		t.Fatalf("Claim by the holder: %+v %v", in, err)
	}
	// A room released (or never placed) goes to whoever claims it first.
	if err := r.Release(ctx(t), "room", "a"); err != nil {
		t.Fatal(err)
	}
	if in, err := r.Claim(ctx(t), "room", "b"); err != nil || in.ID != "b" {
		t.Fatalf("Claim of a free room by b: %+v %v", in, err)
	}
	if in := place(t, r, "room"); in.ID != "b" {
		t.Fatalf("Place after b's claim: %s", in.ID)
	}
	// An instance that is not live cannot claim.
	if _, err := r.Claim(ctx(t), "other", "nobody"); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Claim by an unknown instance: %v, want Unavailable", err)
	}
	// A room whose holder expired goes to the claimer.
	stopB()
	eventually(t, "b's room still held after b expired", func() bool {
		in, err := r.Claim(context.Background(), "room", "a")
		return err == nil && in.ID == "a"
	})
}

func rePlacedWhenHolderExpires(t *testing.T, open Open) {
	o := open(t, ttl)
	gw1, gw2 := o(), o()
	stopA := keepBeating(t, gw1, inst("a", 0))
	keepBeating(t, gw2, inst("b", 3))
	if in := place(t, gw1, "room"); in.ID != "a" {
		t.Fatalf("first placement on %s, want a", in.ID)
	}
	stopA() // a dies: no more heartbeats
	eventually(t, "the room of the dead instance still resolves", func() bool {
		_, ok, err := gw2.Lookup(context.Background(), "room")
		return err == nil && !ok
	})
	const n = 10
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			in, err := []registry.Registry{gw1, gw2}[i%2].Place(context.Background(), "room")
			if err == nil {
				got[i] = in.ID
			}
		})
	}
	wg.Wait()
	for i := range n {
		if got[i] != "b" {
			t.Fatalf("re-placement after expiry: %v, want b everywhere", got)
		}
	}
}

func deregisterReleasesRooms(t *testing.T, open Open) {
	r := open(t, time.Minute)()
	beat(t, r, inst("leaving", 0))
	beat(t, r, inst("staying", 2))
	for _, room := range []string{"r1", "r2"} {
		if in := place(t, r, room); in.ID != "leaving" {
			t.Fatalf("%s placed on %s", room, in.ID)
		}
	}
	if err := r.Deregister(ctx(t), "leaving"); err != nil {
		t.Fatal(err)
	}
	for _, room := range []string{"r1", "r2"} {
		if _, ok := lookup(t, r, room); ok {
			t.Fatalf("%s still placed on a deregistered instance", room)
		}
	}
	got, _ := r.Instances(ctx(t))
	if fmt.Sprint(ids(got)) != "[staying]" {
		t.Fatalf("Instances after deregister: %v", ids(got))
	}
	if in := place(t, r, "r1"); in.ID != "staying" {
		t.Fatalf("re-placed on %s", in.ID)
	}
}

func noInstanceIsUnavailable(t *testing.T, open Open) {
	r := open(t, time.Minute)()
	if _, err := r.Place(ctx(t), "room"); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Place with no instance: %v, want Unavailable", err)
	}
	if got, err := r.Instances(ctx(t)); err != nil || len(got) != 0 {
		t.Fatalf("Instances of an empty registry: %v %v", got, err)
	}
}

func malformedIDs(t *testing.T, open Open) {
	r := open(t, time.Minute)()
	beat(t, r, inst("ok", 0))
	long := string(make([]byte, 200))
	for _, bad := range []string{"", "a b", "new\nline", "ü", long} {
		if err := r.Heartbeat(ctx(t), registry.Instance{ID: bad}); !errs.Is(err, errs.Invalid) {
			t.Errorf("Heartbeat(%q): %v, want Invalid", bad, err)
		}
		if _, err := r.Place(ctx(t), bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("Place(%q): %v, want Invalid", bad, err)
		}
		if _, _, err := r.Lookup(ctx(t), bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("Lookup(%q): %v, want Invalid", bad, err)
		}
	}
	if got, _ := r.Instances(ctx(t)); fmt.Sprint(ids(got)) != "[ok]" {
		t.Fatalf("malformed calls changed the registry: %v", ids(got))
	}
}

func pingSucceeds(t *testing.T, open Open) {
	if err := open(t, time.Minute)().Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
}
