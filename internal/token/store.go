package token

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"time"
)

// Hash is the SHA-256 of a refresh token. Stores only ever see hashes: a
// copy of the store does not let anyone refresh a session.
type Hash [sha256.Size]byte

// hashOf returns the Hash of a refresh token.
func hashOf(token string) Hash { return sha256.Sum256([]byte(token)) }

// Family is one session: the chain of refresh tokens that descend, by
// rotation, from one Issue. Its ID is the session id.
type Family struct {
	ID        string
	UserID    string
	CreatedAt time.Time
	// ExpiresAt is absolute: rotation does not extend it.
	ExpiresAt time.Time
}

// SigningKey is an Ed25519 access-token signing key. Generations number
// the keys 1, 2, 3… in creation order; a store holds at most one key per
// generation, which is what makes key creation race-free across instances.
type SigningKey struct {
	ID         string // the JWT "kid"
	Generation int64
	CreatedAt  time.Time
	Private    ed25519.PrivateKey
}

// Errors a Families implementation returns from Rotate. The service turns
// each into an errs.Unauthenticated error.
var (
	// ErrUnknown: no such family, or the presented hash was never a token
	// of it (nothing is changed: garbage cannot revoke a session).
	ErrUnknown = errors.New("token: unknown refresh token")
	// ErrRevoked: the family was revoked (logout, password change, reuse).
	ErrRevoked = errors.New("token: session revoked")
	// ErrExpired: the family's lifetime is over.
	ErrExpired = errors.New("token: session expired")
	// ErrReused: the presented token was a former token of the family,
	// already rotated; the store has revoked the whole family.
	ErrReused = errors.New("token: refresh token reused; session revoked")
)

// ErrKeyExists is what AddSigningKey returns when another key already has
// the generation: another instance created it first.
var ErrKeyExists = errors.New("token: a signing key of this generation exists")

// Families stores refresh-token families. Implementations are safe for
// concurrent use by many instances sharing one store.
type Families interface {
	// CreateFamily stores a new family f whose current token has hash
	// first. The store may forget the family once f.ExpiresAt has passed
	// (it keeps it for f.ExpiresAt-f.CreatedAt at least).
	CreateFamily(ctx context.Context, f Family, first Hash) error

	// Rotate atomically exchanges the current token of family familyID,
	// presented, for next, and returns the family. It checks, in order:
	// the family exists and presented is one of its tokens, current or
	// former (else ErrUnknown, and nothing changes); it is not revoked
	// (ErrRevoked); now is before ExpiresAt (ErrExpired); presented is the
	// current token (else the family is revoked and ErrReused returned),
	// except for a duplicate: when presented is the token the last
	// rotation exchanged, that rotation happened at most grace before now,
	// and next is the token it stored (the caller derives next from
	// presented), the call succeeds and changes nothing. Of concurrent
	// Rotate calls presenting the same token with different next tokens,
	// exactly one succeeds; the others see reuse.
	Rotate(ctx context.Context, familyID string, presented, next Hash, now time.Time, grace time.Duration) (Family, error)

	// RevokeFamily revokes a family; its tokens no longer rotate. Revoking
	// an unknown or already revoked family is not an error.
	RevokeFamily(ctx context.Context, familyID string) error

	// RevokeUser revokes every family of userID except keepFamilyID (none
	// when it is ""). Families created while it runs may survive.
	RevokeUser(ctx context.Context, userID, keepFamilyID string) error

	// Purge deletes the families that expired at or before now, with their
	// token hashes. Stores whose data expires by itself may do nothing.
	Purge(ctx context.Context, now time.Time) error
}

// Keys stores the access-token signing keys every instance of the token
// role shares.
type Keys interface {
	// SigningKeys returns every stored key, newest (highest generation)
	// first; none when the store is new.
	SigningKeys(ctx context.Context) ([]SigningKey, error)

	// AddSigningKey stores k unless a key of generation k.Generation
	// exists, in which case it changes nothing and returns ErrKeyExists:
	// the first writer of a generation wins.
	AddSigningKey(ctx context.Context, k SigningKey) error

	// Secret returns the 32-byte secret called name, creating a random one
	// the first time: every instance gets the same bytes (the first writer
	// wins).
	Secret(ctx context.Context, name string) ([]byte, error)
}

// SecretLen is the length of a Secret.
const SecretLen = 32

// Store is the token role's storage port: token.SQLStore (SQLite, MySQL,
// MariaDB) is the embedded default, token/redisstore the Redis adapter.
// The contract suite token/tokentest checks both.
type Store interface {
	Families
	Keys
	// Ping reports whether the store is reachable, for readiness checks.
	Ping(ctx context.Context) error
}
