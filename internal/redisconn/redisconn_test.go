package redisconn

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/platformtest"
)

func TestOpenReadsPrefixAndPings(t *testing.T) {
	ctx := platformtest.Context(t)
	rdb, prefix, err := Open(ctx, platformtest.RedisURL(t)+"?prefix=p1:", "default:")
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if prefix != "p1:" {
		t.Fatalf("prefix = %q", prefix)
	}
	if err := rdb.Set(ctx, prefix+"k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	rdb.Del(ctx, prefix+"k")

	_, prefix, err = Open(ctx, platformtest.RedisURL(t), "default:")
	if err != nil || prefix != "default:" {
		t.Fatalf("default prefix: %q %v", prefix, err)
	}
}

func TestOpenFailsClearlyWithoutLeakingThePassword(t *testing.T) {
	ctx := platformtest.Context(t)
	for _, raw := range []string{"redis://user:hunter2@127.0.0.1:1/0", "redis://:hunter2@[::1", "http://user:hunter2@x"} {
		_, _, err := Open(ctx, raw, "")
		if err == nil {
			t.Fatalf("%s: no error", raw)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("password in error: %v", err)
		}
	}
}
