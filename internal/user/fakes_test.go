package user

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/ratelimit"
	"github.com/parleychat/parley/internal/token"
)

// fakeTokens is a hand-written token role: sessions are families of
// rotating refresh tokens; access tokens stay valid after a revocation,
// as real ones do until they expire.
type fakeTokens struct {
	mu       sync.Mutex
	n        int
	sessions map[string]*fakeSession // by session id
	refresh  map[string]string       // current refresh token → session id
	rotated  map[string]string       // rotated refresh token → session id
	access   map[string]auth.Claims  // access token → claims
	// revokeErr, when set, makes RevokeUser fail (token role unreachable).
	revokeErr error
}

type fakeSession struct {
	userID  string
	revoked bool
}

var _ Tokens = (*fakeTokens)(nil)
var (
	_ Tokens = (*token.Service)(nil)
	_ Tokens = (*token.Client)(nil)
)

func newFakeTokens() *fakeTokens {
	return &fakeTokens{sessions: map[string]*fakeSession{}, refresh: map[string]string{}, rotated: map[string]string{}, access: map[string]auth.Claims{}}
}

// pairLocked mints tokens for session sid.
func (f *fakeTokens) pairLocked(sid string) token.Pair {
	f.n++
	now := time.Now()
	p := token.Pair{
		AccessToken: fmt.Sprintf("access-%d", f.n), AccessExpiresAt: now.Add(15 * time.Minute),
		RefreshToken: fmt.Sprintf("refresh-%d", f.n), RefreshExpiresAt: now.Add(30 * 24 * time.Hour),
		SessionID: sid,
	}
	f.refresh[p.RefreshToken] = sid
	f.access[p.AccessToken] = auth.Claims{UserID: f.sessions[sid].userID, SessionID: sid, ExpiresAt: p.AccessExpiresAt}
	return p
}

func (f *fakeTokens) Issue(_ context.Context, userID string) (token.Pair, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	sid := fmt.Sprintf("session-%d", f.n)
	f.sessions[sid] = &fakeSession{userID: userID}
	return f.pairLocked(sid), nil
}

func (f *fakeTokens) Refresh(_ context.Context, rt string) (token.Pair, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if sid, ok := f.rotated[rt]; ok {
		f.sessions[sid].revoked = true
		return token.Pair{}, errs.E(errs.Unauthenticated, "refresh token reused; session revoked")
	}
	sid, ok := f.refresh[rt]
	if !ok || f.sessions[sid].revoked {
		return token.Pair{}, errs.E(errs.Unauthenticated, "refresh token is not valid")
	}
	delete(f.refresh, rt)
	f.rotated[rt] = sid
	return f.pairLocked(sid), nil
}

func (f *fakeTokens) RevokeSession(_ context.Context, sid string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.sessions[sid]; ok {
		s.revoked = true
	}
	return nil
}

func (f *fakeTokens) RevokeUser(_ context.Context, userID, keep string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.revokeErr != nil {
		return f.revokeErr
	}
	for sid, s := range f.sessions {
		if s.userID == userID && sid != keep {
			s.revoked = true
		}
	}
	return nil
}

func (f *fakeTokens) setRevokeErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revokeErr = err
}

// live reports whether a session is not revoked.
func (f *fakeTokens) live(sid string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[sid]
	return ok && !s.revoked
}

// claims returns the claims of an access token.
func (f *fakeTokens) claims(access string) (auth.Claims, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.access[access]
	return c, ok
}

// require is the fake of auth.Verifier.Require: a Bearer token this fake
// issued, or a JSON 401.
func (f *fakeTokens) require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		c, known := f.claims(tok)
		if !ok || !known {
			httpapi.Error(w, r, nil, errs.E(errs.Unauthenticated, "missing or invalid access token"))
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithClaims(r.Context(), c)))
	})
}

// fakeLimiter counts calls per key without time: a key allows Rate.N
// calls, then refuses with RetryAfter Per/N. Refused calls are not
// counted, as with the real limiters.
type fakeLimiter struct {
	mu     sync.Mutex
	counts map[string]int
	err    error
}

var _ Limiter = (*fakeLimiter)(nil)

func newFakeLimiter() *fakeLimiter { return &fakeLimiter{counts: map[string]int{}} }

func (l *fakeLimiter) Allow(_ context.Context, key string, r ratelimit.Rate) (ratelimit.Decision, error) {
	if err := ratelimit.Validate(key, r); err != nil {
		return ratelimit.Decision{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return ratelimit.Decision{}, l.err
	}
	if l.counts[key] >= r.N {
		return ratelimit.Decision{RetryAfter: r.Interval()}, nil
	}
	l.counts[key]++
	return ratelimit.Decision{Allowed: true}, nil
}

func (l *fakeLimiter) setErr(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.err = err
}

// count returns how many calls were counted for keys with the prefix.
func (l *fakeLimiter) count(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for k, c := range l.counts {
		if strings.HasPrefix(k, prefix) {
			n += c
		}
	}
	return n
}

// fakeClock is a clock tests move forward.
type fakeClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

var errTokenRoleDown error = errs.E(errs.Unavailable, "token role unreachable")
