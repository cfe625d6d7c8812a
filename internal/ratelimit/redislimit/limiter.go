package redislimit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/ratelimit"
	"github.com/parleychat/parley/internal/redisconn"
)

// DefaultPrefix starts the name of every Redis key the limiter writes.
const DefaultPrefix = "parley:ratelimit:"

// Limiter is a ratelimit.Limiter on Redis. It is safe for concurrent use,
// and any number of Limiters (in any number of processes) opened on the
// same Redis database and prefix share their counts.
type Limiter struct {
	rdb    *redis.Client
	prefix string
}

var _ ratelimit.Limiter = (*Limiter)(nil)

// Open connects to Redis at rawURL, redis://[user:password@]host:port[/db]
// (rediss:// for TLS), with the query options go-redis understands
// (dial_timeout, pool_size, …) plus prefix=<key prefix> (default
// DefaultPrefix). It pings Redis before returning, so a wrong address
// fails at start-up.
func Open(ctx context.Context, rawURL string) (*Limiter, error) {
	rdb, prefix, err := redisconn.Open(ctx, rawURL, DefaultPrefix)
	if err != nil {
		return nil, fmt.Errorf("open rate limiter: %w", err)
	}
	return &Limiter{rdb: rdb, prefix: prefix}, nil
}

// Close releases the connections.
func (l *Limiter) Close() error { return l.rdb.Close() }

// Ping implements ratelimit.Limiter.
func (l *Limiter) Ping(ctx context.Context) error {
	if err := l.rdb.Ping(ctx).Err(); err != nil {
		return errs.Wrap(errs.Unavailable, err, "rate limiter unavailable")
	}
	return nil
}

// allowScript applies one call to KEYS[1] with the generic cell rate
// algorithm, in microseconds on Redis's clock. ARGV[1] is the interval
// Per/N, ARGV[2] the period Per. It returns {1, 0} when the call is allowed
// (and stores the new theoretical arrival time with an expiry at that
// time), or {0, wait} when it is refused. Numbers are formatted with %d
// because Redis would turn large Lua numbers into exponent notation.
var allowScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then tat = now end
local nexttat = tat + interval
local allowat = nexttat - per
if now < allowat then
  return {0, allowat - now}
end
local ttl = math.ceil((nexttat - now) / 1000)
if ttl < 1 then ttl = 1 end
redis.call('SET', KEYS[1], string.format('%d', nexttat), 'PX', string.format('%d', ttl))
return {1, 0}
`)

// Allow implements ratelimit.Limiter.
func (l *Limiter) Allow(ctx context.Context, key string, r ratelimit.Rate) (ratelimit.Decision, error) {
	if err := ratelimit.Validate(key, r); err != nil {
		return ratelimit.Decision{}, err
	}
	interval := r.Interval().Microseconds()
	per := r.Per.Microseconds()
	res, err := allowScript.Run(ctx, l.rdb, []string{l.prefix + key},
		strconv.FormatInt(interval, 10), strconv.FormatInt(per, 10)).Int64Slice()
	if err != nil {
		return ratelimit.Decision{}, errs.Wrap(errs.Unavailable, fmt.Errorf("rate limit %q: %w", key, err), "rate limiter unavailable")
	}
	if len(res) != 2 {
		return ratelimit.Decision{}, fmt.Errorf("rate limit %q: unexpected script result %v", key, res)
	}
	if res[0] == 1 {
		return ratelimit.Decision{Allowed: true}, nil
	}
	wait := time.Duration(res[1]) * time.Microsecond
	if wait <= 0 {
		return ratelimit.Decision{}, errors.New("rate limit: script refused with no wait")
	}
	return ratelimit.Decision{RetryAfter: wait}, nil
}
