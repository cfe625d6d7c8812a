package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/parleychat/parley/internal/loadkit"
	"github.com/parleychat/parley/internal/registry"
	"github.com/parleychat/parley/internal/registry/redisregistry"
)

// sfuProc is one SFU process of the cluster.
type sfuProc struct {
	name, addr string
	pid        int
	rooms      [][]*participant
}

// runCluster is the rooms scenario over the SFUs of a scripts/cluster.sh
// cluster, measured per SFU; with -kill, then the recovery of the rooms of
// the busiest SFU after its SIGKILL.
func runCluster(o options) error {
	env, err := readEnv(filepath.Join(o.cluster, "cluster.env"))
	if err != nil {
		return fmt.Errorf("-cluster %s: %w (is the cluster up?)", o.cluster, err)
	}
	o.base, o.devmail = env["PARLEY_CLUSTER_URL"], env["PARLEY_CLUSTER_DEVMAIL_URL"]
	reg, err := redisregistry.Open(context.Background(), env["PARLEY_CLUSTER_REGISTRY_URL"], 0)
	if err != nil {
		return err
	}
	defer reg.Close()
	var sfus []*sfuProc
	for k, v := range env {
		n, ok := strings.CutPrefix(k, "PARLEY_CLUSTER_NODE_webrtc_")
		if !ok || strings.HasPrefix(n, "gateway") {
			continue
		}
		name := "webrtc-" + n
		b, err := os.ReadFile(filepath.Join(o.cluster, "pids", name+".pid"))
		if err != nil {
			return fmt.Errorf("%s is not running: %w", name, err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		sfus = append(sfus, &sfuProc{name: name, addr: v, pid: pid})
	}
	slices.SortFunc(sfus, func(a, b *sfuProc) int { return strings.Compare(a.name, b.name) })
	// A restarted SFU is a new instance; the one it replaces stays listed
	// until its lease runs out.
	for deadline := time.Now().Add(registry.DefaultTTL + 20*time.Second); ; time.Sleep(200 * time.Millisecond) {
		live, err := reg.Instances(context.Background())
		if err == nil && len(live) == len(sfus) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the registry lists %d live SFUs (%v), the cluster runs %d", len(live), err, len(sfus))
		}
	}

	// Each SFU's own idle cost (heartbeats, the groups topic, timers), to
	// tell it apart from the cost of forwarding.
	idle0 := make([]loadkit.Proc, len(sfus))
	for i, s := range sfus {
		if idle0[i], err = loadkit.ReadProc(s.pid); err != nil {
			return err
		}
	}
	ti := time.Now()
	time.Sleep(o.Warmup)
	idleFor := time.Since(ti)
	idle := make([]float64, len(sfus)) // fraction of a core
	for i, s := range sfus {
		p, err := loadkit.ReadProc(s.pid)
		if err != nil {
			return err
		}
		idle[i] = (p.CPU - idle0[i].CPU).Seconds() / idleFor.Seconds()
	}

	rooms, err := manyRooms(o)
	defer closeAll(rooms)
	if err != nil {
		return err
	}
	for _, r := range rooms {
		in, ok, err := reg.Lookup(context.Background(), r[0].gid)
		if err != nil || !ok {
			return fmt.Errorf("room %s is not placed: %v", r[0].gid, err)
		}
		s := findSFU(sfus, in.Addr)
		if s == nil {
			return fmt.Errorf("room %s is placed on %s, no SFU of the cluster", r[0].gid, in.Addr)
		}
		s.rooms = append(s.rooms, r)
	}
	time.Sleep(o.Warmup)
	before := make([]loadkit.Proc, len(sfus))
	recv0 := make([]uint64, len(sfus))
	for i, s := range sfus {
		if before[i], err = loadkit.ReadProc(s.pid); err != nil {
			return err
		}
		_, recv0[i] = totals(s.rooms)
	}
	t0 := time.Now()
	time.Sleep(o.Duration)
	el := time.Since(t0)
	fmt.Printf("scenario rooms over %d SFUs: %d calls of %d participants, video %d kbit/s, through %s\n",
		len(sfus), len(rooms), o.Size, o.Bitrate/1000, o.base)
	for i, s := range sfus {
		after, err := loadkit.ReadProc(s.pid)
		if err != nil {
			return err
		}
		_, recv1 := totals(s.rooms)
		fwd := recv1 - recv0[i]
		cpu := after.CPU - before[i].CPU
		busy := cpu - time.Duration(idle[i]*float64(el))
		fmt.Printf("%-9s %2d rooms, %3d participants: %6.0f packets/s forwarded, CPU %4.1f%% of a core (idle %.1f%%), %5.1f µs per forwarded packet (%5.1f above idle), RSS %.0f MiB\n",
			s.name, len(s.rooms), countParticipants(s.rooms), float64(fwd)/el.Seconds(), 100*cpu.Seconds()/el.Seconds(), 100*idle[i],
			float64(cpu.Microseconds())/float64(max(1, fwd)), float64(busy.Microseconds())/float64(max(1, fwd)), float64(after.RSS)/(1<<20))
	}
	if !o.kill {
		return nil
	}
	victim := sfus[0]
	for _, s := range sfus[1:] {
		if len(s.rooms) > len(victim.rooms) {
			victim = s
		}
	}
	return killAndRecover(o, reg, victim)
}

// killAndRecover kills victim with SIGKILL and has every participant of
// its rooms rejoin (backing off up to 1 s between attempts, as the web
// client does); a room has recovered when each of its participants
// receives every other one's audio and video again. It reports the time
// from the kill to the registry placing each room elsewhere and to each
// room's recovery.
func killAndRecover(o options, reg registry.Registry, victim *sfuProc) error {
	if len(victim.rooms) == 0 {
		return fmt.Errorf("%s hosts no room", victim.name)
	}
	killed := time.Now()
	if err := syscall.Kill(victim.pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill -9 %s (%d): %w", victim.name, victim.pid, err)
	}
	replaced := make([]time.Duration, len(victim.rooms))
	recovered := make([]time.Duration, len(victim.rooms))
	errc := make([]error, len(victim.rooms))
	var wg sync.WaitGroup
	for i, r := range victim.rooms {
		wg.Go(func() {
			replaced[i], recovered[i], errc[i] = recoverRoom(o, reg, victim.addr, r, killed)
		})
	}
	wg.Wait()
	for _, err := range errc {
		if err != nil {
			return err
		}
	}
	slices.Sort(replaced)
	slices.Sort(recovered)
	fmt.Printf("SIGKILL of %s (%d rooms, lease %v): rejoined on another SFU after p50 %v, max %v; media both ways again after p50 %v, max %v\n",
		victim.name, len(victim.rooms), registry.DefaultTTL,
		pct(replaced, 50), replaced[len(replaced)-1].Round(time.Millisecond),
		pct(recovered, 50), recovered[len(recovered)-1].Round(time.Millisecond))
	return nil
}

func recoverRoom(o options, reg registry.Registry, dead string, room []*participant, killed time.Time) (replaced, recovered time.Duration, err error) {
	deadline := killed.Add(registry.DefaultTTL + time.Minute)
	var mu sync.Mutex
	var wg sync.WaitGroup
	fresh := make([]*participant, len(room))
	errc := make([]error, len(room))
	for i, p := range room {
		wg.Go(func() {
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			defer cancel()
			_, _ = p.c.WaitClosed(ctx)
			for wait := 100 * time.Millisecond; ; wait = min(2*wait, time.Second) {
				np, err := join(o, p.acc, p.gid, true, true)
				if err == nil {
					fresh[i] = np
					break
				}
				if time.Now().After(deadline) {
					errc[i] = fmt.Errorf("rejoin %s: %w", p.gid, err)
					return
				}
				time.Sleep(wait)
			}
			mu.Lock()
			defer mu.Unlock()
			if replaced == 0 {
				if in, ok, err := reg.Lookup(context.Background(), p.gid); err == nil && ok && in.Addr != dead {
					replaced = time.Since(killed)
				}
			}
		})
	}
	wg.Wait()
	defer closeAll([][]*participant{fresh})
	for _, err := range errc {
		if err != nil {
			return 0, 0, err
		}
	}
	for {
		if flowing(fresh) {
			return replaced, time.Since(killed), nil
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("room %s: no media between its rejoined participants", room[0].gid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// flowing reports whether every participant of r receives every other's
// audio and video (a few packets of each).
func flowing(r []*participant) bool {
	for _, rx := range r {
		for _, tx := range r {
			if rx == tx {
				continue
			}
			for _, src := range tx.sources {
				if rx.c.Received(tx.c.ParticipantID, src) < 5 {
					return false
				}
			}
		}
	}
	return true
}

func findSFU(sfus []*sfuProc, addr string) *sfuProc {
	for _, s := range sfus {
		if s.addr == addr {
			return s
		}
	}
	return nil
}

func closeAll(rooms [][]*participant) {
	for _, r := range rooms {
		for _, p := range r {
			if p != nil {
				p.c.Close()
			}
		}
	}
}

func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			out[k] = v
		}
	}
	return out, sc.Err()
}
