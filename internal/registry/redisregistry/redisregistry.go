// Package redisregistry is the registry.Registry on Redis (registry_url
// redis://…): the registry every gateway and SFU process of a deployment
// shares.
//
// Keys, under the URL's prefix (default "parley:registry:"):
//
//	inst:<id>   the instance as JSON, expiring TTL after its last heartbeat
//	instances   a set of instance ids (an index; inst:<id> is the truth)
//	room:<room> the id of the instance that hosts the room
//	rooms:<id>  the rooms placed on an instance
//
// Place, Release and Deregister are Lua scripts, so each is atomic: two
// gateways placing one new room at the same time get the same instance,
// and a room whose instance's key expired is re-placed exactly once. The
// scripts touch keys they compute from the prefix, so the registry needs
// one Redis (not a Redis Cluster spreading its keys over shards).
package redisregistry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/redisconn"
	"github.com/parleychat/parley/internal/registry"
)

// DefaultPrefix is the key prefix when the URL names none.
const DefaultPrefix = "parley:registry:"

// Registry is the Redis registry.
type Registry struct {
	rdb    *redis.Client
	prefix string
	ttl    time.Duration
}

var _ registry.Registry = (*Registry)(nil)

// Open connects to the Redis of rawURL; instances live ttl after their last
// heartbeat (registry.DefaultTTL when ttl ≤ 0).
func Open(ctx context.Context, rawURL string, ttl time.Duration) (*Registry, error) {
	rdb, prefix, err := redisconn.Open(ctx, rawURL, DefaultPrefix)
	if err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = registry.DefaultTTL
	}
	return &Registry{rdb: rdb, prefix: prefix, ttl: ttl}, nil
}

func (r *Registry) unavailable(err error, what string) error {
	if err == nil {
		return nil
	}
	if errs.KindOf(err) != errs.Internal {
		return err
	}
	return errs.Wrap(errs.Unavailable, err, "registry: "+what)
}

// Heartbeat implements registry.Registry.
func (r *Registry) Heartbeat(ctx context.Context, inst registry.Instance) error {
	if err := registry.CheckID("instance id", inst.ID); err != nil {
		return err
	}
	b, err := json.Marshal(registry.Instance{ID: inst.ID, Addr: inst.Addr, Load: inst.Load})
	if err != nil {
		return fmt.Errorf("registry: encode instance: %w", err)
	}
	_, err = r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, r.prefix+"inst:"+inst.ID, b, r.ttl)
		p.SAdd(ctx, r.prefix+"instances", inst.ID)
		return nil
	})
	return r.unavailable(err, "heartbeat")
}

// deregisterScript removes an instance and the claims it holds.
// KEYS: none. ARGV: prefix, id.
var deregisterScript = redis.NewScript(`
local p, id = ARGV[1], ARGV[2]
redis.call('DEL', p .. 'inst:' .. id)
redis.call('SREM', p .. 'instances', id)
for _, room in ipairs(redis.call('SMEMBERS', p .. 'rooms:' .. id)) do
  if redis.call('GET', p .. 'room:' .. room) == id then
    redis.call('DEL', p .. 'room:' .. room)
  end
end
redis.call('DEL', p .. 'rooms:' .. id)
return 1
`)

// Deregister implements registry.Registry.
func (r *Registry) Deregister(ctx context.Context, id string) error {
	if err := registry.CheckID("instance id", id); err != nil {
		return err
	}
	return r.unavailable(deregisterScript.Run(ctx, r.rdb, nil, r.prefix, id).Err(), "deregister")
}

// Instances implements registry.Registry.
func (r *Registry) Instances(ctx context.Context) ([]registry.Instance, error) {
	ids, err := r.rdb.SMembers(ctx, r.prefix+"instances").Result()
	if err != nil {
		return nil, r.unavailable(err, "list instances")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	p := r.rdb.Pipeline()
	gets := make([]*redis.StringCmd, len(ids))
	cards := make([]*redis.IntCmd, len(ids))
	for i, id := range ids {
		gets[i] = p.Get(ctx, r.prefix+"inst:"+id)
		cards[i] = p.SCard(ctx, r.prefix+"rooms:"+id)
	}
	if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, r.unavailable(err, "list instances")
	}
	out := make([]registry.Instance, 0, len(ids))
	for i := range ids {
		b, err := gets[i].Bytes()
		if err != nil {
			continue // expired: not live
		}
		var in registry.Instance
		if json.Unmarshal(b, &in) != nil {
			continue
		}
		in.Rooms = int(cards[i].Val())
		out = append(out, in)
	}
	registry.SortByLoad(out)
	return out, nil
}

// placeScript returns the instance of a room, claiming it for the least
// loaded live instance when the room has no live holder. Dead instances
// met on the way are dropped from the index with their claims.
// KEYS: none. ARGV: prefix, room. Returns {instance JSON, rooms}.
var placeScript = redis.NewScript(`
local p, room = ARGV[1], ARGV[2]
local roomKey = p .. 'room:' .. room
local cur = redis.call('GET', roomKey)
if cur then
  local b = redis.call('GET', p .. 'inst:' .. cur)
  if b then
    return {b, redis.call('SCARD', p .. 'rooms:' .. cur)}
  end
  redis.call('SREM', p .. 'rooms:' .. cur, room)
end
local best, bestJSON, bestRooms, bestScore, bestCPU
for _, id in ipairs(redis.call('SMEMBERS', p .. 'instances')) do
  local b = redis.call('GET', p .. 'inst:' .. id)
  if not b then
    redis.call('SREM', p .. 'instances', id)
    for _, r in ipairs(redis.call('SMEMBERS', p .. 'rooms:' .. id)) do
      if redis.call('GET', p .. 'room:' .. r) == id then redis.call('DEL', p .. 'room:' .. r) end
    end
    redis.call('DEL', p .. 'rooms:' .. id)
  else
    local inst = cjson.decode(b)
    local rooms = redis.call('SCARD', p .. 'rooms:' .. id)
    local load = inst['load'] or {}
    local extra = (tonumber(load['participants']) or 0) - (tonumber(load['rooms']) or 0)
    if extra < 0 then extra = 0 end
    local score = rooms + extra -- registry.score
    local cpu = tonumber(load['cpu']) or 0
    if best == nil or score < bestScore or (score == bestScore and (cpu < bestCPU or (cpu == bestCPU and id < best))) then
      best, bestJSON, bestRooms, bestScore, bestCPU = id, b, rooms, score, cpu
    end
  end
end
if best == nil then return false end
redis.call('SET', roomKey, best)
redis.call('SADD', p .. 'rooms:' .. best, room)
return {bestJSON, bestRooms + 1}
`)

// Place implements registry.Registry.
func (r *Registry) Place(ctx context.Context, room string) (registry.Instance, error) {
	if err := registry.CheckID("room", room); err != nil {
		return registry.Instance{}, err
	}
	res, err := placeScript.Run(ctx, r.rdb, nil, r.prefix, room).Slice()
	if errors.Is(err, redis.Nil) {
		return registry.Instance{}, registry.ErrNoInstance
	}
	if err != nil {
		return registry.Instance{}, r.unavailable(err, "place room")
	}
	return decodePlaced(res)
}

func decodePlaced(res []any) (registry.Instance, error) {
	if len(res) != 2 {
		return registry.Instance{}, fmt.Errorf("registry: unexpected script answer %v", res)
	}
	b, _ := res[0].(string)
	rooms, _ := res[1].(int64)
	var in registry.Instance
	if err := json.Unmarshal([]byte(b), &in); err != nil {
		return registry.Instance{}, fmt.Errorf("registry: decode instance: %w", err)
	}
	in.Rooms = int(rooms)
	return in, nil
}

// claimScript returns a room's live holder, claiming it for the given
// instance when there is none (and the instance is live).
// KEYS: none. ARGV: prefix, room, id.
var claimScript = redis.NewScript(`
local p, room, id = ARGV[1], ARGV[2], ARGV[3]
local roomKey = p .. 'room:' .. room
local cur = redis.call('GET', roomKey)
if cur then
  local b = redis.call('GET', p .. 'inst:' .. cur)
  if b then
    return {b, redis.call('SCARD', p .. 'rooms:' .. cur)}
  end
  redis.call('SREM', p .. 'rooms:' .. cur, room)
end
local b = redis.call('GET', p .. 'inst:' .. id)
if not b then return false end
redis.call('SET', roomKey, id)
redis.call('SADD', p .. 'rooms:' .. id, room)
return {b, redis.call('SCARD', p .. 'rooms:' .. id)}
`)

// Claim implements registry.Registry.
func (r *Registry) Claim(ctx context.Context, room, id string) (registry.Instance, error) {
	if err := registry.CheckID("room", room); err != nil {
		return registry.Instance{}, err
	}
	if err := registry.CheckID("instance id", id); err != nil {
		return registry.Instance{}, err
	}
	res, err := claimScript.Run(ctx, r.rdb, nil, r.prefix, room, id).Slice()
	if errors.Is(err, redis.Nil) {
		return registry.Instance{}, registry.ErrNoInstance
	}
	if err != nil {
		return registry.Instance{}, r.unavailable(err, "claim room")
	}
	return decodePlaced(res)
}

// lookupScript returns the live holder of a room, or nil.
// KEYS: none. ARGV: prefix, room.
var lookupScript = redis.NewScript(`
local p, room = ARGV[1], ARGV[2]
local cur = redis.call('GET', p .. 'room:' .. room)
if not cur then return false end
local b = redis.call('GET', p .. 'inst:' .. cur)
if not b then return false end
return {b, redis.call('SCARD', p .. 'rooms:' .. cur)}
`)

// Lookup implements registry.Registry.
func (r *Registry) Lookup(ctx context.Context, room string) (registry.Instance, bool, error) {
	if err := registry.CheckID("room", room); err != nil {
		return registry.Instance{}, false, err
	}
	res, err := lookupScript.Run(ctx, r.rdb, nil, r.prefix, room).Slice()
	if errors.Is(err, redis.Nil) {
		return registry.Instance{}, false, nil
	}
	if err != nil {
		return registry.Instance{}, false, r.unavailable(err, "look up room")
	}
	in, err := decodePlaced(res)
	return in, err == nil, err
}

// releaseScript drops a room's claim if the given instance holds it.
// KEYS: none. ARGV: prefix, room, id.
var releaseScript = redis.NewScript(`
local p, room, id = ARGV[1], ARGV[2], ARGV[3]
if redis.call('GET', p .. 'room:' .. room) == id then
  redis.call('DEL', p .. 'room:' .. room)
end
redis.call('SREM', p .. 'rooms:' .. id, room)
return 1
`)

// Release implements registry.Registry.
func (r *Registry) Release(ctx context.Context, room, id string) error {
	if err := registry.CheckID("room", room); err != nil {
		return err
	}
	if err := registry.CheckID("instance id", id); err != nil {
		return err
	}
	return r.unavailable(releaseScript.Run(ctx, r.rdb, nil, r.prefix, room, id).Err(), "release room")
}

// Ping implements registry.Registry.
func (r *Registry) Ping(ctx context.Context) error {
	return r.unavailable(r.rdb.Ping(ctx).Err(), "ping")
}

// Close implements registry.Registry.
func (r *Registry) Close() error { return r.rdb.Close() }
