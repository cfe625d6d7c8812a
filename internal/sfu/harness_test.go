package sfu_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/registry"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/rtcgateway"
	"github.com/parleychat/parley/internal/sfu"
)

// env is an SFU and its gateway in one process, as in embedded mode: a
// memory bus and registry, fake tokens ("tok:<userId>") and a fake group
// role, served over HTTP so that clients are real pion peers.
type env struct {
	t       *testing.T
	srv     *sfu.Server
	gw      *rtcgateway.Gateway
	url     string
	bus     *event.MemBus
	reg     registry.Registry
	members *fakeMembers
	calls   *callLog
}

type envOpts struct {
	maxParticipants int
	maxCalls        int
	limits          rtcgateway.Limits
	turn            sfu.TURN
	heartbeatEvery  time.Duration
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	bus := event.NewMemBus(event.MemOptions{})
	t.Cleanup(func() { bus.Close() })
	e := &env{t: t, bus: bus, reg: registry.NewMemory(0), members: &fakeMembers{m: map[string]rights.Membership{}}, calls: &callLog{}}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := bus.Subscribe(ctx, event.Subscription{Topic: sfu.TopicCalls, Handler: e.calls.handle}); err != nil {
		t.Fatal(err)
	}
	srv, err := sfu.NewServer(sfu.Config{
		Bus: bus, Members: e.members, Registry: e.reg, UDPAddr: "127.0.0.1:0",
		ICEServers:      []sfu.ICEServer{{URLs: []string{"stun:stun.example.org:3478"}}},
		MaxParticipants: o.maxParticipants, MaxCalls: o.maxCalls, TURN: o.turn, HeartbeatEvery: o.heartbeatEvery,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	verify := func(_ context.Context, token string) (auth.Claims, error) {
		user, ok := strings.CutPrefix(token, "tok:")
		if !ok {
			return auth.Claims{}, errs.E(errs.Unauthenticated, "bad token")
		}
		return auth.Claims{UserID: user, ExpiresAt: time.Now().Add(time.Hour)}, nil
	}
	require := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := verify(r.Context(), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			if err != nil {
				httpapi.Error(w, r, nil, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(auth.WithClaims(r.Context(), c)))
		})
	}
	gw, err := rtcgateway.New(rtcgateway.Config{Verify: verify, Require: require, Members: e.members, Registry: e.reg, Local: srv, Limits: o.limits})
	if err != nil {
		t.Fatal(err)
	}
	e.gw = gw
	mux := http.NewServeMux()
	gw.Register(mux)
	hs := httptest.NewServer(mux)
	e.url = hs.URL
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = gw.Shutdown(sctx)
		_ = srv.Shutdown(sctx)
		hs.Close()
		srv.Close()
	})
	return e
}

// fakeMembers is the group role: memberships set by the test. A gate,
// when set, holds every Member call until it is closed.
type fakeMembers struct {
	mu    sync.Mutex
	m     map[string]rights.Membership
	gate  chan struct{}
	calls int
}

func (f *fakeMembers) Member(_ context.Context, groupID, userID string) (rights.Membership, error) {
	f.mu.Lock()
	f.calls++
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.m[groupID+"/"+userID]
	if !ok {
		return rights.Membership{}, errs.E(errs.NotFound, "not a member")
	}
	return m, nil
}

func (f *fakeMembers) set(m rights.Membership) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[m.GroupID+"/"+m.UserID] = m
}

func (f *fakeMembers) remove(groupID, userID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, groupID+"/"+userID)
}

// callLog records the calls topic.
type callLog struct {
	mu     sync.Mutex
	events []event.Event
}

func (l *callLog) handle(_ context.Context, e event.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	return nil
}

func (l *callLog) all() []event.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]event.Event(nil), l.events...)
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// member makes a user with a role and rights in group and returns its id.
func (e *env) member(groupID, name string, role rights.Role, r rights.Rights) string {
	id := newID()
	if role != rights.RoleMember {
		r = rights.All
	}
	e.members.set(rights.Membership{GroupID: groupID, UserID: id, Role: role, Rights: r, Username: name})
	return id
}

func (e *env) dial(groupID, userID string) *callclient.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := callclient.Dial(ctx, callclient.URL(e.url, groupID), "tok:"+userID, callclient.Options{LoopbackOnly: true})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Close)
	return c
}

// join dials and joins, publishing the given kinds.
func (e *env) join(groupID, userID string, audio, video bool) (*callclient.Client, callclient.Joined) {
	e.t.Helper()
	c := e.dial(groupID, userID)
	j, err := c.Join(ctx(e.t), audio, video)
	if err != nil {
		e.t.Fatalf("join: %v", err)
	}
	return c, j
}

// publish publishes a groups event as the group role would.
func (e *env) publish(typ, groupID string, payload any) {
	e.t.Helper()
	ev, err := event.New(typ, groupID, payload)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.bus.Publish(context.Background(), groupevent.Topic, ev); err != nil {
		e.t.Fatal(err)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// eventually polls cond until it holds or 15 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// flowing waits until rx receives packets of from's source, and keeps
// receiving (at least 10 more).
func flowing(t *testing.T, rx *callclient.Client, from, source string) {
	t.Helper()
	eventually(t, fmt.Sprintf("%s receives no %s of %s", rx.ParticipantID, source, from), func() bool {
		return rx.Received(from, source) > 0
	})
	n := rx.Received(from, source)
	eventually(t, fmt.Sprintf("%s's %s of %s stopped after %d packets", rx.ParticipantID, source, from, n), func() bool {
		return rx.Received(from, source) >= n+10
	})
}

// silent checks that rx receives nothing of from's source while the
// publisher sends at least 20 more packets (after 300 ms for packets
// already on their way): at least a second, longer on a loaded machine
// where the publisher is paced more slowly, at most 10 s.
func silent(t *testing.T, rx, tx *callclient.Client, source string) {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	before, sentBefore := rx.Received(tx.ParticipantID, source), tx.Sent(source)
	time.Sleep(time.Second)
	for deadline := time.Now().Add(9 * time.Second); tx.Sent(source)-sentBefore < 20 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	after, sentAfter := rx.Received(tx.ParticipantID, source), tx.Sent(source)
	if sentAfter-sentBefore < 20 {
		t.Fatalf("the publisher stopped sending its %s (%d packets in 10 s): the check proves nothing", source, sentAfter-sentBefore)
	}
	if after != before {
		t.Fatalf("%s still receives %s from %s while it is muted: %d packets in a second", rx.ParticipantID, source, tx.ParticipantID, after-before)
	}
}

// shortCtx is for waits that may time out as part of a poll.
func shortCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	t.Cleanup(cancel)
	return c
}
