package ws

import "sync"

// hub indexes this instance's authenticated connections by user and by
// group and delivers frames to them. Delivery only enqueues (never
// blocks), so it is done under the lock, which keeps a frame's targets and
// the membership changes around it in event order.
type hub struct {
	mu      sync.RWMutex
	byUser  map[string]map[*conn]struct{}
	byGroup map[string]map[*conn]struct{}
}

// memberOp is a membership change seen while a connection loads its groups.
type memberOp struct {
	groupID string
	add     bool
}

func newHub() *hub {
	return &hub{byUser: make(map[string]map[*conn]struct{}), byGroup: make(map[string]map[*conn]struct{})}
}

func addTo(m map[string]map[*conn]struct{}, k string, c *conn) {
	s := m[k]
	if s == nil {
		s = make(map[*conn]struct{})
		m[k] = s
	}
	s[c] = struct{}{}
}

func removeFrom(m map[string]map[*conn]struct{}, k string, c *conn) {
	if s := m[k]; s != nil {
		delete(s, c)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}

// add registers c under its user, still loading: membership changes of its
// user are recorded in c.pending until activate.
func (h *hub) add(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	addTo(h.byUser, c.userID, c)
}

// activate sets c's groups to the loaded ones with the changes seen since
// add applied on top, indexes c by group and returns its groups.
func (h *hub) activate(c *conn, loaded []string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, g := range loaded {
		c.groups[g] = struct{}{}
	}
	for _, op := range c.pending {
		if op.add {
			c.groups[op.groupID] = struct{}{}
		} else {
			delete(c.groups, op.groupID)
		}
	}
	c.pending = nil
	c.active = true
	ids := make([]string, 0, len(c.groups))
	for g := range c.groups {
		addTo(h.byGroup, g, c)
		ids = append(ids, g)
	}
	return ids
}

// remove forgets c.
func (h *hub) remove(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	removeFrom(h.byUser, c.userID, c)
	for g := range c.groups {
		removeFrom(h.byGroup, g, c)
	}
}

func (h *hub) isMember(c *conn, groupID string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	_, ok := c.groups[groupID]
	return ok
}

// readCursor is the read cursor the message role last answered c for
// groupID, if any.
func (h *hub) readCursor(c *conn, groupID string) (int64, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	seq, ok := c.readTo[groupID]
	return seq, ok
}

// setReadCursor remembers seq as c's read cursor in groupID while c is a
// member of it.
func (h *hub) setReadCursor(c *conn, groupID string, seq int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := c.groups[groupID]; ok {
		if c.readTo == nil {
			c.readTo = make(map[string]int64)
		}
		c.readTo[groupID] = seq
	}
}

// toGroup queues b for every live connection of groupID's members.
func (h *hub) toGroup(groupID string, b []byte) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	h.toGroupLocked(groupID, b)
}

func (h *hub) toGroupLocked(groupID string, b []byte) {
	for c := range h.byGroup[groupID] {
		c.enqueue(b)
	}
}

// toGroupExcept queues b for every live connection of groupID's members
// but userID's.
func (h *hub) toGroupExcept(groupID, userID string, b []byte) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.byGroup[groupID] {
		if c.userID != userID {
			c.enqueue(b)
		}
	}
}

// toGroupUsers queues b for the live connections of groupID's members
// that are among userIDs.
func (h *hub) toGroupUsers(groupID string, b []byte, userIDs []string) {
	to := make(map[string]struct{}, len(userIDs))
	for _, u := range userIDs {
		to[u] = struct{}{}
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.byGroup[groupID] {
		if _, ok := to[c.userID]; ok {
			c.enqueue(b)
		}
	}
}

// toUsers queues b once for every connection of the given users.
func (h *hub) toUsers(b []byte, userIDs ...string) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	h.toUsersLocked(b, userIDs...)
}

func (h *hub) toUsersLocked(b []byte, userIDs ...string) {
	for i, u := range userIDs {
		if dup(userIDs[:i], u) {
			continue
		}
		for c := range h.byUser[u] {
			c.enqueue(b)
		}
	}
}

func dup(seen []string, s string) bool {
	for _, x := range seen {
		if x == s {
			return true
		}
	}
	return false
}

// setMember adds groupID to, or removes it from, every connection of
// userID. Caller holds h.mu for writing.
func (h *hub) setMemberLocked(groupID, userID string, add bool) {
	for c := range h.byUser[userID] {
		if !c.active {
			c.pending = append(c.pending, memberOp{groupID: groupID, add: add})
			continue
		}
		if add {
			c.groups[groupID] = struct{}{}
			addTo(h.byGroup, groupID, c)
		} else {
			delete(c.groups, groupID)
			delete(c.readTo, groupID)
			removeFrom(h.byGroup, groupID, c)
		}
	}
}

// memberAdded makes userID's connections members of groupID, then queues
// b (member.added) for the group, the new member included.
func (h *hub) memberAdded(groupID, userID string, b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.setMemberLocked(groupID, userID, true)
	h.toGroupLocked(groupID, b)
}

// memberRemoved queues removed (member.removed) for the group, the removed
// user included, drops the group from the user's connections and queues
// deleted (group.deleted) for them.
func (h *hub) memberRemoved(groupID, userID string, removed, deleted []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.toGroupLocked(groupID, removed)
	h.setMemberLocked(groupID, userID, false)
	h.toUsersLocked(deleted, userID)
}

// groupDeleted queues b (group.deleted) for the group's connections and
// for those of memberIDs not already reached, then drops the group from
// every connection.
func (h *hub) groupDeleted(groupID string, memberIDs []string, b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	inGroup := h.byGroup[groupID]
	for c := range inGroup {
		c.enqueue(b)
	}
	for i, u := range memberIDs {
		if dup(memberIDs[:i], u) {
			continue
		}
		for c := range h.byUser[u] {
			if _, done := inGroup[c]; !done {
				c.enqueue(b)
			}
			if !c.active {
				c.pending = append(c.pending, memberOp{groupID: groupID})
			}
		}
	}
	for c := range inGroup {
		delete(c.groups, groupID)
		delete(c.readTo, groupID)
	}
	delete(h.byGroup, groupID)
}

// groupsOfUser returns the groups of userID's live connections (nil when
// he has none here).
func (h *hub) groupsOfUser(userID string) []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []string
	for c := range h.byUser[userID] {
		if !c.active {
			continue
		}
		for g := range c.groups {
			if !dup(out, g) {
				out = append(out, g)
			}
		}
	}
	return out
}
