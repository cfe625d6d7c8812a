package sfu

import (
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/rights"
)

// room is one group's call on this SFU. Its mutex is the Server's (one
// lock for the rooms map and every room: changes are short and never wait
// for a participant's goroutine; they post to it instead).
type room struct {
	srv       *Server
	groupID   string
	startedAt time.Time
	parts     []*participant // in order of joining
	// moderated holds the moderators' mutes per user and kind: they
	// outlive a participant (a rejoin stays muted) until lifted or the
	// call ends. The value is the moderator's participant id.
	moderated map[string]map[string]string
	// speaker is the participant last announced as the active speaker.
	speaker string
}

// snapshot lists the participants as the protocol shows them. The
// server's lock is held.
func (r *room) snapshot() []Participant {
	out := make([]Participant, 0, len(r.parts))
	for _, p := range r.parts {
		out = append(out, p.wire())
	}
	return out
}

// wire is the participant as the protocol shows it; the lock is held.
func (p *participant) wire() Participant {
	return Participant{
		ParticipantID: p.id, UserID: p.userID, Username: p.member.Username,
		Audio: p.audio.wire(), Video: p.video.wire(), Screen: p.screen,
	}
}

func (r *room) find(id string) *participant {
	for _, p := range r.parts {
		if p.id == id {
			return p
		}
	}
	return nil
}

// broadcast sends frame to every participant but skip.
func (r *room) broadcast(frame []byte, skip *participant) {
	for _, p := range r.parts {
		if p != skip {
			p.conn.Send(frame)
		}
	}
}

func (r *room) updated(p *participant) {
	r.broadcast(encode(participantFrame{Type: "participant.updated", Participant: p.wire()}), nil)
}

// userIDs lists the distinct users in the call, in order of joining.
func (r *room) userIDs() []string {
	seen := map[string]bool{}
	out := []string{}
	for _, p := range r.parts {
		if !seen[p.userID] {
			seen[p.userID] = true
			out = append(out, p.userID)
		}
	}
	return out
}

// forwardable decides whether d's packets reach its subscriber now: the
// publisher's own and moderators' mutes, the screen share being on, and
// the subscriber's choices. The lock is held.
func forwardable(d *downtrack) bool {
	o, s := d.up.owner, d.sub
	if o.left || s.left {
		return false
	}
	switch d.up.source {
	case SourceMicrophone:
		if o.audio.muted {
			return false
		}
	case SourceCamera:
		if o.video.muted {
			return false
		}
	case SourceScreen:
		if !o.screen || o.video.by != "" {
			return false
		}
	}
	pr := s.prefs[o.id]
	if d.up.kind == KindAudio {
		return !pr.noAudio
	}
	return !pr.noVideo
}

// refresh recomputes every downtrack's gate. The lock is held.
func (r *room) refresh() {
	for _, p := range r.parts {
		for _, u := range p.uptracks {
			for _, d := range *u.downs.Load() {
				d.enabled.Store(forwardable(d))
			}
		}
	}
}

// enable sets a new downtrack's gate.
func (r *room) enable(d *downtrack) {
	r.srv.mu.Lock()
	defer r.srv.mu.Unlock()
	d.enabled.Store(forwardable(d))
}

// publish registers the media a publishing slot started to receive: a new
// track, forwarded to everyone else (a screen track only while the share
// is on), or another simulcast layer of the slot's track.
func (r *room) publish(p *participant, source string, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	r.srv.mu.Lock()
	defer r.srv.mu.Unlock()
	if p.left {
		return
	}
	if u, ok := p.uptracks[source]; ok && u.recv == recv {
		u.addLayer(remote)
		return
	}
	if old, ok := p.uptracks[source]; ok {
		r.unpublishLocked(old)
	}
	u := newUptrack(p, source, remote, recv)
	u.addLayer(remote)
	p.uptracks[source] = u
	if u.source != SourceScreen || p.screen {
		r.forwardLocked(u)
	}
}

func (r *room) forwardLocked(u *uptrack) {
	for _, q := range r.parts {
		if q != u.owner {
			q.post(func() { q.addDown(u) })
		}
	}
}

func (r *room) unpublishLocked(u *uptrack) {
	for _, q := range r.parts {
		if q != u.owner {
			q.post(func() { q.removeDown(u) })
		}
	}
}

// setScreen turns p's screen share on or off.
func (r *room) setScreen(p *participant, on bool) {
	r.srv.mu.Lock()
	defer r.srv.mu.Unlock()
	if p.screen == on {
		return
	}
	p.screen = on
	if u := p.uptracks[SourceScreen]; u != nil {
		if on {
			r.forwardLocked(u)
		} else {
			r.unpublishLocked(u)
		}
	}
	r.refresh()
	r.updated(p)
}

func (p *participant) state(kind string) *trackState {
	if kind == KindAudio {
		return &p.audio
	}
	return &p.video
}

// mute is a participant's own mute.
func (r *room) mute(p *participant, kind string, muted bool) error {
	r.srv.mu.Lock()
	defer r.srv.mu.Unlock()
	st := p.state(kind)
	if st.by != "" {
		if muted {
			return nil
		}
		return errs.E(errs.Forbidden, "a moderator muted your %s: only a moderator can lift it", kind)
	}
	if st.muted == muted {
		return nil
	}
	st.muted = muted
	r.refresh()
	r.updated(p)
	return nil
}

// moderate mutes or lifts the mute of the target's user for everyone.
func (r *room) moderate(actor *participant, targetID, kind string, muted bool) error {
	r.srv.mu.Lock()
	defer r.srv.mu.Unlock()
	target := r.find(targetID)
	if target == nil {
		return errs.E(errs.NotFound, "no such participant in this call")
	}
	if target.userID == actor.userID {
		return errs.E(errs.Invalid, "use mute for your own tracks")
	}
	if !rights.Can(actor.member, rights.ActMute, &target.member) {
		return errs.E(errs.Forbidden, "you may not mute %s", target.member.Username)
	}
	byUser := r.moderated[target.userID]
	if muted {
		if byUser[kind] != "" {
			return nil // already muted by a moderator
		}
		if byUser == nil {
			byUser = map[string]string{}
			r.moderated[target.userID] = byUser
		}
		byUser[kind] = actor.id
	} else {
		if byUser[kind] == "" {
			return errs.E(errs.Invalid, "%s's %s is not muted by a moderator", target.member.Username, kind)
		}
		delete(byUser, kind)
	}
	by := actor.id
	for _, p := range r.parts {
		if p.userID != target.userID {
			continue
		}
		st := p.state(kind)
		if muted {
			*st = trackState{muted: true, by: by}
		} else {
			*st = trackState{}
		}
		p.send(moderatedFrame{Type: "moderated", Kind: kind, Muted: muted, By: by})
	}
	r.refresh()
	for _, p := range r.parts {
		if p.userID == target.userID {
			r.updated(p)
		}
	}
	return nil
}

// subscribe is "mute for me": whether p receives target's kind.
func (r *room) subscribe(p *participant, targetID, kind string, enabled bool) error {
	r.srv.mu.Lock()
	defer r.srv.mu.Unlock()
	target := r.find(targetID)
	if target == nil {
		return errs.E(errs.NotFound, "no such participant in this call")
	}
	pr := p.prefs[target.id]
	if kind == KindAudio {
		pr.noAudio = !enabled
	} else {
		pr.noVideo = !enabled
	}
	p.prefs[target.id] = pr
	r.refresh()
	return nil
}

// setView records the size at which p shows target's camera, and picks
// p's layer of it at once.
func (r *room) setView(p *participant, targetID string, v view) error {
	r.srv.mu.Lock()
	defer r.srv.mu.Unlock()
	target := r.find(targetID)
	if target == nil {
		return errs.E(errs.NotFound, "no such participant in this call")
	}
	p.views[target.id] = v
	if u := target.uptracks[SourceCamera]; u != nil && u.simulcast() {
		for _, d := range *u.downs.Load() {
			if d.sub == p {
				p.chooseLayer(d, time.Now())
			}
		}
	}
	return nil
}

// leave removes p from the room: the others stop receiving its tracks and
// are told; the call ends with its last participant.
func (r *room) leave(p *participant) {
	r.srv.mu.Lock()
	defer r.srv.mu.Unlock()
	if p.left {
		return
	}
	p.left = true
	for i, q := range r.parts {
		if q == p {
			r.parts = append(r.parts[:i], r.parts[i+1:]...)
			break
		}
	}
	for _, u := range p.uptracks {
		r.unpublishLocked(u)
	}
	for _, q := range r.parts {
		delete(q.prefs, p.id)
		delete(q.views, p.id)
	}
	r.refresh()
	r.broadcast(encode(participantFrame{Type: "participant.left", Participant: p.wire()}), nil)
	r.srv.callChanged(r)
}

// applyMember updates the role and rights of a user's participants (a
// group.member_updated event). The lock is held.
func (r *room) applyMember(m groupevent.Member) {
	for _, p := range r.parts {
		if p.userID == m.UserID {
			p.member.Role, p.member.Rights = m.Role, m.Rights
			if m.Username != "" {
				p.member.Username = m.Username
			}
		}
	}
}

// expel ends the participants of a user (userID "" for everyone): they
// are no longer members. The lock is held.
func (r *room) expel(userID string) {
	frame := errorFrameFor(errs.E(errs.NotFound, "you are no longer a member of this group"))
	for _, p := range r.parts {
		if userID == "" || p.userID == userID {
			p.terminate(frame, CloseNotFound, "not a member")
		}
	}
}
