package ws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/event"
)

func TestSlowClientIsDisconnectedWhileAFastOneKeepsReceiving(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{limits: Limits{SendQueue: 16}})
	fast, _ := h.dial(t, "tok-fast")
	h.dialSmallBuffer(t, "tok-slow") // never reads again

	const n = 300 // × 30 KB: more than the socket buffers hold
	text := strings.Repeat("x", 30_000)
	events := make([]event.Event, 0, n)
	for i := range n {
		events = append(events, mustEvent(t, EventMessageCreated, map[string]any{"message": map[string]any{"groupId": allGroup, "seq": i + 1, "text": text}}))
	}
	// Publish in small batches paced by the fast client, so that only a
	// client that does not read at all (not one briefly descheduled on a
	// busy machine) can fill its 16-frame queue.
	const batch = 8
	for start := 0; start < n; start += batch {
		h.publish(TopicMessages, slices.Clone(events[start:min(start+batch, n)])...) // publish appends a marker
		for i := start; i < min(start+batch, n); i++ {
			var b []byte
			for b == nil || bytes.Contains(b, []byte(`"messageId":"marker"`)) { // the harness's end-of-batch marker
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				var err error
				_, b, err = fast.ws.Read(ctx)
				cancel()
				if err != nil {
					t.Fatalf("fast client, frame %d: %v", i, err)
				}
			}
			if want := fmt.Sprintf(`"seq":%d,`, i+1); !bytes.Contains(b[:min(len(b), 100)], []byte(want)) {
				t.Fatalf("fast client frame %d = %.100s…, want %s", i, b, want)
			}
		}
	}
	waitFor(t, "the slow connection to be dropped", func() bool {
		h.srv.hub.mu.RLock()
		defer h.srv.hub.mu.RUnlock()
		return len(h.srv.hub.byUser["slow"]) == 0
	})
	fast.send(map[string]any{"type": "ping"})
	for {
		if f := fast.read(); f["type"] == "pong" {
			break
		}
	}
}

// dialSmallBuffer authenticates a connection whose socket receive buffer
// is tiny, so that a client that stops reading is soon seen as slow.
func (h *harness) dialSmallBuffer(t *testing.T, token string) *client {
	t.Helper()
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return errors.Join(err, serr)
	}}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	wc, _, err := websocket.Dial(ctx, h.url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = wc.CloseNow() })
	c := &client{t: t, ws: wc}
	c.send(map[string]any{"type": "auth", "token": token})
	if f := c.read(); f["type"] != "ready" {
		t.Fatalf("first frame = %v, want ready", f)
	}
	return c
}

func TestTooManyFramesCloseWith4008(t *testing.T) {
	t.Parallel()
	for _, noPoll := range []bool{false, true} { // the poller's reader and the fallback's
		h := newHarness(t, harnessOpts{limits: Limits{RateBurst: 5, RatePerSecond: 1}, noPoll: noPoll})
		c, _ := h.dial(t, "tok-alice")
		for range 20 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := c.ws.Write(ctx, websocket.MessageText, []byte(`{"type":"ping"}`))
			cancel()
			if err != nil {
				break
			}
		}
		if code := c.closeCode(5 * time.Second); code != CloseRateLimited {
			t.Fatalf("noPoll %v: close code = %d, want 4008", noPoll, code)
		}
		waitFor(t, "the connection to be forgotten", func() bool { return h.srv.Connections() == 0 })
	}
}

func TestFrameOverTheReadLimitCloses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	c, _ := h.dial(t, "tok-alice")
	big := `{"type":"message.send","groupId":"` + allGroup + `","clientMsgId":"c","text":"` + strings.Repeat("a", 70_000) + `"}`
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.ws.Write(ctx, websocket.MessageText, []byte(big))
	if code := c.closeCode(5 * time.Second); code != websocket.StatusMessageTooBig {
		t.Fatalf("close code = %d, want 1009", code)
	}
}

func TestUnansweredPingsDropTheConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{limits: Limits{PingInterval: 100 * time.Millisecond, PongTimeout: 300 * time.Millisecond}})
	live, _ := h.dial(t, "tok-live")
	ctx := live.ws.CloseRead(context.Background()) // reads in the background: answers pings
	dead, _ := h.dial(t, "tok-dead")               // never reads: never answers
	_ = dead
	waitFor(t, "the silent connection to be dropped", func() bool {
		h.srv.hub.mu.RLock()
		defer h.srv.hub.mu.RUnlock()
		return len(h.srv.hub.byUser["dead"]) == 0
	})
	time.Sleep(500 * time.Millisecond)
	if ctx.Err() != nil {
		t.Fatal("the connection that answers pings was closed")
	}
	h.srv.hub.mu.RLock()
	n := len(h.srv.hub.byUser["live"])
	h.srv.hub.mu.RUnlock()
	if n != 1 {
		t.Fatalf("live connections = %d, want 1", n)
	}
}

func TestShutdownClosesEveryConnectionWith1001(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	a, _ := h.dial(t, "tok-alice")
	b, _ := h.dial(t, "tok-bob")
	unauth := h.dialRaw(t)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- h.srv.Shutdown(ctx)
	}()
	for name, c := range map[string]*client{"alice": a, "bob": b, "unauthenticated": unauth} {
		if code := c.closeCode(5 * time.Second); code != websocket.StatusGoingAway {
			t.Errorf("%s: close code = %d, want 1001", name, code)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if n := h.srv.Connections(); n != 0 {
		t.Fatalf("connections after shutdown = %d", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, h.url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after shutdown: err %v resp %v, want 503", err, resp)
	}
}

func TestConnectionsBeyondMaxConnectionsGet503(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{limits: Limits{MaxConnections: 1}})
	h.dial(t, "tok-alice")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, h.url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second dial: err %v resp %v, want 503", err, resp)
	}
}
