package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/message/readstate"
	"github.com/parleychat/parley/internal/rights"
)

var (
	_ Memberships = (*fakeMemberships)(nil)
	_ Sequences   = (*fakeSequences)(nil)
	// The lead passes (*auth.Verifier).Verify as Config.Verify.
	_ VerifyFunc = auth.NewVerifier(nil).Verify
)

// allGroup is a group every test user belongs to; markers are sent there.
const allGroup = "0192aaaa-0000-7000-8000-0000000000a1"

func (f *fakeMemberships) setErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// fakeMemberships is a hand-written Memberships.
type fakeMemberships struct {
	mu     sync.Mutex
	groups map[string][]string // user → groups
	alone  map[string]bool     // users not in allGroup
	err    error
}

func (f *fakeMemberships) GroupsOf(_ context.Context, userID string) ([]rights.Membership, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	var out []rights.Membership
	all := []string{allGroup}
	if f.alone[userID] {
		all = nil
	}
	for _, g := range append(all, f.groups[userID]...) {
		out = append(out, rights.Membership{GroupID: g, UserID: userID, Role: "member"})
	}
	return out, nil
}

func (f *fakeMemberships) Member(ctx context.Context, groupID, userID string) (rights.Membership, error) {
	ms, _ := f.GroupsOf(ctx, userID)
	for _, m := range ms {
		if m.GroupID == groupID {
			return m, nil
		}
	}
	return rights.Membership{}, errs.E(errs.NotFound, "not a member")
}

// fakeSequences is a hand-written Sequences: last seqs from a map, and a
// record of the read cursors moved.
type fakeSequences struct {
	seqs  map[string]int64
	mu    sync.Mutex
	marks []string // "group user seq"
}

func (f *fakeSequences) ReadStates(_ context.Context, userID string, ids []string) ([]readstate.State, error) {
	out := make([]readstate.State, len(ids))
	for i, id := range ids {
		out[i] = readstate.State{GroupID: id, LastSeq: f.seqs[id]}
	}
	return out, nil
}

func (f *fakeSequences) MarkRead(_ context.Context, groupID, userID string, seq int64) (readstate.State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.marks = append(f.marks, fmt.Sprint(groupID, " ", userID, " ", seq))
	return readstate.State{GroupID: groupID, LastReadSeq: min(seq, f.seqs[groupID]), LastSeq: f.seqs[groupID]}, nil
}

func (f *fakeSequences) marked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.marks)
}

// fakeVerify accepts "tok-<user>" for an hour and "short-<user>" for
// shortLife; anything else is unauthenticated.
func fakeVerify(shortLife time.Duration) VerifyFunc {
	return func(_ context.Context, token string) (auth.Claims, error) {
		switch {
		case strings.HasPrefix(token, "tok-"):
			return auth.Claims{UserID: strings.TrimPrefix(token, "tok-"), SessionID: "s", ExpiresAt: time.Now().Add(time.Hour)}, nil
		case token == "keys-down":
			return auth.Claims{}, errs.E(errs.Unavailable, "key set unreachable")
		case strings.HasPrefix(token, "short-"):
			return auth.Claims{UserID: strings.TrimPrefix(token, "short-"), SessionID: "s", ExpiresAt: time.Now().Add(shortLife)}, nil
		}
		return auth.Claims{}, errs.E(errs.Unauthenticated, "access token is not valid")
	}
}

type harness struct {
	t       testing.TB
	srv     *Server
	bus     *event.MemBus
	members *fakeMemberships
	seqs    *fakeSequences
	http    *httptest.Server
	url     string
}

type harnessOpts struct {
	limits    Limits
	shortLife time.Duration
	groups    map[string][]string
	seqs      map[string]int64
	publicURL string
	// failSubmit makes publishing to TopicSubmitted fail.
	failSubmit bool
	// presence turns presence on (off elsewhere, so that presence frames
	// do not mix with the frames other tests count), with these limits.
	presence bool
	// alone lists users who are not in allGroup.
	alone []string
	// noPoll makes connections read with a goroutine each (the fallback
	// where the poller cannot be used).
	noPoll bool
}

// failingBus is a MemBus whose publishes to TopicSubmitted fail.
type failingBus struct{ *event.MemBus }

func (b failingBus) Publish(ctx context.Context, topic string, events ...event.Event) error {
	if topic == TopicSubmitted {
		return errs.E(errs.Unavailable, "bus down")
	}
	return b.MemBus.Publish(ctx, topic, events...)
}

func newHarness(t testing.TB, o harnessOpts) *harness {
	t.Helper()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	bus := event.NewMemBus(event.MemOptions{Logger: log})
	if o.shortLife == 0 {
		o.shortLife = time.Hour
	}
	members := &fakeMemberships{groups: o.groups, alone: map[string]bool{}}
	for _, u := range o.alone {
		members.alone[u] = true
	}
	seqs := &fakeSequences{seqs: o.seqs}
	var b event.Bus = bus
	if o.failSubmit {
		b = failingBus{bus}
	}
	srv, err := NewServer(Config{
		Bus: b, Verify: fakeVerify(o.shortLife), Memberships: members,
		Sequences: seqs, PublicURL: o.publicURL, Logger: log, Limits: o.limits,
		DisablePresence: !o.presence,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.noPoll = o.noPoll
	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	hs := httptest.NewServer(httpapi.Middleware(mux, log, nil, 1<<20)) // as the node serves it
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		hs.Close()
		cancel()
		_ = bus.Close()
	})
	return &harness{t: t, srv: srv, bus: bus, members: members, seqs: seqs, http: hs, url: "ws" + strings.TrimPrefix(hs.URL, "http") + Path}
}

// client is a test WebSocket client.
type client struct {
	t  testing.TB
	ws *websocket.Conn
}

// dialRaw opens a connection without authenticating.
func (h *harness) dialRaw(t testing.TB) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, h.url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	return &client{t: t, ws: c}
}

// dial opens a connection, authenticates with token and returns it with
// its ready frame.
func (h *harness) dial(t testing.TB, token string) (*client, map[string]any) {
	t.Helper()
	c := h.dialRaw(t)
	c.send(map[string]any{"type": "auth", "token": token})
	ready := c.read()
	if ready["type"] != "ready" {
		t.Fatalf("first frame = %v, want ready", ready)
	}
	return c, ready
}

func (c *client) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(b)
}

func (c *client) sendRaw(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read returns the next frame; it fails the test after 10 s.
func (c *client) read() map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("frame %s: %v", b, err)
	}
	return m
}

// closeCode reads until the connection closes and returns the close code
// the client saw (-1 for none).
func (c *client) closeCode(within time.Duration) websocket.StatusCode {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		_, _, err := c.ws.Read(ctx)
		if err != nil {
			if ctx.Err() != nil && !errors.As(err, new(websocket.CloseError)) {
				c.t.Fatalf("connection still open after %v", within)
			}
			return websocket.CloseStatus(err)
		}
	}
}

// framesUntilMarker reads frames until the marker frame (type markerType
// with a groupId of allGroup) and returns the frames before it.
func (c *client) framesUntilMarker(markerType string) []map[string]any {
	c.t.Helper()
	var out []map[string]any
	for {
		f := c.read()
		if f["type"] == markerType && (f["groupId"] == allGroup || groupIDOf(f) == allGroup) {
			return out
		}
		out = append(out, f)
	}
}

func groupIDOf(f map[string]any) string {
	for _, k := range []string{"message", "group"} {
		if m, ok := f[k].(map[string]any); ok {
			if id, ok := m["groupId"].(string); ok {
				return id
			}
			if id, ok := m["id"].(string); ok {
				return id
			}
		}
	}
	return ""
}

// markers, one per topic: an event for allGroup whose frame reaches every
// test connection.
var markers = map[string]struct {
	typ, frameType string
	payload        any
}{
	TopicMessages:    {EventMessageDeleted, "message.deleted", map[string]any{"groupId": allGroup, "messageId": "marker", "seq": 0}},
	groupevent.Topic: {groupevent.TypeUpdated, "group.updated", groupevent.GroupChanged{Group: groupevent.Group{ID: allGroup, Name: "all"}}},
	TopicCalls:       {EventCallEnded, "call.ended", map[string]any{"groupId": allGroup}},
	TopicTyping:      {EventTyping, "typing", map[string]any{"groupId": allGroup, "userId": "marker"}},
}

// publish publishes events on topic, all under one key and followed by
// the topic's marker, so that a client reading up to the marker has seen
// every frame those events gave it.
func (h *harness) publish(topic string, events ...event.Event) {
	h.t.Helper()
	m := markers[topic]
	me, err := event.New(m.typ, "k", m.payload)
	if err != nil {
		h.t.Fatal(err)
	}
	for i := range events {
		events[i].Key = "k"
	}
	if err := h.bus.Publish(context.Background(), topic, append(events, me)...); err != nil {
		h.t.Fatal(err)
	}
}

func mustEvent(t testing.TB, typ string, payload any) event.Event {
	t.Helper()
	e, err := event.New(typ, "k", payload)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// types lists the type of each frame.
func types(frames []map[string]any) []string {
	out := make([]string, 0, len(frames))
	for _, f := range frames {
		out = append(out, f["type"].(string))
	}
	return out
}

// waitFor polls cond for up to 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
