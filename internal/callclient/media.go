package callclient

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// newPeerConnection builds the client's PeerConnection: Opus and VP8 with
// the default interceptors, trickling its candidates to the server; with
// RelayOnly, through the TURN servers of the joined frame only.
func (c *Client) newPeerConnection(joined Frame) (*webrtc.PeerConnection, error) {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.Writer = io.Discard // a test client's pion noise (closed pipes at the end)
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptorsWithOptions(me, ir, webrtc.WithInterceptorLoggerFactory(lf)); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{LoggerFactory: lf}
	if c.opts.LoopbackOnly {
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	cfg := webrtc.Configuration{}
	if c.opts.RelayOnly {
		var j struct {
			ICEServers []webrtc.ICEServer `json:"iceServers"`
		}
		if err := joined.Decode(&j); err != nil {
			return nil, err
		}
		cfg.ICEServers, cfg.ICETransportPolicy = j.ICEServers, webrtc.ICETransportPolicyRelay
	}
	pc, err := api.NewPeerConnection(cfg)
	if err != nil {
		return nil, err
	}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand == nil {
			return
		}
		c.mu.Lock()
		c.candTypes = append(c.candTypes, cand.Typ.String())
		c.mu.Unlock()
		_ = c.Send(map[string]any{"type": "candidate", "candidate": cand.ToJSON()})
	})
	pc.OnTrack(c.onTrack)
	return pc, nil
}

// handle reacts to the frames that drive the PeerConnection.
func (c *Client) handle(f Frame) {
	switch f.Type {
	case "joined":
		pc, err := c.newPeerConnection(f)
		c.mu.Lock()
		c.pc, c.pcErr = pc, err
		c.cond.Broadcast()
		c.mu.Unlock()
	case "offer":
		var o struct {
			SDP string `json:"sdp"`
		}
		if f.Decode(&o) != nil {
			return
		}
		c.mu.Lock()
		hold := c.hold
		if hold {
			c.held = append(c.held, o.SDP)
		}
		c.mu.Unlock()
		if !hold {
			c.answer(o.SDP)
		}
	case "candidate":
		var cf struct {
			Candidate *webrtc.ICECandidateInit `json:"candidate"`
		}
		if f.Decode(&cf) != nil || cf.Candidate == nil || cf.Candidate.Candidate == "" {
			return
		}
		c.mu.Lock()
		pc := c.pc
		if pc == nil || pc.RemoteDescription() == nil {
			c.pendingCan = append(c.pendingCan, *cf.Candidate)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		_ = pc.AddICECandidate(*cf.Candidate)
	}
}

// answer applies an offer, attaches waiting local sources to the receiving
// m-lines it brings, and answers.
func (c *Client) answer(sdp string) {
	c.mu.Lock()
	pc := c.pc
	c.mu.Unlock()
	if pc == nil {
		return
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return
	}
	c.mu.Lock()
	cands := c.pendingCan
	c.pendingCan = nil
	var still []*source
	for _, s := range c.toAttach {
		if !hasFreeSlot(pc, s.kind) {
			still = append(still, s)
			continue
		}
		sender, err := pc.AddTrack(s.track)
		if err != nil {
			still = append(still, s)
			continue
		}
		s.start(sender)
	}
	c.toAttach = still
	c.mu.Unlock()
	for _, cand := range cands {
		_ = pc.AddICECandidate(cand)
	}
	a, err := pc.CreateAnswer(nil)
	if err != nil {
		return
	}
	if err := pc.SetLocalDescription(a); err != nil {
		return
	}
	_ = c.Send(map[string]string{"type": "answer", "sdp": pc.LocalDescription().SDP})
}

// hasFreeSlot reports whether the offer brought a receiving m-line of kind
// that no local source uses yet.
func hasFreeSlot(pc *webrtc.PeerConnection, kind webrtc.RTPCodecType) bool {
	for _, t := range pc.GetTransceivers() {
		if t.Kind() == kind && t.Sender() == nil && t.Direction() == webrtc.RTPTransceiverDirectionSendonly {
			return true
		}
	}
	return false
}

// onTrack counts the packets of a forwarded track, keyed by the publisher's
// participant id and the source (from the msid stream id).
func (c *Client) onTrack(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	pid, src := remote.StreamID(), ""
	switch {
	case strings.HasSuffix(pid, ".screen"):
		pid, src = strings.TrimSuffix(pid, ".screen"), "screen"
	case remote.Kind() == webrtc.RTPCodecTypeAudio:
		src = "microphone"
	default:
		src = "camera"
	}
	ctr := c.media.counter(pid, src)
	c.mu.Lock()
	joined := c.joinedAt
	c.mu.Unlock()
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := remote.Read(buf); err != nil {
				return
			}
			if ctr.n.Add(1) == 1 {
				ctr.first.Store(int64(time.Since(joined)))
			}
		}
	}()
}

// LocalCandidates lists the types (host, srflx, relay) of the candidates
// the client gathered so far.
func (c *Client) LocalCandidates() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.candTypes...)
}

// SelectedPair describes the candidate pair ICE uses ("relay → host", …),
// or "" before one is selected.
func (c *Client) SelectedPair() string {
	pc := c.PeerConnection()
	if pc == nil {
		return ""
	}
	p, err := pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || p == nil {
		return ""
	}
	return p.Local.Typ.String() + " → " + p.Remote.Typ.String()
}

// Received returns how many RTP packets arrived from participantID's
// source ("microphone", "camera", "screen").
func (c *Client) Received(participantID, source string) uint64 {
	return c.media.counter(participantID, source).n.Load()
}

// FirstMedia returns how long after Join the first packet of
// participantID's source arrived (0 if none yet).
func (c *Client) FirstMedia(participantID, source string) time.Duration {
	return time.Duration(c.media.counter(participantID, source).first.Load())
}

// Sent returns how many RTP packets this client published from source.
func (c *Client) Sent(source string) uint64 {
	switch source {
	case "microphone":
		return c.media.mic.sent.Load()
	case "camera":
		return c.media.camera.sent.Load()
	default:
		return c.media.screen.sent.Load()
	}
}

type counter struct {
	n     atomic.Uint64
	first atomic.Int64
}

// mediaState is what a client publishes and receives.
type mediaState struct {
	mic, camera, screen *source

	mu       sync.Mutex
	counters map[string]*counter
	stopped  chan struct{}
	once     sync.Once
}

func newMediaState(videoBitrate int) *mediaState {
	if videoBitrate <= 0 {
		videoBitrate = 300_000
	}
	m := &mediaState{counters: map[string]*counter{}, stopped: make(chan struct{})}
	m.mic = newSource(m, "microphone", webrtc.RTPCodecTypeAudio, webrtc.MimeTypeOpus, 0)
	m.camera = newSource(m, "camera", webrtc.RTPCodecTypeVideo, webrtc.MimeTypeVP8, videoBitrate)
	m.screen = newSource(m, "screen", webrtc.RTPCodecTypeVideo, webrtc.MimeTypeVP8, videoBitrate)
	return m
}

func (m *mediaState) counter(pid, src string) *counter {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := pid + "/" + src
	c, ok := m.counters[k]
	if !ok {
		c = &counter{}
		m.counters[k] = c
	}
	return c
}

func (m *mediaState) stop() { m.once.Do(func() { close(m.stopped) }) }

// source is one synthetic published track: Opus packets every 20 ms, or
// VP8 frames at 30 fps of the configured bitrate, a keyframe every 2 s and
// whenever the SFU asks for one.
type source struct {
	m       *mediaState
	name    string
	kind    webrtc.RTPCodecType
	track   *webrtc.TrackLocalStaticRTP
	bitrate int
	sent    atomic.Uint64
	wantKey atomic.Bool
	started atomic.Bool
}

func newSource(m *mediaState, name string, kind webrtc.RTPCodecType, mime string, bitrate int) *source {
	codec := webrtc.RTPCodecCapability{MimeType: mime, ClockRate: 90000}
	if kind == webrtc.RTPCodecTypeAudio {
		codec = webrtc.RTPCodecCapability{MimeType: mime, ClockRate: 48000, Channels: 2}
	}
	t, err := webrtc.NewTrackLocalStaticRTP(codec, name, "local-"+name)
	if err != nil {
		panic(err)
	}
	return &source{m: m, name: name, kind: kind, track: t, bitrate: bitrate}
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
				switch p.(type) {
				case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
					s.wantKey.Store(true)
				}
			}
		}
	}()
	if s.kind == webrtc.RTPCodecTypeAudio {
		go s.audio()
	} else {
		go s.video()
	}
}

func (s *source) write(p *rtp.Packet) {
	if s.track.WriteRTP(p) == nil {
		s.sent.Add(1)
	}
}

func (s *source) audio() {
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
		s.write(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: ts, Marker: false}, Payload: payload})
		seq++
		ts += 960
	}
}

func (s *source) video() {
	const fps = 30
	t := time.NewTicker(time.Second / fps)
	defer t.Stop()
	seq, ts := uint16(rand.N(1<<16)), rand.Uint32()
	frameBytes := max(200, s.bitrate/8/fps)
	for frame := 0; ; frame++ {
		select {
		case <-s.m.stopped:
			return
		case <-t.C:
		}
		key := frame%(2*fps) == 0 || s.wantKey.Swap(false)
		size := frameBytes
		if key {
			size *= 3
		}
		for off := 0; off < size; off += 1100 {
			n := min(1100, size-off)
			payload := make([]byte, 1+n)
			if off == 0 {
				payload[0] = 0x10 // VP8 descriptor: start of partition
				if key {
					copy(payload[1:], []byte{0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a}) // keyframe tag and start code
				} else {
					payload[1] = 0x01 // interframe
				}
			}
			s.write(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, Marker: off+n >= size}, Payload: payload})
			seq++
		}
		ts += 90000 / fps
	}
}

// decodeParticipant reads a participant.* frame's participant.
func decodeParticipant(f Frame) (Participant, error) {
	var v struct {
		Participant Participant `json:"participant"`
	}
	err := json.Unmarshal(f.Raw, &v)
	return v.Participant, err
}

// WaitParticipant waits for a participant.* frame of type typ about
// participantID that satisfies pred.
func (c *Client) WaitParticipant(ctx context.Context, from int, typ, participantID string, pred func(Participant) bool) (Participant, error) {
	f, err := c.Wait(ctx, from, typ, func(f Frame) bool {
		p, err := decodeParticipant(f)
		return err == nil && p.ParticipantID == participantID && (pred == nil || pred(p))
	})
	if err != nil {
		return Participant{}, err
	}
	return decodeParticipant(f)
}
