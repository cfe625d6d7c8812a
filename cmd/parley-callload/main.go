// Command parley-callload measures Parley's SFU from outside, as its own
// process, with pion participants (internal/callclient) that publish
// synthetic Opus and VP8 and count what they receive.
//
// Scenarios:
//
//	fanout  one publisher (audio + video at -bitrate) and -subs subscribers
//	        that only receive
//	rooms   -rooms calls of -size participants, each publishing audio and
//	        video at -bitrate
//
// It reports the server's CPU per forwarded packet and memory per
// subscriber (from /proc/<-pid>), packet loss (sent × receivers against
// received) and join time (join → first media):
//
//	parley-callload -url http://127.0.0.1:8080 -devmail http://127.0.0.1:8025 -pid 1234 -scenario fanout -subs 50
//
// scripts/bench-calls.sh starts Parley and parley-devmail and runs both
// scenarios.
//
// With -cluster (the state directory of scripts/cluster.sh), the rooms
// scenario runs against a cluster of several SFUs through its ingress: it
// reports, per SFU process, the rooms the registry placed on it and its
// CPU per forwarded packet; with -kill it then kills (SIGKILL) the SFU
// hosting the most rooms, has those rooms' participants rejoin as the web
// client does, and reports how long each room took to get media flowing
// again (scripts/bench-calls.sh cluster).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/loadkit"
)

type options struct {
	loadkit.CallFlags
	base, devmail  string
	cluster        string
	kill           bool
	offset         int
	pprof, profile string
}

func main() {
	var o options
	flag.StringVar(&o.base, "url", "http://127.0.0.1:8080", "Parley's public URL")
	flag.StringVar(&o.devmail, "devmail", "http://127.0.0.1:8025", "parley-devmail's HTTP API")
	o.CallFlags.Register(flag.CommandLine)
	flag.StringVar(&o.cluster, "cluster", "", "rooms over the SFUs of the scripts/cluster.sh cluster in this state directory (-url, -devmail and -pid come from it)")
	flag.BoolVar(&o.kill, "kill", false, "-cluster: then SIGKILL the SFU hosting the most rooms and time their recovery")
	flag.IntVar(&o.offset, "offset", 0, "first account number (runs against one server need distinct ones: abuse limits count per client address)")
	flag.StringVar(&o.pprof, "pprof", "", "the server's pprof base URL (a -tags pprof build): take a CPU profile of the measuring window")
	flag.StringVar(&o.profile, "profile", "cpu.pprof", "-pprof: where to write the profile")
	flag.Parse()
	measure := run
	if o.cluster != "" {
		measure = runCluster
	}
	if err := measure(o); err != nil {
		fmt.Fprintln(os.Stderr, "parley-callload:", err)
		os.Exit(1)
	}
}

// participant is one joined client and the sources it publishes.
type participant struct {
	c       *callclient.Client
	sources []string
	joinAt  time.Time
	acc     loadkit.Account
	gid     string
}

func run(o options) error {
	if o.Pid <= 0 {
		return fmt.Errorf("-pid is required")
	}
	var rooms [][]*participant
	var err error
	idle, idleCPU, err := loadkit.IdleCPU(o.Pid, o.Idle)
	if err != nil {
		return err
	}
	switch o.Scenario {
	case "fanout":
		rooms, err = fanout(o)
	case "rooms":
		rooms, err = manyRooms(o)
	default:
		return fmt.Errorf("unknown scenario %q", o.Scenario)
	}
	defer closeAll(rooms)
	if err != nil {
		return err
	}
	peers := make([][]loadkit.CallPeer, len(rooms))
	for i, r := range rooms {
		for _, p := range r {
			peers[i] = append(peers[i], p)
		}
	}
	_, err = loadkit.MeasureCalls(os.Stdout, loadkit.CallRun{
		Scenario: o.Scenario, Pid: o.Pid, Idle: idle, IdleCPU: idleCPU, Bitrate: o.Bitrate, Warmup: o.Warmup, Duration: o.Duration,
		PprofURL: o.pprof, ProfilePath: o.profile,
	}, peers)
	return err
}

// A participant is a loadkit.CallPeer.
var _ loadkit.CallPeer = (*participant)(nil)

func (p *participant) ID() string        { return p.c.ParticipantID }
func (p *participant) Sources() []string { return p.sources }
func (p *participant) Sent(src string) uint64 {
	return p.c.Sent(src)
}
func (p *participant) Received(pid, src string) uint64 { return p.c.Received(pid, src) }
func (p *participant) FirstMedia(pid, src string) time.Duration {
	return p.c.FirstMedia(pid, src)
}

// totals sums, over every publisher → receiver pair, packets sent by the
// publisher and received by the receiver.
func totals(rooms [][]*participant) (sent, recv uint64) {
	for _, r := range rooms {
		for _, tx := range r {
			for _, src := range tx.sources {
				s := tx.c.Sent(src)
				for _, rx := range r {
					if rx != tx {
						sent += s
						recv += rx.c.Received(tx.c.ParticipantID, src)
					}
				}
			}
		}
	}
	return sent, recv
}

func countParticipants(rooms [][]*participant) int {
	n := 0
	for _, r := range rooms {
		n += len(r)
	}
	return n
}

func pct(d []time.Duration, p int) time.Duration {
	return d[min(len(d)-1, len(d)*p/100)].Round(time.Millisecond)
}

// accounts registers n accounts and puts them in one group.
func accounts(o options, n, offset int) ([]loadkit.Account, string, error) {
	acc := make([]loadkit.Account, n)
	for i := range n {
		a, err := loadkit.NewAccount(o.base, o.devmail, o.offset+offset+i)
		if err != nil {
			return nil, "", err
		}
		acc[i] = a
	}
	gid, err := loadkit.Group(o.base, acc[0], acc[1:])
	return acc, gid, err
}

func join(o options, a loadkit.Account, gid string, audio, video bool) (*participant, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := map[string][]string{"X-Forwarded-For": {a.Addr}}
	c, err := callclient.Dial(ctx, callclient.URL(o.base, gid), a.Token, callclient.Options{LoopbackOnly: true, VideoBitrate: o.Bitrate, Header: h})
	if err != nil {
		return nil, err
	}
	p := &participant{c: c, joinAt: time.Now(), acc: a, gid: gid}
	if _, err := c.Join(ctx, audio, video); err != nil {
		c.Close()
		return nil, err
	}
	if audio {
		p.sources = append(p.sources, "microphone")
	}
	if video {
		p.sources = append(p.sources, "camera")
	}
	return p, nil
}

// fanout: one publisher, o.Subs receive-only participants (spread over a
// few accounts: a user may be in a call more than once).
func fanout(o options) ([][]*participant, error) {
	acc, gid, err := accounts(o, 5, 0)
	if err != nil {
		return nil, err
	}
	pub, err := join(o, acc[0], gid, o.Audio, true)
	if err != nil {
		return nil, err
	}
	room := []*participant{pub}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	sem := make(chan struct{}, 8)
	for i := range o.Subs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			p, err := join(o, acc[1+i%4], gid, false, false)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			room = append(room, p)
		})
	}
	wg.Wait()
	return [][]*participant{room}, firstErr
}

// manyRooms: o.Rooms calls of o.Size participants, all publishing.
func manyRooms(o options) ([][]*participant, error) {
	var rooms [][]*participant
	for r := range o.Rooms {
		acc, gid, err := accounts(o, o.Size, 1000+r*o.Size)
		if err != nil {
			return rooms, err
		}
		var room []*participant
		for _, a := range acc {
			p, err := join(o, a, gid, o.Audio, true)
			if err != nil {
				return append(rooms, room), err
			}
			room = append(room, p)
		}
		rooms = append(rooms, room)
	}
	return rooms, nil
}
