package token

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
)

// Defaults of Options.
const (
	DefaultAccessTTL   = 15 * time.Minute
	DefaultRefreshTTL  = 30 * 24 * time.Hour
	DefaultKeyRotation = 30 * 24 * time.Hour
	DefaultReuseGrace  = 2 * time.Second
)

const (
	// maxIDLen bounds user and session ids (they are UUIDs).
	maxIDLen = 64
	// secretLen is the entropy of a refresh token, in bytes (256 bits).
	secretLen = 32
	// purgeEvery is how often Issue purges expired families.
	purgeEvery = time.Hour
	// purgeTimeout bounds one purge.
	purgeTimeout = 30 * time.Second
)

// Pair is what a new or refreshed session hands to the client.
type Pair struct {
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string // opaque; goes only into the HttpOnly cookie
	RefreshExpiresAt time.Time
	SessionID        string // the refresh-token family id; also the access token's "sid" claim
}

// Options tune a Service; zero values take the defaults.
type Options struct {
	// Now is the clock (time.Now by default); tests set a fake one.
	Now func() time.Time
	// AccessTTL is the lifetime of access tokens (15 minutes).
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of a session (refresh-token family),
	// counted from Issue; rotation does not extend it (30 days).
	RefreshTTL time.Duration
	// KeyRotation is the age at which the signing key is replaced (30
	// days). It must exceed AccessTTL plus a minute, so that the previous
	// key, which PublicKeys still publishes, outlives every token it
	// signed.
	KeyRotation time.Duration
	// ReuseGrace is how long after a rotation a duplicate of it (the same
	// refresh token presented again, as two tabs refreshing at once do)
	// gets the same new refresh token instead of counting as reuse (2 s;
	// negative: no grace). After it, reuse revokes the session as always.
	ReuseGrace time.Duration
}

// Service is the token role: it issues access tokens (JWT, EdDSA) and
// rotating refresh tokens, revokes sessions and publishes its public keys.
// Several Services (instances) may share one Store. It is safe for
// concurrent use.
type Service struct {
	store      Store
	log        *slog.Logger
	now        func() time.Time
	accessTTL  time.Duration
	refreshTTL time.Duration
	rotation   time.Duration
	grace      time.Duration

	keys keyring

	successorMu  sync.Mutex
	successorKey []byte // from the store's Secret(successorSecret)

	purgeMu   sync.Mutex
	lastPurge time.Time
}

// NewService returns a Service on store. It fails on invalid options.
func NewService(store Store, log *slog.Logger, opts Options) (*Service, error) {
	s := &Service{
		store:      store,
		log:        log,
		now:        opts.Now,
		accessTTL:  opts.AccessTTL,
		refreshTTL: opts.RefreshTTL,
		rotation:   opts.KeyRotation,
		grace:      opts.ReuseGrace,
	}
	switch {
	case s.grace == 0:
		s.grace = DefaultReuseGrace
	case s.grace < 0:
		s.grace = 0
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.accessTTL == 0 {
		s.accessTTL = DefaultAccessTTL
	}
	if s.refreshTTL == 0 {
		s.refreshTTL = DefaultRefreshTTL
	}
	if s.rotation == 0 {
		s.rotation = DefaultKeyRotation
	}
	switch {
	case store == nil:
		return nil, errors.New("token: nil store")
	case s.accessTTL < time.Second || s.refreshTTL < time.Second:
		return nil, fmt.Errorf("token: access TTL %v and refresh TTL %v must be at least a second", s.accessTTL, s.refreshTTL)
	case s.rotation <= s.accessTTL+keyCacheTTL:
		return nil, fmt.Errorf("token: key rotation %v must exceed the access TTL %v plus %v", s.rotation, s.accessTTL, keyCacheTTL)
	}
	return s, nil
}

// Ping reports whether the store is reachable.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

// Issue starts a new session for userID: a new refresh-token family and
// the first pair of tokens. It fails with errs.Invalid for an empty or
// malformed user id.
func (s *Service) Issue(ctx context.Context, userID string) (Pair, error) {
	if err := checkID("user id", userID); err != nil {
		return Pair{}, err
	}
	keys, err := s.signingKeys(ctx)
	if err != nil {
		return Pair{}, storeErr(err)
	}
	now := s.now().UTC().Truncate(time.Second)
	id, err := uuid.NewV7()
	if err != nil {
		return Pair{}, fmt.Errorf("token: new session id: %w", err)
	}
	fam := Family{ID: id.String(), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL)}
	refresh := newRefreshToken(fam.ID)
	pair, err := s.pair(keys[0], fam, refresh, now)
	if err != nil {
		return Pair{}, err
	}
	if err := s.store.CreateFamily(ctx, fam, hashOf(refresh)); err != nil {
		return Pair{}, storeErr(err)
	}
	s.maybePurge(ctx, now)
	return pair, nil
}

// Refresh exchanges a refresh token for a new pair of the same session;
// the presented token is used up. It fails with errs.Unauthenticated when
// the token is missing, malformed, unknown, expired or revoked, and when it
// was already rotated: then the whole session is revoked too, since either
// the client or a thief holds a stolen copy.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	famID, ok := parseRefreshToken(refreshToken)
	if !ok {
		return Pair{}, errs.E(errs.Unauthenticated, "refresh token is missing or malformed")
	}
	// Keys first: once Rotate succeeds the presented token is spent, so
	// nothing may fail after it.
	keys, err := s.signingKeys(ctx)
	if err != nil {
		return Pair{}, storeErr(err)
	}
	succ, err := s.successorSecret(ctx)
	if err != nil {
		return Pair{}, storeErr(err)
	}
	now := s.now().UTC().Truncate(time.Second)
	next := successor(succ, famID, refreshToken)
	fam, err := s.store.Rotate(ctx, famID, hashOf(refreshToken), hashOf(next), now, s.grace)
	switch {
	case errors.Is(err, ErrReused):
		s.log.WarnContext(ctx, "refresh token reused: session revoked", "session_id", famID)
		return Pair{}, errs.Wrap(errs.Unauthenticated, err, "refresh token was already used; the session has been revoked")
	case errors.Is(err, ErrUnknown):
		return Pair{}, errs.Wrap(errs.Unauthenticated, err, "refresh token is not valid")
	case errors.Is(err, ErrRevoked):
		return Pair{}, errs.Wrap(errs.Unauthenticated, err, "session has been revoked")
	case errors.Is(err, ErrExpired):
		return Pair{}, errs.Wrap(errs.Unauthenticated, err, "session has expired")
	case err != nil:
		return Pair{}, storeErr(err)
	}
	return s.pair(keys[0], fam, next, now)
}

// RevokeSession revokes one session (refresh-token family): its refresh
// token no longer works. Its current access token stays valid until it
// expires (at most AccessTTL). Revoking an unknown or revoked session is
// not an error.
func (s *Service) RevokeSession(ctx context.Context, sessionID string) error {
	if err := checkID("session id", sessionID); err != nil {
		return err
	}
	if err := s.store.RevokeFamily(ctx, sessionID); err != nil {
		return storeErr(err)
	}
	return nil
}

// RevokeUser revokes every session of userID except keepSessionID ("":
// all of them), after a password change or reset.
func (s *Service) RevokeUser(ctx context.Context, userID, keepSessionID string) error {
	if err := checkID("user id", userID); err != nil {
		return err
	}
	if keepSessionID != "" {
		if err := checkID("session id", keepSessionID); err != nil {
			return err
		}
	}
	if err := s.store.RevokeUser(ctx, userID, keepSessionID); err != nil {
		return storeErr(err)
	}
	return nil
}

// pair signs an access token for fam with key and assembles the Pair.
func (s *Service) pair(key SigningKey, fam Family, refresh string, now time.Time) (Pair, error) {
	exp := now.Add(s.accessTTL)
	access, err := auth.Sign(key.ID, key.Private, auth.Claims{UserID: fam.UserID, SessionID: fam.ID, ExpiresAt: exp}, now)
	if err != nil {
		return Pair{}, fmt.Errorf("token: sign access token: %w", err)
	}
	return Pair{
		AccessToken:      access,
		AccessExpiresAt:  exp,
		RefreshToken:     refresh,
		RefreshExpiresAt: fam.ExpiresAt.UTC(),
		SessionID:        fam.ID,
	}, nil
}

// maybePurge deletes expired families, at most once per purgeEvery per
// instance. A failure is logged: it only delays the clean-up.
func (s *Service) maybePurge(ctx context.Context, now time.Time) {
	s.purgeMu.Lock()
	if !s.lastPurge.IsZero() && now.Sub(s.lastPurge) < purgeEvery {
		s.purgeMu.Unlock()
		return
	}
	s.lastPurge = now
	s.purgeMu.Unlock()
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), purgeTimeout)
	defer cancel()
	if err := s.store.Purge(pctx, now); err != nil {
		s.log.WarnContext(ctx, "purge expired sessions", "err", err)
	}
}

// successorSecretName names the store's secret successor derives from.
const successorSecretName = "refresh-successor"

// successorSecret reads (once) the secret every instance derives refresh
// token successors from.
func (s *Service) successorSecret(ctx context.Context) ([]byte, error) {
	s.successorMu.Lock()
	defer s.successorMu.Unlock()
	if s.successorKey == nil {
		k, err := s.store.Secret(ctx, successorSecretName)
		if err != nil {
			return nil, err
		}
		s.successorKey = k
	}
	return s.successorKey, nil
}

// successor returns the refresh token that replaces presented in family
// famID: "<famID>." and an HMAC-SHA256 of presented under the shared
// secret, so that every instance, and a concurrent duplicate of a
// rotation within the grace, hands out the same one, while nobody without
// the secret can compute it.
func successor(secret []byte, famID, presented string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("parley-refresh-successor-v1\n"))
	m.Write([]byte(presented))
	return famID + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newRefreshToken returns a fresh refresh token of family famID:
// "<famID>.<256 random bits, base64url>". The family id lets the store
// find the family without trusting anything else in the token.
func newRefreshToken(famID string) string {
	var b [secretLen]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return famID + "." + base64.RawURLEncoding.EncodeToString(b[:])
}

// parseRefreshToken returns the family id of a well-formed refresh token.
func parseRefreshToken(token string) (famID string, ok bool) {
	famID, secret, ok := strings.Cut(token, ".")
	if !ok || checkID("session id", famID) != nil || len(secret) != base64.RawURLEncoding.EncodedLen(secretLen) {
		return "", false
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(secret); err != nil {
		return "", false
	}
	return famID, true
}

// checkID accepts ids of 1 to 64 printable ASCII characters other than
// '.', which separates the parts of a refresh token.
func checkID(what, id string) error {
	if id == "" {
		return errs.Field(strings.ReplaceAll(what, " ", "_"), "is required")
	}
	if len(id) > maxIDLen {
		return errs.E(errs.Invalid, "%s is longer than %d characters", what, maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '.' {
			return errs.E(errs.Invalid, "%s contains a character that is not allowed", what)
		}
	}
	return nil
}

// storeErr classifies a store failure: the store is down or failing, so
// the session cannot be handled now (503), not an internal bug.
func storeErr(err error) error {
	if errs.As(err) != nil {
		return err
	}
	return errs.Wrap(errs.Unavailable, err, "session store unavailable")
}
