package token_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
	"github.com/parleychat/parley/internal/token"
)

// clock is a fake clock starting at the real current time, so tokens it
// stamps are also valid for verifiers on the real clock until it moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

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

type fixture struct {
	svc   *token.Service
	store *token.SQLStore
	db    *sqlstore.DB
	clock *clock
}

// newFixture returns a Service on a fresh SQLite store with a fake clock.
func newFixture(t *testing.T) fixture {
	t.Helper()
	db := sqlstoretest.SQLite(t)
	store := migrated(t, db)
	clk := newClock()
	svc, err := token.NewService(store, nil, token.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, store: store, db: db, clock: clk}
}

func issue(t *testing.T, svc *token.Service, userID string) token.Pair {
	t.Helper()
	p, err := svc.Issue(t.Context(), userID)
	if err != nil {
		t.Fatalf("Issue(%s): %v", userID, err)
	}
	return p
}

func refresh(t *testing.T, svc *token.Service, rt string) token.Pair {
	t.Helper()
	p, err := svc.Refresh(t.Context(), rt)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	return p
}

func wantKind(t *testing.T, what string, err error, kind errs.Kind) {
	t.Helper()
	if !errs.Is(err, kind) {
		t.Fatalf("%s: error %v (kind %s), want %s", what, err, errs.KindOf(err), kind)
	}
}

func TestIssuedAccessTokenVerifiesWithPublishedKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	start := f.clock.Now()
	p := issue(t, f.svc, "user-1")

	c, err := auth.NewVerifier(f.svc.PublicKeys).Verify(t.Context(), p.AccessToken)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if c.UserID != "user-1" || c.SessionID != p.SessionID || p.SessionID == "" {
		t.Fatalf("claims %+v, pair session %q", c, p.SessionID)
	}
	if !c.ExpiresAt.Equal(p.AccessExpiresAt) {
		t.Errorf("token exp %v, pair says %v", c.ExpiresAt, p.AccessExpiresAt)
	}
	if d := p.AccessExpiresAt.Sub(start); d < 15*time.Minute-time.Second || d > 15*time.Minute {
		t.Errorf("access token lives %v, want 15m", d)
	}
	if d := p.RefreshExpiresAt.Sub(start); d < 30*24*time.Hour-time.Second || d > 30*24*time.Hour {
		t.Errorf("refresh token lives %v, want 30 days", d)
	}

	var claims map[string]any
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(p.AccessToken, ".")[1])
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims["iss"] != auth.Issuer || claims["sub"] != "user-1" || claims["sid"] != p.SessionID || claims["jti"] == "" {
		t.Errorf("claims %v", claims)
	}
}

func TestRefreshTokenIsHighEntropyAndStoredOnlyAsHash(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := issue(t, f.svc, "user-1")
	sid, secret, ok := strings.Cut(p.RefreshToken, ".")
	raw, err := base64.RawURLEncoding.DecodeString(secret)
	if !ok || sid != p.SessionID || err != nil || len(raw) < 32 {
		t.Fatalf("refresh token %q: want <session>.<≥256 random bits>", p.RefreshToken)
	}
	sum := sha256.Sum256([]byte(p.RefreshToken))
	var n int
	if err := f.db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = ?", sum[:]).Scan(&n); err != nil || n != 1 {
		t.Fatalf("hash rows = %d, %v; want 1", n, err)
	}
	for _, q := range []string{
		"SELECT COUNT(*) FROM refresh_tokens WHERE CAST(token_hash AS TEXT) LIKE ?",
		"SELECT COUNT(*) FROM refresh_families WHERE CAST(current_hash AS TEXT) LIKE ?",
	} {
		if err := f.db.QueryRowContext(t.Context(), q, "%"+secret+"%").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s: %d rows, %v; the token is stored in clear", q, n, err)
		}
	}
}

func TestRefreshRotatesTheToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p0 := issue(t, f.svc, "user-1")
	f.clock.Add(10 * time.Minute)
	p1 := refresh(t, f.svc, p0.RefreshToken)
	if p1.SessionID != p0.SessionID || p1.RefreshToken == p0.RefreshToken || p1.AccessToken == p0.AccessToken {
		t.Fatalf("refresh did not rotate within the session: %+v → %+v", p0, p1)
	}
	if !p1.RefreshExpiresAt.Equal(p0.RefreshExpiresAt) {
		t.Errorf("rotation moved the session expiry from %v to %v; it is absolute", p0.RefreshExpiresAt, p1.RefreshExpiresAt)
	}
	if !p1.AccessExpiresAt.After(p0.AccessExpiresAt) {
		t.Errorf("new access token expires %v, not after the old %v", p1.AccessExpiresAt, p0.AccessExpiresAt)
	}
	c, err := auth.NewVerifier(f.svc.PublicKeys).Verify(t.Context(), p1.AccessToken)
	if err != nil || c.SessionID != p0.SessionID || c.UserID != "user-1" {
		t.Fatalf("Verify refreshed access token = %+v, %v", c, err)
	}
	p2 := refresh(t, f.svc, p1.RefreshToken)
	refresh(t, f.svc, p2.RefreshToken)
}

func TestStolenRefreshTokenReuseKillsTheSession(t *testing.T) {
	t.Parallel()
	t.Run("thief comes second", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		stolen := issue(t, f.svc, "user-1").RefreshToken
		legit := refresh(t, f.svc, stolen) // the user rotates first

		f.clock.Add(token.DefaultReuseGrace + time.Second)
		_, err := f.svc.Refresh(t.Context(), stolen) // the thief replays
		wantKind(t, "replaying the rotated token", err, errs.Unauthenticated)
		_, err = f.svc.Refresh(t.Context(), legit.RefreshToken)
		wantKind(t, "the user's new token after the replay", err, errs.Unauthenticated)
	})
	t.Run("thief comes first", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		stolen := issue(t, f.svc, "user-1").RefreshToken
		thief := refresh(t, f.svc, stolen)

		f.clock.Add(token.DefaultReuseGrace + time.Second)
		_, err := f.svc.Refresh(t.Context(), stolen) // the user, with the old cookie
		wantKind(t, "the user's now-rotated token", err, errs.Unauthenticated)
		_, err = f.svc.Refresh(t.Context(), thief.RefreshToken)
		wantKind(t, "the thief's token after the user's reuse", err, errs.Unauthenticated)
	})
	t.Run("other sessions survive", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		other := issue(t, f.svc, "user-1")
		stolen := issue(t, f.svc, "user-1").RefreshToken
		refresh(t, f.svc, stolen)
		f.clock.Add(token.DefaultReuseGrace + time.Second)
		_, err := f.svc.Refresh(t.Context(), stolen)
		wantKind(t, "replay", err, errs.Unauthenticated)
		refresh(t, f.svc, other.RefreshToken)
	})
}

// TestADuplicateRefreshWithinTheGraceGetsTheSamePair is issue 12 defect 11
// at the token role: two tabs refreshing with the same cookie at once
// both get the same new refresh token (and a valid access token of the
// same session) instead of the second counting as reuse; a replay after
// the grace still revokes the session.
func TestADuplicateRefreshWithinTheGraceGetsTheSamePair(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p0 := issue(t, f.svc, "user-1")
	var wg sync.WaitGroup
	got := make([]token.Pair, 4)
	for i := range got {
		wg.Go(func() {
			p, err := f.svc.Refresh(t.Context(), p0.RefreshToken)
			if err != nil {
				t.Errorf("concurrent refresh %d: %v", i, err)
			}
			got[i] = p
		})
	}
	wg.Wait()
	v := auth.NewVerifier(f.svc.PublicKeys)
	for i, p := range got {
		if p.RefreshToken != got[0].RefreshToken || p.SessionID != p0.SessionID || p.RefreshToken == p0.RefreshToken {
			t.Fatalf("refresh %d got %+v, want the same new refresh token as %+v", i, p, got[0])
		}
		if c, err := v.Verify(t.Context(), p.AccessToken); err != nil || c.SessionID != p0.SessionID {
			t.Fatalf("refresh %d: access token %v, %v", i, c, err)
		}
	}
	f.clock.Add(time.Second)
	if p := refresh(t, f.svc, p0.RefreshToken); p.RefreshToken != got[0].RefreshToken {
		t.Fatalf("a duplicate a second later got %q, want %q", p.RefreshToken, got[0].RefreshToken)
	}
	// The new token rotates normally; a replay of the old one after the
	// grace is reuse, and revokes the session.
	p2 := refresh(t, f.svc, got[0].RefreshToken)
	f.clock.Add(token.DefaultReuseGrace + time.Second)
	_, err := f.svc.Refresh(t.Context(), got[0].RefreshToken)
	wantKind(t, "a replay after the grace", err, errs.Unauthenticated)
	_, err = f.svc.Refresh(t.Context(), p2.RefreshToken)
	wantKind(t, "the current token after the replay", err, errs.Unauthenticated)
}

func TestMalformedOrUnknownRefreshTokensFailWithoutRevoking(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := issue(t, f.svc, "user-1")
	forged := p.SessionID + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	for _, rt := range []string{
		"", ".", "x", p.SessionID, p.SessionID + ".", p.SessionID + ".short",
		p.RefreshToken + "x", " " + p.RefreshToken, strings.ToUpper(p.RefreshToken),
		forged, "00000000-0000-7000-8000-000000000000." + strings.Split(p.RefreshToken, ".")[1],
		strings.Repeat("a", 10000), "a.b.c", "\x00.\x00",
	} {
		_, err := f.svc.Refresh(t.Context(), rt)
		wantKind(t, "Refresh("+rt[:min(len(rt), 40)]+")", err, errs.Unauthenticated)
	}
	refresh(t, f.svc, p.RefreshToken) // garbage revoked nothing
}

func TestRevokeSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := issue(t, f.svc, "user-1")
	b := issue(t, f.svc, "user-1")
	for range 2 {
		if err := f.svc.RevokeSession(t.Context(), a.SessionID); err != nil {
			t.Fatalf("RevokeSession: %v", err)
		}
	}
	if err := f.svc.RevokeSession(t.Context(), "0198c0de-0000-7000-8000-00000000dead"); err != nil {
		t.Fatalf("RevokeSession of an unknown session: %v", err)
	}
	_, err := f.svc.Refresh(t.Context(), a.RefreshToken)
	wantKind(t, "refresh of a revoked session", err, errs.Unauthenticated)
	refresh(t, f.svc, b.RefreshToken)
	wantKind(t, "RevokeSession(\"\")", f.svc.RevokeSession(t.Context(), ""), errs.Invalid)
}

func TestRevokeUserKeepsTheGivenSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var s []token.Pair
	for range 3 {
		s = append(s, issue(t, f.svc, "user-1"))
	}
	other := issue(t, f.svc, "user-2")
	if err := f.svc.RevokeUser(t.Context(), "user-1", s[1].SessionID); err != nil {
		t.Fatalf("RevokeUser: %v", err)
	}
	for i, p := range s {
		_, err := f.svc.Refresh(t.Context(), p.RefreshToken)
		if i == 1 {
			if err != nil {
				t.Fatalf("the kept session: %v", err)
			}
			continue
		}
		wantKind(t, "a revoked session", err, errs.Unauthenticated)
	}
	refresh(t, f.svc, other.RefreshToken)

	kept := issue(t, f.svc, "user-1") // a login after the revocation
	if err := f.svc.RevokeUser(t.Context(), "user-1", ""); err != nil {
		t.Fatalf("RevokeUser(all): %v", err)
	}
	_, err := f.svc.Refresh(t.Context(), kept.RefreshToken)
	wantKind(t, "after RevokeUser with no session kept", err, errs.Unauthenticated)
	wantKind(t, "RevokeUser(\"\")", f.svc.RevokeUser(t.Context(), "", ""), errs.Invalid)
}

func TestSessionExpiresAfterItsLifetime(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := issue(t, f.svc, "user-1")
	f.clock.Add(token.DefaultRefreshTTL - time.Minute)
	p = refresh(t, f.svc, p.RefreshToken)
	f.clock.Add(time.Minute)
	_, err := f.svc.Refresh(t.Context(), p.RefreshToken)
	wantKind(t, "refresh at the end of the session's lifetime", err, errs.Unauthenticated)
	if e := errs.As(err); !strings.Contains(e.Message, "expired") {
		t.Errorf("message %q does not say the session expired", e.Message)
	}
}

func TestExpiredAccessTokenIsRejected(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.clock.Add(-time.Hour) // issue an hour ago on the real clock
	p := issue(t, f.svc, "user-1")
	_, err := auth.NewVerifier(f.svc.PublicKeys).Verify(t.Context(), p.AccessToken)
	wantKind(t, "an access token issued an hour ago", err, errs.Unauthenticated)
}

func TestKeyRotationKeepsPreviousTokensVerifiable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := auth.NewVerifier(f.svc.PublicKeys)
	old := issue(t, f.svc, "user-1")
	keys1, err := f.svc.PublicKeys(t.Context())
	if err != nil || len(keys1) != 1 {
		t.Fatalf("PublicKeys before rotation = %v, %v; want one key", keys1, err)
	}
	if _, err := v.Verify(t.Context(), old.AccessToken); err != nil {
		t.Fatal(err)
	}

	f.clock.Add(token.DefaultKeyRotation)
	p := issue(t, f.svc, "user-1") // signed with the new key
	keys2, err := f.svc.PublicKeys(t.Context())
	if err != nil || len(keys2) != 2 || keys2[1].KID != keys1[0].KID || keys2[0].KID == keys1[0].KID {
		t.Fatalf("PublicKeys after rotation = %v, %v; want [new, %s]", keys2, err, keys1[0].KID)
	}
	if kid := headerKID(t, p.AccessToken); kid != keys2[0].KID {
		t.Errorf("new token signed with %s, want the newest key %s", kid, keys2[0].KID)
	}
	// A verifier that fetches the keys after the rotation accepts both
	// tokens (the old one's exp is in the real future). (A verifier that
	// fetched before learns the new kid on its next refetch; package auth
	// tests that.)
	v = auth.NewVerifier(f.svc.PublicKeys)
	for _, tok := range []string{p.AccessToken, old.AccessToken} {
		if _, err := v.Verify(t.Context(), tok); err != nil {
			t.Fatalf("Verify after rotation: %v", err)
		}
	}

	f.clock.Add(token.DefaultKeyRotation)
	keys3, err := f.svc.PublicKeys(t.Context())
	if err != nil || len(keys3) != 2 || keys3[1].KID != keys2[0].KID {
		t.Fatalf("PublicKeys after a second rotation = %v, %v", keys3, err)
	}
	for _, k := range keys3 {
		if k.KID == keys1[0].KID {
			t.Fatalf("the key two generations back is still published: %v", keys3)
		}
	}
}

func headerKID(t *testing.T, tok string) string {
	t.Helper()
	var h map[string]any
	b, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	kid, _ := h["kid"].(string)
	return kid
}

func TestInstancesSharingAStoreAgreeOnKeysAndSessions(t *testing.T) {
	t.Parallel()
	db := sqlstoretest.SQLite(t)
	store := migrated(t, db)
	const n = 6
	svcs := make([]*token.Service, n)
	for i := range svcs {
		var err error
		// Each instance has its own connection pool, as separate processes would.
		svcs[i], err = token.NewService(migrated(t, sqlstoretest.Reopen(t, db)), nil, token.Options{})
		if err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	kids := make([]string, n)
	for i, s := range svcs {
		wg.Go(func() {
			keys, err := s.PublicKeys(context.Background())
			if err != nil || len(keys) == 0 {
				t.Errorf("instance %d PublicKeys = %v, %v", i, keys, err)
				return
			}
			kids[i] = keys[0].KID
		})
	}
	wg.Wait()
	for i := range kids {
		if kids[i] != kids[0] {
			t.Fatalf("instances created different first keys: %v", kids)
		}
	}
	if keys, err := store.SigningKeys(t.Context()); err != nil || len(keys) != 1 {
		t.Fatalf("store holds %d keys (%v) after a concurrent start, want 1", len(keys), err)
	}

	p := issue(t, svcs[0], "user-1")
	p = refresh(t, svcs[1], p.RefreshToken)
	if _, err := auth.NewVerifier(svcs[2].PublicKeys).Verify(t.Context(), p.AccessToken); err != nil {
		t.Fatalf("a token from one instance does not verify with another's keys: %v", err)
	}
	if err := svcs[3].RevokeSession(t.Context(), p.SessionID); err != nil {
		t.Fatal(err)
	}
	_, err := svcs[4].Refresh(t.Context(), p.RefreshToken)
	wantKind(t, "refresh on one instance after revocation on another", err, errs.Unauthenticated)
}

func TestForgedAccessTokensAreRejected(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := issue(t, f.svc, "user-1")
	keys, err := f.store.SigningKeys(t.Context())
	if err != nil || len(keys) == 0 {
		t.Fatalf("SigningKeys = %v, %v", keys, err)
	}
	real := keys[0]
	pub, _ := f.svc.PublicKeys(t.Context())
	parts := strings.Split(p.AccessToken, ".")

	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		now := time.Now()
		c := jwt.MapClaims{"iss": auth.Issuer, "aud": auth.Audience, "sub": "user-1", "sid": p.SessionID,
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "j"}
		mod(c)
		return c
	}
	signEd := func(c jwt.MapClaims) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		tok.Header["kid"] = real.ID
		s, err := tok.SignedString(real.Private)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(func(jwt.MapClaims) {}))
	hs.Header["kid"] = real.ID
	hsTok, err := hs.SignedString([]byte(pub[0].Key))
	if err != nil {
		t.Fatal(err)
	}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, claims(func(jwt.MapClaims) {}))
	none.Header["kid"] = real.ID
	noneTok, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	otherSub, _ := json.Marshal(claims(func(c jwt.MapClaims) { c["sub"] = "admin" }))

	cases := map[string]string{
		"tampered payload":             parts[0] + "." + base64.RawURLEncoding.EncodeToString(otherSub) + "." + parts[2],
		"signature from another token": parts[0] + "." + parts[1] + "." + strings.Split(issue(t, f.svc, "user-1").AccessToken, ".")[2],
		"alg none":                     noneTok,
		"HS256 keyed with public key":  hsTok,
		"wrong audience":               signEd(claims(func(c jwt.MapClaims) { c["aud"] = "someone-else" })),
		"wrong issuer":                 signEd(claims(func(c jwt.MapClaims) { c["iss"] = "someone-else" })),
		"expired":                      signEd(claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Second).Unix() })),
	}
	v := auth.NewVerifier(f.svc.PublicKeys)
	if _, err := v.Verify(t.Context(), signEd(claims(func(jwt.MapClaims) {}))); err != nil {
		t.Fatalf("control: a correct token signed with the real key fails: %v", err)
	}
	for name, tok := range cases {
		_, err := v.Verify(t.Context(), tok)
		wantKind(t, name, err, errs.Unauthenticated)
	}
}

func TestIssueRejectsBadUserIDs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, id := range []string{"", strings.Repeat("u", 65), "has space", "dot.ted", "ünicode", "tab\t"} {
		_, err := f.svc.Issue(t.Context(), id)
		wantKind(t, "Issue("+id+")", err, errs.Invalid)
	}
}

func TestNewServiceRejectsInconsistentOptions(t *testing.T) {
	t.Parallel()
	store := migrated(t, sqlstoretest.SQLite(t))
	for name, o := range map[string]token.Options{
		"negative access TTL":          {AccessTTL: -time.Minute},
		"rotation shorter than tokens": {AccessTTL: time.Hour, KeyRotation: time.Hour},
	} {
		if _, err := token.NewService(store, nil, o); err == nil {
			t.Errorf("%s: NewService accepted %+v", name, o)
		}
	}
	if _, err := token.NewService(nil, nil, token.Options{}); err == nil {
		t.Error("NewService accepted a nil store")
	}
}
