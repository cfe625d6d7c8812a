//go:build cluster

package systest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/registry"
	"github.com/parleychat/parley/internal/registry/redisregistry"
	"github.com/parleychat/parley/internal/sfu"
)

// TestClusterSFUFailover is issue 9's failover test on real processes:
// two members in a call, each through another gateway, publishing audio
// and video. The SFU hosting the call is killed with SIGKILL: both get
// 1013 (the gateway lost the SFU), rejoin, and meet again on the other SFU
// once the dead one's registry lease ran out; the time from the kill to
// media flowing both ways again is logged (BENCHMARKS.md "Calls at
// scale"). Then the SFU now hosting the call is stopped with SIGTERM: it
// drains (1012) and the call moves back. Every SFU is running and ready
// again at the end.
func TestClusterSFUFailover(t *testing.T) {
	rc := attach(t)
	sfus := []string{"webrtc-1", "webrtc-2"}
	t.Cleanup(func() { rc.restartStopped(t, sfus) })
	reg := rc.registry(t)
	rc.liveSFUs(t, reg, 2)

	salt := platformtest.Name("")[:5]
	alice, _ := signUp(t, rc.Cluster, "fail"+salt+"a", "failover password")
	bob, _ := signUp(t, rc.Cluster, "fail"+salt+"b", "failover password")
	gid := groupWith(t, alice, "Failover", bob)
	gw1, gw2 := rc.node(t, "webrtc-gateway-1"), rc.node(t, "webrtc-gateway-2")

	a := rejoin(t, alice, gw1, gid, time.Minute)
	b := rejoin(t, bob, gw2, gid, time.Minute)
	exchange(t, a, b)
	host := rc.hostOf(t, reg, gid, sfus)

	// SIGKILL: no drain, no deregistration. The gateways see their SFU
	// sockets break and tell the clients to rejoin; the registry keeps
	// the dead SFU's claim until its lease (registry.DefaultTTL after its
	// last heartbeat) runs out, then places the call on the live SFU.
	killed := time.Now()
	rc.kill9(t, host)
	for _, cl := range []*callclient.Client{a, b} {
		code, err := cl.WaitClosed(ctxFor(t))
		if err != nil || (code != sfu.CloseTryAgainLater && code != sfu.CloseServiceRestart) {
			t.Fatalf("after the SFU's SIGKILL the call socket closed with %d (%v), want 1013", code, err)
		}
	}
	a = rejoin(t, alice, gw1, gid, registry.DefaultTTL+30*time.Second)
	b = rejoin(t, bob, gw2, gid, registry.DefaultTTL+30*time.Second)
	replaced := time.Since(killed)
	exchange(t, a, b)
	recovered := time.Since(killed)
	moved := rc.hostOf(t, reg, gid, sfus)
	if moved == host {
		t.Fatalf("the call is still placed on the killed %s", host)
	}
	t.Logf("SIGKILL of %s: both rejoined on %s %.1f s after the kill, media both ways again after %.1f s (lease %v)",
		host, moved, replaced.Seconds(), recovered.Seconds(), registry.DefaultTTL)
	// Re-placement waits for the lease; the rest is the clients' backoff
	// (≤ 1 s), a join and ICE/DTLS on a loaded machine.
	if limit := registry.DefaultTTL + 15*time.Second; recovered > limit {
		t.Fatalf("the call took %v to recover, more than the lease and a rejoin (%v)", recovered, limit)
	}
	rc.ctl(t, "start", host)
	waitStatus(t, host+" restarted", rc.node(t, host)+"/readyz", 200, time.Minute)
	rc.liveSFUs(t, reg, 2)

	// SIGTERM: the SFU hosting the call now drains: it deregisters, tells
	// its clients to rejoin with 1012, and the call moves.
	marks := []int{a.Mark(), b.Mark()}
	rc.ctl(t, "stop", moved)
	if all, err := reg.Instances(context.Background()); err != nil || len(all) != 1 || all[0].Addr == rc.node(t, moved) {
		t.Fatalf("after %s's drain the live SFUs are %+v (%v), want only the other", moved, all, err)
	}
	for i, cl := range []*callclient.Client{a, b} {
		if f, err := cl.Wait(ctxFor(t), marks[i], "error", nil); err != nil || errorCodeOf(f) != "unavailable" {
			t.Fatalf("no error unavailable before the drain's close: %v %s", err, f.Raw)
		}
		if code, err := cl.WaitClosed(ctxFor(t)); err != nil || code != sfu.CloseServiceRestart {
			t.Fatalf("after the SFU's SIGTERM the call socket closed with %d (%v), want 1012", code, err)
		}
	}
	drained := time.Now()
	a = rejoin(t, alice, gw1, gid, time.Minute)
	b = rejoin(t, bob, gw2, gid, time.Minute)
	exchange(t, a, b)
	if back := rc.hostOf(t, reg, gid, sfus); back != host {
		t.Fatalf("after the drain the call is on %s, want %s (the only live SFU)", back, host)
	}
	t.Logf("SIGTERM of %s: media both ways again on %s %.1f s after the drain ended", moved, host, time.Since(drained).Seconds())
	_ = a.Leave()
	_ = b.Leave()
	for _, cl := range []*callclient.Client{a, b} {
		if code, err := cl.WaitClosed(ctxFor(t)); err != nil || code != websocket.StatusNormalClosure {
			t.Fatalf("after leave: %d (%v)", code, err)
		}
	}
	rc.ctl(t, "start", moved)
	rc.allReady(t, nil, time.Minute)
	rc.liveSFUs(t, reg, 2)
}

// rejoin joins gid through gateway, publishing audio and video, trying
// again while the call service is unavailable (as the web client does,
// with a backoff up to 1 s), for up to d.
func rejoin(t *testing.T, cl *Client, gateway, gid string, d time.Duration) *callclient.Client {
	t.Helper()
	deadline := time.Now().Add(d)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		h := http.Header{}
		h.Set("X-Forwarded-For", cl.addr)
		cc, err := callclient.Dial(ctx, callclient.URL(gateway, gid), cl.Token, callclient.Options{LoopbackOnly: true, Header: h})
		if err == nil {
			if _, err = cc.Join(ctx, true, true); err == nil {
				cancel()
				t.Cleanup(cc.Close)
				return cc
			}
			cc.Close()
		}
		cancel()
		if time.Now().After(deadline) {
			t.Fatalf("join %s through %s for %v: %v", gid, gateway, d, err)
		}
		time.Sleep(wait) // backoff between attempts, not an assertion
	}
}

// registry opens the cluster's SFU registry.
func (rc *realCluster) registry(t *testing.T) *redisregistry.Registry {
	t.Helper()
	u := rc.env["PARLEY_CLUSTER_REGISTRY_URL"]
	if u == "" {
		t.Fatal("cluster.env names no registry")
	}
	reg, err := redisregistry.Open(context.Background(), u, registry.DefaultTTL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return reg
}

// liveSFUs waits until the registry lists n live SFUs.
func (rc *realCluster) liveSFUs(t *testing.T, reg registry.Registry, n int) {
	t.Helper()
	waitFor(t, registry.DefaultTTL+20*time.Second, func() string {
		all, err := reg.Instances(context.Background())
		if err != nil || len(all) != n {
			return fmt.Sprintf("live SFUs %+v (%v), want %d", all, err, n)
		}
		return ""
	})
}

// hostOf names the SFU process the registry places gid on.
func (rc *realCluster) hostOf(t *testing.T, reg registry.Registry, gid string, sfus []string) string {
	t.Helper()
	in, ok, err := reg.Lookup(context.Background(), gid)
	if err != nil || !ok {
		t.Fatalf("the call %s is not placed (%v)", gid, err)
	}
	for _, n := range sfus {
		if rc.node(t, n) == in.Addr {
			return n
		}
	}
	t.Fatalf("the call is placed on %s, which is none of %v", in.Addr, sfus)
	return ""
}

// restartStopped starts whichever of names a failed test left stopped, so
// that later tests see a full cluster.
func (rc *realCluster) restartStopped(t *testing.T, names []string) {
	for _, n := range names {
		if rc.pid(n) != 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmd := exec.CommandContext(ctx, rc.script, "start", n)
		cmd.Env = append(os.Environ(), "PARLEY_CLUSTER_DIR="+rc.state)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("restart %s: %v\n%s", n, err, out)
		}
		cancel()
	}
}
