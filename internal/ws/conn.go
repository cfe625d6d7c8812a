package ws

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/message/readstate"
)

// Close codes beyond the standard ones (API.md "Chat WebSocket").
const (
	CloseUnauthenticated websocket.StatusCode = 4001
	CloseRateLimited     websocket.StatusCode = 4008
)

// conn is one client connection. The HTTP handler goroutine reads (run);
// one writer goroutine drains queue. userID is set before the connection
// enters the hub and never changes; groups, pending and active are guarded
// by the hub's mutex.
type conn struct {
	srv    *Server
	ws     *websocket.Conn
	userID string
	queue  chan []byte
	done   chan struct{} // closed when run returns; stops the writer

	groups  map[string]struct{}
	pending []memberOp // membership changes seen while loading
	active  bool

	dropped atomic.Bool // the queue overflowed; the connection is closing
	expiry  *time.Timer // closes with 4001 when the token expires
	pinger  atomic.Pointer[time.Timer]
	bucket  tokenBucket // read side only
	// typed is when this connection last passed a typing frame on, per
	// group (read side only; see typing).
	typed map[string]time.Time
	// readTo is the read cursor the message role last answered, per group
	// (guarded by the hub's mutex, which forgets a group's entry when the
	// connection leaves the group; see read).
	readTo map[string]int64
}

func newConn(s *Server, wsc *websocket.Conn) *conn {
	wsc.SetReadLimit(s.lim.ReadLimit)
	return &conn{
		srv:    s,
		ws:     wsc,
		queue:  make(chan []byte, s.lim.SendQueue),
		done:   make(chan struct{}),
		groups: make(map[string]struct{}),
		typed:  make(map[string]time.Time),
		readTo: make(map[string]int64),
		bucket: tokenBucket{rate: s.lim.RatePerSecond, burst: float64(s.lim.RateBurst), tokens: float64(s.lim.RateBurst), last: time.Now()},
	}
}

// close sends a close frame with code and waits (bounded by the library's
// own 5 s timeouts) for the handshake. Only the first close of a
// connection has effect.
func (c *conn) close(code websocket.StatusCode, reason string) {
	_ = c.ws.Close(code, reason)
}

// enqueue queues frame b without ever blocking. A full queue means the
// client does not keep up: the connection is closed with 1008.
func (c *conn) enqueue(b []byte) {
	if c.dropped.Load() {
		return
	}
	select {
	case c.queue <- b:
	default:
		if c.dropped.CompareAndSwap(false, true) {
			c.srv.log.Info("ws: send queue full, closing slow connection", "user", c.userID)
			go c.close(websocket.StatusPolicyViolation, "too slow")
		}
	}
}

// run is the connection's life: authenticate, register, serve frames.
func (c *conn) run() {
	defer close(c.done)
	defer c.ws.CloseNow()
	ctx := context.Background() // never cancel a pending Read: it would drop the close code

	authTimer := time.AfterFunc(c.srv.lim.AuthTimeout, func() {
		c.close(CloseUnauthenticated, "authentication timeout")
	})
	claims, ok := c.authenticate(ctx)
	if !authTimer.Stop() || !ok {
		return
	}
	c.userID = claims.UserID
	c.srv.hub.add(c)
	defer c.srv.hub.remove(c)
	if !c.sendReady(ctx) {
		return
	}
	c.srv.presence.connect(c)
	defer c.srv.presence.disconnect(c)
	c.expiry = time.AfterFunc(time.Until(claims.ExpiresAt), func() {
		c.close(CloseUnauthenticated, "token expired")
	})
	defer c.expiry.Stop()
	go c.writeLoop()
	c.pinger.Store(time.AfterFunc(c.srv.lim.PingInterval, c.ping))
	defer func() { c.pinger.Load().Stop() }()

	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		if !c.bucket.allow(time.Now()) {
			c.close(CloseRateLimited, "rate limited")
			return
		}
		if typ != websocket.MessageText {
			c.enqueueError("invalid", "frames must be JSON text")
			continue
		}
		c.handleFrame(ctx, data, claims.UserID)
	}
}

// authenticate reads the first frame, which must be a valid auth frame.
// On failure it has closed the connection.
func (c *conn) authenticate(ctx context.Context) (auth.Claims, bool) {
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		return auth.Claims{}, false
	}
	c.bucket.allow(time.Now())
	var f inFrame
	if json.Unmarshal(data, &f) != nil || f.Type != "auth" {
		c.close(CloseUnauthenticated, "first frame must be auth")
		return auth.Claims{}, false
	}
	claims, err := c.verify(ctx, f.Token)
	switch {
	case err == nil:
		return claims, true
	case errs.KindOf(err) == errs.Unauthenticated:
		c.close(CloseUnauthenticated, "unauthenticated")
	default:
		c.srv.log.Warn("ws: verify token", "err", err)
		c.close(websocket.StatusTryAgainLater, "unavailable")
	}
	return auth.Claims{}, false
}

// verify checks token with the configured verifier. A token that
// verifies but has already expired is unauthenticated too.
func (c *conn) verify(ctx context.Context, token string) (auth.Claims, error) {
	vctx, cancel := context.WithTimeout(ctx, c.srv.lim.CallTimeout)
	defer cancel()
	claims, err := c.srv.verify(vctx, token)
	if err == nil && time.Until(claims.ExpiresAt) <= 0 {
		err = errs.E(errs.Unauthenticated, "access token has expired")
	}
	return claims, err
}

// sendReady loads the user's groups and their last seqs, makes the
// connection live in the hub and writes ready before anything queued.
func (c *conn) sendReady(ctx context.Context) bool {
	lctx, cancel := context.WithTimeout(ctx, c.srv.lim.CallTimeout)
	defer cancel()
	ms, err := c.srv.members.GroupsOf(lctx, c.userID)
	if err != nil {
		c.srv.log.Warn("ws: load groups", "user", c.userID, "err", err)
		c.close(websocket.StatusTryAgainLater, "unavailable")
		return false
	}
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.GroupID)
	}
	// From here on the hub queues this connection's frames; the writer
	// starts after ready, so ready is always the first frame.
	ids = c.srv.hub.activate(c, ids)
	states, err := readStates(lctx, c.srv.seqs, c.userID, ids)
	if err != nil {
		c.srv.log.Warn("ws: load read state", "user", c.userID, "err", err)
		c.close(websocket.StatusTryAgainLater, "unavailable")
		return false
	}
	r := readyFrame{Type: "ready", UserID: c.userID, Groups: make([]readyGroup, 0, len(ids)), Presence: c.srv.presence.snapshot(c.userID, ids)}
	for _, st := range states {
		r.Groups = append(r.Groups, readyGroup(st))
	}
	b, err := encodeFrame(r)
	if err != nil {
		c.close(websocket.StatusInternalError, "internal error")
		return false
	}
	wctx, wcancel := context.WithTimeout(ctx, c.srv.lim.WriteTimeout)
	defer wcancel()
	return c.ws.Write(wctx, websocket.MessageText, b) == nil
}

// seqBatch bounds the ids of one ReadStates call (the message role refuses
// more than 1000).
const seqBatch = 500

// readStates asks seqs for userID's read state of every group in ids, in
// batches, in the order of ids.
func readStates(ctx context.Context, seqs Sequences, userID string, ids []string) ([]readstate.State, error) {
	out := make([]readstate.State, 0, len(ids))
	for start := 0; start < len(ids); start += seqBatch {
		batch := ids[start:min(start+seqBatch, len(ids))]
		sts, err := seqs.ReadStates(ctx, userID, batch)
		if err != nil {
			return nil, err
		}
		if len(sts) != len(batch) {
			return nil, errs.E(errs.Unavailable, "%d read states for %d groups", len(sts), len(batch))
		}
		out = append(out, sts...)
	}
	return out, nil
}

// writeLoop writes queued frames until the connection ends. A write that
// does not finish within WriteTimeout closes the connection.
func (c *conn) writeLoop() {
	for {
		select {
		case <-c.done:
			return
		case b := <-c.queue:
			ctx, cancel := context.WithTimeout(context.Background(), c.srv.lim.WriteTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				_ = c.ws.CloseNow()
				return
			}
		}
	}
}

// ping runs on its own timer goroutine: it pings, waits for the pong
// (which the reader receives) and re-arms, or drops a dead connection.
func (c *conn) ping() {
	ctx, cancel := context.WithTimeout(context.Background(), c.srv.lim.PongTimeout)
	err := c.ws.Ping(ctx)
	cancel()
	if err != nil {
		_ = c.ws.CloseNow()
		return
	}
	select {
	case <-c.done:
	default:
		if t := c.pinger.Load(); t != nil {
			t.Reset(c.srv.lim.PingInterval)
		}
	}
}

// tokenBucket limits the frames one client sends.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func (b *tokenBucket) allow(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
