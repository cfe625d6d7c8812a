package registry

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/parleychat/parley/internal/errs"
)

// Instance is one live SFU as the registry knows it.
type Instance struct {
	// ID identifies one run of an SFU process; a restarted SFU is a new
	// instance.
	ID string `json:"id"`
	// Addr is the base URL of the SFU's internal endpoint (e.g.
	// http://10.0.0.7:8080), or "" for an SFU that only gateways of its own
	// process reach (embedded mode).
	Addr string `json:"addr"`
	// Load is what the SFU reported in its last heartbeat.
	Load Load `json:"load"`
	// Rooms is how many rooms the registry has placed on the instance and
	// not yet released. It counts a placement at once, before the SFU's next
	// heartbeat, so that a burst of new rooms spreads over the instances.
	Rooms int `json:"rooms"`
}

// Load is an SFU's own measure of how busy it is.
type Load struct {
	Participants int `json:"participants"`
	// Rooms is how many rooms the SFU hosted when it measured Participants
	// (each has at least one participant). Placement uses it not to count
	// a room twice: once as the registry's claim, once as its participant.
	Rooms  int     `json:"rooms"`
	Tracks int     `json:"tracks"` // forwarded tracks (downtracks)
	CPU    float64 `json:"cpu"`    // fraction of one core used by the process, 0..n
}

// Registry is the port. Implementations are safe for concurrent use, also
// from several processes sharing one backend.
type Registry interface {
	// Heartbeat registers inst, or refreshes it, with its current address
	// and load; inst stays live for the registry's TTL.
	Heartbeat(ctx context.Context, inst Instance) error
	// Deregister removes an instance at once and releases its rooms (a
	// draining SFU calls it before telling its clients to move).
	Deregister(ctx context.Context, id string) error
	// Instances lists the live instances, least loaded first.
	Instances(ctx context.Context) ([]Instance, error)
	// Place returns the instance that hosts room: the one holding its claim
	// when that instance is live, else the least-loaded live instance, which
	// then holds the claim. Concurrent Places of one room, from any number
	// of processes, return the same instance. With no live instance it
	// fails with errs.Unavailable.
	Place(ctx context.Context, room string) (Instance, error)
	// Claim is the SFU's side of Place, when it opens a room: it returns
	// the live instance holding room's claim, claiming it for instance id
	// (which must be live) when there is none. An SFU that gets another
	// instance back must not host the room (its joiner was placed just
	// before the room moved) and sends the client to rejoin.
	Claim(ctx context.Context, room, id string) (Instance, error)
	// Lookup returns the live instance holding room's claim; ok is false
	// when the room is not placed (or its instance is no longer live).
	Lookup(ctx context.Context, room string) (inst Instance, ok bool, err error)
	// Release drops room's claim when instance id holds it (the room
	// emptied); a claim held by another instance is left alone.
	Release(ctx context.Context, room, id string) error
	// Ping checks that the backend is reachable (readiness).
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}

// DefaultTTL is how long an instance stays live after its last heartbeat
// unless an implementation is given another. SFUs beat every TTL/3.
const DefaultTTL = 10 * time.Second

// score orders instances for placement: the participants an instance
// will have. That is one per room the registry placed on it (Rooms,
// counted the moment Place claims it, so that a burst of new rooms
// spreads before any heartbeat reports them), plus the participants its
// last heartbeat reported beyond the first of each room it hosted then.
// A room is counted once whether or not a heartbeat has reported it yet:
// adding the heartbeat's participants to the claims instead would count a
// reported room twice and an unreported one once, so that an instance that
// happened to beat last looked busier than one with more rooms. The CPU
// breaks ties. redisregistry's Lua computes the same.
func score(in Instance) int {
	return in.Rooms + max(0, in.Load.Participants-in.Load.Rooms)
}

// SortByLoad orders instances least loaded first (by score, then CPU, then
// id, so that the order is total and every gateway agrees).
func SortByLoad(ins []Instance) {
	slices.SortFunc(ins, func(a, b Instance) int {
		return cmp.Or(cmp.Compare(score(a), score(b)), cmp.Compare(a.Load.CPU, b.Load.CPU), cmp.Compare(a.ID, b.ID))
	})
}

// ErrNoInstance is returned by Place when no SFU is live.
var ErrNoInstance = errs.E(errs.Unavailable, "no call server is available, try again later")

// validID bounds the ids the registry stores (instance ids and rooms are
// ours, but they end up in keys).
func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// CheckID fails with errs.Invalid for an id a registry does not store:
// empty, longer than 128 bytes, or with spaces, control or non-ASCII
// characters. Implementations call it on every instance id and room.
func CheckID(what, s string) error {
	if !validID(s) {
		return errs.E(errs.Invalid, "registry: malformed %s %q", what, truncate(s))
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
