package token

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/auth"
)

// keyCacheTTL is how long an instance signs with the keys it read from
// the store before reading them again; another instance's new key is
// picked up within this time. Both the newest and the previous key are
// published, so signing with the previous one meanwhile is harmless.
const keyCacheTTL = time.Minute

// publishedKeys is how many keys PublicKeys returns: the current one and
// the previous one, which signed tokens that may still be valid.
const publishedKeys = 2

// keyring caches the store's signing keys and rotates them.
type keyring struct {
	mu     sync.Mutex
	keys   []SigningKey // newest first
	loaded time.Time
}

// signingKeys returns the stored keys, newest first, creating a new newest
// key when there is none or the newest is older than the rotation period.
// Of several instances that find a key due at the same time, the first to
// store the next generation wins and the others use its key.
func (s *Service) signingKeys(ctx context.Context) ([]SigningKey, error) {
	kr := &s.keys
	kr.mu.Lock()
	defer kr.mu.Unlock()
	now := s.now()
	due := func() bool { return len(kr.keys) == 0 || now.Sub(kr.keys[0].CreatedAt) >= s.rotation }
	if !kr.loaded.IsZero() && now.Sub(kr.loaded) < keyCacheTTL && !due() {
		return kr.keys, nil
	}
	if err := s.loadKeys(ctx, now); err != nil {
		return nil, err
	}
	if !due() {
		return kr.keys, nil
	}
	gen := int64(1)
	if len(kr.keys) > 0 {
		gen = kr.keys[0].Generation + 1
	}
	k, err := newSigningKey(gen, now)
	if err != nil {
		return nil, err
	}
	switch err := s.store.AddSigningKey(ctx, k); {
	case errors.Is(err, ErrKeyExists):
		// Another instance won; use its key.
		if err := s.loadKeys(ctx, now); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("token: create signing key: %w", err)
	default:
		s.log.InfoContext(ctx, "created access-token signing key", "kid", k.ID, "generation", k.Generation)
		kr.keys = append([]SigningKey{k}, kr.keys...)
	}
	if len(kr.keys) == 0 {
		return nil, errors.New("token: no signing key after creating one")
	}
	return kr.keys, nil
}

// loadKeys reads the keys from the store into the cache. Callers hold
// kr.mu.
func (s *Service) loadKeys(ctx context.Context, now time.Time) error {
	keys, err := s.store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("token: load signing keys: %w", err)
	}
	s.keys.keys, s.keys.loaded = keys, now
	return nil
}

// newSigningKey makes a fresh Ed25519 key. Its kid is derived from the
// public key (base64url of 12 bytes of its SHA-256), so it names exactly
// one key.
func newSigningKey(gen int64, now time.Time) (SigningKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, fmt.Errorf("token: generate signing key: %w", err)
	}
	sum := sha256.Sum256(pub)
	return SigningKey{
		ID:         base64.RawURLEncoding.EncodeToString(sum[:12]),
		Generation: gen,
		CreatedAt:  now.UTC().Truncate(time.Microsecond),
		Private:    priv,
	}, nil
}

// PublicKeys returns the current and the previous verification keys,
// newest first, creating the first key if the store has none. It is the
// auth.KeySource of every verifier.
func (s *Service) PublicKeys(ctx context.Context) ([]auth.PublicKey, error) {
	keys, err := s.signingKeys(ctx)
	if err != nil {
		return nil, storeErr(err)
	}
	out := make([]auth.PublicKey, 0, publishedKeys)
	for _, k := range keys[:min(len(keys), publishedKeys)] {
		out = append(out, auth.PublicKey{KID: k.ID, Key: k.Private.Public().(ed25519.PublicKey)})
	}
	return out, nil
}
