package redisstore

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parleychat/parley/internal/redisconn"
	"github.com/parleychat/parley/internal/token"
)

// DefaultPrefix starts every key the store writes, unless the URL's prefix
// parameter says otherwise.
const DefaultPrefix = "parley:token:"

// revokeChunk is how many families one RevokeUser script call handles.
const revokeChunk = 256

// Store is a token.Store on Redis. It is safe for concurrent use by any
// number of instances sharing the Redis server.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	owned  bool
}

var _ token.Store = (*Store)(nil)

// New returns a Store on rdb whose keys all start with prefix. The caller
// keeps ownership of rdb (Close does not close it).
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, prefix: prefix}
}

// Open connects to the Redis server of rawURL (redis:// or rediss://, as
// go-redis parses it, plus an optional prefix=<key prefix> parameter,
// DefaultPrefix by default) and checks that it answers. Close the Store
// when done.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	rdb, prefix, err := redisconn.Open(ctx, rawURL, DefaultPrefix)
	if err != nil {
		return nil, fmt.Errorf("redisstore: open: %w", err)
	}
	return &Store{rdb: rdb, prefix: prefix, owned: true}, nil
}

// Close closes the connection pool if Open made it.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	return s.rdb.Close()
}

// Ping checks Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstore: ping: %w", err)
	}
	return nil
}

func (s *Store) famKey(id string) string      { return s.prefix + "fam:" + id }
func (s *Store) tokensKey(id string) string   { return s.prefix + "fam:" + id + ":tokens" }
func (s *Store) userKey(userID string) string { return s.prefix + "user:" + userID }
func (s *Store) keysKey() string              { return s.prefix + "keys" }

// createScript stores a family and its first token hash with the family's
// TTL, and adds the family to its user's set, extending the set's TTL to
// the family's. KEYS: fam, tokens, user. ARGV: user id, first hash,
// created µs, expires µs, ttl ms, family id.
var createScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'user', ARGV[1], 'current', ARGV[2], 'created', ARGV[3], 'expires', ARGV[4], 'revoked', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('SADD', KEYS[3], ARGV[6])
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[3], ARGV[5]) end
return 1
`)

// CreateFamily implements token.Families.
func (s *Store) CreateFamily(ctx context.Context, f token.Family, first token.Hash) error {
	ttl := f.ExpiresAt.Sub(f.CreatedAt)
	ttlMS := max(ttl.Milliseconds(), 1)
	if ttl%time.Millisecond != 0 {
		ttlMS++
	}
	n, err := createScript.Run(ctx, s.rdb,
		[]string{s.famKey(f.ID), s.tokensKey(f.ID), s.userKey(f.UserID)},
		f.UserID, string(first[:]), f.CreatedAt.UnixMicro(), f.ExpiresAt.UnixMicro(), ttlMS, f.ID).Int()
	if err != nil {
		return fmt.Errorf("redisstore: create family %s: %w", f.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("redisstore: create family %s: it exists", f.ID)
	}
	return nil
}

// rotateScript is Rotate's check-and-swap. KEYS: fam, tokens. ARGV:
// presented hash, next hash, now µs, grace µs. Returns {verdict, user,
// created µs, expires µs}; verdict is ok, unknown, revoked, expired or
// reused. A duplicate of the last rotation within grace (same presented,
// same next) is ok and changes nothing.
var rotateScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'user', 'current', 'created', 'expires', 'revoked', 'prev', 'rotated')
if not f[1] then return {'unknown'} end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return {'unknown'} end
if f[5] == '1' then return {'revoked', f[1], f[3], f[4]} end
if tonumber(f[4]) <= tonumber(ARGV[3]) then return {'expired', f[1], f[3], f[4]} end
if f[2] ~= ARGV[1] then
  if tonumber(ARGV[4]) > 0 and f[6] == ARGV[1] and f[2] == ARGV[2] and f[7] and tonumber(ARGV[3]) <= tonumber(f[7]) + tonumber(ARGV[4]) then
    return {'ok', f[1], f[3], f[4]}
  end
  redis.call('HSET', KEYS[1], 'revoked', '1')
  return {'reused', f[1], f[3], f[4]}
end
redis.call('HSET', KEYS[1], 'current', ARGV[2], 'prev', ARGV[1], 'rotated', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
return {'ok', f[1], f[3], f[4]}
`)

// Rotate implements token.Families.
func (s *Store) Rotate(ctx context.Context, familyID string, presented, next token.Hash, now time.Time, grace time.Duration) (token.Family, error) {
	res, err := rotateScript.Run(ctx, s.rdb, []string{s.famKey(familyID), s.tokensKey(familyID)},
		string(presented[:]), string(next[:]), now.UnixMicro(), grace.Microseconds()).StringSlice()
	if err != nil {
		return token.Family{}, fmt.Errorf("redisstore: rotate in family %s: %w", familyID, err)
	}
	switch {
	case len(res) == 1 && res[0] == "unknown":
		return token.Family{}, token.ErrUnknown
	case len(res) != 4:
		return token.Family{}, fmt.Errorf("redisstore: rotate in family %s: unexpected reply %q", familyID, res)
	}
	switch res[0] {
	case "revoked":
		return token.Family{}, token.ErrRevoked
	case "expired":
		return token.Family{}, token.ErrExpired
	case "reused":
		return token.Family{}, token.ErrReused
	case "ok":
	default:
		return token.Family{}, fmt.Errorf("redisstore: rotate in family %s: unexpected verdict %q", familyID, res[0])
	}
	created, err1 := strconv.ParseInt(res[2], 10, 64)
	expires, err2 := strconv.ParseInt(res[3], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return token.Family{}, fmt.Errorf("redisstore: family %s has corrupt times: %w", familyID, err)
	}
	return token.Family{
		ID:        familyID,
		UserID:    res[1],
		CreatedAt: time.UnixMicro(created).UTC(),
		ExpiresAt: time.UnixMicro(expires).UTC(),
	}, nil
}

// revokeScript flags the families KEYS[2..] revoked, skipping (and
// removing from the user's set KEYS[1]) those that no longer exist. ARGV
// holds the family ids matching KEYS[2..].
var revokeScript = redis.NewScript(`
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HSET', KEYS[i], 'revoked', '1')
  else
    redis.call('SREM', KEYS[1], ARGV[i-1])
  end
end
return 0
`)

// revokeOneScript flags the family KEYS[1] revoked if it exists.
var revokeOneScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'revoked', '1') end
return 0
`)

// RevokeFamily implements token.Families. A vanished family's id stays in
// its user's set until RevokeUser drops it or the set expires.
func (s *Store) RevokeFamily(ctx context.Context, familyID string) error {
	if err := revokeOneScript.Run(ctx, s.rdb, []string{s.famKey(familyID)}).Err(); err != nil {
		return fmt.Errorf("redisstore: revoke family %s: %w", familyID, err)
	}
	return nil
}

// RevokeUser implements token.Families.
func (s *Store) RevokeUser(ctx context.Context, userID, keepFamilyID string) error {
	ids, err := s.rdb.SMembers(ctx, s.userKey(userID)).Result()
	if err != nil {
		return fmt.Errorf("redisstore: revoke families of user %s: %w", userID, err)
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == keepFamilyID })
	for chunk := range slices.Chunk(ids, revokeChunk) {
		if err := s.revoke(ctx, s.userKey(userID), chunk); err != nil {
			return fmt.Errorf("redisstore: revoke families of user %s: %w", userID, err)
		}
	}
	return nil
}

func (s *Store) revoke(ctx context.Context, userKey string, ids []string) error {
	keys := make([]string, 0, len(ids)+1)
	args := make([]any, 0, len(ids))
	keys = append(keys, userKey)
	for _, id := range ids {
		keys = append(keys, s.famKey(id))
		args = append(args, id)
	}
	return revokeScript.Run(ctx, s.rdb, keys, args...).Err()
}

// Purge implements token.Families: Redis expires families by itself.
func (s *Store) Purge(context.Context, time.Time) error { return nil }

// storedKey is a signing key as kept in the keys hash.
type storedKey struct {
	ID        string `json:"kid"`
	CreatedAt int64  `json:"createdAt"` // Unix µs
	Seed      []byte `json:"seed"`      // the Ed25519 seed (base64 in JSON)
}

// SigningKeys implements token.Keys.
func (s *Store) SigningKeys(ctx context.Context) ([]token.SigningKey, error) {
	all, err := s.rdb.HGetAll(ctx, s.keysKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: read signing keys: %w", err)
	}
	keys := make([]token.SigningKey, 0, len(all))
	for field, raw := range all {
		gen, err := strconv.ParseInt(field, 10, 64)
		var sk storedKey
		if err == nil {
			err = json.Unmarshal([]byte(raw), &sk)
		}
		if err == nil && len(sk.Seed) != ed25519.SeedSize {
			err = fmt.Errorf("seed is %d bytes", len(sk.Seed))
		}
		if err != nil {
			return nil, fmt.Errorf("redisstore: signing key generation %q is corrupt: %w", field, err)
		}
		keys = append(keys, token.SigningKey{
			ID:         sk.ID,
			Generation: gen,
			CreatedAt:  time.UnixMicro(sk.CreatedAt).UTC(),
			Private:    ed25519.NewKeyFromSeed(sk.Seed),
		})
	}
	slices.SortFunc(keys, func(a, b token.SigningKey) int { return cmp.Compare(b.Generation, a.Generation) })
	return keys, nil
}

// Secret implements token.Keys with SETNX: the first writer wins. Secrets
// do not expire.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	key := s.prefix + "secret:" + name
	v := make([]byte, token.SecretLen)
	_, _ = rand.Read(v)
	if err := s.rdb.SetNX(ctx, key, v, 0).Err(); err != nil {
		return nil, fmt.Errorf("redisstore: create secret %s: %w", name, err)
	}
	got, err := s.rdb.Get(ctx, key).Bytes()
	if err != nil {
		return nil, fmt.Errorf("redisstore: read secret %s: %w", name, err)
	}
	if len(got) != token.SecretLen {
		return nil, fmt.Errorf("redisstore: secret %s is %d bytes", name, len(got))
	}
	return got, nil
}

// AddSigningKey implements token.Keys with HSETNX: the first writer of a
// generation wins.
func (s *Store) AddSigningKey(ctx context.Context, k token.SigningKey) error {
	if len(k.Private) != ed25519.PrivateKeySize {
		return fmt.Errorf("redisstore: add signing key %s: private key is %d bytes", k.ID, len(k.Private))
	}
	raw, err := json.Marshal(storedKey{ID: k.ID, CreatedAt: k.CreatedAt.UnixMicro(), Seed: k.Private.Seed()})
	if err != nil {
		return fmt.Errorf("redisstore: add signing key %s: %w", k.ID, err)
	}
	ok, err := s.rdb.HSetNX(ctx, s.keysKey(), strconv.FormatInt(k.Generation, 10), raw).Result()
	if err != nil {
		return fmt.Errorf("redisstore: add signing key %s: %w", k.ID, err)
	}
	if !ok {
		return token.ErrKeyExists
	}
	return nil
}
