// Package redislimit is the distributed adapter of the ratelimit port: the
// state of every key lives in Redis, so that all instances of all roles
// share one count per key (ratelimit_url redis://…).
//
// Each Allow is one Lua script, executed atomically by Redis, that applies
// the same algorithm as ratelimit.Memory (GCRA, a token bucket) on Redis's
// own clock (TIME), so that instances with skewed clocks still agree. A key
// is one Redis string holding the theoretical arrival time in microseconds;
// it expires as soon as the key is back to a full burst, so idle keys cost
// nothing. Keys are named <prefix><key>, the prefix defaulting to
// "parley:ratelimit:".
//
// When Redis is unreachable Allow returns an errs.Unavailable error and the
// caller chooses whether to fail open or closed.
package redislimit
