package sfu

import (
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parleychat/parley/internal/errs"
)

// Negotiation: the server always offers, at most one offer is outstanding
// per participant, and changes made meanwhile wait for the answer and go
// out together in the next offer (run arms a short timer so that bursts
// coalesce). Everything here runs on the participant's goroutine.

// gatherTimeout bounds the wait for the SFU's own candidates; with one UDP
// socket and no STUN they are ready at once.
const gatherTimeout = 2 * time.Second

// offer sends a new offer if one is needed and none is outstanding.
func (p *participant) offer() {
	if !p.needOffer || p.outstanding || p.pc == nil || p.pc.SignalingState() != webrtc.SignalingStateStable {
		return
	}
	if len(p.pc.GetTransceivers()) == 0 {
		// A receive-only participant in an empty call: an offer without
		// m-lines would start ICE and DTLS on nothing, and pion does not
		// recover from that when m-lines come later. Wait for the first.
		return
	}
	restart := p.restartICE
	o, err := p.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		p.srv.log.Error("sfu: create offer", "participant", p.id, "err", err)
		p.terminate(errorFrameFor(errs.E(errs.Unavailable, "the call service failed, join again")), CloseTryAgainLater, "offer failed")
		return
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(o); err != nil {
		p.srv.log.Error("sfu: set local description", "participant", p.id, "err", err)
		p.terminate(errorFrameFor(errs.E(errs.Unavailable, "the call service failed, join again")), CloseTryAgainLater, "offer failed")
		return
	}
	select {
	case <-gathered:
	case <-time.After(gatherTimeout):
	}
	ld := p.pc.LocalDescription()
	if ld == nil {
		return
	}
	p.offered, p.freeing = p.freeing, nil
	p.outstanding, p.needOffer, p.restartICE = true, false, false
	p.send(sdpFrame{Type: "offer", SDP: addSimulcastRecv(ld.SDP, p.cameraMids())})
}

// answer applies the client's answer to the outstanding offer. An answer
// that does not apply is refused as invalid and the offer rolled back: a
// fresh one follows.
func (p *participant) answer(sdp string) {
	if !p.outstanding {
		p.sendError(errs.E(errs.Invalid, "no offer is waiting for an answer"))
		return
	}
	err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sanitizeAnswer(sdp)})
	if err != nil {
		p.sendError(errs.E(errs.Invalid, "the answer does not apply to the offer: %s", clipErr(err)))
		if rerr := p.pc.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); rerr != nil {
			p.srv.log.Warn("sfu: rollback after a bad answer", "participant", p.id, "err", rerr)
			p.terminate(errorFrameFor(errs.E(errs.Invalid, "the call's negotiation failed, join again")), CloseTryAgainLater, "negotiation failed")
			return
		}
		p.freeing = append(p.offered, p.freeing...)
		p.offered = nil
		p.outstanding, p.needOffer = false, true
		return
	}
	p.outstanding = false
	for _, tr := range p.offered {
		p.free[tr.Kind()] = append(p.free[tr.Kind()], tr)
	}
	p.offered = nil
	cands := p.pendingCands
	p.pendingCands = nil
	for _, c := range cands {
		p.addCandidate(c)
	}
}

// candidate adds a client candidate, or queues it while the description
// it belongs to is not applied yet. End of candidates is ignored.
func (p *participant) candidate(c *webrtc.ICECandidateInit) {
	if c == nil || c.Candidate == "" {
		return
	}
	if p.outstanding || p.pc.RemoteDescription() == nil {
		if len(p.pendingCands) < maxQueuedCandidates {
			p.pendingCands = append(p.pendingCands, *c)
		}
		return
	}
	p.addCandidate(*c)
}

func (p *participant) addCandidate(c webrtc.ICECandidateInit) {
	if err := p.pc.AddICECandidate(c); err != nil {
		p.sendError(errs.E(errs.Invalid, "candidate: %s", clipErr(err)))
	}
}

// renegotiate handles the client's request: a screen share started or
// stopped, a receiving m-line for a kind join did not announce, an ICE
// restart. It is always answered with an offer.
func (p *participant) renegotiate(f inFrame) {
	if f.Audio && !p.hasSlot(SourceMicrophone) {
		p.addSlot(webrtc.RTPCodecTypeAudio, SourceMicrophone)
	}
	if f.Video && !p.hasSlot(SourceCamera) {
		p.addSlot(webrtc.RTPCodecTypeVideo, SourceCamera)
	}
	if f.Screen != nil {
		if *f.Screen && !p.hasSlot(SourceScreen) {
			p.addSlot(webrtc.RTPCodecTypeVideo, SourceScreen)
		}
		p.room.setScreen(p, *f.Screen)
	}
	if f.IceRestart {
		p.restartICE = true
	}
	p.needOffer = true
}

// cameraMids are the mids of the camera's receiving m-lines.
func (p *participant) cameraMids() map[string]bool {
	p.slotsMu.Lock()
	defer p.slotsMu.Unlock()
	out := map[string]bool{}
	for tr, src := range p.slots {
		if src == SourceCamera && tr.Mid() != "" {
			out[tr.Mid()] = true
		}
	}
	return out
}

func clipErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
