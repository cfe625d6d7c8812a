// Package redisconn opens Redis connections from Parley's redis:// URLs.
// Every Redis adapter (token store, rate limiter, SFU registry) shares it,
// so the URL means the same everywhere: what go-redis parses
// (redis://[user:password@]host:port[/db], rediss:// for TLS, options such
// as dial_timeout and pool_size) plus prefix=<key prefix>, which lets
// several adapters, deployments or tests share one Redis database.
package redisconn

import (
	"context"
	"fmt"
	"net/url"

	"github.com/redis/go-redis/v9"

	"github.com/parleychat/parley/internal/errs"
)

// Open connects to the Redis server of rawURL and pings it, so that a
// wrong address fails at start-up. The key prefix is the URL's prefix
// parameter, or defaultPrefix. Errors never contain the password.
func Open(ctx context.Context, rawURL, defaultPrefix string) (*redis.Client, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "", fmt.Errorf("redis URL is not a valid URL")
	}
	q := u.Query()
	prefix := defaultPrefix
	if q.Has("prefix") {
		prefix = q.Get("prefix")
		q.Del("prefix")
		u.RawQuery = q.Encode()
	}
	opts, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, "", fmt.Errorf("redis URL %s: %w", u.Redacted(), err)
	}
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, "", errs.Wrap(errs.Unavailable, err, "redis at "+u.Redacted()+" is unreachable")
	}
	return rdb, prefix, nil
}
