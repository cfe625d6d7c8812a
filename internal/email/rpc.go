package email

import (
	"context"
	"fmt"
	"net/http"

	"connectrpc.com/connect"

	emailv1 "github.com/parleychat/parley/api/gen/parley/email/v1"
	"github.com/parleychat/parley/api/gen/parley/email/v1/emailv1connect"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/rpcauth"
)

var (
	kindToProto = map[Kind]emailv1.Kind{
		KindVerification:  emailv1.Kind_KIND_VERIFICATION,
		KindPasswordReset: emailv1.Kind_KIND_PASSWORD_RESET,
	}
	kindFromProto = map[emailv1.Kind]Kind{
		emailv1.Kind_KIND_VERIFICATION:   KindVerification,
		emailv1.Kind_KIND_PASSWORD_RESET: KindPasswordReset,
	}
)

// NewHandler returns the path and handler of the EmailService RPC serving
// svc (normally the *Service). Callers mount it on the role's mux and pass
// connect.WithInterceptors(rpcauth.ServerInterceptor(secret)) among opts,
// so that only other Parley roles get in. Errors keep their kind across
// the wire (rpcauth.ToConnect); errors without one are reported as
// internal, their cause staying in this process's log.
func NewHandler(svc Sender, opts ...connect.HandlerOption) (string, http.Handler) {
	return emailv1connect.NewEmailServiceHandler(&handler{svc: svc}, opts...)
}

type handler struct{ svc Sender }

func (h *handler) Send(ctx context.Context, req *connect.Request[emailv1.SendRequest]) (*connect.Response[emailv1.SendResponse], error) {
	m := req.Msg
	r := Request{Kind: kindFromProto[m.GetKind()], To: m.GetTo(), Username: m.GetUsername(), Code: m.GetCode()}
	if r.Kind == "" {
		return nil, rpcauth.ToConnect(errs.Field("kind", fmt.Sprintf("unknown mail kind %s", m.GetKind())))
	}
	if err := h.svc.Send(ctx, r); err != nil {
		return nil, rpcauth.ToConnect(err)
	}
	return connect.NewResponse(&emailv1.SendResponse{}), nil
}

// Client reaches the email role over RPC. It has the same Send as
// Service, with the same error kinds: errs.Invalid for a request that can
// never succeed, and errs.Unavailable (or another kind, never Invalid) for
// anything worth retrying, including the email role being unreachable.
type Client struct {
	rpc emailv1connect.EmailServiceClient
}

// NewClient returns a client of the email role at baseURL (e.g.
// http://email:8080). Callers pass
// connect.WithInterceptors(rpcauth.ClientInterceptor(secret)) among opts.
func NewClient(httpClient connect.HTTPClient, baseURL string, opts ...connect.ClientOption) *Client {
	return &Client{rpc: emailv1connect.NewEmailServiceClient(httpClient, baseURL, opts...)}
}

// Send asks the email role to send r; see Service.Send.
func (c *Client) Send(ctx context.Context, r Request) error {
	k, ok := kindToProto[r.Kind]
	if !ok {
		return errs.Field("kind", fmt.Sprintf("unknown mail kind %q", r.Kind))
	}
	_, err := c.rpc.Send(ctx, connect.NewRequest(&emailv1.SendRequest{
		Kind: k, To: r.To, Username: r.Username, Code: r.Code,
	}))
	if err != nil {
		return fmt.Errorf("email rpc: send %s mail: %w", r.Kind, rpcauth.FromConnect(err))
	}
	return nil
}
