package redisregistry_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/redisconn"
	"github.com/parleychat/parley/internal/registry"
	"github.com/parleychat/parley/internal/registry/redisregistry"
	"github.com/parleychat/parley/internal/registry/registrytest"
)

// TestRedis runs the contract suite on the real Redis (127.0.0.1:6379 or
// PARLEY_TEST_REDIS_URL); it fails when Redis is unreachable.
func TestRedis(t *testing.T) {
	base := platformtest.RedisURL(t)
	registrytest.Run(t, func(t *testing.T, ttl time.Duration) func() registry.Registry {
		prefix := platformtest.Name("registrytest-") + ":"
		url := base + "?prefix=" + prefix
		t.Cleanup(func() { dropKeys(t, base, prefix) })
		return func() registry.Registry {
			r, err := redisregistry.Open(context.Background(), url, ttl)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			return r
		}
	})
}

// dropKeys deletes what a test left under prefix.
func dropKeys(t *testing.T, rawURL, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rdb, _, err := redisconn.Open(ctx, rawURL, "")
	if err != nil {
		t.Logf("clean up %s: %v", prefix, err)
		return
	}
	defer rdb.Close()
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

func TestOpenFailsOnAnUnreachableRedis(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := redisregistry.Open(ctx, "redis://127.0.0.1:1/0", 0); err == nil {
		t.Fatal("no error")
	}
}
