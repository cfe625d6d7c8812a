package group

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/sqlstore"
)

// MigrationSource is the name the role's schema is recorded under in
// schema_migrations.
const MigrationSource = "group"

//go:embed migrations
var migrationFiles embed.FS

// Migrations returns the role's schema files (sqlite/ and mysql/
// folders), for tools that apply migrations themselves.
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
		return fmt.Errorf("group: %w", err)
	}
	if err := outbox.Migrate(ctx, db); err != nil {
		return fmt.Errorf("group: %w", err)
	}
	return nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// store holds the role's SQL, the same on both dialects but for row locks.
type store struct {
	lock string // appended to a SELECT that locks the row it reads
}

func newStore(d sqlstore.Dialect) *store {
	s := &store{}
	if d == sqlstore.MySQL {
		s.lock = " FOR UPDATE" // SQLite transactions hold the write lock already
	}
	return s
}

// groupRow is one row of chat_groups.
type groupRow struct {
	ID             string
	Kind           Kind
	Name           string
	CreatorID      string
	PictureVersion sql.NullInt64
	PictureKey     sql.NullString
	CreatedAt      time.Time
	MemberCount    int
}

func (g groupRow) group() Group {
	var pic *string
	if g.PictureVersion.Valid && g.PictureKey.Valid {
		u := PictureURL(g.ID, g.PictureKey.String)
		pic = &u
	}
	return Group{ID: g.ID, Kind: g.Kind, Name: g.Name, PictureURL: pic, CreatedAt: g.CreatedAt.UTC(), CreatorID: g.CreatorID, MemberCount: g.MemberCount}
}

const groupCols = `g.id, g.kind, g.name, g.creator_id, g.picture_version, g.picture_key, g.created_at,
	(SELECT COUNT(*) FROM group_members c WHERE c.group_id = g.id)`

func scanGroup(sc interface{ Scan(...any) error }) (groupRow, error) {
	var g groupRow
	err := sc.Scan(&g.ID, &g.Kind, &g.Name, &g.CreatorID, &g.PictureVersion, &g.PictureKey, &g.CreatedAt, &g.MemberCount)
	return g, err
}

// group reads a group, locking its row when lock is set (inside a
// transaction that changes the group: it serializes changes per group).
// A missing group is errs.NotFound.
func (s *store) group(ctx context.Context, q querier, id string, lock bool) (groupRow, error) {
	query := "SELECT " + groupCols + " FROM chat_groups g WHERE g.id = ?"
	if lock {
		query += s.lock
	}
	g, err := scanGroup(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return groupRow{}, errNoGroup()
	}
	if err != nil {
		return groupRow{}, fmt.Errorf("read group %s: %w", id, err)
	}
	return g, nil
}

func errNoGroup() error { return errs.E(errs.NotFound, "no such group") }

func (s *store) insertGroup(ctx context.Context, q querier, id, name, creatorID string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO chat_groups (id, kind, name, creator_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, string(KindGroup), name, creatorID, now, now)
	if err != nil {
		return fmt.Errorf("insert group: %w", err)
	}
	return nil
}

// insertDirect inserts the direct conversation of the pair whose
// directKey is key. errDirectExists when the pair has one already (the
// unique key on direct_key, which settles concurrent starts).
func (s *store) insertDirect(ctx context.Context, q querier, id, key, creatorID string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO chat_groups (id, kind, name, creator_id, direct_key, created_at, updated_at) VALUES (?, ?, '', ?, ?, ?, ?)`,
		id, string(KindDirect), creatorID, key, now, now)
	if sqlstore.IsDuplicate(err) {
		return errDirectExists
	}
	if err != nil {
		return fmt.Errorf("insert direct conversation: %w", err)
	}
	return nil
}

// errDirectExists is insertDirect losing a race to another start of the
// same pair's conversation.
var errDirectExists = errors.New("the direct conversation of this pair exists already")

// directID returns the id of the direct conversation whose directKey is
// key; errs.NotFound when the pair has none.
func (s *store) directID(ctx context.Context, q querier, key string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM chat_groups WHERE direct_key = ?`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNoGroup()
	}
	if err != nil {
		return "", fmt.Errorf("find direct conversation: %w", err)
	}
	return id, nil
}

func (s *store) exec(ctx context.Context, q querier, what, query string, args ...any) error {
	if _, err := q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (s *store) rename(ctx context.Context, q querier, id, name string, now time.Time) error {
	return s.exec(ctx, q, "rename group", `UPDATE chat_groups SET name = ?, updated_at = ? WHERE id = ?`, name, now, id)
}

func (s *store) setCreator(ctx context.Context, q querier, id, creatorID string, now time.Time) error {
	return s.exec(ctx, q, "set creator", `UPDATE chat_groups SET creator_id = ?, updated_at = ? WHERE id = ?`, creatorID, now, id)
}

// nextPictureVersion hands out the group's next picture version.
func (s *store) nextPictureVersion(ctx context.Context, q querier, id string) (int64, error) {
	if err := s.exec(ctx, q, "next picture version", `UPDATE chat_groups SET picture_seq = picture_seq + 1 WHERE id = ?`, id); err != nil {
		return 0, err
	}
	var v int64
	if err := q.QueryRowContext(ctx, `SELECT picture_seq FROM chat_groups WHERE id = ?`, id).Scan(&v); err != nil {
		return 0, fmt.Errorf("next picture version: %w", err)
	}
	return v, nil
}

// setPicture points the group at picture version v stored under key;
// v = 0 removes the picture.
func (s *store) setPicture(ctx context.Context, q querier, id string, v int64, key string, now time.Time) error {
	ver, k := sql.NullInt64{Int64: v, Valid: v > 0}, sql.NullString{String: key, Valid: v > 0}
	return s.exec(ctx, q, "set group picture", `UPDATE chat_groups SET picture_version = ?, picture_key = ?, updated_at = ? WHERE id = ?`, ver, k, now, id)
}

// deleteGroup removes a group with its members and invites.
func (s *store) deleteGroup(ctx context.Context, q querier, id string) error {
	for _, stmt := range []string{
		`DELETE FROM group_invites WHERE group_id = ?`,
		`DELETE FROM group_members WHERE group_id = ?`,
		`DELETE FROM chat_groups WHERE id = ?`,
	} {
		if err := s.exec(ctx, q, "delete group", stmt, id); err != nil {
			return err
		}
	}
	return nil
}

// groupsOf returns the groups userID belongs to, oldest first.
func (s *store) groupsOf(ctx context.Context, q querier, userID string) ([]groupRow, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+groupCols+` FROM chat_groups g
		JOIN group_members m ON m.group_id = g.id WHERE m.user_id = ? ORDER BY g.created_at, g.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	defer rows.Close()
	var out []groupRow
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("list groups: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

const memberCols = `m.group_id, m.user_id, COALESCE(u.username, ''), COALESCE(u.display_name, ''), u.picture_url, m.role,
	m.add_members, m.remove_members, m.delete_messages, m.mute_members, m.joined_at`

// memberRow is a member with the group it belongs to.
type memberRow struct {
	GroupID string
	Member
}

func (m memberRow) membership() Membership {
	return Membership{GroupID: m.GroupID, UserID: m.UserID, Role: m.Role, Rights: m.Rights, Username: m.Username}
}

func scanMember(sc interface{ Scan(...any) error }) (memberRow, error) {
	var m memberRow
	var pic sql.NullString
	err := sc.Scan(&m.GroupID, &m.UserID, &m.Username, &m.DisplayName, &pic, &m.Role,
		&m.Rights.AddMembers, &m.Rights.RemoveMembers, &m.Rights.DeleteMessages, &m.Rights.MuteMembers, &m.JoinedAt)
	if pic.Valid {
		m.PictureURL = &pic.String
	}
	m.JoinedAt = m.JoinedAt.UTC()
	return m, err
}

// member reads one membership; errs.NotFound when userID is not a member.
func (s *store) member(ctx context.Context, q querier, groupID, userID string) (memberRow, error) {
	m, err := scanMember(q.QueryRowContext(ctx, "SELECT "+memberCols+` FROM group_members m
		LEFT JOIN group_users u ON u.id = m.user_id WHERE m.group_id = ? AND m.user_id = ?`, groupID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return memberRow{}, errs.E(errs.NotFound, "no such member")
	}
	if err != nil {
		return memberRow{}, fmt.Errorf("read member: %w", err)
	}
	return m, nil
}

// members lists members: of a group (by = "m.group_id") or of a user (by
// = "m.user_id"), in the order they joined.
func (s *store) members(ctx context.Context, q querier, by, id string) ([]memberRow, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+memberCols+` FROM group_members m
		LEFT JOIN group_users u ON u.id = m.user_id WHERE `+by+` = ? ORDER BY m.joined_at, m.user_id`, id)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	var out []memberRow
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("list members: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// insertMember adds userID to a group; errs.Conflict if already there.
func (s *store) insertMember(ctx context.Context, q querier, groupID, userID string, role Role, r Rights, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO group_members
		(group_id, user_id, role, add_members, remove_members, delete_messages, mute_members, joined_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, groupID, userID, string(role), r.AddMembers, r.RemoveMembers, r.DeleteMessages, r.MuteMembers, now)
	if sqlstore.IsDuplicate(err) {
		return errs.E(errs.Conflict, "already a member of this group")
	}
	if err != nil {
		return fmt.Errorf("insert member: %w", err)
	}
	return nil
}

func (s *store) updateMember(ctx context.Context, q querier, groupID, userID string, role Role, r Rights) error {
	return s.exec(ctx, q, "update member", `UPDATE group_members SET role = ?, add_members = ?, remove_members = ?,
		delete_messages = ?, mute_members = ? WHERE group_id = ? AND user_id = ?`,
		string(role), r.AddMembers, r.RemoveMembers, r.DeleteMessages, r.MuteMembers, groupID, userID)
}

func (s *store) deleteMember(ctx context.Context, q querier, groupID, userID string) error {
	return s.exec(ctx, q, "delete member", `DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID)
}

// user reads one user of the projection; errs.NotFound when unknown.
func (s *store) user(ctx context.Context, q querier, id string) (User, error) {
	var u User
	var pic sql.NullString
	err := q.QueryRowContext(ctx, `SELECT id, username, COALESCE(display_name, ''), picture_url FROM group_users WHERE id = ?`, id).
		Scan(&u.ID, &u.Username, &u.DisplayName, &pic)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.E(errs.NotFound, "no such user")
	}
	if err != nil {
		return User{}, fmt.Errorf("read user: %w", err)
	}
	if pic.Valid {
		u.PictureURL = &pic.String
	}
	return u, nil
}

// placeholders returns "?, ?, …" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
