package message

import (
	"context"
	"fmt"
	"net/http"

	"connectrpc.com/connect"

	messagev1 "github.com/parleychat/parley/api/gen/parley/message/v1"
	"github.com/parleychat/parley/api/gen/parley/message/v1/messagev1connect"
	"github.com/parleychat/parley/internal/errs"
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

func (h *rpcHandler) ReadStates(ctx context.Context, req *connect.Request[messagev1.ReadStatesRequest]) (*connect.Response[messagev1.ReadStatesResponse], error) {
	if len(req.Msg.GetGroupIds()) > maxSeqIDs {
		return nil, rpcauth.ToConnect(errs.Field("groupIds", "at most 1000 ids"))
	}
	if req.Msg.GetUserId() == "" {
		return nil, rpcauth.ToConnect(errs.Field("userId", "is required"))
	}
	sts, err := h.svc.ReadStates(ctx, req.Msg.GetUserId(), req.Msg.GetGroupIds())
	if err != nil {
		return nil, rpcauth.ToConnect(err)
	}
	res := &messagev1.ReadStatesResponse{States: make([]*messagev1.ReadState, len(sts))}
	for i, st := range sts {
		res.States[i] = toProto(st)
	}
	return connect.NewResponse(res), nil
}

func (h *rpcHandler) MarkRead(ctx context.Context, req *connect.Request[messagev1.MarkReadRequest]) (*connect.Response[messagev1.MarkReadResponse], error) {
	st, err := h.svc.MarkRead(ctx, req.Msg.GetGroupId(), req.Msg.GetUserId(), req.Msg.GetSeq())
	if err != nil {
		return nil, rpcauth.ToConnect(err)
	}
	return connect.NewResponse(&messagev1.MarkReadResponse{State: toProto(st)}), nil
}

func toProto(st ReadState) *messagev1.ReadState {
	return &messagev1.ReadState{GroupId: st.GroupID, LastReadSeq: st.LastReadSeq, LastSeq: st.LastSeq, Unread: st.Unread, Mentions: st.Mentions}
}

func fromProto(p *messagev1.ReadState) ReadState {
	return ReadState{GroupID: p.GetGroupId(), LastReadSeq: p.GetLastReadSeq(), LastSeq: p.GetLastSeq(), Unread: p.GetUnread(), Mentions: p.GetMentions()}
}

// Client reaches the message role over RPC. It has the same contract and
// error kinds as Service.LastSeqs, ReadStates and MarkRead (errs.Unavailable when the role cannot
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

// ReadStates implements Sequences; see Service.ReadStates. At most 1000
// ids per call.
func (c *Client) ReadStates(ctx context.Context, userID string, groupIDs []string) ([]ReadState, error) {
	res, err := c.rpc.ReadStates(ctx, connect.NewRequest(&messagev1.ReadStatesRequest{UserId: userID, GroupIds: groupIDs}))
	if err != nil {
		return nil, fmt.Errorf("message rpc: read states: %w", rpcauth.FromConnect(err))
	}
	if len(res.Msg.GetStates()) != len(groupIDs) {
		return nil, errs.E(errs.Unavailable, "message rpc: read states: %d states for %d groups", len(res.Msg.GetStates()), len(groupIDs))
	}
	out := make([]ReadState, len(groupIDs))
	for i, p := range res.Msg.GetStates() {
		out[i] = fromProto(p)
	}
	return out, nil
}

// MarkRead implements Sequences; see Service.MarkRead.
func (c *Client) MarkRead(ctx context.Context, groupID, userID string, seq int64) (ReadState, error) {
	res, err := c.rpc.MarkRead(ctx, connect.NewRequest(&messagev1.MarkReadRequest{GroupId: groupID, UserId: userID, Seq: seq}))
	if err != nil {
		return ReadState{}, fmt.Errorf("message rpc: mark read: %w", rpcauth.FromConnect(err))
	}
	return fromProto(res.Msg.GetState()), nil
}
