package redislimit_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/ratelimit"
	"github.com/parleychat/parley/internal/ratelimit/ratelimittest"
	"github.com/parleychat/parley/internal/ratelimit/redislimit"
)

// openURL returns the test Redis URL with a key prefix unique to this test.
func openURL(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("prefix", platformtest.Name("parley:test:")+":")
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t *testing.T, rawURL string) *redislimit.Limiter {
	t.Helper()
	l, err := redislimit.Open(platformtest.Context(t), rawURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func TestContract(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, func(t *testing.T) ratelimit.Limiter { return open(t, openURL(t)) })
}

func TestTwoInstancesShareTheCount(t *testing.T) {
	t.Parallel()
	raw := openURL(t)
	a, b := open(t, raw), open(t, raw)
	ctx := platformtest.Context(t)
	r := ratelimit.Rate{N: 4, Per: time.Minute}
	allowed := 0
	for i := range 8 {
		l := a
		if i%2 == 1 {
			l = b
		}
		d, err := l.Allow(ctx, "shared", r)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			allowed++
		}
	}
	if allowed != r.N {
		t.Fatalf("two instances allowed %d calls in total, want %d", allowed, r.N)
	}
}

func TestKeysExpireOnceBackToAFullBurst(t *testing.T) {
	t.Parallel()
	raw := openURL(t)
	l := open(t, raw)
	ctx := platformtest.Context(t)
	if _, err := l.Allow(ctx, "short", ratelimit.Rate{N: 1, Per: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	prefix := u.Query().Get("prefix")
	rdb := redisClient(t)
	ttl, err := rdb.PTTL(ctx, prefix+"short").Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 0 || ttl > 300*time.Millisecond {
		t.Fatalf("key TTL = %s, want in (0, 300ms]", ttl)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := rdb.Exists(ctx, prefix+"short").Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the key still exists long after its period")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestUnreachableRedisIsUnavailable(t *testing.T) {
	t.Parallel()
	// Open pings, so an unreachable server fails at start-up.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := redislimit.Open(ctx, "redis://127.0.0.1:1/0?dial_timeout=1s")
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Open error = %v, want errs.Unavailable", err)
	}
}

func TestOpenRejectsBadURLs(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"redis://127.0.0.1:6379/0?bogus=1", "http://127.0.0.1:6379/", "redis://[::1"} {
		if l, err := redislimit.Open(context.Background(), raw); err == nil {
			_ = l.Close()
			t.Errorf("Open(%q) succeeded", raw)
		}
	}
}

// redisClient is a plain client on the test server, to inspect keys.
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}
