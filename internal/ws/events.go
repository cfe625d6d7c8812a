package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
)

// Event types on TopicMessages and TopicCalls (the issue-5 contract).
const (
	EventMessageCreated  = "message.created"
	EventMessageDeleted  = "message.deleted"
	EventMessageRejected = "message.rejected"
	EventMessageHidden   = "message.hidden"
	EventMessageUpdated  = "message.updated"
	EventReactionAdded   = "reaction.added"
	EventReactionRemoved = "reaction.removed"
	EventReadUpdated     = "read.updated"
	EventReceiptUpdated  = "receipt.updated"
	EventCallUpdated     = "call.updated"
	EventCallEnded       = "call.ended"
)

// Payloads of TopicMessages and TopicCalls, decoded with ws's own structs
// so that ws depends on the JSON contract only. Objects ws forwards as they
// are (the Message, the error) stay raw.
type (
	messageCreated struct {
		Message json.RawMessage `json:"message"`
	}
	messageDeleted struct {
		GroupID   string `json:"groupId"`
		MessageID string `json:"messageId"`
		Seq       int64  `json:"seq"`
	}
	messageRejected struct {
		GroupID     string          `json:"groupId"`
		UserID      string          `json:"userId"`
		ClientMsgID string          `json:"clientMsgId"`
		Error       json.RawMessage `json:"error"`
	}
	reactionChanged struct {
		GroupID   string `json:"groupId"`
		MessageID string `json:"messageId"`
		Seq       int64  `json:"seq"`
		Emoji     string `json:"emoji"`
		UserID    string `json:"userId"`
	}
	messageHidden struct {
		GroupID   string `json:"groupId"`
		MessageID string `json:"messageId"`
		UserID    string `json:"userId"`
	}
	readUpdated struct {
		GroupID     string `json:"groupId"`
		UserID      string `json:"userId"`
		LastReadSeq int64  `json:"lastReadSeq"`
		Unread      int64  `json:"unread"`
		Mentions    int64  `json:"mentions"`
	}
	receiptUpdated struct {
		GroupID     string   `json:"groupId"`
		UserID      string   `json:"userId"`
		LastReadSeq int64    `json:"lastReadSeq"`
		To          []string `json:"to"`
	}
	callUpdated struct {
		GroupID      string          `json:"groupId"`
		Participants json.RawMessage `json:"participants"`
		StartedAt    json.RawMessage `json:"startedAt"`
	}
	callEnded struct {
		GroupID string `json:"groupId"`
	}
)

// errMalformed marks an event ws cannot route; the bus logs and skips it.
var errMalformed = errors.New("malformed event")

func malformed(e event.Event, what string) error {
	return event.Permanent(fmt.Errorf("ws: %s %s: %w: %s", e.Type, e.ID, errMalformed, what))
}

// frame encodes an outgoing frame; encoding ws's own structs cannot fail
// except on a raw field that is not JSON, which makes the event malformed.
func frame(e event.Event, v any) ([]byte, error) {
	b, err := encodeFrame(v)
	if err != nil {
		return nil, malformed(e, err.Error())
	}
	return b, nil
}

// leanMessage returns the Message object raw without the members that
// carry their default: null, false, "", [] or {} (API.md: in frames,
// an absent field of a Message is null, false or empty). The others keep
// their names, values and order; what is not a JSON object is returned as
// it is.
func leanMessage(raw json.RawMessage) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return raw
	}
	out := make([]byte, 0, len(raw))
	out = append(out, '{')
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			return raw
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return raw
		}
		switch string(v) {
		case "null", "false", `""`, "[]", "{}":
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		k, _ := json.Marshal(key)
		out = append(out, k...)
		out = append(out, ':')
		out = append(out, v...)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return raw
	}
	return append(out, '}')
}

func (s *Server) handleMessages(_ context.Context, e event.Event) error {
	switch e.Type {
	case EventMessageCreated, EventMessageUpdated:
		var p messageCreated
		var m struct {
			GroupID string `json:"groupId"`
		}
		if err := e.Decode(&p); err != nil {
			return err
		}
		if json.Unmarshal(p.Message, &m) != nil || m.GroupID == "" {
			return malformed(e, "message without groupId")
		}
		b, err := frame(e, struct {
			Type    string          `json:"type"`
			Message json.RawMessage `json:"message"`
		}{e.Type, leanMessage(p.Message)})
		if err != nil {
			return err
		}
		s.hub.toGroup(m.GroupID, b)
	case EventMessageDeleted:
		var p messageDeleted
		if err := e.Decode(&p); err != nil {
			return err
		}
		if p.GroupID == "" || p.MessageID == "" {
			return malformed(e, "groupId and messageId are required")
		}
		b, err := frame(e, struct {
			Type string `json:"type"`
			messageDeleted
		}{e.Type, p})
		if err != nil {
			return err
		}
		s.hub.toGroup(p.GroupID, b)
	case EventReactionAdded, EventReactionRemoved:
		var p reactionChanged
		if err := e.Decode(&p); err != nil {
			return err
		}
		if p.GroupID == "" || p.MessageID == "" || p.UserID == "" || p.Emoji == "" {
			return malformed(e, "groupId, messageId, userId and emoji are required")
		}
		b, err := frame(e, struct {
			Type string `json:"type"`
			reactionChanged
		}{e.Type, p})
		if err != nil {
			return err
		}
		s.hub.toGroup(p.GroupID, b)
	case EventMessageRejected:
		var p messageRejected
		if err := e.Decode(&p); err != nil {
			return err
		}
		if p.UserID == "" {
			return malformed(e, "userId is required")
		}
		if len(p.Error) == 0 {
			p.Error = json.RawMessage(`{"code":"invalid","message":"message rejected"}`)
		}
		b, err := frame(e, rejectedFrame{Type: e.Type, GroupID: p.GroupID, ClientMsgID: p.ClientMsgID, Error: p.Error})
		if err != nil {
			return err
		}
		s.hub.toUsers(b, p.UserID)
	case EventMessageHidden:
		var p messageHidden
		if err := e.Decode(&p); err != nil {
			return err
		}
		if p.UserID == "" || p.MessageID == "" {
			return malformed(e, "userId and messageId are required")
		}
		b, err := frame(e, struct {
			Type      string `json:"type"`
			GroupID   string `json:"groupId"`
			MessageID string `json:"messageId"`
		}{e.Type, p.GroupID, p.MessageID})
		if err != nil {
			return err
		}
		s.hub.toUsers(b, p.UserID)
	case EventReadUpdated:
		var p readUpdated
		if err := e.Decode(&p); err != nil {
			return err
		}
		if p.GroupID == "" || p.UserID == "" {
			return malformed(e, "groupId and userId are required")
		}
		b, err := frame(e, struct {
			Type        string `json:"type"`
			GroupID     string `json:"groupId"`
			LastReadSeq int64  `json:"lastReadSeq"`
			Unread      int64  `json:"unread"`
			Mentions    int64  `json:"mentions"`
		}{e.Type, p.GroupID, p.LastReadSeq, p.Unread, p.Mentions})
		if err != nil {
			return err
		}
		s.hub.toUsers(b, p.UserID)
	case EventReceiptUpdated:
		// To is the message role's list of who may see the receipt (the
		// members who share theirs); it is not forwarded.
		var p receiptUpdated
		if err := e.Decode(&p); err != nil {
			return err
		}
		if p.GroupID == "" || p.UserID == "" {
			return malformed(e, "groupId and userId are required")
		}
		b, err := frame(e, struct {
			Type        string `json:"type"`
			GroupID     string `json:"groupId"`
			UserID      string `json:"userId"`
			LastReadSeq int64  `json:"lastReadSeq"`
		}{e.Type, p.GroupID, p.UserID, p.LastReadSeq})
		if err != nil {
			return err
		}
		s.hub.toGroupUsers(p.GroupID, b, p.To)
	default:
		s.log.Debug("ws: ignoring event", "topic", TopicMessages, "type", e.Type)
	}
	return nil
}

func (s *Server) handleCalls(_ context.Context, e event.Event) error {
	var groupID string
	var b []byte
	var err error
	switch e.Type {
	case EventCallUpdated:
		var p callUpdated
		if err := e.Decode(&p); err != nil {
			return err
		}
		if len(p.Participants) == 0 {
			p.Participants = json.RawMessage(`[]`)
		}
		if len(p.StartedAt) == 0 {
			p.StartedAt = json.RawMessage(`null`)
		}
		groupID = p.GroupID
		b, err = frame(e, struct {
			Type string `json:"type"`
			callUpdated
		}{e.Type, p})
	case EventCallEnded:
		var p callEnded
		if err := e.Decode(&p); err != nil {
			return err
		}
		groupID = p.GroupID
		b, err = frame(e, struct {
			Type string `json:"type"`
			callEnded
		}{e.Type, p})
	default:
		s.log.Debug("ws: ignoring event", "topic", TopicCalls, "type", e.Type)
		return nil
	}
	if err != nil {
		return err
	}
	if groupID == "" {
		return malformed(e, "groupId is required")
	}
	s.hub.toGroup(groupID, b)
	return nil
}

// handleGroups forwards the group role's events under the frame names of
// API.md and keeps the connections' group sets current.
func (s *Server) handleGroups(_ context.Context, e event.Event) error {
	switch e.Type {
	case groupevent.TypeUpdated:
		var p groupevent.GroupChanged
		if err := e.Decode(&p); err != nil {
			return err
		}
		if p.Group.ID == "" {
			return malformed(e, "group without id")
		}
		b, err := frame(e, struct {
			Type  string           `json:"type"`
			Group groupevent.Group `json:"group"`
		}{"group.updated", p.Group})
		if err != nil {
			return err
		}
		s.hub.toGroup(p.Group.ID, b)
	case groupevent.TypeDeleted:
		var p groupevent.GroupDeleted
		if err := e.Decode(&p); err != nil {
			return err
		}
		if p.GroupID == "" {
			return malformed(e, "groupId is required")
		}
		b, err := groupDeletedFrame(e, p.GroupID)
		if err != nil {
			return err
		}
		s.hub.groupDeleted(p.GroupID, p.MemberIDs, b)
	case groupevent.TypeMemberAdded, groupevent.TypeMemberUpdated:
		var p groupevent.MemberChanged
		if err := e.Decode(&p); err != nil {
			return err
		}
		if p.GroupID == "" || p.Member.UserID == "" {
			return malformed(e, "groupId and member.userId are required")
		}
		typ := "member.added"
		if e.Type == groupevent.TypeMemberUpdated {
			typ = "member.updated"
		}
		b, err := frame(e, struct {
			Type    string            `json:"type"`
			GroupID string            `json:"groupId"`
			Member  groupevent.Member `json:"member"`
		}{typ, p.GroupID, p.Member})
		if err != nil {
			return err
		}
		if e.Type == groupevent.TypeMemberAdded {
			s.hub.memberAdded(p.GroupID, p.Member.UserID, b)
			s.presence.regroup(p.Member.UserID)           // announce him to the group…
			s.presence.joined(p.GroupID, p.Member.UserID) // …and it to him
		} else {
			s.hub.toGroup(p.GroupID, b)
		}
	case groupevent.TypeMemberRemoved:
		var p groupevent.MemberRemoved
		if err := e.Decode(&p); err != nil {
			return err
		}
		if p.GroupID == "" || p.UserID == "" {
			return malformed(e, "groupId and userId are required")
		}
		removed, err := frame(e, struct {
			Type    string `json:"type"`
			GroupID string `json:"groupId"`
			UserID  string `json:"userId"`
		}{"member.removed", p.GroupID, p.UserID})
		if err != nil {
			return err
		}
		deleted, err := groupDeletedFrame(e, p.GroupID)
		if err != nil {
			return err
		}
		s.hub.memberRemoved(p.GroupID, p.UserID, removed, deleted)
		s.presence.regroup(p.UserID)
	case groupevent.TypeInviteCreated, groupevent.TypeInviteUpdated:
		var p groupevent.InviteChanged
		if err := e.Decode(&p); err != nil {
			return err
		}
		if p.Invite.Invitee.ID == "" {
			return malformed(e, "invite without invitee")
		}
		typ, to := "invite.created", []string{p.Invite.Invitee.ID}
		if e.Type == groupevent.TypeInviteUpdated {
			typ, to = "invite.updated", append(to, p.Invite.Inviter.ID)
		}
		b, err := frame(e, struct {
			Type   string            `json:"type"`
			Invite groupevent.Invite `json:"invite"`
		}{typ, p.Invite})
		if err != nil {
			return err
		}
		s.hub.toUsers(b, to...)
	default: // group.created: the creator's member_added follows
		s.log.Debug("ws: ignoring event", "topic", groupevent.Topic, "type", e.Type)
	}
	return nil
}

func groupDeletedFrame(e event.Event, groupID string) ([]byte, error) {
	return frame(e, struct {
		Type    string `json:"type"`
		GroupID string `json:"groupId"`
	}{"group.deleted", groupID})
}
