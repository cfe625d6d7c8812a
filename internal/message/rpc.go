package message

import (
	"context"
	"fmt"
	"net/http"

	"connectrpc.com/connect"

	messagev1 "github.com/parleychat/parley/api/gen/parley/message/v1"
	"github.com/parleychat/parley/api/gen/parley/message/v1/messagev1connect"
	"github.com/parleychat/parley/internal/rpcauth"
)

// NewRPCHandler returns the path and handler of the MessageService RPC
// serving svc (normally the *Service). Callers mount it on the role's mux
// and pass connect.WithInterceptors(rpcauth.ServerInterceptor(secret))
// among opts, so that only other Parley roles get in. Errors keep their
// kind across the wire (rpcauth.ToConnect).
func NewRPCHandler(svc Sequences, opts ...connect.HandlerOption) (string, http.Handler) {
	return messagev1connect.NewMessageServiceHandler(&rpcHandler{svc: svc}, opts...)
}

type rpcHandler struct{ svc Sequences }

func (h *rpcHandler) LastSeqs(ctx context.Context, req *connect.Request[messagev1.LastSeqsRequest]) (*connect.Response[messagev1.LastSeqsResponse], error) {
	seqs, err := h.svc.LastSeqs(ctx, req.Msg.GetGroupIds())
	if err != nil {
		return nil, rpcauth.ToConnect(err)
	}
	return connect.NewResponse(&messagev1.LastSeqsResponse{LastSeqs: seqs}), nil
}

// Client reaches the message role over RPC. It has the same contract and
// error kinds as Service.LastSeqs (errs.Unavailable when the role cannot
// be reached).
type Client struct {
	rpc messagev1connect.MessageServiceClient
}

var _ Sequences = (*Client)(nil)

// NewClient returns a client of the message role at baseURL (e.g.
// http://message:8080). Callers pass
// connect.WithInterceptors(rpcauth.ClientInterceptor(secret)) among opts.
func NewClient(httpClient connect.HTTPClient, baseURL string, opts ...connect.ClientOption) *Client {
	return &Client{rpc: messagev1connect.NewMessageServiceClient(httpClient, baseURL, opts...)}
}

// LastSeqs implements Sequences; see Service.LastSeqs.
func (c *Client) LastSeqs(ctx context.Context, groupIDs []string) (map[string]int64, error) {
	res, err := c.rpc.LastSeqs(ctx, connect.NewRequest(&messagev1.LastSeqsRequest{GroupIds: groupIDs}))
	if err != nil {
		return nil, fmt.Errorf("message rpc: last seqs: %w", rpcauth.FromConnect(err))
	}
	out := make(map[string]int64, len(groupIDs))
	for _, id := range groupIDs {
		out[id] = 0
	}
	for id, seq := range res.Msg.GetLastSeqs() {
		out[id] = seq
	}
	return out, nil
}
