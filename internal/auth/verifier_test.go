package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
)

// testKey is a signing key and its KeySource entry.
type testKey struct {
	kid  string
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
}

func newKey(t testing.TB, kid string) testKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, priv: priv, pub: pub}
}

// source is a KeySource whose keys and failure tests change, counting
// calls.
type source struct {
	mu    sync.Mutex
	keys  []PublicKey
	err   error
	calls atomic.Int32
}

func (s *source) set(keys ...testKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = nil
	for _, k := range keys {
		s.keys = append(s.keys, PublicKey{KID: k.kid, Key: k.pub})
	}
}

func (s *source) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func (s *source) get(context.Context) ([]PublicKey, error) {
	s.calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	return append([]PublicKey(nil), s.keys...), nil
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func sign(t testing.TB, k testKey, c Claims) string {
	t.Helper()
	s, err := Sign(k.kid, k.priv, c, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validClaims() Claims {
	return Claims{UserID: "user-1", SessionID: "session-1", ExpiresAt: time.Now().Add(15 * time.Minute)}
}

// forge builds a compact JWS from raw header and payload maps, signing
// "header.payload" with signFn (nil: empty signature).
func forge(header, payload map[string]any, signFn func(signingInput string) []byte) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	in := enc(header) + "." + enc(payload)
	var sig []byte
	if signFn != nil {
		sig = signFn(in)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func payload(overrides map[string]any) map[string]any {
	now := time.Now()
	p := map[string]any{
		"iss": Issuer, "aud": []string{Audience}, "sub": "user-1", "sid": "session-1",
		"iat": now.Unix(), "exp": now.Add(15 * time.Minute).Unix(), "jti": "x",
	}
	for k, v := range overrides {
		if v == nil {
			delete(p, k)
		} else {
			p[k] = v
		}
	}
	return p
}

func edSigner(k testKey) func(string) []byte {
	return func(in string) []byte { return ed25519.Sign(k.priv, []byte(in)) }
}

func TestVerifyAcceptsTokenSignedByPublishedKey(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	src := &source{}
	src.set(k)
	v := NewVerifier(src.get)
	want := validClaims()
	c, err := v.Verify(t.Context(), sign(t, k, want))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if c.UserID != want.UserID || c.SessionID != want.SessionID || !c.ExpiresAt.Equal(want.ExpiresAt.Truncate(time.Second)) {
		t.Fatalf("claims = %+v, want %+v (expiry to the second)", c, want)
	}
	if c.ExpiresAt.Location() != time.UTC {
		t.Errorf("ExpiresAt location = %v, want UTC", c.ExpiresAt.Location())
	}
}

func TestVerifySaysWhenATokenExpired(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	src := &source{}
	src.set(k)
	v := NewVerifier(src.get)
	clk := &clock{now: time.Now()}
	v.now = clk.Now
	token := sign(t, k, validClaims())
	if _, err := v.Verify(t.Context(), token); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	clk.Add(15*time.Minute + time.Second)
	_, err := v.Verify(t.Context(), token)
	if e := errs.As(err); e == nil || e.Kind != errs.Unauthenticated || !strings.Contains(e.Message, "expired") {
		t.Fatalf("Verify after expiry = %v, want unauthenticated 'expired'", err)
	}
}

func TestVerifierCachesKeys(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	src := &source{}
	src.set(k)
	v := NewVerifier(src.get)
	token := sign(t, k, validClaims())
	for range 20 {
		if _, err := v.Verify(t.Context(), token); err != nil {
			t.Fatal(err)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("KeySource called %d times for 20 verifications, want 1", n)
	}
}

func TestVerifierRefetchesUnknownKidAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	k1, k2 := newKey(t, "k1"), newKey(t, "k2")
	src := &source{}
	src.set(k1)
	v := NewVerifier(src.get)
	clk := &clock{now: time.Now()}
	v.now = clk.Now
	if _, err := v.Verify(t.Context(), sign(t, k1, validClaims())); err != nil {
		t.Fatal(err)
	}

	// A flood of unknown kids, concurrently: one refetch at most.
	garbage := forge(map[string]any{"alg": "EdDSA", "kid": "nope"}, payload(nil), edSigner(k1))
	clk.Add(defaultRefetch)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), garbage); !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("unknown kid: %v, want unauthenticated", err)
			}
		})
	}
	wg.Wait()
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("KeySource called %d times, want 2 (first use + one refetch)", n)
	}

	// The token role rotates; inside the interval the new kid is still
	// refused without a fetch, after it the new key is fetched and used.
	src.set(k2, k1)
	fresh := sign(t, k2, validClaims())
	clk.Add(defaultRefetch / 2)
	if _, err := v.Verify(t.Context(), fresh); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("new kid inside the refetch interval: %v, want unauthenticated", err)
	}
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("KeySource called %d times inside the interval, want 2", n)
	}
	clk.Add(defaultRefetch / 2)
	if _, err := v.Verify(t.Context(), fresh); err != nil {
		t.Fatalf("new kid after the interval: %v", err)
	}
	if _, err := v.Verify(t.Context(), sign(t, k1, validClaims())); err != nil {
		t.Fatalf("previous key after rotation: %v", err)
	}
	if n := src.calls.Load(); n != 3 {
		t.Fatalf("KeySource called %d times, want 3", n)
	}
}

func TestVerifierReportsUnavailableKeysAndRecovers(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	src := &source{}
	src.set(k)
	src.fail(errors.New("token role down"))
	v := NewVerifier(src.get)
	clk := &clock{now: time.Now()}
	v.now = clk.Now
	token := sign(t, k, validClaims())

	for range 3 {
		if _, err := v.Verify(t.Context(), token); !errs.Is(err, errs.Unavailable) {
			t.Fatalf("Verify with the key source down = %v, want unavailable", err)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("KeySource called %d times while down, want 1 (rate limited)", n)
	}
	src.fail(nil)
	clk.Add(defaultRefetch)
	if _, err := v.Verify(t.Context(), token); err != nil {
		t.Fatalf("Verify after the key source recovered: %v", err)
	}
}

func TestVerifierKeepsStaleKeysWhenRefreshFails(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	src := &source{}
	src.set(k)
	v := NewVerifier(src.get)
	clk := &clock{now: time.Now()}
	v.now = clk.Now
	if _, err := v.Verify(t.Context(), sign(t, k, validClaims())); err != nil {
		t.Fatal(err)
	}
	src.fail(errors.New("down"))
	clk.Add(maxKeyAge + time.Second)
	// The token itself is checked against the real clock's iat/exp by the
	// verifier's clock: sign one valid at the fake time.
	c := validClaims()
	c.ExpiresAt = clk.Now().Add(15 * time.Minute)
	tok, err := Sign(k.kid, k.priv, c, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify with stale keys and the source down: %v", err)
	}
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("KeySource called %d times, want 2 (the stale cache was refreshed once)", n)
	}
}

func TestVerifyGivesUpWhenContextEndsWhileAnotherFetchRuns(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	release := make(chan struct{})
	started := make(chan struct{})
	var once sync.Once
	slow := func(ctx context.Context) ([]PublicKey, error) {
		once.Do(func() { close(started) })
		<-release
		return []PublicKey{{KID: k.kid, Key: k.pub}}, nil
	}
	v := NewVerifier(slow)
	token := sign(t, k, validClaims())
	done := make(chan error, 1)
	go func() {
		_, err := v.Verify(context.Background(), token)
		done <- err
	}()
	<-started
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := v.Verify(ctx, token); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Verify with a cancelled context while a fetch runs = %v, want unavailable", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the fetching Verify: %v", err)
	}
}

func TestVerifierIgnoresMalformedPublishedKeys(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	src := func(context.Context) ([]PublicKey, error) {
		return []PublicKey{{KID: "k1", Key: k.pub[:10]}, {KID: "", Key: k.pub}}, nil
	}
	v := NewVerifier(src)
	if _, err := v.Verify(t.Context(), sign(t, k, validClaims())); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("Verify against a truncated published key = %v, want unauthenticated", err)
	}
}

func TestStaleKnownKeyIsUsedWithoutWaitingForARunningFetch(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	var calls atomic.Int32
	src := func(ctx context.Context) ([]PublicKey, error) {
		if calls.Add(1) > 1 {
			started <- struct{}{}
			<-release
		}
		return []PublicKey{{KID: k.kid, Key: k.pub}}, nil
	}
	v := NewVerifier(src)
	clk := &clock{now: time.Now()}
	v.now = clk.Now
	token := sign(t, k, validClaims())
	if _, err := v.Verify(t.Context(), token); err != nil {
		t.Fatal(err)
	}
	clk.Add(maxKeyAge)
	c := validClaims()
	c.ExpiresAt = clk.Now().Add(time.Minute)
	token, _ = Sign(k.kid, k.priv, c, clk.Now())

	done := make(chan error, 1)
	go func() { _, err := v.Verify(context.Background(), token); done <- err }()
	<-started // the refresh of the stale cache hangs
	if _, err := v.Verify(t.Context(), token); err != nil {
		t.Fatalf("Verify while the cache refresh hangs: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the refreshing Verify: %v", err)
	}
}
