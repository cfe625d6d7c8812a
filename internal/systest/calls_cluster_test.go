//go:build cluster

package systest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/registry"
	"github.com/parleychat/parley/internal/registry/redisregistry"
)

// TestClusterCalls runs calls on the real processes: through nginx and
// either gateway to the SFU the Redis registry places each room on. Two
// members exchange audio and video, one of them relay-only through the
// cluster's coturn with the credentials the SFU minted; calls in several
// groups spread over both SFUs; the last one out ends the call.
func TestClusterCalls(t *testing.T) {
	rc := attach(t)
	regURL := rc.env["PARLEY_CLUSTER_REGISTRY_URL"]
	if regURL == "" {
		t.Fatal("cluster.env names no registry")
	}
	reg, err := redisregistry.Open(context.Background(), regURL, registry.DefaultTTL)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	live, err := reg.Instances(context.Background())
	if err != nil || len(live) != 2 {
		t.Fatalf("live SFUs %+v (%v), want webrtc-1 and webrtc-2", live, err)
	}

	salt := platformtest.Name("")[:5]
	alice, aliceMe := signUp(t, rc.Cluster, "call"+salt+"a", "call password")
	bob, _ := signUp(t, rc.Cluster, "call"+salt+"b", "call password")
	alice.userID = aliceMe["id"].(string)
	var groups []string
	for i := range 4 {
		groups = append(groups, groupWith(t, alice, fmt.Sprintf("Call %d", i), bob))
	}

	join := func(cl *Client, gid string, relay bool) *callclient.Client {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		h := http.Header{}
		h.Set("X-Forwarded-For", cl.addr)
		cc, err := callclient.Dial(ctx, callclient.URL(rc.URL, gid), cl.Token, callclient.Options{LoopbackOnly: true, RelayOnly: relay, Header: h})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cc.Close)
		if _, err := cc.Join(ctx, true, true); err != nil {
			t.Fatalf("join %s: %v", gid, err)
		}
		return cc
	}

	a := join(alice, groups[0], false)
	b := join(bob, groups[0], true)
	for _, src := range []string{"microphone", "camera"} {
		receives(t, a, b, src)
		receives(t, b, a, src)
	}
	if pair := b.SelectedPair(); !strings.HasPrefix(pair, "relay") {
		t.Fatalf("bob joined relay-only but his pair is %q: coturn was not used", pair)
	}
	r := alice.Do("GET", "/api/v1/calls/"+groups[0], nil)
	Expect(t, "the call", r, 200, "")
	if m := r.Map(t); m["active"] != true || len(m["participants"].([]any)) != 2 {
		t.Fatalf("call state %v", m)
	}

	// More rooms: the registry spreads them over both SFUs.
	for _, g := range groups[1:] {
		join(alice, g, false)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		live, err := reg.Instances(context.Background())
		if err == nil && len(live) == 2 && live[0].Rooms > 0 && live[1].Rooms > 0 {
			t.Logf("rooms per SFU: %s %d, %s %d", live[0].Addr, live[0].Rooms, live[1].Addr, live[1].Rooms)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("4 calls did not spread over both SFUs: %+v (%v)", live, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	_ = a.Leave()
	_ = b.Leave()
	for deadline := time.Now().Add(15 * time.Second); ; {
		m := alice.Do("GET", "/api/v1/calls/"+groups[0], nil).Map(t)
		if m["active"] == false {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the call is still active after everyone left: %v", m)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
