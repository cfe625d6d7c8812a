package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
)

// Centrifugo (github.com/centrifugal/centrifugo/v6), the anchor of issue
// 11, spoken to in its own terms: connections authenticated by an HS256
// JWT (sub = the user), one client-side subscription per group (channel
// "g<index>"), JSON protocol over WebSocket; every message one publish
// through the HTTP API (POST /api/publish, X-API-Key), so the fan-out is
// the server's, as in Parley.

// centrifugoConfig is the JSON configuration the bench starts Centrifugo
// with: loopback only, the token secret and API key given, any channel
// subscribable by an authenticated client, Prometheus metrics on, logs
// quiet. Like Parley it keeps no history.
func centrifugoConfig(port int, secret, apiKey string) ([]byte, error) {
	if port <= 0 || port > 65535 || secret == "" || apiKey == "" {
		return nil, fmt.Errorf("centrifugo config: need a port, a secret and an API key")
	}
	cfg := map[string]any{
		"http_server": map[string]any{"address": "127.0.0.1", "port": strconv.Itoa(port)},
		"client": map[string]any{
			"token":           map[string]any{"hmac_secret_key": secret},
			"allowed_origins": []string{"*"},
		},
		"http_api": map[string]any{"key": apiKey},
		"channel": map[string]any{
			"without_namespace": map[string]any{"allow_subscribe_for_client": true},
		},
		"prometheus": map[string]any{"enabled": true},
		"log":        map[string]any{"level": "error"},
	}
	return json.MarshalIndent(cfg, "", "  ")
}

// centrifugoToken is a connection JWT for user (HS256, sub = user).
func centrifugoToken(secret, user string, ttl time.Duration) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": user, "exp": time.Now().Add(ttl).Unix(),
	}).SignedString([]byte(secret))
}

// centrifugoPart is one server message of Centrifugo's JSON protocol: a
// reply to a command (id set) or a push; a WebSocket frame may hold
// several, one per line. An empty object is a ping.
type centrifugoPart struct {
	ID    uint32 `json:"id"`
	Error *struct {
		Code    int
		Message string
	} `json:"error"`
	Push json.RawMessage `json:"push"`
}

// isPing reports whether a part of a frame is a server ping (an empty
// command).
func isPing(part []byte) bool { return string(bytes.TrimSpace(part)) == "{}" }

// splitFrame calls f for each line of a frame (Centrifugo batches replies
// and pushes into one frame, separated by newlines).
func splitFrame(frame []byte, f func(part []byte)) {
	for len(frame) > 0 {
		line, rest, _ := bytes.Cut(frame, []byte("\n"))
		if len(line) > 0 {
			f(line)
		}
		frame = rest
	}
}

type centrifugoTarget struct {
	base, secret, apiKey string
	metrics              string
	users                []string // user ids
	channels             []string // per user: the channels of its groups
	groupChan            []string // per group
	client               *http.Client
}

func newCentrifugo(base, secret, apiKey, metrics string) *centrifugoTarget {
	base = strings.TrimSuffix(base, "/")
	if metrics == "" {
		metrics = base + "/metrics"
	}
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}
	return &centrifugoTarget{base: base, secret: secret, apiKey: apiKey, metrics: metrics,
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (c *centrifugoTarget) metricsURL() string { return c.metrics }

// prepare needs no server round trip: users are token subjects, groups
// channels.
func (c *centrifugoTarget) prepare(n int, groups [][]int, _ int) error {
	c.users = make([]string, n)
	for i := range n {
		c.users[i] = "u" + strconv.Itoa(i)
	}
	c.channels = make([]string, n)
	c.groupChan = make([]string, len(groups))
	for g, members := range groups {
		c.groupChan[g] = "g" + strconv.Itoa(g)
		for _, u := range members {
			if c.channels[u] != "" {
				c.channels[u] += ","
			}
			c.channels[u] += c.groupChan[g]
		}
	}
	return nil
}

func (c *centrifugoTarget) connect(u int, onText func([]byte, int), onClose func(int)) (closer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := centrifugoToken(c.secret, c.users[u], 2*time.Hour)
	if err != nil {
		return nil, err
	}
	ws, _, err := websocket.Dial(ctx, strings.Replace(c.base, "http", "ws", 1)+"/connection/websocket", nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	var cmds bytes.Buffer
	connect, _ := json.Marshal(map[string]any{"id": 1, "connect": map[string]any{"token": tok, "name": "parley-loadgen"}})
	cmds.Write(connect)
	var chans []string
	if c.channels[u] != "" {
		chans = strings.Split(c.channels[u], ",")
	}
	for i, ch := range chans {
		sub, _ := json.Marshal(map[string]any{"id": i + 2, "subscribe": map[string]any{"channel": ch}})
		cmds.WriteByte('\n')
		cmds.Write(sub)
	}
	if err := ws.Write(ctx, websocket.MessageText, cmds.Bytes()); err != nil {
		ws.CloseNow()
		return nil, err
	}
	// Wait for the replies to connect and to every subscribe.
	pending := 1 + len(chans)
	for pending > 0 {
		_, b, err := ws.Read(ctx)
		if err != nil {
			ws.CloseNow()
			return nil, fmt.Errorf("centrifugo connect: %w", err)
		}
		var perr error
		splitFrame(b, func(part []byte) {
			var p centrifugoPart
			if json.Unmarshal(part, &p) != nil || p.ID == 0 {
				return
			}
			if p.Error != nil && perr == nil {
				perr = fmt.Errorf("centrifugo command %d: %d %s", p.ID, p.Error.Code, p.Error.Message)
			}
			pending--
		})
		if perr != nil {
			ws.CloseNow()
			return nil, perr
		}
	}
	w := &wsConn{c: ws, closing: make(chan struct{})}
	go w.readLoop(func(b []byte) {
		splitFrame(b, func(part []byte) {
			switch {
			case isPing(part):
				// A ping, alone or batched with pushes: answer with a pong
				// (connect's reply asks for one), else the server closes
				// with 3012 "no pong".
				_ = ws.Write(context.Background(), websocket.MessageText, []byte("{}"))
			case onText != nil && bytes.HasPrefix(part, []byte(`{"push":{"channel"`)):
				if t, ok := textField(part); ok {
					onText(t, len(part))
				}
			}
		})
	}, onClose)
	return w, nil
}

// send publishes one message through the HTTP API. The data is what a
// chat message needs to be shown (author, client message id, text), so
// the frame size compares with Parley's message.created.
func (c *centrifugoTarget) send(ctx context.Context, u, g int, text string) error {
	body, _ := json.Marshal(map[string]any{"channel": c.groupChan[g], "data": map[string]any{
		"authorId": c.users[u], "clientMsgId": fmt.Sprintf("load-%d-%d", u, time.Now().UnixNano()), "text": text,
	}})
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/api/publish", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", c.apiKey)
	res, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
	if res.StatusCode != 200 || bytes.Contains(b, []byte(`"error"`)) {
		return fmt.Errorf("publish: %d %s", res.StatusCode, b)
	}
	return nil
}
