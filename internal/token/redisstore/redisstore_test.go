package redisstore_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/token"
	"github.com/parleychat/parley/internal/token/redisstore"
	"github.com/parleychat/parley/internal/token/tokentest"
)

// open returns a Store on the test Redis with a key prefix unique to this
// test, through Open (URL parsing included), and deletes the test's keys
// when it ends. An unreachable Redis fails the test.
func open(t *testing.T) (*redisstore.Store, *redis.Client, string) {
	t.Helper()
	raw := platformtest.RedisURL(t)
	prefix := platformtest.Name("parley-test-") + ":"
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("prefix", prefix)
	u.RawQuery = q.Encode()
	s, err := redisstore.Open(platformtest.Context(t), u.String())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("clean up test keys: %v", err)
		}
		rdb.Close()
		s.Close()
	})
	return s, rdb, prefix
}

func TestStoreContract(t *testing.T) {
	tokentest.Run(t, func(t *testing.T) token.Store {
		s, _, _ := open(t)
		return s
	})
}

func TestFamilyKeysExpireWithTheFamily(t *testing.T) {
	t.Parallel()
	s, rdb, prefix := open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	f := token.Family{ID: "fam-1", UserID: "user-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateFamily(ctx, f, token.Hash{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rotate(ctx, f.ID, token.Hash{1}, token.Hash{2}, now, 0); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{prefix + "fam:fam-1", prefix + "fam:fam-1:tokens", prefix + "user:user-1"} {
		ttl, err := rdb.PTTL(ctx, key).Result()
		if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
			t.Errorf("TTL of %s = %v, %v; want about an hour", key, ttl, err)
		}
	}
	if err := s.CreateFamily(ctx, f, token.Hash{3}); err == nil {
		t.Error("CreateFamily with an existing id succeeded")
	}
}

func TestRevokingVanishedFamiliesCreatesNoKeys(t *testing.T) {
	t.Parallel()
	s, rdb, prefix := open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	f := token.Family{ID: "fam-gone", UserID: "user-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateFamily(ctx, f, token.Hash{1}); err != nil {
		t.Fatal(err)
	}
	rdb.Del(ctx, prefix+"fam:fam-gone", prefix+"fam:fam-gone:tokens") // as if expired
	if err := s.RevokeFamily(ctx, "fam-gone"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeUser(ctx, "user-1", ""); err != nil {
		t.Fatal(err)
	}
	if n, _ := rdb.Exists(ctx, prefix+"fam:fam-gone").Result(); n != 0 {
		t.Error("revoking a vanished family recreated its key (without a TTL)")
	}
	if members, _ := rdb.SMembers(ctx, prefix+"user:user-1").Result(); len(members) != 0 {
		t.Errorf("user set still names vanished families: %v", members)
	}
}

func TestOpenRefusesBadURLsWithoutLeakingPasswords(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"redis://:hunter2@127.0.0.1:1/0",    // nothing listens on port 1
		"redis://:hunter2@127.0.0.1:6379/x", // bad database number
		"redis://:hunter2@127.0.0.1:6379/0?nonsense=1",
		"http://:hunter2@127.0.0.1:6379/0",
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		_, err := redisstore.Open(ctx, raw)
		cancel()
		if err == nil {
			t.Errorf("Open(%q) succeeded", raw)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q) error leaks the password: %v", raw, err)
		}
	}
}

// The service on Redis: the stolen-token scenario and key sharing between
// two instances, end to end.
func TestServiceOnRedis(t *testing.T) {
	t.Parallel()
	s, _, _ := open(t)
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	a, err := token.NewService(s, nil, token.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	b, err := token.NewService(s, nil, token.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	p, err := a.Issue(ctx, "user-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.NewVerifier(b.PublicKeys).Verify(ctx, p.AccessToken); err != nil {
		t.Fatalf("token of instance a with keys of instance b: %v", err)
	}
	p1, err := b.Refresh(ctx, p.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	// A duplicate on the other instance, within the grace, gets the same
	// new refresh token (both derive it from the shared secret).
	if dup, err := a.Refresh(ctx, p.RefreshToken); err != nil || dup.RefreshToken != p1.RefreshToken {
		t.Fatalf("duplicate on instance a: %v, %v; want %q", dup.RefreshToken, err, p1.RefreshToken)
	}
	mu.Lock()
	clock = clock.Add(token.DefaultReuseGrace + time.Second)
	mu.Unlock()
	if _, err := a.Refresh(ctx, p.RefreshToken); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("replay of the rotated token: %v, want unauthenticated", err)
	}
	if _, err := a.Refresh(ctx, p1.RefreshToken); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("the new token after the replay: %v, want unauthenticated", err)
	}
	var e *errs.Error
	if _, err := b.Refresh(ctx, "garbage"); !errors.As(err, &e) || e.Kind != errs.Unauthenticated {
		t.Fatalf("garbage: %v", err)
	}
}
