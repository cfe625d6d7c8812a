package token

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	tokenv1 "github.com/parleychat/parley/api/gen/parley/token/v1"
	"github.com/parleychat/parley/api/gen/parley/token/v1/tokenv1connect"
	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/rpcauth"
)

// Tokens is what both the in-process *Service and the RPC *Client offer;
// a role that needs sessions depends on (a subset of) it and never knows
// which one it has.
type Tokens interface {
	Issue(ctx context.Context, userID string) (Pair, error)
	Refresh(ctx context.Context, refreshToken string) (Pair, error)
	RevokeSession(ctx context.Context, sessionID string) error
	RevokeUser(ctx context.Context, userID, keepSessionID string) error
	PublicKeys(ctx context.Context) ([]auth.PublicKey, error)
}

var (
	_ Tokens = (*Service)(nil)
	_ Tokens = (*Client)(nil)
)

// NewHandler serves svc as the Connect/gRPC TokenService and returns the
// path prefix to mount it on and its handler. Pass
// connect.WithInterceptors(rpcauth.ServerInterceptor(secret)) in opts:
// without it the service answers anyone who reaches it.
func NewHandler(svc *Service, opts ...connect.HandlerOption) (path string, h http.Handler) {
	return tokenv1connect.NewTokenServiceHandler(&handler{svc: svc}, opts...)
}

// handler adapts Service to the generated interface; errors keep their
// kind across the wire (rpcauth.ToConnect) and unclassified ones are logged
// here, since the client only learns "internal error".
type handler struct {
	svc *Service
}

var _ tokenv1connect.TokenServiceHandler = (*handler)(nil)

func (h *handler) fail(ctx context.Context, method string, err error) error {
	if k := errs.KindOf(err); k == errs.Internal || k == errs.Unavailable {
		h.svc.log.ErrorContext(ctx, "token rpc failed", "method", method, "err", err)
	}
	return rpcauth.ToConnect(err)
}

func (h *handler) Issue(ctx context.Context, req *connect.Request[tokenv1.IssueRequest]) (*connect.Response[tokenv1.IssueResponse], error) {
	p, err := h.svc.Issue(ctx, req.Msg.GetUserId())
	if err != nil {
		return nil, h.fail(ctx, "Issue", err)
	}
	return connect.NewResponse(&tokenv1.IssueResponse{Pair: pairToProto(p)}), nil
}

func (h *handler) Refresh(ctx context.Context, req *connect.Request[tokenv1.RefreshRequest]) (*connect.Response[tokenv1.RefreshResponse], error) {
	p, err := h.svc.Refresh(ctx, req.Msg.GetRefreshToken())
	if err != nil {
		return nil, h.fail(ctx, "Refresh", err)
	}
	return connect.NewResponse(&tokenv1.RefreshResponse{Pair: pairToProto(p)}), nil
}

func (h *handler) RevokeSession(ctx context.Context, req *connect.Request[tokenv1.RevokeSessionRequest]) (*connect.Response[tokenv1.RevokeSessionResponse], error) {
	if err := h.svc.RevokeSession(ctx, req.Msg.GetSessionId()); err != nil {
		return nil, h.fail(ctx, "RevokeSession", err)
	}
	return connect.NewResponse(&tokenv1.RevokeSessionResponse{}), nil
}

func (h *handler) RevokeUser(ctx context.Context, req *connect.Request[tokenv1.RevokeUserRequest]) (*connect.Response[tokenv1.RevokeUserResponse], error) {
	if err := h.svc.RevokeUser(ctx, req.Msg.GetUserId(), req.Msg.GetKeepSessionId()); err != nil {
		return nil, h.fail(ctx, "RevokeUser", err)
	}
	return connect.NewResponse(&tokenv1.RevokeUserResponse{}), nil
}

func (h *handler) PublicKeys(ctx context.Context, _ *connect.Request[tokenv1.PublicKeysRequest]) (*connect.Response[tokenv1.PublicKeysResponse], error) {
	keys, err := h.svc.PublicKeys(ctx)
	if err != nil {
		return nil, h.fail(ctx, "PublicKeys", err)
	}
	out := &tokenv1.PublicKeysResponse{Keys: make([]*tokenv1.PublicKey, len(keys))}
	for i, k := range keys {
		out.Keys[i] = &tokenv1.PublicKey{Kid: k.KID, Key: k.Key}
	}
	return connect.NewResponse(out), nil
}

// Client calls a remote token role. It has the same methods, with the same
// guarantees and error kinds, as Service; when the token role cannot be
// reached its methods fail with errs.Unavailable. It is safe for
// concurrent use.
type Client struct {
	rpc tokenv1connect.TokenServiceClient
}

// NewClient returns a Client of the token role at baseURL (e.g.
// http://token:8080). Pass
// connect.WithInterceptors(rpcauth.ClientInterceptor(secret)) in opts, or
// the server refuses every call.
func NewClient(httpClient connect.HTTPClient, baseURL string, opts ...connect.ClientOption) *Client {
	return &Client{rpc: tokenv1connect.NewTokenServiceClient(httpClient, baseURL, opts...)}
}

// Issue implements Tokens; see Service.Issue.
func (c *Client) Issue(ctx context.Context, userID string) (Pair, error) {
	res, err := c.rpc.Issue(ctx, connect.NewRequest(&tokenv1.IssueRequest{UserId: userID}))
	if err != nil {
		return Pair{}, fmt.Errorf("token rpc: issue: %w", rpcauth.FromConnect(err))
	}
	return pairFromProto(res.Msg.GetPair())
}

// Refresh implements Tokens; see Service.Refresh.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	res, err := c.rpc.Refresh(ctx, connect.NewRequest(&tokenv1.RefreshRequest{RefreshToken: refreshToken}))
	if err != nil {
		return Pair{}, fmt.Errorf("token rpc: refresh: %w", rpcauth.FromConnect(err))
	}
	return pairFromProto(res.Msg.GetPair())
}

// RevokeSession implements Tokens; see Service.RevokeSession.
func (c *Client) RevokeSession(ctx context.Context, sessionID string) error {
	if _, err := c.rpc.RevokeSession(ctx, connect.NewRequest(&tokenv1.RevokeSessionRequest{SessionId: sessionID})); err != nil {
		return fmt.Errorf("token rpc: revoke session: %w", rpcauth.FromConnect(err))
	}
	return nil
}

// RevokeUser implements Tokens; see Service.RevokeUser.
func (c *Client) RevokeUser(ctx context.Context, userID, keepSessionID string) error {
	req := &tokenv1.RevokeUserRequest{UserId: userID, KeepSessionId: keepSessionID}
	if _, err := c.rpc.RevokeUser(ctx, connect.NewRequest(req)); err != nil {
		return fmt.Errorf("token rpc: revoke user: %w", rpcauth.FromConnect(err))
	}
	return nil
}

// PublicKeys implements Tokens and is an auth.KeySource; see
// Service.PublicKeys. Keys of the wrong size are an error, never passed
// on.
func (c *Client) PublicKeys(ctx context.Context) ([]auth.PublicKey, error) {
	res, err := c.rpc.PublicKeys(ctx, connect.NewRequest(&tokenv1.PublicKeysRequest{}))
	if err != nil {
		return nil, fmt.Errorf("token rpc: public keys: %w", rpcauth.FromConnect(err))
	}
	keys := make([]auth.PublicKey, 0, len(res.Msg.GetKeys()))
	for _, k := range res.Msg.GetKeys() {
		if k.GetKid() == "" || len(k.GetKey()) != ed25519.PublicKeySize {
			return nil, errs.Wrap(errs.Internal, errors.New("malformed key in PublicKeys response"), "token rpc: bad public key")
		}
		keys = append(keys, auth.PublicKey{KID: k.GetKid(), Key: ed25519.PublicKey(k.GetKey())})
	}
	return keys, nil
}

func pairToProto(p Pair) *tokenv1.Pair {
	return &tokenv1.Pair{
		AccessToken:      p.AccessToken,
		AccessExpiresAt:  timestamppb.New(p.AccessExpiresAt),
		RefreshToken:     p.RefreshToken,
		RefreshExpiresAt: timestamppb.New(p.RefreshExpiresAt),
		SessionId:        p.SessionID,
	}
}

func pairFromProto(p *tokenv1.Pair) (Pair, error) {
	if p == nil || p.GetAccessToken() == "" || p.GetRefreshToken() == "" || p.GetSessionId() == "" ||
		!p.GetAccessExpiresAt().IsValid() || !p.GetRefreshExpiresAt().IsValid() {
		return Pair{}, errs.Wrap(errs.Internal, errors.New("incomplete pair in response"), "token rpc: bad response")
	}
	return Pair{
		AccessToken:      p.GetAccessToken(),
		AccessExpiresAt:  p.GetAccessExpiresAt().AsTime(),
		RefreshToken:     p.GetRefreshToken(),
		RefreshExpiresAt: p.GetRefreshExpiresAt().AsTime(),
		SessionID:        p.GetSessionId(),
	}, nil
}
