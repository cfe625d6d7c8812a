package message

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

// MigrationSource is the name the role's schema is recorded under in
// schema_migrations.
const MigrationSource = "message"

//go:embed migrations
var migrationFiles embed.FS

// Migrations returns the role's schema files (sqlite/ and mysql/ folders).
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded tree always has this folder
	}
	return sub
}

// Migrate creates or upgrades the role's tables and its outbox in db.
func Migrate(ctx context.Context, db *sqlstore.DB) error {
	if err := sqlstore.Migrate(ctx, db, MigrationSource, Migrations()); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	if err := outbox.Migrate(ctx, db); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	return nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// store holds the role's SQL: the same on both dialects but for row locks
// and "insert unless present".
type store struct {
	lock         string // appended to a SELECT that locks what it reads
	insertIgnore string // INSERT that skips a row whose key exists
}

func newStore(d sqlstore.Dialect) *store {
	s := &store{insertIgnore: "INSERT OR IGNORE"}
	if d == sqlstore.MySQL {
		s.lock = " FOR UPDATE" // SQLite transactions hold the write lock already
		s.insertIgnore = "INSERT IGNORE"
	}
	return s
}

func errNoGroup() error { return errs.E(errs.NotFound, msgNoGroup) }

const msgNoGroup = "no such group"

// isNoGroup reports whether err says the caller is no member (or the
// group does not exist), as errNoGroup does.
func isNoGroup(err error) bool {
	e := errs.As(err)
	return e != nil && e.Kind == errs.NotFound && e.Message == msgNoGroup
}

func errNoMessage() error { return errs.E(errs.NotFound, "no such message") }

// member returns userID's membership of groupID from the projection; a
// non-member (or an unknown group) is errs.NotFound, so that a group the
// caller may not see looks like no group at all.
func (s *store) member(ctx context.Context, q querier, groupID, userID string) (rights.Membership, error) {
	m := rights.Membership{GroupID: groupID, UserID: userID}
	var role string
	err := q.QueryRowContext(ctx, `SELECT role, add_members, remove_members, delete_messages, mute_members
		FROM message_members WHERE group_id = ? AND user_id = ?`, groupID, userID).
		Scan(&role, &m.Rights.AddMembers, &m.Rights.RemoveMembers, &m.Rights.DeleteMessages, &m.Rights.MuteMembers)
	if errors.Is(err, sql.ErrNoRows) {
		return m, errNoGroup()
	}
	if err != nil {
		return m, fmt.Errorf("read membership: %w", err)
	}
	m.Role = rights.Role(role)
	return m, nil
}

// row is one row of messages.
type row struct {
	ID, GroupID, AuthorID, Text, Attachments string
	Seq                                      int64
	CreatedAt                                time.Time
	ClientMsgID                              sql.NullString
	DeletedAt                                sql.NullTime
	HiddenBy                                 sql.NullString // set when the reader hid it
}

const msgCols = `m.id, m.group_id, m.seq, m.author_id, m.text, m.attachments, m.created_at, m.client_msg_id, m.deleted_at`

func scanRow(sc interface{ Scan(...any) error }, withHidden bool) (row, error) {
	var r row
	dest := []any{&r.ID, &r.GroupID, &r.Seq, &r.AuthorID, &r.Text, &r.Attachments, &r.CreatedAt, &r.ClientMsgID, &r.DeletedAt}
	if withHidden {
		dest = append(dest, &r.HiddenBy)
	}
	return r, sc.Scan(dest...)
}

// message returns the API view of r for its reader.
func (r row) message() (Message, error) {
	if r.HiddenBy.Valid {
		return Message{ID: r.ID, Seq: r.Seq, Hidden: true}, nil
	}
	m := Message{
		ID: r.ID, GroupID: r.GroupID, Seq: r.Seq, AuthorID: r.AuthorID, Text: r.Text,
		Attachments: []Attachment{}, CreatedAt: r.CreatedAt.UTC(), Deleted: r.DeletedAt.Valid,
	}
	if r.ClientMsgID.Valid {
		id := r.ClientMsgID.String
		m.ClientMsgID = &id
	}
	if m.Deleted {
		m.Text = ""
		return m, nil
	}
	if err := json.Unmarshal([]byte(r.Attachments), &m.Attachments); err != nil {
		return Message{}, fmt.Errorf("decode attachments of message %s: %w", r.ID, err)
	}
	return m, nil
}

// byClientID finds the message an author already sent with clientMsgID.
func (s *store) byClientID(ctx context.Context, q querier, groupID, authorID, clientMsgID string) (row, bool, error) {
	r, err := scanRow(q.QueryRowContext(ctx, "SELECT "+msgCols+` FROM messages m
		WHERE m.group_id = ? AND m.author_id = ? AND m.client_msg_id = ?`, groupID, authorID, clientMsgID), false)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, false, nil
	}
	if err != nil {
		return row{}, false, fmt.Errorf("find message by client id: %w", err)
	}
	return r, true, nil
}

// byID reads a message of groupID, locking it when lock is set.
func (s *store) byID(ctx context.Context, q querier, groupID, id string, lock bool) (row, error) {
	query := "SELECT " + msgCols + " FROM messages m WHERE m.group_id = ? AND m.id = ?"
	if lock {
		query += s.lock
	}
	r, err := scanRow(q.QueryRowContext(ctx, query, groupID, id), false)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, errNoMessage()
	}
	if err != nil {
		return row{}, fmt.Errorf("read message: %w", err)
	}
	return r, nil
}

// lockSeq locks groupID's sequence row (creating it at 0) and returns the
// last seq handed out. Everything that follows in the transaction is
// serialized per group.
func (s *store) lockSeq(ctx context.Context, tx *sql.Tx, groupID string) (int64, error) {
	// Lock an existing row first: on MySQL an INSERT IGNORE that meets the
	// row takes a shared lock, and two posts upgrading theirs would
	// deadlock. Only a group's first post creates the row.
	for range 2 {
		var last int64
		err := tx.QueryRowContext(ctx, "SELECT last_seq FROM message_sequences WHERE group_id = ?"+s.lock, groupID).Scan(&last)
		if err == nil {
			return last, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("lock sequence: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.insertIgnore+" INTO message_sequences (group_id, last_seq) VALUES (?, 0)", groupID); err != nil {
			return 0, fmt.Errorf("create sequence: %w", err)
		}
	}
	return 0, fmt.Errorf("lock sequence of %s: row vanished", groupID)
}

// addEvent writes one event of the messages topic to the outbox.
func addEvent(ctx context.Context, tx *sql.Tx, typ, groupID string, payload any) error {
	e, err := event.New(typ, groupID, payload)
	if err != nil {
		return fmt.Errorf("encode %s: %w", typ, err)
	}
	return outbox.Add(ctx, tx, Topic, e)
}
