package sfu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/registry"
	"github.com/parleychat/parley/internal/rights"
)

// Members is what the SFU asks the group role at join: the user's
// membership (role, rights, username), errs.NotFound for a non-member.
// Both *group.Service and the RPC *group.Client implement it.
type Members interface {
	Member(ctx context.Context, groupID, userID string) (rights.Membership, error)
}

// ICEServer is one entry of joined.iceServers (an RTCIceServer).
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Config holds what a Server needs. Bus, Members and Registry are
// required.
type Config struct {
	Bus      event.Bus
	Members  Members
	Registry registry.Registry
	// UDPAddr is where media arrives (rtc_udp_addr); PublicIPs are
	// advertised instead of the host's addresses (rtc_public_ip).
	UDPAddr   string
	PublicIPs []string
	// ICEServers are handed to clients in joined (ice_servers), followed by
	// fresh TURN credentials when TURN is configured.
	ICEServers []ICEServer
	TURN       TURN
	// InternalURL is where gateways of other processes reach this SFU's
	// internal endpoint; "" for an SFU reached in-process only.
	InternalURL string
	// MaxParticipants per call (50) and MaxCalls per process (1000).
	MaxParticipants int
	MaxCalls        int
	// HeartbeatEvery is the registry heartbeat period (TTL/3 of
	// registry.DefaultTTL when zero).
	HeartbeatEvery time.Duration
	Logger         *slog.Logger
}

// Server is the webrtc role: the rooms of this process and their media.
type Server struct {
	id         string
	bus        event.Bus
	members    Members
	reg        registry.Registry
	media      *media
	iceServers []ICEServer
	turn       TURN
	addr       string
	maxParts   int
	maxCalls   int
	beatEvery  time.Duration
	log        *slog.Logger
	events     *callEvents

	mu       sync.Mutex
	rooms    map[string]*room
	all      map[*participant]struct{} // every session, joined or not
	pending  map[string]int            // group/user → joins checking membership
	expelled map[string]bool           // group/user removed while pending
	draining bool

	// beatMu orders heartbeats with Shutdown's Deregister: once draining,
	// no heartbeat registers the SFU again.
	beatMu sync.Mutex

	stop chan struct{}
	bg   sync.WaitGroup
}

// NewServer opens the media socket and returns a Server; Start begins its
// background work.
func NewServer(cfg Config) (*Server, error) {
	switch {
	case cfg.Bus == nil:
		return nil, errors.New("sfu: Config.Bus is required")
	case cfg.Members == nil:
		return nil, errors.New("sfu: Config.Members is required")
	case cfg.Registry == nil:
		return nil, errors.New("sfu: Config.Registry is required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m, err := newMedia(mediaConfig{UDPAddr: cfg.UDPAddr, PublicIPs: cfg.PublicIPs, Logger: log})
	if err != nil {
		return nil, err
	}
	s := &Server{
		id: uuid.Must(uuid.NewV7()).String(), bus: cfg.Bus, members: cfg.Members, reg: cfg.Registry, media: m,
		iceServers: cfg.ICEServers, turn: cfg.TURN, addr: cfg.InternalURL, maxParts: cfg.MaxParticipants, maxCalls: cfg.MaxCalls,
		beatEvery: cfg.HeartbeatEvery, log: log,
		rooms: map[string]*room{}, all: map[*participant]struct{}{}, pending: map[string]int{}, expelled: map[string]bool{},
		stop: make(chan struct{}),
	}
	if s.iceServers == nil {
		s.iceServers = []ICEServer{}
	}
	if s.maxParts <= 0 {
		s.maxParts = 50
	}
	if s.maxCalls <= 0 {
		s.maxCalls = 1000
	}
	if s.beatEvery <= 0 {
		s.beatEvery = registry.DefaultTTL / 3
	}
	s.events = newCallEvents(cfg.Bus, log)
	return s, nil
}

// iceServersFor is joined.iceServers for userID: the configured servers
// and, with TURN, credentials minted now.
func (s *Server) iceServersFor(userID string) []ICEServer {
	out := append([]ICEServer{}, s.iceServers...)
	if s.turn.Enabled() {
		out = append(out, s.turn.Credentials(userID, time.Now()))
	}
	return out
}

// ID identifies this SFU in the registry.
func (s *Server) ID() string { return s.id }

// UDPAddr is the address the SFU receives media on.
func (s *Server) UDPAddr() string { return s.media.UDPAddr().String() }

// Start subscribes to the groups topic (broadcast: membership changes end
// or update participants), registers the SFU and keeps heartbeating until
// Shutdown.
func (s *Server) Start(ctx context.Context) error {
	if err := s.bus.Subscribe(ctx, event.Subscription{Topic: groupevent.Topic, Handler: s.handleGroupEvent}); err != nil {
		return fmt.Errorf("sfu: subscribe to %s: %w", groupevent.Topic, err)
	}
	if err := s.reg.Heartbeat(ctx, s.instance()); err != nil {
		return fmt.Errorf("sfu: register: %w", err)
	}
	s.bg.Go(s.events.run)
	s.bg.Go(s.heartbeat)
	s.bg.Go(s.control)
	return nil
}

func (s *Server) heartbeat() {
	t := time.NewTicker(s.beatEvery)
	defer t.Stop()
	cpu := newCPUMeter()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.beat(cpu.sample())
		}
	}
}

// beat sends one heartbeat, unless the SFU is draining: a heartbeat that
// reached the registry after Shutdown's Deregister would make the SFU live
// again for a whole TTL, with no rooms, so that new rooms (the very rooms
// it is sending away) would be placed on a server that is going away.
func (s *Server) beat(cpu float64) {
	s.beatMu.Lock()
	defer s.beatMu.Unlock()
	s.mu.Lock()
	draining := s.draining
	s.mu.Unlock()
	if draining {
		return
	}
	in := s.instance()
	in.Load.CPU = cpu
	ctx, cancel := context.WithTimeout(context.Background(), s.beatEvery)
	defer cancel()
	if err := s.reg.Heartbeat(ctx, in); err != nil {
		s.log.Warn("sfu: registry heartbeat", "err", err)
	}
}

// instance is this SFU as the registry shows it, with its current load.
func (s *Server) instance() registry.Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := registry.Instance{ID: s.id, Addr: s.addr}
	in.Load.Rooms = len(s.rooms) // rooms live while they have participants
	for _, r := range s.rooms {
		in.Load.Participants += len(r.parts)
		for _, p := range r.parts {
			for _, u := range p.uptracks {
				in.Load.Tracks += len(*u.downs.Load())
			}
		}
	}
	return in
}

// Open starts a session for userID (authenticated by the gateway) in
// groupID's call; conn carries the frames to the client.
func (s *Server) Open(groupID, userID string, conn Conn) Session {
	p := newParticipant(s, groupID, userID, conn)
	s.mu.Lock()
	draining := s.draining
	if !draining {
		s.all[p] = struct{}{}
	}
	s.mu.Unlock()
	if draining {
		conn.Send(errorFrameFor(errs.E(errs.Unavailable, "the call server is restarting, join again")))
		conn.Close(CloseServiceRestart, "server restarting")
		return closedSession{}
	}
	go p.run()
	return p
}

type closedSession struct{}

func (closedSession) Receive([]byte) {}
func (closedSession) Gone()          {}

// forget drops a finished session. When it leaves its group with no room
// and no other session here, the room's claim (made by the gateway's
// Place) is released, so that it does not count against this SFU.
func (s *Server) forget(p *participant) {
	s.mu.Lock()
	delete(s.all, p)
	idle := s.rooms[p.groupID] == nil
	for q := range s.all {
		if q.groupID == p.groupID {
			idle = false
			break
		}
	}
	s.mu.Unlock()
	if idle && !p.joined {
		s.release(p.groupID)
	}
}

func (s *Server) release(groupID string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.reg.Release(ctx, groupID, s.id); err != nil {
			s.log.Warn("sfu: release room", "group", groupID, "err", err)
		}
	}()
}

// claim makes sure this SFU holds the registry's claim of groupID's room
// before hosting it: a joiner placed here just before the room moved to
// another SFU is told to join again (and then reaches the right one), so
// that a call is never split.
func (s *Server) claim(groupID string) error {
	s.mu.Lock()
	hosted := s.rooms[groupID] != nil
	s.mu.Unlock()
	if hosted {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	holder, err := s.reg.Claim(ctx, groupID, s.id)
	if err != nil {
		s.log.Warn("sfu: claim room", "group", groupID, "err", err)
		return errs.E(errs.Unavailable, "the call service is unavailable, join again")
	}
	if holder.ID != s.id {
		return errs.E(errs.Unavailable, "the call moved to another server, join again")
	}
	return nil
}

// member asks the group role for the membership of a joining user, and
// refuses it if the user was removed while the question was out.
func (s *Server) member(ctx context.Context, groupID, userID string) (rights.Membership, error) {
	key := groupID + "/" + userID
	s.mu.Lock()
	s.pending[key]++
	s.mu.Unlock()
	m, err := s.members.Member(ctx, groupID, userID)
	s.mu.Lock()
	defer s.mu.Unlock()
	expelled := s.expelled[key]
	if s.pending[key]--; s.pending[key] == 0 {
		delete(s.pending, key)
		delete(s.expelled, key)
	}
	if err == nil && expelled {
		err = errs.E(errs.NotFound, "not a member")
	}
	return m, err
}

// enter adds a participant to its group's room, creating the room, sends
// it the joined frame, and returns the room with the tracks the newcomer
// should receive. The joined frame is queued under the lock, with the
// participants as they are at that moment: every participant.* frame the
// newcomer gets later is queued after it and applies to that list, however
// many others join or leave at the same time.
func (s *Server) enter(p *participant, m rights.Membership, audio, video bool, ice []ICEServer) (*room, []*uptrack, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return nil, nil, errs.E(errs.Unavailable, "the call server is restarting, join again")
	}
	r := s.rooms[p.groupID]
	if r == nil {
		if len(s.rooms) >= s.maxCalls {
			return nil, nil, errs.E(errs.Unavailable, "this call server is at capacity, try again later")
		}
		r = &room{srv: s, groupID: p.groupID, startedAt: time.Now().UTC(), moderated: map[string]map[string]string{}}
		s.rooms[p.groupID] = r
	}
	if len(r.parts) >= s.maxParts {
		return nil, nil, errs.E(errs.Conflict, "the call is full (%d participants)", s.maxParts)
	}
	p.room, p.member = r, m
	p.audio, p.video = trackState{muted: !audio}, trackState{muted: !video}
	for kind, by := range r.moderated[p.userID] {
		*p.state(kind) = trackState{muted: true, by: by}
	}
	var tracks []*uptrack
	for _, q := range r.parts {
		for _, u := range q.uptracks {
			if u.source != SourceScreen || q.screen {
				tracks = append(tracks, u)
			}
		}
	}
	r.parts = append(r.parts, p)
	p.send(joinedFrame{Type: "joined", ParticipantID: p.id, Participants: r.snapshot(), ICEServers: ice})
	r.broadcast(encode(participantFrame{Type: "participant.joined", Participant: p.wire()}), p)
	s.callChanged(r)
	return r, tracks, nil
}

// callChanged publishes the call's state after a join or a leave and ends
// an empty room. The lock is held.
func (s *Server) callChanged(r *room) {
	if len(r.parts) > 0 {
		s.events.updated(r.groupID, r.userIDs(), r.startedAt)
		return
	}
	if s.rooms[r.groupID] == r {
		delete(s.rooms, r.groupID)
	}
	s.events.ended(r.groupID)
	s.release(r.groupID)
}

// State is the call of groupID as GET /api/v1/calls/{groupId} shows it.
func (s *Server) State(groupID string) CallState {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[groupID]
	if r == nil || len(r.parts) == 0 {
		return CallState{Participants: []Participant{}}
	}
	started := r.startedAt.Format(time.RFC3339Nano)
	return CallState{Active: true, StartedAt: &started, Participants: r.snapshot()}
}

// handleGroupEvent applies membership changes to live calls: a removed
// member or a deleted group ends those participants (also those still
// joining); changed rights apply to the next moderate.
func (s *Server) handleGroupEvent(_ context.Context, e event.Event) error {
	switch e.Type {
	case groupevent.TypeMemberUpdated:
		var p groupevent.MemberChanged
		if err := e.Decode(&p); err != nil {
			return err
		}
		s.mu.Lock()
		if r := s.rooms[p.GroupID]; r != nil {
			r.applyMember(p.Member)
		}
		s.mu.Unlock()
	case groupevent.TypeMemberRemoved:
		var p groupevent.MemberRemoved
		if err := e.Decode(&p); err != nil {
			return err
		}
		s.mu.Lock()
		s.markExpelled(p.GroupID, p.UserID)
		if r := s.rooms[p.GroupID]; r != nil {
			r.expel(p.UserID)
		}
		s.mu.Unlock()
	case groupevent.TypeDeleted:
		var p groupevent.GroupDeleted
		if err := e.Decode(&p); err != nil {
			return err
		}
		s.mu.Lock()
		for _, u := range p.MemberIDs {
			s.markExpelled(p.GroupID, u)
		}
		if r := s.rooms[p.GroupID]; r != nil {
			r.expel("")
		}
		s.mu.Unlock()
	}
	return nil
}

func (s *Server) markExpelled(groupID, userID string) {
	key := groupID + "/" + userID
	if s.pending[key] > 0 {
		s.expelled[key] = true
	}
}

// Shutdown drains the SFU: it leaves the registry (its rooms are placed
// elsewhere on the next join), tells every client to rejoin (close 1012)
// and waits for the sessions to end, or until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.draining {
		s.mu.Unlock()
		return nil
	}
	s.draining = true
	parts := make([]*participant, 0, len(s.all))
	for p := range s.all {
		parts = append(parts, p)
	}
	s.mu.Unlock()
	s.beatMu.Lock() // waits for a heartbeat under way; later ones see draining
	if err := s.reg.Deregister(ctx, s.id); err != nil {
		s.log.Warn("sfu: deregister", "err", err)
	}
	s.beatMu.Unlock()
	frame := errorFrameFor(errs.E(errs.Unavailable, "the call server is restarting, join again"))
	for _, p := range parts {
		p.terminate(frame, CloseServiceRestart, "server restarting")
	}
	var err error
	for _, p := range parts {
		select {
		case <-p.done:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	// A session has ended once its close (1012) is on the wire: the process
	// may exit right after Shutdown, and a gateway that saw the socket drop
	// without it would tell its client 1013 instead.
	for _, p := range parts {
		if c, ok := p.conn.(interface{ Done() <-chan struct{} }); ok {
			select {
			case <-c.Done():
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
	}
	close(s.stop)
	s.events.flush(ctx)
	s.bg.Wait()
	return err
}

// Close releases the media socket; call it after Shutdown.
func (s *Server) Close() error { return s.media.Close() }

// Stats reports the SFU's size, for metrics and the load tool.
type Stats struct {
	Calls, Participants, Downtracks int
	PacketsIn, Drops                uint64
}

// Stats returns the current figures.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st Stats
	st.Calls = len(s.rooms)
	for _, r := range s.rooms {
		st.Participants += len(r.parts)
		for _, p := range r.parts {
			for _, u := range p.uptracks {
				for i := range maxLayers {
					if l := u.layers[i].Load(); l != nil {
						st.PacketsIn += l.packets.Load()
					}
				}
				for _, d := range *u.downs.Load() {
					st.Downtracks++
					st.Drops += d.drops.Load()
				}
			}
		}
	}
	return st
}
