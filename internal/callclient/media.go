package callclient

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
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
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.Writer = io.Discard // a test client's pion noise (closed pipes at the end)
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptorsWithOptions(me, ir, webrtc.WithInterceptorLoggerFactory(lf)); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{LoggerFactory: lf}
	se.DisableSRTPReplayProtection(c.opts.AcceptReplays)
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
	c.amu.Lock()
	defer c.amu.Unlock()
	sdp = c.keep.offer(pc, sdp)
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
		if err := s.attach(pc); err != nil {
			still = append(still, s)
		}
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
	_ = c.Send(map[string]string{"type": "answer", "sdp": c.keep.answer(pc.LocalDescription().SDP)})
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
	go c.media.count(remote, ctr, joined)
}

// count reads a received track until it ends, counting its packets on
// ctr; the first one's arrival is kept as its delay after since.
func (m *mediaState) count(remote *webrtc.TrackRemote, ctr *counter, since time.Time) {
	buf := make([]byte, 1500)
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		ctr.note(buf[:n])
		if ctr.n.Add(1) == 1 {
			ctr.first.Store(int64(time.Since(since)))
		}
	}
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

// Continuity reports, for participantID's source, how many packets did
// not follow the previous one's sequence number and how many went back
// in time (what a decoder would see as loss or a broken stream).
func (c *Client) Continuity(participantID, source string) (seqGaps, tsBackwards int) {
	ctr := c.media.counter(participantID, source)
	ctr.mu.Lock()
	defer ctr.mu.Unlock()
	return ctr.seqGaps, ctr.tsBack
}

// Late reports how many packets of participantID's source arrived with
// a sequence number not after the newest one received (a retransmission
// of one already received, or reordering), and that newest number.
func (c *Client) Late(participantID, source string) (late int, newest uint16) {
	ctr := c.media.counter(participantID, source)
	ctr.mu.Lock()
	defer ctr.mu.Unlock()
	return ctr.late, ctr.maxSeq
}

// Layer returns the simulcast layer ('q', 'h' or 'f'; 0 for a single
// layer) of the last video packet received of participantID's source.
func (c *Client) Layer(participantID, source string) byte {
	ctr := c.media.counter(participantID, source)
	ctr.mu.Lock()
	defer ctr.mu.Unlock()
	return ctr.lastMark
}

// Sent returns how many RTP packets this client published from source.
func (c *Client) Sent(source string) uint64 { return (&Media{c.media}).Sent(source) }

type counter struct {
	n     atomic.Uint64
	first atomic.Int64
	// written by the track's reader only
	mu       sync.Mutex
	started  bool
	lastSeq  uint16
	lastTS   uint32
	seqGaps  int
	tsBack   int
	late     int    // packets not after the newest one (retransmissions)
	maxSeq   uint16 // the newest sequence number
	lastMark byte
}

// note checks one received packet's sequence and timestamp against the
// previous one and keeps the layer mark of synthetic video (its last
// payload byte).
func (c *counter) note(b []byte) {
	var h rtp.Header
	n, err := h.Unmarshal(b)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		if h.SequenceNumber != c.lastSeq+1 {
			c.seqGaps++
		}
		if int32(h.Timestamp-c.lastTS) < 0 {
			c.tsBack++
		}
		if int16(h.SequenceNumber-c.maxSeq) <= 0 {
			c.late++
		} else {
			c.maxSeq = h.SequenceNumber
		}
	} else {
		c.maxSeq = h.SequenceNumber
	}
	c.started, c.lastSeq, c.lastTS = true, h.SequenceNumber, h.Timestamp
	if end := len(b) - int(h.PaddingSize); end > n {
		c.lastMark = b[end-1]
	}
}

// mediaState is what a client publishes and receives.
type mediaState struct {
	mic, camera, screen *source

	mu       sync.Mutex
	counters map[string]*counter
	stopped  chan struct{}
	once     sync.Once
}

func newMediaState(videoBitrate int, simulcast bool) *mediaState {
	if videoBitrate <= 0 {
		videoBitrate = 300_000
	}
	m := &mediaState{counters: map[string]*counter{}, stopped: make(chan struct{})}
	m.mic = newSource(m, "microphone", webrtc.RTPCodecTypeAudio, 0, false)
	m.camera = newSource(m, "camera", webrtc.RTPCodecTypeVideo, videoBitrate, simulcast)
	m.screen = newSource(m, "screen", webrtc.RTPCodecTypeVideo, videoBitrate, false)
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
