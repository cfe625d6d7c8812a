package ws

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gws "github.com/gobwas/ws"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/message/readstate"
)

// Close codes beyond the standard ones (API.md "Chat WebSocket"),
// untyped so that clients of any WebSocket library compare them.
const (
	CloseUnauthenticated = 4001
	CloseRateLimited     = 4008
)

// closeTimeout bounds a close handshake: once the server has decided to
// close, the socket is closed within this even if the client neither
// reads the close frame nor answers it.
const closeTimeout = 5 * time.Second

// Connection states (conn.state, guarded by conn.life).
const (
	stateAuth   = iota // waiting for the auth frame
	stateLive          // authenticated
	stateClosed        // socket closed, connection forgotten
)

// conn is one client connection. It holds no goroutine while idle: a
// socket that becomes readable gets a short-lived reader (readable,
// started by the poller; a goroutine per connection, readLoop, where the
// poller cannot be used), and queued frames get a writer (flush) that
// runs while there is something to write. userID is set before the
// connection enters the hub and never changes; groups, pending, active
// and readTo are guarded by the hub's mutex.
type conn struct {
	srv    *Server
	nc     net.Conn
	rc     syscall.RawConn // set when the poller watches nc
	pollID uint64
	userID string

	// Write side, guarded by wmu.
	wmu         sync.Mutex
	queue       *net.Buffers // wire frames waiting; nil when none
	writing     bool         // a flush goroutine runs
	holding     bool         // until ready is queued, frames wait
	closeQueued bool         // the close frame is queued: nothing more is
	closeSent   bool         // the close frame is written
	peerClosed  bool         // the client's close frame arrived
	failing     bool         // reading stopped: close the socket once the close frame is written

	dropped atomic.Bool // the queue overflowed; the connection is closing

	// Lifecycle, guarded by life (never taken under the hub's mutex).
	life       sync.Mutex
	state      int
	inHub      bool
	inPresence bool
	closeTimer *time.Timer

	authTimer *time.Timer
	expiry    *time.Timer // closes with 4001 when the token expires
	pinger    *time.Timer
	pongDue   atomic.Int64 // when an unanswered ping's pong is due (Unix ns); 0: none

	// Read side: one reader at a time.
	early  []byte // read into the HTTP server's buffer before the upgrade
	bucket tokenBucket
	// typed is when this connection last passed a typing frame on, per
	// group (see typing).
	typed map[string]time.Time

	groups  map[string]struct{}
	pending []memberOp // membership changes seen while loading
	active  bool
	// readTo is the read cursor the message role last answered, per group
	// (guarded by the hub's mutex, which forgets a group's entry when the
	// connection leaves the group; see read).
	readTo map[string]int64
}

func newConn(s *Server, nc net.Conn) *conn {
	return &conn{
		srv:     s,
		nc:      nc,
		holding: true,
		groups:  make(map[string]struct{}),
		bucket:  tokenBucket{rate: s.lim.RatePerSecond, burst: float64(s.lim.RateBurst), tokens: float64(s.lim.RateBurst), last: time.Now()},
	}
}

// start begins reading: on the poller when the socket has an fd, else with
// a goroutine of its own.
func (c *conn) start() {
	c.life.Lock()
	c.authTimer = time.AfterFunc(c.srv.lim.AuthTimeout, func() {
		c.life.Lock()
		waiting := c.state == stateAuth
		c.life.Unlock()
		if waiting {
			c.close(CloseUnauthenticated, "authentication timeout")
		}
	})
	c.life.Unlock()
	if p := getPoller(); p != nil && !c.srv.noPoll {
		if err := p.add(c, c.early == nil); err == nil {
			if c.early != nil {
				go c.readable()
			}
			return
		}
	}
	go c.readLoop()
}

// enqueue queues wire frame b without ever blocking. A full queue means
// the client does not keep up: the connection is closed with 1008.
func (c *conn) enqueue(b []byte) {
	if c.dropped.Load() {
		return
	}
	c.wmu.Lock()
	if c.closeQueued {
		c.wmu.Unlock()
		return
	}
	if c.queue != nil && len(*c.queue) >= c.srv.lim.SendQueue {
		c.wmu.Unlock()
		if c.dropped.CompareAndSwap(false, true) {
			c.srv.log.Info("ws: send queue full, closing slow connection", "user", c.userID)
			go c.close(StatusPolicyViolation, "too slow")
		}
		return
	}
	c.push(b)
	start := c.startWriterLocked()
	c.wmu.Unlock()
	if start {
		go c.flush()
	}
}

// push appends b to the queue. Caller holds wmu.
func (c *conn) push(b []byte) {
	if c.queue == nil {
		c.queue = batches.Get().(*net.Buffers)
	}
	*c.queue = append(*c.queue, b)
}

// startWriterLocked reports whether the caller must start flush. Caller
// holds wmu.
func (c *conn) startWriterLocked() bool {
	if c.writing || c.holding || c.queue == nil {
		return false
	}
	c.writing = true
	return true
}

// flush writes what is queued, all of it in one vectored write, until the
// queue is empty, and ends. A write that does not finish within
// WriteTimeout closes the connection.
func (c *conn) flush() {
	for {
		c.wmu.Lock()
		q := c.queue
		if q == nil {
			c.writing = false
			c.wmu.Unlock()
			return
		}
		c.queue = nil
		withClose := c.closeQueued
		c.wmu.Unlock()

		frames := *q
		c.srv.frames.Add(int64(len(frames)))
		c.srv.writes.Add(1)
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.srv.lim.WriteTimeout))
		_, err := frames.WriteTo(c.nc) // consumes frames
		clear((*q)[:cap(*q)])
		*q = (*q)[:0]
		batches.Put(q)
		if err != nil {
			c.closeNow()
			return
		}
		if withClose {
			c.wmu.Lock()
			c.closeSent = true
			done, failing := c.peerClosed, c.failing
			c.wmu.Unlock()
			switch {
			case done:
				c.closeNow()
				return
			case failing:
				c.linger()
				return
			}
		}
	}
}

// close queues a close frame with code and reason after what is queued
// (for 1008, instead of it: the client does not read) and closes the
// socket when the client answers it, or after closeTimeout. Only the first
// close of a connection has effect.
func (c *conn) close(code StatusCode, reason string) {
	c.wmu.Lock()
	if c.closeQueued {
		c.wmu.Unlock()
		return
	}
	c.closeQueued = true
	if code == StatusPolicyViolation && c.queue != nil {
		clear(*c.queue)
		*c.queue = (*c.queue)[:0]
	}
	c.push(closeFrame(code, reason))
	c.holding = false
	start := c.startWriterLocked()
	c.wmu.Unlock()
	c.life.Lock()
	if c.state != stateClosed && c.closeTimer == nil {
		c.closeTimer = time.AfterFunc(closeTimeout, c.closeNow)
	}
	c.life.Unlock()
	if start {
		go c.flush()
	}
}

// linger ends a failed connection once its close frame is written: it
// half-closes the socket and discards what the client still sends (at most
// 1 MiB, for at most closeTimeout) before closing it, since closing a
// socket with unread data resets it, and a reset can destroy the close
// frame before the client reads it.
func (c *conn) linger() {
	if tc, ok := c.nc.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(closeTimeout))
	_, _ = io.Copy(io.Discard, io.LimitReader(c.nc, 1<<20))
	c.closeNow()
}

// closeNow closes the socket without a handshake and forgets the
// connection (hub, presence, server). It is safe to call more than once.
func (c *conn) closeNow() {
	c.life.Lock()
	if c.state == stateClosed {
		c.life.Unlock()
		return
	}
	c.state = stateClosed
	inHub, inPresence := c.inHub, c.inPresence
	for _, t := range []*time.Timer{c.authTimer, c.expiry, c.pinger, c.closeTimer} {
		if t != nil {
			t.Stop()
		}
	}
	c.life.Unlock()
	c.wmu.Lock()
	c.closeQueued = true // nothing more is queued
	c.wmu.Unlock()
	if c.rc != nil {
		getPoller().remove(c)
	}
	_ = c.nc.Close()
	if inPresence {
		c.srv.presence.disconnect(c)
	}
	if inHub {
		c.srv.hub.remove(c)
	}
	c.srv.forget(c)
}

func (c *conn) closed() bool {
	c.life.Lock()
	defer c.life.Unlock()
	return c.state == stateClosed
}

// readable runs when the poller saw c's socket readable: it reads and
// serves the frames that arrived, then re-arms the poller and ends.
func (c *conn) readable() {
	br := readers.Get().(*bufio.Reader)
	br.Reset(prefixReader{c})
	more := c.serveFrames(br, false)
	br.Reset(nil)
	readers.Put(br)
	if more && getPoller().rearm(c) != nil {
		c.closeNow()
	}
}

// readLoop is the reader of a connection the poller cannot watch: a
// goroutine for the connection's life.
func (c *conn) readLoop() {
	br := bufio.NewReaderSize(prefixReader{c}, 4096)
	c.serveFrames(br, true)
}

// serveFrames reads and serves frames from br. A frame begun must be
// complete within Limits.FrameTimeout (a client sending half a frame is
// closed with 1008 and holds no goroutine beyond that). Without wait it
// returns, true, as soon as what arrived is served (the poller takes over
// again); with wait it waits for the next frame. It returns false when
// reading is over (the connection is closing or closed).
func (c *conn) serveFrames(br *bufio.Reader, wait bool) bool {
	for first := true; ; first = false {
		if br.Buffered() == 0 && len(c.early) == 0 {
			if !wait && !first {
				return true
			}
			if wait {
				_ = c.nc.SetReadDeadline(time.Time{})
				if _, err := br.Peek(1); err != nil {
					c.closeNow()
					return false
				}
			}
		}
		_ = c.nc.SetReadDeadline(time.Now().Add(c.srv.lim.FrameTimeout))
		if !c.readFrame(br) {
			return false
		}
	}
}

// readFrame reads one frame and serves it. It returns false when reading
// is over; it has then started closing the connection.
func (c *conn) readFrame(br *bufio.Reader) bool {
	h, err := gws.ReadHeader(br)
	if err != nil {
		return c.readFailed(err)
	}
	switch {
	case h.Rsv != 0:
		return c.protocolError(StatusProtocolError, "reserved bits set")
	case !h.Masked:
		return c.protocolError(StatusProtocolError, "client frames must be masked")
	case h.OpCode.IsReserved():
		return c.protocolError(StatusProtocolError, "reserved opcode")
	case h.OpCode.IsControl() && (!h.Fin || h.Length > 125):
		return c.protocolError(StatusProtocolError, "fragmented or long control frame")
	case h.OpCode == gws.OpContinuation || !h.Fin:
		return c.protocolError(StatusUnsupportedData, "fragmented messages are not accepted")
	case h.Length > c.srv.lim.ReadLimit:
		return c.protocolError(StatusMessageTooBig, "frame too large")
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(br, payload); err != nil {
		return c.readFailed(err)
	}
	gws.Cipher(payload, h.Mask, 0)
	switch h.OpCode {
	case gws.OpPing:
		c.enqueueControl(wireFrame(gws.OpPong, payload))
		return true
	case gws.OpPong:
		c.pongDue.Store(0)
		return true
	case gws.OpClose:
		c.peerClose(payload)
		return false
	}
	c.wmu.Lock()
	closing := c.closeQueued
	c.wmu.Unlock()
	if closing { // after our close frame, data frames are discarded
		return true
	}
	if !c.bucket.allow(time.Now()) {
		c.close(CloseRateLimited, "rate limited")
		return true
	}
	c.life.Lock()
	st := c.state
	c.life.Unlock()
	switch {
	case st == stateAuth:
		c.authenticate(payload, h.OpCode == gws.OpText)
	case h.OpCode != gws.OpText:
		c.enqueueError("invalid", "frames must be JSON text")
	default:
		c.handleFrame(context.Background(), payload, c.userID)
	}
	return !c.closed()
}

// readFailed ends reading after err: a frame left incomplete past the
// deadline closes with 1008, anything else (EOF, reset) at once.
func (c *conn) readFailed(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !c.closed() {
		return c.protocolError(StatusPolicyViolation, "incomplete frame")
	}
	c.closeNow()
	return false
}

// protocolError fails the connection after a frame the server refuses
// (RFC 6455 7.1.7): the rest of the stream cannot be trusted, so reading
// stops, and the socket is closed once the close frame is written.
func (c *conn) protocolError(code StatusCode, reason string) bool {
	c.wmu.Lock()
	c.failing = true
	c.wmu.Unlock()
	c.close(code, reason)
	return false
}

// peerClose answers the client's close frame (echoing its code) and
// closes the socket once the answer is written.
func (c *conn) peerClose(payload []byte) {
	c.wmu.Lock()
	c.peerClosed = true
	done := c.closeSent
	c.wmu.Unlock()
	if done {
		c.closeNow()
		return
	}
	code := gws.StatusNormalClosure
	if len(payload) >= 2 {
		code, _ = gws.ParseCloseFrameData(payload)
		if !code.IsApplicationSpec() && !code.IsPrivateSpec() && code.IsProtocolReserved() {
			code = StatusProtocolError
		}
	}
	c.close(code, "")
}

// enqueueControl queues a control frame (ping, pong) like any frame.
func (c *conn) enqueueControl(b []byte) { c.enqueue(b) }

// authenticate serves the first frame, which must be a valid auth frame.
// On failure it has closed the connection.
func (c *conn) authenticate(data []byte, text bool) {
	var f inFrame
	if !text || json.Unmarshal(data, &f) != nil || f.Type != "auth" {
		c.close(CloseUnauthenticated, "first frame must be auth")
		return
	}
	ctx := context.Background()
	claims, err := c.verify(ctx, f.Token)
	switch {
	case err == nil:
	case errs.KindOf(err) == errs.Unauthenticated:
		c.close(CloseUnauthenticated, "unauthenticated")
		return
	default:
		c.srv.log.Warn("ws: verify token", "err", err)
		c.close(StatusTryAgainLater, "unavailable")
		return
	}
	c.life.Lock()
	if c.state != stateAuth || !c.authTimer.Stop() {
		c.life.Unlock()
		return
	}
	c.state = stateLive
	c.authTimer = nil // stopped: an idle connection keeps two timers (expiry, ping)
	c.userID = claims.UserID
	c.inHub = true
	c.srv.hub.add(c)
	c.life.Unlock()
	if !c.sendReady(ctx) {
		return
	}
	c.life.Lock()
	defer c.life.Unlock()
	if c.state == stateClosed {
		return
	}
	if c.srv.presence != nil {
		c.inPresence = true
		c.srv.presence.connect(c)
	}
	c.expiry = time.AfterFunc(time.Until(claims.ExpiresAt), func() {
		c.close(CloseUnauthenticated, "token expired")
	})
	c.pinger = time.AfterFunc(c.srv.lim.PingInterval, c.ping)
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
// connection live in the hub and queues ready before anything queued.
func (c *conn) sendReady(ctx context.Context) bool {
	lctx, cancel := context.WithTimeout(ctx, c.srv.lim.CallTimeout)
	defer cancel()
	ms, err := c.srv.members.GroupsOf(lctx, c.userID)
	if err != nil {
		c.srv.log.Warn("ws: load groups", "user", c.userID, "err", err)
		c.close(StatusTryAgainLater, "unavailable")
		return false
	}
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.GroupID)
	}
	// From here on the hub queues this connection's frames; they wait
	// (holding) until ready is queued in front of them.
	c.life.Lock()
	if c.state == stateClosed {
		c.life.Unlock()
		return false
	}
	ids = c.srv.hub.activate(c, ids)
	c.life.Unlock()
	states, err := readStates(lctx, c.srv.seqs, c.userID, ids)
	if err != nil {
		c.srv.log.Warn("ws: load read state", "user", c.userID, "err", err)
		c.close(StatusTryAgainLater, "unavailable")
		return false
	}
	r := readyFrame{Type: "ready", UserID: c.userID, Groups: make([]readyGroup, 0, len(ids)), Presence: c.srv.presence.snapshot(c.userID, ids)}
	for _, st := range states {
		r.Groups = append(r.Groups, readyGroup(st))
	}
	b, err := encodeFrame(r)
	if err != nil {
		c.close(StatusInternalError, "internal error")
		return false
	}
	c.wmu.Lock()
	if c.closeQueued {
		c.wmu.Unlock()
		return false
	}
	q := batches.Get().(*net.Buffers)
	*q = append(*q, b)
	if c.queue != nil {
		*q = append(*q, *c.queue...)
		clear(*c.queue)
		*c.queue = (*c.queue)[:0]
		batches.Put(c.queue)
	}
	c.queue = q
	c.holding = false
	start := c.startWriterLocked()
	c.wmu.Unlock()
	if start {
		go c.flush()
	}
	return true
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

// ping runs on the connection's timer every PingInterval: it pings, unless
// a ping is still unanswered, and drops the connection when that ping's
// pong is PongTimeout late.
func (c *conn) ping() {
	now := time.Now()
	next := c.srv.lim.PingInterval
	if due := c.pongDue.Load(); due != 0 {
		if now.UnixNano() >= due {
			c.closeNow()
			return
		}
		next = min(next, time.Duration(due-now.UnixNano()))
	} else {
		c.pongDue.Store(now.Add(c.srv.lim.PongTimeout).UnixNano())
		c.enqueueControl(pingFrame)
		next = min(next, c.srv.lim.PongTimeout)
	}
	c.life.Lock()
	if c.state != stateClosed {
		c.pinger.Reset(next)
	}
	c.life.Unlock()
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
