package ws

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/ids"
)

// Typing limits (issue 14).
const (
	// TypingInterval is how often one connection may pass on a typing
	// frame for one group; extra frames are dropped silently.
	TypingInterval = 3 * time.Second
	// TypingMaxAge is how old a typing event may be when an instance
	// delivers it; an older one (a lagging bus) is dropped, since the
	// client would have stopped showing it anyway.
	TypingMaxAge = 5 * time.Second
)

// typingEvent is the payload of typing on TopicTyping.
type typingEvent struct {
	GroupID string `json:"groupId"`
	UserID  string `json:"userId"`
}

// typing passes a typing frame {groupId} on to the group's other members
// through TopicTyping, at most once per TypingInterval per group for this
// connection. Frames beyond that, and frames the bus cannot take, are
// dropped silently: typing is a hint. A group the connection is not a
// member of is an error frame.
func (c *conn) typing(ctx context.Context, f inFrame, userID string) {
	groupID, ok := ids.Canonical(f.GroupID)
	if !ok || !c.srv.hub.isMember(c, groupID) {
		c.enqueueError("not_found", "group not found")
		return
	}
	now := time.Now()
	if last, ok := c.typed[groupID]; ok && now.Sub(last) < TypingInterval {
		return
	}
	if len(c.typed) >= 64 { // forget the groups typed in long ago
		for g, t := range c.typed {
			if now.Sub(t) >= TypingInterval {
				delete(c.typed, g)
			}
		}
	}
	if c.typed == nil {
		c.typed = make(map[string]time.Time)
	}
	c.typed[groupID] = now
	e, err := event.New(EventTyping, groupID, typingEvent{GroupID: groupID, UserID: userID})
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, c.srv.lim.CallTimeout)
		err = c.srv.bus.Publish(pctx, TopicTyping, e)
		cancel()
	}
	if err != nil {
		c.srv.log.Debug("ws: publish typing", "group", groupID, "user", userID, "err", err)
	}
}

// handleTyping delivers a typing event to this instance's connections of
// the group's members, except the typist's own.
func (s *Server) handleTyping(_ context.Context, e event.Event) error {
	if e.Type != EventTyping {
		return nil
	}
	if !e.OccurredAt.IsZero() && time.Since(e.OccurredAt) > TypingMaxAge {
		return nil
	}
	var p typingEvent
	if err := e.Decode(&p); err != nil {
		return err
	}
	if p.GroupID == "" || p.UserID == "" {
		return malformed(e, "groupId and userId are required")
	}
	b, err := frame(e, struct {
		Type string `json:"type"`
		typingEvent
	}{"typing", p})
	if err != nil {
		return err
	}
	s.hub.toGroupExcept(p.GroupID, p.UserID, b)
	return nil
}
