package message

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/ids"
	"github.com/parleychat/parley/internal/message/messagerule"
	"github.com/parleychat/parley/internal/sqlstore"
)

// Topics and event types (issue 5 contracts).
const (
	// TopicSubmitted carries message.submitted (key groupId), published by
	// ws and consumed by this role with consumer group ConsumerGroup.
	TopicSubmitted = "messages.submitted"
	// Topic carries what this role emits through its outbox (key groupId).
	Topic = "messages"
	// ConsumerGroup is the consumer group the role subscribes with, to
	// TopicSubmitted and to the groups topic.
	ConsumerGroup = "message"

	EventSubmitted = "message.submitted" // Submitted
	EventCreated   = "message.created"   // Created
	EventDeleted   = "message.deleted"   // Deleted
	EventRejected  = "message.rejected"  // Rejected
	EventHidden    = "message.hidden"    // Hidden
	EventUpdated   = "message.updated"   // Updated

	EventReactionAdded   = "reaction.added"   // ReactionChanged
	EventReactionRemoved = "reaction.removed" // ReactionChanged
)

// Limits (API.md "Conventions", issue 5 contracts).
const (
	MaxTextLen        = messagerule.MaxTextLen // characters (runes)
	MaxAttachments    = messagerule.MaxAttachments
	MaxClientMsgIDLen = messagerule.MaxClientMsgIDLen // characters
	MaxMentions       = messagerule.MaxMentions
	// MaxReactionEmoji is how many different emoji one message may carry.
	MaxReactionEmoji = 20
	// ExcerptLen is how many characters of the original a reply quotes.
	ExcerptLen = 100
	// DefaultMaxUploadBytes is the default per-file upload limit (25 MiB).
	DefaultMaxUploadBytes int64 = 25 << 20
	// DefaultUserUploadQuota and DefaultGroupUploadQuota are the default
	// storage quotas (Config).
	DefaultUserUploadQuota  int64 = 1 << 30
	DefaultGroupUploadQuota int64 = 10 << 30
	// MaxFilesPerUpload is how many files one uploads request may declare.
	MaxFilesPerUpload = 10
	// MaxURLKeys is how many keys one attachments/urls request may ask for.
	MaxURLKeys = 100
	// DefaultLimit and MaxLimit bound a history page.
	DefaultLimit = 50
	MaxLimit     = 100
	// URLTTL is how long a pre-signed upload or download URL lives.
	URLTTL = 15 * time.Minute
)

// AttachmentRef names an uploaded file in a submission.
type AttachmentRef struct {
	Key string `json:"key"`
}

// Submitted is the payload of message.submitted and the input of Post.
// AuthorID always comes from an authenticated identity (the ws connection,
// the REST caller), never from a client's body.
type Submitted struct {
	GroupID     string          `json:"groupId"`
	AuthorID    string          `json:"authorId"`
	ClientMsgID string          `json:"clientMsgId"`
	Text        string          `json:"text"`
	Attachments []AttachmentRef `json:"attachments"`
	// ReplyToID names the message this one answers (optional).
	ReplyToID string `json:"replyToId,omitempty"`
	// Mentions are user ids; those of non-members are dropped.
	Mentions []string `json:"mentions,omitempty"`
}

// Attachment is a file of a message as the API shows it; name, size and
// type come from the server's own upload record.
type Attachment struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
}

// Message is the API Message. A deleted message has empty Text and
// Attachments and no EditedAt, ReplyTo, Reactions or Mentions; a message
// hidden by the reader is shown with ID, Seq and Hidden only.
type Message struct {
	ID          string       `json:"id"`
	GroupID     string       `json:"groupId"`
	Seq         int64        `json:"seq"`
	AuthorID    string       `json:"authorId"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments"`
	CreatedAt   time.Time    `json:"createdAt"`
	ClientMsgID *string      `json:"clientMsgId"`
	Deleted     bool         `json:"deleted"`
	Hidden      bool         `json:"hidden"`
	// EditedAt is the time of the latest edit (nil: never edited).
	EditedAt *time.Time `json:"editedAt,omitempty"`
	// ReplyTo is the message this one answers, as it is now.
	ReplyTo *ReplyTo `json:"replyTo,omitempty"`
	// Reactions has one entry per emoji, by its first reaction.
	Reactions []Reaction `json:"reactions,omitempty"`
	// Mentions are the mentioned members, in first-mention order.
	Mentions []string `json:"mentions,omitempty"`
}

// ReplyTo is the quote of the message a reply answers, resolved when read:
// Excerpt is the original's current text cut to ExcerptLen characters
// ("…" appended when cut); a deleted original has Deleted and no excerpt.
type ReplyTo struct {
	ID       string `json:"id"`
	Seq      int64  `json:"seq"`
	AuthorID string `json:"authorId"`
	Excerpt  string `json:"excerpt"`
	Deleted  bool   `json:"deleted"`
}

// Reaction is one emoji on a message: UserIDs in the order they reacted,
// Count = len(UserIDs).
type Reaction struct {
	Emoji   string   `json:"emoji"`
	Count   int      `json:"count"`
	UserIDs []string `json:"userIds"`
}

// MarshalJSON writes a hidden message as {id, seq, hidden: true} only, so
// nothing of what the reader hid leaves the server.
func (m Message) MarshalJSON() ([]byte, error) {
	if m.Hidden {
		return json.Marshal(struct {
			ID     string `json:"id"`
			Seq    int64  `json:"seq"`
			Hidden bool   `json:"hidden"`
		}{m.ID, m.Seq, true})
	}
	type plain Message // without this method
	p := plain(m)
	if p.Attachments == nil {
		p.Attachments = []Attachment{}
	}
	return json.Marshal(p)
}

// Created is the payload of message.created.
type Created struct {
	Message Message `json:"message"`
}

// Updated is the payload of message.updated: the message after an edit.
type Updated struct {
	Message Message `json:"message"`
}

// ReactionChanged is the payload of reaction.added and reaction.removed.
type ReactionChanged struct {
	GroupID   string `json:"groupId"`
	MessageID string `json:"messageId"`
	Seq       int64  `json:"seq"`
	Emoji     string `json:"emoji"`
	UserID    string `json:"userId"`
}

// Deleted is the payload of message.deleted.
type Deleted struct {
	GroupID   string `json:"groupId"`
	MessageID string `json:"messageId"`
	Seq       int64  `json:"seq"`
}

// ErrorBody is the error of a rejection, as API.md shows errors.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Rejected is the payload of message.rejected, for the sender's sessions.
type Rejected struct {
	GroupID     string    `json:"groupId"`
	UserID      string    `json:"userId"`
	ClientMsgID string    `json:"clientMsgId"`
	Error       ErrorBody `json:"error"`
}

// Hidden is the payload of message.hidden, for that user's sessions.
type Hidden struct {
	GroupID   string `json:"groupId"`
	MessageID string `json:"messageId"`
	UserID    string `json:"userId"`
}

// Sequences tells the newest seq of groups and the read state of a user,
// and moves read cursors: what the ws role asks of this role. Both
// *Service and *Client implement it.
type Sequences interface {
	// LastSeqs maps every id asked for to its group's last seq (0 when the
	// group has no message).
	LastSeqs(ctx context.Context, groupIDs []string) (map[string]int64, error)
	// ReadStates returns userID's read state of each group asked for, in
	// that order (see Service.ReadStates).
	ReadStates(ctx context.Context, userID string, groupIDs []string) ([]ReadState, error)
	// MarkRead moves userID's read cursor in groupID forward to seq (see
	// Service.MarkRead).
	MarkRead(ctx context.Context, groupID, userID string, seq int64) (ReadState, error)
}

// Config holds what a Service needs.
type Config struct {
	DB   *sqlstore.DB
	Blob blob.Store
	// Notify wakes the outbox relay after a commit (optional).
	Notify func()
	Logger *slog.Logger
	// MaxUploadBytes is the per-file size limit (default 25 MiB).
	MaxUploadBytes int64
	// UserUploadQuota bounds the bytes one user may upload in 24 hours
	// (default 1 GiB); GroupUploadQuota the bytes one group may store
	// (default 10 GiB). Together they keep one user or one group from
	// filling the storage.
	UserUploadQuota, GroupUploadQuota int64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Members, when set, is asked for a membership the projection has not
	// seen yet (read-your-writes across roles; see withOwner). Nil leaves
	// such members unknown until their event arrives.
	Members Members
	// EditWindow is how long after sending its author may edit a message
	// (0: for ever).
	EditWindow time.Duration
}

// Service is the message role's domain logic. It is safe for concurrent
// use, also by several instances over one database.
type Service struct {
	db     *sqlstore.DB
	blob   blob.Store
	notify func()
	log    *slog.Logger
	max    int64
	now    func() time.Time
	store  *store
	// members is the group role, asked on a projection miss (may be nil).
	members Members
	// userQuota and groupQuota are Config's upload quotas.
	userQuota, groupQuota int64
	// editWindow is Config.EditWindow.
	editWindow time.Duration
	// seq queues submissions per group for group commit (Post).
	seq *sequencer
}

var _ Sequences = (*Service)(nil)

// NewService checks c and returns a Service. The database must be
// migrated (Migrate).
func NewService(c Config) (*Service, error) {
	if c.DB == nil || c.Blob == nil {
		return nil, errors.New("message: NewService: DB and Blob are required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Notify == nil {
		c.Notify = func() {}
	}
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if c.MaxUploadBytes > blob.MaxSize {
		c.MaxUploadBytes = blob.MaxSize
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.UserUploadQuota <= 0 {
		c.UserUploadQuota = DefaultUserUploadQuota
	}
	if c.GroupUploadQuota <= 0 {
		c.GroupUploadQuota = DefaultGroupUploadQuota
	}
	s := &Service{db: c.DB, blob: c.Blob, notify: c.Notify, log: c.Logger, max: c.MaxUploadBytes, now: c.Now, store: newStore(c.DB.Dialect), members: c.Members,
		userQuota: c.UserUploadQuota, groupQuota: c.GroupUploadQuota, editWindow: max(c.EditWindow, 0)}
	s.seq = newSequencer(s)
	return s, nil
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// validID reports whether s is an id in canonical form (package ids): ids
// from paths, frames and events are checked with it so that a malformed
// one, or another spelling of a real one, is a clean 404 or rejection and
// can never end up in a query, an event or a blob key.
func validID(s string) bool { return ids.Valid(s) }
