package auth

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parleychat/parley/internal/errs"
)

const (
	// maxTokenLen bounds the input Verify parses; real tokens are ~400
	// bytes.
	maxTokenLen = 8 << 10
	// defaultRefetch is the least time between two key fetches caused by
	// unknown kids.
	defaultRefetch = 3 * time.Second
	// maxKeyAge is how long fetched keys are used before a fetch is
	// attempted again on the next Verify.
	maxKeyAge = 10 * time.Minute
	// fetchTimeout bounds one call of the KeySource. The fetch is shared
	// by every request waiting for it, so it does not end with the request
	// that started it.
	fetchTimeout = 10 * time.Second
)

// Verifier checks access tokens against keys from a KeySource, which it
// caches (see the package documentation). It is safe for concurrent use.
type Verifier struct {
	src     KeySource
	now     func() time.Time
	refetch time.Duration
	parser  *jwt.Parser

	// fetching is a one-slot semaphore: one fetch at a time, and waiters
	// give up when their request's context ends.
	fetching chan struct{}

	mu      sync.RWMutex
	keys    map[string]ed25519.PublicKey
	fetched time.Time // last successful fetch
	tried   time.Time // last fetch attempt
	lastErr error     // error of the last attempt, nil if it succeeded
}

// NewVerifier returns a Verifier that takes its keys from src. It does not
// call src until the first Verify.
func NewVerifier(src KeySource) *Verifier {
	v := &Verifier{
		src:      src,
		now:      time.Now,
		refetch:  defaultRefetch,
		fetching: make(chan struct{}, 1),
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{Algorithm}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithStrictDecoding(),
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
	)
	return v
}

var errInvalid = errs.E(errs.Unauthenticated, "access token is not valid")

// Verify checks token and returns its claims. It fails with
// errs.Unauthenticated for any token that is malformed, badly signed, not
// EdDSA, signed by an unknown key, for another issuer or audience, expired
// or without subject or session; with errs.Unavailable when the keys
// cannot be fetched. It never panics, whatever the input.
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	if token == "" {
		return Claims{}, errs.E(errs.Unauthenticated, "access token is missing")
	}
	if len(token) > maxTokenLen {
		return Claims{}, errs.E(errs.Unauthenticated, "access token is too long")
	}
	var c jwtClaims
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errs.E(errs.Unauthenticated, "access token has no kid")
		}
		return v.key(ctx, kid)
	})
	if err != nil {
		if e := errs.As(err); e != nil && e.Kind == errs.Unavailable {
			return Claims{}, err
		}
		if errors.Is(err, jwt.ErrTokenExpired) {
			return Claims{}, errs.Wrap(errs.Unauthenticated, err, "access token has expired")
		}
		return Claims{}, &errs.Error{Kind: errs.Unauthenticated, Message: errInvalid.Message, Err: err}
	}
	if c.Subject == "" || c.SessionID == "" || c.ExpiresAt == nil {
		return Claims{}, errs.E(errs.Unauthenticated, "access token lacks subject or session")
	}
	return Claims{UserID: c.Subject, SessionID: c.SessionID, ExpiresAt: c.ExpiresAt.UTC()}, nil
}

// key returns the key named kid, fetching the key set when kid is unknown
// or the cache is old, within the refetch rate limit.
func (v *Verifier) key(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	k, ok, fresh := v.cached(kid)
	if ok && fresh {
		return k, nil
	}
	if ok {
		// Known but stale: refresh unless another request already is, and
		// never wait for it.
		select {
		case v.fetching <- struct{}{}:
		default:
			return k, nil
		}
	} else {
		select {
		case v.fetching <- struct{}{}:
		case <-ctx.Done():
			return nil, errs.Wrap(errs.Unavailable, ctx.Err(), "access-token keys are unavailable")
		}
	}
	defer func() { <-v.fetching }()

	// Another request may have fetched while this one waited.
	k, ok, fresh = v.cached(kid)
	if ok && fresh {
		return k, nil
	}
	v.mu.RLock()
	tried, lastErr := v.tried, v.lastErr
	v.mu.RUnlock()
	if !tried.IsZero() && v.now().Sub(tried) < v.refetch {
		return v.settle(k, ok, lastErr)
	}

	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	keys, err := v.src(fctx)
	now := v.now()
	v.mu.Lock()
	v.tried = now
	if err != nil {
		v.lastErr = fmt.Errorf("auth: fetch verification keys: %w", err)
	} else {
		v.lastErr = nil
		v.fetched = now
		v.keys = make(map[string]ed25519.PublicKey, len(keys))
		for _, pk := range keys {
			if pk.KID != "" && len(pk.Key) == ed25519.PublicKeySize {
				v.keys[pk.KID] = pk.Key
			}
		}
	}
	lastErr = v.lastErr
	v.mu.Unlock()
	if err == nil {
		k, ok, _ = v.cached(kid)
	}
	return v.settle(k, ok, lastErr)
}

// settle decides the outcome once no (further) fetch will be made: a known
// key is used even when stale; an unknown kid is Unavailable when the last
// fetch failed (the key may exist) and Unauthenticated otherwise.
func (v *Verifier) settle(k ed25519.PublicKey, ok bool, lastErr error) (ed25519.PublicKey, error) {
	switch {
	case ok:
		return k, nil
	case lastErr != nil:
		return nil, errs.Wrap(errs.Unavailable, lastErr, "access-token keys are unavailable")
	default:
		return nil, errs.E(errs.Unauthenticated, "access token is signed by an unknown key")
	}
}

// cached looks kid up in the cache and says whether the cache is fresh.
func (v *Verifier) cached(kid string) (k ed25519.PublicKey, ok, fresh bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	k, ok = v.keys[kid]
	fresh = !v.fetched.IsZero() && v.now().Sub(v.fetched) < maxKeyAge
	return k, ok, fresh
}
