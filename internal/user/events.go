package user

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/outbox"
)

// Outbox topics the role writes.
const (
	// Topic carries the role's events (ARCHITECTURE.md §4), keyed by user
	// id: EventRegistered, EventVerified and EventUpdated.
	Topic = "users"
	// MailTopic carries mail requests, keyed by user id, of type
	// EventMailRequested with an email.Request as payload. It holds codes
	// in clear: the node relays it to the email role, never to the bus.
	MailTopic = "mail"
)

// Event types.
const (
	EventRegistered    = "user.registered"
	EventVerified      = "user.verified"
	EventUpdated       = "user.updated"
	EventMailRequested = "mail.requested"
)

// Registered is the payload of user.registered.
type Registered struct {
	UserID   string `json:"userId"`
	Username string `json:"username"`
}

// Changed is the payload of user.verified and user.updated: the user as
// others show it. PictureURL is null when the user has no picture;
// DisplayName is omitted when the user has none (consumers clear theirs
// then: every Changed carries the whole public view).
type Changed struct {
	UserID      string  `json:"userId"`
	Username    string  `json:"username"`
	DisplayName string  `json:"displayName,omitempty"`
	PictureURL  *string `json:"pictureUrl"`
}

// addEvent writes one event about a to the users topic in tx. Call it after
// the statements that changed a's row.
func addEvent(ctx context.Context, tx *sql.Tx, typ string, a account) error {
	var payload any = Changed{UserID: a.ID, Username: a.Username, DisplayName: a.DisplayName.String, PictureURL: a.pictureURL()}
	if typ == EventRegistered {
		payload = Registered{UserID: a.ID, Username: a.Username}
	}
	e, err := event.New(typ, a.ID, payload)
	if err != nil {
		return fmt.Errorf("encode %s: %w", typ, err)
	}
	return outbox.Add(ctx, tx, Topic, e)
}

// addMail queues a mail to a in tx; the mail relay delivers it after the
// commit, retrying until the email role accepts it.
func addMail(ctx context.Context, tx *sql.Tx, kind email.Kind, a account, code string) error {
	raw, err := json.Marshal(email.Request{Kind: kind, To: a.Email, Username: a.Username, Code: code})
	if err != nil {
		return fmt.Errorf("encode mail request: %w", err)
	}
	e := event.Event{ID: uuid.Must(uuid.NewV7()).String(), Type: EventMailRequested, Key: a.ID, Payload: raw}
	return outbox.Add(ctx, tx, MailTopic, e)
}
