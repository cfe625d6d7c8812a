package outbox

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/sqlstore"
)

// Source is the migration source name of the outbox tables.
const Source = "outbox"

// Column limits, the same on both dialects.
const (
	maxIDLen    = 64
	maxTextLen  = 255
	insertChunk = 100 // rows per INSERT statement
)

//go:embed migrations
var migrations embed.FS

// Migrate creates or upgrades the outbox tables (outbox and outbox_lease)
// in db, the database of the role that uses the outbox. It shares
// schema_migrations with the role's own source.
func Migrate(ctx context.Context, db *sqlstore.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("outbox: migrate: %w", err)
	}
	return sqlstore.Migrate(ctx, db, Source, sub)
}

// Add writes events to the outbox in the caller's transaction tx, to be
// published on topic, in the order given, once tx commits (and never if it
// rolls back). Call it after the statements that change (and so lock) the
// aggregate the events describe: then events of the same key are queued in
// commit order on both dialects. Call the relay's Notify after the commit
// for low latency.
//
// Each event needs an ID (at most 64 bytes; event.New makes one) that is
// not already waiting in the outbox, a Type, and a Payload that is empty
// or valid JSON. A zero OccurredAt becomes the current time; times are
// stored, and later published, in UTC truncated to the microsecond.
func Add(ctx context.Context, tx *sql.Tx, topic string, events ...event.Event) error {
	if topic == "" || len(topic) > maxTextLen {
		return fmt.Errorf("outbox: add: topic %q must be 1 to %d bytes", topic, maxTextLen)
	}
	for _, e := range events {
		if err := check(e); err != nil {
			return fmt.Errorf("outbox: add to %s: %w", topic, err)
		}
	}
	now := sqlstore.Now()
	for start := 0; start < len(events); start += insertChunk {
		chunk := events[start:min(start+insertChunk, len(events))]
		var q strings.Builder
		q.WriteString("INSERT INTO outbox (event_id, topic, event_key, type, payload, occurred_at, created_at) VALUES ")
		args := make([]any, 0, 7*len(chunk))
		for i, e := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			occurred := now
			if !e.OccurredAt.IsZero() {
				occurred = sqlstore.Time(e.OccurredAt)
			}
			payload := []byte(e.Payload)
			if payload == nil {
				payload = []byte{} // NOT NULL; read back as no payload
			}
			args = append(args, e.ID, topic, e.Key, e.Type, payload, occurred, now)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			if sqlstore.IsDuplicate(err) {
				return fmt.Errorf("outbox: add to %s: an event id is already in the outbox: %w", topic, err)
			}
			return fmt.Errorf("outbox: add to %s: %w", topic, err)
		}
	}
	return nil
}

// check rejects an event the relay could never publish.
func check(e event.Event) error {
	switch {
	case e.ID == "" || len(e.ID) > maxIDLen:
		return fmt.Errorf("event id %q must be 1 to %d bytes", e.ID, maxIDLen)
	case e.Type == "" || len(e.Type) > maxTextLen:
		return fmt.Errorf("event %s: type %q must be 1 to %d bytes", e.ID, e.Type, maxTextLen)
	case len(e.Key) > maxTextLen:
		return fmt.Errorf("event %s: key is longer than %d bytes", e.ID, maxTextLen)
	case len(e.Payload) > 0 && !json.Valid(e.Payload):
		return fmt.Errorf("event %s: %w", e.ID, errors.New("payload is not valid JSON"))
	}
	return nil
}
