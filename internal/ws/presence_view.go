package ws

import (
	"slices"
	"time"
)

// presenceView is what one instance knows of every user's presence: the
// status each ws instance (itself included) announced for him on
// TopicPresence, merged into one status per user (the highest), and an
// index of the users who are not offline by group, for the snapshot of
// ready. Each instance owns its own entries, and its events arrive in the
// order it published them (one key per instance), so the view never
// depends on the order of different instances' events. It is not safe for
// concurrent use (presence guards it).
type presenceView struct {
	insts   map[string]*instView
	users   map[string]*viewUser
	byGroup map[string]map[string]struct{}
}

type instView struct {
	users    map[string]struct{}
	seen     time.Time // last event from it
	deadline time.Time // it said it is leaving: forget it then (zero: TTL after seen)
	seq      uint64    // seq of its last event
	// stale lists, during a full state, the users not confirmed yet.
	stale map[string]struct{}
}

type viewUser struct {
	by     map[string]presenceUpdate // instance → its entry
	status string
	groups []string // union of the instances' groups, sorted
}

// presenceChange is a user's merged status that changed (or that must
// reach groups it did not reach before): deliver it to the members of to.
type presenceChange struct {
	userID, status string
	to             []string
}

func newPresenceView() *presenceView {
	return &presenceView{insts: make(map[string]*instView), users: make(map[string]*viewUser), byGroup: make(map[string]map[string]struct{})}
}

// instance returns inst's entry, creating it, and whether it was known.
func (v *presenceView) instance(inst string, now time.Time) (*instView, bool) {
	iv := v.insts[inst]
	if iv != nil {
		return iv, true
	}
	iv = &instView{users: make(map[string]struct{}), seen: now}
	v.insts[inst] = iv
	return iv, false
}

// set records inst's entry for one user and returns the change, if any.
func (v *presenceView) set(inst string, up presenceUpdate) (presenceChange, bool) {
	iv := v.insts[inst]
	u := v.users[up.UserID]
	if up.Status != StatusOnline && up.Status != StatusAway {
		if u == nil {
			return presenceChange{}, false
		}
		delete(u.by, inst)
		if iv != nil {
			delete(iv.users, up.UserID)
		}
	} else {
		if u == nil {
			u = &viewUser{by: make(map[string]presenceUpdate), status: StatusOffline}
			v.users[up.UserID] = u
		}
		u.by[inst] = up
		if iv != nil {
			iv.users[up.UserID] = struct{}{}
		}
	}
	return v.merge(up.UserID, u)
}

// merge recomputes u's status and groups from its instances' entries,
// keeps byGroup current and says whom to tell.
func (v *presenceView) merge(id string, u *viewUser) (presenceChange, bool) {
	status := StatusOffline
	var groups []string
	for _, e := range u.by {
		if rank(e.Status) > rank(status) {
			status = e.Status
		}
		groups = append(groups, e.Groups...)
	}
	slices.Sort(groups)
	groups = slices.Compact(groups)
	old, oldStatus := u.groups, u.status
	for _, g := range old {
		if s := v.byGroup[g]; s != nil {
			delete(s, id)
			if len(s) == 0 {
				delete(v.byGroup, g)
			}
		}
	}
	if status == StatusOffline {
		delete(v.users, id)
	} else {
		for _, g := range groups {
			s := v.byGroup[g]
			if s == nil {
				s = make(map[string]struct{})
				v.byGroup[g] = s
			}
			s[id] = struct{}{}
		}
	}
	u.status, u.groups = status, groups
	if status != oldStatus {
		to := append(slices.Clone(old), groups...)
		slices.Sort(to)
		return presenceChange{userID: id, status: status, to: slices.Compact(to)}, true
	}
	// Same status: only the members of groups newly shared hear of it.
	var added []string
	for _, g := range groups {
		if _, ok := slices.BinarySearch(old, g); !ok {
			added = append(added, g)
		}
	}
	if status == StatusOffline || len(added) == 0 {
		return presenceChange{}, false
	}
	return presenceChange{userID: id, status: status, to: added}, true
}

// drop forgets inst and returns the changes its users' loss makes.
func (v *presenceView) drop(inst string) []presenceChange {
	iv := v.insts[inst]
	if iv == nil {
		return nil
	}
	delete(v.insts, inst)
	var out []presenceChange
	for id := range iv.users {
		if ch, ok := v.set(inst, presenceUpdate{UserID: id, Status: StatusOffline}); ok {
			out = append(out, ch)
		}
	}
	sortChanges(out)
	return out
}

// expire drops the instances other than self not heard from within ttl,
// or past the deadline they announced when leaving.
func (v *presenceView) expire(self string, now time.Time, ttl time.Duration) []presenceChange {
	var out []presenceChange
	for inst, iv := range v.insts {
		if inst == self {
			continue
		}
		if now.Sub(iv.seen) > ttl || (!iv.deadline.IsZero() && now.After(iv.deadline)) {
			out = append(out, v.drop(inst)...)
		}
	}
	return out
}

// snapshot lists the users, but userID, who share one of groups with him
// and are not offline, by user id.
func (v *presenceView) snapshot(userID string, groups []string) []presenceEntry {
	seen := make(map[string]struct{})
	var out []presenceEntry
	for _, g := range groups {
		for id := range v.byGroup[g] {
			if _, dup := seen[id]; dup || id == userID {
				continue
			}
			seen[id] = struct{}{}
			out = append(out, presenceEntry{UserID: id, Status: v.users[id].status})
		}
	}
	slices.SortFunc(out, func(a, b presenceEntry) int { return cmpString(a.UserID, b.UserID) })
	return out
}

// status is userID's merged status.
func (v *presenceView) status(userID string) string {
	if u := v.users[userID]; u != nil {
		return u.status
	}
	return StatusOffline
}

func sortChanges(cs []presenceChange) {
	slices.SortFunc(cs, func(a, b presenceChange) int { return cmpString(a.userID, b.userID) })
}

// presenceEntry is one user of a ready frame's presence list, and the
// body of a presence frame.
type presenceEntry struct {
	UserID string `json:"userId"`
	Status string `json:"status"`
}
