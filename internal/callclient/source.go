package callclient

import (
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// source is one synthetic published track: Opus packets every 20 ms, or
// VP8 frames at 30 fps (one encoding, or three for a simulcast camera), a
// keyframe every 2 s and whenever the SFU asks for one. Video payloads end
// with their layer's mark ('q', 'h', 'f'; 'x' without simulcast) and
// keyframes carry a real VP8 frame header with the layer's size, so that
// receivers and the SFU can tell layers apart.
type source struct {
	m         *mediaState
	name      string
	kind      webrtc.RTPCodecType
	encodings []*encoding
	sent      atomic.Uint64
	started   atomic.Bool
	speaking  atomic.Bool   // audio: the level extension says loud
	levelID   atomic.Uint32 // audio: the negotiated id of the level extension
	mid       string        // the m-line the source is sent on
}

type encoding struct {
	rid           string
	track         *webrtc.TrackLocalStaticRTP
	bitrate       int
	width, height int
	mark          byte
	wantKey       atomic.Bool
}

func newSource(m *mediaState, name string, kind webrtc.RTPCodecType, bitrate int, simulcast bool) *source {
	s := &source{m: m, name: name, kind: kind}
	if kind == webrtc.RTPCodecTypeAudio {
		t, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, name, "local-"+name)
		if err != nil {
			panic(err)
		}
		s.encodings = []*encoding{{track: t}}
		return s
	}
	vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	if !simulcast {
		t, err := webrtc.NewTrackLocalStaticRTP(vp8, name, "local-"+name)
		if err != nil {
			panic(err)
		}
		s.encodings = []*encoding{{track: t, bitrate: bitrate, width: 640, height: 360, mark: 'x'}}
		return s
	}
	for i, rid := range []string{"q", "h", "f"} {
		t, err := webrtc.NewTrackLocalStaticRTP(vp8, name, "local-"+name, webrtc.WithRTPStreamID(rid))
		if err != nil {
			panic(err)
		}
		div := 1 << (2 - i)
		s.encodings = append(s.encodings, &encoding{rid: rid, track: t, bitrate: bitrate / div, width: 1280 / div, height: 720 / div, mark: rid[0]})
	}
	return s
}

// attach adds the source to pc (the receiving m-line the SFU offered) and
// starts sending.
func (s *source) attach(pc *webrtc.PeerConnection) error {
	sender, err := pc.AddTrack(s.encodings[0].track)
	if err != nil {
		return err
	}
	for _, e := range s.encodings[1:] {
		if err := sender.AddEncoding(e.track); err != nil {
			return err
		}
	}
	for _, t := range pc.GetTransceivers() {
		if t.Sender() == sender {
			s.mid = t.Mid()
		}
	}
	s.start(sender)
	return nil
}

func (s *source) start(sender *webrtc.RTPSender) {
	if !s.started.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				switch p := p.(type) {
				case *rtcp.PictureLossIndication:
					s.keyframeFor(sender, p.MediaSSRC)
				case *rtcp.FullIntraRequest:
					s.keyframeFor(sender, p.MediaSSRC)
				}
			}
		}
	}()
	if s.kind == webrtc.RTPCodecTypeAudio {
		go s.audio(sender)
		return
	}
	for _, e := range s.encodings {
		go s.video(sender, e)
	}
}

// keyframeFor marks the encoding of ssrc (every one when unknown) for a
// keyframe.
func (s *source) keyframeFor(sender *webrtc.RTPSender, ssrc uint32) {
	encs := sender.GetParameters().Encodings
	for i, e := range encs {
		if uint32(e.SSRC) == ssrc && i < len(s.encodings) {
			s.encodings[i].wantKey.Store(true)
			return
		}
	}
	for _, e := range s.encodings {
		e.wantKey.Store(true)
	}
}

func (s *source) write(t *webrtc.TrackLocalStaticRTP, p *rtp.Packet) {
	if t.WriteRTP(p) == nil {
		s.sent.Add(1)
	}
}

func (s *source) audio(sender *webrtc.RTPSender) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	seq, ts := uint16(rand.N(1<<16)), rand.Uint32()
	payload := make([]byte, 80)
	for {
		select {
		case <-s.m.stopped:
			return
		case <-t.C:
		}
		p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: ts}, Payload: payload}
		if id := s.levelExtension(sender); id != 0 {
			level := byte(127) // silence
			if s.speaking.Load() {
				level = 20 // −20 dBov: speech
			}
			_ = p.Header.SetExtension(id, []byte{0x80 | level})
		}
		s.write(s.encodings[0].track, p)
		seq++
		ts += 960
	}
}

// levelExtension returns the negotiated id of the audio level extension.
func (s *source) levelExtension(sender *webrtc.RTPSender) uint8 {
	if id := s.levelID.Load(); id != 0 {
		return uint8(id)
	}
	id := extensionID(sender, sdp.AudioLevelURI)
	s.levelID.Store(uint32(id))
	return id
}

// extensionID is the id the sender negotiated for a header extension, or 0.
func extensionID(sender *webrtc.RTPSender, uri string) uint8 {
	for _, e := range sender.GetParameters().HeaderExtensions {
		if e.URI == uri {
			return uint8(e.ID)
		}
	}
	return 0
}

// video sends one encoding. Simulcast layers carry the mid and rid header
// extensions, as browsers send them, since pion does not add them.
func (s *source) video(sender *webrtc.RTPSender, e *encoding) {
	var midID, ridID uint8
	if e.rid != "" {
		midID, ridID = extensionID(sender, sdp.SDESMidURI), extensionID(sender, sdp.SDESRTPStreamIDURI)
	}
	const fps = 30
	t := time.NewTicker(time.Second / fps)
	defer t.Stop()
	seq, ts := uint16(rand.N(1<<16)), rand.Uint32()
	frameBytes := max(200, e.bitrate/8/fps)
	for frame := 0; ; frame++ {
		select {
		case <-s.m.stopped:
			return
		case <-t.C:
		}
		key := frame%(2*fps) == 0 || e.wantKey.Swap(false)
		size := frameBytes
		if key {
			size *= 3
		}
		for off := 0; off < size; off += 1100 {
			n := min(1100, size-off)
			payload := make([]byte, 1+max(n, 12))
			if off == 0 {
				payload[0] = 0x10 // VP8 descriptor: start of partition 0
				if key {
					// Frame tag (keyframe, shown), start code, width, height.
					copy(payload[1:], []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a,
						byte(e.width), byte(e.width >> 8), byte(e.height), byte(e.height >> 8)})
				} else {
					payload[1] = 0x11 // interframe
				}
			}
			payload[len(payload)-1] = e.mark
			p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, Marker: off+n >= size}, Payload: payload}
			if midID != 0 && ridID != 0 {
				_ = p.Header.SetExtension(midID, []byte(s.mid))
				_ = p.Header.SetExtension(ridID, []byte(e.rid))
			}
			s.write(e.track, p)
			seq++
		}
		ts += 90000 / fps
	}
}
