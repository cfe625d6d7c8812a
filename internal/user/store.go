package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/sqlstore"
)

// MigrationSource is the name the role's schema is recorded under in
// schema_migrations.
const MigrationSource = "user"

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
		return fmt.Errorf("user: %w", err)
	}
	if err := outbox.Migrate(ctx, db); err != nil {
		return fmt.Errorf("user: %w", err)
	}
	return nil
}

// Code purposes.
const (
	purposeVerification = "verification"
	purposeReset        = "reset"
)

// account is one row of users.
type account struct {
	ID             string
	Username       string
	Email          string
	PasswordHash   string
	EmailVerified  bool
	PictureVersion sql.NullInt64
	PictureKey     sql.NullString
	DisplayName    sql.NullString
	CreatedAt      time.Time
}

func (a account) pictureURL() *string {
	if !a.PictureVersion.Valid {
		return nil
	}
	u := PictureURL(a.ID, a.PictureVersion.Int64)
	return &u
}

func (a account) me() Me {
	return Me{ID: a.ID, Username: a.Username, DisplayName: a.DisplayName.String, Email: a.Email, EmailVerified: a.EmailVerified, CreatedAt: a.CreatedAt, PictureURL: a.pictureURL()}
}

func (a account) public() User {
	return User{ID: a.ID, Username: a.Username, DisplayName: a.DisplayName.String, PictureURL: a.pictureURL()}
}

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// store is the role's SQL: one query text for both dialects, except the
// row lock, which SQLite does not need (its transactions hold the write
// lock from the start).
type store struct {
	db        *sqlstore.DB
	forUpdate string
}

func newStore(db *sqlstore.DB) *store {
	s := &store{db: db}
	if db.Dialect == sqlstore.MySQL {
		s.forUpdate = " FOR UPDATE"
	}
	return s
}

const accountColumns = "id, username, email, password_hash, email_verified, picture_version, picture_key, display_name, created_at"

func scanAccount(row *sql.Row) (account, error) {
	var a account
	err := row.Scan(&a.ID, &a.Username, &a.Email, &a.PasswordHash, &a.EmailVerified, &a.PictureVersion, &a.PictureKey, &a.DisplayName, &a.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.E(errs.NotFound, "no such user")
	}
	if err != nil {
		return a, fmt.Errorf("read user: %w", err)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// byID reads an account; lock takes its row lock (inside a transaction).
func (s *store) byID(ctx context.Context, q queryer, id string, lock bool) (account, error) {
	query := "SELECT " + accountColumns + " FROM users WHERE id = ?"
	if lock {
		query += s.forUpdate
	}
	return scanAccount(q.QueryRowContext(ctx, query, id))
}

func (s *store) byEmail(ctx context.Context, q queryer, email string) (account, error) {
	return scanAccount(q.QueryRowContext(ctx, "SELECT "+accountColumns+" FROM users WHERE email = ?", email))
}

// insert adds a new account. A taken username or address is an
// errs.Conflict error naming the fields that clash.
func (s *store) insert(ctx context.Context, tx *sql.Tx, a account, now time.Time) error {
	_, err := tx.ExecContext(ctx,
		"INSERT INTO users (id, username, username_key, email, password_hash, email_verified, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.Username, usernameKey(a.Username), a.Email, a.PasswordHash, a.EmailVerified, now, now)
	if err != nil && sqlstore.IsDuplicate(err) {
		return s.conflict(ctx, a)
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// conflict finds which of a's unique values are taken. It reads outside
// the failed transaction: on MySQL a statement error does not roll the
// transaction back, but a fresh read sees the row that won.
func (s *store) conflict(ctx context.Context, a account) error {
	fields := map[string]string{}
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE username_key = ?", usernameKey(a.Username)).Scan(&n); err != nil {
		return fmt.Errorf("check username: %w", err)
	}
	if n > 0 {
		fields["username"] = "is already taken"
	}
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE email = ?", a.Email).Scan(&n); err != nil {
		return fmt.Errorf("check email: %w", err)
	}
	if n > 0 {
		fields["email"] = "is already registered"
	}
	if len(fields) == 0 {
		fields["username"] = "is already taken" // the clashing row is gone again; ask for another name
	}
	e := invalid(fields).(*errs.Error)
	e.Kind = errs.Conflict
	return e
}

func (s *store) setVerified(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	_, err := tx.ExecContext(ctx, "UPDATE users SET email_verified = ?, updated_at = ? WHERE id = ?", true, now, id)
	if err != nil {
		return fmt.Errorf("verify user %s: %w", id, err)
	}
	return nil
}

func (s *store) setPassword(ctx context.Context, q queryer, id, hash string, now time.Time) error {
	_, err := q.ExecContext(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", hash, now, id)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", id, err)
	}
	return nil
}

// replacePasswordHash swaps old for new only if old is still the stored
// hash, so an upgrade never overwrites a password changed meanwhile.
func (s *store) replacePasswordHash(ctx context.Context, id, old, new string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?", new, id, old)
	if err != nil {
		return fmt.Errorf("upgrade password hash of %s: %w", id, err)
	}
	return nil
}

// nextPictureVersion hands out a picture version never used before for
// the user.
func (s *store) nextPictureVersion(ctx context.Context, tx *sql.Tx, id string) (int64, error) {
	res, err := tx.ExecContext(ctx, "UPDATE users SET picture_seq = picture_seq + 1 WHERE id = ?", id)
	if err != nil {
		return 0, fmt.Errorf("reserve picture version: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return 0, errs.E(errs.NotFound, "no such user")
	}
	var v int64
	if err := tx.QueryRowContext(ctx, "SELECT picture_seq FROM users WHERE id = ?", id).Scan(&v); err != nil {
		return 0, fmt.Errorf("reserve picture version: %w", err)
	}
	return v, nil
}

// setPicture records the user's current picture; version 0 clears it.
func (s *store) setPicture(ctx context.Context, tx *sql.Tx, id string, version int64, key string, now time.Time) error {
	var v sql.NullInt64
	var k sql.NullString
	if version > 0 {
		v, k = sql.NullInt64{Int64: version, Valid: true}, sql.NullString{String: key, Valid: true}
	}
	_, err := tx.ExecContext(ctx, "UPDATE users SET picture_version = ?, picture_key = ?, updated_at = ? WHERE id = ?", v, k, now, id)
	if err != nil {
		return fmt.Errorf("set picture of %s: %w", id, err)
	}
	return nil
}

// setDisplayName records the user's display name; "" clears it.
func (s *store) setDisplayName(ctx context.Context, tx *sql.Tx, id, name string, now time.Time) error {
	v := sql.NullString{String: name, Valid: name != ""}
	_, err := tx.ExecContext(ctx, "UPDATE users SET display_name = ?, updated_at = ? WHERE id = ?", v, now, id)
	if err != nil {
		return fmt.Errorf("set display name of %s: %w", id, err)
	}
	return nil
}

// newCode returns a fresh code (43 URL-safe characters, 256 random bits)
// and the digest under which it is stored.
func newCode() (code, digest string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	code = base64.RawURLEncoding.EncodeToString(b)
	return code, codeDigest(code)
}

func codeDigest(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// issueCode stores a new code for the user and returns it. It first
// forgets the user's used and expired codes; with invalidate it also
// retires every still-valid code of the same purpose, so only the newest
// works.
func (s *store) issueCode(ctx context.Context, tx *sql.Tx, userID, purpose string, ttl time.Duration, invalidate bool, now time.Time) (string, error) {
	if _, err := tx.ExecContext(ctx,
		"DELETE FROM user_codes WHERE user_id = ? AND (used_at IS NOT NULL OR expires_at <= ?)", userID, now); err != nil {
		return "", fmt.Errorf("prune codes: %w", err)
	}
	if invalidate {
		if err := s.retireCodes(ctx, tx, userID, purpose, now); err != nil {
			return "", err
		}
	}
	code, digest := newCode()
	if _, err := tx.ExecContext(ctx,
		"INSERT INTO user_codes (code_hash, purpose, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		digest, purpose, userID, now, now.Add(ttl)); err != nil {
		return "", fmt.Errorf("store %s code: %w", purpose, err)
	}
	return code, nil
}

// useCode marks a valid code of the purpose used and returns its user.
// Unknown, used and expired codes are one errs.Invalid error, and of two
// transactions using the same code at once only one succeeds.
func (s *store) useCode(ctx context.Context, tx *sql.Tx, code, purpose string, now time.Time) (string, error) {
	if code == "" || len(code) > maxCodeLen {
		return "", errBadCode()
	}
	digest := codeDigest(code)
	res, err := tx.ExecContext(ctx,
		"UPDATE user_codes SET used_at = ? WHERE code_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?",
		now, digest, purpose, now)
	if err != nil {
		return "", fmt.Errorf("use %s code: %w", purpose, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", fmt.Errorf("use %s code: %w", purpose, err)
	} else if n != 1 {
		return "", errBadCode()
	}
	var userID string
	if err := tx.QueryRowContext(ctx, "SELECT user_id FROM user_codes WHERE code_hash = ?", digest).Scan(&userID); err != nil {
		return "", fmt.Errorf("use %s code: %w", purpose, err)
	}
	return userID, nil
}

// peekCode reports whether code is a valid code of the purpose, without
// using it: errs.Invalid when it is not.
func (s *store) peekCode(ctx context.Context, code, purpose string, now time.Time) error {
	if code == "" || len(code) > maxCodeLen {
		return errBadCode()
	}
	var n int
	err := s.db.QueryRowContext(ctx,
		"SELECT COUNT(*) FROM user_codes WHERE code_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?",
		codeDigest(code), purpose, now).Scan(&n)
	if err != nil {
		return fmt.Errorf("check %s code: %w", purpose, err)
	}
	if n == 0 {
		return errBadCode()
	}
	return nil
}

func errBadCode() error { return errs.Field("code", "is unknown, used or expired") }

// retireCodes marks every unused code of the purpose used.
func (s *store) retireCodes(ctx context.Context, tx *sql.Tx, userID, purpose string, now time.Time) error {
	if _, err := tx.ExecContext(ctx,
		"UPDATE user_codes SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL", now, userID, purpose); err != nil {
		return fmt.Errorf("retire %s codes: %w", purpose, err)
	}
	return nil
}
