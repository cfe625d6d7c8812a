package sfu

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Forwarding: each published track (an uptrack) is read by one goroutine
// that hands every RTP packet, without copying it, to the downtracks that
// forward it to subscribers. A downtrack has a bounded queue and a writer
// goroutine: a subscriber whose writes fall behind loses packets from its
// own queue and never slows the uptrack or the other subscribers.

// Queue sizes per downtrack: about half a second of media.
const (
	videoQueue = 256
	audioQueue = 32
)

// keyframeInterval bounds how often the SFU asks a publisher for a
// keyframe (PLI): requests within it are served by the one already asked.
const keyframeInterval = 500 * time.Millisecond

// packet is one RTP packet read from a publisher, shared read-only by the
// downtracks it is queued on and returned to the pool by the last one.
type packet struct {
	buf  [1500]byte
	rtp  rtp.Packet
	refs atomic.Int32
}

var packets = sync.Pool{New: func() any { return new(packet) }}

func (p *packet) release() {
	if p.refs.Add(-1) == 0 {
		packets.Put(p)
	}
}

// uptrack is a track a participant publishes.
type uptrack struct {
	owner  *participant
	source string // SourceMicrophone, SourceCamera or SourceScreen
	kind   string
	remote *webrtc.TrackRemote
	recv   *webrtc.RTPReceiver

	mu    sync.Mutex                   // serialises changes of downs
	downs atomic.Pointer[[]*downtrack] // read lock-free by the reader

	lastKeyframeReq atomic.Int64 // unix nanos
	packetsIn       atomic.Uint64
	done            chan struct{}
}

func newUptrack(owner *participant, source string, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) *uptrack {
	u := &uptrack{owner: owner, source: source, kind: remote.Kind().String(), remote: remote, recv: recv, done: make(chan struct{})}
	u.downs.Store(&[]*downtrack{})
	return u
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

// run reads the publisher's packets until the track ends and offers each
// to every downtrack. It also drains the receiver's RTCP (sender reports
// feed the receiver-report interceptor).
func (u *uptrack) run() {
	defer close(u.done)
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := u.recv.Read(buf); err != nil {
				return
			}
		}
	}()
	for {
		p := packets.Get().(*packet)
		n, _, err := u.remote.Read(p.buf[:])
		if err != nil {
			packets.Put(p)
			return
		}
		if p.rtp.Unmarshal(p.buf[:n]) != nil {
			packets.Put(p)
			continue
		}
		u.packetsIn.Add(1)
		p.refs.Store(1)
		for _, d := range *u.downs.Load() {
			d.offer(p)
		}
		p.release()
	}
}

// requestKeyframe asks the publisher for a keyframe, at most once per
// keyframeInterval (a video uptrack only).
func (u *uptrack) requestKeyframe() {
	if u.kind != KindVideo {
		return
	}
	now := time.Now().UnixNano()
	last := u.lastKeyframeReq.Load()
	if now-last < int64(keyframeInterval) || !u.lastKeyframeReq.CompareAndSwap(last, now) {
		return
	}
	_ = u.owner.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(u.remote.SSRC())}})
}

// downtrack forwards one uptrack to one subscriber. It is the
// webrtc.TrackLocal of the subscriber's sender.
type downtrack struct {
	up  *uptrack
	sub *participant

	// enabled is whether packets may be forwarded now (mutes, screen,
	// the subscriber's own choice); set under the room's lock.
	enabled atomic.Bool
	// gated is true while packets were skipped because the downtrack was
	// disabled: the next packet forwarded resynchronises the sequence.
	// Only the uptrack's reader touches it.
	gated bool

	queue chan queued
	stop  chan struct{}
	once  sync.Once

	mu     sync.Mutex // guards the binding
	bound  bool
	ssrc   uint32
	pt     uint8
	writer webrtc.TrackLocalWriter

	// writer goroutine state
	started bool
	offset  uint16
	lastOut uint16

	drops atomic.Uint64
}

type queued struct {
	p      *packet
	resync bool
}

var _ webrtc.TrackLocal = (*downtrack)(nil)

func newDowntrack(up *uptrack, sub *participant) *downtrack {
	size := audioQueue
	if up.kind == KindVideo {
		size = videoQueue
	}
	return &downtrack{up: up, sub: sub, queue: make(chan queued, size), stop: make(chan struct{})}
}

// offer queues p unless the downtrack is disabled, unbound or full. It
// runs on the uptrack's reader goroutine.
func (d *downtrack) offer(p *packet) {
	if !d.enabled.Load() {
		d.gated = true
		return
	}
	resync := d.gated
	d.gated = false
	p.refs.Add(1)
	select {
	case d.queue <- queued{p, resync}:
	default:
		p.release()
		d.drops.Add(1)
	}
	if resync {
		d.up.requestKeyframe()
	}
}

// write runs until the downtrack stops: it rewrites each packet for the
// subscriber (its SSRC and payload type, a sequence without the gaps of
// the times it was disabled, no header extensions of the publisher's) and
// writes it.
func (d *downtrack) write() {
	for {
		select {
		case <-d.stop:
			d.drain()
			return
		case q := <-d.queue:
			d.send(q)
			q.p.release()
		}
	}
}

func (d *downtrack) send(q queued) {
	d.mu.Lock()
	bound, ssrc, pt, w := d.bound, d.ssrc, d.pt, d.writer
	d.mu.Unlock()
	if !bound {
		return
	}
	in := &q.p.rtp.Header
	first := !d.started
	if first {
		d.started = true
	} else if q.resync {
		d.offset = d.lastOut + 1 - in.SequenceNumber
	}
	seq := in.SequenceNumber + d.offset
	if first || int16(seq-d.lastOut) > 0 {
		d.lastOut = seq
	}
	h := rtp.Header{
		Version: 2, Padding: in.Padding, PaddingSize: in.PaddingSize, Marker: in.Marker,
		PayloadType: pt, SequenceNumber: seq, Timestamp: in.Timestamp, SSRC: ssrc,
	}
	_, _ = w.WriteRTP(&h, q.p.rtp.Payload)
}

func (d *downtrack) drain() {
	for {
		select {
		case q := <-d.queue:
			q.p.release()
		default:
			return
		}
	}
}

// close stops the writer; packets still queued are dropped.
func (d *downtrack) close() {
	d.once.Do(func() { close(d.stop) })
}

// readRTCP serves the subscriber's feedback until the sender stops:
// keyframe requests go to the publisher (rate-limited); reading also
// drives the NACK responder.
func (d *downtrack) readRTCP(s *webrtc.RTPSender) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.up.requestKeyframe()
			}
		}
	}
}

// Bind implements webrtc.TrackLocal: the subscriber's PeerConnection
// negotiated the track.
func (d *downtrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	want := d.up.remote.Codec().MimeType
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, want) {
			d.mu.Lock()
			d.bound, d.ssrc, d.pt, d.writer = true, uint32(ctx.SSRC()), uint8(c.PayloadType), ctx.WriteStream()
			d.mu.Unlock()
			d.up.requestKeyframe()
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, errors.New("sfu: subscriber does not accept " + want)
}

// Unbind implements webrtc.TrackLocal.
func (d *downtrack) Unbind(webrtc.TrackLocalContext) error {
	d.mu.Lock()
	d.bound = false
	d.mu.Unlock()
	return nil
}

// ID implements webrtc.TrackLocal.
func (d *downtrack) ID() string { return d.up.trackID() }

// RID implements webrtc.TrackLocal.
func (d *downtrack) RID() string { return "" }

// StreamID implements webrtc.TrackLocal.
func (d *downtrack) StreamID() string { return d.up.streamID() }

// Kind implements webrtc.TrackLocal.
func (d *downtrack) Kind() webrtc.RTPCodecType {
	if d.up.kind == KindVideo {
		return webrtc.RTPCodecTypeVideo
	}
	return webrtc.RTPCodecTypeAudio
}
