package sfu

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/pion/webrtc/v4"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/rights"
)

// Conn is a participant's signalling channel as the SFU sees it: the
// gateway's side of the client's call socket (in-process or over the
// internal WebSocket).
type Conn interface {
	// Send queues one frame for the client. It never blocks: a connection
	// that cannot keep up is closed by its owner.
	Send(frame []byte)
	// Close ends the socket with a WebSocket close code and reason. The
	// session's Gone follows.
	Close(code int, reason string)
}

// Session is what the gateway feeds a participant's client frames into.
type Session interface {
	// Receive handles one client frame (auth frames are the gateway's and
	// are ignored here). It never blocks.
	Receive(frame []byte)
	// Gone tells the SFU that the client's socket is closed; the
	// participant leaves. It may be called more than once.
	Gone()
}

// inboxSize bounds the client frames waiting for the participant's
// goroutine; the gateway's rate limit keeps well below it.
const inboxSize = 256

// coalesce is how long changes are gathered before an offer is made.
const coalesce = 20 * time.Millisecond

// maxQueuedCandidates bounds the client candidates held until an answer.
const maxQueuedCandidates = 64

// trackState is one kind of a participant's media: muted, and by which
// moderator's participantId ("" for a self-mute).
type trackState struct {
	muted bool
	by    string
}

func (t trackState) wire() TrackState {
	out := TrackState{Muted: t.muted}
	if t.by != "" {
		by := t.by
		out.MutedBy = &by
	}
	return out
}

// prefs is what a subscriber chose not to receive from one participant.
type prefs struct{ noAudio, noVideo bool }

// participant is one call connection. Its goroutine (run) owns the
// PeerConnection and every signalling decision; the room's lock guards
// the fields marked so, which other participants' actions change.
type participant struct {
	id      string
	userID  string
	groupID string
	srv     *Server
	conn    Conn

	// guarded by room.mu once joined
	room     *room
	member   rights.Membership
	audio    trackState
	video    trackState
	screen   bool
	prefs    map[string]prefs // by the publisher's participant id
	views    map[string]view  // by the publisher's participant id
	links    map[*downtrack]*linkState
	uptracks map[string]*uptrack // by source
	left     bool

	// owned by run
	joined       bool
	pc           *webrtc.PeerConnection
	downs        map[*uptrack]*forwarded
	free         map[webrtc.RTPCodecType][]*webrtc.RTPTransceiver
	freeing      []*webrtc.RTPTransceiver // inactive since the last offer
	offered      []*webrtc.RTPTransceiver // inactive in the outstanding offer
	needOffer    bool
	outstanding  bool
	restartICE   bool
	pendingCands []webrtc.ICECandidateInit
	timer        *time.Timer
	timerArmed   bool

	slotsMu sync.Mutex
	slots   map[*webrtc.RTPTransceiver]string // receiving m-lines → source

	inbox   chan []byte
	opsMu   sync.Mutex
	ops     []func()
	wake    chan struct{}
	quit    chan struct{}
	quitOne sync.Once
	done    chan struct{}
}

// forwarded is a track of another participant this one receives.
type forwarded struct {
	down   *downtrack
	sender *webrtc.RTPSender
	tr     *webrtc.RTPTransceiver
}

func newParticipant(s *Server, groupID, userID string, conn Conn) *participant {
	p := &participant{
		id: uuid.Must(uuid.NewV7()).String(), userID: userID, groupID: groupID, srv: s, conn: conn,
		prefs: map[string]prefs{}, views: map[string]view{}, links: map[*downtrack]*linkState{}, uptracks: map[string]*uptrack{},
		downs: map[*uptrack]*forwarded{}, free: map[webrtc.RTPCodecType][]*webrtc.RTPTransceiver{},
		slots: map[*webrtc.RTPTransceiver]string{},
		inbox: make(chan []byte, inboxSize), wake: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{}),
		timer: time.NewTimer(time.Hour),
	}
	p.timer.Stop()
	return p
}

// Receive implements Session.
func (p *participant) Receive(frame []byte) {
	select {
	case p.inbox <- frame:
	case <-p.quit:
	default:
		p.terminate(nil, CloseRateLimited, "too many frames")
	}
}

// Gone implements Session.
func (p *participant) Gone() { p.terminate(nil, 0, "") }

// post runs fn on the participant's goroutine.
func (p *participant) post(fn func()) {
	p.opsMu.Lock()
	p.ops = append(p.ops, fn)
	p.opsMu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *participant) send(v any) { p.conn.Send(encode(v)) }

func (p *participant) sendError(err error) { p.conn.Send(errorFrameFor(err)) }

// terminate ends the participant: it sends frame (if any), closes the
// socket with code (unless 0: the socket is gone already) and stops the
// goroutine, which leaves the room. Only the first call has effect.
func (p *participant) terminate(frame []byte, code int, reason string) {
	p.quitOne.Do(func() {
		if frame != nil {
			p.conn.Send(frame)
		}
		if code != 0 {
			p.conn.Close(code, reason)
		}
		close(p.quit)
	})
}

// run is the participant's life: frames, posted operations and offers,
// until it is terminated; then it leaves the room and closes its media.
func (p *participant) run() {
	defer close(p.done)
	defer p.cleanup()
	for {
		select {
		case <-p.quit:
			return
		case f := <-p.inbox:
			p.handle(f)
		case <-p.wake:
			p.opsMu.Lock()
			ops := p.ops
			p.ops = nil
			p.opsMu.Unlock()
			for _, op := range ops {
				op()
			}
		case <-p.timer.C:
			p.timerArmed = false
			p.offer()
		}
		if p.needOffer && !p.outstanding && !p.timerArmed && p.pc != nil {
			p.timer.Reset(coalesce)
			p.timerArmed = true
		}
	}
}

func (p *participant) cleanup() {
	p.timer.Stop()
	if p.room != nil {
		p.room.leave(p)
	}
	for u, f := range p.downs {
		u.removeDown(f.down)
		f.down.close()
	}
	if p.pc != nil {
		_ = p.pc.Close()
	}
	p.srv.forget(p)
}

// handle serves one client frame. A panic (a bug, or a library choking on
// a client's SDP) ends this participant, never the process.
func (p *participant) handle(b []byte) {
	defer func() {
		if r := recover(); r != nil {
			p.srv.log.Error("sfu: panic serving a frame", "participant", p.id, "panic", r)
			p.terminate(errorFrameFor(errs.E(errs.Invalid, "the call could not handle that frame; join again")), CloseInternalError, "internal error")
		}
	}()
	f, err := parseFrame(b)
	if err != nil {
		p.sendError(err)
		return
	}
	switch f.Type {
	case "auth":
		return // the gateway's
	case "ping":
		p.send(typeOnly{Type: "pong"})
		return
	case "leave":
		p.terminate(nil, CloseNormal, "left the call")
		return
	case "join":
		if p.joined {
			p.sendError(errs.E(errs.Invalid, "already in the call"))
			return
		}
		p.join(f)
		return
	}
	if !p.joined {
		p.sendError(errs.E(errs.Invalid, "join the call first"))
		return
	}
	switch f.Type {
	case "answer":
		p.answer(f.SDP)
	case "candidate":
		p.candidate(f.Candidate)
	case "renegotiate":
		p.renegotiate(f)
	case "mute":
		err = p.room.mute(p, f.Kind, *f.Muted)
	case "moderate":
		err = p.room.moderate(p, f.ParticipantID, f.Kind, *f.Muted)
	case "subscribe":
		err = p.room.subscribe(p, f.ParticipantID, f.Kind, *f.Enabled)
	case "view":
		err = p.room.setView(p, f.ParticipantID, view{*f.Width, *f.Height})
	}
	if err != nil {
		p.sendError(err)
	}
}

// join enters the call: membership, PeerConnection with a receiving
// m-line per announced kind, the room, joined, the others' tracks, offer.
func (p *participant) join(f inFrame) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	m, err := p.srv.member(ctx, p.groupID, p.userID)
	cancel()
	switch {
	case errs.Is(err, errs.NotFound):
		p.terminate(errorFrameFor(errs.E(errs.NotFound, "group not found")), CloseNotFound, "not a member")
		return
	case err != nil:
		p.srv.log.Warn("sfu: membership", "group", p.groupID, "user", p.userID, "err", err)
		p.terminate(errorFrameFor(errs.E(errs.Unavailable, "the call service cannot check your membership now, try again")), CloseTryAgainLater, "unavailable")
		return
	}
	if err := p.srv.claim(p.groupID); err != nil {
		p.terminate(errorFrameFor(err), CloseTryAgainLater, "join again")
		return
	}
	pc, err := p.srv.media.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		p.srv.log.Error("sfu: new peer connection", "err", err)
		p.terminate(errorFrameFor(errs.E(errs.Unavailable, "the call service is unavailable")), CloseTryAgainLater, "unavailable")
		return
	}
	p.pc = pc
	pc.OnTrack(p.onTrack)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed {
			p.post(func() { p.restartICE, p.needOffer = true, true })
		}
	})
	if f.Audio {
		p.addSlot(webrtc.RTPCodecTypeAudio, SourceMicrophone)
	}
	if f.Video {
		p.addSlot(webrtc.RTPCodecTypeVideo, SourceCamera)
	}
	r, others, err := p.srv.enter(p, m, f.Audio, f.Video, p.srv.iceServersFor(p.userID))
	if err != nil {
		code := CloseTryAgainLater
		if errs.Is(err, errs.Conflict) {
			code = CloseCallFull
		}
		p.terminate(errorFrameFor(err), code, "cannot join")
		return
	}
	p.room = r
	p.joined = true
	for _, u := range others {
		p.addDown(u)
	}
	p.needOffer = true
	p.offer()
}

// addSlot adds a receiving m-line for one source.
func (p *participant) addSlot(kind webrtc.RTPCodecType, source string) {
	tr, err := p.pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	if err != nil {
		p.srv.log.Error("sfu: add receiving transceiver", "err", err)
		return
	}
	p.slotsMu.Lock()
	p.slots[tr] = source
	p.slotsMu.Unlock()
}

func (p *participant) hasSlot(source string) bool {
	p.slotsMu.Lock()
	defer p.slotsMu.Unlock()
	for _, s := range p.slots {
		if s == source {
			return true
		}
	}
	return false
}

// onTrack runs on a pion goroutine when a publishing slot's media starts.
func (p *participant) onTrack(remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	var source string
	p.slotsMu.Lock()
	for tr, s := range p.slots {
		if tr.Receiver() == recv {
			source = s
		}
	}
	p.slotsMu.Unlock()
	if source == "" {
		return // not a slot of ours: never read, never forwarded
	}
	p.room.publish(p, source, remote, recv)
}

// addDown starts forwarding u to this participant on a reused inactive
// m-line or a new one, and announces it with a track frame.
func (p *participant) addDown(u *uptrack) {
	if _, ok := p.downs[u]; ok || p.pc == nil {
		return
	}
	d := newDowntrack(u, p)
	kind := d.Kind()
	var tr *webrtc.RTPTransceiver
	var sender *webrtc.RTPSender
	if free := p.free[kind]; len(free) > 0 {
		tr = free[len(free)-1]
		s, err := p.srv.media.api.NewRTPSender(d, p.pc.SCTP().Transport())
		if err == nil {
			err = tr.SetSender(s, d)
		}
		if err != nil {
			p.srv.log.Warn("sfu: reuse transceiver", "err", err)
			tr = nil
		} else {
			p.free[kind] = free[:len(free)-1]
			sender = s
		}
	}
	if tr == nil {
		t, err := p.pc.AddTransceiverFromTrack(d, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			p.srv.log.Error("sfu: add sending transceiver", "err", err)
			return
		}
		tr, sender = t, t.Sender()
	}
	p.downs[u] = &forwarded{down: d, sender: sender, tr: tr}
	p.room.enable(d)
	u.addDown(d)
	go d.readRTCP(sender)
	p.send(trackFrame{Type: "track", ParticipantID: u.owner.id, StreamID: u.streamID(), TrackID: u.trackID(), Kind: u.kind, Source: u.source})
	p.needOffer = true
}

// removeDown stops forwarding u; its m-line becomes inactive in the next
// offer and reusable once that offer is answered.
func (p *participant) removeDown(u *uptrack) {
	f, ok := p.downs[u]
	if !ok {
		return
	}
	delete(p.downs, u)
	u.removeDown(f.down)
	f.down.close()
	p.srv.mu.Lock()
	delete(p.links, f.down)
	p.srv.mu.Unlock()
	if p.pc != nil {
		if err := p.pc.RemoveTrack(f.sender); err == nil {
			p.freeing = append(p.freeing, f.tr)
		}
	}
	p.needOffer = true
}
