package sfu

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Forwarding: each published track (an uptrack) has one layer, or three
// when the camera is simulcast. Each layer is read by one goroutine that
// hands every RTP packet, without copying it, to the downtracks that
// forward the track to subscribers; a downtrack takes the packets of the
// one layer it forwards and sends them on that goroutine: no hand-off
// per packet and subscriber (waking a writer goroutine per subscriber cost
// ≈ 2.5 µs per forwarded packet, BENCHMARKS.md). Sending does not wait
// for a subscriber: it encrypts and hands the datagram to the shared,
// non-blocking UDP socket, so no subscriber slows another any more than
// the socket itself would.

// keyframeInterval bounds how often the SFU asks a publisher for a
// keyframe (PLI) of one layer: requests within it are served by the one
// already asked.
const keyframeInterval = 500 * time.Millisecond

// Simulcast layers, lowest first, by their RTP stream ids (the rids the
// SFU's offer declares).
var layerRIDs = [...]string{"q", "h", "f"}

// maxLayers is how many layers a track may have.
const maxLayers = len(layerRIDs)

// layerOf maps a rid to its layer index ("" — no simulcast — is layer 0).
func layerOf(rid string) int {
	for i, r := range layerRIDs {
		if r == rid {
			return i
		}
	}
	return 0
}

// packet is one RTP packet read from a publisher, shared read-only by the
// downtracks it is queued on and returned to the pool by the last one.
type packet struct {
	buf   [1500]byte
	rtp   rtp.Packet
	layer int
	key   bool // the first packet of a VP8 keyframe
	refs  atomic.Int32
}

var packets = sync.Pool{New: func() any { return new(packet) }}

func (p *packet) release() {
	if p.refs.Add(-1) == 0 {
		packets.Put(p)
	}
}

// layer is one encoding of an uptrack.
type layer struct {
	remote          *webrtc.TrackRemote
	lastKeyframeReq atomic.Int64 // unix nanos
	packets         atomic.Uint64
	bytes           atomic.Uint64
	width, height   atomic.Int32 // from the last keyframe (VP8)
	// active is whether packets arrived in the controller's last period
	// (a publisher may stop sending a layer it cannot afford).
	active      atomic.Bool
	seenByTick  uint64 // packets at the controller's last tick (controller only)
	bytesByTick uint64
	bitrate     atomic.Uint64
}

// layerFlowing reports whether layer i exists and is flowing.
func (u *uptrack) layerFlowing(i int) bool {
	l := u.layers[i].Load()
	return l != nil && l.active.Load()
}

// uptrack is a track a participant publishes.
type uptrack struct {
	owner  *participant
	source string // SourceMicrophone, SourceCamera or SourceScreen
	kind   string
	mime   string
	recv   *webrtc.RTPReceiver

	layers [maxLayers]atomic.Pointer[layer]

	mu    sync.Mutex                   // serialises changes of downs
	downs atomic.Pointer[[]*downtrack] // read lock-free by the readers

	level atomic.Int32 // audio: smoothed level, 0 (silence) … 127 (loud)
}

func newUptrack(owner *participant, source string, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) *uptrack {
	u := &uptrack{owner: owner, source: source, kind: remote.Kind().String(), mime: remote.Codec().MimeType, recv: recv}
	u.downs.Store(&[]*downtrack{})
	return u
}

// simulcast reports whether the track has more than one layer.
func (u *uptrack) simulcast() bool { return u.layers[1].Load() != nil || u.layers[2].Load() != nil }

// addLayer registers the layer a remote track carries and starts reading
// it; it reports false when that layer exists already.
func (u *uptrack) addLayer(remote *webrtc.TrackRemote) bool {
	i := layerOf(remote.RID())
	l := &layer{remote: remote}
	l.active.Store(true)
	if !u.layers[i].CompareAndSwap(nil, l) {
		return false
	}
	go u.read(i, l)
	return true
}

func (u *uptrack) streamID() string {
	if u.source == SourceScreen {
		return u.owner.id + ".screen"
	}
	return u.owner.id
}

func (u *uptrack) trackID() string { return u.owner.id + "." + u.source }

func (u *uptrack) addDown(d *downtrack) {
	u.mu.Lock()
	defer u.mu.Unlock()
	old := *u.downs.Load()
	next := make([]*downtrack, len(old), len(old)+1)
	copy(next, old)
	next = append(next, d)
	u.downs.Store(&next)
}

func (u *uptrack) removeDown(d *downtrack) {
	u.mu.Lock()
	defer u.mu.Unlock()
	old := *u.downs.Load()
	next := make([]*downtrack, 0, len(old))
	for _, x := range old {
		if x != d {
			next = append(next, x)
		}
	}
	u.downs.Store(&next)
}

// read reads one layer's packets until the track ends and offers each to
// every downtrack. Reading the layer's RTCP too (sender reports feed the
// receiver-report interceptor) is done once per receiver, by layer 0.
func (u *uptrack) read(index int, l *layer) {
	if index == 0 {
		go func() {
			buf := make([]byte, 1500)
			for {
				if _, _, err := u.recv.Read(buf); err != nil {
					return
				}
			}
		}()
	}
	audioLevelID := audioLevelExtension(u)
	isVP8 := u.kind == KindVideo
	for {
		p := packets.Get().(*packet)
		n, _, err := l.remote.Read(p.buf[:])
		if err != nil {
			packets.Put(p)
			return
		}
		if p.rtp.Unmarshal(p.buf[:n]) != nil {
			packets.Put(p)
			continue
		}
		p.layer, p.key = index, false
		if isVP8 {
			if w, h, key := vp8Keyframe(p.rtp.Payload); key {
				p.key = true
				if w > 0 {
					l.width.Store(int32(w))
					l.height.Store(int32(h))
				}
			}
		} else if audioLevelID != 0 {
			u.noteLevel(&p.rtp.Header, audioLevelID)
		}
		// Padding-only packets (a browser probing its bandwidth pads the
		// SSRC of a layer it may have stopped encoding) say nothing about
		// whether the layer flows: a paused layer that only pads must not
		// keep subscribers waiting for its keyframes.
		if len(p.rtp.Payload) > 0 {
			l.packets.Add(1)
			l.bytes.Add(uint64(n))
		}
		p.refs.Store(1)
		for _, d := range *u.downs.Load() {
			d.offer(p)
		}
		p.release()
	}
}

// requestKeyframe asks the publisher for a keyframe of a layer, at most
// once per keyframeInterval (video only).
func (u *uptrack) requestKeyframe(index int) {
	if u.kind != KindVideo {
		return
	}
	l := u.layers[index].Load()
	if l == nil {
		return
	}
	now := time.Now().UnixNano()
	last := l.lastKeyframeReq.Load()
	if now-last < int64(keyframeInterval) || !l.lastKeyframeReq.CompareAndSwap(last, now) {
		return
	}
	_ = u.owner.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(l.remote.SSRC())}})
}
