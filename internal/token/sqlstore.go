package token

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/parleychat/parley/internal/sqlstore"
)

// Source is the migration source name of the token role's tables.
const Source = "token"

//go:embed migrations
var migrationFiles embed.FS

// Migrations holds the token role's SQL migrations, sqlite/NNNN_*.sql and
// mysql/NNNN_*.sql, for sqlstore.Migrate under Source.
var Migrations fs.FS = func() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}()

// Migrate creates or upgrades the token tables in db.
func Migrate(ctx context.Context, db *sqlstore.DB) error {
	return sqlstore.Migrate(ctx, db, Source, Migrations)
}

// SQLStore is the Store on a SQL database: SQLite in embedded mode, MySQL
// or MariaDB when several token instances share it. Rotation runs in one
// transaction that holds the family's row (BEGIN IMMEDIATE on SQLite,
// SELECT … FOR UPDATE on MySQL), so concurrent rotations of one family are
// serialised. Expired families stay until Purge.
type SQLStore struct {
	db *sqlstore.DB
}

var _ Store = (*SQLStore)(nil)

// NewSQLStore returns a Store on db, which must be migrated (Migrate). The
// caller keeps ownership of db.
func NewSQLStore(db *sqlstore.DB) *SQLStore { return &SQLStore{db: db} }

// Ping checks the database is reachable.
func (s *SQLStore) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("token store: ping: %w", err)
	}
	return nil
}

// CreateFamily implements Families.
func (s *SQLStore) CreateFamily(ctx context.Context, f Family, first Hash) error {
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			"INSERT INTO refresh_families (id, user_id, current_hash, created_at, expires_at, revoked) VALUES (?, ?, ?, ?, ?, 0)",
			f.ID, f.UserID, first[:], sqlstore.Time(f.CreatedAt), sqlstore.Time(f.ExpiresAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO refresh_tokens (family_id, token_hash) VALUES (?, ?)", f.ID, first[:])
		return err
	})
	if err != nil {
		return fmt.Errorf("token store: create family %s: %w", f.ID, err)
	}
	return nil
}

// Rotate implements Families.
func (s *SQLStore) Rotate(ctx context.Context, familyID string, presented, next Hash, now time.Time, grace time.Duration) (Family, error) {
	lock := ""
	if s.db.Dialect == sqlstore.MySQL {
		lock = " FOR UPDATE"
	}
	var (
		fam     Family
		outcome error // a Rotate verdict; the transaction still commits
	)
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		outcome = nil
		var (
			current, previous []byte
			rotated           sql.NullTime
			revoked           bool
		)
		err := tx.QueryRowContext(ctx,
			"SELECT user_id, current_hash, previous_hash, rotated_at, created_at, expires_at, revoked FROM refresh_families WHERE id = ?"+lock,
			familyID).Scan(&fam.UserID, &current, &previous, &rotated, &fam.CreatedAt, &fam.ExpiresAt, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			outcome = ErrUnknown
			return nil
		}
		if err != nil {
			return err
		}
		fam.ID = familyID
		fam.CreatedAt, fam.ExpiresAt = fam.CreatedAt.UTC(), fam.ExpiresAt.UTC()
		isCurrent := len(current) == len(presented) && Hash(current) == presented
		if !isCurrent {
			var one int
			err := tx.QueryRowContext(ctx,
				"SELECT 1 FROM refresh_tokens WHERE family_id = ? AND token_hash = ?", familyID, presented[:]).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				outcome = ErrUnknown
				return nil
			}
			if err != nil {
				return err
			}
		}
		switch {
		case revoked:
			outcome = ErrRevoked
			return nil
		case !now.Before(fam.ExpiresAt):
			outcome = ErrExpired
			return nil
		case !isCurrent && isDuplicate(previous, current, rotated, presented, next, now, grace):
			return nil // the same rotation again: same family, same next
		case !isCurrent:
			outcome = ErrReused
			_, err := tx.ExecContext(ctx, "UPDATE refresh_families SET revoked = 1 WHERE id = ?", familyID)
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE refresh_families SET current_hash = ?, previous_hash = ?, rotated_at = ? WHERE id = ?",
			next[:], presented[:], sqlstore.Time(now), familyID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO refresh_tokens (family_id, token_hash) VALUES (?, ?)", familyID, next[:])
		return err
	})
	if err != nil {
		return Family{}, fmt.Errorf("token store: rotate in family %s: %w", familyID, err)
	}
	if outcome != nil {
		return Family{}, outcome
	}
	return fam, nil
}

// isDuplicate reports whether a rotation of presented to next is the
// last rotation again, within grace of it.
func isDuplicate(previous, current []byte, rotated sql.NullTime, presented, next Hash, now time.Time, grace time.Duration) bool {
	return grace > 0 && rotated.Valid && len(previous) == len(presented) && Hash(previous) == presented &&
		len(current) == len(next) && Hash(current) == next && !now.After(rotated.Time.Add(grace))
}

// Secret implements Keys.
func (s *SQLStore) Secret(ctx context.Context, name string) ([]byte, error) {
	for range 2 {
		var v []byte
		err := s.db.QueryRowContext(ctx, "SELECT secret FROM token_secrets WHERE name = ?", name).Scan(&v)
		if err == nil {
			if len(v) != SecretLen {
				return nil, fmt.Errorf("token store: secret %s is %d bytes", name, len(v))
			}
			return v, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("token store: read secret %s: %w", name, err)
		}
		v = make([]byte, SecretLen)
		_, _ = rand.Read(v)
		if _, err := s.db.ExecContext(ctx, "INSERT INTO token_secrets (name, secret) VALUES (?, ?)", name, v); err != nil && !sqlstore.IsDuplicate(err) {
			return nil, fmt.Errorf("token store: create secret %s: %w", name, err)
		}
		// Inserted, or another instance was first: read what won.
	}
	return nil, fmt.Errorf("token store: secret %s vanished", name)
}

// RevokeFamily implements Families.
func (s *SQLStore) RevokeFamily(ctx context.Context, familyID string) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE refresh_families SET revoked = 1 WHERE id = ? AND revoked = 0", familyID); err != nil {
		return fmt.Errorf("token store: revoke family %s: %w", familyID, err)
	}
	return nil
}

// RevokeUser implements Families.
func (s *SQLStore) RevokeUser(ctx context.Context, userID, keepFamilyID string) error {
	if _, err := s.db.ExecContext(ctx,
		"UPDATE refresh_families SET revoked = 1 WHERE user_id = ? AND id <> ? AND revoked = 0",
		userID, keepFamilyID); err != nil {
		return fmt.Errorf("token store: revoke families of user %s: %w", userID, err)
	}
	return nil
}

// Purge implements Families. Token hashes go with their family (ON DELETE
// CASCADE).
func (s *SQLStore) Purge(ctx context.Context, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM refresh_families WHERE expires_at <= ?", sqlstore.Time(now)); err != nil {
		return fmt.Errorf("token store: purge expired families: %w", err)
	}
	return nil
}

// SigningKeys implements Keys.
func (s *SQLStore) SigningKeys(ctx context.Context) ([]SigningKey, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT kid, generation, created_at, private_key FROM signing_keys ORDER BY generation DESC")
	if err != nil {
		return nil, fmt.Errorf("token store: read signing keys: %w", err)
	}
	defer rows.Close()
	var keys []SigningKey
	for rows.Next() {
		var (
			k    SigningKey
			seed []byte
		)
		if err := rows.Scan(&k.ID, &k.Generation, &k.CreatedAt, &seed); err != nil {
			return nil, fmt.Errorf("token store: read signing keys: %w", err)
		}
		if len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("token store: signing key %s: stored seed is %d bytes, want %d", k.ID, len(seed), ed25519.SeedSize)
		}
		k.CreatedAt = k.CreatedAt.UTC()
		k.Private = ed25519.NewKeyFromSeed(seed)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("token store: read signing keys: %w", err)
	}
	return keys, nil
}

// AddSigningKey implements Keys. The unique generation column decides
// which of concurrent writers wins.
func (s *SQLStore) AddSigningKey(ctx context.Context, k SigningKey) error {
	if len(k.Private) != ed25519.PrivateKeySize {
		return fmt.Errorf("token store: add signing key %s: private key is %d bytes", k.ID, len(k.Private))
	}
	_, err := s.db.ExecContext(ctx,
		"INSERT INTO signing_keys (kid, generation, created_at, private_key) VALUES (?, ?, ?, ?)",
		k.ID, k.Generation, sqlstore.Time(k.CreatedAt), k.Private.Seed())
	if sqlstore.IsDuplicate(err) {
		return ErrKeyExists
	}
	if err != nil {
		return fmt.Errorf("token store: add signing key %s: %w", k.ID, err)
	}
	return nil
}
