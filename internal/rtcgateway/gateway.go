package rtcgateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/registry"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sfu"
)

// Members is what the gateway asks the group role: whether a user is a
// member of a group (errs.NotFound if not).
type Members interface {
	Member(ctx context.Context, groupID, userID string) (rights.Membership, error)
}

// VerifyFunc checks an access token ((*auth.Verifier).Verify).
type VerifyFunc func(ctx context.Context, token string) (auth.Claims, error)

// Limits bound each client socket. Zero values take the defaults named.
type Limits struct {
	AuthTimeout   time.Duration // the first auth frame within (10 s), else close 4001
	ReadLimit     int64         // largest frame (128 KiB), else close 1009
	RatePerSecond float64       // frames per second (50)…
	RateBurst     int           // …in bursts of (100), else close 4008
	CallTimeout   time.Duration // token checks, membership, placement (5 s)
}

func (l Limits) withDefaults() Limits {
	if l.AuthTimeout <= 0 {
		l.AuthTimeout = 10 * time.Second
	}
	if l.ReadLimit <= 0 {
		l.ReadLimit = 128 << 10
	}
	if l.RatePerSecond <= 0 {
		l.RatePerSecond = 50
	}
	if l.RateBurst <= 0 {
		l.RateBurst = 100
	}
	if l.CallTimeout <= 0 {
		l.CallTimeout = 5 * time.Second
	}
	return l
}

// Config holds what a Gateway needs. Verify, Require, Members and Registry
// are required; Local and Secret as the deployment has them.
type Config struct {
	Verify VerifyFunc
	// Require authenticates REST requests ((*auth.Verifier).Require).
	Require  func(http.Handler) http.Handler
	Members  Members
	Registry registry.Registry
	// Local is the SFU of this process, if it runs one: rooms placed on it
	// are reached in-process.
	Local *sfu.Server
	// Secret authenticates the gateway to SFUs of other processes.
	Secret []byte
	// HTTPClient reaches remote SFUs (http.DefaultClient when nil).
	HTTPClient *http.Client
	// PublicURL is the web client's URL: browsers from other origins are
	// refused, as on the chat socket.
	PublicURL string
	Logger    *slog.Logger
	Limits    Limits
}

// Gateway is the webrtc-gateway role.
type Gateway struct {
	verify       VerifyFunc
	require      func(http.Handler) http.Handler
	members      Members
	reg          registry.Registry
	local        *sfu.Server
	secret       []byte
	hc           *http.Client
	publicOrigin string
	log          *slog.Logger
	lim          Limits
	sessions     *tracker
}

// New checks cfg and returns a Gateway.
func New(cfg Config) (*Gateway, error) {
	switch {
	case cfg.Verify == nil:
		return nil, errors.New("rtcgateway: Config.Verify is required")
	case cfg.Require == nil:
		return nil, errors.New("rtcgateway: Config.Require is required")
	case cfg.Members == nil:
		return nil, errors.New("rtcgateway: Config.Members is required")
	case cfg.Registry == nil:
		return nil, errors.New("rtcgateway: Config.Registry is required")
	}
	g := &Gateway{
		verify: cfg.Verify, require: cfg.Require, members: cfg.Members, reg: cfg.Registry, local: cfg.Local,
		secret: cfg.Secret, hc: cfg.HTTPClient, log: cfg.Logger, lim: cfg.Limits.withDefaults(), sessions: newTracker(),
	}
	if g.hc == nil {
		g.hc = http.DefaultClient
	}
	if g.log == nil {
		g.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("rtcgateway: PublicURL %q is not an absolute URL", cfg.PublicURL)
		}
		g.publicOrigin = strings.ToLower(u.Scheme + "://" + u.Host)
	}
	return g, nil
}

// Paths the gateway serves (API.md "Call signalling WebSocket").
const (
	StatePath  = "/api/v1/calls/{groupId}"
	SocketPath = "/api/v1/calls/{groupId}/ws"
)

// Register mounts the gateway's public routes on mux.
func (g *Gateway) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+SocketPath, g.serveSocket)
	mux.Handle("GET "+StatePath, auth.Signed(g.require, g.serveState))
}

// Shutdown closes every client socket with 1001 and waits for them, or
// until ctx is done.
func (g *Gateway) Shutdown(ctx context.Context) error {
	return g.sessions.shutdown(ctx)
}

// groupID reads the path's group id: a UUID in canonical form, else the
// call does not exist.
func groupID(r *http.Request) (string, error) {
	raw := r.PathValue("groupId")
	u, err := uuid.Parse(raw)
	if err != nil || u.String() != raw {
		return "", errs.E(errs.NotFound, "call not found")
	}
	return raw, nil
}

// serveState answers GET /api/v1/calls/{groupId}: members only; the state
// comes from the SFU that hosts the room, if any.
func (g *Gateway) serveState(w http.ResponseWriter, r *http.Request, c auth.Claims) {
	gid, err := groupID(r)
	if err == nil {
		err = g.checkMember(r.Context(), gid, c.UserID)
	}
	if err != nil {
		httpapi.Error(w, r, g.log, err)
		return
	}
	st, err := g.state(r.Context(), gid)
	httpapi.Reply(w, r, g.log, http.StatusOK, st, err)
}

func (g *Gateway) checkMember(ctx context.Context, gid, userID string) error {
	ctx, cancel := context.WithTimeout(ctx, g.lim.CallTimeout)
	defer cancel()
	_, err := g.members.Member(ctx, gid, userID)
	if errs.Is(err, errs.NotFound) {
		return errs.E(errs.NotFound, "call not found")
	}
	return err
}

func (g *Gateway) state(ctx context.Context, gid string) (sfu.CallState, error) {
	ctx, cancel := context.WithTimeout(ctx, g.lim.CallTimeout)
	defer cancel()
	inactive := sfu.CallState{Participants: []sfu.Participant{}}
	in, ok, err := g.reg.Lookup(ctx, gid)
	if err != nil {
		return sfu.CallState{}, err
	}
	if !ok {
		return inactive, nil
	}
	if g.local != nil && in.ID == g.local.ID() {
		return g.local.State(gid), nil
	}
	if in.Addr == "" {
		return inactive, nil // an in-process SFU of another process: not reachable from here
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(in.Addr, "/")+sfu.InternalPrefix+gid, nil)
	if err != nil {
		return sfu.CallState{}, err
	}
	req.Header.Set(sfu.SecretHeader, string(g.secret))
	res, err := g.hc.Do(req)
	if err != nil {
		return sfu.CallState{}, errs.Wrap(errs.Unavailable, err, "the call service is unavailable")
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return sfu.CallState{}, errs.E(errs.Unavailable, "the call service is unavailable")
	}
	var st sfu.CallState
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&st); err != nil {
		return sfu.CallState{}, errs.Wrap(errs.Unavailable, err, "the call service answered badly")
	}
	if st.Participants == nil {
		st.Participants = []sfu.Participant{}
	}
	return st, nil
}

// originAllowed: no Origin (not a browser), the public URL's origin, or
// the request's own host.
func (g *Gateway) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	if g.publicOrigin != "" && strings.ToLower(u.Scheme+"://"+u.Host) == g.publicOrigin {
		return true
	}
	return strings.EqualFold(u.Host, r.Host)
}
