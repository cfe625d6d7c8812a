package registry

import (
	"context"
	"sync"
	"time"
)

// Memory is the in-process registry (mem://). It serves the gateways and
// SFUs of one process only: in embedded mode that is all of them.
type Memory struct {
	ttl time.Duration
	now func() time.Time

	mu        sync.Mutex
	instances map[string]memInstance
	rooms     map[string]string // room → instance id
}

type memInstance struct {
	Instance
	expires time.Time
}

var _ Registry = (*Memory)(nil)

// NewMemory returns an empty registry whose instances live ttl after their
// last heartbeat (DefaultTTL when ttl ≤ 0).
func NewMemory(ttl time.Duration) *Memory {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Memory{ttl: ttl, now: time.Now, instances: map[string]memInstance{}, rooms: map[string]string{}}
}

// Heartbeat implements Registry.
func (m *Memory) Heartbeat(_ context.Context, inst Instance) error {
	if err := CheckID("instance id", inst.ID); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.instances[inst.ID] = memInstance{Instance: Instance{ID: inst.ID, Addr: inst.Addr, Load: inst.Load}, expires: m.now().Add(m.ttl)}
	return nil
}

// Deregister implements Registry.
func (m *Memory) Deregister(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.instances, id)
	for room, holder := range m.rooms {
		if holder == id {
			delete(m.rooms, room)
		}
	}
	return nil
}

// live returns the live instances with their room counts; m.mu is held.
// Expired instances and their claims are dropped on the way.
func (m *Memory) live() map[string]Instance {
	now := m.now()
	out := make(map[string]Instance, len(m.instances))
	for id, in := range m.instances {
		if now.After(in.expires) {
			delete(m.instances, id)
			continue
		}
		in.Rooms = 0
		out[id] = in.Instance
	}
	for room, id := range m.rooms {
		in, ok := out[id]
		if !ok {
			delete(m.rooms, room)
			continue
		}
		in.Rooms++
		out[id] = in
	}
	return out
}

// Instances implements Registry.
func (m *Memory) Instances(context.Context) ([]Instance, error) {
	m.mu.Lock()
	live := m.live()
	m.mu.Unlock()
	out := make([]Instance, 0, len(live))
	for _, in := range live {
		out = append(out, in)
	}
	SortByLoad(out)
	return out, nil
}

// Place implements Registry.
func (m *Memory) Place(_ context.Context, room string) (Instance, error) {
	if err := CheckID("room", room); err != nil {
		return Instance{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	live := m.live()
	if id, ok := m.rooms[room]; ok {
		return live[id], nil // live() dropped claims of dead instances
	}
	if len(live) == 0 {
		return Instance{}, ErrNoInstance
	}
	all := make([]Instance, 0, len(live))
	for _, in := range live {
		all = append(all, in)
	}
	SortByLoad(all)
	best := all[0]
	m.rooms[room] = best.ID
	best.Rooms++
	return best, nil
}

// Claim implements Registry.
func (m *Memory) Claim(_ context.Context, room, id string) (Instance, error) {
	if err := CheckID("room", room); err != nil {
		return Instance{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	live := m.live()
	if holder, ok := m.rooms[room]; ok {
		return live[holder], nil
	}
	in, ok := live[id]
	if !ok {
		return Instance{}, ErrNoInstance
	}
	m.rooms[room] = id
	in.Rooms++
	return in, nil
}

// Lookup implements Registry.
func (m *Memory) Lookup(_ context.Context, room string) (Instance, bool, error) {
	if err := CheckID("room", room); err != nil {
		return Instance{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	live := m.live()
	id, ok := m.rooms[room]
	if !ok {
		return Instance{}, false, nil
	}
	return live[id], true, nil
}

// Release implements Registry.
func (m *Memory) Release(_ context.Context, room, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rooms[room] == id {
		delete(m.rooms, room)
	}
	return nil
}

// Ping implements Registry; memory is always reachable.
func (m *Memory) Ping(context.Context) error { return nil }

// Close implements Registry.
func (m *Memory) Close() error { return nil }
