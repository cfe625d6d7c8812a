package user

import (
	"context"
	"fmt"
	"net/http"

	"connectrpc.com/connect"

	userv1 "github.com/parleychat/parley/api/gen/parley/user/v1"
	"github.com/parleychat/parley/api/gen/parley/user/v1/userv1connect"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/rpcauth"
)

// Directory is what other roles ask the user role: the public view of one
// verified user. Both *Service (in-process) and *Client (RPC) implement it.
type Directory interface {
	// Get returns the user; an unknown or unverified user (or a malformed
	// id) is errs.NotFound.
	Get(ctx context.Context, id string) (User, error)
}

var (
	_ Directory = (*Service)(nil)
	_ Directory = (*Client)(nil)
)

// NewRPCHandler returns the path and handler of the UserService RPC
// serving dir (normally the *Service). Callers mount it on the role's mux
// and pass connect.WithInterceptors(rpcauth.ServerInterceptor(secret))
// among opts, so that only other Parley roles get in. Errors keep their
// kind across the wire (rpcauth.ToConnect).
func NewRPCHandler(dir Directory, opts ...connect.HandlerOption) (string, http.Handler) {
	return userv1connect.NewUserServiceHandler(&rpcHandler{dir: dir}, opts...)
}

type rpcHandler struct{ dir Directory }

func (h *rpcHandler) User(ctx context.Context, req *connect.Request[userv1.UserRequest]) (*connect.Response[userv1.UserResponse], error) {
	if req.Msg.GetUserId() == "" {
		return nil, rpcauth.ToConnect(errs.Field("userId", "is required"))
	}
	u, err := h.dir.Get(ctx, req.Msg.GetUserId())
	if err != nil {
		return nil, rpcauth.ToConnect(err)
	}
	return connect.NewResponse(&userv1.UserResponse{User: &userv1.User{Id: u.ID, Username: u.Username, DisplayName: u.DisplayName, PictureUrl: u.PictureURL}}), nil
}

// Client reaches the user role over RPC, with the same contract and error
// kinds as Service.Get (errs.Unavailable when the role cannot be reached).
type Client struct {
	rpc userv1connect.UserServiceClient
}

// NewClient returns a client of the user role at baseURL (e.g.
// http://user:8080). Callers pass
// connect.WithInterceptors(rpcauth.ClientInterceptor(secret)) among opts.
func NewClient(httpClient connect.HTTPClient, baseURL string, opts ...connect.ClientOption) *Client {
	return &Client{rpc: userv1connect.NewUserServiceClient(httpClient, baseURL, opts...)}
}

// Get returns one verified user; see Service.Get.
func (c *Client) Get(ctx context.Context, id string) (User, error) {
	res, err := c.rpc.User(ctx, connect.NewRequest(&userv1.UserRequest{UserId: id}))
	if err != nil {
		return User{}, fmt.Errorf("user rpc: user %s: %w", id, rpcauth.FromConnect(err))
	}
	u := res.Msg.GetUser()
	if u.GetId() != id {
		return User{}, errs.E(errs.Internal, "user rpc: asked for %s, got %q", id, u.GetId())
	}
	return User{ID: u.GetId(), Username: u.GetUsername(), DisplayName: u.GetDisplayName(), PictureURL: u.PictureUrl}, nil
}
