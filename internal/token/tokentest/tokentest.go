// Package tokentest is the contract suite of token.Store: Run checks, on
// any implementation, what the token service relies on: family creation,
// atomic rotate-or-detect-reuse (also under concurrency), revocation of one
// family and of a user's families, purging, and race-free signing-key
// creation. token.SQLStore (SQLite and MariaDB) and token/redisstore (Redis)
// both run it.
package tokentest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/token"
)

// NewStore returns an empty store private to the test, cleaned up when the
// test ends. Stores returned for the same t by repeated calls need not be
// related.
type NewStore func(t *testing.T) token.Store

// Run runs the contract suite against the stores newStore makes. Each
// subtest gets a fresh store and runs in parallel with its siblings.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s token.Store)
	}{
		{"RotateReturnsTheFamilyAndAcceptsOnlyTheNewToken", testRotateChain},
		{"ReusingARotatedTokenRevokesTheFamily", testReuseRevokes},
		{"ReusingAnOlderTokenRevokesTheFamily", testReuseOfOlderToken},
		{"UnknownTokenChangesNothing", testUnknown},
		{"ExpiredFamilyFails", testExpired},
		{"RevokeFamilyIsIdempotent", testRevokeFamily},
		{"RevokeUserKeepsOneFamilyAndOtherUsers", testRevokeUser},
		{"ConcurrentRotationsOfOneTokenHaveOneWinner", testConcurrentRotate},
		{"ADuplicateRotationWithinTheGraceSucceedsAndChangesNothing", testDuplicateWithinGrace},
		{"ADuplicateOutsideTheGraceOrWithAnotherNextIsReuse", testDuplicateIsReuseOtherwise},
		{"SecretIsCreatedOnceAndShared", testSecret},
		{"PurgeForgetsExpiredFamiliesOnly", testPurge},
		{"SigningKeysRoundTripNewestFirst", testSigningKeys},
		{"ConcurrentKeyCreationHasOneWinner", testConcurrentKeys},
		{"Ping", func(t *testing.T, s token.Store) {
			if err := s.Ping(t.Context()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

// now is a time that stores must keep exactly (UTC, whole seconds).
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }

func hash(t *testing.T) token.Hash {
	t.Helper()
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b[:])
}

func newFamily(t *testing.T, s token.Store, userID string, created time.Time, ttl time.Duration) (token.Family, token.Hash) {
	t.Helper()
	f := token.Family{ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, CreatedAt: created, ExpiresAt: created.Add(ttl)}
	h := hash(t)
	if err := s.CreateFamily(t.Context(), f, h); err != nil {
		t.Fatalf("CreateFamily: %v", err)
	}
	return f, h
}

// rotate rotates and fails the test on error, returning the new hash.
func rotate(t *testing.T, s token.Store, f token.Family, cur token.Hash, at time.Time) token.Hash {
	t.Helper()
	next := hash(t)
	got, err := s.Rotate(t.Context(), f.ID, cur, next, at, 0)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if got.ID != f.ID || got.UserID != f.UserID || !got.CreatedAt.Equal(f.CreatedAt) || !got.ExpiresAt.Equal(f.ExpiresAt) {
		t.Fatalf("Rotate returned %+v, want %+v", got, f)
	}
	return next
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

func testRotateChain(t *testing.T, s token.Store) {
	at := now()
	f, h0 := newFamily(t, s, "user-a", at, time.Hour)
	h1 := rotate(t, s, f, h0, at)
	h2 := rotate(t, s, f, h1, at.Add(time.Minute))
	rotate(t, s, f, h2, at.Add(2*time.Minute))
}

func testReuseRevokes(t *testing.T, s token.Store) {
	at := now()
	f, h0 := newFamily(t, s, "user-a", at, time.Hour)
	h1 := rotate(t, s, f, h0, at)
	_, err := s.Rotate(t.Context(), f.ID, h0, hash(t), at, 0)
	wantErr(t, "presenting the rotated token", err, token.ErrReused)
	_, err = s.Rotate(t.Context(), f.ID, h1, hash(t), at, 0)
	wantErr(t, "presenting the current token after reuse", err, token.ErrRevoked)
	_, err = s.Rotate(t.Context(), f.ID, h0, hash(t), at, 0)
	wantErr(t, "presenting the reused token again", err, token.ErrRevoked)
}

func testReuseOfOlderToken(t *testing.T, s token.Store) {
	at := now()
	f, h0 := newFamily(t, s, "user-a", at, time.Hour)
	h1 := rotate(t, s, f, h0, at)
	h2 := rotate(t, s, f, h1, at)
	_, err := s.Rotate(t.Context(), f.ID, h1, hash(t), at, 0)
	wantErr(t, "presenting the previous token", err, token.ErrReused)
	_, err = s.Rotate(t.Context(), f.ID, h2, hash(t), at, 0)
	wantErr(t, "presenting the current token after reuse", err, token.ErrRevoked)
}

func testUnknown(t *testing.T, s token.Store) {
	at := now()
	f, h0 := newFamily(t, s, "user-a", at, time.Hour)
	_, err := s.Rotate(t.Context(), uuid.NewString(), h0, hash(t), at, 0)
	wantErr(t, "unknown family", err, token.ErrUnknown)
	_, err = s.Rotate(t.Context(), f.ID, hash(t), hash(t), at, 0)
	wantErr(t, "garbage hash in a known family", err, token.ErrUnknown)
	rotate(t, s, f, h0, at) // the family was not revoked by garbage
}

func testExpired(t *testing.T, s token.Store) {
	at := now()
	f, h0 := newFamily(t, s, "user-a", at, time.Hour)
	_, err := s.Rotate(t.Context(), f.ID, h0, hash(t), f.ExpiresAt, 0)
	wantErr(t, "rotating at the expiry instant", err, token.ErrExpired)
	rotate(t, s, f, h0, f.ExpiresAt.Add(-time.Second))
}

func testRevokeFamily(t *testing.T, s token.Store) {
	at := now()
	f, h0 := newFamily(t, s, "user-a", at, time.Hour)
	other, o0 := newFamily(t, s, "user-a", at, time.Hour)
	for range 2 {
		if err := s.RevokeFamily(t.Context(), f.ID); err != nil {
			t.Fatalf("RevokeFamily: %v", err)
		}
	}
	if err := s.RevokeFamily(t.Context(), uuid.NewString()); err != nil {
		t.Fatalf("RevokeFamily of an unknown family: %v", err)
	}
	_, err := s.Rotate(t.Context(), f.ID, h0, hash(t), at, 0)
	wantErr(t, "rotating in a revoked family", err, token.ErrRevoked)
	rotate(t, s, other, o0, at)
}

func testRevokeUser(t *testing.T, s token.Store) {
	at := now()
	type fam struct {
		f token.Family
		h token.Hash
	}
	var a []fam
	for range 3 {
		f, h := newFamily(t, s, "user-a", at, time.Hour)
		a = append(a, fam{f, h})
	}
	bf, bh := newFamily(t, s, "user-b", at, time.Hour)

	if err := s.RevokeUser(t.Context(), "user-a", a[1].f.ID); err != nil {
		t.Fatalf("RevokeUser keeping one: %v", err)
	}
	for i, x := range a {
		_, err := s.Rotate(t.Context(), x.f.ID, x.h, hash(t), at, 0)
		if i == 1 {
			if err != nil {
				t.Fatalf("the kept family: %v", err)
			}
			continue
		}
		wantErr(t, fmt.Sprintf("family %d of the user", i), err, token.ErrRevoked)
	}
	bh = rotate(t, s, bf, bh, at)

	if err := s.RevokeUser(t.Context(), "user-b", ""); err != nil {
		t.Fatalf("RevokeUser keeping none: %v", err)
	}
	_, err := s.Rotate(t.Context(), bf.ID, bh, hash(t), at, 0)
	wantErr(t, "family after RevokeUser with no keep", err, token.ErrRevoked)
	if err := s.RevokeUser(t.Context(), "user-nobody", ""); err != nil {
		t.Fatalf("RevokeUser of a user without families: %v", err)
	}
}

func testConcurrentRotate(t *testing.T, s token.Store) {
	at := now()
	f, h0 := newFamily(t, s, "user-a", at, time.Hour)
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []token.Hash
		others  []error
	)
	for range n {
		next := hash(t)
		wg.Go(func() {
			_, err := s.Rotate(t.Context(), f.ID, h0, next, at, 0)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				winners = append(winners, next)
			} else {
				others = append(others, err)
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d concurrent rotations of one token succeeded, want exactly 1 (errors: %v)", len(winners), others)
	}
	for _, err := range others {
		if !errors.Is(err, token.ErrReused) && !errors.Is(err, token.ErrRevoked) {
			t.Fatalf("a losing rotation failed with %v, want ErrReused or ErrRevoked", err)
		}
	}
	_, err := s.Rotate(t.Context(), f.ID, winners[0], hash(t), at, 0)
	wantErr(t, "the winner's token after the others reused", err, token.ErrRevoked)
}

func testPurge(t *testing.T, s token.Store) {
	at := now()
	short, sh := newFamily(t, s, "user-a", at, time.Minute)
	long, lh := newFamily(t, s, "user-a", at, time.Hour)
	if err := s.Purge(t.Context(), at.Add(2*time.Minute)); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	_, err := s.Rotate(t.Context(), short.ID, sh, hash(t), at.Add(2*time.Minute), 0)
	if !errors.Is(err, token.ErrUnknown) && !errors.Is(err, token.ErrExpired) {
		t.Fatalf("purged family: error %v, want ErrUnknown or ErrExpired", err)
	}
	rotate(t, s, long, lh, at.Add(2*time.Minute))
}

func newKey(t *testing.T, gen int64, created time.Time) token.SigningKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return token.SigningKey{ID: fmt.Sprintf("kid-%d-%s", gen, uuid.NewString()[:8]), Generation: gen, CreatedAt: created, Private: priv}
}

func testSigningKeys(t *testing.T, s token.Store) {
	keys, err := s.SigningKeys(t.Context())
	if err != nil || len(keys) != 0 {
		t.Fatalf("SigningKeys of a new store = %v, %v; want none", keys, err)
	}
	at := now()
	k1, k2 := newKey(t, 1, at), newKey(t, 2, at.Add(time.Hour))
	for _, k := range []token.SigningKey{k1, k2} {
		if err := s.AddSigningKey(t.Context(), k); err != nil {
			t.Fatalf("AddSigningKey gen %d: %v", k.Generation, err)
		}
	}
	err = s.AddSigningKey(t.Context(), newKey(t, 2, at))
	wantErr(t, "a second key of generation 2", err, token.ErrKeyExists)
	keys, err = s.SigningKeys(t.Context())
	if err != nil {
		t.Fatalf("SigningKeys: %v", err)
	}
	want := []token.SigningKey{k2, k1}
	if len(keys) != len(want) {
		t.Fatalf("SigningKeys returned %d keys, want %d", len(keys), len(want))
	}
	for i, k := range keys {
		w := want[i]
		if k.ID != w.ID || k.Generation != w.Generation || !k.CreatedAt.Equal(w.CreatedAt) || !k.Private.Equal(w.Private) {
			t.Fatalf("key %d = {%s gen %d at %v}, want {%s gen %d at %v} with the same private key",
				i, k.ID, k.Generation, k.CreatedAt, w.ID, w.Generation, w.CreatedAt)
		}
	}
}

func testConcurrentKeys(t *testing.T, s token.Store) {
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		won  int
		errs []error
	)
	at := now()
	for range n {
		k := newKey(t, 1, at)
		wg.Go(func() {
			err := s.AddSigningKey(t.Context(), k)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				won++
			} else if !errors.Is(err, token.ErrKeyExists) {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if won != 1 || len(errs) > 0 {
		t.Fatalf("%d of %d concurrent writers of generation 1 won (unexpected errors: %v), want exactly 1", won, n, errs)
	}
	keys, err := s.SigningKeys(t.Context())
	if err != nil || len(keys) != 1 {
		t.Fatalf("SigningKeys after the race = %d keys, %v; want 1", len(keys), err)
	}
}

// testDuplicateWithinGrace: the same rotation presented again within the
// grace (two tabs refreshing at once) returns the family and changes
// nothing; the next token stays current and rotates normally.
func testDuplicateWithinGrace(t *testing.T, s token.Store) {
	at := now()
	f, h0 := newFamily(t, s, "u", at, time.Hour)
	h1 := hash(t)
	if _, err := s.Rotate(t.Context(), f.ID, h0, h1, at, 2*time.Second); err != nil {
		t.Fatalf("first rotation: %v", err)
	}
	got, err := s.Rotate(t.Context(), f.ID, h0, h1, at.Add(2*time.Second), 2*time.Second)
	if err != nil || got != f {
		t.Fatalf("duplicate within the grace: %+v, %v; want the family", got, err)
	}
	rotate(t, s, f, h1, at.Add(2*time.Second))
}

// testDuplicateIsReuseOtherwise: a duplicate after the grace, one with
// another next token, and one after the successor rotated on are reuse,
// which revokes the family.
func testDuplicateIsReuseOtherwise(t *testing.T, s token.Store) {
	at := now()
	for name, tc := range map[string]func(f token.Family, h0, h1 token.Hash) error{
		"after the grace": func(f token.Family, h0, h1 token.Hash) error {
			_, err := s.Rotate(t.Context(), f.ID, h0, h1, at.Add(3*time.Second), 2*time.Second)
			return err
		},
		"with another next": func(f token.Family, h0, h1 token.Hash) error {
			_, err := s.Rotate(t.Context(), f.ID, h0, hash(t), at.Add(time.Second), 2*time.Second)
			return err
		},
		"without a grace": func(f token.Family, h0, h1 token.Hash) error {
			_, err := s.Rotate(t.Context(), f.ID, h0, h1, at, 0)
			return err
		},
		"after the successor rotated": func(f token.Family, h0, h1 token.Hash) error {
			rotate(t, s, f, h1, at)
			_, err := s.Rotate(t.Context(), f.ID, h0, h1, at.Add(time.Second), 2*time.Second)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			f, h0 := newFamily(t, s, "u-"+name, at, time.Hour)
			h1 := hash(t)
			if _, err := s.Rotate(t.Context(), f.ID, h0, h1, at, 2*time.Second); err != nil {
				t.Fatalf("first rotation: %v", err)
			}
			wantErr(t, "duplicate "+name, tc(f, h0, h1), token.ErrReused)
			_, err := s.Rotate(t.Context(), f.ID, h1, hash(t), at.Add(time.Second), 2*time.Second)
			wantErr(t, "the current token after reuse", err, token.ErrRevoked)
		})
	}
}

// testSecret: a named secret is created once; every caller, concurrent
// ones included, gets the same bytes; other names get other secrets.
func testSecret(t *testing.T, s token.Store) {
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() {
			v, err := s.Secret(t.Context(), "refresh-successor")
			if err != nil {
				t.Errorf("Secret: %v", err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	for _, v := range got {
		if len(v) != token.SecretLen || string(v) != string(got[0]) {
			t.Fatalf("secrets differ or have the wrong length: %x", got)
		}
	}
	other, err := s.Secret(t.Context(), "other")
	if err != nil || string(other) == string(got[0]) {
		t.Fatalf("another name: %x, %v", other, err)
	}
}
