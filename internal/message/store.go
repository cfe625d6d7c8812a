package message

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
	// bySeq follows "FROM messages m" in a query that pages through a
	// group by seq. On MySQL it forces the (group_id, seq) index as a
	// range: MariaDB otherwise picks ref access on group_id for a page
	// deep in a big group and walks the group's rows backwards from its
	// newest, reading each row (5.7 s for the middle page of 1,000,000
	// messages, 10 ms as a range; BenchmarkHugeGroupHistory).
	bySeq string
}

func newStore(d sqlstore.Dialect) *store {
	s := &store{insertIgnore: "INSERT OR IGNORE"}
	if d == sqlstore.MySQL {
		s.lock = " FOR UPDATE" // SQLite transactions hold the write lock already
		s.insertIgnore = "INSERT IGNORE"
		s.bySeq = " FORCE INDEX (messages_group_seq)"
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

// row is one row of messages, with the message it replies to when the
// query joined it (replyJoin) or resolveReply read it.
type row struct {
	ID, GroupID, AuthorID, Text, Attachments string
	Seq                                      int64
	CreatedAt                                time.Time
	ClientMsgID                              sql.NullString
	DeletedAt                                sql.NullTime
	EditedAt                                 sql.NullTime
	ReplyToID                                sql.NullString
	Mentions                                 sql.NullString // JSON array of user ids
	Reply                                    replyRow
	HiddenBy                                 sql.NullString // set when the reader hid it
}

// replyRow is the message a row replies to (all null when none, or when
// it was not read).
type replyRow struct {
	ID, AuthorID, Text sql.NullString
	Seq                sql.NullInt64
	DeletedAt          sql.NullTime
}

const (
	msgCols = `m.id, m.group_id, m.seq, m.author_id, m.text, m.attachments, m.created_at, m.client_msg_id, m.deleted_at, m.edited_at, m.reply_to_id, m.mentions`
	// replyCols and replyJoin read the replied-to message in the same
	// query: one primary-key lookup per row, no round trip.
	replyCols = `rt.id, rt.seq, rt.author_id, rt.text, rt.deleted_at`
	replyJoin = ` LEFT JOIN messages rt ON rt.id = m.reply_to_id AND rt.group_id = m.group_id`
)

// scanRow scans msgCols, then replyCols when withReply, then the hidden
// mark when withHidden.
func scanRow(sc interface{ Scan(...any) error }, withReply, withHidden bool) (row, error) {
	var r row
	dest := []any{&r.ID, &r.GroupID, &r.Seq, &r.AuthorID, &r.Text, &r.Attachments, &r.CreatedAt, &r.ClientMsgID, &r.DeletedAt, &r.EditedAt, &r.ReplyToID, &r.Mentions}
	if withReply {
		dest = append(dest, &r.Reply.ID, &r.Reply.Seq, &r.Reply.AuthorID, &r.Reply.Text, &r.Reply.DeletedAt)
	}
	if withHidden {
		dest = append(dest, &r.HiddenBy)
	}
	return r, sc.Scan(dest...)
}

// message returns the API view of r for its reader, without reactions
// (see withReactions).
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
	if r.EditedAt.Valid {
		t := r.EditedAt.Time.UTC()
		m.EditedAt = &t
	}
	if r.Mentions.Valid && r.Mentions.String != "" {
		if err := json.Unmarshal([]byte(r.Mentions.String), &m.Mentions); err != nil {
			return Message{}, fmt.Errorf("decode mentions of message %s: %w", r.ID, err)
		}
		if len(m.Mentions) == 0 {
			m.Mentions = nil
		}
	}
	m.ReplyTo = r.replyTo()
	return m, nil
}

// replyTo is the quote of r.Reply, nil when r replies to nothing (or its
// original is gone).
func (r row) replyTo() *ReplyTo {
	q := r.Reply
	if !q.ID.Valid {
		return nil
	}
	out := &ReplyTo{ID: q.ID.String, Seq: q.Seq.Int64, AuthorID: q.AuthorID.String, Deleted: q.DeletedAt.Valid}
	if !q.DeletedAt.Valid {
		out.Excerpt = excerpt(q.Text.String)
	}
	return out
}

// excerpt is text cut to ExcerptLen characters, with "…" when cut.
func excerpt(text string) string {
	if utf8.RuneCountInString(text) <= ExcerptLen {
		return text
	}
	return string([]rune(text)[:ExcerptLen]) + "…"
}

// resolveReply reads the message r replies to into r.Reply (for a row
// read without replyJoin). A deleted r shows no reply and is left alone.
func (s *store) resolveReply(ctx context.Context, q querier, r *row) error {
	if !r.ReplyToID.Valid || r.DeletedAt.Valid {
		return nil
	}
	err := q.QueryRowContext(ctx, "SELECT id, seq, author_id, text, deleted_at FROM messages WHERE id = ? AND group_id = ?", r.ReplyToID.String, r.GroupID).
		Scan(&r.Reply.ID, &r.Reply.Seq, &r.Reply.AuthorID, &r.Reply.Text, &r.Reply.DeletedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read replied-to message: %w", err)
	}
	return nil
}

// withReactions fills in the reactions of the visible messages of ms
// with one query, ordered as Message.Reactions says.
func (s *store) withReactions(ctx context.Context, q querier, ms []Message) error {
	idx := make(map[string]int, len(ms))
	args := make([]any, 0, len(ms))
	for i, m := range ms {
		if m.Hidden || m.Deleted {
			continue
		}
		idx[m.ID] = i
		args = append(args, m.ID)
	}
	if len(args) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, "SELECT message_id, emoji, user_id FROM message_reactions WHERE message_id IN ("+placeholders(len(args))+") ORDER BY id", args...)
	if err != nil {
		return fmt.Errorf("read reactions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid, emoji, uid string
		if err := rows.Scan(&mid, &emoji, &uid); err != nil {
			return fmt.Errorf("read reactions: %w", err)
		}
		m := &ms[idx[mid]]
		j := slices.IndexFunc(m.Reactions, func(r Reaction) bool { return r.Emoji == emoji })
		if j < 0 {
			m.Reactions = append(m.Reactions, Reaction{Emoji: emoji})
			j = len(m.Reactions) - 1
		}
		m.Reactions[j].UserIDs = append(m.Reactions[j].UserIDs, uid)
		m.Reactions[j].Count++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read reactions: %w", err)
	}
	return nil
}

// view is the full API view of r: its reply resolved and its reactions
// read.
func (s *store) view(ctx context.Context, q querier, r row) (Message, error) {
	if err := s.resolveReply(ctx, q, &r); err != nil {
		return Message{}, err
	}
	m, err := r.message()
	if err != nil {
		return Message{}, err
	}
	ms := []Message{m}
	if err := s.withReactions(ctx, q, ms); err != nil {
		return Message{}, err
	}
	return ms[0], nil
}

// placeholders is "?, ?, …" n times.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// byClientID finds the message an author already sent with clientMsgID.
func (s *store) byClientID(ctx context.Context, q querier, groupID, authorID, clientMsgID string) (row, bool, error) {
	r, err := scanRow(q.QueryRowContext(ctx, "SELECT "+msgCols+", "+replyCols+" FROM messages m"+replyJoin+`
		WHERE m.group_id = ? AND m.author_id = ? AND m.client_msg_id = ?`, groupID, authorID, clientMsgID), true, false)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, false, nil
	}
	if err != nil {
		return row{}, false, fmt.Errorf("find message by client id: %w", err)
	}
	return r, true, nil
}

// byID reads a message of groupID, locking it when lock is set. The
// replied-to message is not read (resolveReply), so that a lock takes one
// row only.
func (s *store) byID(ctx context.Context, q querier, groupID, id string, lock bool) (row, error) {
	query := "SELECT " + msgCols + " FROM messages m WHERE m.group_id = ? AND m.id = ?"
	if lock {
		query += s.lock
	}
	r, err := scanRow(q.QueryRowContext(ctx, query, groupID, id), false, false)
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
