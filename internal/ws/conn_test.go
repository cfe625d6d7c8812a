package ws

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	gws "github.com/gobwas/ws"

	"github.com/parleychat/parley/internal/event"
)

// rawClient is a WebSocket client on a bare TCP connection (gobwas/ws
// frames, no goroutine), to count the server's goroutines and to send
// what a well-behaved library would not.
type rawClient struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func (h *harness) dialRawTCP(t testing.TB) *rawClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	nc, br, _, err := gws.Dial(ctx, h.url)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	if br == nil {
		br = bufio.NewReader(nc)
	}
	return &rawClient{t: t, nc: nc, br: br}
}

// dialRawAuth opens a bare connection and authenticates it with token.
func (h *harness) dialRawAuth(t testing.TB, token string) *rawClient {
	t.Helper()
	c := h.dialRawTCP(t)
	c.sendText(fmt.Sprintf(`{"type":"auth","token":%q}`, token))
	if f, op := c.next(5 * time.Second); op != gws.OpText || !strings.Contains(string(f), `"type":"ready"`) {
		t.Fatalf("first frame %s (op %d), want ready", f, op)
	}
	return c
}

func (c *rawClient) write(b []byte) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *rawClient) sendText(s string) {
	c.t.Helper()
	c.write(gws.MustCompileFrame(gws.MaskFrame(gws.NewTextFrame([]byte(s)))))
}

// next reads the next frame; on a read error it returns (nil, 0xff).
func (c *rawClient) next(within time.Duration) ([]byte, gws.OpCode) {
	_ = c.nc.SetReadDeadline(time.Now().Add(within))
	f, err := gws.ReadFrame(c.br)
	if err != nil {
		return nil, 0xff
	}
	return f.Payload, f.Header.OpCode
}

// closeCode reads until a close frame and returns its code (0: the
// connection ended without one).
func (c *rawClient) closeCode(within time.Duration) StatusCode {
	deadline := time.Now().Add(within)
	for {
		p, op := c.next(time.Until(deadline))
		switch op {
		case 0xff:
			return 0
		case gws.OpClose:
			code, _ := gws.ParseCloseFrameData(p)
			return code
		}
	}
}

// pingPong sends a ping frame and waits for the pong, within d.
func (c *rawClient) pingPong(d time.Duration) bool {
	c.sendText(`{"type":"ping"}`)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		p, op := c.next(time.Until(deadline))
		if op == 0xff {
			return false
		}
		if string(p) == `{"type":"pong"}` {
			return true
		}
	}
	return false
}

func TestIdleConnectionsHoldNoGoroutine(t *testing.T) {
	if getPoller() == nil {
		t.Skip("no poller on this platform")
	}
	h := newHarness(t, harnessOpts{})
	warm := h.dialRawAuth(t, "tok-warm") // the poller and pools started
	if !warm.pingPong(5 * time.Second) {
		t.Fatal("no pong")
	}
	settle := func() int {
		time.Sleep(200 * time.Millisecond)
		runtime.GC()
		return runtime.NumGoroutine()
	}
	before := settle()
	const n = 200
	clients := make([]*rawClient, n)
	for i := range clients {
		clients[i] = h.dialRawAuth(t, fmt.Sprintf("tok-u%d", i))
	}
	// Each has sent, been answered and is idle; a frame for all of them
	// starts a writer each, which ends when the frame is written.
	h.publish(TopicMessages)
	for _, c := range clients {
		if p, _ := c.next(5 * time.Second); !strings.Contains(string(p), `"messageId":"marker"`) {
			t.Fatalf("frame %s, want the marker", p)
		}
	}
	var after int
	waitFor(t, "goroutines to settle", func() bool {
		after = settle()
		return after-before < n/20
	})
	t.Logf("goroutines: %d before, %d with %d more idle connections", before, after, n)
	if got := h.srv.Connections(); got != n+1 {
		t.Fatalf("connections = %d, want %d", got, n+1)
	}
	// They still work.
	for _, c := range clients[:10] {
		if !c.pingPong(5 * time.Second) {
			t.Fatal("an idle connection does not answer")
		}
	}
}

func TestHalfAFrameDoesNotBlockOthersAndIsClosed(t *testing.T) {
	for _, noPoll := range []bool{false, true} {
		t.Run(fmt.Sprintf("noPoll=%v", noPoll), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpts{limits: Limits{FrameTimeout: 1500 * time.Millisecond}, noPoll: noPoll})
			slow := h.dialRawAuth(t, "tok-slow")
			unauth := h.dialRawTCP(t)
			frame := gws.MustCompileFrame(gws.MaskFrame(gws.NewTextFrame([]byte(`{"type":"ping"}`))))
			slow.write(frame[:5])   // header and a byte of the payload
			unauth.write(frame[:1]) // one byte of a header
			start := time.Now()
			// Others connect, authenticate and are answered meanwhile.
			for i := range 5 {
				c := h.dialRawAuth(t, fmt.Sprintf("tok-other%d", i))
				if !c.pingPong(time.Second) {
					t.Fatal("another connection is not answered while one sends half a frame")
				}
			}
			if time.Since(start) > time.Second {
				t.Fatalf("others took %v", time.Since(start))
			}
			for name, c := range map[string]*rawClient{"authenticated": slow, "unauthenticated": unauth} {
				if code := c.closeCode(5 * time.Second); code != StatusPolicyViolation {
					t.Errorf("%s: close code %d, want 1008", name, code)
				}
			}
			waitFor(t, "the half-frame connections to be closed", func() bool { return h.srv.Connections() == 5 })
		})
	}
}

func TestQueuedFramesAreCoalescedAndDeliveredInOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{limits: Limits{SendQueue: 4096}})
	c, _ := h.dial(t, "tok-alice")
	const n = 2000
	events := make([]event.Event, 0, n)
	for i := range n {
		events = append(events, mustEvent(t, EventReactionAdded, map[string]any{"groupId": allGroup, "messageId": fmt.Sprintf("m%d", i), "seq": i + 1, "emoji": "👍", "userId": "bob"}))
	}
	writes0, frames0 := h.srv.writes.Load(), h.srv.frames.Load()
	h.publish(TopicMessages, events...)
	got := c.framesUntilMarker("message.deleted")
	if len(got) != n {
		t.Fatalf("%d frames, want %d", len(got), n)
	}
	for i, f := range got {
		if f["messageId"] != fmt.Sprintf("m%d", i) {
			t.Fatalf("frame %d is %v", i, f)
		}
	}
	writes, frames := h.srv.writes.Load()-writes0, h.srv.frames.Load()-frames0
	t.Logf("%d frames in %d writes", frames, writes)
	if frames < n || writes >= frames {
		t.Fatalf("%d frames in %d writes: not coalesced", frames, writes)
	}
}

func TestQueueOverflowClosesWith1008(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{limits: Limits{SendQueue: 8}})
	slow := h.dialSmallBuffer(t, "tok-slow") // does not read until dropped
	h.srv.hub.mu.RLock()
	var sc *conn
	for c := range h.srv.hub.byUser["slow"] {
		sc = c
	}
	h.srv.hub.mu.RUnlock()
	text := strings.Repeat("x", 30_000)
	for i := 0; !sc.dropped.Load(); i++ {
		if i == 1000 {
			t.Fatal("the queue never overflowed")
		}
		h.publish(TopicMessages, mustEvent(t, EventMessageCreated, map[string]any{"message": map[string]any{"groupId": allGroup, "seq": i + 1, "text": text}}))
	}
	if code := slow.closeCode(10 * time.Second); code != websocket.StatusPolicyViolation {
		t.Fatalf("close code = %d, want 1008", code)
	}
}

func TestFallbackReaderServesLikeThePoller(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{noPoll: true})
	c, _ := h.dial(t, "tok-alice")
	c.send(map[string]any{"type": "ping"})
	if f := c.read(); f["type"] != "pong" {
		t.Fatalf("answer %v, want pong", f)
	}
	bad := h.dialRaw(t)
	bad.send(map[string]any{"type": "ping"})
	if code := bad.closeCode(5 * time.Second); code != CloseUnauthenticated {
		t.Fatalf("close code = %d, want 4001", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	big := `{"type":"message.send","text":"` + strings.Repeat("a", 70_000) + `"}`
	_ = c.ws.Write(ctx, websocket.MessageText, []byte(big)) // may fail: the server stops reading
	if code := c.closeCode(5 * time.Second); code != websocket.StatusMessageTooBig {
		t.Fatalf("close code = %d, want 1009", code)
	}
	waitFor(t, "connections to be forgotten", func() bool { return h.srv.Connections() == 0 })
}

func TestProtocolViolationsCloseCleanly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	cases := []struct {
		name  string
		frame gws.Frame
		want  StatusCode
	}{
		{"unmasked", gws.NewTextFrame([]byte(`{"type":"ping"}`)), StatusProtocolError},
		{"fragmented", gws.MaskFrame(gws.NewFrame(gws.OpText, false, []byte(`{"type":`))), StatusUnsupportedData},
		{"reserved bits", gws.MaskFrame(gws.Frame{Header: gws.Header{Fin: true, Rsv: 4, OpCode: gws.OpText, Length: 2}, Payload: []byte("{}")}), StatusProtocolError},
		{"long control frame", gws.MaskFrame(gws.NewPingFrame(make([]byte, 126))), StatusProtocolError},
		{"too large", gws.MaskFrame(gws.NewTextFrame(make([]byte, 70_000))), StatusMessageTooBig},
	}
	for _, tc := range cases {
		start := time.Now()
		c := h.dialRawAuth(t, "tok-alice")
		c.write(gws.MustCompileFrame(tc.frame))
		if code := c.closeCode(5 * time.Second); code != tc.want {
			t.Errorf("%s: close code %d, want %d", tc.name, code, tc.want)
		}
		t.Logf("%s: %v", tc.name, time.Since(start))
	}
	// A client ping is answered with a pong of the same payload, and a
	// client close with a close of the same code.
	c := h.dialRawAuth(t, "tok-alice")
	c.write(gws.MustCompileFrame(gws.MaskFrame(gws.NewPingFrame([]byte("hi")))))
	if p, op := c.next(5 * time.Second); op != gws.OpPong || string(p) != "hi" {
		t.Fatalf("answer %q op %d, want pong hi", p, op)
	}
	c.write(gws.MustCompileFrame(gws.MaskFrame(gws.NewCloseFrame(gws.NewCloseFrameBody(4321, "bye")))))
	if code := c.closeCode(5 * time.Second); code != 4321 {
		t.Fatalf("close answered with %d, want 4321", code)
	}
	start := time.Now()
	if _, op := c.next(5 * time.Second); op != 0xff || time.Since(start) > time.Second {
		t.Fatalf("the connection stays open after the close handshake (%v)", time.Since(start))
	}
}
