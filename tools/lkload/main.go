// Command lkload is parley-callload's LiveKit driver: the same scenarios
// (fanout, rooms), the same synthetic media and the same counting
// (internal/callclient.Media) and measurement (internal/loadkit), with the
// participants joining a LiveKit server through its Go SDK instead of
// Parley's call signalling. It is its own module so that Parley's go.mod
// stays free of LiveKit; scripts/bench-calls.sh builds and runs it with
// BENCH_TARGETS=parley,livekit.
//
//	lkload -url ws://127.0.0.1:7880 -key devkey -secret secret -pid 1234 -scenario fanout -subs 49
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/loadkit"
)

type options struct {
	loadkit.CallFlags
	url, key, secret string
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "ws://127.0.0.1:7880", "LiveKit's URL")
	flag.StringVar(&o.key, "key", "devkey", "API key")
	flag.StringVar(&o.secret, "secret", "secret", "API secret")
	o.CallFlags.Register(flag.CommandLine)
	flag.Parse()
	lksdk.SetLogger(logger.GetDiscardLogger())
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "lkload:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.Pid <= 0 {
		return fmt.Errorf("-pid is required")
	}
	idle, idleCPU, err := loadkit.IdleCPU(o.Pid, o.Idle)
	if err != nil {
		return err
	}
	var rooms [][]loadkit.CallPeer
	var all []*peer
	defer func() {
		for _, p := range all {
			p.close()
		}
	}()
	add := func(room, identity string, publish bool) (*peer, error) {
		p, err := join(o, room, identity, publish)
		if p != nil {
			all = append(all, p)
		}
		return p, err
	}
	run := fmt.Sprint(time.Now().UnixNano())
	switch o.Scenario {
	case "fanout":
		name := "fanout-" + run
		pub, err := add(name, "pub", true)
		if err != nil {
			return err
		}
		room := []loadkit.CallPeer{pub}
		var mu sync.Mutex
		var wg sync.WaitGroup
		var firstErr error
		sem := make(chan struct{}, 8)
		for i := range o.Subs {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				p, err := join(o, name, fmt.Sprintf("sub%d", i), false)
				mu.Lock()
				defer mu.Unlock()
				if p != nil {
					all = append(all, p)
					room = append(room, p)
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
			})
		}
		wg.Wait()
		if firstErr != nil {
			return firstErr
		}
		rooms = append(rooms, room)
	case "rooms":
		for r := range o.Rooms {
			var room []loadkit.CallPeer
			for i := range o.Size {
				p, err := add(fmt.Sprintf("rooms-%s-%d", run, r), fmt.Sprintf("p%d", i), true)
				if err != nil {
					return err
				}
				room = append(room, p)
			}
			rooms = append(rooms, room)
		}
	default:
		return fmt.Errorf("unknown scenario %q", o.Scenario)
	}
	_, err = loadkit.MeasureCalls(os.Stdout, loadkit.CallRun{
		Scenario: o.Scenario + " (LiveKit)", Pid: o.Pid, Idle: idle, IdleCPU: idleCPU, Bitrate: o.Bitrate, Warmup: o.Warmup, Duration: o.Duration,
	}, rooms)
	return err
}

// peer is one LiveKit participant with Parley's synthetic media.
type peer struct {
	identity string
	room     *lksdk.Room
	media    *callclient.Media
	sources  []string
}

var _ loadkit.CallPeer = (*peer)(nil)

func (p *peer) ID() string                              { return p.identity }
func (p *peer) Sources() []string                       { return p.sources }
func (p *peer) Sent(src string) uint64                  { return p.media.Sent(src) }
func (p *peer) Received(id, src string) uint64          { return p.media.Received(id, src) }
func (p *peer) FirstMedia(id, src string) time.Duration { return p.media.FirstMedia(id, src) }

func (p *peer) close() {
	p.media.Stop()
	if p.room != nil {
		p.room.Disconnect()
	}
}

// join connects identity to room, subscribing to everything; a publisher
// then publishes the microphone and the camera.
func join(o options, room, identity string, publish bool) (*peer, error) {
	p := &peer{identity: identity, media: callclient.NewMedia(o.Bitrate)}
	at := time.Now()
	cb := &lksdk.RoomCallback{ParticipantCallback: lksdk.ParticipantCallback{
		OnTrackSubscribed: func(t *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
			src := "camera"
			if pub.Source() == livekit.TrackSource_MICROPHONE {
				src = "microphone"
			}
			p.media.Count(t, rp.Identity(), src, at)
		},
	}}
	r, err := lksdk.ConnectToRoom(o.url, lksdk.ConnectInfo{
		APIKey: o.key, APISecret: o.secret, RoomName: room, ParticipantIdentity: identity,
	}, cb, lksdk.WithAutoSubscribe(true))
	if err != nil {
		return nil, fmt.Errorf("join %s as %s: %w", room, identity, err)
	}
	p.room = r
	if !publish {
		return p, nil
	}
	for _, s := range []struct {
		name   string
		source livekit.TrackSource
	}{{"microphone", livekit.TrackSource_MICROPHONE}, {"camera", livekit.TrackSource_CAMERA}} {
		if s.name == "microphone" && !o.Audio {
			continue
		}
		track := p.media.Track(s.name)
		if _, err := r.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{
			Name: s.name, Source: s.source, VideoWidth: 640, VideoHeight: 360,
		}); err != nil {
			return p, fmt.Errorf("publish %s: %w", s.name, err)
		}
		var sender *webrtc.RTPSender
		for _, t := range r.LocalParticipant.GetPublisherPeerConnection().GetTransceivers() {
			if t.Sender() != nil && t.Sender().Track() == track {
				sender = t.Sender()
			}
		}
		if sender == nil {
			return p, fmt.Errorf("publish %s: no sender", s.name)
		}
		p.media.Start(s.name, sender)
		p.sources = append(p.sources, s.name)
	}
	return p, nil
}
