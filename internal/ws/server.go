package ws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gws "github.com/gobwas/ws"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/message/readstate"
	"github.com/parleychat/parley/internal/rights"
)

// Path is where Register mounts the chat WebSocket.
const Path = "/api/v1/ws"

// Sequences is what ws asks the message role: the read state of each of a
// user's groups (last seq, read cursor, unread and mention counts), for
// the ready frame, and moving a read cursor, for the read frame. Both the
// in-process *message.Service and the RPC *message.Client implement it.
type Sequences interface {
	// ReadStates returns one state per id asked for, in that order (at
	// most 1000 ids per call).
	ReadStates(ctx context.Context, userID string, groupIDs []string) ([]readstate.State, error)
	// MarkRead moves userID's cursor in groupID forward to seq: errs.NotFound
	// for a non-member, errs.Invalid for a negative seq.
	MarkRead(ctx context.Context, groupID, userID string, seq int64) (readstate.State, error)
}

// Memberships is what ws asks the group role: the groups of a user, for
// the ready frame. Both the in-process *group.Service and the RPC
// *group.Client implement it.
type Memberships interface {
	GroupsOf(ctx context.Context, userID string) ([]rights.Membership, error)
}

// VerifyFunc checks an access token; (*auth.Verifier).Verify is one. It
// fails with errs.Unauthenticated for a bad token and errs.Unavailable when
// it cannot decide.
type VerifyFunc func(ctx context.Context, token string) (auth.Claims, error)

// Limits bounds each connection. Zero values take the defaults named on
// each field.
type Limits struct {
	AuthTimeout    time.Duration // first auth frame within (10 s), else close 4001
	ReadLimit      int64         // largest frame read (64 KiB), else close 1009
	SendQueue      int           // frames queued for a connection (256), else close 1008
	RatePerSecond  float64       // frames a client may send per second (20)…
	RateBurst      int           // …with bursts of (40), else close 4008
	PingInterval   time.Duration // between pings (25 s)
	PongTimeout    time.Duration // a pong must arrive within (35 s), else the connection is dropped
	WriteTimeout   time.Duration // one write of the queued frames (10 s), else the connection is dropped
	FrameTimeout   time.Duration // a client frame begun must be complete within (10 s), else close 1008
	CallTimeout    time.Duration // Verify, GroupsOf, ReadStates, MarkRead, Publish (5 s)
	MaxConnections int           // live connections per server (0: unlimited); beyond, 503
	Presence       PresenceLimits
}

func (l Limits) withDefaults() Limits {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&l.AuthTimeout, 10*time.Second)
	def(&l.PingInterval, 25*time.Second)
	def(&l.PongTimeout, 35*time.Second)
	def(&l.WriteTimeout, 10*time.Second)
	def(&l.FrameTimeout, 10*time.Second)
	def(&l.CallTimeout, 5*time.Second)
	if l.ReadLimit <= 0 {
		l.ReadLimit = 64 << 10
	}
	if l.SendQueue <= 0 {
		l.SendQueue = 256
	}
	if l.RatePerSecond <= 0 {
		l.RatePerSecond = 20
	}
	if l.RateBurst <= 0 {
		l.RateBurst = 40
	}
	return l
}

// Config holds what a Server needs. Bus, Verify, Memberships and Sequences
// are required.
type Config struct {
	Bus         event.Bus
	Verify      VerifyFunc
	Memberships Memberships
	Sequences   Sequences
	// PublicURL is the URL browsers load the web client from; WebSocket
	// upgrades whose Origin is neither it nor the request's own host are
	// refused with 403. Requests without Origin (non-browser clients) are
	// accepted.
	PublicURL string
	Logger    *slog.Logger
	Limits    Limits
	// DisablePresence turns presence off: no presence frames, an empty
	// presence list in ready, client presence frames accepted and
	// ignored. For tests that count other frames.
	DisablePresence bool
}

// Server is the chat WebSocket role. It is safe for concurrent use.
type Server struct {
	bus          event.Bus
	verify       VerifyFunc
	members      Memberships
	seqs         Sequences
	publicOrigin string // scheme://host of PublicURL, lower case; "" when unset
	log          *slog.Logger
	lim          Limits
	hub          *hub
	presence     *presence // nil when disabled

	mu      sync.Mutex
	closing bool
	conns   map[*conn]struct{} // every accepted connection, authenticated or not
	wg      sync.WaitGroup     // one per accepted connection until it is closed

	// frames and writes count the frames written and the writes they took
	// (several queued frames go in one write).
	frames, writes atomic.Int64

	// noPoll makes every connection read with a goroutine of its own, as
	// where the poller is unavailable (tests of that path).
	noPoll bool
}

// NewServer checks cfg and returns a Server. Call Start to subscribe to the
// bus and Register to serve.
func NewServer(cfg Config) (*Server, error) {
	switch {
	case cfg.Bus == nil:
		return nil, errors.New("ws: Config.Bus is required")
	case cfg.Verify == nil:
		return nil, errors.New("ws: Config.Verify is required")
	case cfg.Memberships == nil:
		return nil, errors.New("ws: Config.Memberships is required")
	case cfg.Sequences == nil:
		return nil, errors.New("ws: Config.Sequences is required")
	}
	s := &Server{
		bus: cfg.Bus, verify: cfg.Verify, members: cfg.Memberships, seqs: cfg.Sequences,
		log: cfg.Logger, lim: cfg.Limits.withDefaults(), hub: newHub(),
		conns: make(map[*conn]struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if !cfg.DisablePresence {
		s.presence = newPresence(s, s.lim.Presence)
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("ws: PublicURL %q is not an absolute URL", cfg.PublicURL)
		}
		s.publicOrigin = strings.ToLower(u.Scheme + "://" + u.Host)
	}
	return s, nil
}

// Start subscribes, as broadcast subscriptions, to the messages, groups,
// calls, typing and presence topics until ctx is done, and starts the
// presence tick. Events published before Start returns are not delivered.
func (s *Server) Start(ctx context.Context) error {
	subs := []event.Subscription{
		{Topic: TopicMessages, Handler: s.handleMessages},
		{Topic: groupevent.Topic, Handler: s.handleGroups},
		{Topic: TopicCalls, Handler: s.handleCalls},
		{Topic: TopicTyping, Handler: s.handleTyping},
	}
	if s.presence != nil {
		subs = append(subs, event.Subscription{Topic: TopicPresence, Handler: s.presence.handle})
	}
	for _, sub := range subs {
		if err := s.bus.Subscribe(ctx, sub); err != nil {
			return fmt.Errorf("ws: subscribe to %s: %w", sub.Topic, err)
		}
	}
	if s.presence != nil {
		go s.presence.run(ctx)
	}
	return nil
}

// Register mounts GET /api/v1/ws on mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Path, s.serveWS)
}

// Shutdown refuses new connections, closes every connection with 1001 (going
// away) and waits for them to end, or until ctx is done, when the remaining
// ones are dropped without a close handshake.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	if s.presence != nil {
		// Before the connections close: the other instances keep this
		// one's users for Grace, time for them to reconnect elsewhere.
		s.presence.leave(ctx)
	}
	for _, c := range conns {
		c.close(StatusGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			c.closeNow()
		}
		return ctx.Err()
	}
}

// Connections reports how many connections are open (authenticated or not).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// originAllowed reports whether a browser at the request's Origin may open
// a connection: no Origin (not a browser), the public URL's origin, or the
// request's own host (same origin).
func (s *Server) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	if s.publicOrigin != "" && strings.ToLower(u.Scheme+"://"+u.Host) == s.publicOrigin {
		return true
	}
	return strings.EqualFold(u.Host, r.Host)
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		httpapi.Error(w, r, s.log, errs.E(errs.Invalid, "this endpoint speaks WebSocket only: send an Upgrade: websocket request"))
		return
	}
	if !s.originAllowed(r) {
		httpapi.Error(w, r, s.log, errs.E(errs.Forbidden, "origin not allowed"))
		return
	}
	s.mu.Lock()
	full := s.lim.MaxConnections > 0 && len(s.conns) >= s.lim.MaxConnections
	if s.closing || full {
		s.mu.Unlock()
		httpapi.Error(w, r, s.log, &httpapi.RetryAfter{Seconds: 1, Err: errs.E(errs.Unavailable, "chat is not accepting connections, try again later")})
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()

	// No extension is negotiated: permessage-deflate stays off.
	nc, rw, _, err := gws.HTTPUpgrader{Timeout: s.lim.WriteTimeout}.Upgrade(r, w)
	if err != nil {
		s.log.Debug("ws: upgrade", "err", err)
		if nc != nil {
			_ = nc.Close()
		}
		s.wg.Done()
		return
	}
	c := newConn(s, nc)
	if n := rw.Reader.Buffered(); n > 0 { // the client did not wait for the answer
		b, _ := rw.Reader.Peek(n)
		c.early = append([]byte(nil), b...)
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = nc.SetWriteDeadline(time.Now().Add(s.lim.WriteTimeout))
		_, _ = nc.Write(closeFrame(StatusGoingAway, "server shutting down"))
		_ = nc.Close()
		s.wg.Done()
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	c.start() // the handler's goroutine ends here; the connection holds none
}

// forget drops a closed connection.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	_, ok := s.conns[c]
	delete(s.conns, c)
	s.mu.Unlock()
	if ok {
		s.wg.Done()
	}
}
