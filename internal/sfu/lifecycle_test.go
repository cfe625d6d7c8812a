package sfu_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/rtcgateway"
	"github.com/parleychat/parley/internal/sfu"
)

func closedWith(t *testing.T, c *callclient.Client, want websocket.StatusCode) {
	t.Helper()
	code, err := c.WaitClosed(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if code != want {
		t.Fatalf("closed with %d, want %d", code, want)
	}
}

func TestAuthIsTheFirstFrameAndMembershipIsChecked(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{limits: rtcgateway.Limits{AuthTimeout: 300 * time.Millisecond}})
	g := newID()
	member := e.member(g, "ann", rights.RoleCreator, rights.Rights{})
	dialRaw := func() *websocket.Conn {
		ws, _, err := websocket.Dial(ctx(t), callclient.URL(e.url, g), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		return ws
	}
	expectClose := func(ws *websocket.Conn, want websocket.StatusCode) {
		t.Helper()
		for {
			_, _, err := ws.Read(ctx(t))
			if err != nil {
				if got := websocket.CloseStatus(err); got != want {
					t.Fatalf("closed with %d (%v), want %d", got, err, want)
				}
				return
			}
		}
	}
	t.Run("no frame within the timeout", func(t *testing.T) {
		expectClose(dialRaw(), sfu.CloseUnauthenticated)
	})
	t.Run("another frame first", func(t *testing.T) {
		ws := dialRaw()
		_ = ws.Write(ctx(t), websocket.MessageText, []byte(`{"type":"join","audio":true}`))
		expectClose(ws, sfu.CloseUnauthenticated)
	})
	t.Run("a bad token", func(t *testing.T) {
		ws := dialRaw()
		_ = ws.Write(ctx(t), websocket.MessageText, []byte(`{"type":"auth","token":"forged"}`))
		expectClose(ws, sfu.CloseUnauthenticated)
	})
	t.Run("a non-member", func(t *testing.T) {
		c := e.dial(g, newID())
		if _, err := c.Wait(ctx(t), 0, "error", func(f callclient.Frame) bool { return strings.Contains(string(f.Raw), `"not_found"`) }); err != nil {
			t.Fatal(err)
		}
		closedWith(t, c, sfu.CloseNotFound)
	})
	t.Run("a member's later auth with another user's token", func(t *testing.T) {
		c := e.dial(g, member)
		if _, err := c.Join(ctx(t), true, false); err != nil {
			t.Fatal(err)
		}
		if err := c.Send(map[string]string{"type": "auth", "token": "tok:" + newID()}); err != nil {
			t.Fatal(err)
		}
		closedWith(t, c, sfu.CloseUnauthenticated)
	})
	t.Run("a member's later auth with a fresh token keeps the call", func(t *testing.T) {
		c := e.dial(g, member)
		if _, err := c.Join(ctx(t), true, false); err != nil {
			t.Fatal(err)
		}
		mark := c.Mark()
		_ = c.Send(map[string]string{"type": "auth", "token": "tok:" + member})
		_ = c.Send(map[string]string{"type": "ping"})
		if _, err := c.Wait(ctx(t), mark, "pong", nil); err != nil {
			t.Fatal(err)
		}
		for _, f := range c.Frames()[mark:] {
			if f.Type == "error" {
				t.Fatalf("re-auth answered %s", f.Raw)
			}
		}
	})
	t.Run("malformed group ids are not found before the upgrade", func(t *testing.T) {
		for _, id := range []string{strings.ToUpper(g), "nope", g + "x"} {
			res, err := http.Get(e.url + "/api/v1/calls/" + id + "/ws")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("%s: %d", id, res.StatusCode)
			}
		}
		res, _ := http.Get(e.url + "/api/v1/calls/" + g + "/ws")
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("a plain GET of the socket: %d, want 400", res.StatusCode)
		}
	})
}

func TestBadFramesAreInvalidAndChangeNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	a, _ := e.join(g, e.member(g, "ann", rights.RoleCreator, rights.Rights{}), true, true)
	b, _ := e.join(g, e.member(g, "bob", rights.RoleMember, rights.Rights{}), true, true)
	flowing(t, a, b.ParticipantID, "camera")
	// Before join, only join, leave and ping are accepted.
	fresh := e.dial(g, e.member(g, "cid", rights.RoleMember, rights.Rights{}))
	for _, raw := range []string{`{"type":"mute","kind":"audio","muted":true}`, `{"type":"answer","sdp":"v=0"}`, `{"type":"renegotiate"}`} {
		mark := fresh.Mark()
		if err := fresh.SendRaw([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		if code := errorCode(t, fresh, mark); code != "invalid" {
			t.Fatalf("%s before join: %s", raw, code)
		}
	}
	for _, raw := range []string{
		`not json`, `[]`, `{}`, `{"type":""}`, `{"type":"teleport"}`, `{"type":42}`,
		`{"type":"mute"}`, `{"type":"mute","kind":"smell","muted":true}`, `{"type":"mute","kind":"audio","muted":"yes"}`,
		`{"type":"moderate","participantId":"` + b.ParticipantID + `","kind":"audio"}`,
		`{"type":"moderate","participantId":"not-an-id","kind":"audio","muted":true}`,
		`{"type":"moderate","participantId":"` + strings.ToUpper(b.ParticipantID) + `","kind":"audio","muted":true}`,
		`{"type":"subscribe","participantId":"` + b.ParticipantID + `","kind":"video","enabled":null}`,
		`{"type":"answer"}`, `{"type":"answer","sdp":"v=0"}`,
		`{"type":"candidate","candidate":{"candidate":"` + strings.Repeat("x", 2000) + `"}}`,
		`{"type":"candidate","candidate":"text"}`,
		`{"type":"renegotiate","screen":"on"}`,
		`{"type":"join","audio":true}`,
	} {
		mark := a.Mark()
		if err := a.SendRaw([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		if code := errorCode(t, a, mark); code != "invalid" {
			t.Fatalf("%s: error %s, want invalid", raw, code)
		}
	}
	// A participant that does not exist is not found.
	mark := a.Mark()
	_ = a.Moderate(newID(), "audio", true)
	if code := errorCode(t, a, mark); code != "not_found" {
		t.Fatalf("moderating nobody: %s", code)
	}
	// Binary frames are invalid at the gateway.
	mark = a.Mark()
	if err := a.SendBinary([]byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if code := errorCode(t, a, mark); code != "invalid" {
		t.Fatalf("a binary frame: %s", code)
	}
	// The socket is still open, the call unchanged and the media flowing.
	_ = a.Send(map[string]string{"type": "ping"})
	if _, err := a.Wait(ctx(t), mark, "pong", nil); err != nil {
		t.Fatal(err)
	}
	if _, st := e.state(g, userOf(t, e, g, a)); len(st.Participants) != 2 || st.find(b.ParticipantID).Audio.Muted || st.find(b.ParticipantID).Video.Muted {
		t.Fatalf("bad frames changed the call: %+v", st)
	}
	flowingAgain(t, a, b.ParticipantID, "camera")
	flowingAgain(t, b, a.ParticipantID, "microphone")
}

// userOf finds the user id of a participant in the call's state.
func userOf(t *testing.T, e *env, g string, c *callclient.Client) string {
	t.Helper()
	st := e.srv.State(g)
	for _, p := range st.Participants {
		if p.ParticipantID == c.ParticipantID {
			return p.UserID
		}
	}
	t.Fatalf("%s is not in the call", c.ParticipantID)
	return ""
}

func TestFrameLimitsCloseTheSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{limits: rtcgateway.Limits{RatePerSecond: 5, RateBurst: 10}})
	g := newID()
	u := e.member(g, "ann", rights.RoleCreator, rights.Rights{})
	t.Run("too large", func(t *testing.T) {
		c := e.dial(g, u)
		_ = c.SendRaw([]byte(`{"type":"ping","pad":"` + strings.Repeat("x", 200<<10) + `"}`))
		closedWith(t, c, sfu.CloseTooLarge)
	})
	t.Run("too many", func(t *testing.T) {
		c := e.dial(g, u)
		for range 30 {
			if c.SendRaw([]byte(`{"type":"ping"}`)) != nil {
				break
			}
		}
		closedWith(t, c, sfu.CloseRateLimited)
	})
}

func TestLeavingAndTheLastOneOutEndsTheCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	ann, bob := e.member(g, "ann", rights.RoleCreator, rights.Rights{}), e.member(g, "bob", rights.RoleMember, rights.Rights{})
	if code, st := e.state(g, ann); code != 200 || st.Active || st.StartedAt != nil || st.Participants == nil || len(st.Participants) != 0 {
		t.Fatalf("before the call: %d %+v", code, st)
	}
	if code, _ := e.state(g, newID()); code != 404 {
		t.Fatalf("a non-member reads the call: %d", code)
	}
	a, _ := e.join(g, ann, true, false)
	b, _ := e.join(g, bob, true, false)
	if code, st := e.state(g, bob); code != 200 || !st.Active || st.StartedAt == nil || len(st.Participants) != 2 {
		t.Fatalf("during the call: %d %+v", code, st)
	}
	mark := b.Mark()
	if err := a.Leave(); err != nil {
		t.Fatal(err)
	}
	closedWith(t, a, websocket.StatusNormalClosure)
	if _, err := b.WaitParticipant(ctx(t), mark, "participant.left", a.ParticipantID, nil); err != nil {
		t.Fatal(err)
	}
	b.Close() // closing the socket without leave also leaves
	eventually(t, "the call never ended", func() bool {
		_, st := e.state(g, ann)
		return !st.Active
	})
	// The calls topic told the chat: updated on each join and leave, then
	// ended.
	eventually(t, "no call.ended event", func() bool {
		ev := e.calls.all()
		return len(ev) > 0 && ev[len(ev)-1].Type == sfu.EventCallEnded
	})
	var sawTwo bool
	for _, ev := range e.calls.all() {
		if ev.Key != g {
			t.Fatalf("calls event keyed %s", ev.Key)
		}
		if ev.Type == sfu.EventCallUpdated {
			var p sfu.CallUpdated
			if err := ev.Decode(&p); err != nil {
				t.Fatal(err)
			}
			if p.GroupID != g || p.StartedAt.IsZero() || len(p.Participants) == 0 {
				t.Fatalf("call.updated %+v", p)
			}
			if len(p.Participants) == 2 && p.Participants[0] == ann && p.Participants[1] == bob {
				sawTwo = true
			}
		}
	}
	if !sawTwo {
		t.Fatal("no call.updated listed both users in order of joining")
	}
	// The room's claim is released.
	eventually(t, "the empty room is still placed", func() bool {
		_, ok, _ := e.reg.Lookup(context.Background(), g)
		return !ok
	})
}

func TestRemovalFromTheGroupEndsTheParticipant(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	ann, bob := e.member(g, "ann", rights.RoleCreator, rights.Rights{}), e.member(g, "bob", rights.RoleMember, rights.Rights{})
	a, _ := e.join(g, ann, true, true)
	b, _ := e.join(g, bob, true, true)
	flowing(t, a, b.ParticipantID, "camera")
	mark := a.Mark()
	e.members.remove(g, bob)
	e.publish(groupevent.TypeMemberRemoved, g, groupevent.MemberRemoved{GroupID: g, UserID: bob})
	if _, err := b.Wait(ctx(t), 0, "error", func(f callclient.Frame) bool { return strings.Contains(string(f.Raw), `"not_found"`) }); err != nil {
		t.Fatal(err)
	}
	closedWith(t, b, sfu.CloseNotFound)
	if _, err := a.WaitParticipant(ctx(t), mark, "participant.left", b.ParticipantID, nil); err != nil {
		t.Fatal(err)
	}
	silent(t, a, b, "camera") // b's client still sends; nothing is forwarded
}

func TestADeletedGroupEndsTheCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	ann, bob := e.member(g, "ann", rights.RoleCreator, rights.Rights{}), e.member(g, "bob", rights.RoleMember, rights.Rights{})
	a, _ := e.join(g, ann, true, false)
	b, _ := e.join(g, bob, true, false)
	e.publish(groupevent.TypeDeleted, g, groupevent.GroupDeleted{GroupID: g, MemberIDs: []string{ann, bob}})
	closedWith(t, a, sfu.CloseNotFound)
	closedWith(t, b, sfu.CloseNotFound)
	eventually(t, "no call.ended", func() bool {
		ev := e.calls.all()
		return len(ev) > 0 && ev[len(ev)-1].Type == sfu.EventCallEnded
	})
}

func TestARemovalWhileJoiningIsNotLost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	bob := e.member(g, "bob", rights.RoleMember, rights.Rights{})
	c := e.dial(g, bob)
	// The gateway's membership check passes: the session is open.
	_ = c.Send(map[string]string{"type": "ping"})
	if _, err := c.Wait(ctx(t), 0, "pong", nil); err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	e.members.mu.Lock()
	e.members.gate, e.members.calls = gate, 0
	e.members.mu.Unlock()
	if err := c.Send(map[string]any{"type": "join", "audio": true}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the SFU never asked for the membership", func() bool {
		e.members.mu.Lock()
		defer e.members.mu.Unlock()
		return e.members.calls > 0
	})
	// Removed while the SFU's question is out; the answer (read before
	// the removal) still says member.
	ev, _ := event.New(groupevent.TypeMemberRemoved, g, groupevent.MemberRemoved{GroupID: g, UserID: bob})
	if err := e.srv.HandleGroupEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	close(gate)
	closedWith(t, c, sfu.CloseNotFound)
}

func TestCapacityLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{maxParticipants: 2, maxCalls: 1})
	g, g2 := newID(), newID()
	e.join(g, e.member(g, "a", rights.RoleCreator, rights.Rights{}), true, false)
	e.join(g, e.member(g, "b", rights.RoleMember, rights.Rights{}), true, false)
	third := e.dial(g, e.member(g, "c", rights.RoleMember, rights.Rights{}))
	_ = third.Send(map[string]any{"type": "join", "audio": true})
	if code := errorCode(t, third, 0); code != "conflict" {
		t.Fatalf("joining a full call: %s", code)
	}
	closedWith(t, third, sfu.CloseCallFull)
	other := e.dial(g2, e.member(g2, "d", rights.RoleCreator, rights.Rights{}))
	_ = other.Send(map[string]any{"type": "join", "audio": true})
	if code := errorCode(t, other, 0); code != "unavailable" {
		t.Fatalf("a call beyond the SFU's calls: %s", code)
	}
	closedWith(t, other, sfu.CloseTryAgainLater)
}

func TestShutdownTellsClientsToRejoin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	a, _ := e.join(g, e.member(g, "a", rights.RoleCreator, rights.Rights{}), true, true)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if code := errorCode(t, a, 0); code != "unavailable" {
		t.Fatalf("drain: %s", code)
	}
	closedWith(t, a, sfu.CloseServiceRestart)
	if ins, _ := e.reg.Instances(context.Background()); len(ins) != 0 {
		t.Fatalf("the drained SFU is still registered: %+v", ins)
	}
}

// TestADrainingSFUNeverRegistersAgain: heartbeats keep running while the
// SFU drains (here every millisecond, so that several fall inside the
// drain); none may bring the deregistered SFU back, or new rooms would be
// placed on a server that is going away for a whole TTL.
func TestADrainingSFUNeverRegistersAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{heartbeatEvery: time.Millisecond})
	var cs []*callclient.Client
	for range 3 {
		g := newID()
		c, _ := e.join(g, e.member(g, "a", rights.RoleCreator, rights.Rights{}), true, true)
		cs = append(cs, c)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		closedWith(t, c, sfu.CloseServiceRestart)
	}
	if ins, _ := e.reg.Instances(context.Background()); len(ins) != 0 {
		t.Fatalf("a heartbeat registered the drained SFU again: %+v", ins)
	}
}

// TestConcurrentJoinsSeeOneConsistentCall: many first joins of one call at
// once. Each client's first frame is joined, and its participants plus the
// participant.joined frames that follow add up to everyone, exactly once.
func TestConcurrentJoinsSeeOneConsistentCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	const n = 12
	users := make([]string, n)
	for i := range users {
		users[i] = e.member(g, fmt.Sprintf("u%d", i), rights.RoleMember, rights.Rights{})
	}
	clients := make([]*callclient.Client, n)
	for i := range clients {
		clients[i] = e.dial(g, users[i])
	}
	errc := make([]error, n)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() { _, errc[i] = c.Join(ctx(t), false, false) })
	}
	wg.Wait()
	all := map[string]bool{}
	for i, c := range clients {
		if errc[i] != nil {
			t.Fatalf("join %d: %v", i, errc[i])
		}
		all[c.ParticipantID] = true
	}
	for _, c := range clients {
		eventually(t, "every client sees all "+fmt.Sprint(n), func() bool {
			seen := map[string]int{}
			fs := c.Frames()
			if len(fs) == 0 || fs[0].Type != "joined" {
				var types []string
				for _, f := range fs {
					types = append(types, f.Type)
				}
				t.Fatalf("%s: the first frame is not joined: %v", c.ParticipantID, types)
			}
			for _, f := range fs {
				switch f.Type {
				case "joined":
					var j callclient.Joined
					_ = f.Decode(&j)
					for _, p := range j.Participants {
						seen[p.ParticipantID]++
					}
				case "participant.joined":
					var v struct{ Participant callclient.Participant }
					_ = f.Decode(&v)
					seen[v.Participant.ParticipantID]++
				}
			}
			if len(seen) != n {
				return false
			}
			for id, k := range seen {
				if !all[id] || k != 1 {
					t.Fatalf("%s counts participant %s %d times", c.ParticipantID, id, k)
				}
			}
			return true
		})
	}
}
