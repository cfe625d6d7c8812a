package rtcgateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/sfu"
	"github.com/parleychat/parley/internal/wsconn"
)

// client is the gateway's side of one call socket; it is the sfu.Conn the
// participant writes to.
type client struct {
	c *wsconn.Conn
}

func (c client) Send(b []byte)                 { c.c.Send(b) }
func (c client) Close(code int, reason string) { c.c.Close(code, reason) }

func errFrame(kind errs.Kind, msg string) []byte {
	b, _ := json.Marshal(map[string]any{"type": "error", "error": map[string]string{"code": string(kind), "message": msg}})
	return b
}

// fail sends an error frame for err and closes with code.
func (c client) fail(err error, code int, reason string) {
	e := errs.As(err)
	if e == nil || e.Kind == errs.Internal {
		e = errs.E(errs.Unavailable, "the call service is unavailable, try again")
	}
	c.Send(errFrame(e.Kind, e.Message))
	c.Close(code, reason)
}

// serveSocket is GET /api/v1/calls/{groupId}/ws: the gateway authenticates
// the client (first frame auth), checks membership, places the room and
// relays frames to and from the room's SFU.
func (g *Gateway) serveSocket(w http.ResponseWriter, r *http.Request) {
	gid, err := groupID(r)
	if err != nil {
		httpapi.Error(w, r, g.log, err)
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		httpapi.Error(w, r, g.log, errs.E(errs.Invalid, "this endpoint speaks WebSocket only: send an Upgrade: websocket request"))
		return
	}
	if !g.originAllowed(r) {
		httpapi.Error(w, r, g.log, errs.E(errs.Forbidden, "origin not allowed"))
		return
	}
	if !g.sessions.enter() {
		httpapi.Error(w, r, g.log, &httpapi.RetryAfter{Seconds: 1, Err: errs.E(errs.Unavailable, "calls are not accepting connections, try again later")})
		return
	}
	defer g.sessions.exit()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		InsecureSkipVerify: true, // Origin checked above, against PublicURL too
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		return
	}
	c := client{wsconn.New(ws, wsconn.Options{ReadLimit: g.lim.ReadLimit})}
	g.sessions.add(c)
	defer g.sessions.remove(c)
	defer c.c.CloseNow()
	g.run(c, gid)
	<-c.c.Done()
}

func (g *Gateway) run(c client, gid string) {
	ctx := context.Background() // never cancel a pending Read: it would drop the close code
	authTimer := time.AfterFunc(g.lim.AuthTimeout, func() { c.Close(sfu.CloseUnauthenticated, "authentication timeout") })
	claims, ok := g.authenticate(ctx, c)
	if !authTimer.Stop() || !ok {
		return
	}
	if err := g.checkMember(ctx, gid, claims.UserID); err != nil {
		code := sfu.CloseTryAgainLater
		if errs.Is(err, errs.NotFound) {
			code = sfu.CloseNotFound
		}
		c.fail(err, code, "cannot join")
		return
	}
	expiry := time.AfterFunc(time.Until(claims.ExpiresAt), func() { c.Close(sfu.CloseUnauthenticated, "token expired") })
	defer func() { expiry.Stop() }()

	sess, err := g.open(ctx, gid, claims.UserID, c)
	if err != nil {
		g.log.Warn("rtcgateway: open call", "group", gid, "err", err)
		c.fail(err, sfu.CloseTryAgainLater, "call unavailable")
		return
	}
	defer sess.Gone()

	bucket := tokenBucket{rate: g.lim.RatePerSecond, burst: float64(g.lim.RateBurst), tokens: float64(g.lim.RateBurst), last: time.Now()}
	for {
		typ, data, err := c.c.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
				c.Close(sfu.CloseTooLarge, "frame too large")
			}
			return
		}
		if !bucket.allow(time.Now()) {
			c.Close(sfu.CloseRateLimited, "rate limited")
			return
		}
		if typ != websocket.MessageText {
			c.Send(errFrame(errs.Invalid, "frames must be JSON text"))
			continue
		}
		if frameType(data) == "auth" {
			if !g.reauth(ctx, c, claims.UserID, data, expiry) {
				return
			}
			continue
		}
		sess.Receive(data)
	}
}

// frameType reads a frame's type without decoding the rest.
func frameType(b []byte) string {
	var f struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(b, &f)
	return f.Type
}

type authFrame struct {
	Type  string `json:"type"`
	Token string `json:"token"`
}

// authenticate reads the first frame, which must be a valid auth frame;
// on failure it has closed the socket.
func (g *Gateway) authenticate(ctx context.Context, c client) (auth.Claims, bool) {
	_, data, err := c.c.Read(ctx)
	if err != nil {
		return auth.Claims{}, false
	}
	var f authFrame
	if json.Unmarshal(data, &f) != nil || f.Type != "auth" {
		c.Close(sfu.CloseUnauthenticated, "first frame must be auth")
		return auth.Claims{}, false
	}
	claims, err := g.check(ctx, f.Token)
	switch {
	case err == nil:
		return claims, true
	case errs.Is(err, errs.Unauthenticated):
		c.Close(sfu.CloseUnauthenticated, "unauthenticated")
	default:
		g.log.Warn("rtcgateway: verify token", "err", err)
		c.Close(sfu.CloseTryAgainLater, "unavailable")
	}
	return auth.Claims{}, false
}

func (g *Gateway) check(ctx context.Context, token string) (auth.Claims, error) {
	ctx, cancel := context.WithTimeout(ctx, g.lim.CallTimeout)
	defer cancel()
	claims, err := g.verify(ctx, token)
	if err == nil && time.Until(claims.ExpiresAt) <= 0 {
		err = errs.E(errs.Unauthenticated, "access token has expired")
	}
	return claims, err
}

// reauth handles a later auth frame: a fresh token of the same user
// extends the session; a bad one, or another user's, closes it with 4001.
func (g *Gateway) reauth(ctx context.Context, c client, userID string, data []byte, expiry *time.Timer) bool {
	var f authFrame
	_ = json.Unmarshal(data, &f)
	claims, err := g.check(ctx, f.Token)
	switch {
	case err == nil && claims.UserID == userID:
		expiry.Reset(time.Until(claims.ExpiresAt))
		return true
	case err == nil || errs.Is(err, errs.Unauthenticated):
		c.Close(sfu.CloseUnauthenticated, "unauthenticated")
		return false
	default:
		c.Send(errFrame(errs.Unavailable, "the token cannot be checked now; the session keeps its expiry"))
		return true
	}
}

// tracker counts live client sockets and closes them on shutdown.
type tracker struct {
	mu      sync.Mutex
	closing bool
	clients map[client]struct{}
	wg      sync.WaitGroup
}

func newTracker() *tracker { return &tracker{clients: map[client]struct{}{}} }

func (t *tracker) enter() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing {
		return false
	}
	t.wg.Add(1)
	return true
}

func (t *tracker) exit() { t.wg.Done() }

func (t *tracker) add(c client) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing {
		c.Close(sfu.CloseGoingAway, "server shutting down")
	}
	t.clients[c] = struct{}{}
}

func (t *tracker) remove(c client) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.clients, c)
}

func (t *tracker) shutdown(ctx context.Context) error {
	t.mu.Lock()
	t.closing = true
	for c := range t.clients {
		c.Close(sfu.CloseGoingAway, "server shutting down")
	}
	t.mu.Unlock()
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		t.mu.Lock()
		for c := range t.clients {
			c.c.CloseNow()
		}
		t.mu.Unlock()
		return ctx.Err()
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
