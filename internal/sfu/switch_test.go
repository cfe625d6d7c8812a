package sfu

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// layerLog records which layer each packet written came from (its
// payload's first byte).
type layerLog struct {
	mu     sync.Mutex
	layers []byte
}

func (w *layerLog) WriteRTP(_ *rtp.Header, payload []byte) (int, error) {
	w.mu.Lock()
	w.layers = append(w.layers, payload[0])
	w.mu.Unlock()
	return len(payload), nil
}

func (w *layerLog) Write(b []byte) (int, error) { return len(b), nil }

// A switch up happens at the target's keyframe while the readers of both
// layers offer packets at once: once the keyframe is sent, no packet of
// the old layer may follow it (the subscriber would not assemble the
// keyframe and would decode the new layer on the old one's picture).
func TestNoPacketOfTheOldLayerFollowsTheSwitchKeyframe(t *testing.T) {
	for round := range 300 {
		w := &layerLog{}
		d := twoLayerDowntrack("", w, 1)
		d.current.Store(0)
		d.target.Store(1)
		var stop atomic.Bool
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { // layer 0's reader
			defer wg.Done()
			for seq := uint16(0); !stop.Load(); seq++ {
				d.offer(testPacket(0, false, seq))
				runtime.Gosched()
			}
		}()
		go func() { // layer 1's reader: a keyframe after a few frames
			defer wg.Done()
			for seq := range uint16(40) {
				d.offer(testPacket(1, seq == 20, seq))
				runtime.Gosched()
			}
			stop.Store(true)
		}()
		wg.Wait()
		w.mu.Lock()
		switched := false
		for i, l := range w.layers {
			switch {
			case l == 1:
				switched = true
			case switched:
				t.Fatalf("round %d: a packet of layer 0 sent after layer 1's keyframe (write %d of %v)", round, i, w.layers)
			}
		}
		w.mu.Unlock()
		if !switched {
			t.Fatalf("round %d: never switched to layer 1", round)
		}
	}
}

// twoLayerDowntrack is a downtrack of a video uptrack (of codec mime)
// with two flowing layers, enabled, writing to w as SSRC ssrc. It asks
// for no keyframe: there is no publisher.
func twoLayerDowntrack(mime string, w webrtc.TrackLocalWriter, ssrc uint32) *downtrack {
	u := &uptrack{kind: KindVideo, mime: mime}
	u.downs.Store(&[]*downtrack{})
	for i := range 2 {
		l := &layer{}
		l.active.Store(true)
		l.lastKeyframeReq.Store(math.MaxInt64 / 2)
		u.layers[i].Store(l)
	}
	d := newDowntrack(u, nil)
	d.bound, d.writer, d.ssrc = true, w, ssrc
	d.enabled.Store(true)
	return d
}

func testPacket(layer int, key bool, seq uint16) *packet {
	p := &packet{layer: layer, key: key}
	p.rtp.Header = rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 3000}
	p.rtp.Payload = []byte{byte(layer)}
	p.refs.Store(1 << 20) // never back to the pool
	return p
}
