package ws

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/event"
)

// PresenceLimits times presence (issue 14). Zero values take the defaults
// named on each field.
type PresenceLimits struct {
	// Tick is how often an instance announces its users' changes, in one
	// batch (1 s): changes within a tick are coalesced.
	Tick time.Duration
	// Grace is how long a user whose last connection closed keeps his
	// status before he is announced offline (5 s): a reload or a reconnect
	// within it makes no flap.
	Grace time.Duration
	// Heartbeat is how often an instance with nothing to announce says it
	// is alive (10 s).
	Heartbeat time.Duration
	// TTL is how long an instance may stay silent before the others take
	// its users for gone (30 s): a killed instance's users go offline
	// within TTL + Tick.
	TTL time.Duration
}

func (l PresenceLimits) withDefaults() PresenceLimits {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&l.Tick, time.Second)
	def(&l.Grace, 5*time.Second)
	def(&l.Heartbeat, 10*time.Second)
	def(&l.TTL, 30*time.Second)
	return l
}

// TopicPresence carries each ws instance's presence announcements (key:
// the instance id, so that one instance's events stay in order) to every
// ws instance. Lossy, no retention needed: a new instance asks the others
// for their full state, and a gap in an instance's seq makes the receiver
// ask again.
const TopicPresence = "presence"

// EventPresence is the type of the events on TopicPresence.
const EventPresence = "presence"

// presenceMaxBatch bounds the users of one event (a full state of 10,000
// users is 20 events).
const presenceMaxBatch = 500

// presenceSyncEvery bounds how often an instance asks the others for
// their full state after a gap.
const presenceSyncEvery = 10 * time.Second

// presenceEvent is the payload of presence on TopicPresence: one batch of
// an instance's announcements.
type presenceEvent struct {
	Instance string `json:"instance"`
	Seq      uint64 `json:"seq"`
	// Reset starts a full state: the instance's users not in it (up to
	// the event with Final) are no longer its users.
	Reset bool `json:"reset,omitempty"`
	Final bool `json:"final,omitempty"`
	// Sync asks every other instance to send its full state.
	Sync bool `json:"sync,omitempty"`
	// Leaving says the instance is shutting down: forget its users after
	// Grace (unless they reconnect elsewhere meanwhile).
	Leaving bool             `json:"leaving,omitempty"`
	Users   []presenceUpdate `json:"users,omitempty"`
}

// presence runs the presence of one Server: its users' state machine, the
// view of everyone's presence, and the tick that announces, expires and
// delivers. mu guards local, view and the flags; deliveries happen under
// it (mu before the hub's mutex), so that a user's frames keep their order.
// pubMu orders the publishing of events (seq).
type presence struct {
	srv *Server
	lim PresenceLimits
	id  string

	mu       sync.Mutex
	local    *presenceLocal
	view     *presenceView
	needFull bool      // send our full state at the next tick
	askSync  bool      // ask the others for theirs at the next tick
	lastAsk  time.Time // when we last asked
	left     bool      // Shutdown announced leaving: publish nothing more

	pubMu   sync.Mutex
	seq     uint64
	lastPub time.Time
}

func newPresence(s *Server, lim PresenceLimits) *presence {
	return &presence{
		srv: s, lim: lim.withDefaults(), id: uuid.Must(uuid.NewV7()).String(),
		local: newPresenceLocal(lim.withDefaults().Grace), view: newPresenceView(),
		needFull: true, askSync: true,
	}
}

// run ticks until ctx is done.
func (p *presence) run(ctx context.Context) {
	t := time.NewTicker(p.lim.Tick)
	defer t.Stop()
	p.tick(ctx, time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			p.tick(ctx, now)
		}
	}
}

// tick expires silent instances, then announces this instance's changes
// (or its full state, when asked) in batches, or a heartbeat.
func (p *presence) tick(ctx context.Context, now time.Time) {
	p.mu.Lock()
	p.deliver(p.view.expire(p.id, now, p.lim.TTL))
	if p.left {
		p.mu.Unlock()
		return
	}
	ups := p.local.tick(now, p.srv.hub.groupsOfUser)
	full := p.needFull
	p.needFull = false
	if full {
		ups = p.local.all()
	}
	ask := p.askSync && now.Sub(p.lastAsk) >= presenceSyncEvery
	if ask {
		p.askSync, p.lastAsk = false, now
	}
	p.mu.Unlock()

	var evs []presenceEvent
	for start := 0; start < len(ups) || (full && start == 0); start += presenceMaxBatch {
		evs = append(evs, presenceEvent{Users: ups[start:min(start+presenceMaxBatch, len(ups))]})
	}
	if full {
		evs[0].Reset, evs[len(evs)-1].Final = true, true
	}
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	if len(evs) == 0 && (ask || now.Sub(p.lastPub) >= p.lim.Heartbeat) {
		evs = append(evs, presenceEvent{})
	}
	if len(evs) > 0 {
		evs[0].Sync = ask
	}
	p.publishLocked(ctx, now, evs...)
}

// publishLocked publishes evs in order with the next seqs. Caller holds
// pubMu. A failed publish is logged: the receivers see the gap in seq and
// ask for the full state.
func (p *presence) publishLocked(ctx context.Context, now time.Time, evs ...presenceEvent) {
	if len(evs) == 0 {
		return
	}
	out := make([]event.Event, 0, len(evs))
	for _, pe := range evs {
		p.seq++
		pe.Instance, pe.Seq = p.id, p.seq
		e, err := event.New(EventPresence, p.id, pe)
		if err != nil {
			p.srv.log.Error("ws: presence event", "err", err)
			return
		}
		out = append(out, e)
	}
	pctx, cancel := context.WithTimeout(ctx, p.srv.lim.CallTimeout)
	err := p.srv.bus.Publish(pctx, TopicPresence, out...)
	cancel()
	if err != nil {
		p.srv.log.Debug("ws: publish presence", "events", len(out), "err", err)
		return
	}
	p.lastPub = now
}

// leave announces that this instance is going away: the others forget its
// users after Grace, unless they reconnect elsewhere meanwhile.
func (p *presence) leave(ctx context.Context) {
	p.mu.Lock()
	p.left = true
	p.mu.Unlock()
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	p.publishLocked(ctx, time.Now(), presenceEvent{Leaving: true})
}

// handle applies one instance's announcements to the view and delivers
// the changes to this instance's connections.
func (p *presence) handle(_ context.Context, e event.Event) error {
	if e.Type != EventPresence {
		return nil
	}
	var pe presenceEvent
	if err := e.Decode(&pe); err != nil {
		return err
	}
	if pe.Instance == "" {
		return malformed(e, "instance is required")
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deliver(p.apply(pe, now))
	return nil
}

// apply records pe in the view and returns the changes. An event of an
// instance not seen before (other than its first full state), or after a
// gap in its seq, makes this instance ask for every full state; a
// duplicate is ignored. Caller holds mu.
func (p *presence) apply(pe presenceEvent, now time.Time) []presenceChange {
	iv, known := p.view.instance(pe.Instance, now)
	if known && pe.Seq <= iv.seq {
		return nil // a duplicate (delivery is at-least-once)
	}
	if (known && pe.Seq != iv.seq+1 || !known && !pe.Reset) && !p.left {
		if pe.Instance == p.id {
			p.needFull = true // our own events were lost: send all again
		} else {
			p.askSync = true
		}
	}
	iv.seq, iv.seen = pe.Seq, now
	if pe.Leaving {
		iv.deadline = now.Add(p.lim.Grace)
	}
	if pe.Sync && pe.Instance != p.id {
		p.needFull = true
	}
	if pe.Reset {
		iv.stale = make(map[string]struct{}, len(iv.users))
		for id := range iv.users {
			iv.stale[id] = struct{}{}
		}
	}
	var out []presenceChange
	for _, up := range pe.Users {
		if up.UserID == "" {
			continue
		}
		delete(iv.stale, up.UserID)
		if ch, ok := p.view.set(pe.Instance, up); ok {
			out = append(out, ch)
		}
	}
	if pe.Final && iv.stale != nil {
		for id := range iv.stale {
			if ch, ok := p.view.set(pe.Instance, presenceUpdate{UserID: id, Status: StatusOffline}); ok {
				out = append(out, ch)
			}
		}
		iv.stale = nil
	}
	return out
}

// presenceSingles is how many changes one connection receives as single
// presence frames in one delivery; more go as one presence.batch frame,
// so that a cold start of many users (every user coming online in one
// tick) never overflows a connection's send queue.
const presenceSingles = 16

// deliver sends each change to the connections of the members of its
// groups, but the user's own: as presence frames {userId, status}, or one
// presence.batch frame {presence: [{userId, status}]} for a connection
// that has more than presenceSingles of them. Caller holds mu.
func (p *presence) deliver(changes []presenceChange) {
	if len(changes) == 0 {
		return
	}
	entries := make([]presenceEntry, len(changes))
	for i, ch := range changes {
		entries[i] = presenceEntry{UserID: ch.userID, Status: ch.status}
	}
	p.srv.hub.mu.RLock()
	defer p.srv.hub.mu.RUnlock()
	to := make(map[*conn][]int)
	for i, ch := range changes {
		for _, g := range ch.to {
			for c := range p.srv.hub.byGroup[g] {
				if c.userID == ch.userID {
					continue
				}
				if l := to[c]; len(l) == 0 || l[len(l)-1] != i {
					to[c] = append(l, i)
				}
			}
		}
	}
	singles := make([][]byte, len(changes))
	for c, idx := range to {
		if len(idx) > presenceSingles {
			list := make([]presenceEntry, len(idx))
			for j, i := range idx {
				list[j] = entries[i]
			}
			if b, err := encodeFrame(presenceBatchFrame{Type: "presence.batch", Presence: list}); err == nil {
				c.enqueue(b)
			}
			continue
		}
		for _, i := range idx {
			if singles[i] == nil {
				b, err := encodeFrame(presenceFrame{Type: "presence", presenceEntry: entries[i]})
				if err != nil {
					continue
				}
				singles[i] = b
			}
			c.enqueue(singles[i])
		}
	}
}

type presenceFrame struct {
	Type string `json:"type"`
	presenceEntry
}

type presenceBatchFrame struct {
	Type     string          `json:"type"`
	Presence []presenceEntry `json:"presence"`
}

// joined tells userID's connections here the status of groupID's members
// who are not offline (he just joined it: his ready did not list them),
// as a presence.batch frame.
func (p *presence) joined(groupID, userID string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.view.snapshot(userID, []string{groupID})
	if len(list) == 0 {
		return
	}
	if b, err := encodeFrame(presenceBatchFrame{Type: "presence.batch", Presence: list}); err == nil {
		p.srv.hub.toUsers(b, userID)
	}
}

// connect, setAway, disconnect and regroup feed the state machine; a nil
// presence (Config.DisablePresence) ignores them.
func (p *presence) connect(c *conn) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.local.connect(c, c.userID)
}

func (p *presence) setAway(c *conn, away bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.local.setAway(c, c.userID, away)
}

func (p *presence) disconnect(c *conn) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.local.disconnect(c, c.userID, time.Now())
}

func (p *presence) regroup(userID string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.local.regroup(userID)
}

// snapshot lists the users sharing one of groups with userID who are not
// offline (nil presence: none).
func (p *presence) snapshot(userID string, groups []string) []presenceEntry {
	out := []presenceEntry{}
	if p == nil {
		return out
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.view.snapshot(userID, groups); s != nil {
		out = s
	}
	return out
}
