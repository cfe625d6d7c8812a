package ws

import (
	"context"
	"encoding/json"
	"time"

	gws "github.com/gobwas/ws"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/ids"
	"github.com/parleychat/parley/internal/message/messagerule"
)

// Topics ws consumes and produces besides groupevent.Topic. The message role
// owns these names; they are repeated here so ws depends on the contract,
// not on the message package.
const (
	TopicSubmitted = "messages.submitted" // ws → message (the sequencer)
	TopicMessages  = "messages"           // message → every ws instance
	TopicCalls     = "calls"              // webrtc → every ws instance
	// TopicTyping carries typing (key groupId) from ws to every ws
	// instance. It is lossy and needs no retention: nothing is stored, a
	// late or lost event only drops an "is typing" hint.
	TopicTyping = "typing"
)

// EventTyping is the type of the events on TopicTyping (typingEvent).
const EventTyping = "typing"

// EventSubmitted is the type of the events on TopicSubmitted.
const EventSubmitted = "message.submitted"

// Message limits (API.md "Limits"), from the rule both edges share.
const (
	MaxTextLen        = messagerule.MaxTextLen // characters
	MaxAttachments    = messagerule.MaxAttachments
	MaxClientMsgIDLen = messagerule.MaxClientMsgIDLen // characters
)

// inFrame is every client frame; fields a type does not use stay empty.
// Fields the protocol does not name (an "authorId", say) are ignored.
type inFrame struct {
	Type        string          `json:"type"`
	Token       string          `json:"token"`
	GroupID     string          `json:"groupId"`
	ClientMsgID string          `json:"clientMsgId"`
	Text        string          `json:"text"`
	Attachments []AttachmentRef `json:"attachments"`
	ReplyToID   string          `json:"replyToId"`
	Mentions    []string        `json:"mentions"`
	// Seq is the read frame's seq; nil when the frame has none.
	Seq *int64 `json:"seq"`
	// Status is the presence frame's status: online or away.
	Status string `json:"status"`
}

// AttachmentRef names an uploaded file by its key.
type AttachmentRef struct {
	Key string `json:"key"`
}

// Submitted is the payload of message.submitted (the issue-5 contract).
// AuthorID is always the authenticated user of the connection.
type Submitted struct {
	GroupID     string          `json:"groupId"`
	AuthorID    string          `json:"authorId"`
	ClientMsgID string          `json:"clientMsgId"`
	Text        string          `json:"text"`
	Attachments []AttachmentRef `json:"attachments"`
	// ReplyToID and Mentions (issue 13) are omitted when empty; the
	// message role checks them against the group.
	ReplyToID string   `json:"replyToId,omitempty"`
	Mentions  []string `json:"mentions,omitempty"`
}

// readyGroup is one group of the ready frame: its read state for the user
// (the same fields as GET /api/v1/read-state).
type readyGroup struct {
	GroupID     string `json:"groupId"`
	LastReadSeq int64  `json:"lastReadSeq"`
	LastSeq     int64  `json:"lastSeq"`
	Unread      int64  `json:"unread"`
	Mentions    int64  `json:"mentions"`
}

type readyFrame struct {
	Type   string       `json:"type"`
	UserID string       `json:"userId"`
	Groups []readyGroup `json:"groups"`
	// Presence lists the users sharing a group with the user who are not
	// offline (issue 14), by user id; later changes come as presence
	// frames.
	Presence []presenceEntry `json:"presence"`
}

// errorBody is the {code, message} of error and message.rejected frames.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type errorFrame struct {
	Type  string    `json:"type"`
	Error errorBody `json:"error"`
}

type rejectedFrame struct {
	Type        string          `json:"type"`
	GroupID     string          `json:"groupId"`
	ClientMsgID string          `json:"clientMsgId"`
	Error       json.RawMessage `json:"error"`
}

var pongFrame = wireFrame(gws.OpText, []byte(`{"type":"pong"}`))

func (c *conn) enqueueError(code, msg string) {
	if b, err := encodeFrame(errorFrame{Type: "error", Error: errorBody{Code: code, Message: msg}}); err == nil {
		c.enqueue(b)
	}
}

func (c *conn) reject(groupID, clientMsgID, code, msg string) {
	e, _ := json.Marshal(errorBody{Code: code, Message: msg})
	if b, err := encodeFrame(rejectedFrame{Type: "message.rejected", GroupID: groupID, ClientMsgID: clientMsgID, Error: e}); err == nil {
		c.enqueue(b)
	}
}

// handleFrame serves one client frame after auth.
func (c *conn) handleFrame(ctx context.Context, data []byte, userID string) {
	var f inFrame
	if err := json.Unmarshal(data, &f); err != nil {
		c.enqueueError("invalid", "frame is not a JSON object of the protocol")
		return
	}
	switch f.Type {
	case "ping":
		c.enqueue(pongFrame)
	case "message.send":
		c.send(ctx, f, userID)
	case "auth":
		c.reauth(ctx, f.Token, userID)
	case "read":
		c.read(ctx, f, userID)
	case "typing":
		c.typing(ctx, f, userID)
	case "presence":
		c.setPresence(f)
	default:
		c.enqueueError("invalid", "unknown frame type")
	}
}

// setPresence records a presence frame {status: online|away}: what the
// client says of its user (away: tab hidden or idle). It is announced at
// the next tick, coalesced with the connection's other changes, so a
// client flipping faster than a tick costs a map write per frame and
// announces only its last status. Nothing is answered on success.
func (c *conn) setPresence(f inFrame) {
	switch f.Status {
	case StatusOnline, StatusAway:
		c.srv.presence.setAway(c, f.Status == StatusAway)
	default:
		c.enqueueError("invalid", "status must be online or away")
	}
}

// reauth extends the session with a fresh token of the same user. A bad
// token, or another user's, closes the connection with 4001; when the token
// cannot be checked for now the session keeps its current expiry and the
// client gets an error frame with code unavailable.
func (c *conn) reauth(ctx context.Context, token, userID string) {
	claims, err := c.verify(ctx, token)
	switch {
	case err != nil && errs.KindOf(err) != errs.Unauthenticated:
		c.srv.log.Warn("ws: verify token", "err", err)
		c.enqueueError("unavailable", "token could not be checked, try again")
	case err != nil:
		c.close(CloseUnauthenticated, "unauthenticated")
	case claims.UserID != userID:
		c.close(CloseUnauthenticated, "token is for another user")
	default:
		c.expiry.Reset(time.Until(claims.ExpiresAt))
	}
}

// send checks a message.send frame and publishes message.submitted.
func (c *conn) send(ctx context.Context, f inFrame, userID string) {
	if msg := validateSend(f); msg != "" {
		c.reject(f.GroupID, f.ClientMsgID, "invalid", msg)
		return
	}
	// The group id in canonical form (package ids), as the hub and every
	// other role know it; another spelling of a real id is that id, and
	// what is not an id names no group.
	groupID, ok := ids.Canonical(f.GroupID)
	if !ok || !c.srv.hub.isMember(c, groupID) {
		c.reject(f.GroupID, f.ClientMsgID, "not_found", "group not found")
		return
	}
	// validateSend checked them: ids in canonical form, as for groupId.
	replyTo, mentions, _ := messagerule.CanonicalRefs(f.ReplyToID, f.Mentions)
	atts := f.Attachments
	if atts == nil {
		atts = []AttachmentRef{}
	}
	e, err := event.New(EventSubmitted, groupID, Submitted{
		GroupID: groupID, AuthorID: userID, ClientMsgID: f.ClientMsgID, Text: f.Text, Attachments: atts,
		ReplyToID: replyTo, Mentions: mentions,
	})
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, c.srv.lim.CallTimeout)
		err = c.srv.bus.Publish(pctx, TopicSubmitted, e)
		cancel()
	}
	if err != nil {
		c.srv.log.Warn("ws: publish message.submitted", "group", groupID, "user", userID, "err", err)
		c.reject(f.GroupID, f.ClientMsgID, "unavailable", "message could not be sent, try again")
	}
}

// validateSend returns why f is not a well-formed message.send, or "":
// the message role's own rule (messagerule), so that ws never publishes
// what the message role would refuse for its shape.
func validateSend(f inFrame) string {
	if f.GroupID == "" {
		return "groupId is required"
	}
	keys := make([]string, len(f.Attachments))
	for i, a := range f.Attachments {
		keys[i] = a.Key
	}
	if p := messagerule.Check(f.ClientMsgID, f.Text, keys); p != nil {
		return p.Field + " " + p.Why
	}
	if _, _, p := messagerule.CanonicalRefs(f.ReplyToID, f.Mentions); p != nil {
		return p.Field + " " + p.Why
	}
	return ""
}
