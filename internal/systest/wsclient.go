package systest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// WS is a chat WebSocket client as the web client uses it: authenticated
// by its first frame, reading JSON frames.
type WS struct {
	t      testing.TB
	conn   *websocket.Conn
	frames chan map[string]any
	closed chan websocket.StatusCode
}

// DialWS connects to base's /api/v1/ws with cl's token and waits for
// ready, which it returns.
func DialWS(t testing.TB, base string, cl *Client) (*WS, map[string]any) {
	t.Helper()
	w, ready, err := dialWS(t, base, cl)
	if err != nil {
		t.Fatal(err)
	}
	return w, ready
}

// dialWS is DialWS for goroutines other than the test's: it returns errors.
func dialWS(t testing.TB, base string, cl *Client) (*WS, map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("X-Forwarded-For", cl.addr)
	conn, _, err := websocket.Dial(ctx, strings.Replace(base, "http", "ws", 1)+"/api/v1/ws", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, nil, fmt.Errorf("dial ws: %w", err)
	}
	conn.SetReadLimit(1 << 20)
	w := &WS{t: t, conn: conn, frames: make(chan map[string]any, 10000), closed: make(chan websocket.StatusCode, 1)}
	go w.readLoop()
	t.Cleanup(func() { conn.CloseNow() })
	if err := w.write(map[string]any{"type": "auth", "token": cl.Token}); err != nil {
		return nil, nil, err
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-w.frames:
			if !ok {
				return nil, nil, fmt.Errorf("ws closed before ready")
			}
			if f["type"] == "ready" {
				return w, f, nil
			}
		case <-timeout:
			return nil, nil, fmt.Errorf("no ready frame within 10 s")
		}
	}
}

// write sends one JSON frame, returning the error.
func (w *WS) write(v any) error {
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return w.conn.Write(ctx, websocket.MessageText, b)
}

func (w *WS) readLoop() {
	defer close(w.frames)
	for {
		_, b, err := w.conn.Read(context.Background())
		if err != nil {
			w.closed <- websocket.CloseStatus(err)
			return
		}
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			w.frames <- m
		}
	}
}

// Send writes one JSON frame.
func (w *WS) Send(v any) {
	w.t.Helper()
	if err := w.write(v); err != nil {
		w.t.Fatalf("ws write: %v", err)
	}
}

// Next returns the next frame of the given type, skipping others, within
// 10 s.
func (w *WS) Next(typ string) map[string]any {
	w.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-w.frames:
			if !ok {
				w.t.Fatalf("ws closed while waiting for %s", typ)
			}
			if f["type"] == typ {
				return f
			}
		case <-timeout:
			w.t.Fatalf("no %s frame within 10 s", typ)
		}
	}
}

// None fails if a frame of the given type arrives within d.
func (w *WS) None(typ string, d time.Duration) {
	w.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case f, ok := <-w.frames:
			if !ok {
				return
			}
			if f["type"] == typ {
				w.t.Fatalf("unexpected %s frame: %v", typ, f)
			}
		case <-timeout:
			return
		}
	}
}
