package group

import (
	"context"
	"fmt"
	"net/http"

	"connectrpc.com/connect"

	groupv1 "github.com/parleychat/parley/api/gen/parley/group/v1"
	"github.com/parleychat/parley/api/gen/parley/group/v1/groupv1connect"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/ids"
	"github.com/parleychat/parley/internal/rpcauth"
)

var (
	roleToProto = map[Role]groupv1.Role{
		RoleCreator: groupv1.Role_ROLE_CREATOR,
		RoleAdmin:   groupv1.Role_ROLE_ADMIN,
		RoleMember:  groupv1.Role_ROLE_MEMBER,
	}
	roleFromProto = map[groupv1.Role]Role{
		groupv1.Role_ROLE_CREATOR: RoleCreator,
		groupv1.Role_ROLE_ADMIN:   RoleAdmin,
		groupv1.Role_ROLE_MEMBER:  RoleMember,
	}
)

func toProto(m Membership) *groupv1.Membership {
	return &groupv1.Membership{
		GroupId: m.GroupID, UserId: m.UserID, Role: roleToProto[m.Role], Username: m.Username,
		Rights: &groupv1.Rights{
			AddMembers: m.Rights.AddMembers, RemoveMembers: m.Rights.RemoveMembers,
			DeleteMessages: m.Rights.DeleteMessages, MuteMembers: m.Rights.MuteMembers,
		},
	}
}

func fromProto(p *groupv1.Membership) (Membership, error) {
	role, ok := roleFromProto[p.GetRole()]
	if !ok {
		return Membership{}, errs.E(errs.Internal, "group rpc: unknown role %s", p.GetRole())
	}
	r := p.GetRights()
	return Membership{
		GroupID: p.GetGroupId(), UserID: p.GetUserId(), Role: role, Username: p.GetUsername(),
		Rights: Rights{
			AddMembers: r.GetAddMembers(), RemoveMembers: r.GetRemoveMembers(),
			DeleteMessages: r.GetDeleteMessages(), MuteMembers: r.GetMuteMembers(),
		},
	}, nil
}

// NewRPCHandler returns the path and handler of the GroupService RPC
// serving svc (normally the *Service). Callers mount it on the role's mux
// and pass connect.WithInterceptors(rpcauth.ServerInterceptor(secret))
// among opts, so that only other Parley roles get in. Errors keep their
// kind across the wire (rpcauth.ToConnect).
func NewRPCHandler(svc Memberships, opts ...connect.HandlerOption) (string, http.Handler) {
	return groupv1connect.NewGroupServiceHandler(&rpcHandler{svc: svc}, opts...)
}

type rpcHandler struct{ svc Memberships }

func (h *rpcHandler) GroupsOf(ctx context.Context, req *connect.Request[groupv1.GroupsOfRequest]) (*connect.Response[groupv1.GroupsOfResponse], error) {
	uid, ok := ids.Canonical(req.Msg.GetUserId())
	if !ok {
		return nil, rpcauth.ToConnect(errs.Field("userId", "must be a user id"))
	}
	ms, err := h.svc.GroupsOf(ctx, uid)
	if err != nil {
		return nil, rpcauth.ToConnect(err)
	}
	out := &groupv1.GroupsOfResponse{Memberships: make([]*groupv1.Membership, 0, len(ms))}
	for _, m := range ms {
		out.Memberships = append(out.Memberships, toProto(m))
	}
	return connect.NewResponse(out), nil
}

func (h *rpcHandler) Member(ctx context.Context, req *connect.Request[groupv1.MemberRequest]) (*connect.Response[groupv1.MemberResponse], error) {
	if req.Msg.GetGroupId() == "" || req.Msg.GetUserId() == "" {
		return nil, rpcauth.ToConnect(errs.E(errs.Invalid, "groupId and userId are required"))
	}
	gid, okG := ids.Canonical(req.Msg.GetGroupId())
	uid, okU := ids.Canonical(req.Msg.GetUserId())
	if !okG || !okU {
		// Not ids: they name no membership.
		return nil, rpcauth.ToConnect(errs.E(errs.NotFound, "no such member"))
	}
	m, err := h.svc.Member(ctx, gid, uid)
	if err != nil {
		return nil, rpcauth.ToConnect(err)
	}
	return connect.NewResponse(&groupv1.MemberResponse{Membership: toProto(m)}), nil
}

// Client reaches the group role's memberships over RPC. It has the same
// methods and error kinds as Service (errs.NotFound for a non-member;
// errs.Unavailable when the group role cannot be reached).
type Client struct {
	rpc groupv1connect.GroupServiceClient
}

// NewClient returns a client of the group role at baseURL (e.g.
// http://group:8080). Callers pass
// connect.WithInterceptors(rpcauth.ClientInterceptor(secret)) among opts.
func NewClient(httpClient connect.HTTPClient, baseURL string, opts ...connect.ClientOption) *Client {
	return &Client{rpc: groupv1connect.NewGroupServiceClient(httpClient, baseURL, opts...)}
}

// GroupsOf lists every membership of userID; see Service.GroupsOf.
func (c *Client) GroupsOf(ctx context.Context, userID string) ([]Membership, error) {
	res, err := c.rpc.GroupsOf(ctx, connect.NewRequest(&groupv1.GroupsOfRequest{UserId: userID}))
	if err != nil {
		return nil, fmt.Errorf("group rpc: groups of %s: %w", userID, rpcauth.FromConnect(err))
	}
	out := make([]Membership, 0, len(res.Msg.GetMemberships()))
	for _, p := range res.Msg.GetMemberships() {
		m, err := fromProto(p)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Member returns one membership; see Service.Member.
func (c *Client) Member(ctx context.Context, groupID, userID string) (Membership, error) {
	res, err := c.rpc.Member(ctx, connect.NewRequest(&groupv1.MemberRequest{GroupId: groupID, UserId: userID}))
	if err != nil {
		return Membership{}, fmt.Errorf("group rpc: member %s of %s: %w", userID, groupID, rpcauth.FromConnect(err))
	}
	return fromProto(res.Msg.GetMembership())
}
