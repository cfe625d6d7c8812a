package ws

import (
	"slices"
	"time"
)

// Presence statuses (issue 14). A user is online when any of his
// connections, on any ws instance, is active; away when all of them are
// away (the client said so: tab hidden or idle); offline when none is left
// (after PresenceLimits.Grace).
const (
	StatusOnline  = "online"
	StatusAway    = "away"
	StatusOffline = "offline"
)

// rank orders statuses so that a user's status is the highest his
// instances report.
func rank(s string) int {
	switch s {
	case StatusOnline:
		return 2
	case StatusAway:
		return 1
	}
	return 0
}

// presenceUpdate is one user's status as one instance holds it, with the
// groups he is in there (the groups whose members hear of him). Status
// offline means the instance no longer holds him.
type presenceUpdate struct {
	UserID string   `json:"u"`
	Status string   `json:"s"`
	Groups []string `json:"g,omitempty"`
}

// presenceLocal is the state machine of one instance's users, from their
// connections. It is not safe for concurrent use (presence guards it).
//
// A user's local status follows his connections at once, but is only
// announced by tick (once per PresenceLimits.Tick), so that changes within
// a tick are coalesced: a connection that comes and goes, or a status
// flipped back, within one tick announces nothing. A user whose last
// connection closed keeps the status he had for grace, so that a reload or
// a reconnect (to this or any other instance) makes no offline/online
// flap.
type presenceLocal struct {
	grace time.Duration
	users map[string]*localUser
	// dirty lists the users whose status may differ from what was last
	// announced: touched since the last tick, or in their grace period.
	dirty map[string]struct{}
}

type localUser struct {
	conns   map[*conn]bool // connection → away
	goneAt  time.Time      // when the last connection closed (zero while one is open)
	sent    string         // status last announced ("" for none)
	groups  []string       // groups announced with it
	regroup bool           // announce again: his groups changed
}

func newPresenceLocal(grace time.Duration) *presenceLocal {
	return &presenceLocal{grace: grace, users: make(map[string]*localUser), dirty: make(map[string]struct{})}
}

func (l *presenceLocal) user(id string) *localUser {
	u := l.users[id]
	if u == nil {
		u = &localUser{conns: make(map[*conn]bool)}
		l.users[id] = u
	}
	return u
}

// connect adds an active connection of userID.
func (l *presenceLocal) connect(c *conn, userID string) {
	u := l.user(userID)
	u.conns[c] = false
	u.goneAt = time.Time{}
	l.dirty[userID] = struct{}{}
}

// setAway records what c's client says: away (hidden or idle) or active.
// It reports whether c is a connection of userID's that it knows.
func (l *presenceLocal) setAway(c *conn, userID string, away bool) bool {
	u := l.users[userID]
	if u == nil {
		return false
	}
	if _, ok := u.conns[c]; !ok {
		return false
	}
	u.conns[c] = away
	l.dirty[userID] = struct{}{}
	return true
}

// disconnect forgets c; when it was userID's last connection his grace
// period starts at now.
func (l *presenceLocal) disconnect(c *conn, userID string, now time.Time) {
	u := l.users[userID]
	if u == nil {
		return
	}
	delete(u.conns, c)
	if len(u.conns) == 0 {
		u.goneAt = now
	}
	l.dirty[userID] = struct{}{}
}

// regroup marks userID to be announced again at the next tick (his groups
// changed), if he is announced here.
func (l *presenceLocal) regroup(userID string) {
	if u := l.users[userID]; u != nil && u.sent != "" {
		u.regroup = true
		l.dirty[userID] = struct{}{}
	}
}

// status is u's local status at now: online, away, or offline (no
// connection left).
func (l *presenceLocal) status(u *localUser) string {
	if len(u.conns) == 0 {
		return StatusOffline
	}
	for _, away := range u.conns {
		if !away {
			return StatusOnline
		}
	}
	return StatusAway
}

// tick returns the updates to announce at now: the users whose status
// differs from what was last announced (or whose groups changed), with
// their groups from groupsOf. A user without connections announces
// nothing during his grace period, then offline (with the groups last
// announced) and is forgotten.
func (l *presenceLocal) tick(now time.Time, groupsOf func(userID string) []string) []presenceUpdate {
	var out []presenceUpdate
	for id := range l.dirty {
		u := l.users[id]
		if u == nil {
			delete(l.dirty, id)
			continue
		}
		if len(u.conns) == 0 {
			if u.sent == "" { // came and went within a tick
				delete(l.users, id)
				delete(l.dirty, id)
				continue
			}
			if now.Sub(u.goneAt) < l.grace {
				continue // stays dirty until he is back or the grace is over
			}
		}
		delete(l.dirty, id)
		st := l.status(u)
		if st == u.sent && !u.regroup {
			continue
		}
		u.regroup = false
		if st != StatusOffline {
			u.groups = groupsOf(id)
		}
		out = append(out, presenceUpdate{UserID: id, Status: st, Groups: u.groups})
		u.sent = st
		if st == StatusOffline {
			delete(l.users, id)
		}
	}
	slices.SortFunc(out, func(a, b presenceUpdate) int { return cmpString(a.UserID, b.UserID) })
	return out
}

// all is every user this instance announces (for a full state), at the
// status last announced.
func (l *presenceLocal) all() []presenceUpdate {
	out := make([]presenceUpdate, 0, len(l.users))
	for id, u := range l.users {
		if u.sent != "" && u.sent != StatusOffline {
			out = append(out, presenceUpdate{UserID: id, Status: u.sent, Groups: u.groups})
		}
	}
	slices.SortFunc(out, func(a, b presenceUpdate) int { return cmpString(a.UserID, b.UserID) })
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
