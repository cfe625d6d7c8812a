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

// historySize is how many of the packets it sent last a video downtrack
// keeps to answer NACKs with (about 5 s at 1 Mbit/s, 2 s at 2.5 Mbit/s):
// references to the packets read from the publisher, shared by every
// subscriber, not copies. A power of two.
const historySize = 512

// Bounds on answering NACKs, so that a subscriber cannot turn one small
// RTCP packet (up to ~6,000 sequence numbers, repeats included) into
// thousands of encrypted sends: at most maxResendsPerNack packets per
// NACK, and each packet at most once per resendGap (a real receiver asks
// again only after a round trip).
const (
	maxResendsPerNack = 64
	resendGap         = 100 * time.Millisecond
)

// sentPacket is a packet as a downtrack sent it.
type sentPacket struct {
	p        *packet // holds a reference
	seq      uint16
	ts       uint32
	vp8      vp8Offsets // the numbering it was sent with
	resentAt time.Time  // the last resend, zero when none
}

// downtrack forwards one uptrack to one subscriber. It is the
// webrtc.TrackLocal of the subscriber's sender.
type downtrack struct {
	up  *uptrack
	sub *participant

	// enabled is whether packets may be forwarded now (mutes, screen,
	// the subscriber's own choice); set under the room's lock.
	enabled atomic.Bool
	// gated is set while packets are skipped because the downtrack is
	// disabled: the next packet forwarded resynchronises the sequence.
	gated atomic.Bool
	// current is the layer forwarded; target the layer the controller
	// wants, taken at its next keyframe.
	current atomic.Int32
	target  atomic.Int32

	mu     sync.Mutex // guards the binding
	bound  bool
	ssrc   uint32
	pt     uint8
	writer webrtc.TrackLocalWriter

	// sending state, guarded by smu (the readers of two layers may both
	// offer during a switch)
	smu       sync.Mutex
	started   bool
	lastLayer int
	offset    uint16 // sequence: out = in + offset
	tsOffset  uint32 // timestamp: out = in + tsOffset
	lastOut   uint16
	lastTS    uint32
	lastAt    time.Time
	hdr       rtp.Header // the header written (kept: a local would escape)
	vp8       *vp8State  // VP8: the descriptor's numbering (nil for other codecs)

	// what the subscriber reports (readRTCP)
	lossFraction atomic.Uint32 // of the last receiver report, /256
	remb         atomic.Uint64 // bits/s, 0 when none

	drops  atomic.Uint64
	resent atomic.Uint64 // packets sent again on NACK

	hmu sync.Mutex // guards history and closed
	// history holds the packets last sent by sequence number modulo
	// historySize (video only: subscribers NACK video).
	history []sentPacket
	closed  bool
}

var _ webrtc.TrackLocal = (*downtrack)(nil)

func newDowntrack(up *uptrack, sub *participant) *downtrack {
	d := &downtrack{up: up, sub: sub}
	if up.kind == KindVideo {
		d.history = make([]sentPacket, historySize)
	}
	if strings.EqualFold(up.mime, webrtc.MimeTypeVP8) {
		d.vp8 = &vp8State{}
	}
	top := int32(maxLayers - 1)
	d.current.Store(-1) // no layer yet: the first keyframe of the target starts it
	d.target.Store(top)
	if !up.simulcast() {
		d.current.Store(0)
		d.target.Store(0)
	}
	return d
}

// offer sends p unless the downtrack is disabled or forwards another
// layer. It runs on the uptrack's layer readers.
func (d *downtrack) offer(p *packet) {
	if !d.enabled.Load() {
		d.gated.Store(true)
		return
	}
	layer := int32(p.layer)
	if layer != d.current.Load() && !p.key {
		// Another layer, and no keyframe to switch at. Waiting for the
		// target's keyframe: ask for it (at most once per
		// keyframeInterval) for as long as the wait lasts, so that a
		// request made while the downtrack was gated (a moderator's mute
		// lifted later), or one answered before the target was set,
		// cannot leave the start or the switch pending.
		if layer == d.target.Load() {
			d.up.requestKeyframe(p.layer)
		}
		return
	}
	// The layer is decided again, and the packet sent, under smu: a
	// packet of the layer left behind that passed the check above while
	// the switch happened on another layer's reader must not go out after
	// the new layer's keyframe (it would take the place of that keyframe's
	// next packets in sequence and timestamp, and the subscriber would
	// never assemble the keyframe: it then decodes the new layer's frames
	// on the old one's picture).
	d.smu.Lock()
	if cur := d.current.Load(); layer != cur {
		// A layer switch happens at a keyframe: of the target layer; or of
		// any layer when none is forwarded yet or the current one stopped
		// (the publisher dropped it).
		if !p.key || layer != d.target.Load() && cur >= 0 && d.up.layerFlowing(int(cur)) {
			d.smu.Unlock()
			return
		}
		d.current.Store(layer)
	}
	resync := d.gated.Swap(false)
	d.send(p, resync)
	d.smu.Unlock()
	if resync {
		d.up.requestKeyframe(p.layer)
	}
}

// send rewrites p for the subscriber (its SSRC and payload type; sequence
// numbers without the gaps of the times it was disabled; sequence,
// timestamps and the VP8 numbering continuous across layer switches; none
// of the publisher's header extensions), writes it and keeps it for
// NACKs; d.smu is held.
// The write encrypts the packet and hands it to the shared UDP socket: it
// does not wait for the subscriber, so one cannot hold the others back.
func (d *downtrack) send(p *packet, resync bool) {
	d.mu.Lock()
	bound, ssrc, pt, w := d.bound, d.ssrc, d.pt, d.writer
	d.mu.Unlock()
	if !bound {
		return
	}
	in := &p.rtp.Header
	now := time.Now()
	switch {
	case !d.started:
		d.started, d.lastLayer = true, p.layer
		d.offset, d.tsOffset = 0, 0
	case p.layer != d.lastLayer:
		// Another layer: its own sequence and timestamp spaces. Continue
		// ours, advancing the timestamp by the time that passed.
		d.lastLayer = p.layer
		d.offset = d.lastOut + 1 - in.SequenceNumber
		elapsed := uint32(max(1, now.Sub(d.lastAt).Milliseconds()) * 90)
		d.tsOffset = d.lastTS + elapsed - in.Timestamp
		if d.vp8 != nil {
			d.vp8.switchTo(p.rtp.Payload)
		}
	case resync:
		d.offset = d.lastOut + 1 - in.SequenceNumber
	}
	seq, ts := in.SequenceNumber+d.offset, in.Timestamp+d.tsOffset
	if int16(seq-d.lastOut) > 0 || d.lastAt.IsZero() {
		d.lastOut, d.lastTS, d.lastAt = seq, ts, now
	}
	d.hdr = rtp.Header{
		Version: 2, Padding: in.Padding, PaddingSize: in.PaddingSize, Marker: in.Marker,
		PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc,
	}
	payload, buf := p.rtp.Payload, (*[1500]byte)(nil)
	var off vp8Offsets
	if d.vp8 != nil {
		off = d.vp8.off
		payload, buf = rewriteVP8(payload, off)
		d.vp8.note(p.rtp.Payload)
	}
	if _, err := w.WriteRTP(&d.hdr, payload); err != nil {
		d.drops.Add(1)
	}
	if buf != nil {
		payloadBufs.Put(buf)
	}
	if d.history != nil {
		d.hmu.Lock()
		if d.closed {
			d.hmu.Unlock()
			return
		}
		p.refs.Add(1)
		e := &d.history[seq%historySize]
		old := e.p
		*e = sentPacket{p: p, seq: seq, ts: ts, vp8: off}
		d.hmu.Unlock()
		if old != nil {
			old.release()
		}
	}
}

// resend answers a subscriber's NACK: it sends again the packets it asks
// for that are still in the history, as they were sent, within
// maxResendsPerNack and resendGap.
func (d *downtrack) resend(n *rtcp.TransportLayerNack) {
	d.mu.Lock()
	bound, ssrc, pt, w := d.bound, d.ssrc, d.pt, d.writer
	d.mu.Unlock()
	if !bound || n.MediaSSRC != ssrc || d.history == nil {
		return
	}
	now, budget := time.Now(), maxResendsPerNack
	for _, pair := range n.Nacks {
		for _, seq := range pair.PacketList() {
			if budget == 0 {
				return
			}
			d.hmu.Lock()
			slot := &d.history[seq%historySize]
			e := *slot
			if e.p == nil || e.seq != seq || now.Sub(e.resentAt) < resendGap {
				d.hmu.Unlock()
				continue
			}
			slot.resentAt = now
			e.p.refs.Add(1)
			d.hmu.Unlock()
			budget--
			in := &e.p.rtp.Header
			h := rtp.Header{
				Version: 2, Padding: in.Padding, PaddingSize: in.PaddingSize, Marker: in.Marker,
				PayloadType: pt, SequenceNumber: seq, Timestamp: e.ts, SSRC: ssrc,
			}
			payload, buf := rewriteVP8(e.p.rtp.Payload, e.vp8)
			_, _ = w.WriteRTP(&h, payload)
			if buf != nil {
				payloadBufs.Put(buf)
			}
			d.resent.Add(1)
			e.p.release()
		}
	}
}

// close stops the downtrack keeping packets: its history is released.
func (d *downtrack) close() {
	d.hmu.Lock()
	defer d.hmu.Unlock()
	d.closed = true
	for i := range d.history {
		if p := d.history[i].p; p != nil {
			p.release()
			d.history[i] = sentPacket{}
		}
	}
}

// readRTCP serves the subscriber's feedback until the sender stops:
// keyframe requests go to the publisher (rate-limited); receiver reports
// and REMB feed the layer choice; NACKs are answered from the history.
func (d *downtrack) readRTCP(s *webrtc.RTPSender) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				if cur := d.current.Load(); cur >= 0 {
					d.up.requestKeyframe(int(cur))
				}
				// A switch waits for the target's keyframe: ask for it too.
				if t := d.target.Load(); t >= 0 && t != d.current.Load() {
					d.up.requestKeyframe(int(t))
				}
			case *rtcp.ReceiverReport:
				d.mu.Lock()
				ssrc := d.ssrc
				d.mu.Unlock()
				for _, r := range p.Reports {
					if r.SSRC == ssrc {
						d.lossFraction.Store(uint32(r.FractionLost))
					}
				}
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				d.remb.Store(uint64(p.Bitrate))
			case *rtcp.TransportLayerNack:
				d.resend(p)
			}
		}
	}
}

// Bind implements webrtc.TrackLocal: the subscriber's PeerConnection
// negotiated the track.
func (d *downtrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	want := d.up.mime
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, want) {
			d.mu.Lock()
			d.bound, d.ssrc, d.pt, d.writer = true, uint32(ctx.SSRC()), uint8(c.PayloadType), ctx.WriteStream()
			d.mu.Unlock()
			d.up.requestKeyframe(int(max(0, d.target.Load())))
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
